package remind_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/pagination"
	"dangjian/internal/remind"
)

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

// TestInbox: own notifications only, newest first, paged; unread count;
// marking read.
func TestInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, _ := novemberWorld(t, d)
		s := w.service(nil, remind.Config{})
		w.scanAndDeliver(s)
		w.clk.Set(sh(2026, 11, 27, 12, 0))
		w.scanAndDeliver(s)

		if n, err := s.UnreadCount(w.sec); err != nil || n != 2 {
			t.Fatalf("unread %d %v", n, err)
		}
		p1, err := s.Inbox(w.sec, false, pagination.Request{First: ptr(1)})
		if err != nil || len(p1.Items) != 1 || !p1.HasNextPage || p1.TotalCount != 2 {
			t.Fatalf("page 1: %+v %v", p1, err)
		}
		cur := pagination.EncodeCursor(pagination.Cursor{ID: p1.Items[0].ID})
		p2, err := s.Inbox(w.sec, false, pagination.Request{First: ptr(1), After: &cur})
		if err != nil || len(p2.Items) != 1 || p2.HasNextPage || p2.Items[0].ID >= p1.Items[0].ID {
			t.Fatalf("page 2: %+v %v", p2, err)
		}
		if p1.Items[0].Title != "【提醒】幸福社区第一党支部：2026年11月 支部委员会 将于 3 天后到期" {
			t.Errorf("newest first: %q", p1.Items[0].Title)
		}
		// Another user's notification, even in the same town, is NOT_FOUND; nothing is marked.
		_, err = s.MarkRead(w.staff, []int64{p1.Items[0].ID})
		wantCode(t, "staff marks the secretary's notification", err, apperr.NotFound)
		_, err = s.MarkRead(w.sec, []int64{p1.Items[0].ID, 999999})
		wantCode(t, "unknown id", err, apperr.NotFound)
		if n, _ := s.UnreadCount(w.sec); n != 2 {
			t.Errorf("a refused MarkRead marked something: %d unread", n)
		}
		if n, err := s.MarkRead(w.sec, []int64{p1.Items[0].ID, p1.Items[0].ID}); err != nil || n != 1 {
			t.Errorf("MarkRead = %d, %v", n, err)
		}
		if n, _ := s.MarkRead(w.sec, []int64{p1.Items[0].ID}); n != 0 {
			t.Errorf("marking twice counts %d", n)
		}
		unread, err := s.Inbox(w.sec, true, pagination.Request{})
		if err != nil || len(unread.Items) != 1 || unread.Items[0].ID != p2.Items[0].ID || unread.Items[0].ReadAt != nil {
			t.Errorf("unread only: %+v %v", unread.Items, err)
		}
		if n, err := s.MarkAllRead(w.sec); err != nil || n != 1 {
			t.Errorf("MarkAllRead = %d, %v", n, err)
		}
		if n, _ := s.UnreadCount(w.sec); n != 0 {
			t.Errorf("%d unread after MarkAllRead", n)
		}
		if n, _ := s.UnreadCount(w.staff); n != 2 {
			t.Errorf("the staff member's inbox changed: %d unread", n)
		}
		_, err = s.Inbox(context.Background(), false, pagination.Request{})
		wantCode(t, "anonymous inbox", err, apperr.Unauthenticated)
	})
}

// TestTenantBoundary: a user of town B cannot read or mark town A's
// notifications, see or change A's webhooks, or read A's reminder state; on
// PostgreSQL row-level security hides A's rows from B's transactions.
func TestTenantBoundary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, instA := novemberWorld(t, d)
		hookA := w.webhook(nil, "https://oapi.dingtalk.com/robot/send?access_token=a", remind.FormatDingTalk, "SECa")
		instB := w.deployment(w.bBr, "乙镇部署", sh(2026, 11, 25, 23, 59), sh(2026, 11, 23, 9, 0))
		s := w.service(nil, remind.Config{HTTPClient: nil})
		if _, err := s.Scan(context.Background(), w.clk.Now()); err != nil {
			t.Fatal(err)
		}
		for _, id := range w.dueDeliveries() {
			var ch string
			_ = d.Read(w.sys, func(ctx context.Context, idb bun.IDB) error {
				return idb.NewSelect().Table("reminder_deliveries").Column("channel").Where("id = ?", id).Scan(ctx, &ch)
			})
			if ch == string(remind.ChannelInbox) {
				if err := s.Deliver(context.Background(), id); err != nil {
					t.Fatal(err)
				}
			}
		}
		pa, _ := s.Inbox(w.sec, false, pagination.Request{})
		pb, _ := s.Inbox(w.bSec, false, pagination.Request{})
		if len(pa.Items) != 1 || len(pb.Items) != 1 {
			t.Fatalf("inboxes: A %d, B %d", len(pa.Items), len(pb.Items))
		}
		_, err := s.MarkRead(w.bSec, []int64{pa.Items[0].ID})
		wantCode(t, "B marks A's notification", err, apperr.NotFound)

		list, err := s.ListWebhooks(w.bSec)
		if err != nil || len(list) != 0 {
			t.Errorf("B lists webhooks: %d, %v", len(list), err)
		}
		_, err = s.UpdateWebhook(w.bSec, hookA, remind.WebhookInput{Name: "x", URL: "https://example.cn/x", Format: remind.FormatGeneric})
		wantCode(t, "B updates A's webhook", err, apperr.NotFound)
		wantCode(t, "B deletes A's webhook", s.DeleteWebhook(w.bSec, hookA), apperr.NotFound)
		_, err = s.ReminderStatus(w.bSec, instA)
		wantCode(t, "B reads A's reminder status", err, apperr.NotFound)
		if st, err := s.ReminderStatus(w.bSec, instB); err != nil || len(st) != 1 {
			t.Errorf("B reads its own reminder status: %d, %v", len(st), err)
		}
		// A branch secretary may not manage town-wide webhooks.
		_, err = s.UpdateWebhook(w.sec, hookA, remind.WebhookInput{Name: "x", URL: "https://example.cn/x"})
		wantCode(t, "branch secretary updates a town webhook", err, apperr.Forbidden)

		if d.Dialect == db.Postgres {
			err := d.RunInTx(w.bSec, func(ctx context.Context, tx bun.Tx) error {
				for table, want := range map[string]int{"reminders": 1, "reminder_deliveries": 1, "notifications": 1, "webhook_endpoints": 0} {
					var n int
					if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
						return err
					}
					if n != want {
						t.Errorf("B's transaction sees %d rows of %s, want %d (its own)", n, table, want)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestWebhookAdmin: the town office manages webhooks (task.write on the town root).
func TestWebhookAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, sh(2026, 11, 23, 12, 0))
		s := w.service(nil, remind.Config{})
		_, err := s.CreateWebhook(w.office, remind.WebhookInput{Name: "钉钉群", URL: "ftp://example.cn", Format: remind.FormatDingTalk})
		wantCode(t, "ftp url", err, apperr.InvalidInput)
		_, err = s.CreateWebhook(w.office, remind.WebhookInput{Name: "钉钉群", URL: "https://example.cn", Format: "SLACK"})
		wantCode(t, "unknown format", err, apperr.InvalidInput)
		_, err = s.CreateWebhook(w.office, remind.WebhookInput{Name: " ", URL: "https://example.cn"})
		wantCode(t, "empty name", err, apperr.InvalidInput)
		_, err = s.CreateWebhook(w.office, remind.WebhookInput{OrgID: &w.bBr.ID, Name: "乙镇", URL: "https://example.cn"})
		wantCode(t, "another town's org", err, apperr.InvalidInput)

		ok, err := w.fx.Authz.Can(w.office, authz.Action("task.write"), authz.Target{TenantID: w.fx.A.TenantID, OrgPath: w.fx.A.Root.Path})
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Skip("policy.csv does not grant task.write to town_office yet (the affairs module adds it)")
		}
		h, err := s.CreateWebhook(w.office, remind.WebhookInput{OrgID: &w.comm.ID, Name: "幸福社区钉钉群",
			URL: "https://oapi.dingtalk.com/robot/send?access_token=t", Format: remind.FormatDingTalk, Secret: "SECx"})
		if err != nil {
			t.Fatal(err)
		}
		if !h.Enabled || !h.HasSecret() {
			t.Errorf("created %+v", h)
		}
		enabled := false
		h, err = s.UpdateWebhook(w.office, h.ID, remind.WebhookInput{OrgID: &w.comm.ID, Name: "幸福社区钉钉群",
			URL: "https://oapi.dingtalk.com/robot/send?access_token=t", Format: remind.FormatDingTalk, Enabled: &enabled})
		if err != nil || h.Enabled || h.Secret != "SECx" {
			t.Errorf("updated %+v %v (an empty secret keeps the stored one)", h, err)
		}
		list, err := s.ListWebhooks(w.office)
		if err != nil || len(list) != 1 {
			t.Errorf("list %d %v", len(list), err)
		}
		if err := s.DeleteWebhook(w.office, h.ID); err != nil {
			t.Fatal(err)
		}
		if n := w.count("SELECT count(*) FROM audit_log WHERE action LIKE 'remind.webhook_%'"); n != 3 {
			t.Errorf("%d audit entries, want 3", n)
		}
	})
}
