// Package dbtest gives tests a fresh, migrated database on every dialect the
// product supports: SQLite always, PostgreSQL when DJ_TEST_DATABASE_URL is set.
// On PostgreSQL each call gets its own new database, owned by and connected as
// a non-superuser role, so row-level security is enforced in tests as in production.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"dangjian/internal/db"
)

// AppRole is the PostgreSQL role tests connect as: no superuser, no BYPASSRLS.
const AppRole = "dj_app_test"

// Each runs fn once per available dialect, each with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if PostgresURL(t) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// PostgresURL returns DJ_TEST_DATABASE_URL. In CI (CI=true) an unset URL fails the test.
func PostgresURL(t testing.TB) string {
	u := os.Getenv("DJ_TEST_DATABASE_URL")
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatal("DJ_TEST_DATABASE_URL must be set in CI")
	}
	return u
}

// SQLite opens a migrated SQLite database in a temporary folder.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "", filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.MigrateUp(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return d
}

// Postgres creates a fresh database, migrates it and returns it. Skips when
// DJ_TEST_DATABASE_URL is unset (outside CI).
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	u := NewPostgresDatabase(t)
	if u == "" {
		t.Skip("DJ_TEST_DATABASE_URL not set")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, u, "")
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.MigrateUp(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return d
}

// NewPostgresDatabase creates an empty database owned by AppRole and returns
// its URL (connecting as AppRole), or "" when PostgreSQL is not configured.
// The database is dropped when the test ends.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := PostgresURL(t)
	if admin == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	defer adb.Close()
	if err := adb.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL at DJ_TEST_DATABASE_URL is unreachable: %v", err)
	}
	// CREATE ROLE has no IF NOT EXISTS; ignore the duplicate error from a parallel test.
	_, _ = adb.ExecContext(ctx, "CREATE ROLE "+AppRole+" LOGIN NOSUPERUSER NOBYPASSRLS")
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "dj_test_" + hex.EncodeToString(b[:])
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name+" OWNER "+AppRole); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	pu, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse DJ_TEST_DATABASE_URL: %v", err)
	}
	pu.User = url.User(AppRole)
	pu.Path = "/" + name
	return pu.String()
}

// AdminURL returns the configured superuser URL pointed at database name.
func AdminURL(t testing.TB, appURL string) string {
	admin := PostgresURL(t)
	au, _ := url.Parse(admin)
	pu, _ := url.Parse(appURL)
	au.Path = pu.Path
	return au.String()
}
