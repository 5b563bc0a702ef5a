package queue

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// Worker processes the tasks of a runtime's queue with the handlers
// registered by task type.
type Worker struct {
	srv    *asynq.Server
	mux    *asynq.ServeMux
	logger *slog.Logger
}

// NewWorker returns a worker processing up to concurrency tasks at once
// (concurrency <= 0 means asynq's default, the number of CPUs).
func NewWorker(rt *Runtime, logger *slog.Logger, concurrency int) *Worker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "worker")
	srv := asynq.NewServer(rt.Opt, asynq.Config{
		Concurrency:     concurrency,
		Queues:          map[string]int{rt.Queue: 1},
		Logger:          asynqLogger{logger},
		LogLevel:        asynqLevel(logger),
		ShutdownTimeout: 8 * time.Second,
		// Delayed and retried tasks become due within a second rather than five.
		DelayedTaskCheckInterval: time.Second,
	})
	w := &Worker{srv: srv, mux: asynq.NewServeMux(), logger: logger}
	w.mux.Use(w.logTask)
	return w
}

// Handle registers h for tasks of taskType.
func (w *Worker) Handle(taskType string, h asynq.Handler) {
	w.mux.Handle(taskType, h)
}

// logTask logs the outcome of every task once: failures are returned to
// asynq for retry and logged here, not in the handlers.
func (w *Worker) logTask(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		id, _ := asynq.GetTaskID(ctx)
		retry, _ := asynq.GetRetryCount(ctx)
		err := next.ProcessTask(ctx, t)
		attrs := []any{"task_type", t.Type(), "task_id", id, "retry", retry, "duration", time.Since(start)}
		if err != nil {
			w.logger.ErrorContext(ctx, "task failed", append(attrs, "err", err)...)
			return err
		}
		w.logger.InfoContext(ctx, "task done", attrs...)
		return nil
	})
}

// Start starts processing in the background.
func (w *Worker) Start() error {
	if err := w.srv.Start(w.mux); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	return nil
}

// Run processes tasks until ctx is done, then shuts down gracefully.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	w.Shutdown()
	return nil
}

// Shutdown stops taking new tasks, waits for running ones (up to the
// shutdown timeout; unfinished ones go back to the queue) and disconnects.
func (w *Worker) Shutdown() {
	w.srv.Stop()
	w.srv.Shutdown()
}
