package scoring

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/pagination"
)

// hasOwnExpr selects Snapshot.HasOwnScore: an org scored itself has items.
const hasOwnExpr = "EXISTS (SELECT 1 FROM score_items x WHERE x.snapshot_id = ss.id) AS has_own"

// ScoreFilter selects score snapshots.
type ScoreFilter struct {
	// OrgID limits the list to one organisation (and, with
	// IncludeDescendants, everything below it).
	OrgID              *int64
	IncludeDescendants bool
	// Period is "2026-11", "2026-Q4" or "2026"; "" means the current quarter
	// in the reader's town zone (Asia/Shanghai for district users).
	Period string
}

// Breakdown explains a score: the snapshot and one item per indicator.
type Breakdown struct {
	Snapshot *Snapshot
	// OrgName is the organisation's name.
	OrgName string
	// Items are empty when the organisation had no task due in the period
	// and its total comes from the organisations below it.
	Items []*Item
}

// currentPeriod is the quarter containing now in loc.
func (s *Service) currentPeriod(loc *string) string {
	name := ""
	if loc != nil {
		name = *loc
	}
	return affairs.PeriodAt(affairs.Quarterly, s.clock.Now(), affairs.Location(name)).Key
}

// Scores lists the snapshots of a period the reader may see (score.read):
// town users their subtree, district users every town of their district.
// Another town's organisation gives an empty page. Ordered by snapshot id.
func (s *Service) Scores(ctx context.Context, f ScoreFilter, page pagination.Request) (pagination.Page[*Snapshot], error) {
	var out pagination.Page[*Snapshot]
	limit, err := page.Limit()
	if err != nil {
		return out, err
	}
	cursor, hasCursor, err := page.Cursor()
	if err != nil {
		return out, err
	}
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("ss.tenant_id")
	if err != nil {
		return out, err
	}
	grants, err := s.authz.Grants(ctx, authz.ScoreRead)
	if err != nil {
		return out, err
	}
	grantCond, grantArgs := grants.Filter("o.tenant_id", "o.path")
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		period := f.Period
		if period == "" {
			period = s.currentPeriod(s.readerZone(ctx, idb))
		}
		if _, err := scorePeriod(period, affairs.Location("")); err != nil {
			return err
		}
		base := func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Join("JOIN organizations o ON o.id = ss.org_id").
				Where(scopeCond, scopeArgs...).Where(grantCond, grantArgs...).Where("ss.period = ?", period)
			if f.OrgID != nil {
				if f.IncludeDescendants {
					q = q.Where("o.tenant_id = (SELECT p.tenant_id FROM organizations p WHERE p.id = ?)", *f.OrgID).
						Where("o.path LIKE (SELECT p.path FROM organizations p WHERE p.id = ?) || '%'", *f.OrgID)
				} else {
					q = q.Where("ss.org_id = ?", *f.OrgID)
				}
			}
			return q
		}
		n, err := base(idb.NewSelect().Model((*Snapshot)(nil))).Count(ctx)
		if err != nil {
			return fmt.Errorf("count scores: %w", err)
		}
		out.TotalCount = int(n)
		q := base(idb.NewSelect().Model(&out.Items).ColumnExpr("ss.*").ColumnExpr(hasOwnExpr)).
			OrderExpr("ss.id").Limit(int64(limit + 1))
		if hasCursor {
			q = q.Where("ss.id > ?", cursor.ID)
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("read scores: %w", err)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	out.Items, out.HasNextPage = pagination.Trim(out.Items, limit)
	return out, nil
}

// readerZone is the time zone name of the reader's town, or nil.
func (s *Service) readerZone(ctx context.Context, idb bun.IDB) *string {
	t := actor.ScopeOf(ctx).TenantID
	if t == 0 {
		return nil
	}
	var name string
	if err := idb.NewSelect().Table("tenants").Column("timezone").Where("id = ?", t).Scan(ctx, &name); err != nil {
		return nil
	}
	return &name
}

// ScoreBreakdown opens an organisation's score for a period ("" = the
// current quarter in the town's zone) into its indicators: value, points,
// the rule's explanation and the ids of the instances or records behind it.
// Organisations the reader may not see are NOT_FOUND.
func (s *Service) ScoreBreakdown(ctx context.Context, orgID int64, period string) (*Breakdown, error) {
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("o.tenant_id")
	if err != nil {
		return nil, err
	}
	var o struct {
		TenantID int64  `bun:"tenant_id"`
		Path     string `bun:"path"`
		Name     string `bun:"name"`
		Timezone string `bun:"timezone"`
	}
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().TableExpr("organizations AS o").Join("JOIN tenants t ON t.id = o.tenant_id").
			ColumnExpr("o.tenant_id, o.path, o.name, t.timezone").
			Where("o.id = ?", orgID).Where(scopeCond, scopeArgs...).Scan(ctx, &o)
	})
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read organisation: %w", err)
	}
	if err := s.authz.CheckVisible(ctx, authz.ScoreRead, authz.Target{TenantID: o.TenantID, OrgPath: o.Path}); err != nil {
		return nil, err
	}
	if period == "" {
		period = s.currentPeriod(&o.Timezone)
	}
	if _, err := scorePeriod(period, affairs.Location(o.Timezone)); err != nil {
		return nil, err
	}
	b := &Breakdown{Snapshot: new(Snapshot), OrgName: o.Name}
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		err := idb.NewSelect().Model(b.Snapshot).ColumnExpr("ss.*").ColumnExpr(hasOwnExpr).
			Where("ss.org_id = ?", orgID).Where("ss.period = ?", period).Where("ss.tenant_id = ?", o.TenantID).Scan(ctx)
		if db.IsNoRows(err) {
			return apperr.New(apperr.NotFound, "该组织本期尚无得分（本期没有应完成的任务，或尚未计算）")
		}
		if err != nil {
			return fmt.Errorf("read snapshot: %w", err)
		}
		if err := idb.NewSelect().Model(&b.Items).Where("si.snapshot_id = ?", b.Snapshot.ID).OrderExpr("si.id").
			Scan(ctx); err != nil {
			return fmt.Errorf("read score items: %w", err)
		}
		if len(b.Items) == 0 {
			return nil
		}
		var rules []struct {
			ID   int64 `bun:"id"`
			Rule Rule  `bun:"rule"`
		}
		err = idb.NewSelect().Model((*Indicator)(nil)).Column("id", "rule").
			Where("si.scheme_id = ?", b.Snapshot.SchemeID).Scan(ctx, &rules)
		if err != nil {
			return fmt.Errorf("read indicator rules: %w", err)
		}
		ruleOf := map[int64]Rule{}
		for _, r := range rules {
			ruleOf[r.ID] = r.Rule
		}
		for _, it := range b.Items {
			it.Rule = ruleOf[it.IndicatorID]
			it.Evidence = parseEvidence(it.EvidenceText)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}
