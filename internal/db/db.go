// Package db opens the database (embedded SQLite by default, PostgreSQL by
// configuration), runs migrations and runs transactions under the tenant
// scope of the calling context.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"

	"dangjian/internal/actor"
)

// Dialect names the database engine.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the application's database handle.
type DB struct {
	*bun.DB
	Dialect Dialect
}

// Open connects to url. An empty url opens (and creates) the embedded SQLite
// database dangjian.db in dataDir. Postgres urls start with postgres:// or postgresql://.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	if url == "" || strings.HasPrefix(url, "sqlite:") || strings.HasPrefix(url, "file:") {
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "file:")
		if path == "" {
			if err := os.MkdirAll(dataDir, 0o750); err != nil {
				return nil, fmt.Errorf("create data dir: %w", err)
			}
			path = filepath.Join(dataDir, "dangjian.db")
		}
		return openSQLite(ctx, path)
	}
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(ctx, url)
	}
	return nil, fmt.Errorf("unsupported DATABASE_URL scheme (want postgres:// or empty for embedded SQLite)")
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	// Immediate transactions take the write lock up front, so two writers
	// wait on busy_timeout instead of failing with SQLITE_BUSY on upgrade.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sqldb.SetMaxOpenConns(4)
	sqldb.SetConnMaxIdleTime(0)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("ping sqlite %s: %w", path, err)
	}
	return &DB{DB: bun.NewDB(sqldb, sqlitedialect.New()), Dialect: SQLite}, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	sqldb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(10)
	sqldb.SetConnMaxLifetime(30 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqldb.PingContext(pctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("ping postgres: %w", err)
	}
	return &DB{DB: bun.NewDB(sqldb, pgdialect.New()), Dialect: Postgres}, nil
}

// RunInTx runs fn in a transaction. On PostgreSQL the transaction first sets
// the row-level-security settings of the context's tenant scope with
// set_config(..., true), so they end with the transaction and never leak to
// the next user of the pooled connection.
func (d *DB) RunInTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return d.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := ApplyScope(ctx, d.Dialect, tx, actor.ScopeOf(ctx)); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
}

// ApplyScope sets the row-level-security settings for scope in tx (PostgreSQL only).
func ApplyScope(ctx context.Context, dialect Dialect, tx bun.Tx, s actor.Scope) error {
	if dialect != Postgres {
		return nil
	}
	system, tenant, district := "", "", ""
	switch {
	case s.System:
		system = "on"
	case s.TenantID != 0:
		tenant = strconv.FormatInt(s.TenantID, 10)
	case s.DistrictID != 0:
		district = strconv.FormatInt(s.DistrictID, 10)
	}
	_, err := tx.ExecContext(ctx,
		"SELECT set_config('dj.system', ?, true), set_config('dj.tenant_id', ?, true), set_config('dj.district_id', ?, true)",
		system, tenant, district)
	if err != nil {
		return fmt.Errorf("apply tenant scope: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.DB.PingContext(ctx) }

// IsUniqueViolation reports whether err is a unique-constraint violation on either dialect.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") ||
		strings.Contains(msg, "duplicate key value")
}

// IsNoRows reports whether err means a query found no row.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// RoleWarning returns a warning when the connected PostgreSQL role bypasses
// row-level security (superuser or BYPASSRLS), or "" when it does not.
func (d *DB) RoleWarning(ctx context.Context) (string, error) {
	if d.Dialect != Postgres {
		return "", nil
	}
	var name string
	var super, bypass bool
	err := d.DB.QueryRowContext(ctx,
		"SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").Scan(&name, &super, &bypass)
	if err != nil {
		return "", fmt.Errorf("read database role: %w", err)
	}
	if super || bypass {
		return fmt.Sprintf("database role %q is a superuser or has BYPASSRLS: row-level security is NOT enforced; create an application role (see README)", name), nil
	}
	return "", nil
}

// Read runs fn for reads only. On PostgreSQL it is a transaction carrying the
// tenant scope, like RunInTx; on SQLite it runs without a transaction, so it
// never waits for the write lock that another open transaction may hold.
func (d *DB) Read(ctx context.Context, fn func(ctx context.Context, idb bun.IDB) error) error {
	if d.Dialect != Postgres {
		return fn(ctx, d.DB)
	}
	return d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx) })
}
