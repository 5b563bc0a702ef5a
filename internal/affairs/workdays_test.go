package affairs_test

import (
	"testing"
	"time"

	"dangjian/internal/affairs"
)

func TestWorkdayLateEntry(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, loc) }
	// November 2026: the 6th is a Friday, the 9th a Monday.
	tests := []struct {
		name         string
		end, entered time.Time
		late         bool
	}{
		{"same day", at(6, 16), at(6, 20), false},
		{"Friday activity, entered Wednesday (Mon/Tue/Wed)", at(6, 16), at(11, 23), false},
		{"Friday activity, entered Thursday", at(6, 16), at(12, 0), true},
		{"Friday activity, entered over the weekend", at(6, 16), at(8, 10), false},
		{"Monday activity, entered Thursday", at(9, 10), at(12, 23), false},
		{"Monday activity, entered Friday", at(9, 10), at(13, 9), true},
		{"Saturday activity, entered Wednesday", at(7, 10), at(11, 12), false},
		{"Saturday activity, entered Thursday (Mon/Tue/Wed passed)", at(7, 10), at(12, 8), true},
		{"Wednesday activity, entered next Monday", at(4, 10), at(9, 10), false},
		{"Wednesday activity, entered next Tuesday", at(4, 10), at(10, 10), true},
		// Late evening Friday in Shanghai is still Friday, though Friday noon UTC.
		{"the town's zone decides the day", time.Date(2026, 11, 6, 15, 30, 0, 0, time.UTC), at(11, 23), false},
		{"entered before the activity ends", at(6, 16), at(6, 10), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := affairs.IsLateEntry(tt.end, tt.entered, loc); got != tt.late {
				t.Errorf("IsLateEntry(%s, %s) = %v, want %v", tt.end, tt.entered, got, tt.late)
			}
		})
	}
}

func TestWorkdayDeadline(t *testing.T) {
	loc := time.FixedZone("CST", 8*60*60)
	fri := time.Date(2026, 11, 6, 9, 0, 0, 0, loc)
	if got, want := affairs.WorkdayDeadline(fri, 3, loc), time.Date(2026, 11, 12, 0, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("deadline = %s, want %s", got, want)
	}
	if got, want := affairs.WorkdayDeadline(fri, 0, loc), time.Date(2026, 11, 7, 0, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("deadline with n=0 = %s, want the end of the day %s", got, want)
	}
	for d, want := range map[int]bool{6: true, 7: false, 8: false, 9: true} {
		if got := affairs.IsWorkday(time.Date(2026, 11, d, 12, 0, 0, 0, loc), loc); got != want {
			t.Errorf("IsWorkday(Nov %d) = %v, want %v", d, got, want)
		}
	}
}
