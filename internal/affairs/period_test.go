package affairs

import (
	"testing"
	"time"
)

func TestPeriods(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	// 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Shanghai.
	newYear := time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC)
	mid := time.Date(2026, 11, 25, 9, 0, 0, 0, sh)
	cases := []struct {
		c          Cadence
		at         time.Time
		key        string
		start, end string
	}{
		{Monthly, mid, "2026-11", "2026-11-01", "2026-12-01"},
		{Quarterly, mid, "2026-Q4", "2026-10-01", "2027-01-01"},
		{HalfYearly, mid, "2026-H2", "2026-07-01", "2027-01-01"},
		{Yearly, mid, "2026", "2026-01-01", "2027-01-01"},
		{Weekly, mid, "2026-W48", "2026-11-23", "2026-11-30"},
		{Monthly, newYear, "2027-01", "2027-01-01", "2027-02-01"},
		{Quarterly, newYear, "2027-Q1", "2027-01-01", "2027-04-01"},
		{Weekly, time.Date(2027, 1, 1, 12, 0, 0, 0, sh), "2026-W53", "2026-12-28", "2027-01-04"},
	}
	for _, c := range cases {
		p := PeriodAt(c.c, c.at, sh)
		if p.Key != c.key || p.Start.Format("2006-01-02") != c.start || p.End.Format("2006-01-02") != c.end {
			t.Errorf("%s at %v: got %s [%s, %s), want %s [%s, %s)", c.c, c.at, p.Key,
				p.Start.Format("2006-01-02"), p.End.Format("2006-01-02"), c.key, c.start, c.end)
		}
		back, err := ParsePeriod(c.key, sh)
		if err != nil || back != p {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v", c.key, back, err, p)
		}
		if n := p.Next(); !n.Start.Equal(p.End) || n.Prev() != p {
			t.Errorf("%s: next %v / prev mismatch", c.key, n.Key)
		}
	}
}

func TestParsePeriodRejects(t *testing.T) {
	for _, k := range []string{"", "2026-13", "2026-Q5", "2026-H3", "2026-W54", "26-11", "2026-1", "abcd", "2026-W00", "1999"} {
		if _, err := ParsePeriod(k, time.UTC); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", k)
		}
	}
}

func TestDueAt(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	nov, _ := ParsePeriod("2026-11", sh)
	if got := nov.DueAt(0).Format("2006-01-02 15:04:05 -0700"); got != "2026-11-30 23:59:59 +0800" {
		t.Errorf("due on last day: %s", got)
	}
	if got := nov.DueAt(5).Format("2006-01-02"); got != "2026-11-25" {
		t.Errorf("due 5 days before end: %s", got)
	}
	if got := nov.DueAt(100).Format("2006-01-02"); got != "2026-11-01" {
		t.Errorf("offset clamps to first day: %s", got)
	}
}
