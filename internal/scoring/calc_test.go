package scoring

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/pagination"
)

func TestRecomputeBreakdownAndRollup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newScoreFixture(t, d)
		admin := f.DistrictUser(t, authz.DistrictAdmin)
		if n, err := f.Svc.Recompute(f.System(), f.A.TenantID, "2026-10"); err != nil || n != 0 {
			t.Fatalf("recompute without a scheme = %d, %v; want 0, nil", n, err)
		}
		v1 := f.publish(t, admin, RollupMean)

		// Town A: B1, B2, C1 and the root get snapshots.
		n, err := f.Svc.Recompute(admin, f.A.TenantID, "2026-10")
		if err != nil || n != 4 {
			t.Fatalf("recompute = %d, %v; want 4", n, err)
		}
		b, err := f.Svc.ScoreBreakdown(admin, f.B1.ID, "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		// completion 2/3 × 30, timeliness 1/3 × 20, two late records 10−4,
		// one return 10−2, deployment 1/1 × 15, summary 0/1 × 15.
		want := []struct {
			points, weight float64
			evidence       []int64
		}{
			{20, 30, []int64{f.B1Meeting, f.B1Theme, f.B1Summary}},
			{6.67, 20, []int64{f.B1Meeting, f.B1Theme, f.B1Summary}},
			{6, 10, f.LateRecords},
			{8, 10, []int64{f.B1Theme}},
			{15, 15, []int64{f.B1Deploy}},
			{0, 15, []int64{f.B1Summary}},
		}
		if len(b.Items) != len(want) {
			t.Fatalf("items = %d, want %d", len(b.Items), len(want))
		}
		for i, w := range want {
			it := b.Items[i]
			if !near(it.Points, w.points) || it.Weight != w.weight || !reflect.DeepEqual(it.Evidence, w.evidence) || it.Explanation == "" {
				t.Errorf("item %d %s = %.2f/%v %v %q; want %.2f/%v %v", i, it.Name, it.Points, it.Weight, it.Evidence, it.Explanation, w.points, w.weight, w.evidence)
			}
		}
		t.Logf("B1 completion: %s", b.Items[0].Explanation)
		if !near(b.Snapshot.OwnScore, 55.67) || !near(b.Snapshot.Total, 55.67) || b.Snapshot.Color != Red || b.Snapshot.Stars != 1 {
			t.Fatalf("B1 snapshot = %+v", b.Snapshot)
		}
		snaps := f.snapshots(t, f.A.TenantID, "2026-10")
		// B2: completion and timeliness full, one late record (8), no return; deployments and
		// summaries have nothing to measure and drop out: 68/70 → 97.14.
		if s := snaps[f.B2.ID]; !near(s.Total, 97.14) || s.Stars != 5 || s.Color != Green {
			t.Fatalf("B2 = %+v", s)
		}
		// C1 (MEAN): mean of its children; its own 100 is kept but not in the total.
		if s := snaps[f.C1.ID]; !near(s.Total, 76.41) || !near(s.OwnScore, 100) || !s.HasOwnScore || s.MemberCount != 4 {
			t.Fatalf("C1 = %+v", s)
		}
		if s := snaps[f.A.Root.ID]; !near(s.Total, 76.41) || s.HasOwnScore || s.Color != Amber || s.Stars != 3 {
			t.Fatalf("root = %+v", s)
		}
		closed := snaps

		// A new version (weighted by size) does not change closed October…
		f.publish(t, admin, RollupWeightedBySize)
		if _, err := f.Svc.Recompute(f.System(), f.A.TenantID, "2026-10"); err != nil {
			t.Fatal(err)
		}
		again := f.snapshots(t, f.A.TenantID, "2026-10")
		for id, s := range closed {
			a := again[id]
			if a == nil || a.Total != s.Total || a.OwnScore != s.OwnScore || a.SchemeID != v1.ID || a.Stars != s.Stars {
				t.Fatalf("closed period changed for org %d: %+v → %+v", id, s, a)
			}
		}
		// …but applies to the open quarter: C1 = (55.67×3 + 97.14×1)/4.
		if _, err := f.Svc.Recompute(f.System(), f.A.TenantID, "2026-Q4"); err != nil {
			t.Fatal(err)
		}
		if s := f.snapshots(t, f.A.TenantID, "2026-Q4")[f.C1.ID]; !near(s.Total, 66.04) {
			t.Fatalf("weighted C1 = %+v", s)
		}
		f.publish(t, admin, RollupOwnPlusChildren)
		if _, err := f.Svc.Recompute(f.System(), f.A.TenantID, "2026-Q4"); err != nil {
			t.Fatal(err)
		}
		if s := f.snapshots(t, f.A.TenantID, "2026-Q4")[f.C1.ID]; !near(s.Total, 88.2) {
			t.Fatalf("own-plus-children C1 = %+v", s)
		}
		if _, err := f.Svc.Recompute(f.System(), f.B.TenantID, "2026-10"); err != nil {
			t.Fatal(err)
		}

		// Tenant boundaries.
		townB := f.TownUser(t, authz.TownOffice, f.B.Root)
		_, err = f.Svc.ScoreBreakdown(townB, f.B1.ID, "2026-10")
		wantScoreErr(t, err, apperr.NotFound, "town B reads town A's breakdown")
		page, err := f.Svc.Scores(townB, ScoreFilter{OrgID: &f.B1.ID, Period: "2026-10"}, pagination.Request{})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("town B lists town A's scores: %v, %v", page.Items, err)
		}
		page, err = f.Svc.Scores(townB, ScoreFilter{Period: "2026-10"}, pagination.Request{})
		if err != nil || len(page.Items) != 2 { // BB1 and 乙镇党委
			t.Fatalf("town B own scores = %d, %v", len(page.Items), err)
		}
		_, err = f.Svc.Recompute(townB, f.A.TenantID, "2026-10")
		wantScoreErr(t, err, apperr.NotFound, "town B recomputes town A")
		secretary := f.TownUser(t, authz.OrgSecretary, f.B1)
		if _, err := f.Svc.ScoreBreakdown(secretary, f.B1.ID, "2026-10"); err != nil {
			t.Fatalf("branch secretary reads own breakdown: %v", err)
		}
		page, err = f.Svc.Scores(secretary, ScoreFilter{Period: "2026-10"}, pagination.Request{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("branch secretary sees %d scores, %v; want its own only", len(page.Items), err)
		}
		viewer := f.DistrictUser(t, authz.DistrictViewer)
		page, err = f.Svc.Scores(viewer, ScoreFilter{Period: "2026-10"}, pagination.Request{})
		if err != nil || page.TotalCount != 6 {
			t.Fatalf("district viewer sees %d scores, %v; want 6 in both towns", page.TotalCount, err)
		}
		if _, err := f.Svc.ScoreBreakdown(viewer, f.BB1.ID, "2026-10"); err != nil {
			t.Fatalf("district viewer reads town B breakdown: %v", err)
		}
		page, err = f.Svc.Scores(viewer, ScoreFilter{OrgID: &f.C1.ID, IncludeDescendants: true, Period: "2026-10"}, pagination.Request{})
		if err != nil || page.TotalCount != 3 {
			t.Fatalf("C1 subtree = %d, %v; want 3", page.TotalCount, err)
		}
		_, err = f.Svc.Recompute(viewer, f.A.TenantID, "2026-10")
		wantScoreErr(t, err, apperr.Forbidden, "district viewer recomputes")
		_, err = f.Svc.RecomputeScores(viewer, RecomputeScope{DistrictID: f.DistrictID, Period: "2026-10"})
		wantScoreErr(t, err, apperr.Forbidden, "district viewer recomputes the district")
		if n, err := f.Svc.RecomputeScores(admin, RecomputeScope{DistrictID: f.DistrictID, Period: "2026-10"}); err != nil || n != 2 {
			t.Fatalf("district admin recomputes = %d, %v", n, err)
		}
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		if _, err := f.Svc.Recompute(office, f.A.TenantID, "2026-10"); err != nil {
			t.Fatalf("town office recomputes own town: %v", err)
		}
		// The current quarter is the default period.
		if b, err := f.Svc.ScoreBreakdown(secretary, f.B1.ID, ""); err != nil || b.Snapshot.Period != "2026-Q4" {
			t.Fatalf("default period breakdown: %v", err)
		}
	})
}

func TestSchemeVersionsAndTownIndicators(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newScoreFixture(t, d)
		admin := f.DistrictUser(t, authz.DistrictAdmin)
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		_, err := f.Svc.CreateScheme(office, SchemeInput{DistrictID: f.DistrictID, Year: 2026, Name: "x"})
		wantScoreErr(t, err, apperr.Forbidden, "town creates a district scheme")
		v1 := f.publish(t, admin, RollupMean)
		v2, err := f.Svc.CreateScheme(admin, SchemeInput{DistrictID: f.DistrictID, Year: 2026, Name: "修订版", TownShare: 0.1})
		if err != nil || v2.Version != 2 || v2.Status != Draft || len(v2.Indicators) != 6 {
			t.Fatalf("v2 = %+v, %v", v2, err)
		}
		if _, err := f.Svc.PublishScheme(admin, v1.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("republish: %v", err)
		}
		if active, err := f.Svc.ActiveScheme(office, f.DistrictID, 2026); err != nil || active.ID != v1.ID {
			t.Fatalf("active before publish = %v, %v", active, err)
		}
		if _, err := f.Svc.PublishScheme(admin, v2.ID); err != nil {
			t.Fatal(err)
		}
		all, err := f.Svc.Schemes(admin, f.DistrictID)
		if err != nil || len(all) != 2 || all[0].Status != Published || all[1].Status != Archived {
			t.Fatalf("schemes = %v, %v", all, err)
		}
		// TownShare 0.1: ten points of local weight.
		local := IndicatorInput{Code: "branch_meetings", Name: "支委会完成率", Weight: 6, Input: InputTaskCompletion, Rule: RuleRatio, Params: `{"template":"branch_committee"}`}
		if _, err := f.Svc.AddTownIndicator(office, v2.ID, local); err != nil {
			t.Fatal(err)
		}
		local.Code = "more"
		_, err = f.Svc.AddTownIndicator(office, v2.ID, local)
		wantScoreErr(t, err, apperr.InvalidInput, "local weights over the share")
		_, err = f.Svc.AddTownIndicator(office, v1.ID, IndicatorInput{Code: "x", Name: "x", Weight: 1, Input: InputTaskCompletion, Rule: RuleRatio})
		wantScoreErr(t, err, apperr.Conflict, "indicator on an archived scheme")
		_, err = f.Svc.AddTownIndicator(office, v2.ID, IndicatorInput{Code: "logins", Name: "登录次数", Weight: 1, Input: "login_count", Rule: RuleCountCap})
		wantScoreErr(t, err, apperr.InvalidInput, "forbidden local indicator")
		// A town of another district cannot add to this district's scheme.
		_, err = f.Svc.AddTownIndicator(otherDistrictOffice(t, f), v2.ID, IndicatorInput{Code: "y", Name: "y", Weight: 1, Input: InputTaskCompletion, Rule: RuleRatio})
		wantScoreErr(t, err, apperr.NotFound, "another district's town adds to the scheme")
		// Town A sees its local indicator, town B does not.
		got, err := f.Svc.GetScheme(office, v2.ID)
		if err != nil || len(got.Indicators) != 7 {
			t.Fatalf("town A scheme indicators = %d, %v", len(got.Indicators), err)
		}
		townB := f.TownUser(t, authz.TownOffice, f.B.Root)
		if got, err := f.Svc.GetScheme(townB, v2.ID); err != nil || len(got.Indicators) != 6 {
			t.Fatalf("town B scheme indicators = %v", err)
		}
		// The local indicator scores B1's branch meeting (1/1) in town A's open quarter.
		if _, err := f.Svc.Recompute(f.System(), f.A.TenantID, "2026-Q4"); err != nil {
			t.Fatal(err)
		}
		b, err := f.Svc.ScoreBreakdown(office, f.B1.ID, "2026-Q4")
		if err != nil || len(b.Items) != 7 || b.Items[6].Points != 6 {
			t.Fatalf("breakdown with local indicator: %v, %v", b, err)
		}
		// (55.67 + 6) / 106 × 100
		if !near(b.Snapshot.OwnScore, 58.18) {
			t.Fatalf("own with local indicator = %v", b.Snapshot.OwnScore)
		}
	})
}

// otherDistrictOffice is the town office of a town in a second district.
func otherDistrictOffice(t *testing.T, f *scoreFixture) context.Context {
	t.Helper()
	var districtID, tenantID, userID int64
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("INSERT INTO districts (name, code) VALUES ('邻区', 'D2') RETURNING id").Scan(ctx, &districtID); err != nil {
			return fmt.Errorf("insert district: %w", err)
		}
		if err := tx.NewRaw("INSERT INTO tenants (district_id, name, code) VALUES (?, '丙镇', 'T9') RETURNING id", districtID).Scan(ctx, &tenantID); err != nil {
			return fmt.Errorf("insert town: %w", err)
		}
		root, err := f.Orgs.CreateRoot(ctx, tx, tenantID, "丙镇党委")
		if err != nil {
			return err
		}
		if err := tx.NewRaw("INSERT INTO users (tenant_id, district_id, username, password_hash) VALUES (?, ?, 'c_office', 'x') RETURNING id",
			tenantID, districtID).Scan(ctx, &userID); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO role_assignments (tenant_id, user_id, role, org_id, scope_key) VALUES (?, ?, ?, ?, ?)",
			tenantID, userID, string(authz.TownOffice), root.ID, fmt.Sprintf("org:%d", root.ID)); err != nil {
			return fmt.Errorf("insert role assignment: %w", err)
		}
		return authz.BumpVersion(ctx, tx)
	})
	if err != nil {
		t.Fatalf("other district: %v", err)
	}
	return actor.With(context.Background(), actor.Actor{UserID: userID, Username: "c_office", TenantID: tenantID, DistrictID: districtID})
}
