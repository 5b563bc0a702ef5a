package affairs

import (
	"context"
	"strings"
	"testing"
	"time"

	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
)

func TestTemplateValidate(t *testing.T) {
	valid := func() Template {
		tp := DistrictDefaults()[0]
		return tp
	}
	cases := []struct {
		name  string
		edit  func(*Template)
		field string // "" = valid
	}{
		{"shipped default", func(*Template) {}, ""},
		{"empty name", func(t *Template) { t.Name = "" }, "name"},
		{"blank name", func(t *Template) { t.Name = "   " }, "name"},
		{"50 characters", func(t *Template) { t.Name = strings.Repeat("会", 50) }, ""},
		{"51 characters", func(t *Template) { t.Name = strings.Repeat("会", 51) }, "name"},
		{"bad category", func(t *Template) { t.Category = "MEETING" }, "category"},
		{"deployment is no template category", func(t *Template) { t.Category = Deployment }, "category"},
		{"bad cadence", func(t *Template) { t.Cadence = "DAILY" }, "cadence"},
		{"no kinds", func(t *Template) { t.SetOrgKinds(nil) }, "orgKinds"},
		{"bad kind", func(t *Template) { t.SetOrgKinds([]org.Kind{org.Branch, "CLUB"}) }, "orgKinds"},
		{"negative due offset", func(t *Template) { t.DueDaysBeforeEnd = -1 }, "dueDaysBeforeEnd"},
		{"monthly due offset 27", func(t *Template) { t.DueDaysBeforeEnd = 27 }, ""},
		{"monthly due offset 28", func(t *Template) { t.DueDaysBeforeEnd = 28 }, "dueDaysBeforeEnd"},
		{"weekly due offset 6", func(t *Template) { t.Cadence, t.DueDaysBeforeEnd = Weekly, 6 }, ""},
		{"weekly due offset 7", func(t *Template) { t.Cadence, t.DueDaysBeforeEnd = Weekly, 7 }, "dueDaysBeforeEnd"},
		{"yearly due offset 364", func(t *Template) { t.Cadence, t.DueDaysBeforeEnd = Yearly, 364 }, ""},
		{"bad evidence", func(t *Template) { t.EvidenceText = "MINUTES,VIDEO" }, "evidence"},
		{"no evidence", func(t *Template) { t.SetEvidence(nil) }, ""},
		{"no reminders", func(t *Template) { t.SetRemindDaysBefore(nil) }, ""},
		{"reminder 60", func(t *Template) { t.SetRemindDaysBefore([]int{60, 0}) }, ""},
		{"reminder 61", func(t *Template) { t.SetRemindDaysBefore([]int{61}) }, "remindDaysBefore"},
		{"negative reminder", func(t *Template) { t.SetRemindDaysBefore([]int{-1}) }, "remindDaysBefore"},
		{"duplicate reminder", func(t *Template) { t.SetRemindDaysBefore([]int{3, 3}) }, "remindDaysBefore"},
		{"garbage reminder", func(t *Template) { t.RemindDaysBeforeText = "7,x" }, "remindDaysBefore"},
		{"overdue every 0", func(t *Template) { t.OverdueEveryDays = 0 }, "overdueEveryDays"},
		{"overdue every 30", func(t *Template) { t.OverdueEveryDays = 30 }, ""},
		{"overdue every 31", func(t *Template) { t.OverdueEveryDays = 31 }, "overdueEveryDays"},
		{"escalate 0", func(t *Template) { t.EscalateAfterDays = 0 }, "escalateAfterDays"},
		{"escalate 60", func(t *Template) { t.EscalateAfterDays = 60 }, ""},
		{"escalate 61", func(t *Template) { t.EscalateAfterDays = 61 }, "escalateAfterDays"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := valid()
			c.edit(&tp)
			err := tp.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.InvalidInput || e.Field != c.field {
				t.Fatalf("want INVALID_INPUT on %s, got %v", c.field, err)
			}
			if !containsHan(e.Message) {
				t.Fatalf("message %q is not Chinese", e.Message)
			}
		})
	}
}

func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestDistrictDefaults(t *testing.T) {
	want := map[string]struct {
		cadence Cadence
		kinds   []org.Kind
	}{
		CodeBranchCommittee:  {Monthly, BranchKinds()},
		CodeGeneralMeeting:   {Quarterly, append(BranchKinds(), org.GeneralBranch)},
		CodeGroupMeeting:     {Monthly, []org.Kind{org.PartyGroup}},
		CodePartyLecture:     {Quarterly, BranchKinds()},
		CodeThemeDay:         {Monthly, BranchKinds()},
		CodeLifeMeeting:      {Yearly, append(BranchKinds(), org.GeneralBranch, org.CommunityCommittee)},
		CodeMemberEvaluation: {Yearly, BranchKinds()},
		CodeQuarterlySummary: {Quarterly, []org.Kind{org.TownCommittee, org.CommunityCommittee, org.GeneralBranch, org.Branch, org.UnitOrg, org.FunctionalBranch, org.JointBranch}},
	}
	defs := DistrictDefaults()
	if len(defs) != len(want) {
		t.Fatalf("%d defaults, want %d", len(defs), len(want))
	}
	for _, d := range defs {
		w, ok := want[d.Code]
		if !ok {
			t.Fatalf("unexpected default %s", d.Code)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", d.Code, err)
		}
		if d.Cadence != w.cadence || len(d.OrgKinds()) != len(w.kinds) {
			t.Errorf("%s: %s %v, want %s %v", d.Code, d.Cadence, d.OrgKinds(), w.cadence, w.kinds)
		}
		for _, k := range w.kinds {
			if !d.AppliesTo(k) {
				t.Errorf("%s does not apply to %s", d.Code, k)
			}
		}
		if d.RemindDaysBeforeText != "7,3,1" || d.OverdueEveryDays != 3 || d.EscalateAfterDays != 7 || !d.Active {
			t.Errorf("%s: reminders %q every %d escalate %d active %v", d.Code, d.RemindDaysBeforeText,
				d.OverdueEveryDays, d.EscalateAfterDays, d.Active)
		}
	}
}

func TestTitles(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, shanghai)
	cases := []struct {
		c    Cadence
		want string
	}{
		{Monthly, "2026年11月 支部委员会"},
		{Quarterly, "2026年第四季度 支部委员会"},
		{HalfYearly, "2026年下半年 支部委员会"},
		{Yearly, "2026年 支部委员会"},
		{Weekly, "2026年第48周 支部委员会"},
	}
	for _, c := range cases {
		if got := InstanceTitle(PeriodAt(c.c, at, shanghai), "支部委员会"); got != c.want {
			t.Errorf("%s: %q, want %q", c.c, got, c.want)
		}
	}
	if got := PeriodAt(Quarterly, time.Date(2027, 2, 1, 0, 0, 0, 0, shanghai), shanghai).Label(); got != "2027年第一季度" {
		t.Errorf("Q1 label %q", got)
	}
	if got := PeriodAt(HalfYearly, time.Date(2027, 2, 1, 0, 0, 0, 0, shanghai), shanghai).Label(); got != "2027年上半年" {
		t.Errorf("H1 label %q", got)
	}
}

func TestTemplates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		officeA := f.TownUser(t, authz.TownOffice, f.A.Root)
		officeB := f.TownUser(t, authz.TownOffice, f.B.Root)
		branchA := f.TownUser(t, authz.OrgSecretary, f.B1)
		distAdmin := f.DistrictUser(t, authz.DistrictAdmin)
		distViewer := f.DistrictUser(t, authz.DistrictViewer)

		// Idempotent defaults; only district admins may ensure them.
		n, err := f.Svc.EnsureDistrictDefaults(distAdmin, f.DistrictID)
		if err != nil || n != 0 {
			t.Fatalf("second EnsureDistrictDefaults = %d, %v", n, err)
		}
		_, err = f.Svc.EnsureDistrictDefaults(officeA, f.DistrictID)
		wantErrCode(t, err, apperr.Forbidden)

		list, err := f.Svc.Templates(officeA)
		noErr(t, err)
		if len(list) != 8 {
			t.Fatalf("town sees %d templates, want 8", len(list))
		}

		// A town template.
		in := TemplateInput{Name: " 党建工作例会 ", Category: Custom, OrgKinds: []org.Kind{org.CommunityCommittee},
			Cadence: Monthly, DueDaysBeforeEnd: 5, Evidence: []Evidence{EvidenceMinutes}, RemindDaysBefore: []int{1, 5}}
		own, err := f.Svc.CreateTemplate(officeA, in)
		noErr(t, err)
		if own.TenantID == nil || *own.TenantID != f.A.TenantID || own.Name != "党建工作例会" ||
			own.RemindDaysBeforeText != "5,1" || own.OverdueEveryDays != 3 || own.EscalateAfterDays != 7 {
			t.Fatalf("town template = %+v", own)
		}
		_, err = f.Svc.CreateTemplate(branchA, in)
		wantErrCode(t, err, apperr.Forbidden)
		_, err = f.Svc.CreateTemplate(distViewer, in)
		wantErrCode(t, err, apperr.Forbidden)
		bad := in
		bad.Cadence = "DAILY"
		_, err = f.Svc.CreateTemplate(officeA, bad)
		wantErrCode(t, err, apperr.InvalidInput)

		// A district template.
		dist, err := f.Svc.CreateTemplate(distAdmin, TemplateInput{Name: "廉政教育", Category: Custom,
			OrgKinds: BranchKinds(), Cadence: HalfYearly})
		noErr(t, err)
		if dist.TenantID != nil || dist.DistrictID != f.DistrictID {
			t.Fatalf("district template = %+v", dist)
		}
		listA, _ := f.Svc.Templates(officeA)
		listB, _ := f.Svc.Templates(officeB)
		listD, _ := f.Svc.Templates(distViewer)
		if len(listA) != 10 || len(listB) != 9 || len(listD) != 9 {
			t.Fatalf("A sees %d, B %d, district %d; want 10, 9, 9", len(listA), len(listB), len(listD))
		}

		// A town switches a district template off and moves its deadline: for itself only.
		themeDay := templateByCode(t, listA, CodeThemeDay)
		adj, err := f.Svc.UpdateTemplate(officeA, themeDay.ID, TemplatePatch{Active: ptrTo(false), DueDaysBeforeEnd: ptrTo(3)})
		noErr(t, err)
		if adj.Active || adj.DueDaysBeforeEnd != 3 {
			t.Fatalf("adjusted = %+v", adj)
		}
		_, err = f.Svc.UpdateTemplate(officeA, themeDay.ID, TemplatePatch{Name: ptrTo("改名")})
		wantErrCode(t, err, apperr.InvalidInput)
		_, err = f.Svc.UpdateTemplate(officeA, themeDay.ID, TemplatePatch{DueDaysBeforeEnd: ptrTo(40)})
		wantErrCode(t, err, apperr.InvalidInput)
		_, err = f.Svc.UpdateTemplate(branchA, themeDay.ID, TemplatePatch{Active: ptrTo(true)})
		wantErrCode(t, err, apperr.Forbidden)
		seenA, _ := f.Svc.GetTemplate(officeA, themeDay.ID)
		seenB, _ := f.Svc.GetTemplate(officeB, themeDay.ID)
		seenD, _ := f.Svc.GetTemplate(distViewer, themeDay.ID)
		if seenA.Active || seenA.DueDaysBeforeEnd != 3 || !seenB.Active || seenB.DueDaysBeforeEnd != 0 || !seenD.Active {
			t.Fatalf("after A's adjustment: A %+v, B %+v, district %+v", seenA, seenB, seenD)
		}
		if tp := templateByCode(t, mustTemplates(t, f.Svc, officeA), CodeThemeDay); tp.Active {
			t.Fatal("A's list still shows 主题党日 active")
		}

		// The district edits its own templates; towns their own.
		renamed, err := f.Svc.UpdateTemplate(distAdmin, themeDay.ID, TemplatePatch{Name: ptrTo("主题党日活动")})
		noErr(t, err)
		if renamed.Name != "主题党日活动" {
			t.Fatalf("renamed = %+v", renamed)
		}
		_, err = f.Svc.UpdateTemplate(distViewer, themeDay.ID, TemplatePatch{Name: ptrTo("x")})
		wantErrCode(t, err, apperr.Forbidden)
		_, err = f.Svc.UpdateTemplate(distAdmin, own.ID, TemplatePatch{Name: ptrTo("x")})
		wantErrCode(t, err, apperr.Forbidden)
		upd, err := f.Svc.UpdateTemplate(officeA, own.ID, TemplatePatch{Cadence: ptrTo(Quarterly), DueDaysBeforeEnd: ptrTo(30)})
		noErr(t, err)
		if upd.Cadence != Quarterly || upd.DueDaysBeforeEnd != 30 || upd.Name != "党建工作例会" {
			t.Fatalf("updated = %+v", upd)
		}

		// Town B cannot see or touch town A's template.
		_, err = f.Svc.GetTemplate(officeB, own.ID)
		wantErrCode(t, err, apperr.NotFound)
		_, err = f.Svc.UpdateTemplate(officeB, own.ID, TemplatePatch{Active: ptrTo(false)})
		wantErrCode(t, err, apperr.NotFound)
		for _, tp := range mustTemplates(t, f.Svc, officeB) {
			if tp.ID == own.ID {
				t.Fatal("town B lists town A's template")
			}
		}
		_, err = f.Svc.CreateTemplate(officeB, TemplateInput{Name: "x", Category: Custom, OrgKinds: BranchKinds(),
			Cadence: Monthly, TownID: f.A.TenantID})
		wantErrCode(t, err, apperr.NotFound)
	})
}

func mustTemplates(t testing.TB, s *Service, ctx context.Context) []*Template {
	t.Helper()
	list, err := s.Templates(ctx)
	noErr(t, err)
	return list
}

func templateByCode(t testing.TB, list []*Template, code string) *Template {
	t.Helper()
	for _, tp := range list {
		if tp.Code == code {
			return tp
		}
	}
	t.Fatalf("no template %s", code)
	return nil
}
