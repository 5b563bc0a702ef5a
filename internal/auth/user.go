package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/pagination"
)

// User is an account. It belongs to a town (TenantID set, DistrictID that
// town's district), to a district (TenantID nil, DistrictID set), or to
// neither when it is a platform admin.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID         int64  `bun:"id,pk,autoincrement"`
	TenantID   *int64 `bun:"tenant_id"`
	DistrictID *int64 `bun:"district_id"`
	Username   string `bun:"username"`
	// DisplayName is the person's name as shown to others (e.g. 王丽).
	DisplayName string `bun:"display_name"`
	// PasswordHash is the argon2id PHC string; never serialised.
	PasswordHash string `bun:"password_hash" json:"-"`
	// PersonID links the account to a person of the same town.
	PersonID        *int64 `bun:"person_id"`
	IsPlatformAdmin bool   `bun:"is_platform_admin"`
	// TokenVersion is bumped to end every session of the user at once.
	TokenVersion int        `bun:"token_version"`
	DisabledAt   *time.Time `bun:"disabled_at"`
	CreatedAt    time.Time  `bun:"created_at"`
	UpdatedAt    time.Time  `bun:"updated_at"`
}

// CreateUserInput is a new account. Set TenantID for a town user (DistrictID
// may be left nil: it is the town's district), DistrictID alone for a district
// user, or PlatformAdmin alone for a platform admin.
type CreateUserInput struct {
	Username, Password, DisplayName string
	TenantID, DistrictID, PersonID  *int64
	PlatformAdmin                   bool
}

// UpdateUserInput changes an account; nil fields stay as they are.
type UpdateUserInput struct {
	DisplayName *string
	// PersonID links a person of the user's town; a pointer to 0 removes the link.
	PersonID *int64
	// Disabled stops (true) or restores (false) the account. Stopping it ends its sessions.
	Disabled *bool
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	TenantID         *int64
	DistrictID       *int64
	UsernameContains string
	IncludeDisabled  bool
}

// normalizeDisplayName trims a display name, defaulting to the username, and
// limits it to 64 characters.
func normalizeDisplayName(name, username string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = username
	}
	if utf8.RuneCountInString(name) > 64 {
		return "", apperr.Invalid("displayName", "姓名不能超过64个字")
	}
	return name, nil
}

// loadUser reads user id restricted by the scope of ctx, or NOT_FOUND.
func loadUser(ctx context.Context, idb bun.IDB, id int64) (*User, error) {
	cond, args, err := userScopeCond(actor.ScopeOf(ctx))
	if err != nil {
		return nil, err
	}
	u := new(User)
	if err := idb.NewSelect().Model(u).Where("u.id = ?", id).Where(cond, args...).Scan(ctx); err != nil {
		if db.IsNoRows(err) {
			return nil, errUserNotFound()
		}
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return u, nil
}

// loadUserWithRoot loads a user in a read transaction under the scope of ctx,
// with the root path of their town for authorization checks.
func (s *Service) loadUserWithRoot(ctx context.Context, id int64) (*User, string, error) {
	var u *User
	var root string
	err := s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var err error
		if u, err = loadUser(ctx, tx, id); err != nil {
			return err
		}
		if u.TenantID != nil {
			root, err = rootPath(ctx, tx, *u.TenantID)
		}
		return err
	})
	return u, root, err
}

// checkPerson requires personID to be a current person of town tenantID.
func checkPerson(ctx context.Context, idb bun.IDB, tenantID, personID int64) error {
	n, err := idb.NewSelect().Table("persons").
		Where("id = ? AND tenant_id = ? AND removed_at IS NULL", personID, tenantID).Count(ctx)
	if err != nil {
		return fmt.Errorf("check person %d: %w", personID, err)
	}
	if n == 0 {
		return apperr.Invalid("personId", "只能关联本乡镇的人员")
	}
	return nil
}

// CreateUser creates an account. It needs user.write on the town root for a
// town user or on the district for a district user; only platform admins
// create platform admins.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (*User, error) {
	if _, err := actor.Require(ctx); err != nil {
		return nil, err
	}
	return s.createUser(ctx, in)
}

// CreateUserSystem creates an account on behalf of the platform (CLI, seed):
// no actor is needed, the input is validated and the creation audited as "system".
func (s *Service) CreateUserSystem(ctx context.Context, in CreateUserInput) (*User, error) {
	return s.createUser(systemOnly(ctx), in)
}

func (s *Service) createUser(ctx context.Context, in CreateUserInput) (*User, error) {
	now := s.now()
	u := &User{Username: normalizeUsername(in.Username), IsPlatformAdmin: in.PlatformAdmin, CreatedAt: now, UpdatedAt: now}
	if err := validateUsername(u.Username); err != nil {
		return nil, err
	}
	if err := validatePassword("password", in.Password); err != nil {
		return nil, err
	}
	var err error
	if u.DisplayName, err = normalizeDisplayName(in.DisplayName, u.Username); err != nil {
		return nil, err
	}
	if in.PersonID != nil && *in.PersonID != 0 {
		if in.TenantID == nil {
			return nil, apperr.Invalid("personId", "只有乡镇用户可以关联人员")
		}
		u.PersonID = in.PersonID
	}

	var target authz.Target
	switch {
	case in.PlatformAdmin:
		if in.TenantID != nil || in.DistrictID != nil {
			return nil, apperr.Invalid("platformAdmin", "平台管理员不属于任何乡镇或区")
		}
	case in.TenantID != nil:
		tenantID := *in.TenantID
		var districtID int64
		var root string
		err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var ids []int64
			if err := tx.NewSelect().Table("tenants").Column("district_id").Where("id = ?", tenantID).Scan(ctx, &ids); err != nil {
				return fmt.Errorf("read town %d: %w", tenantID, err)
			}
			if len(ids) == 0 {
				// Say the same as for another district's town: whether a
				// town exists is not the caller's business.
				if !actor.ScopeOf(ctx).System {
					return apperr.ErrForbidden
				}
				return apperr.Invalid("tenantId", "乡镇不存在")
			}
			districtID = ids[0]
			var err error
			root, err = rootPath(ctx, tx, tenantID)
			return err
		})
		if err != nil {
			return nil, err
		}
		if !actor.ScopeOf(ctx).CanRead(tenantID, districtID) {
			return nil, apperr.ErrForbidden
		}
		if in.DistrictID != nil && *in.DistrictID != districtID {
			return nil, apperr.Invalid("districtId", "所属区与乡镇不一致")
		}
		u.TenantID, u.DistrictID = &tenantID, &districtID
		target = authz.Target{TenantID: tenantID, OrgPath: root}
	case in.DistrictID != nil:
		districtID := *in.DistrictID
		err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			n, err := tx.NewSelect().Table("districts").Where("id = ?", districtID).Count(ctx)
			if err != nil {
				return fmt.Errorf("read district %d: %w", districtID, err)
			}
			if n == 0 {
				return apperr.Invalid("districtId", "区不存在")
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		u.DistrictID = &districtID
		target = authz.Target{DistrictID: districtID}
	default:
		return nil, apperr.Invalid("tenantId", "请指定用户所属的乡镇或区")
	}
	// Authorise before hashing, and outside any transaction: a policy reload
	// opens its own transaction, which SQLite would serialise behind ours.
	if err := s.check(ctx, authz.UserWrite, target); err != nil {
		return nil, err
	}
	if u.PasswordHash, err = hashPassword(in.Password); err != nil {
		return nil, err
	}

	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if u.PersonID != nil {
			if err := checkPerson(ctx, tx, *u.TenantID, *u.PersonID); err != nil {
				return err
			}
		}
		if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Wrap(apperr.Conflict, "用户名已存在", err)
			}
			return fmt.Errorf("insert user: %w", err)
		}
		return audit.Record(ctx, tx, userChange(u, "user.create", nil, u))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// userChange is the audit record of a change to u (whose hash never leaves: User hides it from JSON).
func userChange(u *User, action string, before, after any) audit.Change {
	c := audit.Change{Action: action, EntityType: "user", EntityID: u.ID, Before: before, After: after}
	switch {
	case u.TenantID != nil:
		c.TenantID = *u.TenantID
	case u.DistrictID != nil:
		c.DistrictID = *u.DistrictID
	}
	return c
}

// UpdateUser changes an account's display name, person link or disabled
// state. It needs user.write on the user's town root or district; users out of
// the actor's scope are NOT_FOUND. Disabling ends the user's sessions.
func (s *Service) UpdateUser(ctx context.Context, id int64, in UpdateUserInput) (*User, error) {
	a, err := actor.Require(ctx)
	if err != nil {
		return nil, err
	}
	u, root, err := s.loadUserWithRoot(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, authz.UserWrite, userTarget(u, root)); err != nil {
		return nil, err
	}
	if in.Disabled != nil && *in.Disabled && id == a.UserID {
		return nil, apperr.Invalid("disabled", "不能停用自己的账号")
	}
	if in.PersonID != nil && *in.PersonID != 0 && u.TenantID == nil {
		return nil, apperr.Invalid("personId", "只有乡镇用户可以关联人员")
	}
	var name string
	if in.DisplayName != nil {
		if name, err = normalizeDisplayName(*in.DisplayName, u.Username); err != nil {
			return nil, err
		}
	}

	now := s.now()
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if u, err = loadUser(ctx, tx, id); err != nil {
			return err
		}
		before := *u
		if in.DisplayName != nil {
			u.DisplayName = name
		}
		if in.PersonID != nil {
			if *in.PersonID == 0 {
				u.PersonID = nil
			} else {
				if err := checkPerson(ctx, tx, *u.TenantID, *in.PersonID); err != nil {
					return err
				}
				p := *in.PersonID
				u.PersonID = &p
			}
		}
		disabling := in.Disabled != nil && *in.Disabled && u.DisabledAt == nil
		enabling := in.Disabled != nil && !*in.Disabled && u.DisabledAt != nil
		switch {
		case disabling:
			u.DisabledAt = &now
			u.TokenVersion++
		case enabling:
			u.DisabledAt = nil
		}
		u.UpdatedAt = now
		if _, err := tx.NewUpdate().Model(u).
			Column("display_name", "person_id", "disabled_at", "token_version", "updated_at").
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		if disabling || enabling {
			if err := authz.BumpVersion(ctx, tx); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, userChange(u, "user.update", &before, u)); err != nil {
			return err
		}
		if disabling {
			return s.revokeUserTokens(ctx, tx, u.ID, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ResetPassword sets a user's password without the old one (an administrator's
// reset). It needs user.write like UpdateUser and ends the user's sessions.
func (s *Service) ResetPassword(ctx context.Context, id int64, newPassword string) error {
	if _, err := actor.Require(ctx); err != nil {
		return err
	}
	if err := validatePassword("newPassword", newPassword); err != nil {
		return err
	}
	u, root, err := s.loadUserWithRoot(ctx, id)
	if err != nil {
		return err
	}
	if err := s.check(ctx, authz.UserWrite, userTarget(u, root)); err != nil {
		return err
	}
	hash, err := hashPassword(newPassword)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*User)(nil)).
			Set("password_hash = ?", hash).Set("token_version = token_version + 1").Set("updated_at = ?", now).
			Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("reset password of user %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errUserNotFound()
		}
		if err := audit.Record(ctx, tx, userChange(u, "user.password_reset", nil, nil)); err != nil {
			return err
		}
		return s.revokeUserTokens(ctx, tx, id, now)
	})
}

// GetUser returns one user. Everyone may read themselves; others need
// user.read on the user's town root or district, else the user is NOT_FOUND.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	m, err := s.GetUsers(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	u, ok := m[id]
	if !ok {
		return nil, errUserNotFound()
	}
	return u, nil
}

// GetUsers returns the users among ids that the actor may read (as GetUser),
// in one query; the others are absent from the map. For per-request dataloaders.
func (s *Service) GetUsers(ctx context.Context, ids []int64) (map[int64]*User, error) {
	if err := requireActor(ctx); err != nil {
		return nil, err
	}
	out := make(map[int64]*User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cond, args, err := s.readableCond(ctx)
	if err != nil {
		return nil, err
	}
	var users []*User
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		return tx.NewSelect().Model(&users).Where("u.id IN (?)", bun.In(ids)).Where(cond, args...).Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// ListUsers returns the users the actor may read, oldest first. Town managers
// see their town's users, district admins their district's and its towns'.
// Filtering on a town out of the actor's scope is NOT_FOUND; an actor with
// user.read nowhere is FORBIDDEN. Pages are keyed by user id (Cursor.ID).
func (s *Service) ListUsers(ctx context.Context, f UserFilter, p pagination.Request) (pagination.Page[*User], error) {
	var out pagination.Page[*User]
	if err := requireActor(ctx); err != nil {
		return out, err
	}
	limit, err := p.Limit()
	if err != nil {
		return out, err
	}
	cur, hasCur, err := p.Cursor()
	if err != nil {
		return out, err
	}
	grants, err := s.az.Grants(ctx, authz.UserRead)
	if err != nil {
		return out, err
	}
	if grants.Empty() {
		return out, apperr.ErrForbidden
	}
	cond, args, err := s.readableCond(ctx)
	if err != nil {
		return out, err
	}
	scope := actor.ScopeOf(ctx)
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		if f.TenantID != nil {
			var ds []int64
			if err := tx.NewSelect().Table("tenants").Column("district_id").Where("id = ?", *f.TenantID).Scan(ctx, &ds); err != nil {
				return fmt.Errorf("read town %d: %w", *f.TenantID, err)
			}
			if len(ds) == 0 || !scope.CanRead(*f.TenantID, ds[0]) {
				return apperr.New(apperr.NotFound, "找不到该乡镇，或您无权查看")
			}
		}
		q := tx.NewSelect().Model((*User)(nil)).Where(cond, args...)
		if f.TenantID != nil {
			q = q.Where("u.tenant_id = ?", *f.TenantID)
		}
		if f.DistrictID != nil {
			q = q.Where("u.district_id = ?", *f.DistrictID)
		}
		if sub := normalizeUsername(f.UsernameContains); sub != "" {
			q = q.Where(`u.username LIKE ? ESCAPE '\'`, "%"+escapeLike(sub)+"%")
		}
		if !f.IncludeDisabled {
			q = q.Where("u.disabled_at IS NULL")
		}
		total, err := q.Count(ctx)
		if err != nil {
			return fmt.Errorf("count users: %w", err)
		}
		out.TotalCount = int(total)
		if hasCur {
			q = q.Where("u.id > ?", cur.ID)
		}
		var rows []*User
		if err := q.OrderExpr("u.id ASC").Limit(int64(limit+1)).Scan(ctx, &rows); err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		out.Items, out.HasNextPage = pagination.Trim(rows, limit)
		return nil
	})
	return out, err
}

// escapeLike escapes LIKE wildcards with '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
