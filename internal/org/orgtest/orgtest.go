// Package orgtest builds the fixture that tests of the org tree and of the
// modules hanging off it share: one district with two towns (A and B), each
// with its root 镇党委, and helpers to add users with roles.
package orgtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/org"
)

// Town is one tenant of the fixture.
type Town struct {
	TenantID int64
	Root     *org.Organization
}

// Fixture is a district with towns A and B.
type Fixture struct {
	DB         *db.DB
	Authz      *authz.Authorizer
	Orgs       *org.Service
	DistrictID int64
	A, B       Town

	users int
}

// New inserts the district, the two towns and their roots into d.
func New(t testing.TB, d *db.DB) *Fixture {
	t.Helper()
	az := authz.New(d)
	f := &Fixture{DB: d, Authz: az, Orgs: org.NewService(d, az)}
	ctx := actor.System(context.Background())
	err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("INSERT INTO districts (name, code) VALUES (?, ?) RETURNING id",
			"测试区", "D1").Scan(ctx, &f.DistrictID); err != nil {
			return fmt.Errorf("insert district: %w", err)
		}
		for i, town := range []*Town{&f.A, &f.B} {
			name := []string{"甲镇", "乙镇"}[i]
			if err := tx.NewRaw("INSERT INTO tenants (district_id, name, code) VALUES (?, ?, ?) RETURNING id",
				f.DistrictID, name, fmt.Sprintf("T%d", i+1)).Scan(ctx, &town.TenantID); err != nil {
				return fmt.Errorf("insert town: %w", err)
			}
			root, err := f.Orgs.CreateRoot(ctx, tx, town.TenantID, name+"党委")
			if err != nil {
				return err
			}
			town.Root = root
		}
		return authz.BumpVersion(ctx, tx)
	})
	if err != nil {
		t.Fatalf("orgtest fixture: %v", err)
	}
	return f
}

// System returns a system context.
func (f *Fixture) System() context.Context { return actor.System(context.Background()) }

// TownUser adds a user of the town that owns o, with role on o, and returns a
// context acting as that user.
func (f *Fixture) TownUser(t testing.TB, role authz.Role, o *org.Organization) context.Context {
	t.Helper()
	f.users++
	username := fmt.Sprintf("u%d_%s", f.users, role)
	var userID int64
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("INSERT INTO users (tenant_id, district_id, username, password_hash) VALUES (?, ?, ?, 'x') RETURNING id",
			o.TenantID, f.DistrictID, username).Scan(ctx, &userID); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO role_assignments (tenant_id, user_id, role, org_id, scope_key) VALUES (?, ?, ?, ?, ?)",
			o.TenantID, userID, string(role), o.ID, fmt.Sprintf("org:%d", o.ID)); err != nil {
			return fmt.Errorf("insert role assignment: %w", err)
		}
		return authz.BumpVersion(ctx, tx)
	})
	if err != nil {
		t.Fatalf("orgtest town user: %v", err)
	}
	return actor.With(context.Background(), actor.Actor{
		UserID: userID, Username: username, TenantID: o.TenantID, DistrictID: f.DistrictID,
	})
}

// Grant gives the user acting in ctx (from TownUser) another role on o.
func (f *Fixture) Grant(t testing.TB, ctx context.Context, role authz.Role, o *org.Organization) {
	t.Helper()
	a, ok := actor.FromContext(ctx)
	if !ok {
		t.Fatal("orgtest grant: no actor in ctx")
	}
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO role_assignments (tenant_id, user_id, role, org_id, scope_key) VALUES (?, ?, ?, ?, ?)",
			o.TenantID, a.UserID, string(role), o.ID, fmt.Sprintf("org:%d", o.ID)); err != nil {
			return fmt.Errorf("insert role assignment: %w", err)
		}
		return authz.BumpVersion(ctx, tx)
	})
	if err != nil {
		t.Fatalf("orgtest grant: %v", err)
	}
}

// DistrictUser adds a district user with a district role (district_viewer or
// district_admin) and returns a context acting as that user.
func (f *Fixture) DistrictUser(t testing.TB, role authz.Role) context.Context {
	t.Helper()
	f.users++
	username := fmt.Sprintf("u%d_%s", f.users, role)
	var userID int64
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("INSERT INTO users (district_id, username, password_hash) VALUES (?, ?, 'x') RETURNING id",
			f.DistrictID, username).Scan(ctx, &userID); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO role_assignments (district_id, user_id, role, scope_key) VALUES (?, ?, ?, ?)",
			f.DistrictID, userID, string(role), fmt.Sprintf("district:%d", f.DistrictID)); err != nil {
			return fmt.Errorf("insert role assignment: %w", err)
		}
		return authz.BumpVersion(ctx, tx)
	})
	if err != nil {
		t.Fatalf("orgtest district user: %v", err)
	}
	return actor.With(context.Background(), actor.Actor{UserID: userID, Username: username, DistrictID: f.DistrictID})
}

// MustCreate creates an organisation as the system, failing the test on error.
func (f *Fixture) MustCreate(t testing.TB, parent *org.Organization, kind org.Kind, name string) *org.Organization {
	t.Helper()
	o, err := f.Orgs.Create(f.System(), org.CreateInput{ParentID: parent.ID, Name: name, Kind: kind})
	if err != nil {
		t.Fatalf("create %s %q: %v", kind, name, err)
	}
	return o
}
