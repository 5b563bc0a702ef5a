package auth_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/auth"
	"dangjian/internal/authz"
	"dangjian/internal/db"
)

// password is the password of every fixture user.
const password = "Passw0rd"

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fixture is a district with towns A and B, a root org per town, a branch
// under A's root and one person per town.
type fixture struct {
	d     *db.DB
	az    *authz.Authorizer
	svc   *auth.Service
	clock *clock

	district, townA, townB    int64
	rootA, rootB, branchA     int64
	rootAPath, branchAPath    string
	personA, personB          int64
	otherDistrict, otherTownC int64
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, az: authz.New(d), clock: &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}}
	f.svc = auth.NewService(d, f.az, auth.Config{
		Secret: []byte("test-secret-that-is-at-least-32-bytes-long"),
		Now:    f.clock.Now,
	})
	err := d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
		var err error
		insert := func(q string, args ...any) int64 {
			var id int64
			if err == nil {
				err = tx.NewRaw(q+" RETURNING id", args...).Scan(ctx, &id)
			}
			return id
		}
		org := func(tenant, parent int64, parentPath, name string) (int64, string) {
			var p any
			depth := 0
			if parent != 0 {
				p, depth = parent, 1
			}
			id := insert("INSERT INTO organizations (tenant_id, parent_id, kind, name, path, depth) VALUES (?, ?, 'committee', ?, '', ?)",
				tenant, p, name, depth)
			path := fmt.Sprintf("%s%d/", parentPath, id)
			if err == nil {
				_, err = tx.NewRaw("UPDATE organizations SET path = ? WHERE id = ?", path, id).Exec(ctx)
			}
			return id, path
		}
		f.district = insert("INSERT INTO districts (name, code) VALUES ('城关区', 'D1')")
		f.townA = insert("INSERT INTO tenants (district_id, name, code) VALUES (?, '东关镇', 'TA')", f.district)
		f.townB = insert("INSERT INTO tenants (district_id, name, code) VALUES (?, '西关街道', 'TB')", f.district)
		f.otherDistrict = insert("INSERT INTO districts (name, code) VALUES ('新城区', 'D2')")
		f.otherTownC = insert("INSERT INTO tenants (district_id, name, code) VALUES (?, '南关镇', 'TC')", f.otherDistrict)
		f.rootA, f.rootAPath = org(f.townA, 0, "/", "东关镇党委")
		f.rootB, _ = org(f.townB, 0, "/", "西关街道党工委")
		f.branchA, f.branchAPath = org(f.townA, f.rootA, f.rootAPath, "东关社区党支部")
		f.personA = insert("INSERT INTO persons (tenant_id, org_id, name) VALUES (?, ?, '王丽')", f.townA, f.branchA)
		f.personB = insert("INSERT INTO persons (tenant_id, org_id, name) VALUES (?, ?, '李强')", f.townB, f.rootB)
		return err
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return f
}

func ptr(v int64) *int64 { return &v }

// townUser creates a user of town tenant with an org role on org (0 for none).
func (f *fixture) townUser(t *testing.T, username string, tenant int64, role authz.Role, org int64) *auth.User {
	t.Helper()
	ctx := context.Background()
	u, err := f.svc.CreateUserSystem(ctx, auth.CreateUserInput{Username: username, Password: password, TenantID: ptr(tenant)})
	if err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	if role != "" {
		if _, err := f.svc.AssignRoleSystem(ctx, u.ID, role, ptr(org), nil); err != nil {
			t.Fatalf("assign %s to %s: %v", role, username, err)
		}
	}
	return u
}

// districtUser creates a user of district with a district role.
func (f *fixture) districtUser(t *testing.T, username string, district int64, role authz.Role) *auth.User {
	t.Helper()
	ctx := context.Background()
	u, err := f.svc.CreateUserSystem(ctx, auth.CreateUserInput{Username: username, Password: password, DistrictID: ptr(district)})
	if err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	if _, err := f.svc.AssignRoleSystem(ctx, u.ID, role, nil, ptr(district)); err != nil {
		t.Fatalf("assign %s to %s: %v", role, username, err)
	}
	return u
}

// signIn logs username in and returns a request context carrying its actor,
// as the HTTP middleware would build it.
func (f *fixture) signIn(t *testing.T, username string) context.Context {
	t.Helper()
	ctx := context.Background()
	s, err := f.svc.Login(ctx, username, password, "192.0.2.1")
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	a, err := f.svc.Authenticate(ctx, s.AccessToken)
	if err != nil {
		t.Fatalf("authenticate %s: %v", username, err)
	}
	return actor.With(ctx, a)
}

// count counts rows of table matching where, in system scope.
func (f *fixture) count(t *testing.T, table, where string, args ...any) int {
	t.Helper()
	var n int
	err := f.d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
		c, err := tx.NewSelect().Table(table).Where(where, args...).Count(ctx)
		n = int(c)
		return err
	})
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// wantCode fails unless err has the given application error code (and message, when not empty).
func wantCode(t *testing.T, err error, code apperr.Code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	if msg != "" && e.Message != msg {
		t.Fatalf("message = %q, want %q", e.Message, msg)
	}
}
