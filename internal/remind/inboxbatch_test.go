package remind_test

import (
	"context"
	"sync"
	"testing"

	"dangjian/internal/affairs"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/remind"
)

// TestDeliverInbox: the inbox range task delivers the due inbox deliveries
// of its range only, once however many workers run it and Deliver at the
// same time, leaves push channels to their own tasks, and cancels the
// reminders of tasks finished meanwhile.
func TestDeliverInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, sh(2026, 11, 23, 12, 0))
		tenDeployments(w)
		done := w.deployment(w.branch, "已完成的部署", sh(2026, 11, 25, 23, 59), sh(2026, 11, 23, 9, 0))
		hook := newHookServer(t)
		w.webhook(nil, hook.URL, remind.FormatGeneric, "")
		s := w.service(nil, remind.Config{})
		if n, err := s.Scan(context.Background(), w.clk.Now()); err != nil || n != 22 {
			t.Fatalf("scan: %d reminders, %v; want 22", n, err)
		}
		w.setStatus(done, affairs.Done)
		inbox := w.deliveries(remind.ChannelInbox)
		if len(inbox) != 22 {
			t.Fatalf("%d inbox deliveries, want 22", len(inbox))
		}

		// A range holding the first two inbox deliveries only.
		if n, err := s.DeliverInbox(context.Background(), inbox[0].ID, inbox[1].ID+1); err != nil || n != 2 {
			t.Fatalf("first range: %d sent, %v; want 2", n, err)
		}
		if n := w.count("SELECT count(*) FROM notifications"); n != 2 {
			t.Fatalf("%d notifications after the first range, want 2", n)
		}

		// Four workers at once, each running the whole range and Deliver
		// for every due delivery.
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.DeliverInbox(context.Background(), 0, inbox[len(inbox)-1].ID+1); err != nil {
					errs <- err
				}
				for _, id := range w.dueDeliveries() {
					if err := s.Deliver(context.Background(), id); err != nil {
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
		if n := w.count("SELECT count(*) FROM notifications"); n != 20 {
			t.Errorf("%d notifications, want 20 (none for the finished task)", n)
		}
		if n := hook.hits.Load(); n != 20 {
			t.Errorf("%d webhook calls, want 20", n)
		}
		if n := w.count("SELECT count(*) FROM reminder_deliveries WHERE status = 'SENT' AND attempts <> 1"); n != 0 {
			t.Errorf("%d sent deliveries attempted other than once", n)
		}
		if n := w.count("SELECT count(*) FROM reminder_deliveries AS d JOIN reminders AS r ON r.id = d.reminder_id "+
			"WHERE r.instance_id = ? AND d.status = 'CANCELLED'", done); n != 4 {
			t.Errorf("%d cancelled deliveries of the finished task, want 4 (inbox and webhook, two people)", n)
		}
		for _, r := range w.reminders() {
			want := remind.StatusSent
			if r.InstanceID == done {
				want = remind.StatusCancelled
			}
			if r.Status != want || (want == remind.StatusSent && r.SentAt == nil) {
				t.Errorf("reminder %d: %s, sent at %v; want %s", r.ID, r.Status, r.SentAt, want)
			}
		}
		// Run again: nothing more.
		if n, err := s.DeliverInbox(context.Background(), 0, remind.InboxBatch*100); err != nil || n != 0 {
			t.Errorf("rerun: %d sent, %v", n, err)
		}
	})
}
