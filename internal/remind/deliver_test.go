package remind_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/pagination"
	"dangjian/internal/remind"
)

// novemberWorld is a world at 2026-11-23 12:00 Shanghai with the 2026-11
// 支部委员会 of 幸福社区第一党支部 open: a scan now sends the 7-day reminder
// to its secretary and its party-affairs worker.
func novemberWorld(t *testing.T, d *db.DB) (*world, int64) {
	w := newWorld(t, d, sh(2026, 11, 23, 12, 0))
	tpl := w.template("支部委员会", affairs.Monthly, "7,3,1", 3, 7)
	inst := w.instance(tpl, w.branch, "2026-11", "2026年11月 支部委员会", sh(2026, 11, 1, 0, 5))
	return w, inst
}

func (w *world) deliveries(channel remind.Channel) []remind.Delivery {
	w.t.Helper()
	var ds []remind.Delivery
	err := w.d.Read(w.sys, func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().Model(&ds).Where("rd.channel = ?", channel).OrderExpr("rd.id").Scan(ctx)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return ds
}

func (w *world) reminders() []remind.Reminder {
	w.t.Helper()
	var rs []remind.Reminder
	err := w.d.Read(w.sys, func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().Model(&rs).OrderExpr("r.id").Scan(ctx)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return rs
}

// TestWebhookFailureBackoff: an endpoint answering 500 is retried after 1m,
// 5m, 30m, 2h and 6h, then FAILED after 6 attempts; attempts and the error
// are visible on the delivery and the reminder; the inbox is unaffected.
func TestWebhookFailureBackoff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, inst := novemberWorld(t, d)
		hook := newHookServer(t)
		hook.status.Store(500)
		w.webhook(nil, hook.URL, remind.FormatGeneric, "")
		s := w.service(nil, remind.Config{})

		w.scanAndDeliver(s)
		if n := w.count("SELECT count(*) FROM notifications"); n != 2 {
			t.Fatalf("%d notifications, want 2: the inbox does not wait for the webhook", n)
		}
		for _, dl := range w.deliveries(remind.ChannelInbox) {
			if dl.Status != remind.StatusSent {
				t.Errorf("inbox delivery %d: %s", dl.ID, dl.Status)
			}
		}
		start := w.clk.Now()
		waits := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}
		for attempt := 1; attempt <= remind.MaxAttempts; attempt++ {
			hooks := w.deliveries(remind.ChannelWebhook)
			if len(hooks) != 2 {
				t.Fatalf("%d webhook deliveries, want 2", len(hooks))
			}
			for _, dl := range hooks {
				if dl.Attempts != attempt || !strings.Contains(dl.LastError, "HTTP 500") {
					t.Fatalf("after attempt %d: attempts %d, error %q", attempt, dl.Attempts, dl.LastError)
				}
				if attempt < remind.MaxAttempts {
					if dl.Status != remind.StatusPending || !dl.NextAttemptAt.Equal(w.clk.Now().Add(waits[attempt-1])) {
						t.Fatalf("after attempt %d: %s, next at %s (now %s)", attempt, dl.Status, dl.NextAttemptAt, w.clk.Now())
					}
				} else if dl.Status != remind.StatusFailed {
					t.Fatalf("after %d attempts: %s, want FAILED", attempt, dl.Status)
				}
			}
			for _, r := range w.reminders() {
				if !strings.Contains(r.LastError, "Webhook：第") {
					t.Errorf("reminder %d last error %q: the failure must show on the reminder", r.ID, r.LastError)
				}
				want := remind.StatusPending
				if attempt == remind.MaxAttempts {
					want = remind.StatusFailed
				}
				if r.Status != want {
					t.Errorf("reminder %d after attempt %d: %s, want %s", r.ID, attempt, r.Status, want)
				}
			}
			if attempt == remind.MaxAttempts {
				break
			}
			// Not yet due: nothing happens.
			w.clk.Advance(waits[attempt-1] - time.Second)
			before := hook.hits.Load()
			w.scanAndDeliver(s)
			if hook.hits.Load() != before {
				t.Fatalf("retried before the backoff ran out")
			}
			w.clk.Advance(time.Second)
			w.scanAndDeliver(s)
		}
		if n := hook.hits.Load(); n != 2*remind.MaxAttempts {
			t.Errorf("%d webhook calls, want %d", n, 2*remind.MaxAttempts)
		}
		if took := w.clk.Now().Sub(start); took != 8*time.Hour+36*time.Minute {
			t.Errorf("gave up after %s, want 8h36m", took)
		}
		// The task page shows the failure.
		states, err := s.ReminderStatus(w.office, inst)
		if err != nil {
			t.Fatal(err)
		}
		if len(states) != 2 || len(states[0].Deliveries) != 2 || states[0].Deliveries[1].Status != remind.StatusFailed ||
			states[0].Reminder.Status != remind.StatusFailed || states[0].RecipientName == "" {
			t.Errorf("reminder status: %+v", states)
		}
	})
}

// TestWebhookHangs: a hanging endpoint costs one bounded attempt, recorded as a timeout.
func TestWebhookHangs(t *testing.T) {
	if remind.DefaultWebhookTimeout != 5*time.Second {
		t.Errorf("default webhook timeout %s, want 5s", remind.DefaultWebhookTimeout)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, _ := novemberWorld(t, d)
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		defer srv.Close()
		defer close(release)
		w.webhook(nil, srv.URL, remind.FormatGeneric, "")
		s := w.service(nil, remind.Config{WebhookTimeout: 200 * time.Millisecond})
		start := time.Now()
		w.scanAndDeliver(s)
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("two hanging calls took %s, want about 2×200ms", took)
		}
		for _, dl := range w.deliveries(remind.ChannelWebhook) {
			if dl.Status != remind.StatusPending || dl.Attempts != 1 || !strings.Contains(dl.LastError, "timeout") {
				t.Errorf("delivery %d: %s attempts %d error %q", dl.ID, dl.Status, dl.Attempts, dl.LastError)
			}
		}
		if n := w.count("SELECT count(*) FROM notifications"); n != 2 {
			t.Errorf("%d notifications, want 2", n)
		}
	})
}

// TestRobotFormats: DingTalk (signed) and WeCom robot payloads, and a robot
// that refuses the call with an errcode counts as a failure.
func TestRobotFormats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, _ := novemberWorld(t, d)
		w.exec("DELETE FROM role_assignments WHERE user_id = ?", userID(w.staff)) // one recipient
		ding, wecom := newHookServer(t), newHookServer(t)
		const secret = "SECtest0123456789"
		w.webhook(nil, ding.URL+"/robot/send?access_token=tok", remind.FormatDingTalk, secret)
		w.webhook(&w.branch.ID, wecom.URL+"/cgi-bin/webhook/send?key=k", remind.FormatWeCom, "")
		s := w.service(nil, remind.Config{})
		w.scanAndDeliver(s)

		if ding.hits.Load() != 1 || wecom.hits.Load() != 1 {
			t.Fatalf("calls: dingtalk %d, wecom %d", ding.hits.Load(), wecom.hits.Load())
		}
		title := "【提醒】幸福社区第一党支部：2026年11月 支部委员会 将于 7 天后到期"
		q := ding.reqs[0].URL.Query()
		ts := q.Get("timestamp")
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts + "\n" + secret))
		if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); q.Get("sign") != want || q.Get("access_token") != "tok" {
			t.Errorf("dingtalk query %v, want sign %s", q, want)
		}
		if ts != "1795406400000" { // the fake clock, in milliseconds
			t.Errorf("timestamp %s", ts)
		}
		var dp struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Title, Text, Content string
			} `json:"markdown"`
		}
		if err := json.Unmarshal(ding.bodies[0], &dp); err != nil {
			t.Fatal(err)
		}
		if dp.MsgType != "markdown" || dp.Markdown.Title != title || !strings.Contains(dp.Markdown.Text, "截止日期：2026年11月30日") ||
			!strings.Contains(dp.Markdown.Text, "https://dj.example.cn/tasks/") {
			t.Errorf("dingtalk body %s", ding.bodies[0])
		}
		var wp struct {
			MsgType  string            `json:"msgtype"`
			Markdown map[string]string `json:"markdown"`
		}
		if err := json.Unmarshal(wecom.bodies[0], &wp); err != nil {
			t.Fatal(err)
		}
		if c := wp.Markdown["content"]; wp.MsgType != "markdown" || !strings.Contains(c, title) || len(wp.Markdown) != 1 {
			t.Errorf("wecom body %s", wecom.bodies[0])
		}

		// A robot refusing the call (HTTP 200, errcode ≠ 0) is a failed attempt.
		ding.reply.Store(`{"errcode":310000,"errmsg":"sign not match"}`)
		w.clk.Set(sh(2026, 11, 27, 12, 0))
		w.scanAndDeliver(s)
		hooks := w.deliveries(remind.ChannelWebhook)
		last := hooks[len(hooks)-2] // the DingTalk delivery of the 3-day reminder
		if last.Status != remind.StatusPending || !strings.Contains(last.LastError, "310000") {
			t.Errorf("refused dingtalk call: %+v", last)
		}
	})
}

// TestQuietHours: a webhook due at 23:00 Shanghai waits until 07:00; the inbox does not wait.
func TestQuietHoursDelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, sh(2026, 12, 1, 23, 0))
		w.exec("DELETE FROM role_assignments WHERE user_id = ?", userID(w.staff))
		hook := newHookServer(t)
		w.webhook(nil, hook.URL, remind.FormatGeneric, "")
		w.deployment(w.branch, "冬季安全生产检查", sh(2026, 12, 3, 23, 59), sh(2026, 12, 1, 22, 30))
		s := w.service(nil, remind.Config{})

		w.scanAndDeliver(s)
		if n := w.count("SELECT count(*) FROM notifications"); n != 1 {
			t.Fatalf("%d notifications at 23:00, want 1", n)
		}
		hooks := w.deliveries(remind.ChannelWebhook)
		if len(hooks) != 1 || !hooks[0].NextAttemptAt.Equal(sh(2026, 12, 2, 7, 0)) || hook.hits.Load() != 0 {
			t.Fatalf("webhook at 23:00: %+v, %d calls", hooks, hook.hits.Load())
		}
		w.clk.Set(sh(2026, 12, 2, 6, 59))
		w.scanAndDeliver(s)
		if hook.hits.Load() != 0 {
			t.Fatal("webhook sent in quiet hours")
		}
		w.clk.Set(sh(2026, 12, 2, 7, 0))
		w.scanAndDeliver(s)
		if hook.hits.Load() != 1 {
			t.Fatalf("%d calls at 07:00, want 1", hook.hits.Load())
		}
		var p map[string]any
		_ = json.Unmarshal(hook.bodies[0], &p)
		if p["title"] != "【提醒】幸福社区第一党支部：冬季安全生产检查 将于 1 天后到期" {
			t.Errorf("title at 07:00 %q (the day count is taken when sending)", p["title"])
		}

		// A retry that would fall in quiet hours waits for their end too.
		hook.status.Store(500)
		w.clk.Set(sh(2026, 12, 2, 21, 59).Add(30 * time.Second))
		w.deployment(w.branch, "年终述职准备", sh(2026, 12, 4, 23, 59), sh(2026, 12, 2, 21, 0))
		w.scanAndDeliver(s)
		hooks = w.deliveries(remind.ChannelWebhook)
		if last := hooks[len(hooks)-1]; last.Attempts != 1 || !last.NextAttemptAt.Equal(sh(2026, 12, 3, 7, 0)) {
			t.Errorf("retry in quiet hours: %+v", last)
		}
	})
}

// TestCancelledWhenDone: deliveries not yet sent when the task is submitted
// or done are cancelled, by the scan and by the delivery itself.
func TestCancelledWhenDone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, sh(2026, 12, 1, 23, 0))
		w.exec("DELETE FROM role_assignments WHERE user_id = ?", userID(w.staff))
		hook := newHookServer(t)
		w.webhook(nil, hook.URL, remind.FormatGeneric, "")
		a := w.deployment(w.branch, "部署一", sh(2026, 12, 3, 23, 59), sh(2026, 12, 1, 22, 30))
		b := w.deployment(w.branch, "部署二", sh(2026, 12, 3, 23, 59), sh(2026, 12, 1, 22, 30))
		s := w.service(nil, remind.Config{})
		w.scanAndDeliver(s)
		w.setStatus(a, affairs.Submitted)
		w.setStatus(b, affairs.Done)

		w.clk.Set(sh(2026, 12, 2, 7, 0))
		hooks := w.deliveries(remind.ChannelWebhook)
		if err := s.Deliver(context.Background(), hooks[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Scan(context.Background(), w.clk.Now()); err != nil {
			t.Fatal(err)
		}
		for _, dl := range w.deliveries(remind.ChannelWebhook) {
			if dl.Status != remind.StatusCancelled {
				t.Errorf("delivery %d: %s, want CANCELLED", dl.ID, dl.Status)
			}
		}
		if hook.hits.Load() != 0 {
			t.Error("reminded about finished work")
		}
		for _, r := range w.reminders() {
			if r.Status != remind.StatusSent { // the inbox went out before the task was finished
				t.Errorf("reminder %d: %s", r.ID, r.Status)
			}
		}
		// Finished before any reminder: none is created.
		c := w.deployment(w.branch, "部署三", sh(2026, 12, 4, 23, 59), sh(2026, 12, 2, 7, 0))
		w.setStatus(c, affairs.Done)
		w.scanAndDeliver(s)
		if n := w.count("SELECT count(*) FROM reminders WHERE instance_id = ?", c); n != 0 {
			t.Errorf("%d reminders for a finished task", n)
		}
	})
}

type fakeMailer struct {
	mu   sync.Mutex
	sent []remind.Mail
}

func (m *fakeMailer) Send(_ context.Context, mail remind.Mail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, mail)
	return nil
}

// TestEmailAndPrefs: e-mail goes to users who enabled it; without SMTP the
// e-mail delivery is SKIPPED with a reason; webhooks follow the preference.
func TestEmailAndPrefs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, _ := novemberWorld(t, d)
		hook := newHookServer(t)
		w.webhook(nil, hook.URL, remind.FormatGeneric, "")
		mailer := &fakeMailer{}
		s := w.service(nil, remind.Config{Mailer: mailer})

		p, err := s.Prefs(w.sec)
		if err != nil || p.EmailEnabled || !p.WebhookEnabled {
			t.Fatalf("default prefs %+v %v", p, err)
		}
		for _, bad := range []remind.PrefsInput{
			{Email: ptr("not-an-address")},
			{Email: ptr("张三 <a@b.cn>")},
			{EmailEnabled: ptr(true)},
		} {
			if _, err := s.UpdatePrefs(w.sec, bad); apperr.CodeOf(err) != apperr.InvalidInput {
				t.Errorf("UpdatePrefs(%+v) = %v, want INVALID_INPUT", bad, err)
			}
		}
		if _, err := s.UpdatePrefs(w.sec, remind.PrefsInput{Email: ptr(" sec@example.cn "), EmailEnabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdatePrefs(w.staff, remind.PrefsInput{WebhookEnabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.Prefs(w.sec); p.Email != "sec@example.cn" || !p.EmailEnabled {
			t.Errorf("saved prefs %+v", p)
		}
		w.scanAndDeliver(s)
		if len(mailer.sent) != 1 || mailer.sent[0].To != "sec@example.cn" ||
			mailer.sent[0].Subject != "【提醒】幸福社区第一党支部：2026年11月 支部委员会 将于 7 天后到期" ||
			!strings.Contains(mailer.sent[0].Body, "https://dj.example.cn/tasks/") {
			t.Errorf("mail %+v", mailer.sent)
		}
		if hook.hits.Load() != 1 {
			t.Errorf("%d webhook calls, want 1 (the staff member switched webhooks off)", hook.hits.Load())
		}

		// Without SMTP the e-mail channel is off: SKIPPED with the reason.
		noSMTP := w.service(nil, remind.Config{})
		w.clk.Set(sh(2026, 11, 27, 12, 0))
		w.scanAndDeliver(noSMTP)
		mails := w.deliveries(remind.ChannelEmail)
		if len(mails) != 2 || mails[1].Status != remind.StatusSkipped || !strings.Contains(mails[1].LastError, "SMTP") {
			t.Errorf("e-mail without SMTP: %+v", mails)
		}
		for _, r := range w.reminders() {
			if r.Status != remind.StatusSent {
				t.Errorf("reminder %d: %s", r.ID, r.Status)
			}
		}
	})
}

// TestDeliverTwiceAtOnce: the same delivery run by two workers at once is
// sent once (the conditional UPDATE claims it for one of them).
func TestDeliverTwiceAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, _ := novemberWorld(t, d)
		hook := newHookServer(t)
		w.webhook(nil, hook.URL, remind.FormatGeneric, "")
		s := w.service(nil, remind.Config{})
		if _, err := s.Scan(context.Background(), w.clk.Now()); err != nil {
			t.Fatal(err)
		}
		ids := w.dueDeliveries()
		var wg sync.WaitGroup
		errs := make(chan error, 4*len(ids))
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, id := range ids {
					errs <- s.Deliver(context.Background(), id)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := w.count("SELECT count(*) FROM notifications"); n != 2 {
			t.Errorf("%d notifications, want 2", n)
		}
		if n := hook.hits.Load(); n != 2 {
			t.Errorf("%d webhook calls, want 2", n)
		}
		page, err := s.Inbox(w.sec, true, pagination.Request{})
		if err != nil || len(page.Items) != 1 {
			t.Errorf("inbox %+v %v", page, err)
		}
	})
}

// TestDeletedWebhookSkipped: a delivery to an endpoint deleted meanwhile is SKIPPED with the reason.
func TestDeletedWebhookSkipped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, _ := novemberWorld(t, d)
		hook := newHookServer(t)
		id := w.webhook(nil, hook.URL, remind.FormatGeneric, "")
		s := w.service(nil, remind.Config{})
		if _, err := s.Scan(context.Background(), w.clk.Now()); err != nil {
			t.Fatal(err)
		}
		w.exec("DELETE FROM webhook_endpoints WHERE id = ?", id)
		for _, id := range w.dueDeliveries() {
			if err := s.Deliver(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}
		for _, dl := range w.deliveries(remind.ChannelWebhook) {
			if dl.Status != remind.StatusSkipped || !strings.Contains(dl.LastError, "已删除") {
				t.Errorf("delivery %d: %s %q", dl.ID, dl.Status, dl.LastError)
			}
		}
		for _, r := range w.reminders() {
			if r.Status != remind.StatusSent || !strings.Contains(r.LastError, "Webhook") {
				t.Errorf("reminder %d: %s %q", r.ID, r.Status, r.LastError)
			}
		}
		if hook.hits.Load() != 0 {
			t.Error("called a deleted endpoint")
		}
	})
}
