package report

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TypeGenerate is the scheduled task that writes the summaries of the
// periods that just ended (no payload).
const TypeGenerate = "report:generate"

// GenerateCronspec runs TypeGenerate hourly at a quarter past: a period ends
// at midnight in each town's zone, and the run after it writes the summary;
// the other runs find everything written and do nothing.
const GenerateCronspec = "15 * * * *"

// NewGenerateTask returns a TypeGenerate task.
func NewGenerateTask() *asynq.Task {
	return asynq.NewTask(TypeGenerate, nil, asynq.MaxRetry(3), asynq.Timeout(30*time.Minute))
}

// Handlers returns the task handlers for the worker, by task type.
func (s *Service) Handlers() map[string]asynq.Handler {
	return map[string]asynq.Handler{
		TypeGenerate: asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
			if _, err := s.GenerateDue(ctx, s.clock.Now()); err != nil {
				return fmt.Errorf("generate summaries: %w", err)
			}
			return nil
		}),
	}
}

// Schedules returns the module's periodic tasks. Several scheduler replicas
// firing together enqueue it once, and a second run would write nothing.
func Schedules() []*asynq.PeriodicTaskConfig {
	return []*asynq.PeriodicTaskConfig{
		{Cronspec: GenerateCronspec, Task: NewGenerateTask(), Opts: []asynq.Option{asynq.Unique(30 * time.Minute)}},
	}
}
