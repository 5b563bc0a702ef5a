package people

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
	"dangjian/internal/pagination"
)

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got no error", code)
	}
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("want %s, got %s (%v)", code, got, err)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ptr[T any](v T) *T { return &v }

// world is the fixture for people tests: towns A and B, each with a
// community and two branches.
type world struct {
	*orgtest.Fixture
	svc                  *Service
	aEast, aB1, aB2      *org.Organization
	bEast, bB1           *org.Organization
	office               context.Context // town_office on A's root
	districtViewer       context.Context
	branchSecretary      context.Context // org_secretary on aB1
	committeeMemberOnAll context.Context // committee_member on A's root
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	f := orgtest.New(t, d)
	w := &world{Fixture: f, svc: NewService(d, f.Authz)}
	w.aEast = f.MustCreate(t, f.A.Root, org.CommunityCommittee, "甲东社区党委")
	w.aB1 = f.MustCreate(t, w.aEast, org.Branch, "甲东第一党支部")
	w.aB2 = f.MustCreate(t, w.aEast, org.Branch, "甲东第二党支部")
	w.bEast = f.MustCreate(t, f.B.Root, org.CommunityCommittee, "乙东社区党委")
	w.bB1 = f.MustCreate(t, w.bEast, org.Branch, "乙东第一党支部")
	w.office = f.TownUser(t, authz.TownOffice, f.A.Root)
	w.districtViewer = f.DistrictUser(t, authz.DistrictViewer)
	w.branchSecretary = f.TownUser(t, authz.OrgSecretary, w.aB1)
	w.committeeMemberOnAll = f.TownUser(t, authz.CommitteeMember, f.A.Root)
	return w
}

func member(orgID int64, name, phone string) Input {
	return Input{OrgID: orgID, Name: name, Gender: Male, BirthDate: "1980-05-01", Phone: phone,
		IsMember: true, MemberStatus: Full, JoinDate: "2005-07-01"}
}

func TestPeopleCRUD(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := w.office
		in := member(w.aB1.ID, " 张三 ", "13812345678")
		in.Duties = []string{"书记", "组织委员", "书记"}
		in.IsInService, in.WorkUnit = true, "某公司"
		p := must[*Person](t)(w.svc.Create(ctx, in))
		if p.ID == 0 || p.Name != "张三" || p.TenantID != w.A.TenantID || p.PhoneMasked || p.Phone != "13812345678" {
			t.Fatalf("created %+v", p)
		}
		got := must[*Person](t)(w.svc.Get(ctx, p.ID))
		if fmt.Sprint(got.Duties) != "[书记 组织委员]" || !got.IsMember || got.MemberStatus != Full || !got.IsInService || got.WorkUnit != "某公司" {
			t.Fatalf("read back %+v", got)
		}

		// Invalid input, Chinese message with the field.
		bad := member(w.aB1.ID, "李四", "123")
		_, err := w.svc.Create(ctx, bad)
		wantCode(t, err, apperr.InvalidInput)
		if e, _ := apperr.As(err); e.Field != "phone" {
			t.Fatalf("field = %q", e.Field)
		}
		_, err = w.svc.Create(ctx, member(999999, "李四", ""))
		wantCode(t, err, apperr.InvalidInput)
		grp := w.MustCreate(t, w.aB2, org.PartyGroup, "将撤销的小组")
		must[*org.Organization](t)(w.Orgs.Dissolve(w.System(), grp.ID))
		_, err = w.svc.Create(ctx, member(grp.ID, "李四", ""))
		wantCode(t, err, apperr.InvalidInput)

		// Update only the fields set; moving to another org.
		up := must[*Person](t)(w.svc.Update(ctx, p.ID, Patch{Phone: ptr("13900001111"), OrgID: &w.aB2.ID, Duties: &[]string{"副书记"}}))
		if up.Phone != "13900001111" || up.OrgID != w.aB2.ID || fmt.Sprint(up.Duties) != "[副书记]" || up.Name != "张三" || up.WorkUnit != "某公司" {
			t.Fatalf("updated %+v", up)
		}
		_, err = w.svc.Update(ctx, p.ID, Patch{IsInService: ptr(true), WorkUnit: ptr("")})
		wantCode(t, err, apperr.InvalidInput)
		_, err = w.svc.Update(ctx, p.ID, Patch{OrgID: &w.bB1.ID})
		wantCode(t, err, apperr.InvalidInput)
		// Turning membership off clears status and join date.
		nm := must[*Person](t)(w.svc.Update(ctx, p.ID, Patch{IsMember: ptr(false), Duties: &[]string{}, IsInService: ptr(false)}))
		if nm.IsMember || nm.MemberStatus != "" || nm.JoinDate != "" {
			t.Fatalf("non-member %+v", nm)
		}

		// An org with people cannot be dissolved.
		_, err = w.Orgs.Dissolve(ctx, w.aB2.ID)
		wantCode(t, err, apperr.Conflict)

		// Remove is soft.
		rm := must[*Person](t)(w.svc.Remove(ctx, p.ID))
		if !rm.Removed() {
			t.Fatal("not removed")
		}
		_, err = w.svc.Remove(ctx, p.ID)
		wantCode(t, err, apperr.Conflict)
		_, err = w.svc.Update(ctx, p.ID, Patch{Name: ptr("王五")})
		wantCode(t, err, apperr.Conflict)
		if got := must[*Person](t)(w.svc.Get(ctx, p.ID)); !got.Removed() {
			t.Fatal("Get should still return the removed person")
		}
		if l := must[pagination.Page[*Person]](t)(w.svc.List(ctx, Filter{}, pagination.Request{})); l.TotalCount != 0 {
			t.Fatalf("removed person listed: %d", l.TotalCount)
		}
		if l := must[pagination.Page[*Person]](t)(w.svc.List(ctx, Filter{IncludeRemoved: true}, pagination.Request{})); l.TotalCount != 1 {
			t.Fatalf("IncludeRemoved: %d", l.TotalCount)
		}
		must[*org.Organization](t)(w.Orgs.Dissolve(ctx, w.aB2.ID))

		// Every change is in the audit log.
		var actions []string
		err = d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Table("audit_log").Column("action").
				Where("entity_type = 'person' AND entity_id = ?", p.ID).OrderExpr("id").Scan(ctx, &actions)
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(actions) != "[person.create person.update person.update person.remove]" {
			t.Fatalf("audit = %v", actions)
		}
	})
}

func TestPeopleList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := w.office
		create := func(in Input) *Person {
			t.Helper()
			return must[*Person](t)(w.svc.Create(ctx, in))
		}
		sec := member(w.aB1.ID, "王书记", "13800000001")
		sec.Duties = []string{"书记"}
		pSec := create(sec)
		dep := member(w.aB1.ID, "赵副书记", "13800000002")
		dep.Duties = []string{"副书记"}
		dep.MemberStatus = Probationary
		pDep := create(dep)
		vol := Input{OrgID: w.aB2.ID, Name: "钱志愿", Gender: Female, IsVolunteer: true}
		pVol := create(vol)
		pEast := create(member(w.aEast.ID, "孙委员", ""))
		for i := 0; i < 6; i++ {
			create(member(w.aB2.ID, fmt.Sprintf("党员%d", i), ""))
		}
		must[*Person](t)(w.svc.Create(w.System(), member(w.bB1.ID, "乙镇党员", "13900000000")))

		list := func(f Filter) []int64 {
			t.Helper()
			var out []int64
			for _, p := range must[pagination.Page[*Person]](t)(w.svc.List(ctx, f, pagination.Request{First: ptr(100)})).Items {
				out = append(out, p.ID)
			}
			return out
		}
		same := func(got, want []int64) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
		same(list(Filter{OrgID: &w.aB1.ID}), []int64{pSec.ID, pDep.ID})
		same(list(Filter{OrgID: &w.aEast.ID}), []int64{pEast.ID})
		if n := len(list(Filter{OrgID: &w.aEast.ID, IncludeDescendants: true})); n != 10 {
			t.Fatalf("subtree of east: %d", n)
		}
		same(list(Filter{Duty: "书记"}), []int64{pSec.ID}) // not 副书记
		same(list(Filter{Duty: "副书记"}), []int64{pDep.ID})
		same(list(Filter{IsMember: ptr(false)}), []int64{pVol.ID})
		same(list(Filter{MemberStatus: ptr(Probationary)}), []int64{pDep.ID})
		same(list(Filter{NameContains: "书记"}), []int64{pSec.ID, pDep.ID})
		_, err := w.svc.List(ctx, Filter{Duty: "主任"}, pagination.Request{})
		wantCode(t, err, apperr.InvalidInput)

		// Pages of 4 over the 10 people of town A.
		var seen int
		var after *string
		for {
			page := must[pagination.Page[*Person]](t)(w.svc.List(ctx, Filter{}, pagination.Request{First: ptr(4), After: after}))
			if page.TotalCount != 10 {
				t.Fatalf("TotalCount = %d", page.TotalCount)
			}
			seen += len(page.Items)
			if !page.HasNextPage {
				break
			}
			c := pagination.EncodeCursor(pagination.Cursor{ID: page.Items[len(page.Items)-1].ID})
			after = &c
		}
		if seen != 10 {
			t.Fatalf("paged over %d people", seen)
		}

		m := must[map[int64]*Person](t)(w.svc.GetMany(ctx, []int64{pSec.ID, pVol.ID, 999999}))
		if len(m) != 2 || m[pSec.ID].Name != "王书记" {
			t.Fatalf("GetMany = %v", m)
		}
	})
}

func TestPeopleAuthorization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		sys := w.System()
		a1 := must[*Person](t)(w.svc.Create(sys, member(w.aB1.ID, "甲一", "13812345678")))
		a2 := must[*Person](t)(w.svc.Create(sys, member(w.aB2.ID, "甲二", "13812340000")))
		b1 := must[*Person](t)(w.svc.Create(sys, member(w.bB1.ID, "乙一", "13987654321")))

		t.Run("town A cannot see or touch B's people", func(t *testing.T) {
			_, err := w.svc.Get(w.office, b1.ID)
			wantCode(t, err, apperr.NotFound)
			_, err = w.svc.Update(w.office, b1.ID, Patch{Name: ptr("改")})
			wantCode(t, err, apperr.NotFound)
			_, err = w.svc.Remove(w.office, b1.ID)
			wantCode(t, err, apperr.NotFound)
			_, err = w.svc.Create(w.office, member(w.bB1.ID, "渗透", ""))
			wantCode(t, err, apperr.InvalidInput)
			_, err = w.svc.Update(w.office, a1.ID, Patch{OrgID: &w.bB1.ID})
			wantCode(t, err, apperr.InvalidInput)
			page := must[pagination.Page[*Person]](t)(w.svc.List(w.office, Filter{}, pagination.Request{First: ptr(100)}))
			if page.TotalCount != 2 {
				t.Fatalf("town A lists %d people", page.TotalCount)
			}
			for _, p := range page.Items {
				if p.TenantID != w.A.TenantID {
					t.Fatalf("leaked %q", p.Name)
				}
			}
			if p := must[pagination.Page[*Person]](t)(w.svc.List(w.office, Filter{OrgID: &w.bB1.ID}, pagination.Request{})); len(p.Items) != 0 {
				t.Fatal("listed B's branch")
			}
			if p := must[pagination.Page[*Person]](t)(w.svc.List(w.office, Filter{OrgID: &w.bEast.ID, IncludeDescendants: true}, pagination.Request{})); len(p.Items) != 0 {
				t.Fatal("listed B's subtree")
			}
			if m := must[map[int64]*Person](t)(w.svc.GetMany(w.office, []int64{a1.ID, b1.ID})); len(m) != 1 {
				t.Fatalf("GetMany leaked: %v", m)
			}
			// The town office sees full phone numbers.
			if p := must[*Person](t)(w.svc.Get(w.office, a1.ID)); p.Phone != "13812345678" || p.PhoneMasked {
				t.Fatalf("office sees %q", p.Phone)
			}
		})

		t.Run("branch secretary manages his branch only", func(t *testing.T) {
			sec := w.branchSecretary
			must[*Person](t)(w.svc.Update(sec, a1.ID, Patch{Name: ptr("甲一一")}))
			must[*Person](t)(w.svc.Create(sec, member(w.aB1.ID, "新党员", "")))
			_, err := w.svc.Get(sec, a2.ID)
			wantCode(t, err, apperr.NotFound)
			_, err = w.svc.Update(sec, a2.ID, Patch{Name: ptr("改")})
			wantCode(t, err, apperr.NotFound)
			_, err = w.svc.Create(sec, member(w.aB2.ID, "外人", ""))
			wantCode(t, err, apperr.InvalidInput)
			// Moving his member out needs write on the target too.
			_, err = w.svc.Update(sec, a1.ID, Patch{OrgID: &w.aB2.ID})
			wantCode(t, err, apperr.InvalidInput)
		})

		t.Run("readers see masked phones and cannot write", func(t *testing.T) {
			for name, ctx := range map[string]context.Context{"district viewer": w.districtViewer, "committee member": w.committeeMemberOnAll} {
				p, err := w.svc.Get(ctx, a2.ID)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if p.Phone != "138****0000" || !p.PhoneMasked {
					t.Fatalf("%s sees phone %q", name, p.Phone)
				}
				page := must[pagination.Page[*Person]](t)(w.svc.List(ctx, Filter{}, pagination.Request{First: ptr(100)}))
				for _, p := range page.Items {
					if !p.PhoneMasked {
						t.Fatalf("%s: unmasked %q in list", name, p.Phone)
					}
				}
				for _, p := range must[map[int64]*Person](t)(w.svc.GetMany(ctx, []int64{a2.ID})) {
					if !p.PhoneMasked {
						t.Fatalf("%s: unmasked in GetMany", name)
					}
				}
				_, err = w.svc.Update(ctx, a2.ID, Patch{Name: ptr("改")})
				wantCode(t, err, apperr.Forbidden)
				_, err = w.svc.Remove(ctx, a2.ID)
				wantCode(t, err, apperr.Forbidden)
				_, err = w.svc.Create(ctx, member(w.aB2.ID, "新人", ""))
				wantCode(t, err, apperr.Forbidden)
			}
			// The district viewer reads both towns.
			page := must[pagination.Page[*Person]](t)(w.svc.List(w.districtViewer, Filter{}, pagination.Request{First: ptr(100)}))
			if page.TotalCount != 4 { // three plus the secretary's new member
				t.Fatalf("district viewer lists %d people", page.TotalCount)
			}
			must[*Person](t)(w.svc.Get(w.districtViewer, b1.ID))
		})

		t.Run("no actor", func(t *testing.T) {
			_, err := w.svc.Get(context.Background(), a1.ID)
			wantCode(t, err, apperr.Unauthenticated)
			_, err = w.svc.List(context.Background(), Filter{}, pagination.Request{})
			wantCode(t, err, apperr.Unauthenticated)
		})
	})
}

// TestPeopleRowLevelSecurity proves that PostgreSQL itself keeps towns' people apart.
func TestPeopleRowLevelSecurity(t *testing.T) {
	d := dbtest.Postgres(t)
	w := newWorld(t, d)
	must[*Person](t)(w.svc.Create(w.System(), member(w.aB1.ID, "甲一", "")))
	must[*Person](t)(w.svc.Create(w.System(), member(w.bB1.ID, "乙一", "")))
	must[*Person](t)(w.svc.Create(w.System(), member(w.bB1.ID, "乙二", "")))
	var n int
	err := d.RunInTx(w.office, func(ctx context.Context, tx bun.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM persons").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("town A sees %d people, want 1", n)
	}
	err = d.RunInTx(w.office, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO persons (tenant_id, org_id, name) VALUES (?, ?, '偷渡')",
			w.B.TenantID, w.bB1.ID)
		return err
	})
	if err == nil {
		t.Fatal("town A inserted a person into town B")
	}
}
