package remind_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/affairs"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/queue"
	"dangjian/internal/queue/queuetest"
	"dangjian/internal/remind"
)

type benchDeployment struct {
	bun.BaseModel `bun:"table:deployments"`
	ID            int64     `bun:"id,pk,autoincrement"`
	TenantID      int64     `bun:"tenant_id"`
	IssuerOrgID   int64     `bun:"issuer_org_id"`
	Title         string    `bun:"title"`
	Deadline      time.Time `bun:"deadline"`
	TargetRootID  int64     `bun:"target_root_id"`
	CreatedAt     time.Time `bun:"created_at"`
}

// tenThousand sets up 100 branches, each with a secretary, and 100
// deployments to all of them: 10,000 instances with one reminder due each.
func tenThousand(b *testing.B, d *db.DB) *world {
	b.Helper()
	w := newWorld(b, d, sh(2026, 11, 23, 12, 0))
	var branches []*org.Organization
	for i := range 100 {
		br := w.fx.MustCreate(b, w.comm, org.Branch, fmt.Sprintf("第%d党支部", i+2))
		w.fx.TownUser(b, authz.OrgSecretary, br)
		branches = append(branches, br)
	}
	due, created := sh(2026, 11, 25, 23, 59).UTC(), sh(2026, 11, 23, 11, 0).UTC()
	err := d.RunInTx(w.sys, func(ctx context.Context, tx bun.Tx) error {
		deps := make([]*benchDeployment, 100)
		for i := range deps {
			deps[i] = &benchDeployment{TenantID: w.fx.A.TenantID, IssuerOrgID: w.fx.A.Root.ID,
				Title: fmt.Sprintf("部署%d", i+1), Deadline: due, TargetRootID: w.comm.ID, CreatedAt: created}
		}
		if _, err := tx.NewInsert().Model(&deps).Returning("id").Exec(ctx); err != nil {
			return err
		}
		for _, dep := range deps {
			insts := make([]*affairs.Instance, 0, len(branches))
			for _, br := range branches {
				insts = append(insts, &affairs.Instance{TenantID: br.TenantID, DeploymentID: &dep.ID, OrgID: br.ID,
					Title: dep.Title, DueAt: due, Status: affairs.Pending, CreatedAt: created, UpdatedAt: created})
			}
			if _, err := tx.NewInsert().Model(&insts).Returning("NULL").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// eachBenchDB runs fn per dialect; fresh opens a new database of it.
func eachBenchDB(b *testing.B, fn func(b *testing.B, fresh func(b *testing.B) *db.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, func(b *testing.B) *db.DB { return dbtest.SQLite(b) }) })
	if dbtest.PostgresURL(b) != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, func(b *testing.B) *db.DB { return dbtest.Postgres(b) }) })
	}
}

// BenchmarkDeliver10kReminders measures 10,000 due reminders from Scan to
// the inbox on one worker: the scan derives the reminders and their inbox
// deliveries, then the worker's tasks run synchronously (sync: DeliverInbox
// per range of remind.InboxBatch deliveries), or one Deliver call per
// delivery (sync-each, the single-delivery path), or one asynq worker of
// concurrency 4 runs them from the queue (worker-embedded, worker-redis).
// Target: ≤ 10 s.
func BenchmarkDeliver10kReminders(b *testing.B) {
	eachBenchDB(b, func(b *testing.B, fresh func(b *testing.B) *db.DB) {
		for _, each := range []bool{false, true} {
			name := "sync"
			if each {
				name = "sync-each"
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					d := fresh(b)
					w := tenThousand(b, d)
					s := w.service(nil, remind.Config{})
					b.StartTimer()
					start := time.Now()
					if n, err := s.Scan(context.Background(), w.clk.Now()); err != nil || n != 10000 {
						b.Fatalf("scan: %d, %v", n, err)
					}
					scanned := time.Since(start)
					if each {
						for _, id := range w.dueDeliveries() {
							if err := s.Deliver(context.Background(), id); err != nil {
								b.Fatal(err)
							}
						}
					} else {
						w.runDue(s)
					}
					b.StopTimer()
					if n := w.count("SELECT count(*) FROM notifications"); n != 10000 {
						b.Fatalf("%d notifications", n)
					}
					b.ReportMetric(scanned.Seconds(), "scan-s")
					b.ReportMetric(time.Since(start).Seconds(), "total-s")
				}
			})
		}
		for _, q := range benchQueues(b) {
			b.Run("worker-"+q.name, func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					d := fresh(b)
					w := tenThousand(b, d)
					rt := q.open(b)
					s := w.service(rt, remind.Config{})
					startWorker(b, rt, s, 4)
					b.StartTimer()
					start := time.Now()
					if n, err := s.Scan(context.Background(), w.clk.Now()); err != nil || n != 10000 {
						b.Fatalf("scan: %d, %v", n, err)
					}
					scanned := time.Since(start)
					deadline := time.Now().Add(2 * time.Minute)
					for w.count("SELECT count(*) FROM notifications") < 10000 {
						if time.Now().After(deadline) {
							b.Fatal("timed out")
						}
						time.Sleep(50 * time.Millisecond)
					}
					b.StopTimer()
					b.ReportMetric(scanned.Seconds(), "scan+enqueue-s")
					b.ReportMetric(time.Since(start).Seconds(), "total-s")
				}
			})
		}
	})
}

type benchQueue struct {
	name string
	open func(b *testing.B) *queue.Runtime
}

// benchQueues are the embedded queue and, when configured, a real Redis.
func benchQueues(b *testing.B) []benchQueue {
	qs := []benchQueue{{"embedded", func(b *testing.B) *queue.Runtime { return queuetest.Embedded(b) }}}
	if queuetest.RedisURL(b) != "" {
		qs = append(qs, benchQueue{"redis", func(b *testing.B) *queue.Runtime { return queuetest.Redis(b) }})
	}
	return qs
}
