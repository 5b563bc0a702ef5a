package authz_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
)

// world: district 1 with towns 1 and 2; district 2 with town 3.
// Town 1 tree: /1/ root, /1/2/ community, /1/2/3/ branch. Town 2: /4/. Town 3: /5/.
func world(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := actor.System(context.Background())
	stmts := []string{
		"INSERT INTO districts (id, name, code) VALUES (1, '甲区', 'd1'), (2, '乙区', 'd2')",
		"INSERT INTO tenants (id, district_id, name, code) VALUES (1, 1, '一镇', 't1'), (2, 1, '二镇', 't2'), (3, 2, '三镇', 't3')",
		`INSERT INTO organizations (id, tenant_id, parent_id, kind, name, path, depth) VALUES
		 (1, 1, NULL, 'TOWN_COMMITTEE', '一镇党委', '/1/', 0),
		 (2, 1, 1, 'COMMUNITY_COMMITTEE', '社区党委', '/1/2/', 1),
		 (3, 1, 2, 'BRANCH', '第一支部', '/1/2/3/', 2),
		 (4, 2, NULL, 'TOWN_COMMITTEE', '二镇党委', '/4/', 0),
		 (5, 3, NULL, 'TOWN_COMMITTEE', '三镇党委', '/5/', 0)`,
		`INSERT INTO users (id, tenant_id, district_id, username, password_hash) VALUES
		 (1, 1, 1, 'office1', 'x'), (2, 1, 1, 'branch1', 'x'), (3, NULL, 1, 'viewer1', 'x'), (4, 2, 1, 'office2', 'x')`,
	}
	err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		if d.Dialect == db.Postgres {
			for _, tbl := range []string{"districts", "tenants", "organizations", "users"} {
				if _, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), 100)", tbl)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	assign(t, d, 1, "town_office", ptr(int64(1)), ptr(int64(1)), nil)
	assign(t, d, 2, "org_secretary", ptr(int64(1)), ptr(int64(3)), nil)
	assign(t, d, 3, "district_viewer", nil, nil, ptr(int64(1)))
	assign(t, d, 4, "town_office", ptr(int64(2)), ptr(int64(4)), nil)
}

func ptr[T any](v T) *T { return &v }

func assign(t *testing.T, d *db.DB, user int64, role string, tenant, orgID, district *int64) int64 {
	t.Helper()
	key := ""
	if orgID != nil {
		key = fmt.Sprintf("org:%d", *orgID)
	} else {
		key = fmt.Sprintf("district:%d", *district)
	}
	var id int64
	err := d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewRaw("INSERT INTO role_assignments (tenant_id, district_id, user_id, role, org_id, scope_key) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			tenant, district, user, role, orgID, key).Scan(ctx, &id)
		if err != nil {
			return err
		}
		return authz.BumpVersion(ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func as(userID, tenantID, districtID int64) context.Context {
	return actor.With(context.Background(), actor.Actor{UserID: userID, TenantID: tenantID, DistrictID: districtID})
}

func TestDecisions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		world(t, d)
		az := authz.New(d)
		office1, branch1, viewer1 := as(1, 1, 1), as(2, 1, 1), as(3, 0, 1)
		cases := []struct {
			name string
			ctx  context.Context
			act  authz.Action
			tgt  authz.Target
			want bool
		}{
			{"office writes anywhere in own town", office1, authz.OrgWrite, authz.Target{TenantID: 1, OrgPath: "/1/2/3/"}, true},
			{"office writes the root", office1, authz.OrgWrite, authz.Target{TenantID: 1, OrgPath: "/1/"}, true},
			{"office cannot read another town", office1, authz.OrgRead, authz.Target{TenantID: 2, OrgPath: "/4/"}, false},
			{"office cannot forge another town's path under own domain", office1, authz.OrgRead, authz.Target{TenantID: 2, OrgPath: "/1/2/"}, false},
			{"branch secretary writes own branch", branch1, authz.OrgWrite, authz.Target{TenantID: 1, OrgPath: "/1/2/3/"}, true},
			{"branch secretary writes below own branch", branch1, authz.PersonWrite, authz.Target{TenantID: 1, OrgPath: "/1/2/3/77/"}, true},
			{"branch secretary cannot write the community", branch1, authz.OrgWrite, authz.Target{TenantID: 1, OrgPath: "/1/2/"}, false},
			{"branch secretary cannot write a sibling whose id shares a prefix", branch1, authz.OrgWrite, authz.Target{TenantID: 1, OrgPath: "/1/2/30/"}, false},
			{"branch secretary cannot assign roles", branch1, authz.RoleAssign, authz.Target{TenantID: 1, OrgPath: "/1/2/3/"}, false},
			{"district viewer reads a town of its district", viewer1, authz.OrgRead, authz.Target{TenantID: 2, OrgPath: "/4/"}, true},
			{"district viewer cannot write a town", viewer1, authz.OrgWrite, authz.Target{TenantID: 1, OrgPath: "/1/"}, false},
			{"district viewer cannot read another district's town", viewer1, authz.OrgRead, authz.Target{TenantID: 3, OrgPath: "/5/"}, false},
			{"district viewer cannot write the district", viewer1, authz.DistrictWrite, authz.Target{DistrictID: 1}, false},
			{"district viewer reads the district", viewer1, authz.DistrictRead, authz.Target{DistrictID: 1}, true},
			{"anonymous may do nothing", context.Background(), authz.OrgRead, authz.Target{TenantID: 1, OrgPath: "/1/"}, false},
			{"system may do everything", actor.System(context.Background()), authz.OrgWrite, authz.Target{TenantID: 3, OrgPath: "/5/"}, true},
		}
		for _, c := range cases {
			got, err := az.Can(c.ctx, c.act, c.tgt)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got != c.want {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
		if err := az.Check(context.Background(), authz.OrgRead, authz.Target{TenantID: 1}); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Errorf("anonymous check: %v", err)
		}
		if err := az.Check(branch1, authz.OrgWrite, authz.Target{TenantID: 1, OrgPath: "/1/"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("forbidden check: %v", err)
		}
	})
}

func TestGrantsFilterLists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		world(t, d)
		az := authz.New(d)
		count := func(ctx context.Context) int {
			g, err := az.Grants(ctx, authz.OrgRead)
			if err != nil {
				t.Fatal(err)
			}
			cond, args := g.Filter("tenant_id", "path")
			var n int
			err = d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
				return tx.NewRaw("SELECT count(*) FROM organizations WHERE "+cond, args...).Scan(ctx, &n)
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(as(1, 1, 1)); n != 3 {
			t.Errorf("town office sees %d orgs, want 3", n)
		}
		if n := count(as(2, 1, 1)); n != 1 {
			t.Errorf("branch secretary sees %d orgs, want 1", n)
		}
		if n := count(as(3, 0, 1)); n != 4 {
			t.Errorf("district viewer sees %d orgs, want 4 (both towns of its district)", n)
		}
		if n := count(as(99, 1, 1)); n != 0 {
			t.Errorf("user without roles sees %d orgs", n)
		}
	})
}

func TestChangesReachEveryReplicaAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		world(t, d)
		replicaA, replicaB := authz.New(d), authz.New(d)
		user := as(4, 2, 1)
		target := authz.Target{TenantID: 1, OrgPath: "/1/2/"}
		for _, r := range []*authz.Authorizer{replicaA, replicaB} {
			if ok, _ := r.Can(user, authz.OrgRead, target); ok {
				t.Fatal("office2 reads town 1 before any grant")
			}
		}
		// A (mis)assignment of town 1's community to a town-2 user on replica A's side:
		id := assign(t, d, 4, "committee_member", ptr(int64(1)), ptr(int64(2)), nil)
		if ok, _ := replicaB.Can(authz.WithRequestCache(user), authz.OrgRead, target); !ok {
			t.Fatal("replica B did not see the new assignment")
		}
		err := d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewDelete().Table("role_assignments").Where("id = ?", id).Exec(ctx); err != nil {
				return err
			}
			return authz.BumpVersion(ctx, tx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := replicaB.Can(user, authz.OrgRead, target); ok {
			t.Fatal("replica B still allows after revocation")
		}
	})
}
