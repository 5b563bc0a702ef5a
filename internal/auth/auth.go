// Package auth signs users in and out and manages their accounts and role
// assignments.
//
// Passwords are stored as argon2id PHC strings. A sign-in yields a short-lived
// JWT access token (HS256) and an opaque refresh token of which only the
// SHA-256 hash is stored; refresh tokens rotate within a family, and a replayed
// (already rotated) refresh token ends the whole family. Repeated failures lock
// an account for a while. Every change is audited in its own transaction.
package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
)

// Defaults and limits of sign-in.
const (
	// DefaultAccessTTL is the access-token lifetime when Config.AccessTTL is zero.
	DefaultAccessTTL = 15 * time.Minute
	// DefaultRefreshTTL is the refresh-token lifetime when Config.RefreshTTL is zero.
	DefaultRefreshTTL = 7 * 24 * time.Hour
	// MinSecretLen is the shortest accepted token-signing secret, in bytes.
	MinSecretLen = 32

	// maxFailures failed sign-ins within failureWindow lock the account for lockDuration.
	maxFailures   = 5
	failureWindow = 15 * time.Minute
	lockDuration  = 15 * time.Minute

	// attemptRetention is how long login attempts are kept (and looked back on).
	attemptRetention = 24 * time.Hour
	// tokenRetention is how long expired or revoked refresh tokens are kept;
	// while kept, replaying a rotated token is still recognised as theft.
	tokenRetention = 7 * 24 * time.Hour
)

// Config configures the Service.
type Config struct {
	// Secret signs access tokens (HS256); at least MinSecretLen bytes.
	Secret []byte
	// AccessTTL is the access-token lifetime; zero means DefaultAccessTTL.
	AccessTTL time.Duration
	// RefreshTTL is the refresh-token lifetime; zero means DefaultRefreshTTL.
	RefreshTTL time.Duration
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
}

// Service signs users in and manages accounts and role assignments.
type Service struct {
	db  *db.DB
	az  *authz.Authorizer
	cfg Config
	// dummyHash is verified against when the username is unknown, so that
	// unknown users take as long to refuse as wrong passwords.
	dummyHash string
}

// NewService returns a Service. A Secret shorter than MinSecretLen makes every
// sign-in fail with an internal error rather than issue weak tokens.
func NewService(d *db.DB, az *authz.Authorizer, cfg Config) *Service {
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = DefaultAccessTTL
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = DefaultRefreshTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{db: d, az: az, cfg: cfg, dummyHash: dummyPasswordHash()}
}

// now is the injected clock in UTC, at the microsecond precision both databases store.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// User-facing errors. Constructed per call: apperr values carry mutable fields.
func errBadCredentials() error { return apperr.New(apperr.Unauthenticated, "用户名或密码错误") }
func errDisabled() error       { return apperr.New(apperr.Unauthenticated, "账号已停用") }
func errLocked() error {
	return apperr.New(apperr.RateLimited, "登录失败次数过多，账号已锁定15分钟，请稍后再试")
}
func errSession() error {
	return apperr.New(apperr.Unauthenticated, "登录已过期，请重新登录")
}
func errUserNotFound() error {
	return apperr.New(apperr.NotFound, "找不到该用户，或您无权查看")
}

// userScopeCond restricts the users table (alias u) to the rows the scope may
// see, mirroring the row-level-security policies so SQLite gets the same isolation.
func userScopeCond(s actor.Scope) (string, []any, error) {
	switch {
	case s.System:
		return "1 = 1", nil, nil
	case s.TenantID != 0:
		return "u.tenant_id = ?", []any{s.TenantID}, nil
	case s.DistrictID != 0:
		return "(u.tenant_id IN (SELECT id FROM tenants WHERE district_id = ?) OR (u.tenant_id IS NULL AND u.district_id = ?))",
			[]any{s.DistrictID, s.DistrictID}, nil
	default:
		return "", nil, apperr.ErrNoTenant
	}
}

// assignmentScopeCond is userScopeCond for role_assignments (alias ra).
func assignmentScopeCond(s actor.Scope) (string, []any, error) {
	c, args, err := userScopeCond(s)
	return strings.ReplaceAll(c, "u.", "ra."), args, err
}

// rootPathExpr is the org path of the town root of the user row u.
const rootPathExpr = "(SELECT o.path FROM organizations AS o WHERE o.tenant_id = u.tenant_id AND o.parent_id IS NULL ORDER BY o.id LIMIT 1)"

// userGrantCond restricts users (alias u) to those covered by grants: town
// users by a grant on their town root, district users by a district grant,
// platform admins only by a grant on everything.
func userGrantCond(g authz.Grants) (string, []any) {
	if g.All {
		return "1 = 1", nil
	}
	town, args := g.Filter("u.tenant_id", rootPathExpr)
	if len(g.Districts) == 0 {
		return town, args
	}
	return "(" + town + " OR (u.tenant_id IS NULL AND u.district_id IN (?)))", append(args, bun.In(g.Districts))
}

// readableCond is the condition on users (alias u) that the actor in ctx may
// read: themselves, and the users their UserRead grants cover within their scope.
func (s *Service) readableCond(ctx context.Context) (string, []any, error) {
	scope, scopeArgs, err := userScopeCond(actor.ScopeOf(ctx))
	if err != nil {
		return "", nil, err
	}
	grants, err := s.az.Grants(ctx, authz.UserRead)
	if err != nil {
		return "", nil, err
	}
	grant, grantArgs := userGrantCond(grants)
	self := int64(0)
	if a, ok := actor.FromContext(ctx); ok {
		self = a.UserID
	}
	args := append(append(scopeArgs, self), grantArgs...)
	return "(" + scope + " AND (u.id = ? OR " + grant + "))", args, nil
}

// rootPath returns the path of the town's root organisation, or "" when the
// town has none yet (then only platform admins and the system pass checks on it).
func rootPath(ctx context.Context, idb bun.IDB, tenantID int64) (string, error) {
	var paths []string
	err := idb.NewSelect().Table("organizations").Column("path").
		Where("tenant_id = ? AND parent_id IS NULL", tenantID).
		OrderExpr("id").Limit(1).Scan(ctx, &paths)
	if err != nil {
		return "", fmt.Errorf("read town root: %w", err)
	}
	if len(paths) == 0 {
		return "", nil
	}
	return paths[0], nil
}

// userTarget is what an action on an existing user is checked against.
func userTarget(u *User, root string) authz.Target {
	if u.TenantID != nil {
		return authz.Target{TenantID: *u.TenantID, OrgPath: root}
	}
	if u.DistrictID != nil {
		return authz.Target{DistrictID: *u.DistrictID}
	}
	return authz.Target{}
}

// check is az.Check, except that platform-admin accounts (no town, no
// district) are managed by platform admins only.
func (s *Service) check(ctx context.Context, act authz.Action, t authz.Target) error {
	if t.TenantID == 0 && t.DistrictID == 0 {
		return requirePlatformAdmin(ctx)
	}
	return s.az.Check(ctx, act, t)
}

// requirePlatformAdmin allows system contexts and platform admins.
func requirePlatformAdmin(ctx context.Context) error {
	if actor.IsSystem(ctx) {
		return nil
	}
	a, err := actor.Require(ctx)
	if err != nil {
		return err
	}
	if !a.PlatformAdmin {
		return apperr.ErrForbidden
	}
	return nil
}

// requireActor returns UNAUTHENTICATED for contexts with neither an actor nor the system mark.
func requireActor(ctx context.Context) error {
	if actor.IsSystem(ctx) {
		return nil
	}
	_, err := actor.Require(ctx)
	return err
}

// systemOnly returns a system context without any actor, for the bootstrap
// methods: audit records then name "system" as the actor.
func systemOnly(ctx context.Context) context.Context {
	return actor.System(actor.With(ctx, actor.Actor{}))
}

// elevate raises tx to system scope for sign-in bookkeeping (refresh tokens),
// which row-level security shows to the system scope only. Callers have
// authorised the change already; do it as the last step of the transaction.
func (s *Service) elevate(ctx context.Context, tx bun.Tx) error {
	return db.ApplyScope(ctx, s.db.Dialect, tx, actor.Scope{System: true})
}

// revokeUserTokens ends every session of a user (password change or reset, disabling).
func (s *Service) revokeUserTokens(ctx context.Context, tx bun.Tx, userID int64, now time.Time) error {
	if err := s.elevate(ctx, tx); err != nil {
		return err
	}
	_, err := tx.NewUpdate().Table("refresh_tokens").Set("revoked_at = ?", now).
		Where("user_id = ? AND revoked_at IS NULL", userID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke sessions of user %d: %w", userID, err)
	}
	return nil
}
