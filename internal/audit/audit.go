// Package audit records every change — who, when, what, before and after —
// in the same transaction as the change itself (公开、公平、公正), and lets
// managers read the log of what they are allowed to see.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/pagination"
)

// Entry is one row of the audit log.
type Entry struct {
	bun.BaseModel `bun:"table:audit_log,alias:a"`

	ID            int64     `bun:"id,pk,autoincrement"`
	TenantID      *int64    `bun:"tenant_id"`
	DistrictID    *int64    `bun:"district_id"`
	ActorUserID   *int64    `bun:"actor_user_id"`
	ActorUsername string    `bun:"actor_username"`
	Action        string    `bun:"action"`
	EntityType    string    `bun:"entity_type"`
	EntityID      *int64    `bun:"entity_id"`
	Before        string    `bun:"before_json"`
	After         string    `bun:"after_json"`
	RequestID     string    `bun:"request_id"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Change describes one change to record.
type Change struct {
	// TenantID is the town the changed thing belongs to; 0 for district-level things.
	TenantID int64
	// DistrictID is set for district-level things.
	DistrictID int64
	// Action is a dotted verb, e.g. "org.create", "auth.login_failed".
	Action     string
	EntityType string
	EntityID   int64
	// Before and After are marshalled to JSON; nil means none.
	Before, After any
}

// Record writes c to the audit log through idb — pass the transaction that
// makes the change, so the change and its record commit or fail together.
func Record(ctx context.Context, idb bun.IDB, c Change) error {
	e := &Entry{
		Action:     c.Action,
		EntityType: c.EntityType,
		RequestID:  actor.RequestID(ctx),
		CreatedAt:  time.Now().UTC(),
	}
	if c.TenantID != 0 {
		e.TenantID = &c.TenantID
	}
	if c.DistrictID != 0 {
		e.DistrictID = &c.DistrictID
	}
	if c.EntityID != 0 {
		e.EntityID = &c.EntityID
	}
	if a, ok := actor.FromContext(ctx); ok {
		id := a.UserID
		e.ActorUserID = &id
		e.ActorUsername = a.Username
	} else if actor.IsSystem(ctx) {
		e.ActorUsername = "system"
	}
	var err error
	if e.Before, err = marshal(c.Before); err != nil {
		return err
	}
	if e.After, err = marshal(c.After); err != nil {
		return err
	}
	if _, err := idb.NewInsert().Model(e).Exec(ctx); err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

func marshal(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit marshal: %w", err)
	}
	return string(b), nil
}

// Filter narrows the audit log.
type Filter struct {
	TenantID    *int64
	EntityType  string
	EntityID    *int64
	ActorUserID *int64
	Action      string
	Since       *time.Time
	Until       *time.Time
}

// Log reads the audit log.
type Log struct {
	db    *db.DB
	authz *authz.Authorizer
}

// NewLog returns a Log.
func NewLog(d *db.DB, az *authz.Authorizer) *Log { return &Log{db: d, authz: az} }

// List returns audit entries, newest first, that the actor may read: town
// managers see their town's log, district admins their district's and its towns'.
func (l *Log) List(ctx context.Context, f Filter, page pagination.Request) (pagination.Page[*Entry], error) {
	var out pagination.Page[*Entry]
	limit, err := page.Limit()
	if err != nil {
		return out, err
	}
	cur, hasCur, err := page.Cursor()
	if err != nil {
		return out, err
	}
	grants, err := l.authz.Grants(ctx, authz.AuditRead)
	if err != nil {
		return out, err
	}
	if grants.Empty() {
		return out, apperr.ErrForbidden
	}
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("a.tenant_id")
	if err != nil {
		return out, err
	}
	err = l.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		q := tx.NewSelect().Model((*Entry)(nil))
		// Town-level rows within the granted subtrees' towns, or district-level rows of granted districts.
		var towns []any
		townCond := "1 = 0"
		if grants.All {
			townCond = "1 = 1"
		} else {
			for _, s := range grants.Subtrees {
				towns = append(towns, s.TenantID)
			}
			if len(towns) > 0 {
				townCond = "a.tenant_id IN (?)"
			}
		}
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			if len(towns) > 0 {
				q = q.Where(townCond, bun.In(towns))
			} else {
				q = q.Where(townCond)
			}
			if len(grants.Districts) > 0 {
				q = q.WhereOr("a.tenant_id IN (SELECT id FROM tenants WHERE district_id IN (?))", bun.In(grants.Districts)).
					WhereOr("a.tenant_id IS NULL AND a.district_id IN (?)", bun.In(grants.Districts))
			}
			return q
		})
		if !actor.ScopeOf(ctx).System && actor.ScopeOf(ctx).DistrictID != 0 {
			// District users also see district-level rows, which have no tenant.
			q = q.Where("("+scopeCond+" OR a.tenant_id IS NULL)", scopeArgs...)
		} else {
			q = q.Where(scopeCond, scopeArgs...)
		}
		if f.TenantID != nil {
			q = q.Where("a.tenant_id = ?", *f.TenantID)
		}
		if f.EntityType != "" {
			q = q.Where("a.entity_type = ?", f.EntityType)
		}
		if f.EntityID != nil {
			q = q.Where("a.entity_id = ?", *f.EntityID)
		}
		if f.ActorUserID != nil {
			q = q.Where("a.actor_user_id = ?", *f.ActorUserID)
		}
		if f.Action != "" {
			q = q.Where("a.action = ?", f.Action)
		}
		if f.Since != nil {
			q = q.Where("a.created_at >= ?", f.Since.UTC())
		}
		if f.Until != nil {
			q = q.Where("a.created_at < ?", f.Until.UTC())
		}
		total, err := q.Count(ctx)
		if err != nil {
			return fmt.Errorf("count audit log: %w", err)
		}
		out.TotalCount = int(total)
		if hasCur {
			q = q.Where("a.id < ?", cur.ID)
		}
		var rows []*Entry
		if err := q.OrderExpr("a.id DESC").Limit(int64(limit+1)).Scan(ctx, &rows); err != nil {
			return fmt.Errorf("list audit log: %w", err)
		}
		out.Items, out.HasNextPage = pagination.Trim(rows, limit)
		return nil
	})
	return out, err
}
