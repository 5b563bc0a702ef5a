package remind

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SendHour is the local hour (tenant time) at which a day's reminders fall
// due: after the default quiet hours, at the start of a working day.
const SendHour = 8

// Grace is how far in the past a reminder may fall and still be created. A
// task generated late (or a scheduler that was down) does not get a flood of
// stale reminders: of the ones older than Grace only the latest applies.
const Grace = 24 * time.Hour

// MaxOverdueDays bounds overdue reminders: after that many days overdue an
// open task no longer produces new ones (it stays red in the 三色预警).
const MaxOverdueDays = 90

// Deployment defaults (部署 has no template): 3 and 1 days before, every 3
// days overdue, escalated after 3 days.
const (
	deploymentMaxBefore = 3
	deploymentOverdue   = 3
	deploymentEscalate  = 3
)

// Policy is when the reminders of a task fall due.
type Policy struct {
	// DaysBefore are the BEFORE_DUE offsets (e.g. 7, 3, 1).
	DaysBefore []int
	// OverdueEvery repeats the OVERDUE reminder every that many days; 0 turns it off.
	OverdueEvery int
	// EscalateAfter sends the ESCALATION once at that many days overdue; 0 turns it off.
	EscalateAfter int
}

// DeploymentPolicy is the policy of deployment tasks: 3 and 1 days before,
// on the day, every 3 days overdue, escalated after 3 days.
func DeploymentPolicy() Policy {
	return Policy{DaysBefore: []int{deploymentMaxBefore, 1}, OverdueEvery: deploymentOverdue, EscalateAfter: deploymentEscalate}
}

// Occurrence is one reminder time of a task.
type Occurrence struct {
	Kind   Kind
	Offset int
	At     time.Time
}

// DueDay returns the calendar day (midnight, loc) on which a task due at
// dueAt falls due: a deadline at 23:59:59 or at the following midnight both
// mean "by the end of that day".
func DueDay(dueAt time.Time, loc *time.Location) time.Time {
	t := dueAt.In(loc).Add(-time.Nanosecond)
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// DaysLeft returns the whole days from the day of now to the due day in loc:
// positive before, 0 on the due day, negative when overdue.
func DaysLeft(dueAt, now time.Time, loc *time.Location) int {
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	due := DueDay(dueAt, loc)
	// Calendar days, not 24-hour spans: compare dates at noon UTC.
	a := time.Date(today.Year(), today.Month(), today.Day(), 12, 0, 0, 0, time.UTC)
	b := time.Date(due.Year(), due.Month(), due.Day(), 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// Due returns the occurrences of the policy that a scan at now creates when
// they do not exist yet, for a task due at dueAt and created at createdAt, in
// loc. Occurrences fall at SendHour on their day. Of the before-due/due/overdue
// series, an occurrence followed by a later one already due is left out when
// it lies more than Grace before the task's creation or before now: a task
// generated late, or a scheduler back from an outage, sends only the latest
// applicable reminder, never a flood of stale ones (scans run every minute,
// so in normal operation every occurrence is created well within Grace). The
// escalation is a single reminder and is always included once due.
func (p Policy) Due(dueAt, createdAt, now time.Time, loc *time.Location) []Occurrence {
	day := DueDay(dueAt, loc)
	at := func(offset int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day()+offset, SendHour, 0, 0, 0, loc).UTC()
	}
	var series []Occurrence
	seen := map[int]bool{}
	for _, n := range p.DaysBefore {
		if n <= 0 || seen[n] {
			continue
		}
		seen[n] = true
		series = append(series, Occurrence{KindBeforeDue, n, at(-n)})
	}
	dueOcc := at(0)
	if dueAt.Before(dueOcc) {
		dueOcc = dueAt.UTC()
	}
	series = append(series, Occurrence{KindDue, 0, dueOcc})
	if p.OverdueEvery > 0 {
		for k := p.OverdueEvery; k <= MaxOverdueDays; k += p.OverdueEvery {
			t := at(k)
			if t.After(now) {
				break
			}
			series = append(series, Occurrence{KindOverdue, k, t})
		}
	}
	sort.SliceStable(series, func(i, j int) bool { return series[i].At.Before(series[j].At) })

	var due []Occurrence
	for _, o := range series {
		if !o.At.After(now) {
			due = append(due, o)
		}
	}
	var out []Occurrence
	for i, o := range due {
		superseded := i < len(due)-1
		stale := o.At.Before(createdAt.Add(-Grace)) || o.At.Before(now.Add(-Grace))
		if superseded && stale {
			continue
		}
		out = append(out, o)
	}
	if p.EscalateAfter > 0 {
		if t := at(p.EscalateAfter); !t.After(now) {
			out = append(out, Occurrence{KindEscalation, p.EscalateAfter, t})
		}
	}
	return out
}

// ParseDays parses a comma-separated list of day offsets ("7,3,1"),
// ignoring blanks and anything that is not a positive number.
func ParseDays(s string) []int {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// QuietHours is a daily window in tenant time during which push channels
// (e-mail, webhooks) wait; the inbox does not. Start and End are minutes
// after midnight; a window with Start > End wraps past midnight (22:00–07:00);
// Start == End means no quiet hours.
type QuietHours struct {
	Start, End int
}

// DefaultQuietHours returns 22:00–07:00, the quiet hours of a town that set none.
func DefaultQuietHours() QuietHours { return QuietHours{Start: 22 * 60, End: 7 * 60} }

// ParseQuietHours parses "HH:MM" bounds.
func ParseQuietHours(start, end string) (QuietHours, error) {
	s, err := parseClock(start)
	if err != nil {
		return QuietHours{}, err
	}
	e, err := parseClock(end)
	if err != nil {
		return QuietHours{}, err
	}
	return QuietHours{Start: s, End: e}, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("bad time of day %q (want HH:MM)", s)
	}
	return hh*60 + mm, nil
}

// Contains reports whether t falls in the quiet hours in loc.
func (q QuietHours) Contains(t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	switch {
	case q.Start == q.End:
		return false
	case q.Start < q.End:
		return m >= q.Start && m < q.End
	default:
		return m >= q.Start || m < q.End
	}
}

// Defer returns t when it is outside the quiet hours, otherwise the end of
// the quiet period containing t (tenant time), as UTC.
func (q QuietHours) Defer(t time.Time, loc *time.Location) time.Time {
	if !q.Contains(t, loc) {
		return t.UTC()
	}
	lt := t.In(loc)
	end := time.Date(lt.Year(), lt.Month(), lt.Day(), q.End/60, q.End%60, 0, 0, loc)
	if !end.After(lt) {
		end = time.Date(lt.Year(), lt.Month(), lt.Day()+1, q.End/60, q.End%60, 0, 0, loc)
	}
	return end.UTC()
}

// MaxAttempts is how many times a push delivery is tried before it fails for good.
const MaxAttempts = 6

// NextAttempt returns when to try again after the attempts-th failed attempt
// (1m, 5m, 30m, 2h, 6h), and false when the delivery should give up.
func NextAttempt(attempts int, failedAt time.Time) (time.Time, bool) {
	if attempts >= MaxAttempts || attempts < 1 {
		return time.Time{}, false
	}
	// The wait after each failed attempt of a push delivery.
	backoff := [...]time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}
	i := min(attempts-1, len(backoff)-1)
	return failedAt.Add(backoff[i]), true
}

// loadLocation returns the tenant's zone, Asia/Shanghai when unset or
// unknown, UTC when the zone database is missing.
func loadLocation(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.UTC
}
