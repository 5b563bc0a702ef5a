package remind

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"dangjian/internal/queue"
)

// Task types.
const (
	// TypeScan derives due reminders and (re-)enqueues due deliveries; every minute.
	TypeScan = "remind:scan"
	// TypeDeliver sends one delivery (e-mail, webhook).
	TypeDeliver = "remind:deliver"
	// TypeDeliverInbox delivers the due inbox deliveries of one id range.
	TypeDeliverInbox = "remind:deliver_inbox"
)

type deliverPayload struct {
	DeliveryID int64 `json:"deliveryId"`
}

type deliverInboxPayload struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// NewDeliverTask returns the task that sends delivery id. Send failures are
// retried by the delivery row's own backoff (re-enqueued by Scan), so asynq
// retries only infrastructure errors, a few times.
func NewDeliverTask(id int64) *asynq.Task {
	b, _ := json.Marshal(deliverPayload{DeliveryID: id})
	return asynq.NewTask(TypeDeliver, b, asynq.MaxRetry(3), asynq.Timeout(2*time.Minute))
}

// DeliverTaskID is the deterministic task id of an attempt of a delivery:
// remind:deliver:<delivery id>:<attempts made so far>. Two schedulers
// enqueueing the same attempt get one task; the next attempt gets a new id.
func DeliverTaskID(deliveryID int64, attempt int) string {
	return queue.TaskID(TypeDeliver, strconv.FormatInt(deliveryID, 10), strconv.Itoa(attempt))
}

// NewDeliverInboxTask returns the task that delivers the due INBOX
// deliveries with from <= id < to (see DeliverInbox). Like NewDeliverTask,
// asynq retries only infrastructure errors: what was not delivered stays
// PENDING, and the next Scan enqueues it again.
func NewDeliverInboxTask(from, to int64) *asynq.Task {
	b, _ := json.Marshal(deliverInboxPayload{From: from, To: to})
	return asynq.NewTask(TypeDeliverInbox, b, asynq.MaxRetry(3), asynq.Timeout(2*time.Minute))
}

// DeliverInboxTaskID is the deterministic task id of the inbox range
// [from, to): remind:deliver_inbox:<from>:<to>. While the task waits,
// schedulers enqueueing the range again get that one task, which delivers
// whatever in the range is due when it runs, deliveries added meanwhile
// included; once it has run, the next Scan may enqueue the range again for
// what is left.
func DeliverInboxTaskID(from, to int64) string {
	return queue.TaskID(TypeDeliverInbox, strconv.FormatInt(from, 10), strconv.FormatInt(to, 10))
}

// NewScanTask returns a TypeScan task.
func NewScanTask() *asynq.Task {
	return asynq.NewTask(TypeScan, nil, asynq.MaxRetry(0), asynq.Timeout(5*time.Minute))
}

// Handlers returns the task handlers for the worker, by task type.
func (s *Service) Handlers() map[string]asynq.Handler {
	return map[string]asynq.Handler{
		TypeScan: asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
			n, err := s.Scan(ctx, s.now())
			if err != nil {
				return fmt.Errorf("scan reminders: %w", err)
			}
			s.logger.DebugContext(ctx, "reminder scan", "created", n)
			return nil
		}),
		TypeDeliver: asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			var p deliverPayload
			if err := json.Unmarshal(t.Payload(), &p); err != nil || p.DeliveryID <= 0 {
				return fmt.Errorf("bad %s payload: %w", TypeDeliver, asynq.SkipRetry)
			}
			return s.Deliver(ctx, p.DeliveryID)
		}),
		TypeDeliverInbox: asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			var p deliverInboxPayload
			if err := json.Unmarshal(t.Payload(), &p); err != nil || p.From < 0 || p.To <= p.From {
				return fmt.Errorf("bad %s payload: %w", TypeDeliverInbox, asynq.SkipRetry)
			}
			n, err := s.DeliverInbox(ctx, p.From, p.To)
			if err != nil {
				return err
			}
			s.logger.DebugContext(ctx, "inbox deliveries", "from", p.From, "to", p.To, "sent", n)
			return nil
		}),
	}
}

// Schedules returns the periodic tasks of reminders: one scan every minute
// for all towns (the schedules of the towns themselves live in the database,
// not in cron entries). Several scheduler replicas fire at the same minute;
// the unique lock lets one through, and a second scan would be harmless anyway.
func Schedules() []*asynq.PeriodicTaskConfig {
	return []*asynq.PeriodicTaskConfig{
		{Cronspec: "* * * * *", Task: NewScanTask(), Opts: []asynq.Option{asynq.Unique(50 * time.Second)}},
	}
}
