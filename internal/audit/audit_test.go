package audit_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
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

func ptr[T any](v T) *T { return &v }

// fixture is orgtest's district 1 with towns A and B, a branch in A, and a
// second district with town C; every list test reads the same audit log.
type fixture struct {
	*orgtest.Fixture
	log *audit.Log

	branch               *org.Organization
	district2, townC     int64
	townOffice, district context.Context
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	of := orgtest.New(t, d)
	f := &fixture{Fixture: of, log: audit.NewLog(d, of.Authz)}
	f.branch = of.MustCreate(t, of.A.Root, org.Branch, "幸福社区第一党支部")
	err := d.RunInTx(of.System(), func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("INSERT INTO districts (name, code) VALUES ('第二区', 'D2') RETURNING id").Scan(ctx, &f.district2); err != nil {
			return err
		}
		if err := tx.NewRaw("INSERT INTO tenants (district_id, name, code) VALUES (?, '丙镇', 'T3') RETURNING id",
			f.district2).Scan(ctx, &f.townC); err != nil {
			return err
		}
		return authz.BumpVersion(ctx, tx)
	})
	if err != nil {
		t.Fatalf("second district: %v", err)
	}
	f.townOffice = of.TownUser(t, authz.TownOffice, of.A.Root)
	f.district = of.DistrictUser(t, authz.DistrictAdmin)
	return f
}

// record writes changes in one system transaction, in order.
func (f *fixture) record(t *testing.T, ctx context.Context, changes ...audit.Change) {
	t.Helper()
	err := f.DB.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, c := range changes {
			if err := audit.Record(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("record: %v", err)
	}
}

// stored reads the rows with action straight from the table, as the system,
// oldest first: Record's tests do not depend on List.
func (f *fixture) stored(t *testing.T, action string) []*audit.Entry {
	t.Helper()
	var rows []*audit.Entry
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&rows).Where("action = ?", action).OrderExpr("id").Scan(ctx)
	})
	if err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	return rows
}

// label describes a row as "<town or district> <action> <entity id>".
func (f *fixture) label(e *audit.Entry) string {
	where := "?"
	switch {
	case e.TenantID != nil:
		where = map[int64]string{f.A.TenantID: "A", f.B.TenantID: "B", f.townC: "C"}[*e.TenantID]
	case e.DistrictID != nil:
		where = map[int64]string{f.DistrictID: "D1", f.district2: "D2"}[*e.DistrictID]
	}
	var id int64
	if e.EntityID != nil {
		id = *e.EntityID
	}
	return fmt.Sprintf("%s %s %d", where, e.Action, id)
}

func (f *fixture) labels(entries []*audit.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = f.label(e)
	}
	return out
}

// seed records a log across both districts and returns every row's label, newest first.
func (f *fixture) seed(t *testing.T) []string {
	t.Helper()
	A, B := f.A.TenantID, f.B.TenantID
	f.record(t, f.System(),
		audit.Change{TenantID: A, Action: "person.create", EntityType: "person", EntityID: 1, After: map[string]string{"name": "王建国"}},
		audit.Change{TenantID: A, Action: "person.update", EntityType: "person", EntityID: 1},
		audit.Change{TenantID: A, Action: "person.create", EntityType: "person", EntityID: 2},
		audit.Change{TenantID: A, Action: "org.update", EntityType: "organization", EntityID: f.A.Root.ID},
		audit.Change{TenantID: A, Action: "person.remove", EntityType: "person", EntityID: 2},
		audit.Change{TenantID: B, Action: "person.create", EntityType: "person", EntityID: 3},
		audit.Change{DistrictID: f.DistrictID, Action: "user.create", EntityType: "user", EntityID: 4},
		audit.Change{DistrictID: f.district2, Action: "user.create", EntityType: "user", EntityID: 5},
		audit.Change{TenantID: f.townC, Action: "person.create", EntityType: "person", EntityID: 6},
	)
	return []string{
		"C person.create 6",
		"D2 user.create 5",
		"D1 user.create 4",
		"B person.create 3",
		"A person.remove 2",
		fmt.Sprintf("A org.update %d", f.A.Root.ID),
		"A person.create 2",
		"A person.update 1",
		"A person.create 1",
		fmt.Sprintf("A org.create %d", f.branch.ID), // orgtest's MustCreate
		fmt.Sprintf("B org.create %d", f.B.Root.ID), // orgtest's fixture
		fmt.Sprintf("A org.create %d", f.A.Root.ID),
	}
}

// only keeps the labels of rows in the given towns or districts.
func only(labels []string, where ...string) []string {
	var out []string
	for _, l := range labels {
		for _, w := range where {
			if len(l) > len(w) && l[:len(w)+1] == w+" " {
				out = append(out, l)
			}
		}
	}
	return out
}

// all reads every page of the log as ctx, first entries at a time.
func (f *fixture) all(t *testing.T, ctx context.Context, filter audit.Filter, first int) (labels []string, total int) {
	t.Helper()
	req := pagination.Request{First: &first}
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("pagination does not end")
		}
		p, err := f.log.List(ctx, filter, req)
		if err != nil {
			t.Fatalf("List page %d: %v", pages+1, err)
		}
		if pages == 0 {
			total = p.TotalCount
		} else if p.TotalCount != total {
			t.Errorf("page %d: TotalCount = %d, first page said %d", pages+1, p.TotalCount, total)
		}
		if len(p.Items) > first {
			t.Fatalf("page %d has %d items, asked for %d", pages+1, len(p.Items), first)
		}
		labels = append(labels, f.labels(p.Items)...)
		if !p.HasNextPage {
			return labels, total
		}
		if len(p.Items) == 0 {
			t.Fatal("empty page claims a next page")
		}
		cur := pagination.EncodeCursor(pagination.Cursor{ID: p.Items[len(p.Items)-1].ID})
		req.After = &cur
	}
}

func TestRecordCommitsWithTheChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		boom := errors.New("boom")
		renamed := "和平社区党委"
		err := d.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewUpdate().Table("organizations").Set("name = ?", renamed).Where("id = ?", f.A.Root.ID).Exec(ctx); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, audit.Change{TenantID: f.A.TenantID, Action: "org.rename",
				EntityType: "organization", EntityID: f.A.Root.ID, After: renamed}); err != nil {
				return err
			}
			return boom // a later step of the same change fails
		})
		if !errors.Is(err, boom) {
			t.Fatalf("RunInTx = %v, want boom", err)
		}
		root, err := f.Orgs.Get(f.System(), f.A.Root.ID)
		if err != nil || root.Name == renamed {
			t.Fatalf("root after rollback = %+v, %v; want the old name", root, err)
		}
		if rows := f.stored(t, "org.rename"); len(rows) != 0 {
			t.Errorf("audit rows of a rolled-back change = %q, want none", f.labels(rows))
		}

		// The same change, committed, is logged.
		f.record(t, f.System(), audit.Change{TenantID: f.A.TenantID, Action: "org.rename",
			EntityType: "organization", EntityID: f.A.Root.ID})
		if rows := f.stored(t, "org.rename"); len(rows) != 1 {
			t.Errorf("audit rows of a committed change = %q, want one", f.labels(rows))
		}
	})
}

func TestRecordFillsActorAndRequest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, _ := actor.FromContext(f.townOffice)
		before := time.Now().Add(-time.Second)
		f.record(t, actor.WithRequestID(f.townOffice, "req-42"), audit.Change{
			TenantID: f.A.TenantID, Action: "person.update", EntityType: "person", EntityID: 9,
			Before: map[string]string{"phone": "13500000000"}, After: map[string]string{"phone": "13900000000"},
		})
		f.record(t, f.System(), audit.Change{TenantID: f.A.TenantID, Action: "person.update", EntityType: "person", EntityID: 9})

		rows := f.stored(t, "person.update")
		if len(rows) != 2 {
			t.Fatalf("rows = %q, want 2", f.labels(rows))
		}
		byUser, bySystem := rows[0], rows[1]

		if byUser.ActorUserID == nil || *byUser.ActorUserID != a.UserID || byUser.ActorUsername != a.Username {
			t.Errorf("actor = %v %q, want %d %q", byUser.ActorUserID, byUser.ActorUsername, a.UserID, a.Username)
		}
		if byUser.RequestID != "req-42" {
			t.Errorf("request id = %q, want req-42", byUser.RequestID)
		}
		if byUser.Before != `{"phone":"13500000000"}` || byUser.After != `{"phone":"13900000000"}` {
			t.Errorf("before/after = %s / %s", byUser.Before, byUser.After)
		}
		if byUser.CreatedAt.Before(before) || byUser.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("created at %v, want about now", byUser.CreatedAt)
		}

		if bySystem.ActorUserID != nil || bySystem.ActorUsername != "system" || bySystem.RequestID != "" {
			t.Errorf("system row actor = %v %q request %q, want no user, \"system\", no request id",
				bySystem.ActorUserID, bySystem.ActorUsername, bySystem.RequestID)
		}
		if bySystem.Before != "" || bySystem.After != "" {
			t.Errorf("nil before/after stored as %q / %q, want empty", bySystem.Before, bySystem.After)
		}
	})
}

func TestRecordRefusesUnmarshallable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		err := d.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
			return audit.Record(ctx, tx, audit.Change{TenantID: f.A.TenantID, Action: "x.y", EntityType: "x",
				After: make(chan int)})
		})
		if err == nil {
			t.Fatal("recording a value that is not JSON succeeded")
		}
	})
}

// BUG — the List tests below (TestList*) fail on both databases until it is fixed:
// Entry's model has no alias (`bun:"table:audit_log"`), so bun selects
// "entry"."id", "entry"."tenant_id", … while List names the table
// ModelTableExpr("audit_log AS a"). Every List that gets past the permission
// check fails with "no such column: entry.id" (SQLite) or "missing FROM-clause
// entry for table \"entry\"" (PostgreSQL), i.e. INTERNAL for the auditLog query.
// Fix: tag the model `bun:"table:audit_log,alias:a"`; with that one change
// every test in this file passes on SQLite and PostgreSQL.

func TestListWhatEachManagerSees(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		log := f.seed(t)
		secretary := f.TownUser(t, authz.TownSecretary, f.A.Root)
		district2 := districtUser(t, f, f.district2, authz.DistrictAdmin)
		platform := actor.With(context.Background(), actor.Actor{UserID: 999, Username: "platform", PlatformAdmin: true})

		tests := []struct {
			name string
			ctx  context.Context
			want []string
		}{
			{"town office of A sees town A only", f.townOffice, only(log, "A")},
			{"town secretary of A sees town A only", secretary, only(log, "A")},
			{"district admin 1 sees its towns and its district", f.district, only(log, "A", "B", "D1")},
			{"district admin 2 sees town C and district 2", district2, only(log, "C", "D2")},
			{"platform admin sees everything", platform, log},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, first := range []int{100, 3, 1} {
					got, total := f.all(t, tt.ctx, audit.Filter{}, first)
					if !slices.Equal(got, tt.want) {
						t.Errorf("first=%d: rows =\n%q\nwant\n%q", first, got, tt.want)
					}
					if total != len(tt.want) {
						t.Errorf("first=%d: TotalCount = %d, want %d", first, total, len(tt.want))
					}
				}
			})
		}
	})
}

func TestListPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		townA := only(f.seed(t), "A")

		p1, err := f.log.List(f.townOffice, audit.Filter{}, pagination.Request{First: ptr(3)})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.labels(p1.Items); !slices.Equal(got, townA[:3]) || !p1.HasNextPage || p1.TotalCount != len(townA) {
			t.Fatalf("page 1 = %q next=%v total=%d; want %q next=true total=%d",
				got, p1.HasNextPage, p1.TotalCount, townA[:3], len(townA))
		}
		after := pagination.EncodeCursor(pagination.Cursor{ID: p1.Items[2].ID})
		p2, err := f.log.List(f.townOffice, audit.Filter{}, pagination.Request{First: ptr(3), After: &after})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.labels(p2.Items); !slices.Equal(got, townA[3:6]) || !p2.HasNextPage || p2.TotalCount != len(townA) {
			t.Errorf("page 2 = %q next=%v total=%d; want %q next=true total=%d",
				got, p2.HasNextPage, p2.TotalCount, townA[3:6], len(townA))
		}

		// A change recorded while paging shows up on top, not in the middle of later pages.
		f.record(t, f.System(), audit.Change{TenantID: f.A.TenantID, Action: "person.create", EntityType: "person", EntityID: 77})
		after = pagination.EncodeCursor(pagination.Cursor{ID: p2.Items[2].ID})
		p3, err := f.log.List(f.townOffice, audit.Filter{}, pagination.Request{First: ptr(3), After: &after})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.labels(p3.Items); !slices.Equal(got, townA[6:]) || p3.HasNextPage {
			t.Errorf("page 3 = %q next=%v; want %q next=false", got, p3.HasNextPage, townA[6:])
		}

		bad := "garbage"
		_, err = f.log.List(f.townOffice, audit.Filter{}, pagination.Request{After: &bad})
		wantCode(t, err, apperr.InvalidInput)
		_, err = f.log.List(f.townOffice, audit.Filter{}, pagination.Request{First: ptr(101)})
		wantCode(t, err, apperr.InvalidInput)
	})
}

func TestListRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed(t)
		tests := []struct {
			name string
			ctx  context.Context
			code apperr.Code
		}{
			{"branch secretary", f.TownUser(t, authz.OrgSecretary, f.branch), apperr.Forbidden},
			{"party member", f.TownUser(t, authz.Member, f.A.Root), apperr.Forbidden},
			{"committee member", f.TownUser(t, authz.CommitteeMember, f.A.Root), apperr.Forbidden},
			{"district viewer", f.DistrictUser(t, authz.DistrictViewer), apperr.Forbidden},
			{"anonymous", context.Background(), apperr.Unauthenticated},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := f.log.List(tt.ctx, audit.Filter{}, pagination.Request{})
				if apperr.CodeOf(err) != tt.code {
					t.Fatalf("List = %q, %v; want %s", f.labels(p.Items), err, tt.code)
				}
			})
		}
	})
}

func TestListFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		log := f.seed(t)
		a, _ := actor.FromContext(f.townOffice)
		f.record(t, f.townOffice, audit.Change{TenantID: f.A.TenantID, Action: "person.update", EntityType: "person", EntityID: 1})
		byOffice := "A person.update 1"
		log = append([]string{byOffice}, log...)

		tests := []struct {
			name   string
			ctx    context.Context
			filter audit.Filter
			want   []string
		}{
			{"entity type", f.townOffice, audit.Filter{EntityType: "person"},
				[]string{byOffice, "A person.remove 2", "A person.create 2", "A person.update 1", "A person.create 1"}},
			{"entity", f.townOffice, audit.Filter{EntityType: "person", EntityID: ptr(int64(1))},
				[]string{byOffice, "A person.update 1", "A person.create 1"}},
			{"action", f.district, audit.Filter{Action: "org.create"}, []string{
				fmt.Sprintf("A org.create %d", f.branch.ID),
				fmt.Sprintf("B org.create %d", f.B.Root.ID),
				fmt.Sprintf("A org.create %d", f.A.Root.ID)}},
			{"actor", f.district, audit.Filter{ActorUserID: &a.UserID}, []string{byOffice}},
			{"town", f.district, audit.Filter{TenantID: &f.B.TenantID}, only(log, "B")},
			{"another district's town", f.district, audit.Filter{TenantID: &f.townC}, nil},
			{"another town, asked by a town office", f.townOffice, audit.Filter{TenantID: &f.B.TenantID}, nil},
			{"unknown action", f.district, audit.Filter{Action: "nothing.happened"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total := f.all(t, tt.ctx, tt.filter, 2)
				if !slices.Equal(got, tt.want) || total != len(tt.want) {
					t.Errorf("rows = %q (total %d), want %q", got, total, tt.want)
				}
			})
		}
	})
}

func TestListTimeFilter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// One meeting a day at 09:30 Beijing time, 2 to 6 March 2026.
		shanghai := time.FixedZone("CST", 8*3600)
		day := func(n int) time.Time { return time.Date(2026, 3, n, 9, 30, 0, 0, shanghai) }
		err := d.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
			for n := 2; n <= 6; n++ {
				e := &audit.Entry{TenantID: &f.A.TenantID, Action: "meeting.hold", EntityType: "meeting",
					EntityID: ptr(int64(n)), ActorUsername: "system", CreatedAt: day(n).UTC()}
				if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		midnight := func(n int) *time.Time { v := time.Date(2026, 3, n, 0, 0, 0, 0, shanghai); return &v }
		tests := []struct {
			name         string
			since, until *time.Time
			want         []string
		}{
			{"since 4 March (Beijing)", midnight(4), nil,
				[]string{"A meeting.hold 6", "A meeting.hold 5", "A meeting.hold 4"}},
			{"until 4 March (Beijing), exclusive", nil, midnight(4),
				[]string{"A meeting.hold 3", "A meeting.hold 2"}},
			{"3 to 5 March", midnight(3), midnight(5),
				[]string{"A meeting.hold 4", "A meeting.hold 3"}},
			{"since the exact time of a row includes it", ptr(day(5)), nil,
				[]string{"A meeting.hold 6", "A meeting.hold 5"}},
			{"same time in UTC", ptr(day(5).UTC()), nil,
				[]string{"A meeting.hold 6", "A meeting.hold 5"}},
			{"empty range", midnight(5), midnight(5), nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total := f.all(t, f.townOffice, audit.Filter{EntityType: "meeting", Since: tt.since, Until: tt.until}, 2)
				if !slices.Equal(got, tt.want) || total != len(tt.want) {
					t.Errorf("rows = %q (total %d), want %q", got, total, tt.want)
				}
			})
		}
	})
}

// districtUser adds a user with a district role on districtID (orgtest's
// DistrictUser only knows district 1).
func districtUser(t *testing.T, f *fixture, districtID int64, role authz.Role) context.Context {
	t.Helper()
	username := fmt.Sprintf("d%d_%s", districtID, role)
	var id int64
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("INSERT INTO users (district_id, username, password_hash) VALUES (?, ?, 'x') RETURNING id",
			districtID, username).Scan(ctx, &id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO role_assignments (district_id, user_id, role, scope_key) VALUES (?, ?, ?, ?)",
			districtID, id, string(role), fmt.Sprintf("district:%d", districtID)); err != nil {
			return err
		}
		return authz.BumpVersion(ctx, tx)
	})
	if err != nil {
		t.Fatalf("district user: %v", err)
	}
	return actor.With(context.Background(), actor.Actor{UserID: id, Username: username, DistrictID: districtID})
}
