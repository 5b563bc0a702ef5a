package affairs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/pagination"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case Pending, Submitted, Returned, Done, Overdue:
		return true
	}
	return false
}

// Valid reports whether c is a known colour.
func (c Color) Valid() bool { return c == Green || c == Amber || c == Red }

// InstanceFilter narrows ListInstances. Zero values do not filter.
type InstanceFilter struct {
	// OrgID lists the instances of one organisation (and, with
	// IncludeDescendants, of its whole subtree). An organisation the actor
	// cannot see yields an empty page.
	OrgID              *int64
	IncludeDescendants bool
	// Period is a period key ("2026-11", "2026-Q4", "2026"); deployments carry
	// the month of their deadline.
	Period string
	// Status filters by the status as of now (Instance.StatusAt): OVERDUE
	// includes pending and returned instances past their due time.
	Status *Status
	// Color filters by the 三色 light as of now (Instance.ColorAt).
	Color *Color
	// DeploymentID lists the instances of one deployment.
	DeploymentID *int64
}

// colorSQL is a SQL expression over task_instances aliased ti that yields
// 'GREEN', 'AMBER' or 'RED' exactly as Instance.ColorAt does at now. Times are
// passed as arguments (stored UTC; bun formats them alike on both dialects).
func colorSQL(now time.Time) (string, []any) {
	now = now.UTC()
	return `(CASE
		WHEN ti.status = 'DONE' THEN
			CASE WHEN ti.completed_at IS NOT NULL AND COALESCE(ti.submitted_at, ti.completed_at) > ti.due_at
				THEN 'AMBER' ELSE 'GREEN' END
		WHEN ti.status = 'SUBMITTED' THEN
			CASE WHEN ti.submitted_at IS NOT NULL AND ti.submitted_at <= ti.due_at THEN 'GREEN' ELSE 'AMBER' END
		WHEN ti.due_at < ? THEN 'RED'
		WHEN ti.due_at <= ? THEN 'AMBER'
		ELSE 'GREEN' END)`, []any{now, now.Add(AmberWindow)}
}

// statusSQL is a condition over task_instances aliased ti matching the
// instances whose Instance.StatusAt(now) is st.
func statusSQL(st Status, now time.Time) (string, []any) {
	now = now.UTC()
	switch st {
	case Overdue:
		return "(ti.status = 'OVERDUE' OR (ti.status IN ('PENDING', 'RETURNED') AND ti.due_at < ?))", []any{now}
	case Pending, Returned:
		return "(ti.status = ? AND ti.due_at >= ?)", []any{string(st), now}
	}
	return "ti.status = ?", []any{string(st)}
}

// instanceQuery starts a query over task_instances (ti) joined with their
// organisation (o), restricted to the actor's tenant scope and task.read grants.
func (s *Service) instanceQuery(ctx context.Context, tx bun.IDB, model any) (*bun.SelectQuery, error) {
	grants, err := s.authz.Grants(ctx, authz.TaskRead)
	if err != nil {
		return nil, err
	}
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("ti.tenant_id")
	if err != nil {
		return nil, err
	}
	grantCond, grantArgs := grants.Filter("o.tenant_id", "o.path")
	return tx.NewSelect().Model(model).
		Join("JOIN organizations AS o ON o.id = ti.org_id").
		Where(scopeCond, scopeArgs...).
		Where(grantCond, grantArgs...), nil
}

// ListInstances returns a page of the task instances the actor may read
// (task.read on their organisation, within the actor's towns), by id.
func (s *Service) ListInstances(ctx context.Context, f InstanceFilter, p pagination.Request) (pagination.Page[*Instance], error) {
	var out pagination.Page[*Instance]
	ctx, err := s.start(ctx)
	if err != nil {
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
	if f.Status != nil && !f.Status.Valid() {
		return out, apperr.Invalid("status", "任务状态无效")
	}
	if f.Color != nil && !f.Color.Valid() {
		return out, apperr.Invalid("color", "预警颜色无效")
	}
	period := strings.TrimSpace(f.Period)
	if period != "" {
		// Validates the key; the zone does not matter for that.
		if _, err := ParsePeriod(period, time.UTC); err != nil {
			return out, err
		}
	}
	now := s.clock.Now()
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*Instance
		q, err := s.instanceQuery(ctx, tx, &rows)
		if err != nil {
			return err
		}
		if f.OrgID != nil {
			anchor, err := scopedOrg(ctx, tx, *f.OrgID)
			if err != nil {
				return err
			}
			if anchor == nil {
				return nil
			}
			if f.IncludeDescendants {
				q = q.Where("o.tenant_id = ?", anchor.TenantID).Where("o.path LIKE ?", anchor.Path+"%")
			} else {
				q = q.Where("ti.org_id = ?", anchor.ID)
			}
		}
		if period != "" {
			q = q.Where("ti.period = ?", period)
		}
		if f.DeploymentID != nil {
			q = q.Where("ti.deployment_id = ?", *f.DeploymentID)
		}
		if f.Status != nil {
			cond, args := statusSQL(*f.Status, now)
			q = q.Where(cond, args...)
		}
		if f.Color != nil {
			expr, args := colorSQL(now)
			q = q.Where(expr+" = ?", append(args, string(*f.Color))...)
		}
		total, err := q.Count(ctx)
		if err != nil {
			return fmt.Errorf("count task instances: %w", err)
		}
		out.TotalCount = int(total)
		if hasCur {
			q = q.Where("ti.id > ?", cur.ID)
		}
		if err := q.OrderExpr("ti.id").Limit(int64(limit + 1)).Scan(ctx); err != nil {
			return fmt.Errorf("list task instances: %w", err)
		}
		out.Items, out.HasNextPage = pagination.Trim(rows, limit)
		return nil
	})
	if err != nil {
		return pagination.Page[*Instance]{}, err
	}
	return out, nil
}

// GetInstance returns one task instance the actor may read, or NOT_FOUND.
func (s *Service) GetInstance(ctx context.Context, id int64) (*Instance, error) {
	m, err := s.GetInstances(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	i, ok := m[id]
	if !ok {
		return nil, apperr.ErrNotFound
	}
	return i, nil
}

// GetInstances returns the instances among ids that the actor may read, keyed
// by id, in one query (for dataloaders). Missing and hidden ids are absent.
func (s *Service) GetInstances(ctx context.Context, ids []int64) (map[int64]*Instance, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Instance, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*Instance
		q, err := s.instanceQuery(ctx, tx, &rows)
		if err != nil {
			return err
		}
		if err := q.Where("ti.id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
			return fmt.Errorf("get task instances: %w", err)
		}
		for _, i := range rows {
			out[i.ID] = i
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// myTasksRank orders MyTasks: work to do first (pending, returned, overdue),
// then awaiting review, then done.
const myTasksRank = "(CASE WHEN ti.status = 'DONE' THEN 2 WHEN ti.status = 'SUBMITTED' THEN 1 ELSE 0 END)"

// MyTasks returns the instances of the organisations where the signed-in user
// is responsible (holds an org_secretary or org_staff assignment on the
// organisation itself): open ones first, then awaiting review, then done,
// each by due time.
func (s *Service) MyTasks(ctx context.Context, p pagination.Request) (pagination.Page[*Instance], error) {
	var out pagination.Page[*Instance]
	ctx, err := s.start(ctx)
	if err != nil {
		return out, err
	}
	a, err := actor.Require(ctx)
	if err != nil {
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
	var curRank int
	var curDue time.Time
	if hasCur {
		rank, due, ok := strings.Cut(cur.Key, "|")
		curRank, err = strconv.Atoi(rank)
		if err == nil {
			curDue, err = time.Parse(time.RFC3339Nano, due)
		}
		if !ok || err != nil {
			return out, apperr.Invalid("after", "分页游标无效，请从第一页重新查询")
		}
	}
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*instanceWithRank
		q, err := s.instanceQuery(ctx, tx, &rows)
		if err != nil {
			return err
		}
		q = q.ColumnExpr("ti.*").ColumnExpr(myTasksRank+" AS rank").
			Where("ti.org_id IN (SELECT ra.org_id FROM role_assignments AS ra WHERE ra.user_id = ? AND ra.role IN (?) AND ra.org_id IS NOT NULL)",
				a.UserID, bun.In([]string{string(authz.OrgSecretary), string(authz.OrgStaff)})).
			Where("o.dissolved_at IS NULL")
		total, err := q.Count(ctx)
		if err != nil {
			return fmt.Errorf("count my tasks: %w", err)
		}
		out.TotalCount = int(total)
		if hasCur {
			due := curDue.UTC()
			q = q.Where("("+myTasksRank+" > ? OR ("+myTasksRank+" = ? AND (ti.due_at > ? OR (ti.due_at = ? AND ti.id > ?))))",
				curRank, curRank, due, due, cur.ID)
		}
		if err := q.OrderExpr(myTasksRank + ", ti.due_at, ti.id").Limit(int64(limit + 1)).Scan(ctx); err != nil {
			return fmt.Errorf("list my tasks: %w", err)
		}
		page, more := pagination.Trim(rows, limit)
		out.HasNextPage = more
		for _, r := range page {
			out.Items = append(out.Items, &r.Instance)
		}
		return nil
	})
	if err != nil {
		return pagination.Page[*Instance]{}, err
	}
	return out, nil
}

type instanceWithRank struct {
	Instance `bun:",extend"`
	Rank     int `bun:"rank,scanonly"`
}

// MyTasksCursor is the cursor after instance i in MyTasks.
func MyTasksCursor(i *Instance) string {
	rank := 0
	switch i.Status {
	case Submitted:
		rank = 1
	case Done:
		rank = 2
	}
	return pagination.EncodeCursor(pagination.Cursor{
		ID: i.ID, Key: strconv.Itoa(rank) + "|" + i.DueAt.UTC().Format(time.RFC3339Nano),
	})
}

// MarkOverdue sets pending and returned instances whose due time passed
// before now to OVERDUE and returns how many it changed; an overdue instance
// can still be completed (submitted late). System context only (the scheduled
// job); one audit entry per town lists the instances.
func (s *Service) MarkOverdue(ctx context.Context, now time.Time) (int, error) {
	if !actor.IsSystem(ctx) {
		return 0, apperr.ErrForbidden
	}
	n := 0
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ID       int64 `bun:"id"`
			TenantID int64 `bun:"tenant_id"`
		}
		if err := tx.NewRaw(`UPDATE task_instances SET status = 'OVERDUE', updated_at = ?
			WHERE status IN ('PENDING', 'RETURNED') AND due_at < ? RETURNING id, tenant_id`,
			s.utcNow(), now.UTC()).Scan(ctx, &rows); err != nil && !db.IsNoRows(err) {
			return fmt.Errorf("mark overdue: %w", err)
		}
		n = len(rows)
		byTown := map[int64][]int64{}
		var towns []int64
		for _, r := range rows {
			if _, ok := byTown[r.TenantID]; !ok {
				towns = append(towns, r.TenantID)
			}
			byTown[r.TenantID] = append(byTown[r.TenantID], r.ID)
		}
		for _, t := range towns {
			if err := audit.Record(ctx, tx, audit.Change{
				TenantID: t, Action: "task_instance.mark_overdue", EntityType: "task_instance",
				After: map[string]any{"status": Overdue, "count": len(byTown[t]), "ids": idList(byTown[t])},
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
