package affairs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/pagination"
)

// colorCase is one instance state and what ColorAt and StatusAt make of it at now.
type colorCase struct {
	name                 string
	status               Status
	due                  time.Duration // from now
	submitted, completed *time.Duration
	color                Color
	statusNow            Status
}

func dur(d time.Duration) *time.Duration { return &d }

const day = 24 * time.Hour

var colorCases = []colorCase{
	{"pending, plenty of time", Pending, 10 * day, nil, nil, Green, Pending},
	{"pending, due in exactly 3 days", Pending, 3 * day, nil, nil, Amber, Pending},
	{"pending, due in 3 days and a second", Pending, 3*day + time.Second, nil, nil, Green, Pending},
	{"pending, due right now", Pending, 0, nil, nil, Amber, Pending},
	{"pending, a second past due", Pending, -time.Second, nil, nil, Red, Overdue},
	{"returned, past due", Returned, -day, nil, nil, Red, Overdue},
	{"returned, due tomorrow", Returned, day, nil, nil, Amber, Returned},
	{"returned, due next week", Returned, 7 * day, nil, nil, Green, Returned},
	{"overdue", Overdue, -5 * day, nil, nil, Red, Overdue},
	{"overdue but due later", Overdue, 5 * day, nil, nil, Green, Overdue},
	{"submitted on time", Submitted, day, dur(-day), nil, Green, Submitted},
	{"submitted exactly at due", Submitted, -day, dur(-day), nil, Green, Submitted},
	{"submitted late", Submitted, -2 * day, dur(-day), nil, Amber, Submitted},
	{"submitted without time", Submitted, 5 * day, nil, nil, Amber, Submitted},
	{"done, submitted on time, accepted later", Done, -36 * time.Hour, dur(-2 * day), dur(-day), Green, Done},
	{"done late, no submission", Done, -2 * day, nil, dur(-day), Amber, Done},
	{"done, no times", Done, -2 * day, nil, nil, Green, Done},
	{"done, submitted late", Done, -3 * day, dur(-2 * day), dur(-day), Amber, Done},
	{"done long ago", Done, -10 * day, dur(-11 * day), dur(-day), Green, Done},
	{"done early", Done, 10 * day, dur(-day), dur(-time.Hour), Green, Done},
}

func (c colorCase) instance(now time.Time) *Instance {
	i := &Instance{Status: c.status, DueAt: now.Add(c.due).UTC()}
	if c.submitted != nil {
		at := now.Add(*c.submitted).UTC()
		i.SubmittedAt = &at
	}
	if c.completed != nil {
		at := now.Add(*c.completed).UTC()
		i.CompletedAt = &at
	}
	return i
}

func TestColorAndStatusAt(t *testing.T) {
	now := fixtureNow
	for _, c := range colorCases {
		i := c.instance(now)
		if got := i.ColorAt(now); got != c.color {
			t.Errorf("%s: colour %s, want %s", c.name, got, c.color)
		}
		if got := i.StatusAt(now); got != c.statusNow {
			t.Errorf("%s: status %s, want %s", c.name, got, c.statusNow)
		}
	}
}

// TestColorSQLMatchesColorAt stores every case and checks that the SQL filters
// of ListInstances select exactly the instances ColorAt and StatusAt name.
func TestColorSQLMatchesColorAt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		now := f.Clock.Now()
		byID := map[int64]colorCase{}
		err := d.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
			for _, c := range colorCases {
				i := c.instance(now)
				i.TenantID, i.OrgID, i.Period, i.Title = f.A.TenantID, f.B1.ID, "2026-11", c.name
				i.CreatedAt, i.UpdatedAt = now, now
				if _, err := tx.NewInsert().Model(i).Exec(ctx); err != nil {
					return err
				}
				byID[i.ID] = c
			}
			return nil
		})
		noErr(t, err)
		// Read back: ColorAt on stored values agrees with the table.
		for _, i := range f.allInstances(t) {
			if c := byID[i.ID]; i.ColorAt(now) != c.color || i.StatusAt(now) != c.statusNow {
				t.Errorf("%s read back: %s %s", c.name, i.ColorAt(now), i.StatusAt(now))
			}
		}
		sys := f.System()
		for _, col := range []Color{Green, Amber, Red} {
			page, err := f.Svc.ListInstances(sys, InstanceFilter{Color: ptrTo(col)}, pagination.Request{First: ptrTo(100)})
			noErr(t, err)
			got := map[int64]bool{}
			for _, i := range page.Items {
				got[i.ID] = true
			}
			for id, c := range byID {
				if got[id] != (c.color == col) {
					t.Errorf("colour %s: %q selected=%v, ColorAt says %s", col, c.name, got[id], c.color)
				}
			}
		}
		for _, st := range []Status{Pending, Submitted, Returned, Done, Overdue} {
			page, err := f.Svc.ListInstances(sys, InstanceFilter{Status: ptrTo(st)}, pagination.Request{First: ptrTo(100)})
			noErr(t, err)
			got := map[int64]bool{}
			for _, i := range page.Items {
				got[i.ID] = true
			}
			for id, c := range byID {
				if got[id] != (c.statusNow == st) {
					t.Errorf("status %s: %q selected=%v, StatusAt says %s", st, c.name, got[id], c.statusNow)
				}
			}
		}
		_, err = f.Svc.ListInstances(sys, InstanceFilter{Color: ptrTo(Color("BLUE"))}, pagination.Request{})
		wantErrCode(t, err, apperr.InvalidInput)
		_, err = f.Svc.ListInstances(sys, InstanceFilter{Period: "2026-13"}, pagination.Request{})
		wantErrCode(t, err, apperr.InvalidInput)
	})
}

func TestListInstances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		f.generate(t, f.A.TenantID, fixtureNow)
		f.generate(t, f.B.TenantID, fixtureNow)
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		branch := f.TownUser(t, authz.OrgSecretary, f.B1)
		viewer := f.DistrictUser(t, authz.DistrictViewer)
		exp := f.expectedA()
		countFor := func(orgs ...*org.Organization) int {
			in := map[int64]bool{}
			for _, o := range orgs {
				in[o.ID] = true
			}
			n := 0
			for _, list := range exp {
				for _, o := range list {
					if in[o.ID] {
						n++
					}
				}
			}
			return n
		}
		cases := []struct {
			name   string
			ctx    context.Context
			filter InstanceFilter
			want   int
		}{
			{"office, whole town", office, InstanceFilter{}, 28},
			{"office, C1 only", office, InstanceFilter{OrgID: &f.C1.ID}, countFor(f.C1)},
			{"office, C1 subtree", office, InstanceFilter{OrgID: &f.C1.ID, IncludeDescendants: true},
				countFor(f.C1, f.B1, f.G1, f.GB1, f.B2)},
			{"office, November", office, InstanceFilter{Period: "2026-11"}, 3 + 1 + 3},
			{"office, Q4 of the subtree of GB1", office, InstanceFilter{OrgID: &f.GB1.ID, IncludeDescendants: true, Period: "2026-Q4"}, 2 + 3},
			{"branch sees its own and its group's", branch, InstanceFilter{}, countFor(f.B1, f.G1)},
			{"branch asking for C1 gets nothing", branch, InstanceFilter{OrgID: &f.C1.ID, IncludeDescendants: true}, countFor(f.B1, f.G1)},
			{"district viewer sees both towns", viewer, InstanceFilter{}, 28 + 8},
			{"district viewer, B1", viewer, InstanceFilter{OrgID: &f.B1.ID}, countFor(f.B1)},
		}
		for _, c := range cases {
			items, total := listAll(t, 4, func(p pagination.Request) (pagination.Page[*Instance], error) {
				return f.Svc.ListInstances(c.ctx, c.filter, p)
			}, idCursor)
			if len(items) != c.want || total != c.want {
				t.Errorf("%s: %d items, total %d, want %d", c.name, len(items), total, c.want)
			}
			seen := map[int64]bool{}
			for _, i := range items {
				if seen[i.ID] {
					t.Errorf("%s: %d listed twice", c.name, i.ID)
				}
				seen[i.ID] = true
			}
		}

		// Status and colour move with the clock and the review state.
		bc := f.instanceOf(t, CodeBranchCommittee, f.B1, "2026-11")
		f.setState(t, bc.ID, Done, ptrTo(fixtureNow), ptrTo(fixtureNow))
		f.Clock.Set(time.Date(2026, 11, 28, 12, 0, 0, 0, shanghai))
		count := func(filter InstanceFilter) int {
			p, err := f.Svc.ListInstances(office, filter, pagination.Request{First: ptrTo(0)})
			noErr(t, err)
			return p.TotalCount
		}
		nov := "2026-11"
		if n := count(InstanceFilter{Period: nov, Color: ptrTo(Amber)}); n != 6 {
			t.Errorf("amber in November on the 28th: %d, want 6", n)
		}
		if n := count(InstanceFilter{Period: nov, Color: ptrTo(Green)}); n != 1 {
			t.Errorf("green in November: %d, want 1", n)
		}
		f.Clock.Set(time.Date(2026, 12, 1, 8, 0, 0, 0, shanghai))
		if n := count(InstanceFilter{Period: nov, Status: ptrTo(Overdue)}); n != 6 {
			t.Errorf("overdue in November on Dec 1st: %d, want 6", n)
		}
		if n := count(InstanceFilter{Period: nov, Color: ptrTo(Red)}); n != 6 {
			t.Errorf("red in November on Dec 1st: %d, want 6", n)
		}
		if n := count(InstanceFilter{Period: nov, Status: ptrTo(Pending)}); n != 0 {
			t.Errorf("pending in November on Dec 1st: %d, want 0", n)
		}
		if n := count(InstanceFilter{Period: nov, Status: ptrTo(Done)}); n != 1 {
			t.Errorf("done in November: %d, want 1", n)
		}

		// MarkOverdue makes it stick; only the system may run it.
		_, err := f.Svc.MarkOverdue(office, f.Clock.Now())
		wantErrCode(t, err, apperr.Forbidden)
		n, err := f.Svc.MarkOverdue(f.System(), f.Clock.Now())
		noErr(t, err)
		if n != 6+2 { // town A's 6 and town B's 2 November instances
			t.Fatalf("MarkOverdue changed %d, want 8", n)
		}
		if n, _ := f.Svc.MarkOverdue(f.System(), f.Clock.Now()); n != 0 {
			t.Fatalf("MarkOverdue twice changed %d", n)
		}
		if got, _ := f.Svc.GetInstance(office, f.instanceOf(t, CodeThemeDay, f.B1, nov).ID); got.Status != Overdue {
			t.Fatalf("status after MarkOverdue: %s", got.Status)
		}

		// GetInstances: one query, hidden ones absent.
		all := f.allInstances(t)
		var ids []int64
		for _, i := range all {
			ids = append(ids, i.ID)
		}
		m, err := f.Svc.GetInstances(branch, ids)
		noErr(t, err)
		if len(m) != countFor(f.B1, f.G1) {
			t.Fatalf("branch GetInstances: %d, want %d", len(m), countFor(f.B1, f.G1))
		}
		for _, i := range m {
			if i.OrgID != f.B1.ID && i.OrgID != f.G1.ID {
				t.Fatalf("branch got instance of org %d", i.OrgID)
			}
		}
		_, err = f.Svc.GetInstance(branch, f.instanceOf(t, CodeBranchCommittee, f.B2, nov).ID)
		wantErrCode(t, err, apperr.NotFound)
	})
}

func TestMyTasks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		f.generate(t, f.A.TenantID, fixtureNow)
		sec := f.TownUser(t, authz.OrgSecretary, f.B1)
		staff := f.TownUser(t, authz.OrgStaff, f.GB1)
		f.Grant(t, staff, authz.OrgStaff, f.U1)
		member := f.TownUser(t, authz.Member, f.B1)

		done := f.instanceOf(t, CodeBranchCommittee, f.B1, "2026-11")
		f.setState(t, done.ID, Done, ptrTo(fixtureNow), ptrTo(fixtureNow))
		sub := f.instanceOf(t, CodeLifeMeeting, f.B1, "2026")
		f.setState(t, sub.ID, Submitted, ptrTo(fixtureNow), nil)

		items, total := listAll(t, 2, func(p pagination.Request) (pagination.Page[*Instance], error) {
			return f.Svc.MyTasks(sec, p)
		}, MyTasksCursor)
		if total != 7 || len(items) != 7 {
			t.Fatalf("secretary's tasks: %d (total %d), want B1's 7", len(items), total)
		}
		// Open first by due time, then awaiting review, then done.
		if items[5].ID != sub.ID || items[6].ID != done.ID {
			t.Fatalf("order: %v", titles(items))
		}
		for k := 1; k < 5; k++ {
			if items[k].DueAt.Before(items[k-1].DueAt) {
				t.Fatalf("open tasks not by due time: %v", titles(items))
			}
		}
		for _, i := range items {
			if i.OrgID != f.B1.ID {
				t.Fatalf("secretary got a task of org %d", i.OrgID)
			}
		}

		items, total = listAll(t, 3, func(p pagination.Request) (pagination.Page[*Instance], error) {
			return f.Svc.MyTasks(staff, p)
		}, MyTasksCursor)
		if want := 3 + 7; total != want || len(items) != want { // GB1's 3, U1's 7
			t.Fatalf("staff's tasks: %d (total %d), want %d", len(items), total, want)
		}
		p, err := f.Svc.MyTasks(member, pagination.Request{})
		noErr(t, err)
		if p.TotalCount != 0 {
			t.Fatalf("a member is responsible for %d tasks", p.TotalCount)
		}
		_, err = f.Svc.MyTasks(context.Background(), pagination.Request{})
		wantErrCode(t, err, apperr.Unauthenticated)
		bad := "bm90LWEtY3Vyc29y"
		_, err = f.Svc.MyTasks(sec, pagination.Request{After: &bad})
		wantErrCode(t, err, apperr.InvalidInput)
	})
}

func titles(items []*Instance) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = fmt.Sprintf("%s[%s %s]", x.Title, x.Status, x.DueAt.In(shanghai).Format("01-02"))
	}
	return out
}

// TestTenantBoundary attacks town A's tasks from town B.
func TestTenantBoundary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		f.generate(t, f.A.TenantID, fixtureNow)
		f.generate(t, f.B.TenantID, fixtureNow)
		officeA := f.TownUser(t, authz.TownOffice, f.A.Root)
		officeB := f.TownUser(t, authz.TownOffice, f.B.Root)
		dep, err := f.Svc.CreateDeployment(officeA, DeploymentInput{IssuerOrgID: f.A.Root.ID, Title: "迎检准备",
			Deadline: fixtureNow.Add(5 * day), TargetRootID: f.A.Root.ID})
		noErr(t, err)
		own, err := f.Svc.CreateTemplate(officeA, TemplateInput{Name: "甲镇例会", Category: Custom,
			OrgKinds: BranchKinds(), Cadence: Monthly})
		noErr(t, err)
		aInstance := f.instanceOf(t, CodeBranchCommittee, f.B1, "2026-11")

		items, total := listAll(t, 50, func(p pagination.Request) (pagination.Page[*Instance], error) {
			return f.Svc.ListInstances(officeB, InstanceFilter{}, p)
		}, idCursor)
		if total != 8 || len(items) != 8 {
			t.Fatalf("town B lists %d instances (total %d), want its own 8", len(items), total)
		}
		for _, i := range items {
			if i.TenantID != f.B.TenantID {
				t.Fatalf("town B listed town A's instance %d", i.ID)
			}
		}
		p, err := f.Svc.ListInstances(officeB, InstanceFilter{OrgID: &f.B1.ID, IncludeDescendants: true}, pagination.Request{})
		noErr(t, err)
		if p.TotalCount != 0 {
			t.Fatalf("town B lists %d instances of A's branch", p.TotalCount)
		}
		_, err = f.Svc.GetInstance(officeB, aInstance.ID)
		wantErrCode(t, err, apperr.NotFound)
		if m, _ := f.Svc.GetInstances(officeB, []int64{aInstance.ID}); len(m) != 0 {
			t.Fatal("GetInstances returned town A's instance to town B")
		}
		_, err = f.Svc.GetTemplate(officeB, own.ID)
		wantErrCode(t, err, apperr.NotFound)
		_, err = f.Svc.GetDeployment(officeB, dep.ID)
		wantErrCode(t, err, apperr.NotFound)
		_, err = f.Svc.DeploymentProgress(officeB, dep.ID)
		wantErrCode(t, err, apperr.NotFound)
		deps, err := f.Svc.ListDeployments(officeB, DeploymentFilter{}, pagination.Request{})
		noErr(t, err)
		if deps.TotalCount != 0 {
			t.Fatalf("town B lists %d deployments", deps.TotalCount)
		}
		_, err = f.Svc.CreateDeployment(officeB, DeploymentInput{IssuerOrgID: f.B.Root.ID, Title: "越界",
			Deadline: fixtureNow.Add(day), TargetRootID: f.C1.ID})
		wantErrCode(t, err, apperr.NotFound)
		_, err = f.Svc.CreateDeployment(officeB, DeploymentInput{IssuerOrgID: f.A.Root.ID, Title: "越界",
			Deadline: fixtureNow.Add(day), TargetRootID: f.A.Root.ID})
		wantErrCode(t, err, apperr.NotFound)
		_, err = f.Svc.OrgStatus(officeB, f.A.Root.ID, "")
		wantErrCode(t, err, apperr.NotFound)
		_, err = f.Svc.GenerateForOrg(officeB, f.B1.ID)
		wantErrCode(t, err, apperr.NotFound)
		if tasks, _ := f.Svc.MyTasks(officeB, pagination.Request{}); tasks.TotalCount != 0 {
			t.Fatal("town B office has tasks")
		}

		// Below the services: row-level security hides B's rows from A's transaction.
		if d.Dialect == db.Postgres {
			var n int
			err := d.RunInTx(officeA, func(ctx context.Context, tx bun.Tx) error {
				return tx.NewRaw("SELECT count(*) FROM task_instances WHERE tenant_id = ?", f.B.TenantID).Scan(ctx, &n)
			})
			noErr(t, err)
			if n != 0 {
				t.Fatalf("town A's transaction counts %d of town B's task instances", n)
			}
			err = d.RunInTx(officeA, func(ctx context.Context, tx bun.Tx) error {
				return tx.NewRaw("SELECT count(*) FROM task_instances").Scan(ctx, &n)
			})
			noErr(t, err)
			if own := len(f.allInstances(t)) - 8; n != own {
				t.Fatalf("town A's transaction counts %d task instances, it owns %d", n, own)
			}
		}
	})
}
