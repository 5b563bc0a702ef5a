package report_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
	"dangjian/internal/pagination"
	"dangjian/internal/remind"
	"dangjian/internal/report"
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a Shanghai wall time in 2026, stored in UTC as the services do.
func at(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, shanghai).UTC()
}

type fixture struct {
	*orgtest.Fixture
	svc                         *report.Service
	community, branch1, branch2 *org.Organization
}

func exec(t *testing.T, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var id int64
	err := d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
		if strings.Contains(query, "RETURNING") {
			return tx.NewRaw(query, args...).Scan(ctx, &id)
		}
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// newFixture builds town A with a community and two branches, November 2026
// tasks, records and October/November score snapshots.
func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{Fixture: orgtest.New(t, d)}
	f.svc = report.NewService(d, f.Authz, clock.NewFake(at(time.December, 1, 10)))
	f.community = f.MustCreate(t, f.A.Root, org.CommunityCommittee, "幸福社区党委")
	f.branch1 = f.MustCreate(t, f.community, org.Branch, "第一党支部")
	f.branch2 = f.MustCreate(t, f.community, org.Branch, "第二党支部")

	tpl := exec(t, d, `INSERT INTO task_templates (district_id, name, category, org_kinds, cadence, created_at, updated_at)
		VALUES (?, '支部委员会', 'BRANCH_COMMITTEE', 'BRANCH', 'MONTHLY', ?, ?) RETURNING id`,
		f.DistrictID, at(time.January, 1, 0), at(time.January, 1, 0))
	inst := func(o *org.Organization, title string, period string, due time.Time, status string, completed *time.Time) {
		exec(t, d, `INSERT INTO task_instances (tenant_id, template_id, org_id, period, title, due_at, status, completed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.TenantID, tpl, o.ID, period, title, due, status, completed, due, due)
	}
	c1, c2 := at(time.November, 18, 9), at(time.November, 25, 9)
	inst(f.branch1, "2026年11月 支部委员会", "2026-11", at(time.November, 20, 23), "DONE", &c1)
	inst(f.branch2, "2026年11月 支部委员会", "2026-11", at(time.November, 20, 23), "DONE", &c2)
	inst(f.branch1, "2026年11月 主题党日", "2026-11-b", at(time.November, 30, 23), "OVERDUE", nil)
	inst(f.community, "2026年11月 党委会", "2026-11", at(time.November, 30, 23), "PENDING", nil)
	inst(f.branch1, "2026年12月 支部委员会", "2026-12", at(time.December, 20, 23), "PENDING", nil)

	rec := func(created time.Time, late bool) {
		exec(t, d, `INSERT INTO activity_records (tenant_id, org_id, kind, title, start_at, end_at, late, created_at, updated_at)
			VALUES (?, ?, 'BRANCH_COMMITTEE', '支委会', ?, ?, ?, ?, ?)`, f.A.TenantID, f.branch1.ID, created, created, late, created, created)
	}
	rec(at(time.November, 3, 10), false)
	rec(at(time.November, 18, 10), false)
	rec(at(time.November, 26, 10), true)
	rec(at(time.October, 26, 10), false)

	scheme := exec(t, d, `INSERT INTO scoring_schemes (district_id, year, version, name, status, created_at)
		VALUES (?, 2026, 1, '2026年度方案', 'PUBLISHED', ?) RETURNING id`, f.DistrictID, at(time.January, 1, 0))
	snap := func(o *org.Organization, period string, total float64) {
		exec(t, d, `INSERT INTO score_snapshots (tenant_id, org_id, period, scheme_id, own_score, total, stars, color, computed_at)
			VALUES (?, ?, ?, ?, ?, ?, 4, 'GREEN', ?)`, o.TenantID, o.ID, period, scheme, total, total, at(time.December, 1, 2))
	}
	snap(f.A.Root, "2026-10", 80)
	snap(f.A.Root, "2026-11", 85)
	snap(f.branch1, "2026-10", 80)
	snap(f.branch1, "2026-11", 90)
	snap(f.branch2, "2026-10", 75)
	snap(f.branch2, "2026-11", 70)
	snap(f.community, "2026-10", 80)
	snap(f.community, "2026-11", 80)
	return f
}

func townSummary(t *testing.T, f *fixture, ctx context.Context, townID int64) *report.Summary {
	t.Helper()
	k := report.Monthly
	page, err := f.svc.Summaries(ctx, report.SummaryFilter{TownID: &townID, Kind: &k, Period: "2026-11"}, pagination.Request{})
	if err != nil {
		t.Fatalf("list summaries: %v", err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("town %d has %d November summaries, want 1", townID, len(page.Items))
	}
	return page.Items[0]
}

func TestSummaryContents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		n, err := f.svc.Generate(ctx, report.Monthly, "2026-11")
		if err != nil {
			t.Fatalf("generate: %v", err)
		}
		if n != 3 {
			t.Fatalf("generate wrote %d summaries, want 3 (towns A, B and the district)", n)
		}
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		sum := townSummary(t, f, office, f.A.TenantID)
		if sum.Title != "甲镇 2026年11月 党建工作月度小结" {
			t.Errorf("title = %q", sum.Title)
		}
		var rep report.TownReport
		if err := json.Unmarshal([]byte(sum.Data), &rep); err != nil {
			t.Fatalf("data: %v", err)
		}
		if rep.Tasks.Due != 4 || rep.Tasks.Done != 2 || rep.Tasks.OnTime != 1 {
			t.Errorf("tasks = %+v, want due 4, done 2, on time 1", rep.Tasks)
		}
		if rep.Tasks.CompletionRate != 50 || rep.Tasks.OnTimeRate != 25 {
			t.Errorf("rates = %v%%, %v%%, want 50%%, 25%%", rep.Tasks.CompletionRate, rep.Tasks.OnTimeRate)
		}
		if rep.OverdueTotal != 2 || len(rep.Overdue) != 2 {
			t.Fatalf("overdue = %d %+v, want 2", rep.OverdueTotal, rep.Overdue)
		}
		names := map[string]bool{}
		for _, o := range rep.Overdue {
			names[o.OrgName+"/"+o.Title] = true
		}
		if !names["第一党支部/2026年11月 主题党日"] || !names["幸福社区党委/2026年11月 党委会"] {
			t.Errorf("overdue list = %+v", rep.Overdue)
		}
		if rep.Records.New != 3 || rep.Records.Late != 1 {
			t.Errorf("records = %+v, want 3 new, 1 late", rep.Records)
		}
		if rep.Score == nil || rep.Score.Total != 85 || rep.Score.Delta == nil || *rep.Score.Delta != 5 {
			t.Fatalf("score = %+v, want 85 (+5)", rep.Score)
		}
		if len(rep.Score.Best) != 1 || rep.Score.Best[0].OrgName != "第一党支部" || rep.Score.Best[0].Delta != 10 {
			t.Errorf("best movers = %+v, want 第一党支部 +10", rep.Score.Best)
		}
		if len(rep.Score.Worst) != 1 || rep.Score.Worst[0].OrgName != "第二党支部" || rep.Score.Worst[0].Delta != -5 {
			t.Errorf("worst movers = %+v, want 第二党支部 -5", rep.Score.Worst)
		}
		for _, want := range []string{"完成率 50%", "按时率 25%", "第一党支部", "补录 1 条", "较上期（2026-10）+5", "进步最大"} {
			if !strings.Contains(sum.Body, want) {
				t.Errorf("body lacks %q:\n%s", want, sum.Body)
			}
		}
		name, content, err := f.svc.SummaryDocument(office, sum.ID)
		if err != nil || !strings.HasSuffix(name, ".md") || string(content) != sum.Body {
			t.Errorf("document = %q, %d bytes, %v", name, len(content), err)
		}

		// Town B has no tasks and no scores.
		bUser := f.TownUser(t, authz.TownOffice, f.B.Root)
		bsum := townSummary(t, f, bUser, f.B.TenantID)
		if !strings.Contains(bsum.Body, "本期暂无评分") {
			t.Errorf("town B body lacks 本期暂无评分:\n%s", bsum.Body)
		}

		// The district compares its towns.
		du := f.DistrictUser(t, authz.DistrictViewer)
		page, err := f.svc.Summaries(du, report.SummaryFilter{DistrictID: &f.DistrictID}, pagination.Request{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("district summaries = %+v, %v", page.Items, err)
		}
		var drep report.DistrictReport
		if err := json.Unmarshal([]byte(page.Items[0].Data), &drep); err != nil {
			t.Fatal(err)
		}
		if len(drep.Towns) != 2 || drep.Towns[0].TownName != "甲镇" || drep.Towns[0].Rank != 1 || drep.Towns[0].Score == nil {
			t.Errorf("district towns = %+v", drep.Towns)
		}
		all, err := f.svc.Summaries(du, report.SummaryFilter{}, pagination.Request{})
		if err != nil || all.TotalCount != 3 {
			t.Errorf("district user sees %d summaries (%v), want 3", all.TotalCount, err)
		}
	})
}

func TestSummaryCreatedOnceAndDeliveredOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		branchSec := f.TownUser(t, authz.OrgSecretary, f.branch1)
		admin := f.DistrictUser(t, authz.DistrictAdmin)
		viewer := f.DistrictUser(t, authz.DistrictViewer)
		disabled := f.DistrictUser(t, authz.DistrictAdmin)
		exec(t, d, "UPDATE users SET disabled_at = ? WHERE id = ?", at(time.November, 1, 0), userID(t, disabled))
		ctx := context.Background()

		var wg sync.WaitGroup
		counts := make([]int, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i], errs[i] = f.svc.Generate(ctx, report.Monthly, "2026-11")
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("concurrent generate: %v", err)
			}
		}
		if counts[0]+counts[1] != 3 {
			t.Errorf("two schedulers wrote %d summaries, want 3 in all", counts[0]+counts[1])
		}
		if n, err := f.svc.Generate(ctx, report.Monthly, "2026-11"); err != nil || n != 0 {
			t.Errorf("retry wrote %d (%v), want 0", n, err)
		}

		var rows int
		var links []string
		err := d.Read(f.System(), func(ctx context.Context, idb bun.IDB) error {
			if err := idb.NewRaw("SELECT COUNT(*) FROM summaries WHERE kind = 'MONTHLY' AND period = '2026-11'").Scan(ctx, &rows); err != nil {
				return err
			}
			return idb.NewRaw("SELECT link FROM notifications WHERE user_id = ?", userID(t, office)).Scan(ctx, &links)
		})
		if err != nil {
			t.Fatal(err)
		}
		if rows != 3 {
			t.Errorf("%d summary rows, want 3", rows)
		}
		sum := townSummary(t, f, office, f.A.TenantID)
		if len(links) != 1 || links[0] != "/summaries/"+itoa(sum.ID) {
			t.Errorf("town office inbox links = %v, want one /summaries/%d", links, sum.ID)
		}
		var other int
		_ = d.Read(f.System(), func(ctx context.Context, idb bun.IDB) error {
			return idb.NewRaw("SELECT COUNT(*) FROM notifications WHERE user_id = ?", userID(t, branchSec)).Scan(ctx, &other)
		})
		if other != 0 {
			t.Errorf("a branch secretary got %d summary notifications, want 0", other)
		}

		// The district summary reaches the district admin's own inbox, once.
		dpage, err := f.svc.Summaries(admin, report.SummaryFilter{DistrictID: &f.DistrictID}, pagination.Request{})
		if err != nil || len(dpage.Items) != 1 || !dpage.Items[0].IsDistrict() {
			t.Fatalf("district summaries = %+v, %v", dpage.Items, err)
		}
		dsum := dpage.Items[0]
		inbox, err := remind.NewService(d, nil, clock.NewFake(at(time.December, 1, 11)), remind.Config{Authz: f.Authz}).
			Inbox(admin, false, pagination.Request{})
		if err != nil {
			t.Fatalf("district admin inbox: %v", err)
		}
		if len(inbox.Items) != 1 || inbox.Items[0].Link != "/summaries/"+itoa(dsum.ID) || inbox.Items[0].Title != dsum.Title {
			t.Errorf("district admin inbox = %+v, want one notification of /summaries/%d", inbox.Items, dsum.ID)
		}
		if len(inbox.Items) == 1 && !strings.Contains(inbox.Items[0].Body, "2 个乡镇") {
			t.Errorf("district notification body = %q", inbox.Items[0].Body)
		}
		for who, c := range map[string]context.Context{"a district viewer": viewer, "a disabled district admin": disabled} {
			var n int
			_ = d.Read(f.System(), func(ctx context.Context, idb bun.IDB) error {
				return idb.NewRaw("SELECT COUNT(*) FROM notifications WHERE user_id = ?", userID(t, c)).Scan(ctx, &n)
			})
			if n != 0 {
				t.Errorf("%s got %d summary notifications, want 0", who, n)
			}
		}
		var districtRows int
		_ = d.Read(f.System(), func(ctx context.Context, idb bun.IDB) error {
			return idb.NewRaw("SELECT COUNT(*) FROM notifications WHERE tenant_id IS NULL AND district_id = ?", f.DistrictID).
				Scan(ctx, &districtRows)
		})
		if districtRows != 1 {
			t.Errorf("%d district notifications, want 1 (the admin's)", districtRows)
		}
	})
}

func TestGenerateDue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		now := time.Date(2026, 12, 1, 0, 15, 0, 0, shanghai)
		n, err := f.svc.GenerateDue(context.Background(), now)
		if err != nil {
			t.Fatal(err)
		}
		if n != 12 {
			t.Errorf("GenerateDue wrote %d, want 12 (4 kinds × 2 towns and the district)", n)
		}
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		townSummary(t, f, office, f.A.TenantID) // the November one exists
		for _, want := range []string{"2026-W48", "2026-Q3", "2025"} {
			page, err := f.svc.Summaries(office, report.SummaryFilter{Period: want}, pagination.Request{})
			if err != nil || len(page.Items) != 1 {
				t.Errorf("period %s: %d summaries (%v), want 1", want, len(page.Items), err)
			}
		}
		if n, err := f.svc.GenerateDue(context.Background(), now.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("second run wrote %d (%v), want 0", n, err)
		}
	})
}

func TestSummaryTenantBoundary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		if _, err := f.svc.Generate(context.Background(), report.Monthly, "2026-11"); err != nil {
			t.Fatal(err)
		}
		aUser := f.TownUser(t, authz.TownOffice, f.A.Root)
		bUser := f.TownUser(t, authz.TownOffice, f.B.Root)
		aSum := townSummary(t, f, aUser, f.A.TenantID)

		if _, err := f.svc.Summary(bUser, aSum.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("town B reading town A's summary: %v, want NOT_FOUND", err)
		}
		if _, _, err := f.svc.SummaryDocument(bUser, aSum.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("town B downloading town A's summary: %v, want NOT_FOUND", err)
		}
		page, err := f.svc.Summaries(bUser, report.SummaryFilter{TownID: &f.A.TenantID}, pagination.Request{})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("town B lists %d of town A's summaries (%v), want 0", len(page.Items), err)
		}
		page, err = f.svc.Summaries(aUser, report.SummaryFilter{}, pagination.Request{})
		if err != nil || page.TotalCount != 1 {
			t.Errorf("town A sees %d summaries (%v), want its own 1 (not the district's)", page.TotalCount, err)
		}
		du := f.DistrictUser(t, authz.DistrictViewer)
		if _, err := f.svc.Summary(du, aSum.ID); err != nil {
			t.Errorf("district user reading town A's summary: %v", err)
		}
		if _, err := f.svc.Summary(context.Background(), aSum.ID); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Errorf("anonymous read: %v, want UNAUTHENTICATED", err)
		}
	})
}
