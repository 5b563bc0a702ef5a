package queue

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// StaticSchedules is a fixed list of periodic tasks defined in code.
type StaticSchedules []*asynq.PeriodicTaskConfig

var _ asynq.PeriodicTaskConfigProvider = StaticSchedules(nil)

// GetConfigs implements asynq.PeriodicTaskConfigProvider.
func (s StaticSchedules) GetConfigs() ([]*asynq.PeriodicTaskConfig, error) { return s, nil }

// Scheduler enqueues periodic tasks. Its schedules come from a provider that
// it re-reads every sync interval, so they may come from code
// (StaticSchedules) or from the database.
type Scheduler struct {
	mgr *asynq.PeriodicTaskManager
}

// SchedulerOptions tune a Scheduler; the zero value is fine.
type SchedulerOptions struct {
	// SyncInterval is how often the provider is re-read (default 1 minute).
	SyncInterval time.Duration
	// Location is the time zone of cron specs (default Asia/Shanghai, the
	// default tenant time zone; UTC when the zone database is missing).
	Location *time.Location
}

// NewScheduler returns a scheduler enqueueing the provider's tasks to the
// runtime's queue.
func NewScheduler(rt *Runtime, logger *slog.Logger, provider asynq.PeriodicTaskConfigProvider, opts SchedulerOptions) (*Scheduler, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "scheduler")
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = time.Minute
	}
	if opts.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.UTC
		}
		opts.Location = loc
	}
	mgr, err := asynq.NewPeriodicTaskManager(asynq.PeriodicTaskManagerOpts{
		PeriodicTaskConfigProvider: queueProvider{queue: rt.Queue, p: provider},
		RedisConnOpt:               rt.Opt,
		SyncInterval:               opts.SyncInterval,
		SchedulerOpts: &asynq.SchedulerOpts{
			Logger:   asynqLogger{logger},
			LogLevel: asynqLevel(logger),
			Location: opts.Location,
			PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
				switch {
				case err == nil:
					logger.Debug("periodic task enqueued", "task_type", info.Type, "task_id", info.ID)
				case isDuplicate(err):
					// Another scheduler replica enqueued it first.
				default:
					logger.Error("enqueue periodic task", "err", err)
				}
			},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	return &Scheduler{mgr: mgr}, nil
}

// Start reads the schedules and starts enqueueing in the background.
func (s *Scheduler) Start() error {
	if err := s.mgr.Start(); err != nil {
		return fmt.Errorf("start scheduler: %w", err)
	}
	return nil
}

// Run schedules until ctx is done, then shuts down.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	s.Shutdown()
	return nil
}

// Shutdown stops scheduling.
func (s *Scheduler) Shutdown() { s.mgr.Shutdown() }

// queueProvider puts every periodic task on the runtime's queue unless its
// config names a queue itself (later options win in asynq).
type queueProvider struct {
	queue string
	p     asynq.PeriodicTaskConfigProvider
}

func (q queueProvider) GetConfigs() ([]*asynq.PeriodicTaskConfig, error) {
	cfgs, err := q.p.GetConfigs()
	if err != nil {
		return nil, fmt.Errorf("read schedules: %w", err)
	}
	out := make([]*asynq.PeriodicTaskConfig, 0, len(cfgs))
	for _, c := range cfgs {
		if c == nil {
			continue
		}
		opts := append([]asynq.Option{asynq.Queue(q.queue)}, c.Opts...)
		out = append(out, &asynq.PeriodicTaskConfig{Cronspec: c.Cronspec, Task: c.Task, Opts: opts})
	}
	return out, nil
}
