package affairs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"dangjian/internal/apperr"
)

// Cadence is how often a recurring task falls due.
type Cadence string

// Cadences.
const (
	Weekly     Cadence = "WEEKLY"      // 每周
	Monthly    Cadence = "MONTHLY"     // 每月
	Quarterly  Cadence = "QUARTERLY"   // 每季度
	HalfYearly Cadence = "HALF_YEARLY" // 每半年
	Yearly     Cadence = "YEARLY"      // 每年
)

// Valid reports whether c is a known cadence.
func (c Cadence) Valid() bool {
	switch c {
	case Weekly, Monthly, Quarterly, HalfYearly, Yearly:
		return true
	}
	return false
}

// Label is the Chinese name of the cadence.
func (c Cadence) Label() string {
	return map[Cadence]string{Weekly: "每周", Monthly: "每月", Quarterly: "每季度", HalfYearly: "每半年", Yearly: "每年"}[c]
}

// Days is the length of the shortest period of the cadence, bounding due offsets.
func (c Cadence) Days() int {
	return map[Cadence]int{Weekly: 7, Monthly: 28, Quarterly: 90, HalfYearly: 181, Yearly: 365}[c]
}

// Period is one occurrence of a cadence in a time zone: [Start, End).
type Period struct {
	Cadence Cadence
	// Key names the period: "2026-W48", "2026-11", "2026-Q4", "2026-H2", "2026".
	Key   string
	Start time.Time
	End   time.Time
}

// PeriodAt returns the period of cadence c that contains t, in loc.
func PeriodAt(c Cadence, t time.Time, loc *time.Location) Period {
	t = t.In(loc)
	y, m, d := t.Date()
	switch c {
	case Weekly:
		// ISO weeks start on Monday.
		wd := (int(t.Weekday()) + 6) % 7
		start := time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
		iy, iw := start.ISOWeek()
		return Period{c, fmt.Sprintf("%d-W%02d", iy, iw), start, start.AddDate(0, 0, 7)}
	case Monthly:
		start := time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return Period{c, fmt.Sprintf("%d-%02d", y, int(m)), start, start.AddDate(0, 1, 0)}
	case Quarterly:
		q := (int(m)-1)/3 + 1
		start := time.Date(y, time.Month((q-1)*3+1), 1, 0, 0, 0, 0, loc)
		return Period{c, fmt.Sprintf("%d-Q%d", y, q), start, start.AddDate(0, 3, 0)}
	case HalfYearly:
		h := (int(m)-1)/6 + 1
		start := time.Date(y, time.Month((h-1)*6+1), 1, 0, 0, 0, 0, loc)
		return Period{c, fmt.Sprintf("%d-H%d", y, h), start, start.AddDate(0, 6, 0)}
	default:
		start := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		return Period{Yearly, strconv.Itoa(y), start, start.AddDate(1, 0, 0)}
	}
}

// ParsePeriod parses a period key in loc.
func ParsePeriod(key string, loc *time.Location) (Period, error) {
	bad := apperr.Invalid("period", "期间格式无效，例如 2026-W48、2026-11、2026-Q4、2026-H2 或 2026")
	key = strings.TrimSpace(key)
	y, rest, _ := strings.Cut(key, "-")
	year, err := strconv.Atoi(y)
	if err != nil || year < 2000 || year > 2100 || len(y) != 4 {
		return Period{}, bad
	}
	num := func(s string, lo, hi int) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= lo && n <= hi
	}
	var c Cadence
	var at time.Time
	switch {
	case rest == "":
		c, at = Yearly, time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	case strings.HasPrefix(rest, "W"):
		w, ok := num(rest[1:], 1, 53)
		if !ok {
			return Period{}, bad
		}
		// ISO week 1 contains January 4th.
		jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, loc)
		c, at = Weekly, jan4.AddDate(0, 0, (w-1)*7)
	case strings.HasPrefix(rest, "Q"):
		q, ok := num(rest[1:], 1, 4)
		if !ok {
			return Period{}, bad
		}
		c, at = Quarterly, time.Date(year, time.Month((q-1)*3+1), 1, 0, 0, 0, 0, loc)
	case strings.HasPrefix(rest, "H"):
		h, ok := num(rest[1:], 1, 2)
		if !ok {
			return Period{}, bad
		}
		c, at = HalfYearly, time.Date(year, time.Month((h-1)*6+1), 1, 0, 0, 0, 0, loc)
	default:
		m, ok := num(rest, 1, 12)
		if !ok || len(rest) != 2 {
			return Period{}, bad
		}
		c, at = Monthly, time.Date(year, time.Month(m), 1, 0, 0, 0, 0, loc)
	}
	p := PeriodAt(c, at, loc)
	if p.Key != key {
		return Period{}, bad
	}
	return p, nil
}

// Next returns the following period.
func (p Period) Next() Period { return PeriodAt(p.Cadence, p.End, p.Start.Location()) }

// Prev returns the preceding period.
func (p Period) Prev() Period {
	return PeriodAt(p.Cadence, p.Start.Add(-time.Second), p.Start.Location())
}

// DueAt returns the deadline of a task due daysBeforeEnd days before the
// period's last day: the end of that day (23:59:59) in the period's zone.
// 0 means the last day of the period. Offsets beyond the period clamp to its first day.
func (p Period) DueAt(daysBeforeEnd int) time.Time {
	lastDay := p.End.AddDate(0, 0, -1)
	due := lastDay.AddDate(0, 0, -daysBeforeEnd)
	if due.Before(p.Start) {
		due = p.Start
	}
	y, m, d := due.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, p.Start.Location())
}
