package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"dangjian/internal/actor"
)

// TypePurgeSignIn is the task that deletes expired sign-in state (refresh
// tokens, sessions, one-time codes).
const TypePurgeSignIn = "maintenance:purge_sign_in"

// Purger deletes sign-in state that expired before now and returns how many
// records it removed. The auth package implements it.
type Purger interface {
	PurgeExpired(ctx context.Context, now time.Time) (int, error)
}

// NewPurgeHandler returns the handler of TypePurgeSignIn. It runs as the
// system (every tenant) and is idempotent: running it twice purges nothing more.
func NewPurgeHandler(p Purger) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		n, err := p.PurgeExpired(actor.System(ctx), time.Now().UTC())
		if err != nil {
			return fmt.Errorf("purge expired sign-in state: %w", err)
		}
		if w := t.ResultWriter(); w != nil {
			_, _ = w.Write([]byte(strconv.Itoa(n)))
		}
		return nil
	})
}

// NewPurgeTask returns a TypePurgeSignIn task.
func NewPurgeTask() *asynq.Task {
	return asynq.NewTask(TypePurgeSignIn, nil, asynq.MaxRetry(3), asynq.Timeout(5*time.Minute))
}

// DefaultSchedules returns the platform's own periodic tasks: the sign-in
// purge at the top of every hour. Several scheduler replicas fire at the same
// minute; the unique lock lets only one of the enqueues through.
func DefaultSchedules() StaticSchedules {
	return StaticSchedules{
		{Cronspec: "0 * * * *", Task: NewPurgeTask(), Opts: []asynq.Option{asynq.Unique(30 * time.Minute)}},
	}
}

func isDuplicate(err error) bool {
	return errors.Is(err, asynq.ErrDuplicateTask) || errors.Is(err, asynq.ErrTaskIDConflict)
}
