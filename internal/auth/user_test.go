package auth_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/auth"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/pagination"
)

func TestCreateUserRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.townUser(t, "office.a", f.townA, authz.TownOffice, f.rootA)
		office := f.signIn(t, "office.a")

		u, err := f.svc.CreateUser(office, auth.CreateUserInput{
			Username: " Wang.Li ", Password: password, DisplayName: " 王丽 ", TenantID: ptr(f.townA), PersonID: ptr(f.personA),
		})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if u.Username != "wang.li" || u.DisplayName != "王丽" || *u.TenantID != f.townA || *u.DistrictID != f.district || *u.PersonID != f.personA {
			t.Fatalf("created %+v", u)
		}
		if n := f.count(t, "audit_log", "action = 'user.create' AND entity_id = ? AND tenant_id = ?", u.ID, f.townA); n != 1 {
			t.Errorf("creation audited %d times in town A, want 1", n)
		}

		tests := []struct {
			name string
			in   auth.CreateUserInput
			code apperr.Code
			msg  string
		}{
			{"duplicate username", auth.CreateUserInput{Username: "WANG.LI", Password: password, TenantID: ptr(f.townA)}, apperr.Conflict, "用户名已存在"},
			{"bad username", auth.CreateUserInput{Username: "王丽", Password: password, TenantID: ptr(f.townA)}, apperr.InvalidInput, ""},
			{"weak password", auth.CreateUserInput{Username: "weak", Password: "12345678", TenantID: ptr(f.townA)}, apperr.InvalidInput, "密码须为8至64位，且同时包含字母和数字"},
			{"person of another town", auth.CreateUserInput{Username: "liqiang", Password: password, TenantID: ptr(f.townA), PersonID: ptr(f.personB)}, apperr.InvalidInput, "只能关联本乡镇的人员"},
			{"district not the town's", auth.CreateUserInput{Username: "mix", Password: password, TenantID: ptr(f.townA), DistrictID: ptr(f.otherDistrict)}, apperr.InvalidInput, ""},
			{"no home", auth.CreateUserInput{Username: "homeless", Password: password}, apperr.InvalidInput, ""},
			{"user of town B", auth.CreateUserInput{Username: "intruder", Password: password, TenantID: ptr(f.townB)}, apperr.Forbidden, ""},
			{"district user", auth.CreateUserInput{Username: "dist", Password: password, DistrictID: ptr(f.district)}, apperr.Forbidden, ""},
			{"platform admin", auth.CreateUserInput{Username: "root", Password: password, PlatformAdmin: true}, apperr.Forbidden, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.svc.CreateUser(office, tt.in)
				wantCode(t, err, tt.code, tt.msg)
			})
		}
		_, err = f.svc.CreateUser(context.Background(), auth.CreateUserInput{Username: "anon", Password: password, TenantID: ptr(f.townA)})
		wantCode(t, err, apperr.Unauthenticated, "")

		// Platform admins create platform admins; the bootstrap can too.
		admin, err := f.svc.CreateUserSystem(context.Background(), auth.CreateUserInput{Username: "root", Password: password, PlatformAdmin: true})
		if err != nil {
			t.Fatalf("bootstrap platform admin: %v", err)
		}
		a, err := f.svc.Authenticate(context.Background(), mustLogin(t, f, "root").AccessToken)
		if err != nil || !a.PlatformAdmin || a.UserID != admin.ID {
			t.Fatalf("platform admin actor = %+v, %v", a, err)
		}
		if _, err := f.svc.CreateUser(actor.With(context.Background(), a), auth.CreateUserInput{Username: "root2", Password: password, PlatformAdmin: true}); err != nil {
			t.Fatalf("platform admin creating a platform admin: %v", err)
		}
		// Office users cannot see platform admins.
		_, err = f.svc.GetUser(office, admin.ID)
		wantCode(t, err, apperr.NotFound, "")
	})
}

func mustLogin(t *testing.T, f *fixture, username string) *auth.Session {
	t.Helper()
	s, err := f.svc.Login(context.Background(), username, password, "192.0.2.1")
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return s
}

func TestTownIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.townUser(t, "office.a", f.townA, authz.TownOffice, f.rootA)
		userA := f.townUser(t, "member.a", f.townA, authz.Member, f.branchA)
		f.townUser(t, "office.b", f.townB, authz.TownOffice, f.rootB)
		userB := f.townUser(t, "member.b", f.townB, authz.Member, f.rootB)
		office := f.signIn(t, "office.a")

		// Own town: readable, writable.
		if got, err := f.svc.GetUser(office, userA.ID); err != nil || got.ID != userA.ID {
			t.Fatalf("GetUser own town = %v, %v", got, err)
		}
		name := "王丽"
		if _, err := f.svc.UpdateUser(office, userA.ID, auth.UpdateUserInput{DisplayName: &name, PersonID: ptr(f.personA)}); err != nil {
			t.Fatalf("UpdateUser own town: %v", err)
		}

		// Town B: as if it did not exist.
		_, err := f.svc.GetUser(office, userB.ID)
		wantCode(t, err, apperr.NotFound, "")
		got, err := f.svc.GetUsers(office, []int64{userA.ID, userB.ID})
		if err != nil || len(got) != 1 || got[userA.ID] == nil {
			t.Fatalf("GetUsers = %v, %v; want only the town A user", got, err)
		}
		_, err = f.svc.UpdateUser(office, userB.ID, auth.UpdateUserInput{DisplayName: &name})
		wantCode(t, err, apperr.NotFound, "")
		wantCode(t, f.svc.ResetPassword(office, userB.ID, "Hacked123"), apperr.NotFound, "")
		_, err = f.svc.AssignRole(office, userB.ID, authz.TownOffice, ptr(f.rootB), nil)
		wantCode(t, err, apperr.NotFound, "")
		_, err = f.svc.AssignRole(office, userA.ID, authz.TownOffice, ptr(f.rootB), nil)
		wantCode(t, err, apperr.NotFound, "")
		_, err = f.svc.ListUsers(office, auth.UserFilter{TenantID: ptr(f.townB)}, pagination.Request{})
		wantCode(t, err, apperr.NotFound, "")
		page, err := f.svc.ListUsers(office, auth.UserFilter{}, pagination.Request{})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Items {
			if u.TenantID == nil || *u.TenantID != f.townA {
				t.Errorf("town A office lists user %s of another town", u.Username)
			}
		}
		if page.TotalCount != 2 {
			t.Errorf("town A lists %d users, want 2", page.TotalCount)
		}
		roles, err := f.svc.RolesOf(office, []int64{userA.ID, userB.ID})
		if err != nil || len(roles[userA.ID]) != 1 || len(roles[userB.ID]) != 0 {
			t.Fatalf("RolesOf = %v, %v; want the town A user's role only", roles, err)
		}
		wantCode(t, f.svc.RevokeRole(office, roles[userA.ID][0].ID+1000), apperr.NotFound, "")
		rolesB, _ := f.svc.RolesOf(actor.System(context.Background()), []int64{userB.ID})
		wantCode(t, f.svc.RevokeRole(office, rolesB[userB.ID][0].ID), apperr.NotFound, "")

		// Even the bootstrap cannot grant a role in another town than the user's.
		_, err = f.svc.AssignRoleSystem(context.Background(), userA.ID, authz.OrgSecretary, ptr(f.rootB), nil)
		wantCode(t, err, apperr.InvalidInput, "只能在用户所属乡镇内授权")

		// A plain member reads only themselves.
		member := f.signIn(t, "member.a")
		if _, err := f.svc.GetUser(member, userA.ID); err != nil {
			t.Fatalf("member reading themselves: %v", err)
		}
		_, err = f.svc.ListUsers(member, auth.UserFilter{}, pagination.Request{})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = f.svc.UpdateUser(member, userA.ID, auth.UpdateUserInput{DisplayName: &name})
		wantCode(t, err, apperr.Forbidden, "")
	})
}

func TestDistrictUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		userA := f.townUser(t, "member.a", f.townA, authz.Member, f.branchA)
		userB := f.townUser(t, "member.b", f.townB, authz.Member, f.rootB)
		userC := f.townUser(t, "member.c", f.otherTownC, "", 0)
		adminU := f.districtUser(t, "admin.d", f.district, authz.DistrictAdmin)
		f.districtUser(t, "viewer.d", f.district, authz.DistrictViewer)

		admin := f.signIn(t, "admin.d")
		a, _ := actor.FromContext(admin)
		if a.TenantID != 0 || a.DistrictID != f.district {
			t.Fatalf("district actor = %+v", a)
		}
		// District admins read their towns' users, not other districts'.
		got, err := f.svc.GetUsers(admin, []int64{userA.ID, userB.ID, userC.ID})
		if err != nil || len(got) != 2 || got[userC.ID] != nil {
			t.Fatalf("GetUsers = %v, %v; want towns A and B only", got, err)
		}
		page, err := f.svc.ListUsers(admin, auth.UserFilter{UsernameContains: "member"}, pagination.Request{})
		if err != nil || page.TotalCount != 2 {
			t.Fatalf("ListUsers = %+v, %v; want 2", page, err)
		}
		_, err = f.svc.ListUsers(admin, auth.UserFilter{TenantID: ptr(f.otherTownC)}, pagination.Request{})
		wantCode(t, err, apperr.NotFound, "")
		// ... but do not write town users.
		name := "x"
		_, err = f.svc.UpdateUser(admin, userA.ID, auth.UpdateUserInput{DisplayName: &name})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = f.svc.AssignRole(admin, userA.ID, authz.TownOffice, ptr(f.rootA), nil)
		wantCode(t, err, apperr.Forbidden, "")
		// They manage district users.
		nu, err := f.svc.CreateUser(admin, auth.CreateUserInput{Username: "staff.d", Password: password, DistrictID: ptr(f.district)})
		if err != nil {
			t.Fatalf("district admin creating a district user: %v", err)
		}
		asg, err := f.svc.AssignRole(admin, nu.ID, authz.DistrictViewer, nil, ptr(f.district))
		if err != nil {
			t.Fatalf("assign district role: %v", err)
		}
		if asg.ScopeKey != "district:"+strconv.FormatInt(f.district, 10) || asg.CreatedBy == nil || *asg.CreatedBy != adminU.ID {
			t.Errorf("assignment = %+v", asg)
		}
		_, err = f.svc.AssignRole(admin, nu.ID, authz.DistrictViewer, nil, ptr(f.district))
		wantCode(t, err, apperr.Conflict, "")
		_, err = f.svc.AssignRole(admin, userA.ID, authz.DistrictViewer, nil, ptr(f.district))
		wantCode(t, err, apperr.InvalidInput, "")
		_, err = f.svc.AssignRole(admin, nu.ID, authz.DistrictViewer, nil, ptr(f.otherDistrict))
		wantCode(t, err, apperr.InvalidInput, "")
		if err := f.svc.RevokeRole(admin, asg.ID); err != nil {
			t.Fatalf("revoke district role: %v", err)
		}

		// A district viewer creates nobody.
		viewer := f.signIn(t, "viewer.d")
		for _, in := range []auth.CreateUserInput{
			{Username: "viewer1", Password: password, DistrictID: ptr(f.district)},
			{Username: "viewer2", Password: password, TenantID: ptr(f.townA)},
		} {
			_, err := f.svc.CreateUser(viewer, in)
			wantCode(t, err, apperr.Forbidden, "")
		}
		wantCode(t, f.svc.ResetPassword(viewer, userA.ID, "Hacked123"), apperr.Forbidden, "")
	})
}

func TestRoleAssignment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.townUser(t, "office.a", f.townA, authz.TownOffice, f.rootA)
		f.townUser(t, "secretary.a", f.townA, authz.OrgSecretary, f.branchA)
		worker := f.townUser(t, "worker.a", f.townA, "", 0)
		office := f.signIn(t, "office.a")
		secretary := f.signIn(t, "secretary.a")

		// A branch secretary cannot grant at the town root, nor in the branch (no role.assign).
		_, err := f.svc.AssignRole(secretary, worker.ID, authz.TownOffice, ptr(f.rootA), nil)
		wantCode(t, err, apperr.Forbidden, "")
		_, err = f.svc.AssignRole(secretary, worker.ID, authz.OrgStaff, ptr(f.branchA), nil)
		wantCode(t, err, apperr.Forbidden, "")
		// Nor is a secretary at a branch a user manager of the town.
		_, err = f.svc.CreateUser(secretary, auth.CreateUserInput{Username: "new.one", Password: password, TenantID: ptr(f.townA)})
		wantCode(t, err, apperr.Forbidden, "")

		_, err = f.svc.AssignRole(office, worker.ID, authz.Role("superuser"), ptr(f.branchA), nil)
		wantCode(t, err, apperr.InvalidInput, "")
		_, err = f.svc.AssignRole(office, worker.ID, authz.OrgStaff, nil, nil)
		wantCode(t, err, apperr.InvalidInput, "")
		_, err = f.svc.AssignRole(office, worker.ID, authz.DistrictAdmin, nil, ptr(f.district))
		wantCode(t, err, apperr.InvalidInput, "")

		// Another replica sees the change at once.
		replica := authz.New(d)
		workerCtx := f.signIn(t, "worker.a")
		branch := authz.Target{TenantID: f.townA, OrgPath: f.branchAPath}
		if err := replica.Check(workerCtx, authz.OrgWrite, branch); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("before assignment: %v, want FORBIDDEN", err)
		}
		asg, err := f.svc.AssignRole(office, worker.ID, authz.OrgSecretary, ptr(f.branchA), nil)
		if err != nil {
			t.Fatalf("assign: %v", err)
		}
		if err := replica.Check(workerCtx, authz.OrgWrite, branch); err != nil {
			t.Fatalf("after assignment: %v, want allowed", err)
		}
		if err := replica.Check(workerCtx, authz.OrgWrite, authz.Target{TenantID: f.townA, OrgPath: f.rootAPath}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("branch role reaches the root: %v", err)
		}
		_, err = f.svc.AssignRole(office, worker.ID, authz.OrgSecretary, ptr(f.branchA), nil)
		wantCode(t, err, apperr.Conflict, "")
		roles, err := f.svc.RolesOf(office, []int64{worker.ID})
		if err != nil || len(roles[worker.ID]) != 1 || roles[worker.ID][0].Role != authz.OrgSecretary {
			t.Fatalf("RolesOf = %v, %v", roles, err)
		}

		if err := f.svc.RevokeRole(office, asg.ID); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		if err := replica.Check(workerCtx, authz.OrgWrite, branch); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("after revocation: %v, want FORBIDDEN", err)
		}
		wantCode(t, f.svc.RevokeRole(office, asg.ID), apperr.NotFound, "")
		if n := f.count(t, "audit_log", "entity_type = 'role_assignment' AND entity_id = ? AND tenant_id = ?", asg.ID, f.townA); n != 2 {
			t.Errorf("assignment audited %d times, want 2 (assign, revoke)", n)
		}

		// Dissolved organisations take no new roles.
		err = d.RunInTx(actor.System(ctx), func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewRaw("UPDATE organizations SET dissolved_at = ? WHERE id = ?", f.clock.Now(), f.branchA).Exec(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AssignRole(office, worker.ID, authz.OrgStaff, ptr(f.branchA), nil)
		wantCode(t, err, apperr.InvalidInput, "")
	})
}

func TestListUsersPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.townUser(t, "office.a", f.townA, authz.TownOffice, f.rootA)
		for _, n := range []string{"u_1", "u_2", "u_3", "uxx"} {
			f.townUser(t, n, f.townA, "", 0)
		}
		office := f.signIn(t, "office.a")
		one := 2
		var seen []string
		var after *string
		for {
			page, err := f.svc.ListUsers(office, auth.UserFilter{UsernameContains: "u_"}, pagination.Request{First: &one, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if page.TotalCount != 3 {
				t.Fatalf("total = %d, want 3 ('_' is not a wildcard)", page.TotalCount)
			}
			for _, u := range page.Items {
				seen = append(seen, u.Username)
			}
			if !page.HasNextPage {
				break
			}
			c := pagination.EncodeCursor(pagination.Cursor{ID: page.Items[len(page.Items)-1].ID})
			after = &c
		}
		if len(seen) != 3 || seen[0] != "u_1" || seen[2] != "u_3" {
			t.Fatalf("pages = %v", seen)
		}
		// Disabled users are hidden unless asked for.
		yes := true
		victim, _ := f.svc.ListUsers(office, auth.UserFilter{UsernameContains: "ux"}, pagination.Request{})
		if _, err := f.svc.UpdateUser(office, victim.Items[0].ID, auth.UpdateUserInput{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		page, _ := f.svc.ListUsers(office, auth.UserFilter{UsernameContains: "ux"}, pagination.Request{})
		if page.TotalCount != 0 {
			t.Errorf("disabled user listed")
		}
		page, _ = f.svc.ListUsers(office, auth.UserFilter{UsernameContains: "ux", IncludeDisabled: true}, pagination.Request{})
		if page.TotalCount != 1 || page.Items[0].DisabledAt == nil {
			t.Errorf("disabled user not listed with IncludeDisabled: %+v", page)
		}
		a, _ := actor.FromContext(office)
		_, err := f.svc.UpdateUser(office, a.UserID, auth.UpdateUserInput{Disabled: &yes})
		wantCode(t, err, apperr.InvalidInput, "")
	})
}
