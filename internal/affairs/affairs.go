// Package affairs runs the regular party affairs of a town (有规律性开展党务工作):
// task templates (三会一课, 主题党日, 组织生活会, 民主评议党员, 季度总结 …), the
// per-period task instances they generate for each applicable organisation,
// activity records (纪实) that complete them, review by the upper level,
// work deployments (部署) pushed down the tree, and the 三色预警 roll-up.
package affairs

import (
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/org"
)

// Category groups templates.
type Category string

// Template categories.
const (
	BranchCommittee  Category = "BRANCH_COMMITTEE"  // 支部委员会
	GeneralMeeting   Category = "GENERAL_MEETING"   // 党员大会
	GroupMeeting     Category = "GROUP_MEETING"     // 党小组会
	PartyLecture     Category = "PARTY_LECTURE"     // 党课
	ThemeDay         Category = "THEME_DAY"         // 主题党日
	LifeMeeting      Category = "LIFE_MEETING"      // 组织生活会
	MemberEvaluation Category = "MEMBER_EVALUATION" // 民主评议党员
	Summary          Category = "SUMMARY"           // 工作总结
	Deployment       Category = "DEPLOYMENT"        // 工作部署
	Custom           Category = "CUSTOM"            // 其他
)

// Evidence is what a record must carry to complete a task.
type Evidence string

// Kinds of evidence.
const (
	EvidenceMinutes    Evidence = "MINUTES"      // 会议记录
	EvidenceAttendance Evidence = "ATTENDANCE"   // 出席情况
	EvidencePhotos     Evidence = "PHOTOS"       // 照片
	EvidenceSummary    Evidence = "SUMMARY_TEXT" // 总结文字
)

// Status is where a task instance stands.
type Status string

// Task statuses.
const (
	Pending   Status = "PENDING"   // 待完成
	Submitted Status = "SUBMITTED" // 已提交，待审核
	Returned  Status = "RETURNED"  // 已退回
	Done      Status = "DONE"      // 已完成
	Overdue   Status = "OVERDUE"   // 已逾期
)

// Color is the 三色预警 light of a task.
type Color string

// Colours.
const (
	Green Color = "GREEN" // 正常 / 按时完成
	Amber Color = "AMBER" // 临期（3 天内到期）或逾期后完成
	Red   Color = "RED"   // 逾期未完成
)

// AmberWindow is how close to its due time an open task turns amber.
const AmberWindow = 3 * 24 * time.Hour

// Template is a recurring task. District templates (TenantID nil) apply to
// every town of the district; a town may add its own and adjust or switch off
// district ones for itself (see TownSetting).
type Template struct {
	bun.BaseModel `bun:"table:task_templates,alias:tt"`

	ID         int64  `bun:"id,pk,autoincrement" json:"id"`
	TenantID   *int64 `bun:"tenant_id" json:"tenantId,omitempty"`
	DistrictID int64  `bun:"district_id" json:"districtId"`
	// Code identifies shipped defaults ("branch_committee" …); empty for custom ones.
	Code     string   `bun:"code" json:"code"`
	Name     string   `bun:"name" json:"name"`
	Category Category `bun:"category" json:"category"`
	// OrgKinds is stored as comma-separated text.
	OrgKindsText string  `bun:"org_kinds" json:"-"`
	Cadence      Cadence `bun:"cadence" json:"cadence"`
	// DueDaysBeforeEnd places the deadline inside the period: 0 = its last day.
	DueDaysBeforeEnd     int       `bun:"due_days_before_end" json:"dueDaysBeforeEnd"`
	EvidenceText         string    `bun:"evidence" json:"-"`
	RemindDaysBeforeText string    `bun:"remind_days_before" json:"-"`
	OverdueEveryDays     int       `bun:"overdue_every_days" json:"overdueEveryDays"`
	EscalateAfterDays    int       `bun:"escalate_after_days" json:"escalateAfterDays"`
	Active               bool      `bun:"active" json:"active"`
	CreatedAt            time.Time `bun:"created_at" json:"createdAt"`
	UpdatedAt            time.Time `bun:"updated_at" json:"updatedAt"`
}

// OrgKinds are the kinds of organisation the template applies to.
func (t *Template) OrgKinds() []org.Kind {
	var out []org.Kind
	for _, s := range splitList(t.OrgKindsText) {
		out = append(out, org.Kind(s))
	}
	return out
}

// SetOrgKinds stores kinds.
func (t *Template) SetOrgKinds(kinds []org.Kind) {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	t.OrgKindsText = strings.Join(s, ",")
}

// Evidence is what completes the task.
func (t *Template) Evidence() []Evidence {
	var out []Evidence
	for _, s := range splitList(t.EvidenceText) {
		out = append(out, Evidence(s))
	}
	return out
}

// SetEvidence stores ev.
func (t *Template) SetEvidence(ev []Evidence) {
	s := make([]string, len(ev))
	for i, e := range ev {
		s[i] = string(e)
	}
	t.EvidenceText = strings.Join(s, ",")
}

// RemindDaysBefore are the days before the due date on which reminders go out.
func (t *Template) RemindDaysBefore() []int { return parseInts(t.RemindDaysBeforeText) }

// SetRemindDaysBefore stores days.
func (t *Template) SetRemindDaysBefore(days []int) { t.RemindDaysBeforeText = formatInts(days) }

// AppliesTo reports whether the template applies to organisations of kind k.
func (t *Template) AppliesTo(k org.Kind) bool {
	for _, x := range t.OrgKinds() {
		if x == k {
			return true
		}
	}
	return false
}

// TownSetting is a town's adjustment of a district template.
type TownSetting struct {
	bun.BaseModel `bun:"table:template_settings,alias:ts"`

	ID               int64     `bun:"id,pk,autoincrement" json:"id"`
	TenantID         int64     `bun:"tenant_id" json:"tenantId"`
	TemplateID       int64     `bun:"template_id" json:"templateId"`
	Enabled          bool      `bun:"enabled" json:"enabled"`
	DueDaysBeforeEnd *int      `bun:"due_days_before_end" json:"dueDaysBeforeEnd,omitempty"`
	RemindDaysBefore *string   `bun:"remind_days_before" json:"remindDaysBefore,omitempty"`
	UpdatedAt        time.Time `bun:"updated_at" json:"updatedAt"`
}

// Apply returns the template as the town sees it after its adjustment.
func (s *TownSetting) Apply(t Template) Template {
	if s == nil {
		return t
	}
	t.Active = t.Active && s.Enabled
	if s.DueDaysBeforeEnd != nil {
		t.DueDaysBeforeEnd = *s.DueDaysBeforeEnd
	}
	if s.RemindDaysBefore != nil {
		t.RemindDaysBeforeText = *s.RemindDaysBefore
	}
	return t
}

// Instance is one task for one organisation and one period (or one deployment).
type Instance struct {
	bun.BaseModel `bun:"table:task_instances,alias:ti"`

	ID           int64      `bun:"id,pk,autoincrement" json:"id"`
	TenantID     int64      `bun:"tenant_id" json:"tenantId"`
	TemplateID   *int64     `bun:"template_id" json:"templateId,omitempty"`
	DeploymentID *int64     `bun:"deployment_id" json:"deploymentId,omitempty"`
	OrgID        int64      `bun:"org_id" json:"orgId"`
	Period       string     `bun:"period" json:"period"`
	Title        string     `bun:"title" json:"title"`
	DueAt        time.Time  `bun:"due_at" json:"dueAt"`
	Status       Status     `bun:"status" json:"status"`
	SubmittedAt  *time.Time `bun:"submitted_at" json:"submittedAt,omitempty"`
	CompletedAt  *time.Time `bun:"completed_at" json:"completedAt,omitempty"`
	CreatedAt    time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt    time.Time  `bun:"updated_at" json:"updatedAt"`
}

// StatusAt is the status as of now: an open task past its due time is overdue
// even before the job that marks it has run.
func (i *Instance) StatusAt(now time.Time) Status {
	if (i.Status == Pending || i.Status == Returned) && now.After(i.DueAt) {
		return Overdue
	}
	return i.Status
}

// ColorAt is the 三色预警 light as of now: green when done on time or open
// with time to spare, amber when due within three days or done late, red
// when overdue and not done.
func (i *Instance) ColorAt(now time.Time) Color {
	switch {
	case i.Status == Done:
		if i.CompletedAt != nil && i.completedLate() {
			return Amber
		}
		return Green
	case i.Status == Submitted:
		// Submitted on time waits for review without counting against the branch.
		if i.SubmittedAt != nil && !i.SubmittedAt.After(i.DueAt) {
			return Green
		}
		return Amber
	case now.After(i.DueAt):
		return Red
	case i.DueAt.Sub(now) <= AmberWindow:
		return Amber
	}
	return Green
}

// completedLate reports whether the work was submitted after the deadline.
func (i *Instance) completedLate() bool {
	at := i.CompletedAt
	if i.SubmittedAt != nil {
		at = i.SubmittedAt
	}
	return at.After(i.DueAt)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseInts(s string) []int {
	var out []int
	for _, p := range splitList(s) {
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func formatInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
