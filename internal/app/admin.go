package app

import (
	"context"
	"strings"

	"dangjian/internal/actor"
	"dangjian/internal/auth"
	"dangjian/internal/authz"
)

// createUser creates an account from the command line (in system scope, still
// validated and audited) and gives it its role.
func createUser(ctx context.Context, s Services, in CreateUserInput) error {
	ctx = actor.System(ctx)
	cu := auth.CreateUserInput{Username: in.Username, Password: in.Password, PlatformAdmin: in.PlatformAdmin}
	role := authz.Role(strings.ToLower(in.Role))
	var orgID, districtID *int64
	switch {
	case in.PlatformAdmin:
	case in.OrgID != 0:
		o, err := s.Orgs.Get(ctx, in.OrgID)
		if err != nil {
			return err
		}
		cu.TenantID, orgID = &o.TenantID, &o.ID
	default:
		cu.DistrictID, districtID = &in.DistrictID, &in.DistrictID
	}
	u, err := s.Auth.CreateUserSystem(ctx, cu)
	if err != nil {
		return err
	}
	if in.PlatformAdmin {
		return nil
	}
	_, err = s.Auth.AssignRoleSystem(ctx, u.ID, role, orgID, districtID)
	return err
}
