package graph

import (
	"encoding/base64"
	"strconv"
	"strings"

	"dangjian/internal/apperr"
)

// Global id type names.
const (
	typeOrganization   = "Organization"
	typePerson         = "Person"
	typeUser           = "User"
	typeRoleAssignment = "RoleAssignment"
	typeTown           = "Town"
	typeDistrict       = "District"
	typeAuditEntry     = "AuditEntry"
	typeTaskTemplate   = "TaskTemplate"
	typeTaskInstance   = "TaskInstance"
	typeActivityRecord = "ActivityRecord"
	typeAttachment     = "Attachment"
	typeDeployment     = "Deployment"
	typeNotification   = "Notification"
	typeWebhook        = "Webhook"
	typeScoringScheme  = "ScoringScheme"
	typeSummary        = "Summary"
	typeExport         = "Export"
)

// toGlobalID encodes a Relay global id: base64url("Type:123").
func toGlobalID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// parseGlobalID decodes any global id into its type and database id.
func parseGlobalID(gid string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", 0, apperr.Invalid("id", "ID 格式无效")
	}
	typ, num, ok := strings.Cut(string(b), ":")
	id, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || id <= 0 {
		return "", 0, apperr.Invalid("id", "ID 格式无效")
	}
	return typ, id, nil
}

// fromGlobalID decodes gid and checks that it names an object of type typ.
func fromGlobalID(typ, gid string) (int64, error) {
	t, id, err := parseGlobalID(gid)
	if err != nil {
		return 0, err
	}
	if t != typ {
		return 0, apperr.Invalid("id", "ID 所指的对象类型不正确")
	}
	return id, nil
}

// optionalID decodes an optional global id.
func optionalID(typ string, gid *string) (*int64, error) {
	if gid == nil || *gid == "" {
		return nil, nil
	}
	id, err := fromGlobalID(typ, *gid)
	if err != nil {
		return nil, err
	}
	return &id, nil
}
