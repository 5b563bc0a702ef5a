package auth

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
)

// Assignment gives a user a role on an org node of their town (TenantID and
// OrgID set; it covers the node's subtree) or on their district (DistrictID set).
type Assignment struct {
	bun.BaseModel `bun:"table:role_assignments,alias:ra"`

	ID         int64      `bun:"id,pk,autoincrement"`
	UserID     int64      `bun:"user_id"`
	Role       authz.Role `bun:"role"`
	TenantID   *int64     `bun:"tenant_id"`
	DistrictID *int64     `bun:"district_id"`
	OrgID      *int64     `bun:"org_id"`
	// ScopeKey is "org:<id>" or "district:<id>"; a user holds a role once per scope.
	ScopeKey  string    `bun:"scope_key"`
	CreatedBy *int64    `bun:"created_by"`
	CreatedAt time.Time `bun:"created_at"`
}

// orgRef is what role assignment needs to know about an organisation.
type orgRef struct {
	ID          int64      `bun:"id"`
	TenantID    int64      `bun:"tenant_id"`
	Path        string     `bun:"path"`
	DissolvedAt *time.Time `bun:"dissolved_at"`
}

// loadOrg reads an organisation within the scope of ctx, or NOT_FOUND.
func loadOrg(ctx context.Context, idb bun.IDB, id int64) (*orgRef, error) {
	cond, args, err := actor.ScopeOf(ctx).Filter("tenant_id")
	if err != nil {
		return nil, err
	}
	var rows []orgRef
	if err := idb.NewSelect().Table("organizations").Column("id", "tenant_id", "path", "dissolved_at").
		Where("id = ?", id).Where(cond, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("load organization %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "找不到该党组织，或您无权查看")
	}
	return &rows[0], nil
}

// assignmentChange is the audit record of an assignment change.
func assignmentChange(a *Assignment, action string, before, after any) audit.Change {
	c := audit.Change{Action: action, EntityType: "role_assignment", EntityID: a.ID, Before: before, After: after}
	switch {
	case a.TenantID != nil:
		c.TenantID = *a.TenantID
	case a.DistrictID != nil:
		c.DistrictID = *a.DistrictID
	}
	return c
}

// AssignRole gives a user a role: an org role on orgID (an organisation of
// the user's own town, not dissolved), or a district role on districtID (the
// district of a district user). It needs role.assign on that org or district,
// so nobody grants beyond their own reach. A duplicate is a CONFLICT. The
// change takes effect at once on every replica.
func (s *Service) AssignRole(ctx context.Context, userID int64, role authz.Role, orgID, districtID *int64) (*Assignment, error) {
	if _, err := actor.Require(ctx); err != nil {
		return nil, err
	}
	return s.assignRole(ctx, userID, role, orgID, districtID)
}

// AssignRoleSystem is AssignRole on behalf of the platform (CLI, seed): no
// actor is needed; the rules still apply and the change is audited as "system".
func (s *Service) AssignRoleSystem(ctx context.Context, userID int64, role authz.Role, orgID, districtID *int64) (*Assignment, error) {
	return s.assignRole(systemOnly(ctx), userID, role, orgID, districtID)
}

func (s *Service) assignRole(ctx context.Context, userID int64, role authz.Role, orgID, districtID *int64) (*Assignment, error) {
	if !role.Valid() {
		return nil, apperr.Invalid("role", "角色无效")
	}
	a := &Assignment{UserID: userID, Role: role, CreatedAt: s.now()}
	if ac, ok := actor.FromContext(ctx); ok {
		a.CreatedBy = &ac.UserID
	}
	var target authz.Target
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		u, err := loadUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if role.IsDistrictRole() {
			if districtID == nil || orgID != nil {
				return apperr.Invalid("districtId", "区级角色须指定所授权的区")
			}
			if u.TenantID != nil || u.DistrictID == nil || *u.DistrictID != *districtID {
				return apperr.Invalid("districtId", "区级角色只能授予本区的区级用户")
			}
			d := *districtID
			a.DistrictID, a.ScopeKey = &d, "district:"+strconv.FormatInt(d, 10)
			target = authz.Target{DistrictID: d}
			return nil
		}
		if orgID == nil || districtID != nil {
			return apperr.Invalid("orgId", "请指定授权的党组织")
		}
		org, err := loadOrg(ctx, tx, *orgID)
		if err != nil {
			return err
		}
		if u.TenantID == nil || *u.TenantID != org.TenantID {
			return apperr.Invalid("orgId", "只能在用户所属乡镇内授权")
		}
		if org.DissolvedAt != nil {
			return apperr.Invalid("orgId", "该党组织已撤销，不能授权")
		}
		tenant, id := org.TenantID, org.ID
		a.TenantID, a.OrgID, a.ScopeKey = &tenant, &id, "org:"+strconv.FormatInt(id, 10)
		target = authz.Target{TenantID: tenant, OrgPath: org.Path}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.az.Check(ctx, authz.RoleAssign, target); err != nil {
		return nil, err
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Wrap(apperr.Conflict, "该用户已拥有此角色", err)
			}
			return fmt.Errorf("insert role assignment: %w", err)
		}
		if err := authz.BumpVersion(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, assignmentChange(a, "role.assign", nil, a))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// RevokeRole removes a role assignment. It needs role.assign where the
// assignment applies; assignments out of the actor's scope are NOT_FOUND.
func (s *Service) RevokeRole(ctx context.Context, assignmentID int64) error {
	if _, err := actor.Require(ctx); err != nil {
		return err
	}
	a := new(Assignment)
	var target authz.Target
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cond, args, err := assignmentScopeCond(actor.ScopeOf(ctx))
		if err != nil {
			return err
		}
		if err := tx.NewSelect().Model(a).Where("ra.id = ?", assignmentID).Where(cond, args...).Scan(ctx); err != nil {
			if db.IsNoRows(err) {
				return apperr.New(apperr.NotFound, "找不到该授权，或您无权查看")
			}
			return fmt.Errorf("load role assignment %d: %w", assignmentID, err)
		}
		switch {
		case a.OrgID != nil && a.TenantID != nil:
			var paths []string
			if err := tx.NewSelect().Table("organizations").Column("path").
				Where("id = ? AND tenant_id = ?", *a.OrgID, *a.TenantID).Scan(ctx, &paths); err != nil {
				return fmt.Errorf("load organization %d: %w", *a.OrgID, err)
			}
			if len(paths) == 0 {
				return fmt.Errorf("role assignment %d: organization %d missing", a.ID, *a.OrgID)
			}
			target = authz.Target{TenantID: *a.TenantID, OrgPath: paths[0]}
		case a.DistrictID != nil:
			target = authz.Target{DistrictID: *a.DistrictID}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.check(ctx, authz.RoleAssign, target); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Assignment)(nil)).Where("id = ?", assignmentID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete role assignment %d: %w", assignmentID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "找不到该授权，或您无权查看")
		}
		if err := authz.BumpVersion(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, assignmentChange(a, "role.revoke", a, nil))
	})
}

// RolesOf returns the role assignments of the users among userIDs that the
// actor may read (see GetUsers), in one query. For per-request dataloaders.
func (s *Service) RolesOf(ctx context.Context, userIDs []int64) (map[int64][]*Assignment, error) {
	if err := requireActor(ctx); err != nil {
		return nil, err
	}
	out := make(map[int64][]*Assignment, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	cond, args, err := s.readableCond(ctx)
	if err != nil {
		return nil, err
	}
	var rows []*Assignment
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		return tx.NewSelect().Model(&rows).
			Join("JOIN users AS u ON u.id = ra.user_id").
			Where("ra.user_id IN (?)", bun.In(userIDs)).Where(cond, args...).
			OrderExpr("ra.id").Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("load role assignments: %w", err)
	}
	for _, a := range rows {
		out[a.UserID] = append(out[a.UserID], a)
	}
	return out, nil
}
