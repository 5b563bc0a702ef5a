package demo

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/org"
)

// ScaleOptions sizes the district LoadScale generates. Zero values take the
// defaults of the scoring benchmark: 30 towns of 100 organisations and 2,000
// people each (3,000 organisations, 60,000 people), a year of records.
type ScaleOptions struct {
	Towns          int
	OrgsPerTown    int
	MembersPerTown int
	// Year whose task instances and records are generated; 0 means last year.
	Year int
	// Seed makes the data deterministic: the same options give the same district.
	Seed int64
	// Code is the district code (towns get "<code>-t01" …); default "scale-<seed>".
	Code string
	// AsOf is the moment the data describes: periods starting after it get no
	// instances, and instances due after it are still open. Zero means the
	// first instant of the following year (the whole year is past).
	AsOf time.Time
	// Progress, when set, receives a line per step (for the CLI).
	Progress func(msg string)
}

// ScaleResult is what LoadScale created.
type ScaleResult struct {
	DistrictID int64
	TownIDs    []int64
	// RootIDs are the towns' 镇党委, in the order of TownIDs.
	RootIDs       []int64
	Orgs          int
	Persons       int
	Instances     int
	Records       int
	Reviews       int
	Deployments   int
	Year          int
	TemplateCount int
	Elapsed       time.Duration
}

// LoadScale generates a realistic district for benchmarks and demos in one
// system-scope transaction with multi-row inserts: towns (Asia/Shanghai) with
// their 镇党委 → 社区党委 → 党支部 → 党小组 trees, people with Chinese names
// (mostly members), the district's default task templates, a year of monthly,
// quarterly and yearly task instances per applicable organisation — most done
// on time, some late, some returned then done, some overdue — with their
// activity records, reviews and a few deployments. A district with the same
// code already present is a CONFLICT.
func LoadScale(ctx context.Context, d *db.DB, opt ScaleOptions) (*ScaleResult, error) {
	start := time.Now()
	opt = opt.withDefaults(start)
	ctx = actor.System(ctx)
	g := &scaleGen{d: d, opt: opt, rnd: rand.New(rand.NewSource(opt.Seed)), loc: affairs.Location("Asia/Shanghai"),
		res: &ScaleResult{Year: opt.Year}}
	err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g.tx = tx
		return g.run(ctx)
	})
	if err != nil {
		return nil, err
	}
	g.res.Elapsed = time.Since(start)
	g.progress("完成：%d 个乡镇，%d 个组织，%d 人，%d 项任务，%d 条纪实，用时 %s",
		len(g.res.TownIDs), g.res.Orgs, g.res.Persons, g.res.Instances, g.res.Records, g.res.Elapsed.Round(time.Millisecond))
	return g.res, nil
}

func (o ScaleOptions) withDefaults(now time.Time) ScaleOptions {
	if o.Towns <= 0 {
		o.Towns = 30
	}
	if o.OrgsPerTown <= 0 {
		o.OrgsPerTown = 100
	}
	if o.MembersPerTown < 0 {
		o.MembersPerTown = 0
	} else if o.MembersPerTown == 0 {
		o.MembersPerTown = 2000
	}
	if o.Year == 0 {
		o.Year = now.Year() - 1
	}
	if o.Code == "" {
		o.Code = "scale-" + strconv.FormatInt(o.Seed, 10)
	}
	if o.AsOf.IsZero() {
		o.AsOf = time.Date(o.Year+1, 1, 1, 0, 0, 0, 0, affairs.Location("Asia/Shanghai"))
	}
	return o
}

// scaleGen holds the state of one LoadScale run.
type scaleGen struct {
	d   *db.DB
	tx  bun.Tx
	opt ScaleOptions
	rnd *rand.Rand
	loc *time.Location
	res *ScaleResult
}

// scaleOrg is a generated organisation.
type scaleOrg struct {
	id, tenantID, parentID int64
	kind                   org.Kind
	name, path             string
	depth, sortOrder       int
	// persons on its rolls, the first one its secretary.
	persons []int64
}

// scaleTown is one generated town.
type scaleTown struct {
	id   int64
	name string
	orgs []*scaleOrg
}

func (g *scaleGen) progress(format string, args ...any) {
	if g.opt.Progress != nil {
		g.opt.Progress(fmt.Sprintf(format, args...))
	}
}

func (g *scaleGen) run(ctx context.Context) error {
	n, err := g.tx.NewSelect().Table("districts").Where("code = ?", g.opt.Code).Count(ctx)
	if err != nil {
		return fmt.Errorf("look for district %s: %w", g.opt.Code, err)
	}
	if n > 0 {
		return apperr.New(apperr.Conflict, fmt.Sprintf("编码为 %s 的区已存在，请换一个编码或种子", g.opt.Code))
	}
	now := time.Now().UTC()
	if err := g.tx.NewRaw("INSERT INTO districts (name, code, created_at) VALUES (?, ?, ?) RETURNING id",
		"规模测试区", g.opt.Code, now).Scan(ctx, &g.res.DistrictID); err != nil {
		return fmt.Errorf("insert district: %w", err)
	}
	templates, err := g.insertTemplates(ctx, now)
	if err != nil {
		return err
	}
	g.res.TemplateCount = len(templates)
	towns := make([]*scaleTown, g.opt.Towns)
	for i := range towns {
		t := &scaleTown{name: scaleTownName(i)}
		code := fmt.Sprintf("%s-t%02d", g.opt.Code, i+1)
		if err := g.tx.NewRaw("INSERT INTO tenants (district_id, name, code, timezone, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			g.res.DistrictID, t.name, code, "Asia/Shanghai", now).Scan(ctx, &t.id); err != nil {
			return fmt.Errorf("insert town %s: %w", t.name, err)
		}
		towns[i] = t
		g.res.TownIDs = append(g.res.TownIDs, t.id)
	}
	if err := g.insertOrgs(ctx, towns, now); err != nil {
		return err
	}
	g.progress("组织：%d 个", g.res.Orgs)
	if err := g.insertPersons(ctx, towns, now); err != nil {
		return err
	}
	g.progress("人员：%d 人", g.res.Persons)
	if err := g.insertAffairs(ctx, towns, templates, now); err != nil {
		return err
	}
	g.progress("任务：%d 项，纪实：%d 条，审核：%d 条", g.res.Instances, g.res.Records, g.res.Reviews)
	return authz.BumpVersion(ctx, g.tx)
}

func (g *scaleGen) insertTemplates(ctx context.Context, now time.Time) ([]affairs.Template, error) {
	out := affairs.DistrictDefaults()
	for i := range out {
		t := &out[i]
		t.DistrictID, t.CreatedAt, t.UpdatedAt = g.res.DistrictID, now, now
		if _, err := g.tx.NewInsert().Model(t).Returning("id").Exec(ctx); err != nil {
			return nil, fmt.Errorf("insert template %s: %w", t.Code, err)
		}
	}
	return out, nil
}

// insertOrgs builds each town's tree: the root, 社区党委 each holding 党支部
// with one 党小组, and a few 驻区单位/联合/功能型 branches under the root.
func (g *scaleGen) insertOrgs(ctx context.Context, towns []*scaleTown, now time.Time) error {
	ids, err := g.reserveIDs(ctx, "organizations", len(towns)*g.opt.OrgsPerTown)
	if err != nil {
		return err
	}
	next := 0
	b := g.batch("organizations", "id", "tenant_id", "parent_id", "kind", "name", "path", "depth", "sort_order", "created_at", "updated_at")
	for ti, t := range towns {
		add := func(parent *scaleOrg, kind org.Kind, name string, sort int) *scaleOrg {
			o := &scaleOrg{id: ids[next], tenantID: t.id, kind: kind, name: name, sortOrder: sort}
			next++
			var parentID any
			if parent == nil {
				o.path = "/" + strconv.FormatInt(o.id, 10) + "/"
			} else {
				o.parentID, parentID = parent.id, parent.id
				o.path = parent.path + strconv.FormatInt(o.id, 10) + "/"
				o.depth = parent.depth + 1
			}
			t.orgs = append(t.orgs, o)
			b.add(o.id, o.tenantID, parentID, string(kind), name, o.path, o.depth, sort, now, now)
			return o
		}
		root := add(nil, org.TownCommittee, t.name+"党委", 0)
		g.res.RootIDs = append(g.res.RootIDs, root.id)
		rest := g.opt.OrgsPerTown - 1
		if rest <= 0 {
			continue
		}
		// About 17 organisations per community: itself, 8 branches, 8 groups.
		nc := (rest + 8) / 17
		if nc < 1 {
			nc = 1
		}
		communities := make([]*scaleOrg, nc)
		for ci := range communities {
			communities[ci] = add(root, org.CommunityCommittee, scaleCommunityName(ti, ci)+"党委", ci)
		}
		rest -= nc
		extras := []struct {
			kind org.Kind
			name string
		}{
			{org.UnitOrg, t.name + "中心学校党支部"},
			{org.JointBranch, t.name + "非公企业联合党支部"},
			{org.FunctionalBranch, t.name + "流动党员功能型党支部"},
		}
		branchNo := make([]int, nc)
		for i := 0; rest > 0; i++ {
			var br *scaleOrg
			if i < len(extras) && rest > 2 && g.opt.OrgsPerTown >= 40 {
				br = add(root, extras[i].kind, extras[i].name, nc+i)
			} else {
				ci := i % nc
				branchNo[ci]++
				c := communities[ci]
				br = add(c, org.Branch, fmt.Sprintf("%s第%s党支部", strings.TrimSuffix(c.name, "党委"), scaleNumeral(branchNo[ci])), branchNo[ci])
			}
			rest--
			if rest > 0 {
				add(br, org.PartyGroup, "第一党小组", 0)
				rest--
			}
		}
	}
	g.res.Orgs = next
	return b.flush(ctx)
}

// insertPersons puts the town's people on the rolls of its branches (and a
// few cadres on its communities): nine in ten are members.
func (g *scaleGen) insertPersons(ctx context.Context, towns []*scaleTown, now time.Time) error {
	ids, err := g.reserveIDs(ctx, "persons", len(towns)*g.opt.MembersPerTown)
	if err != nil {
		return err
	}
	next := 0
	b := g.batch("persons", "id", "tenant_id", "org_id", "name", "gender", "birth_date", "phone", "is_member",
		"member_status", "join_date", "duties", "is_community_cadre", "is_league_member", "is_volunteer",
		"is_in_service", "work_unit", "created_at", "updated_at")
	for _, t := range towns {
		var branches, communities []*scaleOrg
		for _, o := range t.orgs {
			switch o.kind {
			case org.PartyGroup, org.TownCommittee:
			case org.CommunityCommittee:
				communities = append(communities, o)
			default:
				branches = append(branches, o)
			}
		}
		if len(branches) == 0 {
			branches = t.orgs[:1]
		}
		for i := 0; i < g.opt.MembersPerTown; i++ {
			var o *scaleOrg
			if len(communities) > 0 && i%33 == 32 {
				o = communities[(i/33)%len(communities)]
			} else {
				o = branches[i%len(branches)]
			}
			id := ids[next]
			next++
			secretary := len(o.persons) == 0
			o.persons = append(o.persons, id)
			r := g.rnd
			gender := "MALE"
			if r.Intn(100) < 45 {
				gender = "FEMALE"
			}
			birthYear := 1945 + r.Intn(58)
			isMember := secretary || r.Intn(100) < 90
			status, join, duties := "", "", "[]"
			league := false
			if isMember {
				status = "FULL"
				joinYear := birthYear + 20 + r.Intn(15)
				if joinYear >= g.opt.Year {
					joinYear = g.opt.Year - 1
				}
				if r.Intn(100) < 4 {
					status, joinYear = "PROBATIONARY", g.opt.Year
				}
				join = fmt.Sprintf("%d-07-01", joinYear)
				if secretary {
					duties = `["书记"]`
				} else if r.Intn(100) < 6 {
					duties = `["组织委员"]`
				}
			} else {
				league = birthYear > 1990
			}
			inService := r.Intn(100) < 15
			work := ""
			if inService {
				work = scaleWorkUnits[r.Intn(len(scaleWorkUnits))]
			}
			b.add(id, t.id, o.id, g.personName(), gender,
				fmt.Sprintf("%d-%02d-%02d", birthYear, 1+r.Intn(12), 1+r.Intn(28)),
				fmt.Sprintf("1%d%09d", 3+r.Intn(6), r.Intn(1_000_000_000)),
				isMember, status, join, duties, secretary, league, r.Intn(100) < 20, inService, work, now, now)
		}
	}
	g.res.Persons = next
	return b.flush(ctx)
}

func (g *scaleGen) personName() string {
	r := g.rnd
	name := scaleSurnames[r.Intn(len(scaleSurnames))] + string(scaleGivenChars[r.Intn(len(scaleGivenChars))])
	if r.Intn(100) < 70 {
		name += string(scaleGivenChars[r.Intn(len(scaleGivenChars))])
	}
	return name
}

// scaleInstance is a generated task instance before insertion.
type scaleInstance struct {
	org      *scaleOrg
	template *affairs.Template
	deployID int64
	period   string
	title    string
	kind     affairs.Category
	due      time.Time
	start    time.Time
}

// insertAffairs generates the year's task instances with their outcomes.
func (g *scaleGen) insertAffairs(ctx context.Context, towns []*scaleTown, templates []affairs.Template, now time.Time) error {
	var insts []scaleInstance
	yearStart := time.Date(g.opt.Year, 1, 1, 0, 0, 0, 0, g.loc)
	for _, t := range towns {
		for _, o := range t.orgs {
			for ti := range templates {
				tp := &templates[ti]
				if !tp.AppliesTo(o.kind) {
					continue
				}
				for p := affairs.PeriodAt(tp.Cadence, yearStart, g.loc); p.Start.Year() == g.opt.Year && p.Start.Before(g.opt.AsOf); p = p.Next() {
					insts = append(insts, scaleInstance{org: o, template: tp, period: p.Key,
						title: affairs.InstanceTitle(p, tp.Name), kind: tp.Category, due: p.DueAt(tp.DueDaysBeforeEnd), start: p.Start})
				}
			}
		}
		// Four deployments a year from the town's office to its branches.
		depIDs, err := g.reserveIDs(ctx, "deployments", 4)
		if err != nil {
			return err
		}
		root := t.orgs[0]
		dep := g.batch("deployments", "id", "tenant_id", "issuer_org_id", "title", "content", "deadline", "target_root_id", "target_kinds", "created_at")
		for q := 0; q < 4; q++ {
			month := time.Month(q*3 + 2)
			deadline := time.Date(g.opt.Year, month, 20, 18, 0, 0, 0, g.loc)
			created := deadline.AddDate(0, 0, -14)
			if !created.Before(g.opt.AsOf) {
				continue
			}
			title := scaleDeploymentTitles[q%len(scaleDeploymentTitles)]
			kinds := make([]string, 0, 4)
			for _, k := range affairs.BranchKinds() {
				kinds = append(kinds, string(k))
			}
			dep.add(depIDs[q], t.id, root.id, title, "请各党支部按要求组织开展，并上传活动纪实。", deadline.UTC(), root.id, strings.Join(kinds, ","), created.UTC())
			g.res.Deployments++
			period := affairs.PeriodAt(affairs.Monthly, deadline, g.loc).Key
			for _, o := range t.orgs {
				if o.kind == org.Branch || o.kind == org.UnitOrg || o.kind == org.JointBranch || o.kind == org.FunctionalBranch {
					insts = append(insts, scaleInstance{org: o, deployID: depIDs[q], period: period, title: title,
						kind: affairs.Deployment, due: deadline, start: created})
				}
			}
		}
		if err := dep.flush(ctx); err != nil {
			return err
		}
	}
	instIDs, err := g.reserveIDs(ctx, "task_instances", len(insts))
	if err != nil {
		return err
	}
	// Records: at most two per instance (a returned one and its resubmission).
	recIDs, err := g.reserveIDs(ctx, "activity_records", len(insts)+len(insts)/8+16)
	if err != nil {
		return err
	}
	nextRec := 0
	ib := g.batch("task_instances", "id", "tenant_id", "template_id", "deployment_id", "org_id", "period", "title",
		"due_at", "status", "submitted_at", "completed_at", "created_at", "updated_at")
	rb := g.batch("activity_records", "id", "tenant_id", "org_id", "kind", "title", "start_at", "end_at", "place",
		"host_person_id", "content", "minutes", "late", "created_at", "updated_at")
	lb := g.batch("record_instances", "tenant_id", "record_id", "instance_id")
	vb := g.batch("task_reviews", "tenant_id", "instance_id", "action", "comment", "record_id", "created_at")
	asOf := g.opt.AsOf
	for i, in := range insts {
		id := instIDs[i]
		o := in.org
		r := g.rnd
		var templateID, deployID any
		if in.template != nil {
			templateID = in.template.ID
		}
		if in.deployID != 0 {
			deployID = in.deployID
		}
		created := in.start.UTC()
		// record adds an activity on day at, entered at entered, linked to the instance.
		record := func(at, entered time.Time) int64 {
			rid := recIDs[nextRec]
			nextRec++
			var host any
			if len(o.persons) > 0 {
				host = o.persons[0]
			}
			late := affairs.IsLateEntry(at.Add(90*time.Minute), entered, g.loc)
			content, minutes := "传达学习上级会议精神，研究部署近期工作。", "一、学习有关文件精神；二、通报工作完成情况；三、讨论下一步重点工作并明确分工。"
			if in.kind == affairs.Summary {
				content, minutes = "本季度支部严格落实“三会一课”制度，按时开展主题党日活动，党员教育管理规范有序。", ""
			}
			rb.add(rid, o.tenantID, o.id, string(in.kind), in.title, at.UTC(), at.Add(90*time.Minute).UTC(),
				o.name+"活动室", host, content, minutes, late, entered.UTC(), entered.UTC())
			lb.add(o.tenantID, rid, id)
			g.res.Records++
			return rid
		}
		review := func(rid int64, action, comment string, at time.Time) {
			vb.add(o.tenantID, id, action, comment, rid, at.UTC())
			g.res.Reviews++
		}
		// A meeting day inside the period, before the deadline when on time.
		span := in.due.Sub(in.start)
		onTimeAt := in.start.Add(time.Duration(float64(span) * (0.3 + 0.6*r.Float64()))).Truncate(time.Hour)
		status := string(affairs.Pending)
		var submitted, completed any
		roll := r.Intn(100)
		switch {
		case onTimeAt.After(asOf):
			// Not yet held: open (a few done early are not modelled).
		case roll < 74 || (in.due.After(asOf) && roll < 90):
			// Done on time and accepted a few days later.
			entered := onTimeAt.Add(time.Duration(2+r.Intn(40)) * time.Hour)
			if entered.After(asOf) {
				entered = asOf.Add(-time.Hour)
			}
			rid := record(onTimeAt, entered)
			done := entered.Add(time.Duration(4+r.Intn(60)) * time.Hour)
			if done.After(asOf) {
				status, submitted = string(affairs.Submitted), entered.UTC()
				break
			}
			review(rid, "ACCEPT", "", done)
			status, submitted, completed = string(affairs.Done), entered.UTC(), done.UTC()
		case in.due.After(asOf):
			// Still open before its deadline.
		case roll < 84:
			// Done late: held or entered after the deadline (补录).
			at := in.due.Add(time.Duration(1+r.Intn(10)*24) * time.Hour)
			entered := at.Add(time.Duration(2+r.Intn(3)*72) * time.Hour)
			if entered.After(asOf) {
				status = string(affairs.Overdue)
				break
			}
			rid := record(at, entered)
			done := entered.Add(48 * time.Hour)
			if done.After(asOf) {
				status, submitted = string(affairs.Submitted), entered.UTC()
				break
			}
			review(rid, "ACCEPT", "", done)
			status, submitted, completed = string(affairs.Done), entered.UTC(), done.UTC()
		case roll < 92:
			// Returned for more detail, then resubmitted and accepted.
			entered := onTimeAt.Add(6 * time.Hour)
			rid := record(onTimeAt, entered)
			back := entered.Add(48 * time.Hour)
			review(rid, "RETURN", scaleReturnComments[r.Intn(len(scaleReturnComments))], back)
			again := back.Add(time.Duration(24+r.Intn(120)) * time.Hour)
			if again.After(asOf) {
				status = string(affairs.Overdue)
				if !in.due.Before(asOf) {
					status = string(affairs.Returned)
				}
				break
			}
			rid2 := record(onTimeAt, again)
			done := again.Add(24 * time.Hour)
			if done.After(asOf) {
				status, submitted = string(affairs.Submitted), again.UTC()
				break
			}
			review(rid2, "ACCEPT", "", done)
			status, submitted, completed = string(affairs.Done), again.UTC(), done.UTC()
		default:
			status = string(affairs.Overdue)
		}
		if status == string(affairs.Pending) && in.due.Before(asOf) {
			status = string(affairs.Overdue)
		}
		ib.add(id, o.tenantID, templateID, deployID, o.id, in.period, in.title, in.due.UTC(), status, submitted, completed, created, created)
		// Instances go first: records and reviews refer to them.
		if len(ib.rows) >= scaleBatchRows {
			for _, b := range []*scaleBatch{ib, rb, lb, vb} {
				if err := b.flush(ctx); err != nil {
					return err
				}
			}
		}
	}
	g.res.Instances = len(insts)
	for _, b := range []*scaleBatch{ib, rb, lb, vb} {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// reserveIDs returns n fresh ids of table. On PostgreSQL they come from the
// identity sequence; on SQLite the transaction holds the write lock, so the
// ids after the largest used one are free, and AUTOINCREMENT follows explicit ids.
func (g *scaleGen) reserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	if n == 0 {
		return out, nil
	}
	if g.d.Dialect == db.Postgres {
		err := g.tx.NewRaw("SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)", table, n).Scan(ctx, &out)
		if err != nil {
			return nil, fmt.Errorf("reserve %s ids: %w", table, err)
		}
		return out, nil
	}
	var maxID int64
	err := g.tx.NewRaw("SELECT MAX(COALESCE((SELECT MAX(id) FROM ?), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0))",
		bun.Ident(table), table).Scan(ctx, &maxID)
	if err != nil {
		return nil, fmt.Errorf("reserve %s ids: %w", table, err)
	}
	for i := 1; i <= n; i++ {
		out = append(out, maxID+int64(i))
	}
	return out, nil
}

// scaleBatchRows is how many rows one INSERT statement carries.
const scaleBatchRows = 500

// scaleBatch collects rows for one multi-row INSERT.
type scaleBatch struct {
	tx    bun.Tx
	table string
	cols  []string
	rows  [][]any
	row   string
}

func (g *scaleGen) batch(table string, cols ...string) *scaleBatch {
	return &scaleBatch{tx: g.tx, table: table, cols: cols,
		row: "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"}
}

func (b *scaleBatch) add(vals ...any) { b.rows = append(b.rows, vals) }

func (b *scaleBatch) flush(ctx context.Context) error {
	for len(b.rows) > 0 {
		n := min(len(b.rows), scaleBatchRows)
		var q strings.Builder
		q.WriteString("INSERT INTO " + b.table + " (" + strings.Join(b.cols, ", ") + ") VALUES ")
		args := make([]any, 0, n*len(b.cols))
		for i, r := range b.rows[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(b.row)
			args = append(args, r...)
		}
		if _, err := b.tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("insert %s: %w", b.table, err)
		}
		b.rows = b.rows[n:]
	}
	b.rows = nil
	return nil
}

func scaleTownName(i int) string {
	base := scaleTownNames[i%len(scaleTownNames)]
	suffix := "镇"
	if i%4 == 3 {
		suffix = "街道"
	}
	if i >= len(scaleTownNames) {
		base += scaleNumeral(i/len(scaleTownNames) + 1)
	}
	return base + suffix
}

func scaleCommunityName(town, i int) string {
	name := scaleCommunityNames[(town*7+i)%len(scaleCommunityNames)]
	if i >= len(scaleCommunityNames) {
		name += scaleNumeral(i/len(scaleCommunityNames) + 1)
	}
	return name + "社区"
}

// scaleNumeral writes 1…99 in Chinese numerals (一, 十二, 二十三).
func scaleNumeral(n int) string {
	d := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return d[n]
	case n < 20:
		if n == 10 {
			return "十"
		}
		return "十" + d[n%10]
	case n < 100:
		s := d[n/10] + "十"
		if n%10 != 0 {
			s += d[n%10]
		}
		return s
	}
	return strconv.Itoa(n)
}

var (
	scaleTownNames = []string{"红旗", "东风", "青山", "前进", "向阳", "太平", "新桥", "安乐", "龙泉", "石门",
		"金桥", "白沙", "长安", "永丰", "东湖", "西塘", "南岗", "北山", "高桥", "杨柳",
		"河口", "凤凰", "梅林", "松林", "桃源", "清水", "大王", "马桥", "花园", "双龙"}
	scaleCommunityNames = []string{"幸福", "和平", "光明", "朝阳", "新华", "民主", "团结", "胜利", "建设", "文化",
		"红星", "长青", "振兴", "友谊", "繁荣", "兴隆", "滨河", "锦绣", "丰收", "育才", "春晖", "翠苑", "和谐"}
	scaleSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
		"林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓"}
	scaleGivenChars       = []rune("建国秀英志强桂兰海燕文博丽娟德明春梅庆晓东玉振华红霞子涵宇航淑珍立新雪俊杰思雨卫佳怡永生军伟芳敏静磊洋勇艳杰涛明超秀霞平刚")
	scaleWorkUnits        = []string{"区人民医院", "区第一中学", "区税务局", "镇卫生院", "区供电公司", "区实验小学"}
	scaleDeploymentTitles = []string{"开展“党员进社区”志愿服务活动", "开展防汛安全隐患排查", "组织学习贯彻全会精神", "开展冬季关爱困难群众走访"}
	scaleReturnComments   = []string{"会议记录过于简略，请补充讨论的具体内容后重新提交。", "缺少参会人员签到，请补充后重新提交。", "照片不清晰，请重新上传活动照片。"}
)
