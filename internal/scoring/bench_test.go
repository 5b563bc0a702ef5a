package scoring

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/demo"
)

// cmpBenchSize is one district size of the benchmarks.
type cmpBenchSize struct {
	name                 string
	towns, orgs, members int
	full                 bool
}

// The target size is 30 towns / 3,000 orgs / 60,000 members; it and
// the 10-town size run only with DJ_BENCH_FULL=1, the small one always.
var cmpBenchSizes = []cmpBenchSize{
	{"towns=3", 3, 50, 300, false},
	{"towns=10", 10, 100, 2000, true},
	{"towns=30", 30, 100, 2000, true},
}

const cmpBenchYear = 2025

// cmpBenchDistrict loads a scale district with a published default scheme on PostgreSQL.
// It loads on parent, so the data outlives the sub-benchmark's calibration runs.
func cmpBenchDistrict(b, parent *testing.B, size cmpBenchSize) (*Service, *demo.ScaleResult, int64) {
	b.Helper()
	if os.Getenv("DJ_TEST_DATABASE_URL") == "" {
		b.Skip("DJ_TEST_DATABASE_URL not set: the scoring benchmarks run on PostgreSQL")
	}
	if size.full && os.Getenv("DJ_BENCH_FULL") != "1" {
		b.Skip("full size: set DJ_BENCH_FULL=1")
	}
	d := dbtest.Postgres(parent)
	ctx := actor.System(context.Background())
	start := time.Now()
	res, err := demo.LoadScale(ctx, d, demo.ScaleOptions{Towns: size.towns, OrgsPerTown: size.orgs,
		MembersPerTown: size.members, Year: cmpBenchYear, Seed: 1})
	if err != nil {
		b.Fatalf("load scale data: %v", err)
	}
	b.Logf("%s: loaded %d orgs, %d persons, %d instances, %d records in %s", size.name, res.Orgs, res.Persons,
		res.Instances, res.Records, time.Since(start).Round(time.Millisecond))
	svc := NewService(d, authz.New(d), clock.NewFake(time.Date(cmpBenchYear+1, 1, 10, 9, 0, 0, 0, time.UTC)), nil)
	scheme, err := svc.CreateScheme(ctx, SchemeInput{DistrictID: res.DistrictID, Year: cmpBenchYear, Name: "基准测试方案"})
	if err != nil {
		b.Fatalf("create scheme: %v", err)
	}
	if _, err := svc.PublishScheme(ctx, scheme.ID); err != nil {
		b.Fatalf("publish scheme: %v", err)
	}
	return svc, res, scheme.ID
}

// cmpRecomputeAll calls the calculator's RecomputeAll, whatever it returns
// besides the error; ok is false while it does not exist yet.
func cmpRecomputeAll(ctx context.Context, svc *Service, period string) (ok bool, err error) {
	switch r := any(svc).(type) {
	case interface {
		RecomputeAll(context.Context, string) error
	}:
		return true, r.RecomputeAll(ctx, period)
	case interface {
		RecomputeAll(context.Context, string) (int, error)
	}:
		_, err := r.RecomputeAll(ctx, period)
		return true, err
	}
	return false, nil
}

// BenchmarkRecomputeAll recomputes every organisation of the district for the
// year (a year of records) at growing sizes, to show the cost grows linearly.
func BenchmarkRecomputeAll(b *testing.B) {
	for _, size := range cmpBenchSizes {
		var svc *Service
		var res *demo.ScaleResult
		parent := b
		b.Run(size.name, func(b *testing.B) {
			if svc == nil {
				svc, res, _ = cmpBenchDistrict(b, parent, size)
			}
			ctx := actor.System(context.Background())
			period := strconv.Itoa(cmpBenchYear)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ok, err := cmpRecomputeAll(ctx, svc, period)
				if !ok {
					b.Skip("RecomputeAll is not there yet")
				}
				if err != nil {
					b.Fatalf("RecomputeAll: %v", err)
				}
			}
			b.ReportMetric(float64(res.Orgs), "orgs")
		})
	}
}

// BenchmarkDistrictComparison measures districtComparison as the district's
// viewer, over snapshots of every organisation for the quarter and the one
// before, and reports the 95th percentile (target ≤ 50 ms at 30 towns).
func BenchmarkDistrictComparison(b *testing.B) {
	for _, size := range cmpBenchSizes {
		var svc *Service
		var res *demo.ScaleResult
		var viewer context.Context
		parent := b
		b.Run(size.name, func(b *testing.B) {
			if svc == nil {
				var scheme int64
				svc, res, scheme = cmpBenchDistrict(b, parent, size)
				cmpBenchSnapshots(b, svc.db, res.DistrictID, scheme, []string{"2025-Q2", "2025-Q3", "2025-Q4"})
				viewer = cmpBenchViewer(b, svc.db, res.DistrictID)
			}
			durations := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				c, err := svc.CompareDistrict(viewer, ComparisonQuery{DistrictID: res.DistrictID, Period: "2025-Q4", TrendPeriods: 3})
				durations = append(durations, time.Since(start))
				if err != nil {
					b.Fatalf("comparison: %v", err)
				}
				if len(c.Rows) != size.towns || c.Rows[0].Rank != 1 || len(c.Rows[0].Values) == 0 {
					b.Fatalf("comparison rows %d", len(c.Rows))
				}
			}
			b.StopTimer()
			sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
			p95 := durations[(len(durations)*95+99)/100-1]
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
		})
	}
}

// cmpBenchSnapshots stores a synthetic snapshot with one item per indicator for
// every organisation of the district and each period, in bulk.
func cmpBenchSnapshots(b *testing.B, d *db.DB, districtID, scheme int64, periods []string) {
	b.Helper()
	err := d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
		for i, p := range periods {
			if _, err := tx.ExecContext(ctx, `INSERT INTO score_snapshots
				(tenant_id, org_id, period, scheme_id, own_score, total, stars, color, member_count, computed_at)
				SELECT tenant_id, id, ?, ?, 50 + (id * 7 + ?) % 50, 50 + (id * 7 + ?) % 50, 3, 'AMBER', 10, now()
				FROM organizations WHERE tenant_id IN (SELECT id FROM tenants WHERE district_id = ?)`,
				p, scheme, i*3, i*3, districtID); err != nil {
				return fmt.Errorf("insert snapshots: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO score_items
			(tenant_id, snapshot_id, indicator_id, name, weight, value, points, explanation)
			SELECT s.tenant_id, s.id, i.id, i.name, i.weight, 0.8, i.weight * 0.8, '按比例计分'
			FROM score_snapshots AS s JOIN scoring_indicators AS i ON i.scheme_id = s.scheme_id
			WHERE s.scheme_id = ?`, scheme)
		if err != nil {
			return fmt.Errorf("insert score items: %w", err)
		}
		_, err = tx.ExecContext(ctx, "ANALYZE")
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// cmpBenchViewer adds a district viewer and returns a context acting as it.
func cmpBenchViewer(b *testing.B, d *db.DB, districtID int64) context.Context {
	b.Helper()
	var userID int64
	err := d.RunInTx(actor.System(context.Background()), func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("INSERT INTO users (district_id, username, password_hash) VALUES (?, 'bench.viewer', 'x') RETURNING id",
			districtID).Scan(ctx, &userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO role_assignments (district_id, user_id, role, scope_key) VALUES (?, ?, ?, ?)",
			districtID, userID, string(authz.DistrictViewer), fmt.Sprintf("district:%d", districtID)); err != nil {
			return err
		}
		return authz.BumpVersion(ctx, tx)
	})
	if err != nil {
		b.Fatal(err)
	}
	return actor.With(context.Background(), actor.Actor{UserID: userID, Username: "bench.viewer", DistrictID: districtID})
}
