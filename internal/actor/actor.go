// Package actor carries who is acting (the signed-in user, or the system for
// background jobs) and the request id through context.Context, and derives
// the tenant scope that every store query and database transaction uses.
package actor

import (
	"context"
	"fmt"

	"dangjian/internal/apperr"
)

// Actor is the signed-in user on whose behalf a request runs.
type Actor struct {
	UserID   int64
	Username string
	// TenantID is the user's town (乡镇/街道); 0 for district and platform users.
	TenantID int64
	// DistrictID is the user's district (区); set for town and district users.
	DistrictID int64
	// PlatformAdmin users operate the whole deployment.
	PlatformAdmin bool
	// PersonID links the account to a person record, when there is one.
	PersonID int64
}

type actorKey struct{}
type systemKey struct{}
type requestIDKey struct{}

// With returns ctx carrying a.
func With(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// FromContext returns the actor in ctx.
func FromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok && a.UserID != 0
}

// Require returns the actor in ctx or an UNAUTHENTICATED error.
func Require(ctx context.Context) (Actor, error) {
	a, ok := FromContext(ctx)
	if !ok {
		return Actor{}, apperr.ErrUnauthenticated
	}
	return a, nil
}

// System marks ctx as running on behalf of the platform itself (background
// jobs, sign-in lookups, migrations, seeding): it may read and write every tenant.
// Never derive a system context from user input.
func System(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey{}, true)
}

// IsSystem reports whether ctx was marked by System.
func IsSystem(ctx context.Context) bool {
	v, _ := ctx.Value(systemKey{}).(bool)
	return v
}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	v, _ := ctx.Value(requestIDKey{}).(string)
	return v
}

// Scope is the set of tenants a context may touch.
type Scope struct {
	// System scope sees everything.
	System bool
	// TenantID, when set, is the one town the context reads and writes.
	TenantID int64
	// DistrictID, when set without TenantID, lets the context read every town
	// of the district and write district-level rows only.
	DistrictID int64
}

// ScopeOf returns the scope of ctx. A context with no actor and no system mark
// has the zero scope, which sees nothing.
func ScopeOf(ctx context.Context) Scope {
	if IsSystem(ctx) {
		return Scope{System: true}
	}
	a, ok := FromContext(ctx)
	if !ok {
		return Scope{}
	}
	if a.PlatformAdmin {
		return Scope{System: true}
	}
	if a.TenantID != 0 {
		return Scope{TenantID: a.TenantID}
	}
	return Scope{DistrictID: a.DistrictID}
}

// Empty reports whether the scope sees nothing.
func (s Scope) Empty() bool { return !s.System && s.TenantID == 0 && s.DistrictID == 0 }

// Filter returns a SQL condition restricting column (a tenant_id column) to the
// tenants the scope may read. It fails closed: an empty scope is an error.
func (s Scope) Filter(column string) (string, []any, error) {
	switch {
	case s.System:
		return "1 = 1", nil, nil
	case s.TenantID != 0:
		return column + " = ?", []any{s.TenantID}, nil
	case s.DistrictID != 0:
		return column + " IN (SELECT id FROM tenants WHERE district_id = ?)", []any{s.DistrictID}, nil
	default:
		return "", nil, apperr.ErrNoTenant
	}
}

// CanRead reports whether the scope may read rows of tenantID in districtID.
func (s Scope) CanRead(tenantID, districtID int64) bool {
	switch {
	case s.System:
		return true
	case s.TenantID != 0:
		return s.TenantID == tenantID
	case s.DistrictID != 0:
		return s.DistrictID == districtID
	}
	return false
}

// CanWriteTenant reports whether the scope may write rows of tenantID.
// District scopes never write town rows.
func (s Scope) CanWriteTenant(tenantID int64) bool {
	return s.System || (s.TenantID != 0 && s.TenantID == tenantID)
}

// String is for logs.
func (s Scope) String() string {
	switch {
	case s.System:
		return "system"
	case s.TenantID != 0:
		return fmt.Sprintf("tenant:%d", s.TenantID)
	case s.DistrictID != 0:
		return fmt.Sprintf("district:%d", s.DistrictID)
	}
	return "none"
}
