package affairs

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/org"
)

// Shipped defaults: reminders 7, 3 and 1 days before the due day, then every
// 3 days overdue, escalating to the parent org and the town office after 7 days.
const (
	DefaultRemindDaysBefore  = "7,3,1"
	DefaultOverdueEveryDays  = 3
	DefaultEscalateAfterDays = 7
)

// Codes of the shipped district templates.
const (
	CodeBranchCommittee  = "branch_committee"  // 支部委员会
	CodeGeneralMeeting   = "general_meeting"   // 党员大会
	CodeGroupMeeting     = "group_meeting"     // 党小组会
	CodePartyLecture     = "party_lecture"     // 党课
	CodeThemeDay         = "theme_day"         // 主题党日
	CodeLifeMeeting      = "life_meeting"      // 组织生活会
	CodeMemberEvaluation = "member_evaluation" // 民主评议党员
	CodeQuarterlySummary = "quarterly_summary" // 季度工作总结
)

// BranchKinds are the organisations that hold branch meetings (党支部 and its
// peers): 党支部, 功能型党支部, 联合党支部, 驻区单位党组织.
func BranchKinds() []org.Kind {
	return []org.Kind{org.Branch, org.FunctionalBranch, org.JointBranch, org.UnitOrg}
}

// DistrictDefaults returns the templates every district ships with (三会一课,
// 主题党日, 组织生活会, 民主评议党员, 季度工作总结), not yet stored.
func DistrictDefaults() []Template {
	branches := BranchKinds()
	withGeneral := append(BranchKinds(), org.GeneralBranch)
	lifeKinds := append(BranchKinds(), org.GeneralBranch, org.CommunityCommittee)
	var allButGroups []org.Kind
	for _, k := range org.AllKinds() {
		if k != org.PartyGroup {
			allButGroups = append(allButGroups, k)
		}
	}
	meeting := []Evidence{EvidenceMinutes, EvidenceAttendance, EvidencePhotos}
	mk := func(code, name string, cat Category, c Cadence, due int, kinds []org.Kind, ev []Evidence) Template {
		t := Template{
			Code: code, Name: name, Category: cat, Cadence: c, DueDaysBeforeEnd: due,
			RemindDaysBeforeText: DefaultRemindDaysBefore, OverdueEveryDays: DefaultOverdueEveryDays,
			EscalateAfterDays: DefaultEscalateAfterDays, Active: true,
		}
		t.SetOrgKinds(kinds)
		t.SetEvidence(ev)
		return t
	}
	return []Template{
		mk(CodeBranchCommittee, "支部委员会", BranchCommittee, Monthly, 0, branches, meeting),
		mk(CodeGeneralMeeting, "党员大会", GeneralMeeting, Quarterly, 0, withGeneral, meeting),
		mk(CodeGroupMeeting, "党小组会", GroupMeeting, Monthly, 0, []org.Kind{org.PartyGroup}, meeting),
		mk(CodePartyLecture, "党课", PartyLecture, Quarterly, 0, branches,
			[]Evidence{EvidenceAttendance, EvidencePhotos, EvidenceSummary}),
		mk(CodeThemeDay, "主题党日", ThemeDay, Monthly, 0, branches, []Evidence{EvidenceAttendance, EvidencePhotos}),
		// Yearly meetings fall due in mid-December, leaving the rest of the year for review.
		mk(CodeLifeMeeting, "组织生活会", LifeMeeting, Yearly, 15, lifeKinds, meeting),
		mk(CodeMemberEvaluation, "民主评议党员", MemberEvaluation, Yearly, 15, branches,
			[]Evidence{EvidenceMinutes, EvidenceAttendance}),
		mk(CodeQuarterlySummary, "季度工作总结", Summary, Quarterly, 0, allButGroups, []Evidence{EvidenceSummary}),
	}
}

// EnsureDistrictDefaults stores the shipped templates of a district that it
// does not have yet (matched by code) and returns how many it added. It is
// idempotent; it needs district.write on the district (district admins,
// platform admins, the system).
func (s *Service) EnsureDistrictDefaults(ctx context.Context, districtID int64) (int, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return 0, err
	}
	if err := s.authz.Check(ctx, authz.DistrictWrite, authz.Target{DistrictID: districtID}); err != nil {
		return 0, err
	}
	added := 0
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if s.db.Dialect == db.Postgres {
			// Serialise concurrent calls for one district; SQLite writers are serialised already.
			if _, err := tx.ExecContext(ctx, "SELECT id FROM districts WHERE id = ? FOR UPDATE", districtID); err != nil {
				return fmt.Errorf("lock district: %w", err)
			}
		}
		var codes []string
		if err := tx.NewSelect().Model((*Template)(nil)).Column("code").
			Where("tt.district_id = ?", districtID).Where("tt.tenant_id IS NULL").
			Scan(ctx, &codes); err != nil {
			return fmt.Errorf("read district templates: %w", err)
		}
		have := make(map[string]bool, len(codes))
		for _, c := range codes {
			have[c] = true
		}
		now := s.utcNow()
		for _, t := range DistrictDefaults() {
			if have[t.Code] {
				continue
			}
			t.DistrictID, t.CreatedAt, t.UpdatedAt = districtID, now, now
			if _, err := tx.NewInsert().Model(&t).Exec(ctx); err != nil {
				return fmt.Errorf("insert default template %s: %w", t.Code, err)
			}
			if err := audit.Record(ctx, tx, audit.Change{
				DistrictID: districtID, Action: "task_template.create", EntityType: "task_template",
				EntityID: t.ID, After: &t,
			}); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// utcNow is the service clock in UTC, truncated to microseconds as both
// databases store it, so values read back compare equal.
func (s *Service) utcNow() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
