package affairs

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/db"
)

// LateAfterWorkdays is how many working days after an activity its record may
// be entered before it counts as late (补录).
const LateAfterWorkdays = 3

// IsWorkday reports whether t falls on Monday to Friday in loc.
//
// Statutory holidays (春节, 国庆 …) and the weekend days worked in exchange
// (调休) are not known here: a holiday weekday counts as a working day and a
// make-up Saturday does not.
func IsWorkday(t time.Time, loc *time.Location) bool {
	switch t.In(loc).Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return true
}

// WorkdayDeadline returns the end of the n-th working day after the day of t
// in loc, i.e. the midnight that starts the following day. The day of t
// itself never counts: an activity ending on Friday with n = 3 has Monday,
// Tuesday and Wednesday, so the deadline is Thursday 00:00.
func WorkdayDeadline(t time.Time, n int, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for n > 0 {
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		if IsWorkday(day, loc) {
			n--
		}
	}
	return time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
}

// IsLateEntry reports whether a record entered at entered, of an activity that
// ended at end, is late: entered after LateAfterWorkdays working days in loc.
func IsLateEntry(end, entered time.Time, loc *time.Location) bool {
	return !entered.Before(WorkdayDeadline(end, LateAfterWorkdays, loc))
}

// zoneOfTown returns the time zone of a town (tenants.timezone; see Location).
func zoneOfTown(ctx context.Context, idb bun.IDB, tenantID int64) (*time.Location, error) {
	var name string
	err := idb.NewSelect().Table("tenants").Column("timezone").Where("id = ?", tenantID).Scan(ctx, &name)
	if err != nil && !db.IsNoRows(err) {
		return nil, fmt.Errorf("read town time zone: %w", err)
	}
	return Location(name), nil
}
