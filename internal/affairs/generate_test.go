package affairs

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
)

// expectedA is which organisations of town A each shipped template applies to.
func (f *taskFixture) expectedA() map[string][]*org.Organization {
	branches := []*org.Organization{f.B1, f.B2, f.U1}
	return map[string][]*org.Organization{
		CodeBranchCommittee:  branches,
		CodeGeneralMeeting:   {f.B1, f.B2, f.U1, f.GB1},
		CodeGroupMeeting:     {f.G1},
		CodePartyLecture:     branches,
		CodeThemeDay:         branches,
		CodeLifeMeeting:      {f.B1, f.B2, f.U1, f.GB1, f.C1},
		CodeMemberEvaluation: branches,
		CodeQuarterlySummary: {f.A.Root, f.C1, f.B1, f.GB1, f.B2, f.U1},
	}
}

// keyOf names an instance by template code, org and period.
func (f *taskFixture) keysOf(t testing.TB, tenantID int64) []string {
	t.Helper()
	var keys []string
	err := f.DB.Read(f.System(), func(ctx context.Context, tx bun.IDB) error {
		return tx.NewSelect().TableExpr("task_instances AS ti").
			ColumnExpr("tt.code || '/' || CAST(ti.org_id AS TEXT) || '/' || ti.period").
			Join("JOIN task_templates AS tt ON tt.id = ti.template_id").
			Where("ti.tenant_id = ?", tenantID).Scan(ctx, &keys)
	})
	noErr(t, err)
	sort.Strings(keys)
	return keys
}

func TestGenerateNovember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		periods := map[Cadence]string{Monthly: "2026-11", Quarterly: "2026-Q4", Yearly: "2026"}
		var want []string
		cadence := map[string]Cadence{}
		for _, tp := range DistrictDefaults() {
			cadence[tp.Code] = tp.Cadence
		}
		for code, orgs := range f.expectedA() {
			for _, o := range orgs {
				want = append(want, fmt.Sprintf("%s/%d/%s", code, o.ID, periods[cadence[code]]))
			}
		}
		sort.Strings(want)

		if n := f.generate(t, f.A.TenantID, fixtureNow); n != len(want) || n != 28 {
			t.Fatalf("generated %d, want %d (28)", n, len(want))
		}
		got := f.keysOf(t, f.A.TenantID)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("instances:\n got %v\nwant %v", got, want)
		}
		if n := f.generate(t, f.A.TenantID, fixtureNow.Add(24*time.Hour)); n != 0 {
			t.Fatalf("second run generated %d", n)
		}
		if len(f.keysOf(t, f.B.TenantID)) != 0 {
			t.Fatal("generating town A touched town B")
		}

		// Titles, due times in the town's zone, stored as UTC.
		cases := []struct {
			code, period, title string
			due                 time.Time
		}{
			{CodeBranchCommittee, "2026-11", "2026年11月 支部委员会", time.Date(2026, 11, 30, 23, 59, 59, 0, shanghai)},
			{CodeGeneralMeeting, "2026-Q4", "2026年第四季度 党员大会", time.Date(2026, 12, 31, 23, 59, 59, 0, shanghai)},
			{CodeLifeMeeting, "2026", "2026年 组织生活会", time.Date(2026, 12, 16, 23, 59, 59, 0, shanghai)},
		}
		for _, c := range cases {
			i := f.instanceOf(t, c.code, f.B1, c.period)
			if i.Title != c.title || !i.DueAt.Equal(c.due) || i.Status != Pending || i.TenantID != f.A.TenantID {
				t.Errorf("%s: %q due %v status %s, want %q due %v", c.code, i.Title, i.DueAt, i.Status, c.title, c.due)
			}
		}

		// Two generators at once for town B: no duplicate, no error.
		var wg sync.WaitGroup
		counts := make([]int, 4)
		errs := make([]error, 4)
		for g := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[g], errs[g] = f.Svc.GenerateInstances(f.System(), f.B.TenantID, fixtureNow)
			}()
		}
		wg.Wait()
		total := 0
		for g := range counts {
			noErr(t, errs[g])
			total += counts[g]
		}
		// B: the root's quarterly summary and 7 templates of its one branch.
		if keys := f.keysOf(t, f.B.TenantID); total != 8 || len(keys) != 8 {
			t.Fatalf("concurrent generation: created %d, stored %d, want 8", total, len(keys))
		}
	})
}

func TestGeneratePermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		officeA := f.TownUser(t, authz.TownOffice, f.A.Root)
		branchA := f.TownUser(t, authz.OrgSecretary, f.B1)
		officeB := f.TownUser(t, authz.TownOffice, f.B.Root)
		_, err := f.Svc.GenerateInstances(branchA, f.A.TenantID, fixtureNow)
		wantErrCode(t, err, apperr.Forbidden)
		_, err = f.Svc.GenerateInstances(officeB, f.A.TenantID, fixtureNow)
		wantErrCode(t, err, apperr.NotFound)
		_, err = f.Svc.GenerateAll(officeA, fixtureNow)
		wantErrCode(t, err, apperr.Forbidden)
		_, err = f.Svc.GenerateInstances(context.Background(), f.A.TenantID, fixtureNow)
		wantErrCode(t, err, apperr.Unauthenticated)
		if n, err := f.Svc.GenerateInstances(officeA, f.A.TenantID, fixtureNow); err != nil || n != 28 {
			t.Fatalf("town office generate = %d, %v", n, err)
		}

		// A new branch gets the current periods' instances at once.
		nb, err := f.Orgs.Create(officeA, org.CreateInput{ParentID: f.C1.ID, Name: "三支部", Kind: org.Branch})
		noErr(t, err)
		_, err = f.Svc.GenerateForOrg(branchA, nb.ID)
		wantErrCode(t, err, apperr.Forbidden)
		_, err = f.Svc.GenerateForOrg(officeB, nb.ID)
		wantErrCode(t, err, apperr.NotFound)
		_, err = f.Svc.GenerateForOrg(f.DistrictUser(t, authz.DistrictAdmin), nb.ID)
		wantErrCode(t, err, apperr.Forbidden)
		n, err := f.Svc.GenerateForOrg(officeA, nb.ID)
		if err != nil || n != 7 {
			t.Fatalf("GenerateForOrg = %d, %v; want 7", n, err)
		}
		if n, _ := f.Svc.GenerateForOrg(officeA, nb.ID); n != 0 {
			t.Fatalf("GenerateForOrg twice created %d more", n)
		}
	})
}

func TestTownSwitchesOffDistrictTemplate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		officeA := f.TownUser(t, authz.TownOffice, f.A.Root)
		theme := templateByCode(t, mustTemplates(t, f.Svc, officeA), CodeThemeDay)
		_, err := f.Svc.UpdateTemplate(officeA, theme.ID, TemplatePatch{Active: ptrTo(false)})
		noErr(t, err)
		committee := templateByCode(t, mustTemplates(t, f.Svc, officeA), CodeBranchCommittee)
		_, err = f.Svc.UpdateTemplate(officeA, committee.ID, TemplatePatch{DueDaysBeforeEnd: ptrTo(5)})
		noErr(t, err)

		n, err := f.Svc.GenerateAll(f.System(), fixtureNow)
		noErr(t, err)
		if n != 28-3+8 {
			t.Fatalf("generated %d, want %d", n, 28-3+8)
		}
		for _, key := range f.keysOf(t, f.A.TenantID) {
			if len(key) > len(CodeThemeDay) && key[:len(CodeThemeDay)+1] == CodeThemeDay+"/" {
				t.Fatalf("town A got %s after switching 主题党日 off", key)
			}
		}
		f.instanceOf(t, CodeThemeDay, f.BB1, "2026-11") // town B still has it
		if due := f.instanceOf(t, CodeBranchCommittee, f.B1, "2026-11").DueAt; !due.Equal(time.Date(2026, 11, 25, 23, 59, 59, 0, shanghai)) {
			t.Fatalf("A's adjusted due = %v", due)
		}
		if due := f.instanceOf(t, CodeBranchCommittee, f.BB1, "2026-11").DueAt; !due.Equal(time.Date(2026, 11, 30, 23, 59, 59, 0, shanghai)) {
			t.Fatalf("B's due = %v", due)
		}
	})
}

func TestGenerateThroughQuarter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		start := time.Date(2027, 1, 1, 0, 5, 0, 0, shanghai)
		for day := 0; day < 90; day++ { // 2027-01-01 … 2027-03-31
			f.Clock.Set(start.AddDate(0, 0, day))
			noErr(t, f.Svc.RunDaily(context.Background()))
		}
		perTemplate := map[string]int{}
		for _, i := range f.allInstances(t) {
			if i.OrgID != f.B1.ID {
				continue
			}
			tp, err := f.Svc.GetTemplate(f.System(), *i.TemplateID)
			noErr(t, err)
			perTemplate[tp.Code]++
			// Everything due before the last day passed has been marked overdue.
			if i.DueAt.Before(f.Clock.Now()) && i.Status != Overdue {
				t.Errorf("%s due %v is %s", i.Title, i.DueAt, i.Status)
			}
		}
		want := map[string]int{
			CodeBranchCommittee: 3, CodeThemeDay: 3, CodeGeneralMeeting: 1, CodePartyLecture: 1,
			CodeQuarterlySummary: 1, CodeLifeMeeting: 1, CodeMemberEvaluation: 1,
		}
		if fmt.Sprint(perTemplate) != fmt.Sprint(want) {
			t.Fatalf("B1 instances per template: %v, want %v", perTemplate, want)
		}
		if n := len(f.allInstances(t)); n != 3*(3+1+3)+ // monthly: 3 branches × 2 + group
			(4+3+6)+ // quarterly
			(5+3)+ // yearly
			(3*2+5+1) { // town B: its branch 2 monthly × 3 and 5 others, the root's summary
			t.Fatalf("%d instances in all", n)
		}
	})
}

// BenchmarkGenerate10kOrgs generates one monthly period for 10,000 branches
// of one town (10,000 instances of one template). PostgreSQL when
// DJ_TEST_DATABASE_URL is set; SQLite always.
func BenchmarkGenerate10kOrgs(b *testing.B) {
	run := func(b *testing.B, d *db.DB) {
		f := &taskFixture{}
		f.Fixture = orgtest.New(b, d)
		svc := NewService(d, f.Authz, nil, nil)
		sys := f.System()
		// Only the monthly 支部委员会 template.
		tp := DistrictDefaults()[0]
		tp.DistrictID = f.DistrictID
		err := d.RunInTx(sys, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewInsert().Model(&tp).Exec(ctx); err != nil {
				return err
			}
			// 10,000 branches under the root, inserted directly (the org service is not under test).
			const n = 10000
			rows := make([]*org.Organization, n)
			now := time.Now().UTC()
			for i := range rows {
				rows[i] = &org.Organization{TenantID: f.A.TenantID, ParentID: &f.A.Root.ID, Kind: org.Branch,
					Name: fmt.Sprintf("支部%05d", i), Path: "", Depth: 1, CreatedAt: now, UpdatedAt: now}
			}
			for s := 0; s < n; s += 1000 {
				batch := rows[s : s+1000]
				if _, err := tx.NewInsert().Model(&batch).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
					return err
				}
			}
			_, err := tx.NewUpdate().Model((*org.Organization)(nil)).
				Set("path = ? || CAST(id AS TEXT) || '/'", f.A.Root.Path).
				Where("tenant_id = ?", f.A.TenantID).Where("parent_id IS NOT NULL").Exec(ctx)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		at := time.Date(2026, 1, 10, 0, 0, 0, 0, shanghai)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			month := at.AddDate(0, i, 0) // a fresh period every iteration
			svc.clock = fixedClock(month)
			b.StartTimer()
			n, err := svc.GenerateInstances(sys, f.A.TenantID, month)
			if err != nil || n != 10000 {
				b.Fatalf("generated %d, %v", n, err)
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) { run(b, dbtest.SQLite(b)) })
	if os.Getenv("DJ_TEST_DATABASE_URL") == "" {
		b.Log("DJ_TEST_DATABASE_URL not set: PostgreSQL skipped")
		return
	}
	b.Run("postgres", func(b *testing.B) { run(b, dbtest.Postgres(b)) })
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }
