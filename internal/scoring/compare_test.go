package scoring

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
)

// cmpFixture is a district with towns A, B and C scored for a few quarters,
// and a second district with town D.
type cmpFixture struct {
	*orgtest.Fixture
	svc       *Service
	scheme    int64
	ind       []int64
	C         orgtest.Town
	district2 int64
	D         orgtest.Town
}

func newCmpFixture(t *testing.T, d *db.DB) *cmpFixture {
	t.Helper()
	f := &cmpFixture{Fixture: orgtest.New(t, d)}
	f.svc = NewService(d, f.Authz, clock.NewFake(time.Date(2026, 5, 10, 9, 0, 0, 0, time.UTC)), nil)
	err := d.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("INSERT INTO tenants (district_id, name, code) VALUES (?, '丙镇', 'T3') RETURNING id",
			f.DistrictID).Scan(ctx, &f.C.TenantID); err != nil {
			return err
		}
		root, err := f.Orgs.CreateRoot(ctx, tx, f.C.TenantID, "丙镇党委")
		if err != nil {
			return err
		}
		f.C.Root = root
		if err := tx.NewRaw("INSERT INTO districts (name, code) VALUES ('邻区', 'D2') RETURNING id").Scan(ctx, &f.district2); err != nil {
			return err
		}
		if err := tx.NewRaw("INSERT INTO tenants (district_id, name, code) VALUES (?, '丁镇', 'T4') RETURNING id",
			f.district2).Scan(ctx, &f.D.TenantID); err != nil {
			return err
		}
		if f.D.Root, err = f.Orgs.CreateRoot(ctx, tx, f.D.TenantID, "丁镇党委"); err != nil {
			return err
		}
		if err := tx.NewRaw(`INSERT INTO scoring_schemes (district_id, year, version, name, status, published_at)
			VALUES (?, 2026, 1, '2026年度考核方案', 'PUBLISHED', ?) RETURNING id`, f.DistrictID, time.Now().UTC()).Scan(ctx, &f.scheme); err != nil {
			return err
		}
		for i, ind := range [][2]string{{"completion", "任务完成率"}, {"timeliness", "按时完成率"}} {
			var id int64
			if err := tx.NewRaw(`INSERT INTO scoring_indicators (scheme_id, district_id, code, name, weight, input, rule, sort_order)
				VALUES (?, ?, ?, ?, 50, 'TASK_COMPLETION', 'RATIO', ?) RETURNING id`, f.scheme, f.DistrictID, ind[0], ind[1], i+1).Scan(ctx, &id); err != nil {
				return err
			}
			f.ind = append(f.ind, id)
		}
		return authzBump(ctx, tx)
	})
	if err != nil {
		t.Fatalf("comparison fixture: %v", err)
	}
	return f
}

func authzBump(ctx context.Context, tx bun.Tx) error { return authz.BumpVersion(ctx, tx) }

// snap stores a score of o for period; the indicator points split the total.
func (f *cmpFixture) snap(t *testing.T, o *org.Organization, period string, total float64) {
	t.Helper()
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		var id int64
		if err := tx.NewRaw(`INSERT INTO score_snapshots (tenant_id, org_id, period, scheme_id, own_score, total, stars, color, member_count, computed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 10, ?) RETURNING id`, o.TenantID, o.ID, period, f.scheme, total, total,
			Stars(total, []float64{90, 80, 70, 60}), string(ColorOf(total)), time.Now().UTC()).Scan(ctx, &id); err != nil {
			return err
		}
		for i, ind := range f.ind {
			name := []string{"任务完成率", "按时完成率"}[i]
			value := []float64{total / 100, (total - 10) / 100}[i]
			if _, err := tx.ExecContext(ctx, `INSERT INTO score_items (tenant_id, snapshot_id, indicator_id, name, weight, value, points, explanation)
				VALUES (?, ?, ?, ?, 50, ?, ?, '按比例计分')`, o.TenantID, id, ind, name, value, total/2); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert snapshot: %v", err)
	}
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

func rowOf(c *Comparison, town int64) *ComparisonRow {
	for _, r := range c.Rows {
		if r.TownID == town {
			return r
		}
	}
	return nil
}

func TestDistrictComparison(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCmpFixture(t, d)
		f.snap(t, f.A.Root, "2025-Q4", 70)
		f.snap(t, f.A.Root, "2026-Q1", 80)
		f.snap(t, f.A.Root, "2026-Q2", 85)
		f.snap(t, f.B.Root, "2026-Q2", 85)
		f.snap(t, f.C.Root, "2026-Q1", 75)
		f.snap(t, f.C.Root, "2026-Q2", 70)
		viewer := f.DistrictUser(t, authz.DistrictViewer)

		t.Run("ranks with ties and deltas", func(t *testing.T) {
			c, err := f.svc.DistrictComparison(viewer, f.DistrictID, "2026-Q2", nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Rows) != 3 || c.Period != "2026-Q2" {
				t.Fatalf("rows %d period %s", len(c.Rows), c.Period)
			}
			a, b, cc := rowOf(c, f.A.TenantID), rowOf(c, f.B.TenantID), rowOf(c, f.C.TenantID)
			if a.Rank != 1 || b.Rank != 1 || cc.Rank != 3 {
				t.Errorf("ranks %d %d %d, want 1 1 3", a.Rank, b.Rank, cc.Rank)
			}
			if a.Delta == nil || *a.Delta != 5 || b.Delta != nil || cc.Delta == nil || *cc.Delta != -5 {
				t.Errorf("deltas %v %v %v, want +5, none, -5", a.Delta, b.Delta, cc.Delta)
			}
			if a.Score != 85 || a.TownName != "甲镇" || a.Stars != 4 {
				t.Errorf("row A %+v", a)
			}
			if fmt.Sprint(c.Indicators) != "[任务完成率 按时完成率]" || len(a.Values) != 2 || a.Values[1].Value != 0.75 || a.Values[0].Points != 42.5 {
				t.Errorf("indicators %v values %+v", c.Indicators, a.Values)
			}
		})

		t.Run("indicator filter by code or name", func(t *testing.T) {
			for _, sel := range []string{"timeliness", "按时完成率"} {
				c, err := f.svc.DistrictComparison(viewer, f.DistrictID, "2026-Q2", []string{sel})
				if err != nil {
					t.Fatal(err)
				}
				a := rowOf(c, f.A.TenantID)
				if len(c.Indicators) != 1 || len(a.Values) != 1 || a.Values[0].Indicator != "按时完成率" || a.Values[0].Code != "timeliness" {
					t.Errorf("%s: indicators %v values %+v", sel, c.Indicators, a.Values)
				}
			}
		})

		t.Run("trend oldest first", func(t *testing.T) {
			c, err := f.svc.CompareDistrict(viewer, ComparisonQuery{DistrictID: f.DistrictID, Period: "2026-Q2", TrendPeriods: 4})
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(rowOf(c, f.A.TenantID).Trend); got != "[{2025-Q4 70} {2026-Q1 80} {2026-Q2 85}]" {
				t.Errorf("comparison trend %s", got)
			}
			tr, err := f.svc.ScoreTrendAt(viewer, f.A.Root.ID, "2026-Q2", 2)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(tr) != "[{2026-Q1 80} {2026-Q2 85}]" {
				t.Errorf("trend %v", tr)
			}
			// The fake clock is in 2026-Q2: the default is the current quarter.
			tr, err = f.svc.ScoreTrend(viewer, f.A.Root.ID, 3)
			if err != nil || len(tr) != 3 || tr[2].Period != "2026-Q2" {
				t.Errorf("default trend %v, %v", tr, err)
			}
		})

		t.Run("town user sees the published ranking only", func(t *testing.T) {
			townA := f.TownUser(t, authz.TownOffice, f.A.Root)
			c, err := f.svc.DistrictComparison(townA, f.DistrictID, "2026-Q2", nil)
			if err != nil {
				t.Fatal(err)
			}
			a, b := rowOf(c, f.A.TenantID), rowOf(c, f.B.TenantID)
			if a.Restricted || len(a.Values) != 2 || a.Delta == nil {
				t.Errorf("own town row %+v", a)
			}
			if !b.Restricted || b.Score != 85 || b.Rank != 1 || b.Values != nil || b.Delta != nil {
				t.Errorf("other town row %+v, want score and rank only", b)
			}
		})

		t.Run("another district is not found", func(t *testing.T) {
			_, err := f.svc.DistrictComparison(viewer, f.district2, "2026-Q2", nil)
			wantCode(t, err, apperr.NotFound)
			townA := f.TownUser(t, authz.TownOffice, f.A.Root)
			_, err = f.svc.DistrictComparison(townA, f.district2, "2026-Q2", nil)
			wantCode(t, err, apperr.NotFound)
			_, err = f.svc.DistrictComparison(viewer, 987654, "2026-Q2", nil)
			wantCode(t, err, apperr.NotFound)
			_, err = f.svc.ScoreTrend(viewer, f.D.Root.ID, 3)
			wantCode(t, err, apperr.NotFound)
			_, err = f.svc.DistrictComparison(context.Background(), f.DistrictID, "2026-Q2", nil)
			wantCode(t, err, apperr.Unauthenticated)
		})

		t.Run("bad period", func(t *testing.T) {
			_, err := f.svc.DistrictComparison(viewer, f.DistrictID, "2026-W03", nil)
			wantCode(t, err, apperr.InvalidInput)
		})
	})
}

func TestDrillDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCmpFixture(t, d)
		c1 := f.MustCreate(t, f.A.Root, org.CommunityCommittee, "幸福社区党委")
		c2 := f.MustCreate(t, f.A.Root, org.CommunityCommittee, "和平社区党委")
		c3 := f.MustCreate(t, f.A.Root, org.CommunityCommittee, "光明社区党委")
		unit := f.MustCreate(t, f.A.Root, org.UnitOrg, "中心学校党支部")
		f.snap(t, c1, "2026-Q2", 70)
		f.snap(t, c2, "2026-Q2", 90)
		f.snap(t, c3, "2026-Q2", 70)

		viewer := f.DistrictUser(t, authz.DistrictViewer)
		got, err := f.svc.DrillDown(viewer, f.A.Root.ID, "2026-Q2")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 {
			t.Fatalf("children %d, want 4", len(got))
		}
		want := []struct {
			id   int64
			rank int
		}{{c2.ID, 1}, {c1.ID, 2}, {c3.ID, 2}, {unit.ID, 0}}
		for i, w := range want {
			if got[i].OrgID != w.id || got[i].Rank != w.rank {
				t.Errorf("child %d: org %d rank %d, want org %d rank %d", i, got[i].OrgID, got[i].Rank, w.id, w.rank)
			}
		}
		if got[0].Stars != 5 || got[0].Color == "" || got[3].Scored {
			t.Errorf("child details %+v %+v", got[0], got[3])
		}

		// A town user drills into its own town but not into another one.
		townA := f.TownUser(t, authz.TownOffice, f.A.Root)
		if _, err := f.svc.DrillDown(townA, f.A.Root.ID, "2026-Q2"); err != nil {
			t.Fatalf("own town: %v", err)
		}
		townB := f.TownUser(t, authz.TownOffice, f.B.Root)
		_, err = f.svc.DrillDown(townB, f.A.Root.ID, "2026-Q2")
		wantCode(t, err, apperr.NotFound)
		_, err = f.svc.DrillDown(townB, c2.ID, "2026-Q2")
		wantCode(t, err, apperr.NotFound)
		_, err = f.svc.ScoreTrend(townB, c2.ID, 2)
		wantCode(t, err, apperr.NotFound)
		// A branch secretary sees below its branch only.
		sec := f.TownUser(t, authz.OrgSecretary, unit)
		_, err = f.svc.DrillDown(sec, f.A.Root.ID, "2026-Q2")
		wantCode(t, err, apperr.NotFound)
		// The other district's viewer cannot open this district's towns.
		_, err = f.svc.DrillDown(viewer, f.D.Root.ID, "2026-Q2")
		wantCode(t, err, apperr.NotFound)
	})
}

func TestLaggingOrgs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newCmpFixture(t, d)
		ca := f.MustCreate(t, f.A.Root, org.CommunityCommittee, "幸福社区党委")
		cb := f.MustCreate(t, f.B.Root, org.CommunityCommittee, "朝阳社区党委")
		totals := []float64{95, 90, 85, 80, 78, 75, 72, 65, 55, 50}
		byTotal := map[float64]int64{}
		for i, total := range totals {
			parent := ca
			if i%2 == 1 {
				parent = cb
			}
			b := f.MustCreate(t, parent, org.Branch, fmt.Sprintf("第%d党支部", i+1))
			f.snap(t, b, "2026-Q2", total)
			byTotal[total] = b.ID
		}
		f.snap(t, ca, "2026-Q2", 40) // not a branch: not comparable by default

		viewer := f.DistrictUser(t, authz.DistrictViewer)
		got, err := f.svc.LaggingOrgs(viewer, LaggingFilter{DistrictID: f.DistrictID, Period: "2026-Q2"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].OrgID != byTotal[50] || got[1].OrgID != byTotal[55] {
			t.Fatalf("lagging %+v, want the 50 and 55 branches", got)
		}
		if len(got[0].Reasons) != 2 || len(got[1].Reasons) != 1 || !got[0].Lagging || got[0].Rank != 10 {
			t.Errorf("reasons %v / %v rank %d", got[0].Reasons, got[1].Reasons, got[0].Rank)
		}

		// A wider share and a lower threshold.
		got, err = f.svc.LaggingOrgs(viewer, LaggingFilter{DistrictID: f.DistrictID, Period: "2026-Q2", BottomShare: 0.3, Below: -1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[2].OrgID != byTotal[65] {
			t.Errorf("bottom 30%%: %+v", got)
		}

		// Kinds widen the comparison to communities.
		got, err = f.svc.LaggingOrgs(viewer, LaggingFilter{DistrictID: f.DistrictID, Period: "2026-Q2", BottomShare: -1,
			Kinds: []org.Kind{org.CommunityCommittee}})
		if err != nil || len(got) != 1 || got[0].OrgID != ca.ID {
			t.Errorf("communities: %+v, %v", got, err)
		}

		// A town sees its own laggards only.
		townA := f.TownUser(t, authz.TownOffice, f.A.Root)
		got, err = f.svc.LaggingOrgs(townA, LaggingFilter{TenantID: f.A.TenantID, Period: "2026-Q2"})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			if c.TenantID != f.A.TenantID {
				t.Errorf("town A sees %+v", c)
			}
		}
		_, err = f.svc.LaggingOrgs(townA, LaggingFilter{TenantID: f.B.TenantID, Period: "2026-Q2"})
		wantCode(t, err, apperr.NotFound)
		_, err = f.svc.LaggingOrgs(townA, LaggingFilter{DistrictID: f.DistrictID, Period: "2026-Q2"})
		wantCode(t, err, apperr.NotFound)
		_, err = f.svc.LaggingOrgs(viewer, LaggingFilter{DistrictID: f.district2, Period: "2026-Q2"})
		wantCode(t, err, apperr.NotFound)
	})
}
