package remind

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/db"
)

// claimMargin is added to the webhook timeout to make a claim's lease: a
// worker that dies while sending leaves the delivery to be retried once the
// lease has run out (at-least-once for push channels; exactly once for the
// inbox, which commits the message and the SENT mark together).
const claimMargin = 2 * time.Minute

// deliveryContext is a delivery with everything needed to send it.
type deliveryContext struct {
	ID             int64     `bun:"id"`
	TenantID       int64     `bun:"tenant_id"`
	ReminderID     int64     `bun:"reminder_id"`
	Channel        Channel   `bun:"channel"`
	Target         string    `bun:"target"`
	Status         Status    `bun:"status"`
	Attempts       int       `bun:"attempts"`
	NextAttemptAt  time.Time `bun:"next_attempt_at"`
	Kind           Kind      `bun:"kind"`
	UserID         int64     `bun:"recipient_user_id"`
	InstanceID     int64     `bun:"instance_id"`
	Title          string    `bun:"title"`
	DueAt          time.Time `bun:"due_at"`
	InstanceStatus string    `bun:"instance_status"`
	OrgName        string    `bun:"org_name"`
	TenantName     string    `bun:"tenant_name"`
	Timezone       string    `bun:"timezone"`
	QuietStart     string    `bun:"quiet_start"`
	QuietEnd       string    `bun:"quiet_end"`
	DisplayName    string    `bun:"display_name"`
	Username       string    `bun:"username"`
}

func (dc *deliveryContext) closed() bool {
	st := affairs.Status(dc.InstanceStatus)
	return st == affairs.Submitted || st == affairs.Done
}

// Deliver sends one delivery; it is the remind:deliver task handler (the
// worker delivers the inbox by ranges, see DeliverInbox; Deliver takes any
// channel). The row, not the queue, decides: a delivery that is not PENDING
// and due is left alone, so a task that runs twice, or a task re-enqueued
// after a lost queue, never sends twice.
//
//   - INBOX: the notification (unique per reminder) and the SENT mark commit
//     in one transaction, claimed by a conditional UPDATE (as DeliverInbox
//     does for a range).
//   - EMAIL, WEBHOOK: in quiet hours the delivery is pushed to their end;
//     otherwise it is claimed (attempts+1, a lease on next_attempt_at), sent,
//     and marked SENT, or given the next backoff time (1m, 5m, 30m, 2h, 6h),
//     or FAILED after MaxAttempts attempts, with the error on the delivery and
//     the reminder.
//
// When the task was submitted or completed meanwhile, the reminder's unsent
// deliveries are CANCELLED instead. Send failures are recorded, not returned:
// the returned error means the database could not be reached, and asynq may retry.
func (s *Service) Deliver(ctx context.Context, deliveryID int64) error {
	ctx = actor.System(ctx)
	now := s.now()
	var (
		dc    *deliveryContext
		loc   *time.Location
		quiet QuietHours
		send  func(ctx context.Context, m Message) error
	)
	// One transaction decides: it reads the row, and for the inbox delivers;
	// for a push channel it claims the attempt, sent after the commit.
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		dc, err = loadDelivery(ctx, tx, deliveryID)
		if err != nil || dc == nil || dc.Status != StatusPending {
			dc = nil
			return err
		}
		if dc.closed() {
			reminderID := dc.ReminderID
			dc = nil
			return cancelReminder(ctx, tx, reminderID, now)
		}
		if dc.NextAttemptAt.After(now) {
			dc = nil
			return nil
		}
		loc = s.location(dc.Timezone)
		if dc.Channel == ChannelInbox {
			_, err := s.sendInbox(ctx, tx, []*deliveryContext{dc}, now)
			dc = nil
			return err
		}
		if quiet, err = ParseQuietHours(dc.QuietStart, dc.QuietEnd); err != nil {
			quiet = DefaultQuietHours()
		}
		if quiet.Contains(now, loc) {
			dc = nil
			return reschedule(ctx, tx, deliveryID, quiet.Defer(now, loc))
		}
		switch dc.Channel {
		case ChannelEmail:
			if s.mailer == nil {
				dc = nil
				return skip(ctx, tx, deliveryID, errNoSMTP, now)
			}
			to := dc.Target
			send = func(ctx context.Context, m Message) error {
				return s.mailer.Send(ctx, Mail{To: to, Subject: m.Title, Body: m.emailBody(loc)})
			}
		case ChannelWebhook:
			hook, err := loadWebhook(ctx, tx, dc)
			if err != nil {
				return err
			}
			if hook == nil || !hook.Enabled {
				dc = nil
				return skip(ctx, tx, deliveryID, "Webhook 已删除或已停用", now)
			}
			send = func(ctx context.Context, m Message) error {
				return postWebhook(ctx, s.http, s.timeout, hook, m, loc, s.now())
			}
		default:
			dc = nil
			return skip(ctx, tx, deliveryID, "暂不支持该渠道", now)
		}
		claimed, err := s.claim(ctx, tx, deliveryID, now)
		if !claimed {
			dc = nil
		}
		return err
	})
	if err != nil || dc == nil {
		return err
	}
	sendErr := send(ctx, s.message(dc, now, loc))
	return s.finish(ctx, dc, dc.Attempts+1, sendErr, quiet, loc)
}

// message composes the text of dc as of now.
func (s *Service) message(dc *deliveryContext, now time.Time, loc *time.Location) Message {
	name := dc.DisplayName
	if name == "" {
		name = dc.Username
	}
	return compose(messageInput{
		Kind: dc.Kind, Tenant: dc.TenantName, Org: dc.OrgName, Task: dc.Title, InstanceID: dc.InstanceID,
		DueAt: dc.DueAt, Now: now, Loc: loc, BaseURL: s.baseURL, Recipient: name,
	})
}

// deliveryQuery selects deliveries with their context (reminder, task
// instance, org, town, recipient) as deliveryContext rows; the caller adds
// the filter.
func deliveryQuery(idb bun.IDB) *bun.SelectQuery {
	return idb.NewSelect().TableExpr("reminder_deliveries AS d").
		ColumnExpr("d.id, d.tenant_id, d.reminder_id, d.channel, d.target, d.status, d.attempts, d.next_attempt_at").
		ColumnExpr("r.kind, r.recipient_user_id, r.instance_id").
		ColumnExpr("ti.title, ti.due_at, ti.status AS instance_status").
		ColumnExpr("o.name AS org_name, t.name AS tenant_name, t.timezone, t.quiet_start, t.quiet_end").
		ColumnExpr("u.display_name, u.username").
		Join("JOIN reminders AS r ON r.id = d.reminder_id").
		Join("JOIN task_instances AS ti ON ti.id = r.instance_id").
		Join("JOIN organizations AS o ON o.id = ti.org_id").
		Join("JOIN tenants AS t ON t.id = d.tenant_id").
		Join("JOIN users AS u ON u.id = r.recipient_user_id")
}

// loadDelivery reads a delivery with its context; nil when it does not exist.
func loadDelivery(ctx context.Context, idb bun.IDB, id int64) (*deliveryContext, error) {
	dc := new(deliveryContext)
	err := deliveryQuery(idb).Where("d.id = ?", id).Scan(ctx, dc)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load delivery %d: %w", id, err)
	}
	return dc, nil
}

func loadWebhook(ctx context.Context, idb bun.IDB, dc *deliveryContext) (*Webhook, error) {
	id, err := strconv.ParseInt(dc.Target, 10, 64)
	if err != nil {
		return nil, nil
	}
	h := new(Webhook)
	err = idb.NewSelect().Model(h).Where("we.id = ? AND we.tenant_id = ?", id, dc.TenantID).Scan(ctx)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook %d: %w", id, err)
	}
	return h, nil
}

// claim takes a push delivery for one attempt in tx: attempts+1 and a lease
// on next_attempt_at, only if it is still PENDING and due.
func (s *Service) claim(ctx context.Context, tx bun.Tx, id int64, now time.Time) (bool, error) {
	res, err := tx.NewUpdate().Table("reminder_deliveries").
		Set("attempts = attempts + 1").Set("next_attempt_at = ?", now.Add(s.timeout+claimMargin)).
		Where("id = ?", id).Where("status = ?", StatusPending).Where("next_attempt_at <= ?", now).
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("claim delivery %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// finish records the outcome of a claimed attempt.
func (s *Service) finish(ctx context.Context, dc *deliveryContext, attempts int, sendErr error, quiet QuietHours, loc *time.Location) error {
	now := s.now()
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Table("reminder_deliveries").Where("id = ?", dc.ID)
		if sendErr == nil {
			q = q.Set("status = ?", StatusSent).Set("delivered_at = ?", now).Set("last_error = ''")
		} else {
			s.logger.WarnContext(ctx, "reminder delivery failed", "delivery_id", dc.ID, "channel", dc.Channel,
				"attempt", attempts, "err", sendErr)
			msg := truncate(fmt.Sprintf("第 %d 次发送失败：%v", attempts, sendErr), 500)
			if next, ok := NextAttempt(attempts, now); ok {
				q = q.Set("last_error = ?", msg).Set("next_attempt_at = ?", quiet.Defer(next, loc))
			} else {
				q = q.Set("status = ?", StatusFailed).Set("last_error = ?", msg+"，已放弃")
			}
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("record delivery %d: %w", dc.ID, err)
		}
		return refreshReminder(ctx, tx, dc.ReminderID, now)
	})
}

// skip marks a delivery SKIPPED with a reason.
func skip(ctx context.Context, tx bun.Tx, id int64, reason string, now time.Time) error {
	var reminderID int64
	if err := tx.NewUpdate().Table("reminder_deliveries").
		Set("status = ?", StatusSkipped).Set("last_error = ?", reason).
		Where("id = ?", id).Where("status = ?", StatusPending).
		Returning("reminder_id").Scan(ctx, &reminderID); err != nil {
		if db.IsNoRows(err) {
			return nil
		}
		return fmt.Errorf("skip delivery %d: %w", id, err)
	}
	return refreshReminder(ctx, tx, reminderID, now)
}

// reschedule moves a pending delivery to at (the end of quiet hours).
func reschedule(ctx context.Context, tx bun.Tx, id int64, at time.Time) error {
	if _, err := tx.NewUpdate().Table("reminder_deliveries").Set("next_attempt_at = ?", at.UTC()).
		Where("id = ?", id).Where("status = ?", StatusPending).Exec(ctx); err != nil {
		return fmt.Errorf("defer delivery %d: %w", id, err)
	}
	return nil
}

// cancelReminder cancels the unsent deliveries of a reminder whose task is finished.
func cancelReminder(ctx context.Context, tx bun.Tx, reminderID int64, now time.Time) error {
	if _, err := tx.NewUpdate().Table("reminder_deliveries").
		Set("status = ?", StatusCancelled).Set("last_error = ?", errClosed).
		Where("reminder_id = ?", reminderID).Where("status = ?", StatusPending).Exec(ctx); err != nil {
		return fmt.Errorf("cancel deliveries of reminder %d: %w", reminderID, err)
	}
	return refreshReminder(ctx, tx, reminderID, now)
}
