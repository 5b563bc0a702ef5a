package affairs

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/apperr"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
	"dangjian/internal/pagination"
)

// shanghai is the default tenant zone.
var shanghai = Location("Asia/Shanghai")

// taskFixture is the district of orgtest (towns A and B) with the shipped
// district templates and a small tree in each town:
//
//	A: 甲镇党委 ─┬─ 一社区党委 (C1) ─┬─ 一支部 (B1) ── 一小组 (G1)
//	            │                  └─ 一总支 (GB1) ── 二支部 (B2)
//	            └─ 驻区单位党组织 (U1)
//	B: 乙镇党委 ── 乙一支部 (BB1)
type taskFixture struct {
	*orgtest.Fixture
	Svc   *Service
	Clock *clock.Fake

	C1, B1, G1, GB1, B2, U1 *org.Organization
	BB1                     *org.Organization
}

// fixtureNow is 2026-11-15 10:00 in Shanghai.
var fixtureNow = time.Date(2026, 11, 15, 10, 0, 0, 0, shanghai)

func newTaskFixture(t testing.TB, d *db.DB) *taskFixture {
	t.Helper()
	f := &taskFixture{Fixture: orgtest.New(t, d), Clock: clock.NewFake(fixtureNow)}
	f.Svc = NewService(d, f.Authz, f.Clock, nil)
	f.C1 = f.MustCreate(t, f.A.Root, org.CommunityCommittee, "一社区党委")
	f.B1 = f.MustCreate(t, f.C1, org.Branch, "一支部")
	f.G1 = f.MustCreate(t, f.B1, org.PartyGroup, "一小组")
	f.GB1 = f.MustCreate(t, f.C1, org.GeneralBranch, "一总支")
	f.B2 = f.MustCreate(t, f.GB1, org.Branch, "二支部")
	f.U1 = f.MustCreate(t, f.A.Root, org.UnitOrg, "驻区单位党组织")
	f.BB1 = f.MustCreate(t, f.B.Root, org.Branch, "乙一支部")
	if n, err := f.Svc.EnsureDistrictDefaults(f.System(), f.DistrictID); err != nil || n != len(DistrictDefaults()) {
		t.Fatalf("EnsureDistrictDefaults = %d, %v", n, err)
	}
	return f
}

// generate runs GenerateInstances for town as the system.
func (f *taskFixture) generate(t testing.TB, tenantID int64, at time.Time) int {
	t.Helper()
	n, err := f.Svc.GenerateInstances(f.System(), tenantID, at)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return n
}

// allInstances lists every instance, as the system, by id.
func (f *taskFixture) allInstances(t testing.TB) []*Instance {
	t.Helper()
	var rows []*Instance
	err := f.DB.Read(f.System(), func(ctx context.Context, tx bun.IDB) error {
		return tx.NewSelect().Model(&rows).OrderExpr("ti.id").Scan(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// instanceOf finds the instance of a template code for an org and period.
func (f *taskFixture) instanceOf(t testing.TB, code string, o *org.Organization, period string) *Instance {
	t.Helper()
	var i Instance
	err := f.DB.Read(f.System(), func(ctx context.Context, tx bun.IDB) error {
		return tx.NewSelect().Model(&i).
			Where("ti.template_id = (SELECT id FROM task_templates WHERE code = ? AND tenant_id IS NULL)", code).
			Where("ti.org_id = ?", o.ID).Where("ti.period = ?", period).Scan(ctx)
	})
	if err != nil {
		t.Fatalf("instance %s of %s in %s: %v", code, o.Name, period, err)
	}
	return &i
}

// setState overwrites an instance's review state, as the system.
func (f *taskFixture) setState(t testing.TB, id int64, st Status, submitted, completed *time.Time) {
	t.Helper()
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*Instance)(nil)).
			Set("status = ?", st).Set("submitted_at = ?", utcPtr(submitted)).Set("completed_at = ?", utcPtr(completed)).
			Where("id = ?", id).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func ptrTo[T any](v T) *T { return &v }

func wantErrCode(t testing.TB, err error, codes ...apperr.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %v, got no error", codes)
	}
	got := apperr.CodeOf(err)
	for _, c := range codes {
		if got == c {
			return
		}
	}
	t.Fatalf("want %v, got %s (%v)", codes, got, err)
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// listAll walks every page of a list.
func listAll[T any](t testing.TB, pageSize int, list func(pagination.Request) (pagination.Page[T], error), cursor func(T) string) ([]T, int) {
	t.Helper()
	var out []T
	var after *string
	total := -1
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("too many pages")
		}
		p, err := list(pagination.Request{First: &pageSize, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if total >= 0 && p.TotalCount != total {
			t.Fatalf("total count changed between pages: %d then %d", total, p.TotalCount)
		}
		total = p.TotalCount
		out = append(out, p.Items...)
		if !p.HasNextPage {
			return out, total
		}
		if len(p.Items) == 0 {
			t.Fatal("empty page with a next page")
		}
		c := cursor(p.Items[len(p.Items)-1])
		after = &c
	}
}

func idCursor(i *Instance) string { return pagination.EncodeCursor(pagination.Cursor{ID: i.ID}) }

func instanceIDs(items []*Instance) []int64 {
	out := make([]int64, len(items))
	for i, x := range items {
		out[i] = x.ID
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
