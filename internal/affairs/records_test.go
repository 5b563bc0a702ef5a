package affairs_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/files"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
	"dangjian/internal/pagination"
)

// recShanghai is the towns' zone (the default of tenants.timezone).
var recShanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*60*60)
	}
	return loc
}()

// recAt is a moment of November 2026 in Shanghai. The 6th is a Friday, the 11th a Wednesday.
func recAt(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, recShanghai)
}

var (
	recJPEG = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{7}, 200)...)
	recPDF  = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
)

// recFixture is town A with 甲社区党委 → 第一党支部 (with people) and 第二党支部,
// town B with a branch and a person, the users acting on them, district
// templates, and a service on a fake clock set to Wednesday 11 November 2026 10:00.
type recFixture struct {
	*orgtest.Fixture
	DB    *db.DB
	Svc   *affairs.Service
	Clock *clock.Fake

	Community, Branch, Branch2, BranchB *org.Organization
	// People of Branch; Other is of Branch2, Removed was struck off Branch, PersonB is of town B.
	Alice, Bob, Carol, Other, Removed, PersonB int64

	// Users: Branch's secretary, Community's secretary, town A's office, town B's office and branch secretary.
	BranchSec, CommunitySec, OfficeA, OfficeB, BranchSecB context.Context

	// Templates (district defaults, evidence in brackets).
	ThemeDay       int64 // 主题党日 [ATTENDANCE, PHOTOS]
	GeneralMeeting int64 // 党员大会 [MINUTES, ATTENDANCE, PHOTOS]
	Custom         int64 // 其他 [no evidence]
	SummaryTmpl    int64 // 季度工作总结 [SUMMARY_TEXT]
}

func recNewFixture(t *testing.T, d *db.DB) *recFixture {
	t.Helper()
	of := orgtest.New(t, d)
	f := &recFixture{Fixture: of, DB: d, Clock: clock.NewFake(recAt(11, 10, 0))}
	store, err := files.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.Svc = affairs.NewService(d, of.Authz, f.Clock, store)
	f.Community = of.MustCreate(t, of.A.Root, org.CommunityCommittee, "甲社区党委")
	f.Branch = of.MustCreate(t, f.Community, org.Branch, "第一党支部")
	f.Branch2 = of.MustCreate(t, f.Community, org.Branch, "第二党支部")
	f.BranchB = of.MustCreate(t, of.B.Root, org.Branch, "乙镇党支部")

	f.Alice = recPerson(t, f, f.Branch, "张三", false)
	f.Bob = recPerson(t, f, f.Branch, "李四", false)
	f.Carol = recPerson(t, f, f.Branch, "王五", false)
	f.Removed = recPerson(t, f, f.Branch, "赵六", true)
	f.Other = recPerson(t, f, f.Branch2, "孙七", false)
	f.PersonB = recPerson(t, f, f.BranchB, "周八", false)

	f.BranchSec = of.TownUser(t, authz.OrgSecretary, f.Branch)
	f.CommunitySec = of.TownUser(t, authz.OrgSecretary, f.Community)
	f.OfficeA = of.TownUser(t, authz.TownOffice, of.A.Root)
	f.OfficeB = of.TownUser(t, authz.TownOffice, of.B.Root)
	f.BranchSecB = of.TownUser(t, authz.OrgSecretary, f.BranchB)

	f.ThemeDay = recTemplate(t, f, "主题党日", affairs.ThemeDay, affairs.Monthly, affairs.EvidenceAttendance, affairs.EvidencePhotos)
	f.GeneralMeeting = recTemplate(t, f, "党员大会", affairs.GeneralMeeting, affairs.Quarterly,
		affairs.EvidenceMinutes, affairs.EvidenceAttendance, affairs.EvidencePhotos)
	f.Custom = recTemplate(t, f, "其他工作", affairs.Custom, affairs.Monthly)
	f.SummaryTmpl = recTemplate(t, f, "季度工作总结", affairs.Summary, affairs.Quarterly, affairs.EvidenceSummary)
	return f
}

func recPerson(t *testing.T, f *recFixture, o *org.Organization, name string, removed bool) int64 {
	t.Helper()
	var id int64
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		var removedAt *time.Time
		if removed {
			at := recAt(1, 9, 0).UTC()
			removedAt = &at
		}
		return tx.NewRaw("INSERT INTO persons (tenant_id, org_id, name, is_member, removed_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			o.TenantID, o.ID, name, true, removedAt).Scan(ctx, &id)
	})
	if err != nil {
		t.Fatalf("insert person %s: %v", name, err)
	}
	return id
}

func recTemplate(t *testing.T, f *recFixture, name string, cat affairs.Category, c affairs.Cadence, ev ...affairs.Evidence) int64 {
	t.Helper()
	tm := &affairs.Template{
		DistrictID: f.DistrictID, Name: name, Category: cat, Cadence: c, RemindDaysBeforeText: "7,3,1",
		OverdueEveryDays: 3, EscalateAfterDays: 7, Active: true, CreatedAt: recAt(1, 0, 0).UTC(), UpdatedAt: recAt(1, 0, 0).UTC(),
	}
	tm.SetOrgKinds([]org.Kind{org.Branch})
	tm.SetEvidence(ev)
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(tm).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("insert template %s: %v", name, err)
	}
	return tm.ID
}

// recInstance inserts a PENDING instance of template for o, due at due.
func recInstance(t *testing.T, f *recFixture, template int64, o *org.Organization, period string, due time.Time) int64 {
	t.Helper()
	tid := template
	now := recAt(1, 0, 0).UTC()
	in := &affairs.Instance{
		TenantID: o.TenantID, TemplateID: &tid, OrgID: o.ID, Period: period, Title: period + " 任务",
		DueAt: due.UTC(), Status: affairs.Pending, CreatedAt: now, UpdatedAt: now,
	}
	err := f.DB.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(in).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("insert instance: %v", err)
	}
	return in.ID
}

// recInstanceRow reads an instance as stored.
func recInstanceRow(t *testing.T, f *recFixture, id int64) *affairs.Instance {
	t.Helper()
	in := new(affairs.Instance)
	err := f.DB.Read(f.System(), func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().Model(in).Where("id = ?", id).Scan(ctx)
	})
	if err != nil {
		t.Fatalf("read instance %d: %v", id, err)
	}
	return in
}

// recUpload uploads data for o as the user in ctx.
func recUpload(t *testing.T, f *recFixture, ctx context.Context, o *org.Organization, name string, data []byte) int64 {
	t.Helper()
	a, err := f.Svc.UploadAttachment(ctx, o.ID, name, "image/jpeg", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return a.ID
}

// recMeeting is a complete input for a meeting of Branch on Tuesday 10 November, 14:00–16:00.
func recMeeting(f *recFixture, photo int64, instances ...int64) affairs.RecordInput {
	host := f.Alice
	return affairs.RecordInput{
		TaskInstanceIDs: instances,
		Title:           "11月主题党日暨党员大会",
		StartAt:         recAt(10, 14, 0),
		EndAt:           recAt(10, 16, 0),
		Place:           "社区党群服务中心",
		HostID:          &host,
		AttendeeIDs:     []int64{f.Alice, f.Bob},
		Absentees:       []affairs.Absentee{{PersonID: f.Carol, Reason: "外出务工"}},
		Content:         "学习党的二十届四中全会精神",
		Minutes:         "会议由张三主持……",
		AttachmentIDs:   []int64{photo},
	}
}

func recWantCode(t *testing.T, err error, code apperr.Code, what string) *apperr.Error {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Code != code {
		t.Fatalf("%s: err = %v, want %s", what, err, code)
	}
	return ae
}

func TestRecordCompletesTwoInstances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(30, 23, 59))
		general := recInstance(t, f, f.GeneralMeeting, f.Branch, "2026-Q4", time.Date(2026, 12, 31, 23, 59, 59, 0, recShanghai))
		photo := recUpload(t, f, f.BranchSec, f.Branch, "现场.jpg", recJPEG)

		rec, err := f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photo, theme, general))
		if err != nil {
			t.Fatalf("CreateRecord: %v", err)
		}
		if rec.OrgID != f.Branch.ID || rec.Kind != affairs.ThemeDay || rec.Late {
			t.Errorf("record = org %d kind %s late %v; want the branch's, THEME_DAY (first task), on time", rec.OrgID, rec.Kind, rec.Late)
		}
		for _, id := range []int64{theme, general} {
			in := recInstanceRow(t, f, id)
			if in.Status != affairs.Submitted || in.SubmittedAt == nil || !in.SubmittedAt.Equal(f.Clock.Now()) {
				t.Errorf("instance %d: status %s submitted %v, want SUBMITTED now", id, in.Status, in.SubmittedAt)
			}
			recs, err := f.Svc.InstanceRecords(f.BranchSec, id)
			if err != nil || len(recs) != 1 || recs[0].ID != rec.ID {
				t.Errorf("InstanceRecords(%d) = %v, %v; want the one record", id, recs, err)
			}
			hist, err := f.Svc.InstanceHistory(f.CommunitySec, id)
			if err != nil || len(hist) != 1 || hist[0].Action != affairs.ReviewSubmit ||
				hist[0].RecordID == nil || *hist[0].RecordID != rec.ID {
				t.Errorf("history of %d = %+v, %v; want one SUBMIT of the record", id, hist, err)
			}
		}
		ids, err := f.Svc.RecordInstances(f.BranchSec, rec.ID)
		if err != nil || len(ids) != 2 {
			t.Errorf("RecordInstances = %v, %v; want both", ids, err)
		}
		att, err := f.Svc.RecordAttendance(f.CommunitySec, rec.ID)
		if err != nil || len(att) != 3 || !att[0].Present || !att[1].Present || att[2].Present ||
			att[2].PersonID != f.Carol || att[2].AbsenceReason != "外出务工" {
			t.Errorf("RecordAttendance = %+v, %v; want 2 present then Carol absent with reason", att, err)
		}
		atts, err := f.Svc.RecordAttachments(f.OfficeA, rec.ID)
		if err != nil || len(atts) != 1 || atts[0].ID != photo || atts[0].Filename != "现场.jpg" {
			t.Errorf("RecordAttachments = %+v, %v; want the photo", atts, err)
		}
		// The same tasks cannot be recorded twice.
		photo2 := recUpload(t, f, f.BranchSec, f.Branch, "b.jpg", recJPEG)
		_, err = f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photo2, theme))
		ae := recWantCode(t, err, apperr.Conflict, "second record for a submitted task")
		if ae.Message != "该任务已提交或已完成" {
			t.Errorf("message = %q", ae.Message)
		}
	})
}

func TestRecordLateAfterThreeWorkdays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		friday := affairs.RecordInput{
			Title: "支部学习", StartAt: recAt(6, 15, 0), EndAt: recAt(6, 17, 0), Content: "学习",
		}
		tests := []struct {
			name    string
			entered time.Time
			late    bool
		}{
			// Friday's activity has Monday, Tuesday and Wednesday.
			{"entered next Wednesday evening", recAt(11, 22, 0), false},
			{"entered next Thursday morning", recAt(12, 8, 30), true},
		}
		for _, tt := range tests {
			f.Clock.Set(tt.entered)
			in := friday
			in.TaskInstanceIDs = []int64{recInstance(t, f, f.Custom, f.Branch, "2026-11-"+tt.name, recAt(30, 23, 59))}
			rec, err := f.Svc.CreateRecord(f.BranchSec, in)
			if err != nil {
				t.Fatalf("%s: CreateRecord: %v", tt.name, err)
			}
			if rec.Late != tt.late {
				t.Errorf("%s: Late = %v, want %v", tt.name, rec.Late, tt.late)
			}
			got, err := f.Svc.GetRecord(f.BranchSec, rec.ID)
			if err != nil || got.Late != tt.late || !got.StartAt.Equal(friday.StartAt) {
				t.Errorf("%s: stored record = %+v, %v", tt.name, got, err)
			}
		}
	})
}

func TestRecordEvidenceMissing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		general := recInstance(t, f, f.GeneralMeeting, f.Branch, "2026-Q4", recAt(30, 23, 59))
		pdf := recUpload(t, f, f.BranchSec, f.Branch, "纪要.pdf", recPDF)

		in := recMeeting(f, pdf, general)
		in.Minutes, in.AttendeeIDs = "", nil
		_, err := f.Svc.CreateRecord(f.BranchSec, in)
		ae := recWantCode(t, err, apperr.InvalidInput, "meeting without minutes, attendees or photos")
		for _, want := range []string{"会议记录", "参加人员", "活动照片"} {
			if !strings.Contains(ae.Message, want) {
				t.Errorf("message %q does not name %s", ae.Message, want)
			}
		}
		if ae.Field != "minutes" {
			t.Errorf("field = %q, want minutes", ae.Field)
		}
		// A PDF is not a photo.
		in = recMeeting(f, pdf, general)
		_, err = f.Svc.CreateRecord(f.BranchSec, in)
		ae = recWantCode(t, err, apperr.InvalidInput, "meeting with a PDF and no photo")
		if !strings.Contains(ae.Message, "活动照片") || strings.Contains(ae.Message, "会议记录") {
			t.Errorf("message = %q, want only the photos missing", ae.Message)
		}
		if st := recInstanceRow(t, f, general).Status; st != affairs.Pending {
			t.Errorf("status after refused records = %s, want PENDING", st)
		}

		// A summary needs its text and may leave the times out.
		sum := recInstance(t, f, f.SummaryTmpl, f.Branch, "2026-Q4", recAt(30, 23, 59))
		_, err = f.Svc.CreateRecord(f.BranchSec, affairs.RecordInput{TaskInstanceIDs: []int64{sum}, Title: "第四季度工作总结"})
		ae = recWantCode(t, err, apperr.InvalidInput, "summary without text")
		if !strings.Contains(ae.Message, "总结内容") {
			t.Errorf("message = %q, want it to name 总结内容", ae.Message)
		}
		rec, err := f.Svc.CreateRecord(f.BranchSec, affairs.RecordInput{
			TaskInstanceIDs: []int64{sum}, Title: "第四季度工作总结", Content: "本季度支部共开展活动 6 次……",
		})
		if err != nil {
			t.Fatalf("summary: %v", err)
		}
		if !rec.IsSummary() || !rec.StartAt.Equal(f.Clock.Now()) || rec.Late {
			t.Errorf("summary = kind %s start %s late %v; want SUMMARY dated now, on time", rec.Kind, rec.StartAt, rec.Late)
		}
		// A summary is not merged with a meeting.
		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(30, 23, 59))
		sum2 := recInstance(t, f, f.SummaryTmpl, f.Branch, "2027-Q1", recAt(30, 23, 59).AddDate(0, 4, 0))
		photo := recUpload(t, f, f.BranchSec, f.Branch, "a.jpg", recJPEG)
		_, err = f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photo, theme, sum2))
		recWantCode(t, err, apperr.InvalidInput, "summary merged with a meeting")
	})
}

func TestRecordRefusesPeopleOutsideTheOrg(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(30, 23, 59))
		photo := recUpload(t, f, f.BranchSec, f.Branch, "a.jpg", recJPEG)
		tests := []struct {
			name  string
			edit  func(in *affairs.RecordInput)
			field string
		}{
			{"attendee of a sibling branch", func(in *affairs.RecordInput) { in.AttendeeIDs = append(in.AttendeeIDs, f.Other) }, "attendeeIds"},
			{"attendee of town B", func(in *affairs.RecordInput) { in.AttendeeIDs = append(in.AttendeeIDs, f.PersonB) }, "attendeeIds"},
			{"attendee struck off the rolls", func(in *affairs.RecordInput) { in.AttendeeIDs = append(in.AttendeeIDs, f.Removed) }, "attendeeIds"},
			{"absentee of town B", func(in *affairs.RecordInput) {
				in.Absentees = append(in.Absentees, affairs.Absentee{PersonID: f.PersonB, Reason: "病假"})
			}, "absentees"},
			{"host of town B", func(in *affairs.RecordInput) { in.HostID = &f.PersonB }, "hostId"},
			{"both present and absent", func(in *affairs.RecordInput) {
				in.Absentees = append(in.Absentees, affairs.Absentee{PersonID: f.Alice, Reason: "病假"})
			}, "absentees"},
			{"absent without a reason", func(in *affairs.RecordInput) { in.Absentees[0].Reason = " " }, "absentees"},
		}
		for _, tt := range tests {
			in := recMeeting(f, photo, theme)
			tt.edit(&in)
			_, err := f.Svc.CreateRecord(f.BranchSec, in)
			ae := recWantCode(t, err, apperr.InvalidInput, tt.name)
			if ae.Field != tt.field {
				t.Errorf("%s: field = %q (%s), want %q", tt.name, ae.Field, ae.Message, tt.field)
			}
		}
		// The community's record may count people of its branches.
		in := recMeeting(f, photo, theme)
		in.AttendeeIDs = append(in.AttendeeIDs, f.Other)
		_, err := f.Svc.CreateRecord(f.BranchSec, in)
		recWantCode(t, err, apperr.InvalidInput, "sibling still refused")
		if _, err := f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photo, theme)); err != nil {
			t.Fatalf("valid record after refusals: %v", err)
		}
	})
}

func TestRecordRefusesForeignAttachments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(30, 23, 59))
		photoB := recUpload(t, f, f.BranchSecB, f.BranchB, "b.jpg", recJPEG)
		_, err := f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photoB, theme))
		if ae := recWantCode(t, err, apperr.InvalidInput, "attachment of town B"); ae.Field != "attachmentIds" {
			t.Errorf("field = %q", ae.Field)
		}
		// Another user's upload in the same town is not the branch's to use either.
		photoOffice := recUpload(t, f, f.OfficeA, f.Branch, "o.jpg", recJPEG)
		_, err = f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photoOffice, theme))
		recWantCode(t, err, apperr.InvalidInput, "attachment of another user")

		photo := recUpload(t, f, f.BranchSec, f.Branch, "a.jpg", recJPEG)
		if _, err := f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photo, theme)); err != nil {
			t.Fatalf("CreateRecord: %v", err)
		}
		// A claimed attachment cannot be claimed again.
		theme2 := recInstance(t, f, f.ThemeDay, f.Branch, "2026-12", recAt(30, 23, 59).AddDate(0, 1, 0))
		_, err = f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photo, theme2))
		recWantCode(t, err, apperr.InvalidInput, "attachment already used")
	})
}

func TestRecordInputValidate(t *testing.T) {
	now := recAt(11, 10, 0)
	valid := affairs.RecordInput{TaskInstanceIDs: []int64{1}, Title: "支部委员会", StartAt: recAt(10, 14, 0), EndAt: recAt(10, 16, 0)}
	tests := []struct {
		name  string
		edit  func(in *affairs.RecordInput)
		field string // "" = valid
	}{
		{"valid", func(in *affairs.RecordInput) {}, ""},
		{"summary without times", func(in *affairs.RecordInput) { in.StartAt, in.EndAt = time.Time{}, time.Time{} }, ""},
		{"no task", func(in *affairs.RecordInput) { in.TaskInstanceIDs = nil }, "taskInstanceIds"},
		{"unknown kind", func(in *affairs.RecordInput) { in.Kind = "PARTY" }, "kind"},
		{"deployment kind", func(in *affairs.RecordInput) { in.Kind = affairs.Deployment }, ""},
		{"blank title", func(in *affairs.RecordInput) { in.Title = "  " }, "title"},
		{"title of 101 characters", func(in *affairs.RecordInput) { in.Title = strings.Repeat("党", 101) }, "title"},
		{"title of 100 characters", func(in *affairs.RecordInput) { in.Title = strings.Repeat("党", 100) }, ""},
		{"end before start", func(in *affairs.RecordInput) { in.EndAt = in.StartAt.Add(-time.Minute) }, "endAt"},
		{"end equal to start", func(in *affairs.RecordInput) { in.EndAt = in.StartAt }, "endAt"},
		{"only a start", func(in *affairs.RecordInput) { in.EndAt = time.Time{} }, "endAt"},
		{"longer than 3 days", func(in *affairs.RecordInput) { in.EndAt = in.StartAt.Add(73 * time.Hour) }, "endAt"},
		{"exactly 3 days", func(in *affairs.RecordInput) { in.StartAt = in.EndAt.Add(-72 * time.Hour) }, ""},
		{"starts in two days", func(in *affairs.RecordInput) {
			in.StartAt, in.EndAt = now.Add(48*time.Hour), now.Add(50*time.Hour)
		}, "startAt"},
		{"later today", func(in *affairs.RecordInput) { in.StartAt, in.EndAt = now.Add(time.Hour), now.Add(2*time.Hour) }, ""},
		{"content too long", func(in *affairs.RecordInput) { in.Content = strings.Repeat("字", affairs.MaxRecordContentLen+1) }, "content"},
		{"minutes too long", func(in *affairs.RecordInput) { in.Minutes = strings.Repeat("字", affairs.MaxRecordMinutesLen+1) }, "minutes"},
		{"place too long", func(in *affairs.RecordInput) { in.Place = strings.Repeat("地", 101) }, "place"},
		{"present and absent", func(in *affairs.RecordInput) {
			in.AttendeeIDs = []int64{5}
			in.Absentees = []affairs.Absentee{{PersonID: 5, Reason: "病假"}}
		}, "absentees"},
		{"absent twice", func(in *affairs.RecordInput) {
			in.Absentees = []affairs.Absentee{{PersonID: 5, Reason: "病假"}, {PersonID: 5, Reason: "事假"}}
		}, "absentees"},
		{"duplicate attendees are merged", func(in *affairs.RecordInput) { in.AttendeeIDs = []int64{5, 5} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid
			tt.edit(&in)
			err := in.Validate(now)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			ae := recWantCode(t, err, apperr.InvalidInput, tt.name)
			if ae.Field != tt.field {
				t.Errorf("field = %q (%s), want %q", ae.Field, ae.Message, tt.field)
			}
		})
	}
}

func TestRecordList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		mk := func(ctx context.Context, o *org.Organization, period string, start time.Time) int64 {
			t.Helper()
			id := recInstance(t, f, f.Custom, o, period, recAt(30, 23, 59))
			rec, err := f.Svc.CreateRecord(ctx, affairs.RecordInput{
				TaskInstanceIDs: []int64{id}, Title: "活动 " + period, StartAt: start, EndAt: start.Add(time.Hour),
			})
			if err != nil {
				t.Fatalf("CreateRecord %s: %v", period, err)
			}
			return rec.ID
		}
		r1 := mk(f.BranchSec, f.Branch, "p1", recAt(2, 9, 0))
		r2 := mk(f.BranchSec, f.Branch, "p2", recAt(9, 9, 0))
		secondBranchSec := f.TownUser(t, authz.OrgSecretary, f.Branch2)
		r3 := mk(secondBranchSec, f.Branch2, "p3", recAt(10, 9, 0))
		mk(f.BranchSecB, f.BranchB, "pb", recAt(10, 9, 0))

		ids := func(ctx context.Context, flt affairs.RecordFilter) []int64 {
			t.Helper()
			page, err := f.Svc.ListRecords(ctx, flt, pagination.Request{})
			if err != nil {
				t.Fatalf("ListRecords: %v", err)
			}
			var out []int64
			for _, r := range page.Items {
				out = append(out, r.ID)
			}
			if page.TotalCount != len(out) {
				t.Errorf("TotalCount = %d, items %d", page.TotalCount, len(out))
			}
			return out
		}
		same := func(what string, got []int64, want ...int64) {
			t.Helper()
			if len(got) != len(want) {
				t.Errorf("%s = %v, want %v", what, got, want)
				return
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s = %v, want %v", what, got, want)
					return
				}
			}
		}
		same("office A, all", ids(f.OfficeA, affairs.RecordFilter{}), r3, r2, r1)
		same("branch secretary, all", ids(f.BranchSec, affairs.RecordFilter{}), r2, r1)
		same("community subtree", ids(f.CommunitySec, affairs.RecordFilter{OrgID: &f.Community.ID, IncludeDescendants: true}), r3, r2, r1)
		same("community itself", ids(f.CommunitySec, affairs.RecordFilter{OrgID: &f.Community.ID}))
		from, to := recAt(5, 0, 0), recAt(10, 0, 0)
		same("from/to", ids(f.OfficeA, affairs.RecordFilter{From: &from, To: &to}), r2)
		inst, _ := f.Svc.RecordInstances(f.OfficeA, r1)
		same("by instance", ids(f.OfficeA, affairs.RecordFilter{InstanceID: &inst[0]}), r1)
		same("town B sees only its own", ids(f.OfficeB, affairs.RecordFilter{OrgID: &f.Branch.ID}))

		one := 1
		page, err := f.Svc.ListRecords(f.OfficeA, affairs.RecordFilter{}, pagination.Request{First: &one})
		if err != nil || len(page.Items) != 1 || !page.HasNextPage || page.TotalCount != 3 {
			t.Fatalf("first page = %+v, %v", page, err)
		}
		after := pagination.EncodeCursor(pagination.Cursor{ID: page.Items[0].ID})
		page, err = f.Svc.ListRecords(f.OfficeA, affairs.RecordFilter{}, pagination.Request{First: &one, After: &after})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != r2 {
			t.Errorf("second page = %+v, %v; want r2", page, err)
		}

		got, err := f.Svc.GetRecords(f.BranchSec, []int64{r1, r3, 99999})
		if err != nil || len(got) != 1 || got[r1] == nil {
			t.Errorf("GetRecords as branch secretary = %v, %v; want only r1", got, err)
		}
	})
}

func TestAttachmentUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		refused := map[string][]byte{
			"setup.exe":    append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 100)...),
			"照片.zip":       append([]byte("PK\x03\x04\x14\x00\x00\x00"), make([]byte, 100)...),
			"photo.jpg":    []byte("<html>not a photo</html>"),
			"oversize.jpg": append(append([]byte{}, recJPEG...), make([]byte, files.MaxSize)...),
		}
		for name, data := range refused {
			_, err := f.Svc.UploadAttachment(f.BranchSec, f.Branch.ID, name, "image/jpeg", bytes.NewReader(data))
			ae := recWantCode(t, err, apperr.InvalidInput, "upload "+name)
			want := "只能上传照片（JPG/PNG）或 PDF 文件"
			if name == "oversize.jpg" {
				want = "文件过大，单个文件不超过 10MB"
			}
			if ae.Message != want {
				t.Errorf("upload %s: message %q, want %q", name, ae.Message, want)
			}
		}
		// Uploading needs task.write on the org.
		_, err := f.Svc.UploadAttachment(f.BranchSec, f.Branch2.ID, "a.jpg", "", bytes.NewReader(recJPEG))
		recWantCode(t, err, apperr.NotFound, "upload to a branch one cannot see")
		member := f.TownUser(t, authz.Member, f.Branch)
		_, err = f.Svc.UploadAttachment(member, f.Branch.ID, "a.jpg", "", bytes.NewReader(recJPEG))
		recWantCode(t, err, apperr.Forbidden, "upload by a member")

		a, err := f.Svc.UploadAttachment(f.BranchSec, f.Branch.ID, "../../etc/现场照片.jpg", "application/x-msdownload", bytes.NewReader(recJPEG))
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		if a.Filename != "现场照片.jpg" || a.ContentType != files.JPEG || a.SizeBytes != int64(len(recJPEG)) || a.RecordID != nil {
			t.Errorf("attachment = %+v", a)
		}
		read := func(ctx context.Context) error {
			t.Helper()
			got, rc, err := f.Svc.OpenAttachment(ctx, a.ID)
			if err != nil {
				return err
			}
			defer rc.Close()
			data, _ := io.ReadAll(rc)
			if got.ID != a.ID || !bytes.Equal(data, recJPEG) {
				t.Errorf("OpenAttachment = %+v with %d bytes", got, len(data))
			}
			return nil
		}
		if err := read(f.BranchSec); err != nil {
			t.Fatalf("uploader opens: %v", err)
		}
		// Unclaimed, it is the uploader's alone.
		recWantCode(t, read(f.CommunitySec), apperr.NotFound, "community opens an unclaimed upload")

		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(30, 23, 59))
		if _, err := f.Svc.CreateRecord(f.BranchSec, recMeeting(f, a.ID, theme)); err != nil {
			t.Fatalf("CreateRecord: %v", err)
		}
		if err := read(f.CommunitySec); err != nil {
			t.Errorf("community opens a claimed attachment of its branch: %v", err)
		}
		recWantCode(t, read(f.OfficeB), apperr.NotFound, "town B opens town A's attachment")
		sibling := f.TownUser(t, authz.OrgSecretary, f.Branch2)
		recWantCode(t, read(sibling), apperr.NotFound, "sibling branch opens the attachment")
	})
}

func TestRecordTenantBoundary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := recNewFixture(t, d)
		theme := recInstance(t, f, f.ThemeDay, f.Branch, "2026-11", recAt(30, 23, 59))
		photo := recUpload(t, f, f.BranchSec, f.Branch, "a.jpg", recJPEG)
		rec, err := f.Svc.CreateRecord(f.BranchSec, recMeeting(f, photo, theme))
		if err != nil {
			t.Fatal(err)
		}
		themeB := recInstance(t, f, f.Custom, f.BranchB, "2026-11", recAt(30, 23, 59))
		recB, err := f.Svc.CreateRecord(f.BranchSecB, affairs.RecordInput{
			TaskInstanceIDs: []int64{themeB}, Title: "乙镇活动", StartAt: recAt(10, 9, 0), EndAt: recAt(10, 10, 0),
		})
		if err != nil {
			t.Fatal(err)
		}

		b := f.OfficeB
		checks := map[string]error{}
		_, checks["GetRecord"] = f.Svc.GetRecord(b, rec.ID)
		_, checks["RecordAttendance"] = f.Svc.RecordAttendance(b, rec.ID)
		_, checks["RecordAttachments"] = f.Svc.RecordAttachments(b, rec.ID)
		_, checks["RecordInstances"] = f.Svc.RecordInstances(b, rec.ID)
		_, checks["InstanceRecords"] = f.Svc.InstanceRecords(b, theme)
		_, checks["InstanceHistory"] = f.Svc.InstanceHistory(b, theme)
		_, checks["ReviewInstance"] = f.Svc.ReviewInstance(b, theme, affairs.Accept, "")
		_, _, checks["OpenAttachment"] = f.Svc.OpenAttachment(b, photo)
		_, checks["UploadAttachment"] = f.Svc.UploadAttachment(b, f.Branch.ID, "a.jpg", "", bytes.NewReader(recJPEG))
		other := recInstance(t, f, f.Custom, f.Branch, "2026-11b", recAt(30, 23, 59))
		_, checks["CreateRecord"] = f.Svc.CreateRecord(b, affairs.RecordInput{
			TaskInstanceIDs: []int64{other}, Title: "越权", StartAt: recAt(10, 9, 0), EndAt: recAt(10, 10, 0),
		})
		for name, err := range checks {
			if apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("town B %s on town A: err = %v, want NOT_FOUND", name, err)
			}
		}
		got, err := f.Svc.GetRecords(b, []int64{rec.ID, recB.ID})
		if err != nil || len(got) != 1 || got[recB.ID] == nil {
			t.Errorf("GetRecords as town B = %v, %v; want only B's", got, err)
		}
		if st := recInstanceRow(t, f, theme).Status; st != affairs.Submitted {
			t.Errorf("A's instance after B's attempts: %s, want SUBMITTED", st)
		}

		if d.Dialect == db.Postgres {
			// Row-level security: even an unfiltered query in A's transaction sees no B rows.
			for table, want := range map[string]int{"activity_records": 1, "record_instances": 1, "task_reviews": 1, "attachments": 1} {
				var n int
				err := d.RunInTx(f.OfficeA, func(ctx context.Context, tx bun.Tx) error {
					return tx.NewRaw("SELECT count(*) FROM "+table).Scan(ctx, &n)
				})
				if err != nil || n != want {
					t.Errorf("raw count of %s in town A's transaction = %d, %v; want %d", table, n, err, want)
				}
			}
			var foreign int
			err := d.RunInTx(f.OfficeA, func(ctx context.Context, tx bun.Tx) error {
				return tx.NewRaw("SELECT count(*) FROM activity_records WHERE tenant_id = ?", f.B.TenantID).Scan(ctx, &foreign)
			})
			if err != nil || foreign != 0 {
				t.Errorf("B rows visible in A's transaction: %d, %v", foreign, err)
			}
		}
	})
}
