package remind_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/queue"
	"dangjian/internal/queue/queuetest"
	"dangjian/internal/remind"
)

// eachQueue runs fn for the embedded queue and, when DJ_TEST_REDIS_URL is
// set, a real Redis; fresh gives another runtime of the same kind (a
// restarted worker's new queue).
func eachQueue(t *testing.T, fn func(t *testing.T, fresh func() *queue.Runtime)) {
	t.Run("embedded", func(t *testing.T) { fn(t, func() *queue.Runtime { return queuetest.Embedded(t) }) })
	if queuetest.RedisURL(t) != "" {
		t.Run("redis", func(t *testing.T) { fn(t, func() *queue.Runtime { return queuetest.Redis(t) }) })
	}
}

// eachDBAndQueue runs fn for every database × queue, each with a fresh database.
func eachDBAndQueue(t *testing.T, fn func(t *testing.T, d *db.DB, fresh func() *queue.Runtime)) {
	t.Run("sqlite", func(t *testing.T) {
		eachQueue(t, func(t *testing.T, fresh func() *queue.Runtime) { fn(t, dbtest.SQLite(t), fresh) })
	})
	if dbtest.PostgresURL(t) != "" {
		t.Run("postgres", func(t *testing.T) {
			eachQueue(t, func(t *testing.T, fresh func() *queue.Runtime) { fn(t, dbtest.Postgres(t), fresh) })
		})
	}
}

// startWorker runs s's handlers on rt until the test ends.
func startWorker(t testing.TB, rt *queue.Runtime, s *remind.Service, concurrency int) *queue.Worker {
	t.Helper()
	wk := queue.NewWorker(rt, queuetest.Logger(t), concurrency)
	for typ, h := range s.Handlers() {
		wk.Handle(typ, h)
	}
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wk.Shutdown)
	return wk
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func queued(t *testing.T, rt *queue.Runtime) int {
	t.Helper()
	info, err := rt.Inspector.GetQueueInfo(rt.Queue)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return 0
		}
		t.Fatal(err)
	}
	return info.Pending + info.Active + info.Scheduled + info.Retry
}

// tenDeployments gives the branch ten deployments due on 11-25, issued on
// 11-23: at 11-23 12:00 each has one due reminder (3 days before) per
// responsible person.
func tenDeployments(w *world) {
	for i := range 10 {
		w.deployment(w.branch, fmt.Sprintf("部署%d", i+1), sh(2026, 11, 25, 23, 59), sh(2026, 11, 23, 9, 0))
	}
}

// TestWorkerKilledMidBatch: a worker delivers half of a batch and dies
// before acknowledging; the queue is lost. A scan (reconcile) and a new
// worker deliver the rest; the old tasks, run again, send nothing twice.
func TestWorkerKilledMidBatch(t *testing.T) {
	eachDBAndQueue(t, func(t *testing.T, d *db.DB, fresh func() *queue.Runtime) {
		{
			w := newWorld(t, d, sh(2026, 11, 23, 12, 0))
			tenDeployments(w)
			hook := newHookServer(t)
			w.webhook(nil, hook.URL, remind.FormatGeneric, "")

			rt1 := fresh()
			s1 := w.service(rt1, remind.Config{})
			if n, err := s1.Scan(context.Background(), w.clk.Now()); err != nil || n != 20 {
				t.Fatalf("scan: %d reminders, %v; want 20", n, err)
			}
			// A task per webhook delivery, one for the inbox range.
			due := w.dueDeliveries()
			if len(due) != 40 || w.dueTasks() != 21 || queued(t, rt1) != 21 {
				t.Fatalf("%d due deliveries, %d queued (%d expected); want 40 and 21", len(due), queued(t, rt1), w.dueTasks())
			}
			// The worker handles the first half, then dies before acknowledging any.
			for _, id := range due[:20] {
				if err := s1.Deliver(context.Background(), id); err != nil {
					t.Fatal(err)
				}
			}
			// The queue is gone; a new one, a reconcile scan and a new worker.
			rt2 := fresh()
			s2 := w.service(rt2, remind.Config{})
			if _, err := s2.Scan(context.Background(), w.clk.Now()); err != nil {
				t.Fatal(err)
			}
			if n := queued(t, rt2); n != 11 || w.count("SELECT count(*) FROM reminder_deliveries WHERE status = 'PENDING'") != 20 {
				t.Fatalf("reconcile enqueued %d, want 11 for the 20 undelivered (10 webhook, 10 inbox)", n)
			}
			startWorker(t, rt2, s2, 4)
			waitFor(t, "every delivery sent", func() bool {
				return w.count("SELECT count(*) FROM reminder_deliveries WHERE status <> 'SENT'") == 0
			})
			// The dead worker's tasks come back (asynq recovers them) and run again.
			startWorker(t, rt1, s1, 4)
			waitFor(t, "the old queue drained", func() bool { return queued(t, rt1) == 0 })

			if n := w.count("SELECT count(*) FROM notifications"); n != 20 {
				t.Errorf("%d notifications, want 20", n)
			}
			if n := w.count("SELECT count(DISTINCT reminder_id) FROM notifications"); n != 20 {
				t.Errorf("%d reminders in the inbox, want 20", n)
			}
			if n := hook.hits.Load(); n != 20 {
				t.Errorf("%d webhook calls, want 20", n)
			}
			if n := w.count("SELECT count(*) FROM reminder_deliveries WHERE attempts <> 1"); n != 0 {
				t.Errorf("%d deliveries attempted more than once", n)
			}
		}
	})
}

// TestRedisDown: reminders falling due while Redis is down are written and
// stay PENDING (the scan reports the enqueue error); the API keeps serving;
// when Redis is back the next scan enqueues them and they are delivered.
func TestRedisDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Run("embedded restarted", func(t *testing.T) {
			m := miniredis.NewMiniRedis()
			if err := m.Start(); err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			rt, err := queue.Open(context.Background(), "redis://"+m.Addr(), queuetest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			redisDown(t, dbOf(t, d), rt, rt, func() { m.Close() }, func() {
				if err := m.Restart(); err != nil {
					t.Fatal(err)
				}
			})
		})
		if queuetest.RedisURL(t) != "" {
			t.Run("redis", func(t *testing.T) {
				down, err := queue.Open(context.Background(), queuetest.RedisURL(t), queuetest.Logger(t))
				if err != nil {
					t.Fatal(err)
				}
				down.Queue = queuetest.QueueName()
				redisDown(t, dbOf(t, d), down, queuetest.Redis(t), func() { _ = down.Close() }, func() {})
			})
		}
	})
}

// dbOf returns a fresh database of the dialect of d.
func dbOf(t *testing.T, d *db.DB) *db.DB {
	if d.Dialect == db.Postgres {
		return dbtest.Postgres(t)
	}
	return dbtest.SQLite(t)
}

func redisDown(t *testing.T, d *db.DB, down, up *queue.Runtime, stop, restart func()) {
	w := newWorld(t, d, sh(2026, 11, 23, 12, 0))
	tenDeployments(w)
	stop()
	s := w.service(down, remind.Config{})
	n, err := s.Scan(context.Background(), w.clk.Now())
	if err == nil || !strings.Contains(err.Error(), "enqueue") {
		t.Fatalf("scan with Redis down: %v, want an enqueue error", err)
	}
	if n != 20 || w.count("SELECT count(*) FROM reminder_deliveries WHERE status = 'PENDING'") != 20 {
		t.Fatalf("with Redis down: %d reminders created, want 20 with 20 pending deliveries", n)
	}
	// The API keeps serving.
	if c, err := s.UnreadCount(w.sec); err != nil || c != 0 {
		t.Fatalf("unread count with Redis down: %d, %v", c, err)
	}
	// Later, still down: nothing lost, nothing doubled.
	w.clk.Advance(time.Hour)
	if _, err := s.Scan(context.Background(), w.clk.Now()); err == nil {
		t.Fatal("scan with Redis down: no error")
	}
	restart()
	s = w.service(up, remind.Config{})
	startWorker(t, up, s, 4)
	// The Redis client may take a second to notice (go-redis backs off
	// dialling after repeated failures): scans go on every minute until one
	// gets through.
	var lastErr error
	waitFor(t, "a scan to get through after Redis is back", func() bool {
		w.clk.Advance(time.Minute)
		_, lastErr = s.Scan(context.Background(), w.clk.Now())
		if lastErr != nil {
			time.Sleep(200 * time.Millisecond)
		}
		return lastErr == nil
	})
	waitFor(t, "the reminders delivered", func() bool {
		return w.count("SELECT count(*) FROM notifications") == 20
	})
	if c, err := s.UnreadCount(w.sec); err != nil || c != 10 {
		t.Errorf("unread count after Redis is back: %d, %v; want 10", c, err)
	}
	if n := w.count("SELECT count(*) FROM reminders"); n != 20 {
		t.Errorf("%d reminders, want 20", n)
	}
}

// TestTwoSchedulers: two schedulers scanning at once, repeatedly, through
// three weeks create each reminder, delivery and queued task once.
func TestTwoSchedulers(t *testing.T) {
	eachDBAndQueue(t, func(t *testing.T, d *db.DB, fresh func() *queue.Runtime) {
		{
			w := newWorld(t, d, sh(2026, 11, 20, 0, 0))
			for i := range 10 {
				w.deployment(w.branch, fmt.Sprintf("部署%d", i+1), sh(2026, 11, 22+i, 23, 59), sh(2026, 11, 15, 0, 0))
			}
			hook := newHookServer(t)
			w.webhook(nil, hook.URL, remind.FormatGeneric, "")
			rt := fresh()
			var times []time.Time
			for now := sh(2026, 11, 20, 0, 0); now.Before(sh(2026, 12, 10, 0, 0)); now = now.Add(6 * time.Hour) {
				times = append(times, now)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 2*len(times))
			for range 2 {
				s := w.service(rt, remind.Config{})
				wg.Add(1)
				go func() {
					defer wg.Done()
					for _, now := range times {
						if _, err := s.Scan(context.Background(), now); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}

			// The oracle: the policy evaluated at every step, for each recipient.
			want := 0
			for i := range 10 {
				keys := map[string]bool{}
				for _, now := range times {
					for _, o := range remind.DeploymentPolicy().Due(sh(2026, 11, 22+i, 23, 59), sh(2026, 11, 15, 0, 0), now, shanghai) {
						keys[fmt.Sprintf("%s/%d", o.Kind, o.Offset)] = true
					}
				}
				for k := range keys {
					if strings.HasPrefix(k, "ESCALATION") {
						want += 4 // the two responsible, the community secretary, the town office
					} else {
						want += 2
					}
				}
			}
			if n := w.count("SELECT count(*) FROM reminders"); n != want {
				t.Errorf("%d reminders, want %d", n, want)
			}
			if n := w.count("SELECT count(*) FROM reminder_deliveries"); n != 2*want {
				t.Errorf("%d deliveries, want %d (inbox and webhook each)", n, 2*want)
			}
			ranges := w.count("SELECT count(DISTINCT id / ?) FROM reminder_deliveries WHERE channel = 'INBOX'", remind.InboxBatch)
			if n := queued(t, rt); n != want+ranges {
				t.Errorf("%d queued tasks, want %d: one per webhook delivery, one per inbox range", n, want+ranges)
			}
			// Scanning again adds nothing.
			s := w.service(rt, remind.Config{})
			if n, err := s.Scan(context.Background(), times[len(times)-1]); err != nil || n != 0 {
				t.Errorf("rescan created %d, %v", n, err)
			}
		}
	})
}
