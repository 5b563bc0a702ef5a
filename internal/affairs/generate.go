package affairs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/org"
)

// insertBatch is how many instances one INSERT statement carries.
const insertBatch = 500

// Label is the Chinese name of the period, e.g. "2026年11月",
// "2026年第四季度", "2026年下半年", "2026年第48周", "2026年".
func (p Period) Label() string {
	y, m, _ := p.Start.Date()
	switch p.Cadence {
	case Weekly:
		iy, w := p.Start.ISOWeek()
		return fmt.Sprintf("%d年第%d周", iy, w)
	case Monthly:
		return fmt.Sprintf("%d年%d月", y, int(m))
	case Quarterly:
		return fmt.Sprintf("%d年第%s季度", y, []string{"一", "二", "三", "四"}[(int(m)-1)/3])
	case HalfYearly:
		if m <= 6 {
			return fmt.Sprintf("%d年上半年", y)
		}
		return fmt.Sprintf("%d年下半年", y)
	}
	return fmt.Sprintf("%d年", y)
}

// InstanceTitle is the title of a template's instance for period p, e.g.
// "2026年11月 支部委员会".
func InstanceTitle(p Period, templateName string) string { return p.Label() + " " + templateName }

// orgRef is the part of an organisation generation needs.
type orgRef struct {
	ID   int64    `bun:"id"`
	Kind org.Kind `bun:"kind"`
}

// GenerateInstances creates, for every active template of the town (its
// district's, as adjusted, and its own) and every active organisation whose
// kind the template applies to, the instance of the period that contains at
// in the town's time zone. It returns how many it created. It is idempotent
// and safe to run concurrently: existing instances are left alone (INSERT …
// ON CONFLICT DO NOTHING on the unique template, org, period). It runs as the
// system or as a user with task.write on the town's root.
func (s *Service) GenerateInstances(ctx context.Context, tenantID int64, at time.Time) (int, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return 0, err
	}
	var town *townInfo
	var templates []*Template
	var orgs []orgRef
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		if town, err = loadTown(ctx, tx, tenantID); err != nil {
			return err
		}
		if templates, err = activeTemplates(ctx, tx, town); err != nil {
			return err
		}
		return tx.NewSelect().Model((*org.Organization)(nil)).Column("o.id", "o.kind").
			Where("o.tenant_id = ?", tenantID).Where("o.dissolved_at IS NULL").
			OrderExpr("o.id").Scan(ctx, &orgs)
	})
	if err != nil {
		return 0, err
	}
	if err := s.checkTownWrite(ctx, town); err != nil {
		return 0, err
	}
	return s.insertGenerated(ctx, town, planInstances(town, templates, orgs, at, s.utcNow()), "task_instance.generate")
}

// GenerateForOrg creates the current periods' instances for one organisation,
// typically right after it was created. It runs as the system or as a user
// who may write the organisation (org.write or task.write on it).
func (s *Service) GenerateForOrg(ctx context.Context, orgID int64) (int, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return 0, err
	}
	var town *townInfo
	var templates []*Template
	var o *org.Organization
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		if o, err = scopedOrg(ctx, tx, orgID); err != nil {
			return err
		}
		if o == nil {
			return apperr.ErrNotFound
		}
		if town, err = loadTown(ctx, tx, o.TenantID); err != nil {
			return err
		}
		templates, err = activeTemplates(ctx, tx, town)
		return err
	})
	if err != nil {
		return 0, err
	}
	if !actor.ScopeOf(ctx).CanWriteTenant(o.TenantID) {
		return 0, apperr.ErrForbidden
	}
	target := authz.Target{TenantID: o.TenantID, OrgPath: o.Path}
	ok, err := s.authz.Can(ctx, authz.TaskWrite, target)
	if err == nil && !ok {
		ok, err = s.authz.Can(ctx, authz.OrgWrite, target)
	}
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, apperr.ErrForbidden
	}
	if o.Dissolved() {
		return 0, nil
	}
	rows := planInstances(town, templates, []orgRef{{ID: o.ID, Kind: o.Kind}}, s.clock.Now(), s.utcNow())
	return s.insertGenerated(ctx, town, rows, "task_instance.generate_for_org")
}

// GenerateAll runs GenerateInstances for every town. System context only
// (the scheduled job). A failing town does not stop the others; their errors
// are joined.
func (s *Service) GenerateAll(ctx context.Context, at time.Time) (int, error) {
	if !actor.IsSystem(ctx) {
		return 0, apperr.ErrForbidden
	}
	var ids []int64
	if err := s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		return tx.NewSelect().Table("tenants").Column("id").OrderExpr("id").Scan(ctx, &ids)
	}); err != nil {
		return 0, fmt.Errorf("list towns: %w", err)
	}
	total := 0
	var errs []error
	for _, id := range ids {
		n, err := s.GenerateInstances(ctx, id, at)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("town %d: %w", id, err))
		}
	}
	return total, errors.Join(errs...)
}

// activeTemplates are the templates that generate instances in a town.
func activeTemplates(ctx context.Context, tx bun.IDB, town *townInfo) ([]*Template, error) {
	all, err := townTemplates(ctx, tx, town.ID, town.DistrictID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, t := range all {
		if t.Active && t.Cadence.Valid() {
			out = append(out, t)
		}
	}
	return out, nil
}

// planInstances lists the instances due for orgs under templates in the periods containing at.
func planInstances(town *townInfo, templates []*Template, orgs []orgRef, at, now time.Time) []*Instance {
	var rows []*Instance
	for _, t := range templates {
		p := PeriodAt(t.Cadence, at, town.Loc)
		title := InstanceTitle(p, t.Name)
		due := p.DueAt(t.DueDaysBeforeEnd).UTC()
		kinds := make(map[org.Kind]bool)
		for _, k := range t.OrgKinds() {
			kinds[k] = true
		}
		for _, o := range orgs {
			if !kinds[o.Kind] {
				continue
			}
			tid := t.ID
			rows = append(rows, &Instance{
				TenantID: town.ID, TemplateID: &tid, OrgID: o.ID, Period: p.Key, Title: title,
				DueAt: due, Status: Pending, CreatedAt: now, UpdatedAt: now,
			})
		}
	}
	return rows
}

// insertGenerated inserts rows in one transaction, skipping those that exist,
// and records one audit entry for the batch. It returns how many it inserted.
func (s *Service) insertGenerated(ctx context.Context, town *townInfo, rows []*Instance, action string) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	created := 0
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		n, err := insertInstances(ctx, tx, rows)
		if err != nil {
			return err
		}
		created = n
		if n == 0 {
			return nil
		}
		periods := map[string]bool{}
		var keys []string
		for _, r := range rows {
			if !periods[r.Period] {
				periods[r.Period] = true
				keys = append(keys, r.Period)
			}
		}
		return audit.Record(ctx, tx, audit.Change{
			TenantID: town.ID, Action: action, EntityType: "task_instance",
			After: map[string]any{"created": n, "candidates": len(rows), "periods": keys},
		})
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}

// insertInstances inserts rows in multi-row statements, ignoring those that
// violate a unique index (an existing instance), and returns how many it inserted.
func insertInstances(ctx context.Context, tx bun.IDB, rows []*Instance) (int, error) {
	created := 0
	for start := 0; start < len(rows); start += insertBatch {
		batch := rows[start:min(start+insertBatch, len(rows))]
		res, err := tx.NewInsert().Model(&batch).ExcludeColumn("id").
			On("CONFLICT DO NOTHING").Returning("").Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("insert task instances: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("insert task instances: %w", err)
		}
		created += int(n)
	}
	return created, nil
}

// scopedOrg reads organisation id within ctx's tenant scope (no permission
// check); nil when there is none.
func scopedOrg(ctx context.Context, tx bun.IDB, id int64) (*org.Organization, error) {
	cond, args, err := actor.ScopeOf(ctx).Filter("o.tenant_id")
	if err != nil {
		return nil, err
	}
	var rows []*org.Organization
	if err := tx.NewSelect().Model(&rows).Where("o.id = ?", id).Where(cond, args...).Scan(ctx); err != nil {
		return nil, fmt.Errorf("get organization %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

// maxAuditIDs bounds the ids one audit entry lists; the count is always exact.
const maxAuditIDs = 1000

// idList formats ids for audit entries, the first maxAuditIDs of them.
func idList(ids []int64) string {
	b := make([]byte, 0, min(len(ids), maxAuditIDs)*6)
	for i, id := range ids[:min(len(ids), maxAuditIDs)] {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}
