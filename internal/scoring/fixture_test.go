package scoring

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
)

var shanghai = affairs.Location("Asia/Shanghai")

// fixtureNow is 2026-11-15 10:00 in Shanghai: October is closed, Q4 open.
var fixtureNow = time.Date(2026, 11, 15, 10, 0, 0, 0, shanghai)

// octDue is the end of October in Shanghai, when October's tasks fall due.
var octDue = time.Date(2026, 10, 31, 23, 59, 59, 0, shanghai)

// scoreFixture is orgtest's district with, in town A,
//
//	甲镇党委 ── 一社区党委 (C1) ─┬─ 一支部 (B1, 3 members)
//	                             └─ 二支部 (B2, 1 member)
//
// and in town B 乙一支部 (BB1), plus October task data inserted directly.
type scoreFixture struct {
	*orgtest.Fixture
	Svc   *Service
	Clock *clock.Fake

	C1, B1, B2, BB1 *org.Organization
	// B1's instances: meeting done on time, theme day done late, summary overdue, deployment on time.
	B1Meeting, B1Theme, B1Summary, B1Deploy int64
	B2Meeting, C1Summary, BBMeeting         int64
	LateRecords                             []int64
}

func newScoreFixture(t *testing.T, d *db.DB) *scoreFixture {
	t.Helper()
	f := &scoreFixture{Fixture: orgtest.New(t, d), Clock: clock.NewFake(fixtureNow)}
	f.Svc = NewService(d, f.Authz, f.Clock, nil)
	f.C1 = f.MustCreate(t, f.A.Root, org.CommunityCommittee, "一社区党委")
	f.B1 = f.MustCreate(t, f.C1, org.Branch, "一支部")
	f.B2 = f.MustCreate(t, f.C1, org.Branch, "二支部")
	f.BB1 = f.MustCreate(t, f.B.Root, org.Branch, "乙一支部")
	at := func(d time.Duration) *time.Time { v := octDue.Add(d).UTC(); return &v }
	err := d.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		tpl := map[string]int64{}
		for code, cat := range map[string]string{"branch_committee": "BRANCH_COMMITTEE", "theme_day": "THEME_DAY", "quarterly_summary": "SUMMARY"} {
			var id int64
			if err := tx.NewRaw(`INSERT INTO task_templates (district_id, code, name, category, org_kinds, cadence)
				VALUES (?, ?, ?, ?, 'BRANCH', 'MONTHLY') RETURNING id`, f.DistrictID, code, code, cat).Scan(ctx, &id); err != nil {
				return err
			}
			tpl[code] = id
		}
		var dep int64
		if err := tx.NewRaw(`INSERT INTO deployments (tenant_id, issuer_org_id, title, deadline, target_root_id)
			VALUES (?, ?, '部署', ?, ?) RETURNING id`, f.A.TenantID, f.A.Root.ID, octDue.UTC(), f.C1.ID).Scan(ctx, &dep); err != nil {
			return err
		}
		inst := func(tenant int64, o *org.Organization, tplID, depID *int64, status string, submitted *time.Time) int64 {
			var id int64
			if err := tx.NewRaw(`INSERT INTO task_instances (tenant_id, template_id, deployment_id, org_id, period, title, due_at, status, submitted_at, completed_at)
				VALUES (?, ?, ?, ?, '2026-10', 't', ?, ?, ?, ?) RETURNING id`,
				tenant, tplID, depID, o.ID, octDue.UTC(), status, submitted, submitted).Scan(ctx, &id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		p := func(v int64) *int64 { return &v }
		f.B1Meeting = inst(f.A.TenantID, f.B1, p(tpl["branch_committee"]), nil, "DONE", at(-48*time.Hour))
		f.B1Theme = inst(f.A.TenantID, f.B1, p(tpl["theme_day"]), nil, "DONE", at(48*time.Hour))
		f.B1Summary = inst(f.A.TenantID, f.B1, p(tpl["quarterly_summary"]), nil, "OVERDUE", nil)
		f.B1Deploy = inst(f.A.TenantID, f.B1, nil, &dep, "DONE", at(-time.Hour))
		f.B2Meeting = inst(f.A.TenantID, f.B2, p(tpl["branch_committee"]), nil, "DONE", at(-time.Hour))
		f.C1Summary = inst(f.A.TenantID, f.C1, p(tpl["quarterly_summary"]), nil, "SUBMITTED", at(-time.Hour))
		f.BBMeeting = inst(f.B.TenantID, f.BB1, p(tpl["branch_committee"]), nil, "DONE", at(-time.Hour))
		// Two late records of B1 and one of B2 in October.
		for _, o := range []*org.Organization{f.B1, f.B1, f.B2} {
			var id int64
			start := time.Date(2026, 10, 10, 9, 0, 0, 0, shanghai).UTC()
			if err := tx.NewRaw(`INSERT INTO activity_records (tenant_id, org_id, kind, title, start_at, end_at, late)
				VALUES (?, ?, 'BRANCH_COMMITTEE', '补录', ?, ?, true) RETURNING id`, f.A.TenantID, o.ID, start, start.Add(time.Hour)).Scan(ctx, &id); err != nil {
				return err
			}
			if o == f.B1 {
				f.LateRecords = append(f.LateRecords, id)
			}
		}
		// B1's theme day was returned once, on 20 October.
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_reviews (tenant_id, instance_id, action, created_at) VALUES (?, ?, 'RETURN', ?)`,
			f.A.TenantID, f.B1Theme, time.Date(2026, 10, 20, 9, 0, 0, 0, shanghai).UTC()); err != nil {
			return err
		}
		for o, n := range map[*org.Organization]int{f.B1: 3, f.B2: 1} {
			for i := 0; i < n; i++ {
				if _, err := tx.ExecContext(ctx, `INSERT INTO persons (tenant_id, org_id, name, is_member) VALUES (?, ?, '党员', true)`,
					f.A.TenantID, o.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("score fixture: %v", err)
	}
	return f
}

// publish creates and publishes a default-indicator scheme for 2026 with rule.
func (f *scoreFixture) publish(t *testing.T, admin context.Context, rule RollupRule) *Scheme {
	t.Helper()
	sc, err := f.Svc.CreateScheme(admin, SchemeInput{DistrictID: f.DistrictID, Year: 2026, Name: "2026 年度考核方案", RollupRule: rule, TownShare: 0.2})
	if err != nil {
		t.Fatalf("create scheme: %v", err)
	}
	if _, err := f.Svc.PublishScheme(admin, sc.ID); err != nil {
		t.Fatalf("publish scheme: %v", err)
	}
	return sc
}

// snapshots returns the town's snapshots of a period by org, as the system.
func (f *scoreFixture) snapshots(t *testing.T, tenantID int64, period string) map[int64]*Snapshot {
	t.Helper()
	var rows []*Snapshot
	err := f.DB.Read(f.System(), func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().Model(&rows).ColumnExpr("ss.*").ColumnExpr(hasOwnExpr).
			Where("tenant_id = ?", tenantID).Where("period = ?", period).Scan(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]*Snapshot{}
	for _, r := range rows {
		out[r.OrgID] = r
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.011 }

func wantScoreErr(t *testing.T, err error, code apperr.Code, what string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}
