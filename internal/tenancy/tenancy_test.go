package tenancy_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
	"dangjian/internal/tenancy"
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

// fixture is orgtest's district 1 (towns A and B) plus a second district
// with one town, and the people who act on them.
type fixture struct {
	*orgtest.Fixture
	svc *tenancy.Service

	platform               context.Context
	district2              *tenancy.District
	town2                  *tenancy.Town
	admin1, viewer1        context.Context // district users of district 1
	admin2                 context.Context // district admin of district 2
	townAOffice, townBUser context.Context
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	of := orgtest.New(t, d)
	f := &fixture{Fixture: of, svc: tenancy.NewService(d, of.Authz, of.Orgs)}
	f.platform = platformAdmin(t, d)
	var err error
	if f.district2, err = f.svc.CreateDistrict(f.platform, "第二区", "d2"); err != nil {
		t.Fatalf("create district 2: %v", err)
	}
	if f.town2, _, err = f.svc.CreateTown(f.platform, tenancy.CreateTownInput{
		DistrictID: f.district2.ID, Name: "丙镇", Code: "town-c",
	}); err != nil {
		t.Fatalf("create town in district 2: %v", err)
	}
	f.admin1 = of.DistrictUser(t, authz.DistrictAdmin)
	f.viewer1 = of.DistrictUser(t, authz.DistrictViewer)
	f.admin2 = districtUser(t, d, f.district2.ID, authz.DistrictAdmin)
	f.townAOffice = of.TownUser(t, authz.TownOffice, of.A.Root)
	f.townBUser = of.TownUser(t, authz.Member, of.B.Root)
	return f
}

// platformAdmin inserts a platform administrator and returns a context acting as them.
func platformAdmin(t *testing.T, d *db.DB) context.Context {
	t.Helper()
	var id int64
	err := d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("INSERT INTO users (username, password_hash, is_platform_admin) VALUES ('platform', 'x', ?) RETURNING id",
			true).Scan(ctx, &id)
	})
	if err != nil {
		t.Fatalf("insert platform admin: %v", err)
	}
	return actor.With(context.Background(), actor.Actor{UserID: id, Username: "platform", PlatformAdmin: true})
}

// districtUser inserts a user with a district role on districtID (orgtest's
// DistrictUser only knows its own district).
func districtUser(t *testing.T, d *db.DB, districtID int64, role authz.Role) context.Context {
	t.Helper()
	username := fmt.Sprintf("d%d_%s", districtID, role)
	var id int64
	err := d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
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
		t.Fatalf("insert district user: %v", err)
	}
	return actor.With(context.Background(), actor.Actor{UserID: id, Username: username, DistrictID: districtID})
}

// auditRows reads the audit log of entity directly, as the system.
func auditRows(t *testing.T, d *db.DB, entityType string, entityID int64) []*audit.Entry {
	t.Helper()
	var rows []*audit.Entry
	err := d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&rows).Where("entity_type = ?", entityType).Where("entity_id = ?", entityID).
			OrderExpr("id").Scan(ctx)
	})
	if err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	return rows
}

func townNames(towns []*tenancy.Town) []string {
	out := make([]string, len(towns))
	for i, tw := range towns {
		out[i] = tw.Name
	}
	return out
}

func districtNames(ds []*tenancy.District) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

func TestCreateDistrict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)

		got, err := f.svc.CreateDistrict(f.platform, "  第三区 ", "D3")
		if err != nil {
			t.Fatalf("platform admin creates a district: %v", err)
		}
		if got.ID == 0 || got.Name != "第三区" || got.Code != "d3" {
			t.Errorf("district = %+v, want trimmed name 第三区 and lower-case code d3", got)
		}
		rows := auditRows(t, d, "district", got.ID)
		if len(rows) != 1 || rows[0].Action != "district.create" || rows[0].ActorUsername != "platform" {
			t.Errorf("audit rows = %+v, want one district.create by platform", rows)
		}

		_, err = f.svc.CreateDistrict(f.platform, "另一个第三区", "d3")
		wantCode(t, err, apperr.Conflict)

		for name, ctx := range map[string]context.Context{
			"district admin": f.admin1,
			"town user":      f.townAOffice,
		} {
			_, err := f.svc.CreateDistrict(ctx, "越权区", "sneaky")
			if apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("%s creates a district: err = %v, want FORBIDDEN", name, err)
			}
		}
		_, err = f.svc.CreateDistrict(context.Background(), "匿名区", "anon")
		wantCode(t, err, apperr.Unauthenticated)
	})
}

func TestCreateTownByDistrictAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := actor.WithRequestID(f.admin1, "req-create-town")

		town, root, err := f.svc.CreateTown(ctx, tenancy.CreateTownInput{
			DistrictID: f.DistrictID, Name: "新桥镇", Code: "xinqiao",
		})
		if err != nil {
			t.Fatalf("district admin creates a town: %v", err)
		}
		if town.ID == 0 || town.DistrictID != f.DistrictID || town.Name != "新桥镇" || town.Timezone != "Asia/Shanghai" {
			t.Errorf("town = %+v, want 新桥镇 in district %d with the default time zone", town, f.DistrictID)
		}

		// The root 镇党委 exists, is the town's, and its path is "/<id>/".
		if root.TenantID != town.ID || root.Kind != org.TownCommittee || root.Name != "新桥镇党委" || !root.IsRoot() {
			t.Errorf("root = %+v, want the town committee 新桥镇党委 of town %d", root, town.ID)
		}
		if want := fmt.Sprintf("/%d/", root.ID); root.Path != want {
			t.Errorf("root path = %q, want %q", root.Path, want)
		}
		stored, err := f.Orgs.Get(f.System(), root.ID)
		if err != nil || stored.Path != root.Path || stored.TenantID != town.ID {
			t.Errorf("stored root = %+v, %v; want it stored as returned", stored, err)
		}

		// The creation is audited as the district admin, with the request id.
		rows := auditRows(t, d, "town", town.ID)
		if len(rows) != 1 {
			t.Fatalf("audit rows for the town = %d, want 1", len(rows))
		}
		e := rows[0]
		a, _ := actor.FromContext(f.admin1)
		if e.Action != "town.create" || e.ActorUserID == nil || *e.ActorUserID != a.UserID ||
			e.ActorUsername != a.Username || e.RequestID != "req-create-town" {
			t.Errorf("audit row = %+v, want town.create by %s with request id", e, a.Username)
		}
		if e.DistrictID == nil || *e.DistrictID != f.DistrictID || !strings.Contains(e.After, "新桥镇") {
			t.Errorf("audit row district %v after %q, want district %d and the new town", e.DistrictID, e.After, f.DistrictID)
		}
		if rows := auditRows(t, d, "organization", root.ID); len(rows) != 1 || rows[0].Action != "org.create" {
			t.Errorf("audit rows for the root = %+v, want one org.create", rows)
		}

		// The district admin sees the new town and reads its tree at once.
		towns, err := f.svc.ListTowns(f.admin1, nil)
		if err != nil || !slices.Contains(townNames(towns), "新桥镇") {
			t.Errorf("district admin's towns = %v, %v; want 新桥镇 among them", townNames(towns), err)
		}
		if _, err := f.Orgs.Get(f.admin1, root.ID); err != nil {
			t.Errorf("district admin reads the new root: %v", err)
		}
	})
}

func TestCreateTownOptions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		town, root, err := f.svc.CreateTown(f.admin1, tenancy.CreateTownInput{
			DistrictID: f.DistrictID, Name: "丰收街道", Code: "fengshou", Timezone: "Asia/Urumqi", CommitteeName: "丰收街道党工委",
		})
		if err != nil {
			t.Fatalf("create town: %v", err)
		}
		if town.Timezone != "Asia/Urumqi" || root.Name != "丰收街道党工委" {
			t.Errorf("town time zone %q, committee %q; want Asia/Urumqi and 丰收街道党工委", town.Timezone, root.Name)
		}
	})
}

func TestCreateTownRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		valid := func(mod func(*tenancy.CreateTownInput)) tenancy.CreateTownInput {
			in := tenancy.CreateTownInput{DistrictID: f.DistrictID, Name: "试点镇", Code: "shidian"}
			if mod != nil {
				mod(&in)
			}
			return in
		}
		tests := []struct {
			name      string
			ctx       context.Context
			in        tenancy.CreateTownInput
			code      apperr.Code
			wantField string
		}{
			{"district viewer", f.viewer1, valid(nil), apperr.Forbidden, ""},
			{"town office of the district", f.townAOffice, valid(nil), apperr.Forbidden, ""},
			{"town member", f.townBUser, valid(nil), apperr.Forbidden, ""},
			{"anonymous", context.Background(), valid(nil), apperr.Unauthenticated, ""},
			{"district admin of another district", f.admin2, valid(nil), apperr.Forbidden, ""},
			{"district admin 1 into district 2", f.admin1,
				valid(func(in *tenancy.CreateTownInput) { in.DistrictID = f.district2.ID }), apperr.Forbidden, ""},
			{"duplicate code", f.admin1,
				valid(func(in *tenancy.CreateTownInput) { in.Code = "town-c" }), apperr.Conflict, ""},
			{"duplicate code in other case", f.admin1,
				valid(func(in *tenancy.CreateTownInput) { in.Code = "Town-C" }), apperr.Conflict, ""},
			{"bad time zone", f.admin1,
				valid(func(in *tenancy.CreateTownInput) { in.Timezone = "Mars/Olympus" }), apperr.InvalidInput, "timezone"},
			{"name too short", f.admin1,
				valid(func(in *tenancy.CreateTownInput) { in.Name = "镇" }), apperr.InvalidInput, "name"},
			{"bad code", f.admin1,
				valid(func(in *tenancy.CreateTownInput) { in.Code = "试点" }), apperr.InvalidInput, "code"},
			{"committee name too long", f.admin1,
				valid(func(in *tenancy.CreateTownInput) { in.CommitteeName = strings.Repeat("党", org.MaxNameLen+1) }),
				apperr.InvalidInput, ""},
			{"unknown district (platform admin)", f.platform,
				valid(func(in *tenancy.CreateTownInput) { in.DistrictID = f.district2.ID + 1000 }), apperr.NotFound, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				town, _, err := f.svc.CreateTown(tt.ctx, tt.in)
				if apperr.CodeOf(err) != tt.code {
					t.Fatalf("CreateTown = %+v, %v; want %s", town, err, tt.code)
				}
				if ae, _ := apperr.As(err); tt.wantField != "" && ae.Field != tt.wantField {
					t.Errorf("field = %q, want %q", ae.Field, tt.wantField)
				}
			})
		}
		// Nothing refused left a town behind.
		all, err := f.svc.ListTowns(f.platform, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := townNames(all), []string{"甲镇", "乙镇", "丙镇"}; !slices.Equal(got, want) {
			t.Errorf("towns after refusals = %v, want %v", got, want)
		}
	})
}

func TestListTowns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		d1, d2 := f.DistrictID, f.district2.ID
		tests := []struct {
			name     string
			ctx      context.Context
			district *int64
			want     []string
		}{
			{"platform admin", f.platform, nil, []string{"甲镇", "乙镇", "丙镇"}},
			{"platform admin, district 2", f.platform, &d2, []string{"丙镇"}},
			{"district admin 1", f.admin1, nil, []string{"甲镇", "乙镇"}},
			{"district viewer 1", f.viewer1, nil, []string{"甲镇", "乙镇"}},
			{"district admin 1 asks for district 2", f.admin1, &d2, []string{}},
			{"district admin 2", f.admin2, nil, []string{"丙镇"}},
			{"town A office", f.townAOffice, nil, []string{"甲镇"}},
			{"town A office, own district", f.townAOffice, &d1, []string{"甲镇"}},
			{"town B member", f.townBUser, nil, []string{"乙镇"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				towns, err := f.svc.ListTowns(tt.ctx, tt.district)
				if err != nil {
					t.Fatalf("ListTowns: %v", err)
				}
				if got := townNames(towns); !slices.Equal(got, tt.want) {
					t.Errorf("towns = %v, want %v", got, tt.want)
				}
			})
		}
		_, err := f.svc.ListTowns(context.Background(), nil)
		wantCode(t, err, apperr.Unauthenticated)
	})
}

func TestListDistricts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tests := []struct {
			name string
			ctx  context.Context
			want []string
		}{
			{"platform admin", f.platform, []string{"测试区", "第二区"}},
			{"district admin 1", f.admin1, []string{"测试区"}},
			{"district viewer 1", f.viewer1, []string{"测试区"}},
			{"district admin 2", f.admin2, []string{"第二区"}},
			{"town A office", f.townAOffice, []string{"测试区"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ds, err := f.svc.ListDistricts(tt.ctx)
				if err != nil {
					t.Fatalf("ListDistricts: %v", err)
				}
				if got := districtNames(ds); !slices.Equal(got, tt.want) {
					t.Errorf("districts = %v, want %v", got, tt.want)
				}
			})
		}
		_, err := f.svc.ListDistricts(context.Background())
		wantCode(t, err, apperr.Unauthenticated)
	})
}

func TestGetTownAndDistrict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tests := []struct {
			name string
			ctx  context.Context
			town int64
			code apperr.Code // "" means found
		}{
			{"district admin 1 reads town A", f.admin1, f.A.TenantID, ""},
			{"district admin 1 reads district 2's town", f.admin1, f.town2.ID, apperr.NotFound},
			{"district admin 2 reads town A", f.admin2, f.A.TenantID, apperr.NotFound},
			{"town A office reads town A", f.townAOffice, f.A.TenantID, ""},
			{"town A office reads town B", f.townAOffice, f.B.TenantID, apperr.NotFound},
			{"platform admin reads district 2's town", f.platform, f.town2.ID, ""},
			{"nobody reads a town that does not exist", f.platform, f.town2.ID + 1000, apperr.NotFound},
			{"anonymous", context.Background(), f.A.TenantID, apperr.Unauthenticated},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				town, err := f.svc.GetTown(tt.ctx, tt.town)
				if tt.code == "" {
					if err != nil || town.ID != tt.town {
						t.Fatalf("GetTown = %+v, %v; want town %d", town, err, tt.town)
					}
					return
				}
				if apperr.CodeOf(err) != tt.code {
					t.Fatalf("GetTown = %+v, %v; want %s", town, err, tt.code)
				}
			})
		}

		if _, err := f.svc.GetDistrict(f.admin1, f.district2.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("district admin 1 reads district 2: err = %v, want NOT_FOUND", err)
		}
		if got, err := f.svc.GetDistrict(f.townAOffice, f.DistrictID); err != nil || got.Name != "测试区" {
			t.Errorf("town office reads its own district = %+v, %v", got, err)
		}
	})
}
