package scoring

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/org"
)

// Comparison is the district's towns side by side for one period (区级横向比较).
type Comparison struct {
	DistrictID int64
	Period     string
	// Indicators are the columns of Values, in order: the requested ones, or
	// every indicator the towns were scored on.
	Indicators []string
	// Rows are ordered by rank; towns without a score for the period come last.
	Rows []*ComparisonRow
}

// ComparisonRow is one town of a Comparison.
type ComparisonRow struct {
	TownID    int64
	TownName  string
	RootOrgID int64
	// Scored is false when the town has no snapshot for the period; Score and Rank are then 0.
	Scored bool
	// Score is the total of the town's 镇党委 snapshot.
	Score float64
	Stars int
	Color Color
	// Rank is 1 for the best town; towns with equal scores share a rank.
	Rank int
	// Delta is the change against the previous period of the same cadence; nil when there is none.
	Delta *float64
	// Values are aligned with Comparison.Indicators. Empty when the caller may
	// see only the published ranking of this town.
	Values []IndicatorValue
	// Trend holds the last periods, oldest first, when requested.
	Trend []TrendPoint
	// Restricted is set on rows the caller sees as score and rank only.
	Restricted bool
}

// IndicatorValue is one indicator of a town's score.
type IndicatorValue struct {
	// Indicator is the indicator's name.
	Indicator string
	Code      string
	Value     float64
	Points    float64
}

// TrendPoint is an organisation's total in one period.
type TrendPoint struct {
	Period string
	Total  float64
}

// ComparisonQuery asks for a district comparison.
type ComparisonQuery struct {
	DistrictID int64
	// Period is a key such as "2026-Q4", "2026-11" or "2026"; "" means the current quarter.
	Period string
	// Indicators are names or codes; none means all.
	Indicators []string
	// TrendPeriods, when above 0, adds each town's totals over that many periods up to Period.
	TrendPeriods int
}

// ChildScore is an organisation's score among its peers (drill-down and 后进 lists).
type ChildScore struct {
	OrgID    int64
	TenantID int64
	ParentID int64
	Name     string
	Kind     org.Kind
	// Scored is false when there is no snapshot for the period.
	Scored      bool
	Total       float64
	Stars       int
	Color       Color
	MemberCount int
	// Rank among siblings (DrillDown) or among comparable organisations (LaggingOrgs); 0 when unscored.
	Rank int
	// Lagging is set by LaggingOrgs, with the rules that flagged it in Reasons.
	Lagging bool
	Reasons []string
}

// LaggingFilter selects the organisations LaggingOrgs compares. Exactly one
// of DistrictID and TenantID is set.
type LaggingFilter struct {
	DistrictID int64
	TenantID   int64
	// Period is a key; "" means the current quarter.
	Period string
	// BottomShare flags the lowest share of comparable organisations; 0 means 0.1, negative switches the rule off.
	BottomShare float64
	// Below flags totals under it; 0 means 60, negative switches the rule off.
	Below float64
	// Kinds are the comparable kinds; none means the branches (党支部 and its peers).
	Kinds []org.Kind
}

// MaxTrendPeriods bounds the periods of a trend.
const MaxTrendPeriods = 36

// DistrictComparison returns the towns of a district side by side for period
// with the given indicators (names or codes; none means all). District users
// (district.read or score.read on the district) see everything; a town user
// of the district sees the published ranking — every town's score and rank —
// and the details of its own town only. Other callers get NOT_FOUND.
func (s *Service) DistrictComparison(ctx context.Context, districtID int64, period string, indicators []string) (*Comparison, error) {
	return s.CompareDistrict(ctx, ComparisonQuery{DistrictID: districtID, Period: period, Indicators: indicators})
}

// CompareDistrict is DistrictComparison with the trend of each town on request.
func (s *Service) CompareDistrict(ctx context.Context, q ComparisonQuery) (*Comparison, error) {
	p, err := s.cmpPeriod(q.Period)
	if err != nil {
		return nil, err
	}
	if q.TrendPeriods < 0 || q.TrendPeriods > MaxTrendPeriods {
		return nil, apperr.Invalid("periods", fmt.Sprintf("趋势期数应在 1 到 %d 之间", MaxTrendPeriods))
	}
	access, err := s.cmpDistrictAccess(ctx, q.DistrictID)
	if err != nil {
		return nil, err
	}
	readCtx := ctx
	if !access.full {
		// A town's scope sees only its own snapshots; the published ranking of
		// its district is read for it in system scope, after the check above,
		// and cut down to score and rank below.
		readCtx = actor.System(ctx)
	}
	out := &Comparison{DistrictID: q.DistrictID, Period: p.Key}
	err = s.db.Read(readCtx, func(ctx context.Context, idb bun.IDB) error {
		towns, err := cmpTownRoots(ctx, idb, q.DistrictID)
		if err != nil {
			return err
		}
		roots := make([]int64, 0, len(towns))
		for _, t := range towns {
			if t.RootID != 0 {
				roots = append(roots, t.RootID)
			}
		}
		keys := []string{p.Key, p.Prev().Key}
		var trendKeys []string
		if q.TrendPeriods > 0 {
			trendKeys = cmpLastPeriods(p, q.TrendPeriods)
			keys = append(keys, trendKeys...)
		}
		snaps, err := cmpSnapshots(ctx, idb, roots, keys)
		if err != nil {
			return err
		}
		// A town's indicator values are the means over its scored organisations:
		// the roots' own lines are empty under the roll-up rules.
		townOfRoot := make(map[int64]int64, len(towns))
		for _, t := range towns {
			townOfRoot[t.RootID] = t.ID
		}
		rootSnap := map[int64]int64{}
		for _, sn := range snaps {
			if town, ok := townOfRoot[sn.OrgID]; ok && sn.Period == p.Key {
				rootSnap[town] = sn.ID
			}
		}
		items, err := cmpTownItems(ctx, idb, rootSnap, p.Key)
		if err != nil {
			return err
		}
		out.Indicators, out.Rows = cmpBuildRows(towns, snaps, items, p, trendKeys, q.Indicators)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !access.full {
		for _, r := range out.Rows {
			if r.TownID == access.ownTown && access.ownDetails {
				continue
			}
			r.Values, r.Delta, r.Trend, r.Stars, r.Color, r.Restricted = nil, nil, nil, 0, "", true
		}
	}
	return out, nil
}

// ScoreTrend returns an organisation's totals over the last periods (at most
// MaxTrendPeriods) of the current quarter's cadence, oldest first; periods
// without a snapshot are left out.
func (s *Service) ScoreTrend(ctx context.Context, orgID int64, periods int) ([]TrendPoint, error) {
	return s.ScoreTrendAt(ctx, orgID, "", periods)
}

// ScoreTrendAt is ScoreTrend ending at period (its cadence: months, quarters or years).
func (s *Service) ScoreTrendAt(ctx context.Context, orgID int64, period string, periods int) ([]TrendPoint, error) {
	p, err := s.cmpPeriod(period)
	if err != nil {
		return nil, err
	}
	if periods <= 0 || periods > MaxTrendPeriods {
		return nil, apperr.Invalid("periods", fmt.Sprintf("趋势期数应在 1 到 %d 之间", MaxTrendPeriods))
	}
	var out []TrendPoint
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		if _, err := s.cmpReadableOrg(ctx, idb, orgID); err != nil {
			return err
		}
		snaps, err := cmpSnapshots(ctx, idb, []int64{orgID}, cmpLastPeriods(p, periods))
		if err != nil {
			return err
		}
		for _, sn := range snaps {
			out = append(out, TrendPoint{Period: sn.Period, Total: sn.Total})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Keys of one cadence sort in time order as text.
	sort.Slice(out, func(i, j int) bool { return out[i].Period < out[j].Period })
	return out, nil
}

// DrillDown returns the active direct children of an organisation with their
// scores for period and their rank among siblings (unscored ones last). A
// district user may open any organisation of the district's towns; a town
// user only the organisations it may read in its own town. Otherwise NOT_FOUND.
func (s *Service) DrillDown(ctx context.Context, orgID int64, period string) ([]*ChildScore, error) {
	p, err := s.cmpPeriod(period)
	if err != nil {
		return nil, err
	}
	var out []*ChildScore
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		parent, err := s.cmpReadableOrg(ctx, idb, orgID)
		if err != nil {
			return err
		}
		out, err = cmpScoredOrgs(ctx, idb, p.Key,
			"o.tenant_id = ? AND o.parent_id = ? AND o.dissolved_at IS NULL", parent.TenantID, parent.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	cmpRankChildren(out)
	return out, nil
}

// LaggingOrgs flags the lagging organisations (后进) of a district or a town
// for a period: those in the bottom share of comparable organisations (same
// kinds, scored for the period) or below the threshold, lowest first. A
// district needs district.read or score.read on it; a town, score.read or
// task.read on its 镇党委. Otherwise NOT_FOUND.
func (s *Service) LaggingOrgs(ctx context.Context, f LaggingFilter) ([]*ChildScore, error) {
	p, err := s.cmpPeriod(f.Period)
	if err != nil {
		return nil, err
	}
	if (f.DistrictID == 0) == (f.TenantID == 0) {
		return nil, apperr.Invalid("districtId", "请指定一个区或一个乡镇")
	}
	share, below := f.BottomShare, f.Below
	if share == 0 {
		share = 0.1
	}
	if below == 0 {
		below = 60
	}
	if share > 1 {
		return nil, apperr.Invalid("bottomShare", "后进比例应在 0 到 1 之间")
	}
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = affairs.BranchKinds()
	}
	kindArgs := make([]string, len(kinds))
	for i, k := range kinds {
		if !k.Valid() {
			return nil, apperr.Invalid("kinds", "组织类型无效")
		}
		kindArgs[i] = string(k)
	}
	if f.DistrictID != 0 {
		access, err := s.cmpDistrictAccess(ctx, f.DistrictID)
		if err != nil {
			return nil, err
		}
		if !access.full {
			return nil, apperr.ErrNotFound
		}
	}
	var all []*ChildScore
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		where, arg := "o.tenant_id IN (SELECT id FROM tenants WHERE district_id = ?)", f.DistrictID
		if f.TenantID != 0 {
			var root struct {
				ID   int64  `bun:"id"`
				Path string `bun:"path"`
			}
			err := idb.NewRaw("SELECT id, path FROM organizations WHERE tenant_id = ? AND parent_id IS NULL", f.TenantID).Scan(ctx, &root)
			if err != nil {
				if db.IsNoRows(err) {
					return apperr.ErrNotFound
				}
				return fmt.Errorf("read town root: %w", err)
			}
			if ok, err := s.cmpCanRead(ctx, authz.Target{TenantID: f.TenantID, OrgPath: root.Path}, authz.ScoreRead, authz.TaskRead); err != nil {
				return err
			} else if !ok {
				return apperr.ErrNotFound
			}
			where, arg = "o.tenant_id = ?", f.TenantID
		}
		var err error
		all, err = cmpScoredOrgs(ctx, idb, p.Key, where+" AND o.dissolved_at IS NULL AND o.kind IN (?) AND s.id IS NOT NULL",
			arg, bun.In(kindArgs))
		return err
	})
	if err != nil {
		return nil, err
	}
	return cmpFlagLagging(all, share, below), nil
}

// cmpFlagLagging ranks the scored organisations and returns the lagging ones, lowest first.
func cmpFlagLagging(all []*ChildScore, share, below float64) []*ChildScore {
	cmpRankChildren(all)
	n := len(all)
	bottom := 0
	if share > 0 {
		bottom = int(math.Ceil(float64(n) * share))
	}
	var out []*ChildScore
	for _, c := range all {
		// Ties share a rank, so a tie that straddles the cut is not flagged.
		if bottom > 0 && c.Rank > n-bottom {
			c.Reasons = append(c.Reasons, fmt.Sprintf("得分排名处于后 %s", cmpPercent(share)))
		}
		if below > 0 && c.Total < below {
			c.Reasons = append(c.Reasons, fmt.Sprintf("得分低于 %s 分", cmpNum(below)))
		}
		if len(c.Reasons) > 0 {
			c.Lagging = true
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Total < out[j].Total })
	return out
}

// cmpAccess is what a caller may see of a district's comparison.
type cmpAccess struct {
	// full: every row with its details.
	full bool
	// ownTown is the caller's town when it sees the published ranking only.
	ownTown int64
	// ownDetails: the caller may see its own town's details.
	ownDetails bool
}

// cmpDistrictAccess decides what the caller may see of a district: district
// users with district.read or score.read see everything, a town user of the
// district the published ranking; anyone else, or a missing district, NOT_FOUND.
func (s *Service) cmpDistrictAccess(ctx context.Context, districtID int64) (cmpAccess, error) {
	if !actor.IsSystem(ctx) {
		if _, err := actor.Require(ctx); err != nil {
			return cmpAccess{}, err
		}
	}
	var n int
	err := s.db.Read(actor.System(ctx), func(ctx context.Context, idb bun.IDB) error {
		return idb.NewRaw("SELECT count(*) FROM districts WHERE id = ?", districtID).Scan(ctx, &n)
	})
	if err != nil {
		return cmpAccess{}, fmt.Errorf("read district: %w", err)
	}
	if n == 0 {
		return cmpAccess{}, apperr.ErrNotFound
	}
	ok, err := s.cmpCanRead(ctx, authz.Target{DistrictID: districtID}, authz.DistrictRead, authz.ScoreRead)
	if err != nil {
		return cmpAccess{}, err
	}
	if ok {
		return cmpAccess{full: true}, nil
	}
	a, _ := actor.FromContext(ctx)
	if a.TenantID == 0 {
		return cmpAccess{}, apperr.ErrNotFound
	}
	d, err := s.authz.DistrictOf(ctx, a.TenantID)
	if err != nil {
		return cmpAccess{}, err
	}
	if d != districtID {
		return cmpAccess{}, apperr.ErrNotFound
	}
	acc := cmpAccess{ownTown: a.TenantID}
	var rootPath string
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		return idb.NewRaw("SELECT path FROM organizations WHERE tenant_id = ? AND parent_id IS NULL", a.TenantID).Scan(ctx, &rootPath)
	})
	if err != nil && !db.IsNoRows(err) {
		return cmpAccess{}, fmt.Errorf("read town root: %w", err)
	}
	if rootPath != "" {
		if acc.ownDetails, err = s.cmpCanRead(ctx, authz.Target{TenantID: a.TenantID, OrgPath: rootPath}, authz.ScoreRead, authz.TaskRead); err != nil {
			return cmpAccess{}, err
		}
	}
	return acc, nil
}

// cmpCanRead reports whether the caller may do any of acts on t.
func (s *Service) cmpCanRead(ctx context.Context, t authz.Target, acts ...authz.Action) (bool, error) {
	for _, act := range acts {
		ok, err := s.authz.Can(ctx, act, t)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// cmpOrg is the part of an organisation the comparison needs.
type cmpOrg struct {
	ID       int64  `bun:"id"`
	TenantID int64  `bun:"tenant_id"`
	Path     string `bun:"path"`
}

// cmpReadableOrg loads an organisation the caller may read scores of
// (score.read, task.read or org.read on it), or returns NOT_FOUND.
func (s *Service) cmpReadableOrg(ctx context.Context, idb bun.IDB, orgID int64) (*cmpOrg, error) {
	var o cmpOrg
	err := idb.NewRaw("SELECT id, tenant_id, path FROM organizations WHERE id = ?", orgID).Scan(ctx, &o)
	if err != nil {
		if db.IsNoRows(err) {
			return nil, apperr.ErrNotFound
		}
		return nil, fmt.Errorf("read organisation: %w", err)
	}
	ok, err := s.cmpCanRead(ctx, authz.Target{TenantID: o.TenantID, OrgPath: o.Path}, authz.ScoreRead, authz.TaskRead, authz.OrgRead)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.ErrNotFound
	}
	return &o, nil
}

// cmpPeriod parses a period key; "" is the current quarter in the district's zone.
func (s *Service) cmpPeriod(key string) (affairs.Period, error) {
	loc := affairs.Location("")
	key = strings.TrimSpace(key)
	if key == "" {
		return affairs.PeriodAt(affairs.Quarterly, s.clock.Now(), loc), nil
	}
	p, err := affairs.ParsePeriod(key, loc)
	if err != nil {
		return affairs.Period{}, err
	}
	if p.Cadence != affairs.Monthly && p.Cadence != affairs.Quarterly && p.Cadence != affairs.Yearly {
		return affairs.Period{}, apperr.Invalid("period", "考核期间应为月（2026-11）、季度（2026-Q4）或年（2026）")
	}
	return p, nil
}

// cmpLastPeriods returns the keys of n periods ending with p, oldest first.
func cmpLastPeriods(p affairs.Period, n int) []string {
	out := make([]string, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = p.Key
		p = p.Prev()
	}
	return out
}

// cmpTown is a town and its root organisation.
type cmpTown struct {
	ID     int64  `bun:"id"`
	Name   string `bun:"name"`
	RootID int64  `bun:"root_id"`
}

func cmpTownRoots(ctx context.Context, idb bun.IDB, districtID int64) ([]cmpTown, error) {
	var towns []cmpTown
	err := idb.NewRaw(`SELECT t.id, t.name, COALESCE(o.id, 0) AS root_id
		FROM tenants AS t
		LEFT JOIN organizations AS o ON o.tenant_id = t.id AND o.parent_id IS NULL
		WHERE t.district_id = ? ORDER BY t.id`, districtID).Scan(ctx, &towns)
	if err != nil {
		return nil, fmt.Errorf("read towns: %w", err)
	}
	return towns, nil
}

// cmpSnapshot is a stored score of one organisation and period.
type cmpSnapshot struct {
	ID     int64   `bun:"id"`
	OrgID  int64   `bun:"org_id"`
	Period string  `bun:"period"`
	Total  float64 `bun:"total"`
	Stars  int     `bun:"stars"`
	Color  string  `bun:"color"`
}

// cmpSnapshots reads the snapshots of orgs in periods through the (org_id, period) unique index.
func cmpSnapshots(ctx context.Context, idb bun.IDB, orgs []int64, periods []string) ([]cmpSnapshot, error) {
	if len(orgs) == 0 || len(periods) == 0 {
		return nil, nil
	}
	var out []cmpSnapshot
	err := idb.NewRaw(`SELECT id, org_id, period, total, stars, color FROM score_snapshots
		WHERE org_id IN (?) AND period IN (?)`, bun.In(orgs), bun.In(periods)).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("read score snapshots: %w", err)
	}
	return out, nil
}

// cmpTownItems returns, per town, the mean value and points of each indicator
// over the town's snapshots of period, keyed by the town root's snapshot id.
func cmpTownItems(ctx context.Context, idb bun.IDB, rootSnap map[int64]int64, period string) ([]cmpItem, error) {
	if len(rootSnap) == 0 {
		return nil, nil
	}
	tenants := make([]int64, 0, len(rootSnap))
	for t := range rootSnap {
		tenants = append(tenants, t)
	}
	var rows []struct {
		TenantID int64 `bun:"tenant_id"`
		cmpItem
	}
	err := idb.NewRaw(`SELECT ss.tenant_id, MIN(si.indicator_id) AS indicator_id, si.name, COALESCE(ind.code, '') AS code,
			COALESCE(ind.sort_order, 0) AS sort_order, AVG(si.value) AS value, AVG(si.points) AS points
		FROM score_items AS si
		JOIN score_snapshots AS ss ON ss.id = si.snapshot_id
		LEFT JOIN scoring_indicators AS ind ON ind.id = si.indicator_id
		WHERE ss.tenant_id IN (?) AND ss.period = ?
		GROUP BY ss.tenant_id, si.name, ind.code, ind.sort_order`, bun.In(tenants), period).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read town indicator values: %w", err)
	}
	out := make([]cmpItem, len(rows))
	for i, r := range rows {
		out[i] = r.cmpItem
		out[i].SnapshotID = rootSnap[r.TenantID]
	}
	return out, nil
}

// cmpItem is one indicator line of a snapshot.
type cmpItem struct {
	SnapshotID  int64   `bun:"snapshot_id"`
	IndicatorID int64   `bun:"indicator_id"`
	Name        string  `bun:"name"`
	Code        string  `bun:"code"`
	SortOrder   int     `bun:"sort_order"`
	Value       float64 `bun:"value"`
	Points      float64 `bun:"points"`
}

// cmpBuildRows assembles and ranks the rows of a comparison.
func cmpBuildRows(towns []cmpTown, snaps []cmpSnapshot, items []cmpItem, p affairs.Period, trendKeys, wanted []string) ([]string, []*ComparisonRow) {
	byOrgPeriod := make(map[[2]string]cmpSnapshot, len(snaps))
	key := func(orgID int64, period string) [2]string { return [2]string{fmt.Sprint(orgID), period} }
	for _, sn := range snaps {
		byOrgPeriod[key(sn.OrgID, sn.Period)] = sn
	}
	columns, colCode := cmpColumns(items, wanted)
	itemsBySnap := make(map[int64]map[string]*IndicatorValue)
	for _, it := range items {
		m := itemsBySnap[it.SnapshotID]
		if m == nil {
			m = map[string]*IndicatorValue{}
			itemsBySnap[it.SnapshotID] = m
		}
		// A root normally has one line per indicator; several are summed.
		v := m[it.Name]
		if v == nil {
			v = &IndicatorValue{Indicator: it.Name, Code: it.Code}
			m[it.Name] = v
		}
		v.Value += it.Value
		v.Points += it.Points
	}
	prev := p.Prev().Key
	rows := make([]*ComparisonRow, 0, len(towns))
	for _, t := range towns {
		r := &ComparisonRow{TownID: t.ID, TownName: t.Name, RootOrgID: t.RootID}
		if sn, ok := byOrgPeriod[key(t.RootID, p.Key)]; ok && t.RootID != 0 {
			r.Scored, r.Score, r.Stars, r.Color = true, sn.Total, sn.Stars, Color(sn.Color)
			if ps, ok := byOrgPeriod[key(t.RootID, prev)]; ok {
				d := cmpRound(sn.Total - ps.Total)
				r.Delta = &d
			}
			r.Values = make([]IndicatorValue, len(columns))
			for i, c := range columns {
				if v := itemsBySnap[sn.ID][c]; v != nil {
					r.Values[i] = IndicatorValue{Indicator: c, Code: v.Code, Value: cmpRound(v.Value), Points: cmpRound(v.Points)}
				} else {
					r.Values[i] = IndicatorValue{Indicator: c, Code: colCode[c]}
				}
			}
		}
		for _, k := range trendKeys {
			if sn, ok := byOrgPeriod[key(t.RootID, k)]; ok && t.RootID != 0 {
				r.Trend = append(r.Trend, TrendPoint{Period: k, Total: sn.Total})
			}
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Scored != rows[j].Scored {
			return rows[i].Scored
		}
		return cmpRound(rows[i].Score) > cmpRound(rows[j].Score)
	})
	for i, r := range rows {
		if !r.Scored {
			break
		}
		r.Rank = i + 1
		if i > 0 && cmpRound(rows[i-1].Score) == cmpRound(r.Score) {
			r.Rank = rows[i-1].Rank
		}
	}
	return columns, rows
}

// cmpColumns resolves the requested indicators (names or codes) against the
// items, or lists every indicator in the scheme's order.
func cmpColumns(items []cmpItem, wanted []string) ([]string, map[string]string) {
	codeOf := map[string]string{}
	nameOf := map[string]string{}
	order := map[string]int{}
	for _, it := range items {
		codeOf[it.Name] = it.Code
		if it.Code != "" {
			nameOf[strings.ToLower(it.Code)] = it.Name
		}
		order[it.Name] = it.SortOrder
	}
	var cols []string
	seen := map[string]bool{}
	if len(wanted) == 0 {
		for name := range order {
			cols = append(cols, name)
		}
		sort.Slice(cols, func(i, j int) bool {
			if order[cols[i]] != order[cols[j]] {
				return order[cols[i]] < order[cols[j]]
			}
			return cols[i] < cols[j]
		})
		return cols, codeOf
	}
	for _, w := range wanted {
		w = strings.TrimSpace(w)
		name := w
		if n, ok := nameOf[strings.ToLower(w)]; ok {
			name = n
		}
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		cols = append(cols, name)
	}
	return cols, codeOf
}

// cmpScoredOrgs reads organisations matching where with their snapshot for period (if any).
func cmpScoredOrgs(ctx context.Context, idb bun.IDB, period, where string, args ...any) ([]*ChildScore, error) {
	var rows []struct {
		ID          int64    `bun:"id"`
		TenantID    int64    `bun:"tenant_id"`
		ParentID    *int64   `bun:"parent_id"`
		Name        string   `bun:"name"`
		Kind        string   `bun:"kind"`
		SortOrder   int      `bun:"sort_order"`
		SnapshotID  *int64   `bun:"snapshot_id"`
		Total       *float64 `bun:"total"`
		Stars       *int     `bun:"stars"`
		Color       *string  `bun:"color"`
		MemberCount *int     `bun:"member_count"`
	}
	q := `SELECT o.id, o.tenant_id, o.parent_id, o.name, o.kind, o.sort_order,
			s.id AS snapshot_id, s.total, s.stars, s.color, s.member_count
		FROM organizations AS o
		LEFT JOIN score_snapshots AS s ON s.org_id = o.id AND s.period = ?
		WHERE ` + where + ` ORDER BY o.sort_order, o.id`
	if err := idb.NewRaw(q, append([]any{period}, args...)...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read organisation scores: %w", err)
	}
	out := make([]*ChildScore, 0, len(rows))
	for _, r := range rows {
		c := &ChildScore{OrgID: r.ID, TenantID: r.TenantID, Name: r.Name, Kind: org.Kind(r.Kind)}
		if r.ParentID != nil {
			c.ParentID = *r.ParentID
		}
		if r.SnapshotID != nil && r.Total != nil {
			c.Scored, c.Total = true, *r.Total
			if r.Stars != nil {
				c.Stars = *r.Stars
			}
			if r.Color != nil {
				c.Color = Color(*r.Color)
			}
			if r.MemberCount != nil {
				c.MemberCount = *r.MemberCount
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// cmpRankChildren orders scored organisations best first (unscored last, in
// their stored order) and ranks them; equal totals share a rank.
func cmpRankChildren(cs []*ChildScore) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Scored != cs[j].Scored {
			return cs[i].Scored
		}
		return cmpRound(cs[i].Total) > cmpRound(cs[j].Total)
	})
	for i, c := range cs {
		if !c.Scored {
			break
		}
		c.Rank = i + 1
		if i > 0 && cmpRound(cs[i-1].Total) == cmpRound(c.Total) {
			c.Rank = cs[i-1].Rank
		}
	}
}

func cmpRound(v float64) float64 { return math.Round(v*100) / 100 }

func cmpNum(v float64) string { return fmt.Sprintf("%g", cmpRound(v)) }

func cmpPercent(share float64) string { return fmt.Sprintf("%g%%", cmpRound(share*100)) }
