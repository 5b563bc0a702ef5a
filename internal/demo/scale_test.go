package demo

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
)

func TestLoadScale(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var lines []string
		opt := ScaleOptions{Towns: 3, OrgsPerTown: 40, MembersPerTown: 120, Year: 2025, Seed: 7,
			Progress: func(msg string) { lines = append(lines, msg) }}
		res, err := LoadScale(ctx, d, opt)
		if err != nil {
			t.Fatalf("LoadScale: %v", err)
		}
		if len(res.TownIDs) != 3 || res.Orgs != 120 || res.Persons != 360 {
			t.Fatalf("towns %d orgs %d persons %d, want 3, 120, 360", len(res.TownIDs), res.Orgs, res.Persons)
		}
		if res.Instances == 0 || res.Records == 0 || res.Reviews == 0 || res.Deployments != 12 || len(lines) == 0 {
			t.Fatalf("instances %d records %d reviews %d deployments %d progress %d", res.Instances, res.Records,
				res.Reviews, res.Deployments, len(lines))
		}

		sys := actor.System(ctx)
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.Read(sys, func(ctx context.Context, idb bun.IDB) error {
				return idb.NewRaw(q, args...).Scan(ctx, &n)
			}); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		ids := res.TownIDs
		in := "(" + scaleJoinIDs(ids) + ")"
		if n := count("SELECT count(*) FROM organizations WHERE tenant_id IN " + in); n != res.Orgs {
			t.Errorf("organizations stored %d, want %d", n, res.Orgs)
		}
		if n := count("SELECT count(*) FROM persons WHERE tenant_id IN " + in); n != res.Persons {
			t.Errorf("persons stored %d, want %d", n, res.Persons)
		}
		if n := count("SELECT count(*) FROM task_instances WHERE tenant_id IN " + in); n != res.Instances {
			t.Errorf("instances stored %d, want %d", n, res.Instances)
		}
		if n := count("SELECT count(*) FROM tenants WHERE district_id = ? AND timezone = 'Asia/Shanghai'", res.DistrictID); n != 3 {
			t.Errorf("towns in Asia/Shanghai %d, want 3", n)
		}
		// Every town has one root, and every path is the parent's path plus the own id.
		if n := count("SELECT count(*) FROM organizations WHERE parent_id IS NULL AND tenant_id IN " + in); n != 3 {
			t.Errorf("roots %d, want 3", n)
		}
		if n := count("SELECT count(*) FROM organizations c JOIN organizations p ON p.id = c.parent_id " +
			"WHERE c.tenant_id IN " + in + " AND (c.path <> p.path || CAST(c.id AS TEXT) || '/' OR c.depth <> p.depth + 1 OR c.tenant_id <> p.tenant_id)"); n != 0 {
			t.Errorf("%d organisations with a wrong path, depth or town", n)
		}
		if n := count("SELECT count(*) FROM organizations WHERE parent_id IS NULL AND path <> '/' || CAST(id AS TEXT) || '/' AND tenant_id IN " + in); n != 0 {
			t.Errorf("%d roots with a wrong path", n)
		}
		// Nothing crosses a town boundary.
		for _, q := range []string{
			"SELECT count(*) FROM task_instances i JOIN organizations o ON o.id = i.org_id WHERE o.tenant_id <> i.tenant_id",
			"SELECT count(*) FROM persons p JOIN organizations o ON o.id = p.org_id WHERE o.tenant_id <> p.tenant_id",
			"SELECT count(*) FROM activity_records r JOIN organizations o ON o.id = r.org_id WHERE o.tenant_id <> r.tenant_id",
			"SELECT count(*) FROM record_instances ri JOIN task_instances i ON i.id = ri.instance_id JOIN activity_records r ON r.id = ri.record_id " +
				"WHERE i.tenant_id <> ri.tenant_id OR r.tenant_id <> ri.tenant_id OR r.org_id <> i.org_id",
			"SELECT count(*) FROM task_reviews v JOIN task_instances i ON i.id = v.instance_id WHERE i.tenant_id <> v.tenant_id",
		} {
			if n := count(q); n != 0 {
				t.Errorf("%d rows cross a town: %s", n, q)
			}
		}
		// The outcomes are realistic: mostly done, some late, returned and overdue.
		done := count("SELECT count(*) FROM task_instances WHERE status = 'DONE' AND tenant_id IN " + in)
		overdue := count("SELECT count(*) FROM task_instances WHERE status = 'OVERDUE' AND tenant_id IN " + in)
		returns := count("SELECT count(*) FROM task_reviews WHERE action = 'RETURN' AND tenant_id IN " + in)
		late := count("SELECT count(*) FROM activity_records WHERE late = ? AND tenant_id IN "+in, true)
		if done*10 < res.Instances*7 || overdue == 0 || returns == 0 || late == 0 {
			t.Errorf("done %d of %d, overdue %d, returns %d, late records %d", done, res.Instances, overdue, returns, late)
		}
		if n := count("SELECT count(*) FROM task_instances WHERE status = 'DONE' AND (completed_at IS NULL OR submitted_at IS NULL)"); n != 0 {
			t.Errorf("%d done instances without submitted/completed times", n)
		}

		// The same code again is a conflict, not a second district.
		_, err = LoadScale(ctx, d, opt)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict {
			t.Fatalf("second load: %v, want CONFLICT", err)
		}
	})
}

func TestLoadScaleDeterministic(t *testing.T) {
	ctx := context.Background()
	shape := func(d *db.DB, code string) string {
		res, err := LoadScale(ctx, d, ScaleOptions{Towns: 2, OrgsPerTown: 20, MembersPerTown: 30, Year: 2025, Seed: 42, Code: code,
			AsOf: time.Date(2025, 9, 15, 12, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatalf("LoadScale: %v", err)
		}
		var names []string
		var statuses []string
		err = d.Read(actor.System(ctx), func(ctx context.Context, idb bun.IDB) error {
			if err := idb.NewRaw("SELECT p.name FROM persons p JOIN tenants t ON t.id = p.tenant_id WHERE t.district_id = ? ORDER BY p.id",
				res.DistrictID).Scan(ctx, &names); err != nil {
				return err
			}
			return idb.NewRaw("SELECT i.status FROM task_instances i JOIN tenants t ON t.id = i.tenant_id WHERE t.district_id = ? ORDER BY i.id",
				res.DistrictID).Scan(ctx, &statuses)
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(names, ",") + "|" + strings.Join(statuses, ",")
	}
	d := dbtest.SQLite(t)
	a, b := shape(d, "s1"), shape(d, "s2")
	if a != b {
		t.Fatalf("same seed gave different data")
	}
	if !strings.Contains(a, "PENDING") {
		t.Errorf("periods open at AsOf should have pending instances")
	}
}

func scaleJoinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}
