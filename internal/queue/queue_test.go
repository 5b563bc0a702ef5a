package queue_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"dangjian/internal/actor"
	"dangjian/internal/queue"
	"dangjian/internal/queue/queuetest"
)

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startWorker(t *testing.T, rt *queue.Runtime, register func(w *queue.Worker)) {
	t.Helper()
	w := queue.NewWorker(rt, queuetest.Logger(t), 2)
	register(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
}

func TestTaskID(t *testing.T) {
	got := queue.TaskID("remind", "tenant-3", "2026-11")
	if got != "remind:tenant-3:2026-11" {
		t.Fatalf("TaskID = %q", got)
	}
	if queue.TaskID("remind", "tenant-3", "2026-11") != got {
		t.Fatal("TaskID is not stable")
	}
}

func TestWorkerProcessesTask(t *testing.T) {
	queuetest.Each(t, func(t *testing.T, rt *queue.Runtime) {
		got := make(chan string, 1)
		startWorker(t, rt, func(w *queue.Worker) {
			w.Handle("test:echo", asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
				got <- string(task.Payload())
				return nil
			}))
		})
		ok, err := rt.Enqueue(context.Background(), asynq.NewTask("test:echo", []byte("你好")), queue.TaskID("echo", "1"))
		if err != nil || !ok {
			t.Fatalf("Enqueue = %v, %v", ok, err)
		}
		select {
		case p := <-got:
			if p != "你好" {
				t.Fatalf("payload = %q", p)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("task was not processed")
		}
	})
}

func TestEnqueueSameIDProcessedOnce(t *testing.T) {
	queuetest.Each(t, func(t *testing.T, rt *queue.Runtime) {
		ctx := context.Background()
		id := queue.TaskID("reminder", "tenant-1", "2026-11")
		task := asynq.NewTask("test:count", []byte("x"))
		first, err := rt.Enqueue(ctx, task, id)
		if err != nil || !first {
			t.Fatalf("first Enqueue = %v, %v", first, err)
		}
		second, err := rt.Enqueue(ctx, task, id)
		if err != nil {
			t.Fatalf("second Enqueue must be idempotent, got %v", err)
		}
		if second {
			t.Fatal("second Enqueue reported a new task")
		}

		var n atomic.Int32
		startWorker(t, rt, func(w *queue.Worker) {
			w.Handle("test:count", asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
				n.Add(1)
				return nil
			}))
		})
		waitFor(t, 10*time.Second, "the task to run", func() bool { return n.Load() >= 1 })
		time.Sleep(500 * time.Millisecond) // a second copy would run by now
		if got := n.Load(); got != 1 {
			t.Fatalf("task ran %d times, want 1", got)
		}
	})
}

type fakePurger struct {
	mu     sync.Mutex
	calls  int
	system bool
}

func (p *fakePurger) PurgeExpired(ctx context.Context, now time.Time) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	p.system = actor.IsSystem(ctx)
	return 3, nil
}

func (p *fakePurger) state() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls, p.system
}

func TestSchedulerEnqueuesPurge(t *testing.T) {
	queuetest.Each(t, func(t *testing.T, rt *queue.Runtime) {
		p := &fakePurger{}
		startWorker(t, rt, func(w *queue.Worker) { w.Handle(queue.TypePurgeSignIn, queue.NewPurgeHandler(p)) })
		s, err := queue.NewScheduler(rt, queuetest.Logger(t), queue.StaticSchedules{
			{Cronspec: "@every 1s", Task: queue.NewPurgeTask()},
		}, queue.SchedulerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
		waitFor(t, 10*time.Second, "the scheduled purge to run", func() bool { n, _ := p.state(); return n >= 1 })
		if _, system := p.state(); !system {
			t.Fatal("purge did not run in a system context")
		}
	})
}

func TestDefaultSchedulesPurgeHourly(t *testing.T) {
	var found bool
	cfgs, _ := queue.DefaultSchedules().GetConfigs()
	for _, c := range cfgs {
		if c.Task.Type() == queue.TypePurgeSignIn {
			found = true
			if c.Cronspec != "0 * * * *" {
				t.Fatalf("purge cron = %q, want hourly", c.Cronspec)
			}
		}
	}
	if !found {
		t.Fatal("DefaultSchedules has no purge task")
	}
}

func TestUniqueLockExpires(t *testing.T) {
	queuetest.Each(t, func(t *testing.T, rt *queue.Runtime) {
		ctx := context.Background()
		task := asynq.NewTask("test:unique", []byte("p"))
		if _, err := rt.Client.EnqueueContext(ctx, task, asynq.Queue(rt.Queue), asynq.Unique(time.Second)); err != nil {
			t.Fatal(err)
		}
		_, err := rt.Client.EnqueueContext(ctx, task, asynq.Queue(rt.Queue), asynq.Unique(time.Second))
		if !errors.Is(err, asynq.ErrDuplicateTask) {
			t.Fatalf("second enqueue under the lock: err = %v, want ErrDuplicateTask", err)
		}
		// Enqueue treats the held lock as success without adding a task.
		if ok, err := rt.Enqueue(ctx, task, "", asynq.Unique(time.Second)); err != nil || ok {
			t.Fatalf("Enqueue under the lock = %v, %v; want false, nil", ok, err)
		}
		// The lock expires after a second of wall time, on the embedded server too.
		waitFor(t, 5*time.Second, "the unique lock to expire", func() bool {
			_, err := rt.Client.EnqueueContext(ctx, task, asynq.Queue(rt.Queue), asynq.Unique(time.Second))
			return err == nil
		})
	})
}

func TestPingAndClose(t *testing.T) {
	queuetest.Each(t, func(t *testing.T, rt *queue.Runtime) {
		if err := rt.Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
	rt := queuetest.Embedded(t)
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rt.Ping(context.Background()); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
}

func TestOpenBadURL(t *testing.T) {
	_, err := queue.Open(context.Background(), "http://secret@localhost", nil)
	if err == nil {
		t.Fatal("Open accepted an http URL")
	}
}
