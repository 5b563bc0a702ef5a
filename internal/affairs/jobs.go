package affairs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"dangjian/internal/actor"
)

// TypeGenerate is the scheduled task that generates the current periods'
// instances of every town and marks overdue ones (no payload).
const TypeGenerate = "affairs:generate"

// GenerateCronspec runs TypeGenerate hourly, five minutes past the hour: both
// steps are idempotent and cheap when nothing changed, and an hourly run
// starts a new period within the hour in every town's time zone, not only in
// the scheduler's.
const GenerateCronspec = "5 * * * *"

// NewGenerateTask returns a TypeGenerate task.
func NewGenerateTask() *asynq.Task {
	return asynq.NewTask(TypeGenerate, nil, asynq.MaxRetry(3), asynq.Timeout(10*time.Minute))
}

// Schedules are the module's periodic tasks, for the scheduler's config
// provider. Several scheduler replicas firing together enqueue it once.
func Schedules() []*asynq.PeriodicTaskConfig {
	return []*asynq.PeriodicTaskConfig{
		{Cronspec: GenerateCronspec, Task: NewGenerateTask(), Opts: []asynq.Option{asynq.Unique(30 * time.Minute)}},
	}
}

// RunDaily generates the current instances of every town (GenerateAll) and
// marks the open ones past due as overdue (MarkOverdue), as the system, at the
// service clock's now. Run it at start and on schedule; it is idempotent.
func (s *Service) RunDaily(ctx context.Context) error {
	ctx = actor.System(ctx)
	now := s.clock.Now()
	_, genErr := s.GenerateAll(ctx, now)
	if genErr != nil {
		genErr = fmt.Errorf("generate task instances: %w", genErr)
	}
	_, markErr := s.MarkOverdue(ctx, now)
	if markErr != nil {
		markErr = fmt.Errorf("mark overdue task instances: %w", markErr)
	}
	return errors.Join(genErr, markErr)
}

// GenerateHandler is the worker's handler of TypeGenerate.
func (s *Service) GenerateHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error { return s.RunDaily(ctx) })
}

// TypeGenerateOrg generates the current instances of one newly created
// organisation (payload: the org id in decimal).
const TypeGenerateOrg = "affairs:generate_org"

// NewGenerateOrgTask returns a TypeGenerateOrg task for orgID.
func NewGenerateOrgTask(orgID int64) *asynq.Task {
	return asynq.NewTask(TypeGenerateOrg, []byte(strconv.FormatInt(orgID, 10)), asynq.MaxRetry(5), asynq.Timeout(time.Minute))
}

// GenerateOrgHandler is the worker's handler of TypeGenerateOrg.
func (s *Service) GenerateOrgHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		id, err := strconv.ParseInt(string(t.Payload()), 10, 64)
		if err != nil {
			return fmt.Errorf("bad %s payload %q: %w", TypeGenerateOrg, t.Payload(), asynq.SkipRetry)
		}
		_, err = s.GenerateForOrg(actor.System(ctx), id)
		return err
	})
}
