package export_test

import (
	"context"
	"io"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/export"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
	"dangjian/internal/queue/queuetest"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func at(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, shanghai).UTC()
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

type fixture struct {
	*orgtest.Fixture
	clk    *clock.Fake
	svc    *export.Service
	branch *org.Organization
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{Fixture: orgtest.New(t, d), clk: clock.NewFake(at(time.December, 1, 10))}
	f.svc = export.NewService(d, f.Authz, nil, nil, []byte("test-secret"), f.clk, export.WithDir(t.TempDir()))
	f.branch = f.MustCreate(t, f.A.Root, org.Branch, "第一党支部")
	tpl := exec(t, d, `INSERT INTO task_templates (district_id, name, category, org_kinds, cadence, created_at, updated_at)
		VALUES (?, '支部委员会', 'BRANCH_COMMITTEE', 'BRANCH', 'MONTHLY', ?, ?) RETURNING id`,
		f.DistrictID, at(time.January, 1, 0), at(time.January, 1, 0))
	done := at(time.November, 18, 9)
	exec(t, d, `INSERT INTO task_instances (tenant_id, template_id, org_id, period, title, due_at, status, completed_at, created_at, updated_at)
		VALUES (?, ?, ?, '2026-11', '2026年11月 支部委员会', ?, 'DONE', ?, ?, ?)`,
		f.A.TenantID, tpl, f.branch.ID, at(time.November, 30, 23), done, done, done)
	exec(t, d, `INSERT INTO task_instances (tenant_id, template_id, org_id, period, title, due_at, status, created_at, updated_at)
		VALUES (?, ?, ?, '2026-10', '2026年10月 支部委员会', ?, 'PENDING', ?, ?)`,
		f.A.TenantID, tpl, f.branch.ID, at(time.November, 20, 23), done, done)
	scheme := exec(t, d, `INSERT INTO scoring_schemes (district_id, year, version, name, created_at)
		VALUES (?, 2026, 1, '方案', ?) RETURNING id`, f.DistrictID, done)
	for _, s := range []struct {
		o      *org.Organization
		period string
		total  float64
	}{{f.A.Root, "2026-Q4", 88}, {f.A.Root, "2026-Q3", 80}, {f.B.Root, "2026-Q4", 91}} {
		exec(t, d, `INSERT INTO score_snapshots (tenant_id, org_id, period, scheme_id, own_score, total, stars, color, computed_at)
			VALUES (?, ?, ?, ?, ?, ?, 4, 'GREEN', ?)`, s.o.TenantID, s.o.ID, s.period, scheme, s.total, s.total, done)
	}
	return f
}

// download opens the signed link of a finished export and returns its sheet.
func download(t *testing.T, f *fixture, ctx context.Context, id int64, sheet string) [][]string {
	t.Helper()
	e, err := f.svc.Export(ctx, id)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if e.Status != export.Done || e.URL == "" {
		t.Fatalf("export %+v not done", e)
	}
	u, _ := url.Parse(e.URL)
	name, r, err := f.svc.OpenSigned(context.Background(), path.Base(u.Path), u.Query().Get("exp"), u.Query().Get("sig"))
	if err != nil {
		t.Fatalf("open signed link %s: %v", e.URL, err)
	}
	defer r.Close()
	if !strings.HasSuffix(name, ".xlsx") {
		t.Errorf("filename %q", name)
	}
	x, err := excelize.OpenReader(r)
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	defer x.Close()
	if idx, _ := x.GetSheetIndex("说明"); idx < 0 {
		t.Errorf("no 说明 sheet in %v", x.GetSheetList())
	}
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("rows of %s: %v", sheet, err)
	}
	return rows
}

func TestTasksLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		e, err := f.svc.RequestExport(office, export.ExportInput{Kind: export.Tasks, Period: "2026-11"})
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		rows := download(t, f, office, e.ID, "任务完成台账")
		want := []string{"组织", "任务", "期间", "截止日期", "状态", "完成时间", "是否按时"}
		if strings.Join(rows[0], ",") != strings.Join(want, ",") {
			t.Errorf("headers = %v", rows[0])
		}
		if len(rows) != 3 {
			t.Fatalf("rows = %v, want header and 2 tasks", rows)
		}
		got := strings.Join(rows[1], ",") + "\n" + strings.Join(rows[2], ",")
		for _, w := range []string{
			"第一党支部,2026年10月 支部委员会,2026-10,2026-11-20 23:00,已逾期,,否",
			"第一党支部,2026年11月 支部委员会,2026-11,2026-11-30 23:00,已完成,2026-11-18 09:00,是",
		} {
			if !strings.Contains(got, w) {
				t.Errorf("ledger lacks %q:\n%s", w, got)
			}
		}
	})
}

func TestSignedLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		e, err := f.svc.RequestExport(office, export.ExportInput{Kind: export.Members})
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		got, err := f.svc.Export(office, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(got.URL)
		id, exp, sig := path.Base(u.Path), u.Query().Get("exp"), u.Query().Get("sig")
		_, r, err := f.svc.OpenSigned(context.Background(), id, exp, sig)
		if err != nil {
			t.Fatalf("fresh link: %v", err)
		}
		io.Copy(io.Discard, r)
		r.Close()

		tampered := []byte(sig)
		tampered[0] ^= 1
		other := strconv.FormatInt(e.ID+1, 10)
		for name, args := range map[string][3]string{
			"tampered signature": {id, exp, string(tampered)},
			"other export":       {other, exp, sig},
			"later expiry":       {id, exp + "0", sig},
		} {
			if _, _, err := f.svc.OpenSigned(context.Background(), args[0], args[1], args[2]); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("%s: %v, want FORBIDDEN", name, err)
			}
		}
		f.clk.Advance(16 * time.Minute)
		_, _, err = f.svc.OpenSigned(context.Background(), id, exp, sig)
		if ae, ok := apperr.As(err); !ok || ae.Code != apperr.Forbidden || !strings.Contains(ae.Message, "过期") {
			t.Errorf("expired link: %v, want FORBIDDEN 已过期", err)
		}

		bUser := f.TownUser(t, authz.TownOffice, f.B.Root)
		if _, err := f.svc.Export(bUser, e.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another user's export: %v, want NOT_FOUND", err)
		}
	})
}

func TestExportBoundaries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		aUser := f.TownUser(t, authz.TownOffice, f.A.Root)
		if _, err := f.svc.RequestExport(aUser, export.ExportInput{Kind: export.Tasks, OrgID: &f.B.Root.ID}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("town A exporting town B: %v, want NOT_FOUND", err)
		}
		if _, err := f.svc.RequestExport(aUser, export.ExportInput{Kind: export.Comparison}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("town user exporting the comparison: %v, want FORBIDDEN", err)
		}
		branchSec := f.TownUser(t, authz.OrgSecretary, f.branch)
		if _, err := f.svc.RequestExport(branchSec, export.ExportInput{Kind: export.Records, OrgID: &f.A.Root.ID}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("branch secretary exporting the whole town: %v, want FORBIDDEN", err)
		}

		du := f.DistrictUser(t, authz.DistrictViewer)
		e, err := f.svc.RequestExport(du, export.ExportInput{Kind: export.Comparison, Period: "2026-Q4"})
		if err != nil {
			t.Fatalf("district comparison: %v", err)
		}
		rows := download(t, f, du, e.ID, "乡镇对比")
		if strings.Join(rows[0], ",") != "乡镇,得分,排名,较上期" || len(rows) != 3 {
			t.Fatalf("comparison = %v", rows)
		}
		if strings.Join(rows[1], ",") != "乙镇,91,1" || strings.Join(rows[2], ",") != "甲镇,88,2,8" {
			t.Errorf("comparison rows = %v", rows[1:])
		}
	})
}

func TestQueuedBuild(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		rt := queuetest.Embedded(t)
		svc := export.NewService(d, f.Authz, nil, rt, []byte("s"), f.clk, export.WithDir(t.TempDir()))
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		e, err := svc.RequestExport(office, export.ExportInput{Kind: export.Records, Period: "2026-11"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != export.Queued {
			t.Errorf("status = %s, want QUEUED", e.Status)
		}
		if _, err := rt.Inspector.GetTaskInfo(rt.Queue, export.BuildTaskID(e.ID)); err != nil {
			t.Errorf("task %s not enqueued: %v", export.BuildTaskID(e.ID), err)
		}
		if err := svc.Build(context.Background(), e.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.Build(context.Background(), e.ID); err != nil {
			t.Fatalf("retry: %v", err)
		}
		got, err := svc.Export(office, e.ID)
		if err != nil || got.Status != export.Done || got.URL == "" {
			t.Errorf("after build: %+v, %v", got, err)
		}
	})
}
