package remind

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/db"
)

// InboxBatch is the width of the delivery-id ranges the inbox is delivered
// by: one remind:deliver_inbox task, and one transaction, per range
// [k·InboxBatch, (k+1)·InboxBatch) that holds due INBOX deliveries. The inbox
// needs no network call, so a range costs a handful of statements where one
// task per delivery cost as many statements, and as many query plans, per
// delivery; e-mail and webhooks keep a task per delivery.
const InboxBatch = 500

// inboxRange returns the start of the delivery-id range holding id.
func inboxRange(id int64) int64 { return id - id%InboxBatch }

// DeliverInbox delivers the due PENDING INBOX deliveries whose id is in
// [from, to) and returns how many it sent; it is the remind:deliver_inbox
// task handler. Like Deliver, the rows decide, not the task: in one
// transaction the deliveries are read with their context (on PostgreSQL
// locked, skipping rows another worker holds), those of finished tasks are
// CANCELLED with the rest of their reminder, and the others are claimed by a
// conditional UPDATE … RETURNING, their notifications inserted (ON CONFLICT
// DO NOTHING against the unique index on notifications.reminder_id) and their
// reminders brought up to date. A task run twice, or a range delivered by
// two workers at once, sends nothing twice; a worker dying mid-batch rolls
// the whole batch back, to be delivered after the next Scan.
func (s *Service) DeliverInbox(ctx context.Context, from, to int64) (int, error) {
	ctx = actor.System(ctx)
	now := s.now()
	sent := 0
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		sent = 0
		var dcs []*deliveryContext
		q := deliveryQuery(tx).
			Where("d.id >= ?", from).Where("d.id < ?", to).
			Where("d.channel = ?", ChannelInbox).Where("d.status = ?", StatusPending).
			Where("d.next_attempt_at <= ?", now).
			OrderExpr("d.id")
		if s.db.Dialect == db.Postgres {
			// SQLite transactions are immediate: one writer at a time.
			q = q.For("UPDATE OF d SKIP LOCKED")
		}
		if err := q.Scan(ctx, &dcs); err != nil {
			return fmt.Errorf("load inbox deliveries %d–%d: %w", from, to, err)
		}
		open := dcs[:0]
		cancelled := map[int64]bool{}
		for _, dc := range dcs {
			if !dc.closed() {
				open = append(open, dc)
				continue
			}
			if !cancelled[dc.ReminderID] {
				cancelled[dc.ReminderID] = true
				if err := cancelReminder(ctx, tx, dc.ReminderID, now); err != nil {
					return err
				}
			}
		}
		var err error
		sent, err = s.sendInbox(ctx, tx, open, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return sent, nil
}

// sendInbox claims the INBOX deliveries dcs (PENDING and due, of open tasks)
// in tx, writes their notifications and marks them and their reminders SENT,
// all in the caller's transaction: the messages and the SENT marks commit or
// vanish together. It returns how many it claimed; a delivery another run
// claimed first is left alone, and the unique index on
// notifications.reminder_id backs that up.
func (s *Service) sendInbox(ctx context.Context, tx bun.Tx, dcs []*deliveryContext, now time.Time) (int, error) {
	if len(dcs) == 0 {
		return 0, nil
	}
	if s.db.Dialect == db.Postgres {
		// A vanished commit leaves the deliveries PENDING for the next scan:
		// no need to wait for the WAL flush (asynchronous commit).
		if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return 0, fmt.Errorf("inbox delivery commit mode: %w", err)
		}
	}
	byID := make(map[int64]*deliveryContext, len(dcs))
	ids := make([]int64, 0, len(dcs))
	for _, dc := range dcs {
		byID[dc.ID] = dc
		ids = append(ids, dc.ID)
	}
	var claimed []int64
	for start := 0; start < len(ids); start += batchSize {
		var part []int64
		if err := tx.NewUpdate().Table("reminder_deliveries").
			Set("status = ?", StatusSent).Set("attempts = attempts + 1").
			Set("delivered_at = ?", now).Set("last_error = ''").
			Where("id IN (?)", bun.In(ids[start:min(start+batchSize, len(ids))])).
			Where("status = ?", StatusPending).Where("next_attempt_at <= ?", now).
			Returning("id").Scan(ctx, &part); err != nil && !db.IsNoRows(err) {
			return 0, fmt.Errorf("claim inbox deliveries: %w", err)
		}
		claimed = append(claimed, part...)
	}
	if len(claimed) == 0 {
		return 0, nil
	}
	slices.Sort(claimed) // RETURNING has no order; the inbox lists by id
	notes := make([]*Notification, 0, len(claimed))
	reminderIDs := make([]int64, 0, len(claimed))
	for _, id := range claimed {
		dc := byID[id]
		m := s.message(dc, now, s.location(dc.Timezone))
		rid, iid := dc.ReminderID, dc.InstanceID
		notes = append(notes, &Notification{TenantID: dc.TenantID, UserID: dc.UserID, ReminderID: &rid,
			InstanceID: &iid, Title: m.Title, Body: m.Body, Link: m.Link, CreatedAt: now})
		reminderIDs = append(reminderIDs, rid)
	}
	for start := 0; start < len(notes); start += batchSize {
		chunk := notes[start:min(start+batchSize, len(notes))]
		if _, err := tx.NewInsert().Model(&chunk).ExcludeColumn("id", "read_at").
			On("CONFLICT DO NOTHING").Returning("NULL").Exec(ctx); err != nil {
			return 0, fmt.Errorf("insert notifications: %w", err)
		}
		// The inbox went out, so each reminder is SENT unless another channel
		// is pending or failed; its last error (other channels') is unchanged.
		// The subquery filters on reminder_id alone so that SQLite looks the
		// rows up by that index, not by the status index over every pending
		// delivery.
		if _, err := tx.NewUpdate().Table("reminders").
			Set(`status = (SELECT CASE
				WHEN SUM(CASE WHEN d.status = ? THEN 1 ELSE 0 END) > 0 THEN ?
				WHEN SUM(CASE WHEN d.status = ? THEN 1 ELSE 0 END) > 0 THEN ?
				ELSE ? END
				FROM reminder_deliveries AS d WHERE d.reminder_id = reminders.id)`,
				StatusPending, StatusPending, StatusFailed, StatusFailed, StatusSent).
			Set("sent_at = COALESCE(sent_at, ?)", now).
			Where("id IN (?)", bun.In(reminderIDs[start:min(start+batchSize, len(reminderIDs))])).
			Exec(ctx); err != nil {
			return 0, fmt.Errorf("update reminders: %w", err)
		}
	}
	return len(claimed), nil
}
