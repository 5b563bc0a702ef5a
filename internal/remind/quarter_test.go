package remind_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/affairs"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/pagination"
	"dangjian/internal/remind"
)

// TestQuarter moves a fake clock through 2026-Q4 in 6-hour steps, with a
// monthly template (three instances) and a quarterly one (one instance) for
// 幸福社区第一党支部, and asserts exactly which reminders appear and that each
// reaches the inbox and the webhook exactly once.
//
//   - 2026-10 支部委员会: submitted on 10-20, returned on 10-28, done on 10-30 afternoon:
//     the 7- and 3-day reminders fell while it was submitted; on its return
//     only the latest missed one (3 days) is sent, then the 1-day one.
//   - 2026-11 支部委员会: never done: 7, 3, 1 days before, on the day, every 3
//     days overdue up to the end of the quarter, escalated after 7 days to
//     the community secretary and the town office.
//   - 2026-12 支部委员会: submitted on 12-29 after the 7- and 3-day reminders.
//   - 2026-Q4 党员大会: done on 12-26, after the 7-day reminder only.
func TestQuarter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, sh(2026, 10, 1, 0, 0))
		hook := newHookServer(t)
		w.webhook(&w.comm.ID, hook.URL, remind.FormatGeneric, "")
		s := w.service(nil, remind.Config{})

		monthly := w.template("支部委员会", affairs.Monthly, "7,3,1", 3, 7)
		quarterly := w.template("党员大会", affairs.Quarterly, "7,3,1", 3, 7)

		var oct, nov, dec, q4 int64
		type event struct {
			at time.Time
			do func()
		}
		events := []event{
			{sh(2026, 10, 1, 0, 5), func() {
				oct = w.instance(monthly, w.branch, "2026-10", "2026年10月 支部委员会", sh(2026, 10, 1, 0, 5))
				q4 = w.instance(quarterly, w.branch, "2026-Q4", "2026年第四季度 党员大会", sh(2026, 10, 1, 0, 5))
			}},
			{sh(2026, 10, 20, 10, 0), func() { w.setStatus(oct, affairs.Submitted) }},
			{sh(2026, 10, 28, 10, 0), func() { w.setStatus(oct, affairs.Returned) }},
			{sh(2026, 10, 30, 14, 0), func() { w.setStatus(oct, affairs.Done) }},
			{sh(2026, 11, 1, 0, 5), func() {
				nov = w.instance(monthly, w.branch, "2026-11", "2026年11月 支部委员会", sh(2026, 11, 1, 0, 5))
			}},
			{sh(2026, 12, 1, 0, 5), func() {
				w.setStatus(nov, affairs.Overdue)
				dec = w.instance(monthly, w.branch, "2026-12", "2026年12月 支部委员会", sh(2026, 12, 1, 0, 5))
			}},
			{sh(2026, 12, 26, 12, 0), func() { w.setStatus(q4, affairs.Done) }},
			{sh(2026, 12, 29, 10, 0), func() { w.setStatus(dec, affairs.Submitted) }},
		}
		end := sh(2027, 1, 1, 0, 0)
		for now := sh(2026, 10, 1, 0, 0); !now.After(end); now = now.Add(6 * time.Hour) {
			w.clk.Set(now)
			for len(events) > 0 && !events[0].at.After(now) {
				events[0].do()
				events = events[1:]
			}
			w.scanAndDeliver(s)
		}

		got := map[string]int{}
		perInstance := map[int64]int{}
		var rows []remind.Reminder
		err := d.Read(w.sys, func(ctx context.Context, idb bun.IDB) error {
			return idb.NewSelect().Model(&rows).Scan(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			got[fmt.Sprintf("%s/%d", r.Kind, r.OffsetDays)]++
			perInstance[r.InstanceID]++
			if r.Status != remind.StatusSent {
				t.Errorf("reminder %d %s/%d: status %s (%s), want SENT", r.ID, r.Kind, r.OffsetDays, r.Status, r.LastError)
			}
		}
		want := map[string]int{
			"BEFORE_DUE/7": 6, "BEFORE_DUE/3": 6, "BEFORE_DUE/1": 4, "DUE/0": 2, "ESCALATION/7": 4,
		}
		for k := 3; k <= 30; k += 3 {
			want[fmt.Sprintf("OVERDUE/%d", k)] = 2
		}
		if diff := diffCounts(want, got); diff != "" {
			t.Errorf("reminders by kind/offset (-want +got):\n%s", diff)
		}
		wantPer := map[int64]int{oct: 4, nov: 32, dec: 4, q4: 2}
		for id, n := range wantPer {
			if perInstance[id] != n {
				t.Errorf("instance %d: %d reminders, want %d", id, perInstance[id], n)
			}
		}
		total := len(rows)
		if total != 42 {
			t.Errorf("%d reminders, want 42", total)
		}
		if n := w.count("SELECT count(*) FROM notifications"); n != total {
			t.Errorf("%d notifications, want %d", n, total)
		}
		if n := w.count("SELECT count(DISTINCT reminder_id) FROM notifications"); n != total {
			t.Errorf("%d distinct reminders in the inbox, want %d", n, total)
		}
		if n := int(hook.hits.Load()); n != total {
			t.Errorf("%d webhook calls, want %d (one per reminder)", n, total)
		}
		if n := w.count("SELECT count(*) FROM reminder_deliveries WHERE status <> 'SENT' OR attempts <> 1"); n != 0 {
			t.Errorf("%d deliveries not sent exactly once", n)
		}

		// The escalation reached the community secretary and the town office.
		for name, ctx := range map[string]context.Context{"community secretary": w.commSec, "town office": w.office} {
			page, err := s.Inbox(ctx, false, pagination.Request{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 1 || !strings.HasPrefix(page.Items[0].Title, "【督办】幸福社区第一党支部：2026年11月 支部委员会 已逾期 7 天") {
				t.Errorf("%s inbox: %+v", name, titles(page.Items))
			}
		}
		// The branch secretary sees 20 reminders (escalation included), newest first, linking to the task.
		page, err := s.Inbox(w.sec, false, pagination.Request{First: ptr(100)})
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalCount != 20 || len(page.Items) != 20 {
			t.Fatalf("secretary inbox: total %d, %d items, want 20", page.TotalCount, len(page.Items))
		}
		first := page.Items[len(page.Items)-1]
		if want := "【提醒】幸福社区第一党支部：2026年10月 支部委员会 将于 3 天后到期"; first.Title != want {
			t.Errorf("oldest title %q, want %q", first.Title, want)
		}
		if !strings.Contains(first.Body, "2026年10月31日") || first.Link != fmt.Sprintf("/tasks/%d", oct) {
			t.Errorf("oldest body %q link %q", first.Body, first.Link)
		}
		newest := page.Items[0]
		if want := "【逾期】幸福社区第一党支部：2026年11月 支部委员会 已逾期 30 天"; newest.Title != want {
			t.Errorf("newest title %q, want %q", newest.Title, want)
		}
		// Webhook payloads carry the absolute link and the due time.
		hook.mu.Lock()
		var p map[string]any
		_ = json.Unmarshal(hook.bodies[0], &p)
		hook.mu.Unlock()
		if p["event"] != "task.reminder" || p["link"] != fmt.Sprintf("https://dj.example.cn/tasks/%d", oct) || p["org"] != "幸福社区第一党支部" ||
			p["tenant"] != "甲镇" || p["dueAt"] != "2026-10-31T15:59:59Z" || p["kind"] != "BEFORE_DUE" {
			t.Errorf("generic payload: %v", p)
		}
	})
}

func titles(ns []*remind.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Title
	}
	return out
}

func diffCounts(want, got map[string]int) string {
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var b strings.Builder
	for _, k := range ks {
		if want[k] != got[k] {
			fmt.Fprintf(&b, "  %s: want %d, got %d\n", k, want[k], got[k])
		}
	}
	return b.String()
}
