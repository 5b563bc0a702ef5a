package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"dangjian/migrations"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	Up      string
	Down    string
	// AppliedAt is set when the migration has been applied.
	AppliedAt *time.Time
}

// migrationLockKey is the PostgreSQL advisory lock that serialises migration runs.
const migrationLockKey = 727_001

// LoadMigrations reads the embedded migrations of dialect, in version order.
func LoadMigrations(dialect Dialect) ([]Migration, error) {
	dir := string(dialect)
	entries, err := fs.ReadDir(migrations.FS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		name := e.Name()
		var kind string
		switch {
		case strings.HasSuffix(name, ".up.sql"):
			kind = "up"
		case strings.HasSuffix(name, ".down.sql"):
			kind = "down"
		default:
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(name, ".sql"), "."+kind)
		num, label, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: want NNNN_name.%s.sql", name, kind)
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: bad version: %w", name, err)
		}
		body, err := fs.ReadFile(migrations.FS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Version: v, Name: label}
			byVersion[v] = m
		}
		if kind == "up" {
			m.Up = string(body)
		} else {
			m.Down = string(body)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.Up == "" {
			return nil, fmt.Errorf("migration %04d_%s has no up file", m.Version, m.Name)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// withMigrationConn runs fn on one dedicated connection holding the migration
// lock: a PostgreSQL advisory lock, or SQLite's own write lock per step.
func (d *DB) withMigrationConn(ctx context.Context, fn func(conn *sql.Conn) error) error {
	conn, err := d.DB.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migration connection: %w", err)
	}
	defer conn.Close()
	if d.Dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey) //nolint:errcheck
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return fn(conn)
}

func applied(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (map[int]time.Time, error) {
	rows, err := q.QueryContext(ctx, "SELECT version, applied_at FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, err
		}
		out[v] = at
	}
	return out, rows.Err()
}

func (d *DB) placeholder(n int) string {
	if d.Dialect == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// MigrateUp applies every pending migration and returns the ones it applied.
// Concurrent runs (several replicas starting at once) are serialised.
func (d *DB) MigrateUp(ctx context.Context) ([]Migration, error) {
	all, err := LoadMigrations(d.Dialect)
	if err != nil {
		return nil, err
	}
	var done []Migration
	err = d.withMigrationConn(ctx, func(conn *sql.Conn) error {
		for _, m := range all {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			have, err := applied(ctx, tx)
			if err != nil {
				tx.Rollback()
				return err
			}
			if _, ok := have[m.Version]; ok {
				tx.Rollback()
				continue
			}
			if _, err := tx.ExecContext(ctx, m.Up); err != nil {
				tx.Rollback()
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.ExecContext(ctx,
				fmt.Sprintf("INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
					d.placeholder(1), d.placeholder(2), d.placeholder(3)),
				m.Version, m.Name, time.Now().UTC()); err != nil {
				tx.Rollback()
				return fmt.Errorf("record migration %04d: %w", m.Version, err)
			}
			if err := tx.Commit(); err != nil {
				return fmt.Errorf("commit migration %04d: %w", m.Version, err)
			}
			done = append(done, m)
		}
		return nil
	})
	return done, err
}

// MigrateDown rolls back the most recently applied migration and returns it,
// or nil when nothing is applied.
func (d *DB) MigrateDown(ctx context.Context) (*Migration, error) {
	all, err := LoadMigrations(d.Dialect)
	if err != nil {
		return nil, err
	}
	var rolled *Migration
	err = d.withMigrationConn(ctx, func(conn *sql.Conn) error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		have, err := applied(ctx, tx)
		if err != nil {
			return err
		}
		for i := len(all) - 1; i >= 0; i-- {
			m := all[i]
			if _, ok := have[m.Version]; !ok {
				continue
			}
			if m.Down == "" {
				return fmt.Errorf("migration %04d_%s cannot be rolled back (no down file)", m.Version, m.Name)
			}
			if _, err := tx.ExecContext(ctx, m.Down); err != nil {
				return fmt.Errorf("roll back %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM schema_migrations WHERE version = "+d.placeholder(1), m.Version); err != nil {
				return err
			}
			rolled = &m
			break
		}
		return tx.Commit()
	})
	return rolled, err
}

// MigrationStatus lists every known migration with its applied time, if any.
func (d *DB) MigrationStatus(ctx context.Context) ([]Migration, error) {
	all, err := LoadMigrations(d.Dialect)
	if err != nil {
		return nil, err
	}
	err = d.withMigrationConn(ctx, func(conn *sql.Conn) error {
		have, err := applied(ctx, conn)
		if err != nil {
			return err
		}
		for i := range all {
			if at, ok := have[all[i].Version]; ok {
				at := at
				all[i].AppliedAt = &at
			}
		}
		return nil
	})
	return all, err
}
