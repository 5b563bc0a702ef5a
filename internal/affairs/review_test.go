package affairs_test

import (
	"testing"
	"time"

	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
)

// recSubmit records a complete meeting of the fixture's branch for the instances.
func recSubmit(t *testing.T, f *recFixture, instances ...int64) *affairs.Record {
	t.Helper()
	photo := recUpload(t, f, f.BranchSec, f.Branch, "现场.jpg", recJPEG)
	rec, err := f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photo, instances...))
	if err != nil {
		t.Fatalf("CreateRecord: %v", err)
	}
	return rec
}

func TestReviewAcceptTurnsGreen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(30, 23, 59))
		recSubmit(t, f, theme)
		if c := recInstanceRow(t, f, theme).ColorAt(f.Clock.Now()); c != affairs.Green {
			t.Errorf("submitted on time: colour %s, want GREEN", c)
		}
		f.Clock.Advance(2 * time.Hour)
		got, err := f.Svc.ReviewInstance(f.CommunitySec, theme, affairs.Accept, "  ")
		if err != nil {
			t.Fatalf("ReviewInstance: %v", err)
		}
		if got.Status != affairs.Done || got.CompletedAt == nil || !got.CompletedAt.Equal(f.Clock.Now()) {
			t.Errorf("returned instance = %s completed %v, want DONE now", got.Status, got.CompletedAt)
		}
		stored := recInstanceRow(t, f, theme)
		if stored.Status != affairs.Done || stored.ColorAt(f.Clock.Now()) != affairs.Green {
			t.Errorf("stored = %s %s, want DONE GREEN", stored.Status, stored.ColorAt(f.Clock.Now()))
		}
		// Still green after the due date: it was done on time.
		if c := stored.ColorAt(recAt(30, 23, 59).AddDate(0, 1, 0)); c != affairs.Green {
			t.Errorf("colour a month later = %s, want GREEN", c)
		}
		// A done task is not reviewed again, nor recorded again.
		_, err = f.Svc.ReviewInstance(f.OfficeA, theme, affairs.Return, "再看看")
		recWantCode(t, err, apperr.Conflict, "reviewing a done task")
	})
}

func TestReviewLateSubmissionIsAmber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		// Due on Monday the 9th, recorded on Wednesday the 11th (activity on the 10th).
		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(9, 23, 59))
		if c := recInstanceRow(t, f, theme).ColorAt(f.Clock.Now()); c != affairs.Red {
			t.Fatalf("overdue open task: colour %s, want RED", c)
		}
		recSubmit(t, f, theme)
		if c := recInstanceRow(t, f, theme).ColorAt(f.Clock.Now()); c != affairs.Amber {
			t.Errorf("submitted late: colour %s, want AMBER", c)
		}
		got, err := f.Svc.ReviewInstance(f.OfficeA, theme, affairs.Accept, "")
		if err != nil {
			t.Fatalf("ReviewInstance: %v", err)
		}
		if got.Status != affairs.Done || got.ColorAt(f.Clock.Now()) != affairs.Amber {
			t.Errorf("accepted late work = %s %s, want DONE AMBER", got.Status, got.ColorAt(f.Clock.Now()))
		}
	})
}

func TestReviewReturnAndResubmit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(30, 23, 59))
		first := recSubmit(t, f, theme)

		_, err := f.Svc.ReviewInstance(f.CommunitySec, theme, affairs.Return, " ")
		if ae := recWantCode(t, err, apperr.InvalidInput, "return without comment"); ae.Message != "退回时请填写意见" {
			t.Errorf("message = %q", ae.Message)
		}
		_, err = f.Svc.ReviewInstance(f.CommunitySec, theme, affairs.Decision("MAYBE"), "")
		recWantCode(t, err, apperr.InvalidInput, "unknown decision")

		f.Clock.Advance(time.Hour)
		got, err := f.Svc.ReviewInstance(f.CommunitySec, theme, affairs.Return, "缺少会议签到表照片")
		if err != nil {
			t.Fatalf("return: %v", err)
		}
		if got.Status != affairs.Returned || got.CompletedAt != nil {
			t.Errorf("returned = %s completed %v, want RETURNED", got.Status, got.CompletedAt)
		}

		f.Clock.Advance(24 * time.Hour)
		second := recSubmit(t, f, theme)
		if st := recInstanceRow(t, f, theme).Status; st != affairs.Submitted {
			t.Fatalf("after resubmission: %s, want SUBMITTED", st)
		}
		f.Clock.Advance(time.Hour)
		if _, err := f.Svc.ReviewInstance(f.CommunitySec, theme, affairs.Accept, "同意"); err != nil {
			t.Fatalf("accept: %v", err)
		}

		hist, err := f.Svc.InstanceHistory(f.BranchSec, theme)
		if err != nil {
			t.Fatalf("InstanceHistory: %v", err)
		}
		want := []struct {
			action  affairs.ReviewAction
			record  int64
			comment string
		}{
			{affairs.ReviewSubmit, first.ID, ""},
			{affairs.ReviewReturn, first.ID, "缺少会议签到表照片"},
			{affairs.ReviewSubmit, second.ID, ""},
			{affairs.ReviewAccept, second.ID, "同意"},
		}
		if len(hist) != len(want) {
			t.Fatalf("history = %d events, want %d", len(hist), len(want))
		}
		for i, w := range want {
			h := hist[i]
			if h.Action != w.action || h.RecordID == nil || *h.RecordID != w.record || h.Comment != w.comment || h.ActorUserID == nil {
				t.Errorf("history[%d] = %+v, want %s of record %d %q", i, h, w.action, w.record, w.comment)
			}
			if i > 0 && h.CreatedAt.Before(hist[i-1].CreatedAt) {
				t.Errorf("history[%d] is older than the event before it", i)
			}
		}
		recs, err := f.Svc.InstanceRecords(f.CommunitySec, theme)
		if err != nil || len(recs) != 2 || recs[0].ID != first.ID || recs[1].ID != second.ID {
			t.Errorf("InstanceRecords = %v, %v; want both submissions in order", recs, err)
		}
		if st := recInstanceRow(t, f, theme).Status; st != affairs.Done {
			t.Errorf("final status %s, want DONE", st)
		}
	})
}

func TestReviewByOwnBranchForbidden(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(30, 23, 59))
		pending := recInstance(t, f, f.Custom, f.Branch, "2026-11", recAt(30, 23, 59))
		recSubmit(t, f, theme)

		_, err := f.Svc.ReviewInstance(f.BranchSec, theme, affairs.Accept, "")
		recWantCode(t, err, apperr.Forbidden, "branch secretary accepting his own branch's task")
		// Party-affairs staff of the community may read but not review.
		staff := f.TownUser(t, authz.OrgStaff, f.Community)
		_, err = f.Svc.ReviewInstance(staff, theme, affairs.Accept, "")
		recWantCode(t, err, apperr.Forbidden, "community staff reviewing")
		// A district viewer reads the town but never writes in it.
		viewer := f.DistrictUser(t, authz.DistrictAdmin)
		_, err = f.Svc.ReviewInstance(viewer, theme, affairs.Accept, "")
		if c := apperr.CodeOf(err); c != apperr.Forbidden && c != apperr.NotFound {
			t.Errorf("district admin reviewing a town task: err = %v, want FORBIDDEN or NOT_FOUND", err)
		}
		if st := recInstanceRow(t, f, theme).Status; st != affairs.Submitted {
			t.Errorf("status after refused reviews = %s, want SUBMITTED", st)
		}
		// Only submitted tasks are reviewed.
		_, err = f.Svc.ReviewInstance(f.CommunitySec, pending, affairs.Accept, "")
		recWantCode(t, err, apperr.Conflict, "reviewing a pending task")
		// The town office reviews the community's (and any) tasks.
		if _, err := f.Svc.ReviewInstance(f.OfficeA, theme, affairs.Accept, ""); err != nil {
			t.Errorf("town office accepting: %v", err)
		}
	})
}
