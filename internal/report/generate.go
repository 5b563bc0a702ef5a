package report

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
)

// defaultZone is the zone of districts and of towns whose zone is unknown.
const defaultZone = "Asia/Shanghai"

// Service generates and reads summaries.
type Service struct {
	db    *db.DB
	authz *authz.Authorizer
	clock clock.Clock
}

// NewService returns a Service.
func NewService(d *db.DB, az *authz.Authorizer, clk clock.Clock) *Service {
	if clk == nil {
		clk = clock.Real{}
	}
	return &Service{db: d, authz: az, clock: clk}
}

// town is what generation needs of a tenant.
type town struct {
	ID           int64  `bun:"id"`
	DistrictID   int64  `bun:"district_id"`
	Name         string `bun:"name"`
	Timezone     string `bun:"timezone"`
	DistrictName string `bun:"district_name"`
	RootID       *int64 `bun:"root_id"`
}

func (t *town) loc() *time.Location { return zone(t.Timezone) }

func zone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	loc, err := time.LoadLocation(defaultZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Generate writes, as the system, the summary of kind and period of every
// town and every district that does not have it yet, and returns how many it
// wrote. Period keys are read in each town's zone ("2026-W48", "2026-11",
// "2026-Q4", "2026"). It is idempotent and safe to run concurrently: each
// summary is inserted with ON CONFLICT DO NOTHING on (scope_key, kind,
// period), and a summary, of a town or of a district, goes to the inbox only
// in the transaction that inserted it, so two schedulers and a retry write and
// deliver it once.
// It is a job entry point: it runs as the system whatever the caller.
func (s *Service) Generate(ctx context.Context, kind Kind, period string) (int, error) {
	if _, err := parsePeriod(kind, period, zone(defaultZone)); err != nil {
		return 0, err
	}
	return s.generate(actor.System(ctx), kind, func(*time.Location) string { return period })
}

// GenerateDue writes the summaries of the periods that ended last before now
// (the previous week, month, quarter and year) in each town's zone, or in
// Asia/Shanghai for districts. It is what the scheduled job runs, hourly.
func (s *Service) GenerateDue(ctx context.Context, now time.Time) (int, error) {
	ctx = actor.System(ctx)
	total := 0
	for _, k := range Kinds() {
		n, err := s.generate(ctx, k, func(loc *time.Location) string {
			return affairs.PeriodAt(k.Cadence(), now, loc).Prev().Key
		})
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// generate writes the summaries of kind for every town and district, the
// period of each being keyOf its zone.
func (s *Service) generate(ctx context.Context, kind Kind, keyOf func(*time.Location) string) (int, error) {
	towns, err := s.towns(ctx)
	if err != nil {
		return 0, err
	}
	created := 0
	byDistrict := map[int64][]*town{}
	var districts []int64
	for _, t := range towns {
		if _, ok := byDistrict[t.DistrictID]; !ok {
			districts = append(districts, t.DistrictID)
		}
		byDistrict[t.DistrictID] = append(byDistrict[t.DistrictID], t)
	}
	for _, did := range districts {
		dkey := keyOf(zone(defaultZone))
		var rows []TownRow
		for _, t := range byDistrict[did] {
			tkey := keyOf(t.loc())
			p, err := parsePeriod(kind, tkey, t.loc())
			if err != nil {
				return created, err
			}
			rep, err := s.townReport(ctx, t, kind, p)
			if err != nil {
				return created, fmt.Errorf("summary of town %d %s: %w", t.ID, tkey, err)
			}
			ok, err := s.insertTown(ctx, t, rep)
			if err != nil {
				return created, fmt.Errorf("store summary of town %d %s: %w", t.ID, tkey, err)
			}
			if ok {
				created++
			}
			if tkey == dkey {
				rows = append(rows, townRow(rep))
			}
		}
		p, err := parsePeriod(kind, dkey, zone(defaultZone))
		if err != nil {
			return created, err
		}
		rep := districtReport(did, byDistrict[did][0].DistrictName, kind, p, rows)
		ok, err := s.insertDistrict(ctx, rep)
		if err != nil {
			return created, fmt.Errorf("store summary of district %d %s: %w", did, dkey, err)
		}
		if ok {
			created++
		}
	}
	return created, nil
}

// towns lists every town with its district and root organisation.
func (s *Service) towns(ctx context.Context) ([]*town, error) {
	var out []*town
	err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		return idb.NewRaw(`SELECT t.id, t.district_id, t.name, t.timezone, d.name AS district_name,
			(SELECT MIN(o.id) FROM organizations o WHERE o.tenant_id = t.id AND o.parent_id IS NULL) AS root_id
			FROM tenants t JOIN districts d ON d.id = t.district_id ORDER BY t.district_id, t.id`).Scan(ctx, &out)
	})
	if err != nil {
		return nil, fmt.Errorf("list towns: %w", err)
	}
	return out, nil
}

// exists reports whether the summary of scope, kind and period is stored.
func (s *Service) exists(ctx context.Context, scope string, kind Kind, period string) (bool, error) {
	var n int
	err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		c, err := idb.NewSelect().Table("summaries").
			Where("scope_key = ? AND kind = ? AND period = ?", scope, kind, period).Count(ctx)
		n = int(c)
		return err
	})
	return n > 0, err
}

// townReport gathers the figures of town t for period p.
func (s *Service) townReport(ctx context.Context, t *town, kind Kind, p affairs.Period) (*TownReport, error) {
	rep := &TownReport{TownID: t.ID, TownName: t.Name, Kind: kind, Period: p.Key, PeriodLabel: p.Label(),
		From: p.Start, To: p.End, Overdue: []OverdueTask{}}
	from, to := p.Start.UTC(), p.End.UTC()
	err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		var ts struct {
			Due    int `bun:"due"`
			Done   int `bun:"done"`
			OnTime int `bun:"on_time"`
		}
		if err := idb.NewRaw(`SELECT COUNT(*) AS due,
			COALESCE(SUM(CASE WHEN ti.status = ? THEN 1 ELSE 0 END), 0) AS done,
			COALESCE(SUM(CASE WHEN ti.status = ? AND ti.completed_at <= ti.due_at THEN 1 ELSE 0 END), 0) AS on_time
			FROM task_instances ti JOIN organizations o ON o.id = ti.org_id
			WHERE ti.tenant_id = ? AND ti.template_id IS NOT NULL AND o.dissolved_at IS NULL
			AND ti.due_at >= ? AND ti.due_at < ?`,
			affairs.Done, affairs.Done, t.ID, from, to).Scan(ctx, &ts); err != nil {
			return fmt.Errorf("count tasks: %w", err)
		}
		rep.Tasks = TaskStats{Due: ts.Due, Done: ts.Done, OnTime: ts.OnTime}
		rep.Tasks.rates()

		open := []affairs.Status{affairs.Pending, affairs.Returned, affairs.Overdue}
		overdueWhere := `FROM task_instances ti JOIN organizations o ON o.id = ti.org_id
			WHERE ti.tenant_id = ? AND ti.template_id IS NOT NULL AND o.dissolved_at IS NULL
			AND ti.due_at >= ? AND ti.due_at < ? AND ti.status IN (?)`
		if err := idb.NewRaw("SELECT COUNT(*) "+overdueWhere, t.ID, from, to, bun.In(open)).
			Scan(ctx, &rep.OverdueTotal); err != nil {
			return fmt.Errorf("count overdue tasks: %w", err)
		}
		var od []struct {
			OrgID   int64     `bun:"org_id"`
			OrgName string    `bun:"org_name"`
			Title   string    `bun:"title"`
			DueAt   time.Time `bun:"due_at"`
		}
		if err := idb.NewRaw("SELECT ti.org_id, o.name AS org_name, ti.title, ti.due_at "+overdueWhere+
			" ORDER BY ti.due_at, o.path, ti.id LIMIT ?", t.ID, from, to, bun.In(open), MaxOverdue).
			Scan(ctx, &od); err != nil && !db.IsNoRows(err) {
			return fmt.Errorf("list overdue tasks: %w", err)
		}
		for _, r := range od {
			rep.Overdue = append(rep.Overdue, OverdueTask{OrgID: r.OrgID, OrgName: r.OrgName, Title: r.Title, DueAt: r.DueAt.In(t.loc())})
		}

		var rs struct {
			New  int `bun:"new"`
			Late int `bun:"late"`
		}
		if err := idb.NewRaw(`SELECT COUNT(*) AS new, COALESCE(SUM(CASE WHEN late THEN 1 ELSE 0 END), 0) AS late
			FROM activity_records WHERE tenant_id = ? AND created_at >= ? AND created_at < ?`,
			t.ID, from, to).Scan(ctx, &rs); err != nil {
			return fmt.Errorf("count records: %w", err)
		}
		rep.Records = RecordStats{New: rs.New, Late: rs.Late}

		if kind.scored() && t.RootID != nil {
			sc, err := scoreChange(ctx, idb, t, p)
			if err != nil {
				return err
			}
			rep.Score = sc
		}
		return nil
	})
	return rep, err
}

// scoreChange reads the snapshots of the town's organisations for p and the
// period before it; nil when the town's root has no snapshot for p.
func scoreChange(ctx context.Context, idb bun.IDB, t *town, p affairs.Period) (*ScoreChange, error) {
	prev := p.Prev().Key
	var rows []struct {
		OrgID   int64    `bun:"org_id"`
		OrgName string   `bun:"org_name"`
		Total   float64  `bun:"total"`
		Prev    *float64 `bun:"prev"`
	}
	if err := idb.NewRaw(`SELECT s.org_id, o.name AS org_name, s.total,
		(SELECT ps.total FROM score_snapshots ps WHERE ps.org_id = s.org_id AND ps.period = ?) AS prev
		FROM score_snapshots s JOIN organizations o ON o.id = s.org_id
		WHERE s.tenant_id = ? AND s.period = ? AND o.dissolved_at IS NULL ORDER BY o.path`,
		prev, t.ID, p.Key).Scan(ctx, &rows); err != nil && !db.IsNoRows(err) {
		return nil, fmt.Errorf("read score snapshots: %w", err)
	}
	var sc *ScoreChange
	var movers []Mover
	for _, r := range rows {
		if r.OrgID == *t.RootID {
			sc = &ScoreChange{Period: p.Key, PrevPeriod: prev, Total: round1(r.Total), Previous: r.Prev}
			if r.Prev != nil {
				d := round1(r.Total - *r.Prev)
				sc.Delta = &d
			}
			continue
		}
		if r.Prev != nil {
			movers = append(movers, Mover{OrgID: r.OrgID, OrgName: r.OrgName, Total: round1(r.Total), Delta: round1(r.Total - *r.Prev)})
		}
	}
	if sc == nil {
		return nil, nil
	}
	sc.Best, sc.Worst = bestWorst(movers)
	return sc, nil
}

// bestWorst returns the up to three organisations that rose most and fell
// most; an organisation that did not move is neither.
func bestWorst(movers []Mover) (best, worst []Mover) {
	sort.SliceStable(movers, func(i, j int) bool { return movers[i].Delta > movers[j].Delta })
	best, worst = []Mover{}, []Mover{}
	for _, m := range movers {
		if m.Delta > 0 && len(best) < moversShown {
			best = append(best, m)
		}
	}
	for i := len(movers) - 1; i >= 0; i-- {
		if m := movers[i]; m.Delta < 0 && len(worst) < moversShown {
			worst = append(worst, m)
		}
	}
	return best, worst
}

func townRow(r *TownReport) TownRow {
	row := TownRow{TownID: r.TownID, TownName: r.TownName, Tasks: r.Tasks, OverdueTotal: r.OverdueTotal, Records: r.Records.New}
	if r.Score != nil {
		total := r.Score.Total
		row.Score, row.Delta = &total, r.Score.Delta
	}
	return row
}

// districtReport compares the towns and ranks them.
func districtReport(id int64, name string, kind Kind, p affairs.Period, rows []TownRow) *DistrictReport {
	rep := &DistrictReport{DistrictID: id, DistrictName: name, Kind: kind, Period: p.Key, PeriodLabel: p.Label(), Towns: rows}
	for _, r := range rows {
		rep.Tasks.Due += r.Tasks.Due
		rep.Tasks.Done += r.Tasks.Done
		rep.Tasks.OnTime += r.Tasks.OnTime
	}
	rep.Tasks.rates()
	sort.SliceStable(rep.Towns, func(i, j int) bool {
		a, b := rep.Towns[i], rep.Towns[j]
		if (a.Score != nil) != (b.Score != nil) {
			return a.Score != nil
		}
		if a.Score != nil && *a.Score != *b.Score {
			return *a.Score > *b.Score
		}
		return a.Tasks.CompletionRate > b.Tasks.CompletionRate
	})
	for i := range rep.Towns {
		rep.Towns[i].Rank = i + 1
	}
	if rep.Towns == nil {
		rep.Towns = []TownRow{}
	}
	return rep
}

// townResponsibleRoles receive a town's summaries in their inbox.
var townResponsibleRoles = []authz.Role{authz.TownOffice, authz.TownSecretary, authz.TownDeputySecretary}

// insertTown stores the town summary unless it exists and, only when this
// call inserted it, delivers it to the inbox of the town's responsible people.
func (s *Service) insertTown(ctx context.Context, t *town, rep *TownReport) (bool, error) {
	scope := "t:" + strconv.FormatInt(t.ID, 10)
	if ok, err := s.exists(ctx, scope, rep.Kind, rep.Period); err != nil || ok {
		return false, err
	}
	data, err := json.Marshal(rep)
	if err != nil {
		return false, err
	}
	title := fmt.Sprintf("%s %s 党建工作%s小结", t.Name, rep.PeriodLabel, rep.Kind.Label())
	sum := &Summary{TenantID: &t.ID, DistrictID: t.DistrictID, ScopeKey: scope, Kind: rep.Kind, Period: rep.Period,
		Title: title, Body: townMarkdown(title, rep), Data: string(data), CreatedAt: s.now()}
	inserted := false
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		id, ok, err := insertSummary(ctx, tx, sum)
		if err != nil || !ok {
			return err
		}
		inserted = true
		var users []int64
		if err := tx.NewRaw(`SELECT DISTINCT ra.user_id FROM role_assignments ra JOIN users u ON u.id = ra.user_id
			WHERE ra.tenant_id = ? AND ra.role IN (?) AND u.disabled_at IS NULL AND u.tenant_id = ? ORDER BY ra.user_id`,
			t.ID, bun.In(townResponsibleRoles), t.ID).Scan(ctx, &users); err != nil && !db.IsNoRows(err) {
			return fmt.Errorf("list summary recipients: %w", err)
		}
		body := inboxBody(rep)
		link := "/summaries/" + strconv.FormatInt(id, 10)
		for _, u := range users {
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO notifications (tenant_id, user_id, title, body, link, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				t.ID, u, title, body, link, sum.CreatedAt); err != nil {
				return fmt.Errorf("deliver summary: %w", err)
			}
		}
		return nil
	})
	return inserted, err
}

// districtResponsibleRoles receive a district's summaries in their inbox.
var districtResponsibleRoles = []authz.Role{authz.DistrictAdmin}

// insertDistrict stores the district summary unless it exists and, only when
// this call inserted it, delivers it to the inbox of the district's
// responsible people: district notifications carry no town (tenant_id NULL).
func (s *Service) insertDistrict(ctx context.Context, rep *DistrictReport) (bool, error) {
	scope := "d:" + strconv.FormatInt(rep.DistrictID, 10)
	if ok, err := s.exists(ctx, scope, rep.Kind, rep.Period); err != nil || ok {
		return false, err
	}
	data, err := json.Marshal(rep)
	if err != nil {
		return false, err
	}
	title := fmt.Sprintf("%s %s 党建工作%s小结", rep.DistrictName, rep.PeriodLabel, rep.Kind.Label())
	sum := &Summary{DistrictID: rep.DistrictID, ScopeKey: scope, Kind: rep.Kind, Period: rep.Period,
		Title: title, Body: districtMarkdown(title, rep), Data: string(data), CreatedAt: s.now()}
	inserted := false
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		id, ok, err := insertSummary(ctx, tx, sum)
		if err != nil || !ok {
			return err
		}
		inserted = true
		var users []int64
		if err := tx.NewRaw(`SELECT DISTINCT ra.user_id FROM role_assignments ra JOIN users u ON u.id = ra.user_id
			WHERE ra.district_id = ? AND ra.role IN (?) AND u.disabled_at IS NULL
			AND u.tenant_id IS NULL AND u.district_id = ? ORDER BY ra.user_id`,
			rep.DistrictID, bun.In(districtResponsibleRoles), rep.DistrictID).Scan(ctx, &users); err != nil && !db.IsNoRows(err) {
			return fmt.Errorf("list district summary recipients: %w", err)
		}
		body := districtInboxBody(rep)
		link := "/summaries/" + strconv.FormatInt(id, 10)
		for _, u := range users {
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO notifications (tenant_id, district_id, user_id, title, body, link, created_at) VALUES (NULL, ?, ?, ?, ?, ?, ?)",
				rep.DistrictID, u, title, body, link, sum.CreatedAt); err != nil {
				return fmt.Errorf("deliver district summary: %w", err)
			}
		}
		return nil
	})
	return inserted, err
}

// insertSummary inserts sum unless its scope, kind and period are taken, and
// returns the new id and whether it inserted.
func insertSummary(ctx context.Context, tx bun.Tx, sum *Summary) (int64, bool, error) {
	var ids []int64
	err := tx.NewRaw(`INSERT INTO summaries (tenant_id, district_id, scope_key, kind, period, title, body, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope_key, kind, period) DO NOTHING RETURNING id`,
		sum.TenantID, sum.DistrictID, sum.ScopeKey, sum.Kind, sum.Period, sum.Title, sum.Body, sum.Data, sum.CreatedAt).
		Scan(ctx, &ids)
	if err != nil && !db.IsNoRows(err) {
		return 0, false, fmt.Errorf("insert summary: %w", err)
	}
	if len(ids) == 0 {
		return 0, false, nil
	}
	return ids[0], true, nil
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
