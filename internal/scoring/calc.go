package scoring

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
)

// Snapshot is an organisation's score for one period (得分快照). It keeps
// the scheme it was computed with, so history does not change when the
// scheme does.
type Snapshot struct {
	bun.BaseModel `bun:"table:score_snapshots,alias:ss"`

	ID       int64  `bun:"id,pk,autoincrement"`
	TenantID int64  `bun:"tenant_id"`
	OrgID    int64  `bun:"org_id"`
	Period   string `bun:"period"`
	SchemeID int64  `bun:"scheme_id"`
	// OwnScore is the organisation's own score from its indicators; 0 when
	// HasOwnScore is false (it had no task due in the period).
	OwnScore float64 `bun:"own_score"`
	// Total is the score after the roll-up of its children.
	Total       float64   `bun:"total"`
	Stars       int       `bun:"stars"`
	Color       Color     `bun:"color"`
	MemberCount int       `bun:"member_count"`
	ComputedAt  time.Time `bun:"computed_at"`

	// HasOwnScore reports whether the organisation was scored itself (it has
	// score items); otherwise its total comes from its children only.
	HasOwnScore bool `bun:"has_own,scanonly"`
}

// Item is one indicator's contribution to an organisation's own score (得分明细).
type Item struct {
	bun.BaseModel `bun:"table:score_items,alias:si"`

	ID          int64  `bun:"id,pk,autoincrement"`
	TenantID    int64  `bun:"tenant_id"`
	SnapshotID  int64  `bun:"snapshot_id"`
	IndicatorID int64  `bun:"indicator_id"`
	Name        string `bun:"name"`
	// Weight is the indicator's weight in this period: 0 when it had nothing
	// to measure and so dropped out (the explanation says so).
	Weight float64 `bun:"weight"`
	// Value is the input's value: a ratio in [0,1], a count or a stage.
	Value       float64 `bun:"value"`
	Points      float64 `bun:"points"`
	Explanation string  `bun:"explanation"`
	// EvidenceText is Evidence as stored: comma-separated ids.
	EvidenceText string `bun:"evidence"`

	// Rule is the indicator's rule (read with the breakdown).
	Rule Rule `bun:"-"`
	// Evidence are the ids of the task instances (or, for late records,
	// activity records) behind the value, at most 50.
	Evidence []int64 `bun:"-"`
}

// evidenceText formats ids for storage.
func evidenceText(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// parseEvidence reads stored ids.
func parseEvidence(s string) []int64 {
	var out []int64
	for _, p := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// scorePeriod parses a month, quarter or year key in loc.
func scorePeriod(key string, loc *time.Location) (affairs.Period, error) {
	p, err := affairs.ParsePeriod(key, loc)
	if err != nil {
		return p, err
	}
	switch p.Cadence {
	case affairs.Monthly, affairs.Quarterly, affairs.Yearly:
		return p, nil
	}
	return p, apperr.Invalid("period", "评分期间须为月（2026-11）、季度（2026-Q4）或年度（2026）")
}

// town is what scoring reads about a town.
type town struct {
	ID         int64  `bun:"id"`
	DistrictID int64  `bun:"district_id"`
	Timezone   string `bun:"timezone"`
	RootPath   string `bun:"root_path"`
}

func (t *town) loc() *time.Location { return affairs.Location(t.Timezone) }

// loadTown reads a town and its root's path, whatever the scope of idb.
func loadTown(ctx context.Context, idb bun.IDB, tenantID int64) (*town, error) {
	t := new(town)
	err := idb.NewRaw(`SELECT t.id, t.district_id, t.timezone,
			COALESCE((SELECT o.path FROM organizations o WHERE o.tenant_id = t.id AND o.parent_id IS NULL), '/') AS root_path
		FROM tenants t WHERE t.id = ?`, tenantID).Scan(ctx, t)
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read town %d: %w", tenantID, err)
	}
	return t, nil
}

// checkRecompute allows the system, the town's 党建办 and its district admins.
func (s *Service) checkRecompute(ctx context.Context, t *town) error {
	if actor.IsSystem(ctx) {
		return nil
	}
	if _, err := actor.Require(ctx); err != nil {
		return err
	}
	if !actor.ScopeOf(ctx).CanRead(t.ID, t.DistrictID) {
		return apperr.ErrNotFound
	}
	ok, err := s.authz.Can(ctx, authz.ScoreRecompute, authz.Target{TenantID: t.ID, OrgPath: t.RootPath})
	if err != nil || ok {
		return err
	}
	ok, err = s.authz.Can(ctx, authz.ScoreRecompute, authz.Target{DistrictID: t.DistrictID})
	if err != nil {
		return err
	}
	if !ok {
		return apperr.ErrForbidden
	}
	return nil
}

// Recompute computes the scores of every organisation of a town for one
// period ("2026-11", "2026-Q4" or "2026") and replaces that period's
// snapshots of the town in one transaction. It returns the number of
// snapshots written. The system, the town's 党建办 and district admins may run it.
//
// The scheme is the published one of the period's year; a closed period
// (ended before now) that already has snapshots is recomputed with the scheme
// and member counts recorded on them, so its numbers do not change. Without
// a scheme there is nothing to compute and Recompute returns 0.
//
// An organisation with no task instance counted in the period (see
// inputQuery) gets no own score; it gets a snapshot only when some
// organisation below it is scored, its total then coming from them.
func (s *Service) Recompute(ctx context.Context, tenantID int64, period string) (int, error) {
	sys := actor.System(ctx)
	var t *town
	err := s.db.Read(sys, func(ctx context.Context, idb bun.IDB) error {
		var err error
		t, err = loadTown(ctx, idb, tenantID)
		return err
	})
	if err != nil {
		return 0, err
	}
	if err := s.checkRecompute(ctx, t); err != nil {
		return 0, err
	}
	p, err := scorePeriod(period, t.loc())
	if err != nil {
		return 0, err
	}
	now := s.clock.Now()
	var plan *townPlan
	err = s.db.Read(sys, func(ctx context.Context, idb bun.IDB) error {
		var err error
		plan, err = loadPlan(ctx, idb, t, p, now)
		return err
	})
	if err != nil || plan == nil {
		return 0, err
	}
	results := plan.compute(now.UTC())
	err = s.db.RunInTx(sys, func(ctx context.Context, tx bun.Tx) error {
		if err := writeSnapshots(ctx, tx, t.ID, p.Key, results); err != nil {
			return err
		}
		if !isUser(ctx) {
			return nil // scheduled and queued runs are not audited, only a user's request
		}
		return audit.Record(ctx, tx, audit.Change{
			TenantID: t.ID, Action: "scoring.recompute", EntityType: "score_period",
			After: map[string]any{"period": p.Key, "schemeId": plan.scheme.ID, "snapshots": len(results)},
		})
	})
	if err != nil {
		return 0, err
	}
	return len(results), nil
}

// isUser reports whether a user (rather than a job) asked for the work.
func isUser(ctx context.Context) bool { _, ok := actor.FromContext(ctx); return ok }

// RecomputeAll recomputes one period for every town (system only). It goes
// on past a failing town and returns the snapshots written and the joined errors.
func (s *Service) RecomputeAll(ctx context.Context, period string) (int, error) {
	if !actor.IsSystem(ctx) {
		return 0, apperr.ErrForbidden
	}
	var ids []int64
	err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().Table("tenants").Column("id").OrderExpr("id").Scan(ctx, &ids)
	})
	if err != nil {
		return 0, fmt.Errorf("list towns: %w", err)
	}
	total := 0
	var errs []error
	for _, id := range ids {
		n, err := s.Recompute(ctx, id, period)
		if err != nil {
			errs = append(errs, fmt.Errorf("town %d period %s: %w", id, period, err))
			continue
		}
		total += n
	}
	return total, errors.Join(errs...)
}

// orgNode is an organisation of the town's tree.
type orgNode struct {
	ID       int64  `bun:"id"`
	ParentID *int64 `bun:"parent_id"`
	Depth    int    `bun:"depth"`
}

// townPlan is everything one town's computation needs, read before the
// write transaction opens.
type townPlan struct {
	tenantID   int64
	period     string
	scheme     *Scheme
	indicators []*Indicator
	orgs       []*orgNode
	// members is the member count of each org's subtree.
	members    map[int64]int
	applicable map[int64]bool
	// measures[i] are indicator i's measures per org.
	measures []map[int64]*Measure
}

// loadPlan reads the scheme, indicators, tree, member counts and inputs of
// a town's period, or returns nil when there is no scheme to apply.
func loadPlan(ctx context.Context, idb bun.IDB, t *town, p affairs.Period, now time.Time) (*townPlan, error) {
	plan := &townPlan{tenantID: t.ID, period: p.Key}
	var existing []struct {
		OrgID       int64 `bun:"org_id"`
		SchemeID    int64 `bun:"scheme_id"`
		MemberCount int   `bun:"member_count"`
	}
	if err := idb.NewSelect().Model((*Snapshot)(nil)).Column("org_id", "scheme_id", "member_count").
		Where("tenant_id = ?", t.ID).Where("period = ?", p.Key).Scan(ctx, &existing); err != nil {
		return nil, fmt.Errorf("read snapshots: %w", err)
	}
	closed := !p.End.After(now)
	var recorded int64
	for _, e := range existing {
		if e.SchemeID > recorded {
			recorded = e.SchemeID
		}
	}
	if closed && recorded != 0 {
		sc, err := loadScheme(ctx, idb, recorded)
		if err != nil {
			return nil, err
		}
		plan.scheme = sc
	} else {
		sc := new(Scheme)
		err := idb.NewSelect().Model(sc).Where("ss.district_id = ?", t.DistrictID).Where("ss.year = ?", p.Start.Year()).
			Where("ss.status = ?", Published).OrderExpr("ss.version DESC").Limit(1).Scan(ctx)
		switch {
		case err == nil:
			plan.scheme = sc
		case db.IsNoRows(err) && recorded != 0:
			if plan.scheme, err = loadScheme(ctx, idb, recorded); err != nil {
				return nil, err
			}
		case db.IsNoRows(err):
			return nil, nil
		default:
			return nil, fmt.Errorf("read published scheme: %w", err)
		}
	}
	err := idb.NewSelect().Model(&plan.indicators).Where("si.scheme_id = ?", plan.scheme.ID).
		Where("si.tenant_id IS NULL OR (si.tenant_id = ? AND si.created_at < ?)", t.ID, p.End.UTC()).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read indicators: %w", err)
	}
	sort.SliceStable(plan.indicators, func(i, j int) bool {
		a, b := plan.indicators[i], plan.indicators[j]
		if a.Local() != b.Local() {
			return !a.Local()
		}
		if a.SortOrder != b.SortOrder {
			return a.SortOrder < b.SortOrder
		}
		return a.ID < b.ID
	})
	err = idb.NewSelect().Table("organizations").Column("id", "parent_id", "depth").
		Where("tenant_id = ?", t.ID).Where("dissolved_at IS NULL OR dissolved_at > ?", p.Start.UTC()).
		Scan(ctx, &plan.orgs)
	if err != nil {
		return nil, fmt.Errorf("read organisations: %w", err)
	}
	var direct []struct {
		OrgID int64 `bun:"org_id"`
		N     int   `bun:"n"`
	}
	err = idb.NewSelect().Table("persons").Column("org_id").ColumnExpr("COUNT(*) AS n").
		Where("tenant_id = ?", t.ID).Where("is_member").Where("removed_at IS NULL").Group("org_id").Scan(ctx, &direct)
	if err != nil {
		return nil, fmt.Errorf("count members: %w", err)
	}
	own := map[int64]int{}
	for _, d := range direct {
		own[d.OrgID] = d.N
	}
	plan.members = subtreeSums(plan.orgs, own)
	if closed {
		for _, e := range existing {
			plan.members[e.OrgID] = e.MemberCount
		}
	}
	q := &inputQuery{idb: idb, tenantID: t.ID, start: p.Start.UTC(), end: p.End.UTC(), now: now.UTC()}
	if plan.applicable, err = q.Applicable(ctx); err != nil {
		return nil, err
	}
	for _, ind := range plan.indicators {
		src, ok := inputSources[ind.Input]
		if !ok {
			plan.measures = append(plan.measures, nil)
			continue
		}
		m, err := src.measure(ctx, q, ind.Params())
		if err != nil {
			return nil, fmt.Errorf("measure %s: %w", ind.Code, err)
		}
		plan.measures = append(plan.measures, m)
	}
	return plan, nil
}

// subtreeSums adds each org's value to all its ancestors'.
func subtreeSums(orgs []*orgNode, own map[int64]int) map[int64]int {
	byDepth := append([]*orgNode(nil), orgs...)
	sort.Slice(byDepth, func(i, j int) bool { return byDepth[i].Depth > byDepth[j].Depth })
	sum := make(map[int64]int, len(orgs))
	for _, o := range byDepth {
		sum[o.ID] += own[o.ID]
		if o.ParentID != nil {
			sum[*o.ParentID] += sum[o.ID]
		}
	}
	return sum
}

// result is one computed snapshot with its items.
type result struct {
	snap  *Snapshot
	items []*Item
}

// compute scores every org of the plan and rolls the totals up the tree.
func (p *townPlan) compute(now time.Time) []*result {
	thresholds := p.scheme.Thresholds()
	byDepth := append([]*orgNode(nil), p.orgs...)
	sort.SliceStable(byDepth, func(i, j int) bool {
		if byDepth[i].Depth != byDepth[j].Depth {
			return byDepth[i].Depth > byDepth[j].Depth
		}
		return byDepth[i].ID < byDepth[j].ID
	})
	type childTotal struct {
		total   float64
		members int
	}
	children := map[int64][]childTotal{}
	var out []*result
	for _, o := range byDepth {
		res := &result{snap: &Snapshot{
			TenantID: p.tenantID, OrgID: o.ID, Period: p.period, SchemeID: p.scheme.ID,
			MemberCount: p.members[o.ID], ComputedAt: now,
		}}
		own, hasOwn := 0.0, false
		if p.applicable[o.ID] {
			own, hasOwn, res.items = p.ownScore(o.ID)
		}
		ch := children[o.ID]
		var total float64
		switch {
		case len(ch) == 0 && !hasOwn:
			continue
		case len(ch) == 0:
			total = own
		default:
			var sum float64
			for _, c := range ch {
				sum += c.total
			}
			mean := sum / float64(len(ch))
			switch p.scheme.RollupRule {
			case RollupWeightedBySize:
				var wsum, w float64
				for _, c := range ch {
					wsum += c.total * float64(c.members)
					w += float64(c.members)
				}
				total = mean
				if w > 0 {
					total = wsum / w
				}
			case RollupOwnPlusChildren:
				total = mean
				if hasOwn {
					total = (own + mean) / 2
				}
			default:
				total = mean
			}
		}
		if !hasOwn {
			res.items = nil
		}
		res.snap.OwnScore, res.snap.HasOwnScore = own, hasOwn
		res.snap.Total = round2(total)
		res.snap.Stars = Stars(res.snap.Total, thresholds)
		res.snap.Color = ColorOf(res.snap.Total)
		out = append(out, res)
		if o.ParentID != nil {
			children[*o.ParentID] = append(children[*o.ParentID], childTotal{res.snap.Total, res.snap.MemberCount})
		}
	}
	return out
}

// ownScore applies every indicator to an org.
func (p *townPlan) ownScore(orgID int64) (float64, bool, []*Item) {
	rules := make([]Rule, len(p.indicators))
	weights := make([]float64, len(p.indicators))
	outcomes := make([]Outcome, len(p.indicators))
	items := make([]*Item, len(p.indicators))
	for i, ind := range p.indicators {
		m := Measure{}
		if p.measures[i] != nil && p.measures[i][orgID] != nil {
			m = *p.measures[i][orgID]
		}
		o := ind.Rule.Apply(ind.Weight, ind.Params(), inputSources[ind.Input], m)
		rules[i], weights[i], outcomes[i] = ind.Rule, ind.Weight, o
		weight := ind.Weight
		if !o.Applicable {
			weight = 0
		}
		items[i] = &Item{
			TenantID: p.tenantID, IndicatorID: ind.ID, Name: ind.Name, Weight: weight, Value: round4(o.Value),
			Points: o.Points, Explanation: o.Explanation, EvidenceText: evidenceText(m.Evidence),
			Rule: ind.Rule, Evidence: m.Evidence,
		}
	}
	own, ok := OwnScore(rules, weights, outcomes)
	return own, ok, items
}

func round4(v float64) float64 { return float64(int64(v*10000+0.5)) / 10000 }

// insertChunk is the rows per multi-row INSERT, well under both databases'
// bound-parameter limits.
const insertChunk = 500

// writeSnapshots replaces the town's snapshots of the period with results.
func writeSnapshots(ctx context.Context, tx bun.IDB, tenantID int64, period string, results []*result) error {
	if _, err := tx.NewDelete().Model((*Item)(nil)).Where("tenant_id = ?", tenantID).
		Where("snapshot_id IN (SELECT id FROM score_snapshots WHERE tenant_id = ? AND period = ?)", tenantID, period).
		Exec(ctx); err != nil {
		return fmt.Errorf("delete score items: %w", err)
	}
	if _, err := tx.NewDelete().Model((*Snapshot)(nil)).Where("tenant_id = ?", tenantID).Where("period = ?", period).
		Exec(ctx); err != nil {
		return fmt.Errorf("delete snapshots: %w", err)
	}
	snaps := make([]*Snapshot, len(results))
	for i, r := range results {
		snaps[i] = r.snap
	}
	for start := 0; start < len(snaps); start += insertChunk {
		chunk := snaps[start:min(start+insertChunk, len(snaps))]
		if _, err := tx.NewInsert().Model(&chunk).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("insert snapshots: %w", err)
		}
	}
	var items []*Item
	for _, r := range results {
		for _, it := range r.items {
			it.SnapshotID = r.snap.ID
			items = append(items, it)
		}
	}
	for start := 0; start < len(items); start += insertChunk {
		chunk := items[start:min(start+insertChunk, len(items))]
		if _, err := tx.NewInsert().Model(&chunk).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("insert score items: %w", err)
		}
	}
	return nil
}
