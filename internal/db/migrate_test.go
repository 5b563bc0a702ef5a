package db_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
)

func columns(t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	var q string
	if d.Dialect == db.Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
		     WHERE table_schema = current_schema() ORDER BY table_name, column_name`
	} else {
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.name`
	}
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var tbl, col string
		if err := rows.Scan(&tbl, &col); err != nil {
			t.Fatal(err)
		}
		out[tbl] = append(out[tbl], col)
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

func TestBothDialectsHaveSameSchema(t *testing.T) {
	if dbtest.PostgresURL(t) == "" {
		t.Skip("DJ_TEST_DATABASE_URL not set")
	}
	lite := columns(t, dbtest.SQLite(t))
	pg := columns(t, dbtest.Postgres(t))
	if len(lite) == 0 {
		t.Fatal("no tables after migration")
	}
	for tbl, cols := range lite {
		if got := strings.Join(pg[tbl], ","); got != strings.Join(cols, ",") {
			t.Errorf("table %s: sqlite columns %v, postgres %v", tbl, cols, pg[tbl])
		}
	}
	for tbl := range pg {
		if _, ok := lite[tbl]; !ok {
			t.Errorf("table %s exists on postgres only", tbl)
		}
	}
}

func TestMigrateDownAndUpAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st, err := d.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range st {
			if m.AppliedAt == nil {
				t.Fatalf("migration %d not applied", m.Version)
			}
		}
		for range st {
			if m, err := d.MigrateDown(ctx); err != nil || m == nil {
				t.Fatalf("down: %v %v", m, err)
			}
		}
		if m, err := d.MigrateDown(ctx); err != nil || m != nil {
			t.Fatalf("down on empty schema: %v %v", m, err)
		}
		applied, err := d.MigrateUp(ctx)
		if err != nil || len(applied) != len(st) {
			t.Fatalf("up again: %d applied, %v", len(applied), err)
		}
		again, err := d.MigrateUp(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second up applied %d, %v", len(again), err)
		}
	})
}

func TestConcurrentMigrationsAreSerialised(t *testing.T) {
	u := dbtest.NewPostgresDatabase(t)
	if u == "" {
		t.Skip("DJ_TEST_DATABASE_URL not set")
	}
	ctx := context.Background()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			d, err := db.Open(ctx, u, "")
			if err != nil {
				errs <- err
				return
			}
			defer d.Close()
			_, err = d.MigrateUp(ctx)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
}
