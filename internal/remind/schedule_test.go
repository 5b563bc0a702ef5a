package remind_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dangjian/internal/remind"
)

func occ(os []remind.Occurrence) string {
	var s []string
	for _, o := range os {
		s = append(s, fmt.Sprintf("%s/%d@%s", o.Kind, o.Offset, o.At.In(shanghai).Format("01-02T15")))
	}
	return strings.Join(s, " ")
}

func TestPolicyDue(t *testing.T) {
	std := remind.Policy{DaysBefore: []int{7, 3, 1}, OverdueEvery: 3, EscalateAfter: 7}
	due := sh(2026, 11, 30, 23, 59).Add(59 * time.Second)
	early := sh(2026, 11, 1, 0, 5)
	tests := []struct {
		name    string
		p       remind.Policy
		created time.Time
		now     time.Time
		want    string
	}{
		{"nothing yet", std, early, sh(2026, 11, 23, 7, 59), ""},
		{"7 days before at 08:00", std, early, sh(2026, 11, 23, 8, 0), "BEFORE_DUE/7@11-23T08"},
		// A scan on the due day (earlier reminders were created by earlier scans).
		{"on the due day", std, early, sh(2026, 11, 30, 9, 0), "DUE/0@11-30T08"},
		{"within a day of the last one", std, early, sh(2026, 11, 30, 7, 0), "BEFORE_DUE/1@11-29T08"},
		{"overdue and escalated", std, early, sh(2026, 12, 7, 8, 0), "OVERDUE/6@12-06T08 ESCALATION/7@12-07T08"},
		// Generated late (2 days before due): no stale 7-day reminder, only the latest one.
		{"late task gets only the latest", std, sh(2026, 11, 28, 15, 0), sh(2026, 11, 28, 15, 0), "BEFORE_DUE/3@11-27T08"},
		{"late task, next day", std, sh(2026, 11, 28, 15, 0), sh(2026, 11, 29, 9, 0), "BEFORE_DUE/1@11-29T08"},
		// Two reminders within a day of now are both created (a 6-hourly scan missed neither).
		{"two within a day", remind.Policy{DaysBefore: []int{2, 1}}, early, sh(2026, 11, 29, 8, 0), "BEFORE_DUE/2@11-28T08 BEFORE_DUE/1@11-29T08"},
		// A scheduler that was down for days sends the latest of the series only (and the escalation).
		{"after an outage", std, early, sh(2026, 12, 10, 9, 0), "OVERDUE/9@12-09T08 ESCALATION/7@12-07T08"},
		{"no overdue, no escalation", remind.Policy{DaysBefore: []int{2}}, early, sh(2026, 12, 10, 9, 0), "DUE/0@11-30T08"},
		{"deployment", remind.DeploymentPolicy(), early, sh(2026, 11, 27, 9, 0), "BEFORE_DUE/3@11-27T08"},
		{"deployment escalates after 3 days", remind.DeploymentPolicy(), early, sh(2026, 12, 3, 9, 0), "OVERDUE/3@12-03T08 ESCALATION/3@12-03T08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := occ(tt.p.Due(due, tt.created, tt.now, shanghai)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestPolicyDueCapsOverdue(t *testing.T) {
	due := sh(2026, 1, 31, 23, 59)
	got := remind.Policy{OverdueEvery: 3}.Due(due, sh(2026, 1, 1, 0, 0), sh(2026, 12, 31, 9, 0), shanghai)
	last := got[len(got)-1]
	if last.Kind != remind.KindOverdue || last.Offset != remind.MaxOverdueDays {
		t.Errorf("last occurrence %+v, want OVERDUE/%d", last, remind.MaxOverdueDays)
	}
}

func TestDueDayAndDaysLeft(t *testing.T) {
	for _, dueAt := range []time.Time{sh(2026, 11, 30, 23, 59), sh(2026, 12, 1, 0, 0)} {
		if d := remind.DueDay(dueAt, shanghai); !d.Equal(sh(2026, 11, 30, 0, 0)) {
			t.Errorf("DueDay(%s) = %s", dueAt, d)
		}
	}
	due := sh(2026, 11, 30, 23, 59)
	for _, tc := range []struct {
		now  time.Time
		want int
	}{{sh(2026, 11, 27, 23, 59), 3}, {sh(2026, 11, 30, 0, 0), 0}, {sh(2026, 12, 6, 8, 0), -6}, {sh(2027, 3, 1, 8, 0), -91}} {
		if got := remind.DaysLeft(due, tc.now, shanghai); got != tc.want {
			t.Errorf("DaysLeft at %s = %d, want %d", tc.now, got, tc.want)
		}
	}
}

func TestQuietHours(t *testing.T) {
	q := remind.DefaultQuietHours()
	for _, tc := range []struct {
		at, want time.Time
	}{
		{sh(2026, 11, 30, 21, 59), sh(2026, 11, 30, 21, 59)},
		{sh(2026, 11, 30, 22, 0), sh(2026, 12, 1, 7, 0)},
		{sh(2026, 11, 30, 23, 0), sh(2026, 12, 1, 7, 0)},
		{sh(2026, 12, 1, 3, 0), sh(2026, 12, 1, 7, 0)},
		{sh(2026, 12, 1, 7, 0), sh(2026, 12, 1, 7, 0)},
		{sh(2026, 12, 31, 23, 30), sh(2027, 1, 1, 7, 0)},
	} {
		if got := q.Defer(tc.at, shanghai); !got.Equal(tc.want) {
			t.Errorf("Defer(%s) = %s, want %s", tc.at, got.In(shanghai), tc.want)
		}
	}
	day, err := remind.ParseQuietHours("12:00", "13:30")
	if err != nil {
		t.Fatal(err)
	}
	if !day.Contains(sh(2026, 1, 1, 13, 29), shanghai) || day.Contains(sh(2026, 1, 1, 13, 30), shanghai) {
		t.Error("non-wrapping window")
	}
	if got := day.Defer(sh(2026, 1, 1, 12, 10), shanghai); !got.Equal(sh(2026, 1, 1, 13, 30)) {
		t.Errorf("non-wrapping defer = %s", got)
	}
	off, _ := remind.ParseQuietHours("00:00", "00:00")
	if off.Contains(sh(2026, 1, 1, 3, 0), shanghai) {
		t.Error("equal bounds mean no quiet hours")
	}
	for _, bad := range []string{"24:00", "7", "ab:cd", ""} {
		if _, err := remind.ParseQuietHours(bad, "07:00"); err == nil {
			t.Errorf("ParseQuietHours(%q) accepted", bad)
		}
	}
}

func TestNextAttempt(t *testing.T) {
	at := sh(2026, 11, 1, 12, 0)
	want := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}
	for i, w := range want {
		next, ok := remind.NextAttempt(i+1, at)
		if !ok || next.Sub(at) != w {
			t.Errorf("after attempt %d: %v %v, want +%v", i+1, next.Sub(at), ok, w)
		}
	}
	if _, ok := remind.NextAttempt(remind.MaxAttempts, at); ok {
		t.Errorf("attempt %d should give up", remind.MaxAttempts)
	}
}

// TestDingTalkSign checks the signature against a vector computed outside Go
// (Python hmac/hashlib/base64 on the same secret and timestamp).
func TestDingTalkSign(t *testing.T) {
	const secret = "SECa1b2c3d4e5f6"
	const ts = int64(1767225600000)
	if got, want := remind.DingTalkSign(secret, ts), "nOB5enHagM3zMvofhQgDnu52YaeCAnmdgVo2nSYiIrw="; got != want {
		t.Errorf("sign = %s, want %s", got, want)
	}
	u := remind.SignedDingTalkURL("https://oapi.dingtalk.com/robot/send?access_token=abc", secret, time.UnixMilli(ts))
	if want := "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1767225600000&sign=nOB5enHagM3zMvofhQgDnu52YaeCAnmdgVo2nSYiIrw%3D"; u != want {
		t.Errorf("url = %s\nwant  %s", u, want)
	}
}

func TestFormatDate(t *testing.T) {
	if got := remind.FormatDate(time.Date(2026, 11, 30, 15, 59, 59, 0, time.UTC), shanghai); got != "2026年11月30日" {
		t.Errorf("got %s", got)
	}
}
