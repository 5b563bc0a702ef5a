// Package report writes the periodic summaries (周/月/季/年度小结) of every
// town and of every district — completion and timeliness of regular tasks,
// the overdue list, new activity records and score changes — stores each one
// once per scope, kind and period, delivers it to the inbox of the people
// responsible, and reads summaries back under the caller's permissions.
//
// A town's summary goes to the town's office, secretary and deputy
// secretaries; a district's summary goes to the district's enabled
// district_admin users (区委组织部管理员), as notifications that carry the
// district and no town (tenant_id NULL), which the district users' inbox reads.
package report

import (
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
)

// Kind is how long the period of a summary is.
type Kind string

// Summary kinds.
const (
	Weekly    Kind = "WEEKLY"    // 周小结
	Monthly   Kind = "MONTHLY"   // 月度小结
	Quarterly Kind = "QUARTERLY" // 季度小结
	Yearly    Kind = "YEARLY"    // 年度小结
)

// Kinds lists every summary kind, shortest first.
func Kinds() []Kind { return []Kind{Weekly, Monthly, Quarterly, Yearly} }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case Weekly, Monthly, Quarterly, Yearly:
		return true
	}
	return false
}

// Label is the Chinese name of the kind, as used in titles: "月度".
func (k Kind) Label() string {
	return map[Kind]string{Weekly: "每周", Monthly: "月度", Quarterly: "季度", Yearly: "年度"}[k]
}

// Cadence is the task cadence whose periods the kind summarises.
func (k Kind) Cadence() affairs.Cadence {
	return map[Kind]affairs.Cadence{Weekly: affairs.Weekly, Monthly: affairs.Monthly,
		Quarterly: affairs.Quarterly, Yearly: affairs.Yearly}[k]
}

// scored reports whether score snapshots exist for periods of the kind
// (scores are kept per month, quarter and year, not per week).
func (k Kind) scored() bool { return k != Weekly }

// parsePeriod parses key as a period of kind k in loc.
func parsePeriod(k Kind, key string, loc *time.Location) (affairs.Period, error) {
	if !k.Valid() {
		return affairs.Period{}, apperr.Invalid("kind", "小结类型无效，只能是周、月、季度或年度")
	}
	p, err := affairs.ParsePeriod(key, loc)
	if err != nil {
		return affairs.Period{}, err
	}
	if p.Cadence != k.Cadence() {
		return affairs.Period{}, apperr.Invalid("period", "期间与小结类型不符，例如月度小结的期间为 2026-11")
	}
	return p, nil
}

// Summary is one stored summary document of a town (TenantID set) or of a
// district (TenantID nil).
type Summary struct {
	bun.BaseModel `bun:"table:summaries,alias:s"`

	ID         int64  `bun:"id,pk,autoincrement" json:"id"`
	TenantID   *int64 `bun:"tenant_id" json:"tenantId,omitempty"`
	DistrictID int64  `bun:"district_id" json:"districtId"`
	// ScopeKey is "t:<town id>" or "d:<district id>".
	ScopeKey string `bun:"scope_key" json:"scopeKey"`
	Kind     Kind   `bun:"kind" json:"kind"`
	Period   string `bun:"period" json:"period"`
	Title    string `bun:"title" json:"title"`
	// Body is the document in Markdown.
	Body string `bun:"body" json:"body"`
	// Data is the figures of the body as JSON (TownReport or DistrictReport).
	Data      string    `bun:"data" json:"data"`
	CreatedAt time.Time `bun:"created_at" json:"createdAt"`
}

// IsDistrict reports whether s is a district summary.
func (s *Summary) IsDistrict() bool { return s.TenantID == nil }

// TaskStats are the regular tasks (instances of templates) due in a period.
type TaskStats struct {
	Due    int `json:"due"`
	Done   int `json:"done"`
	OnTime int `json:"onTime"`
	// CompletionRate and OnTimeRate are percentages of Due (0 when nothing was due).
	CompletionRate float64 `json:"completionRate"`
	OnTimeRate     float64 `json:"onTimeRate"`
}

func (t *TaskStats) rates() {
	if t.Due > 0 {
		t.CompletionRate = round1(100 * float64(t.Done) / float64(t.Due))
		t.OnTimeRate = round1(100 * float64(t.OnTime) / float64(t.Due))
	}
}

// OverdueTask is a regular task due in the period and still not done.
type OverdueTask struct {
	OrgID   int64     `json:"orgId"`
	OrgName string    `json:"orgName"`
	Title   string    `json:"title"`
	DueAt   time.Time `json:"dueAt"`
}

// RecordStats counts the activity records entered in the period.
type RecordStats struct {
	New  int `json:"new"`
	Late int `json:"late"`
}

// Mover is an organisation whose score moved between two periods.
type Mover struct {
	OrgID   int64   `json:"orgId"`
	OrgName string  `json:"orgName"`
	Total   float64 `json:"total"`
	Delta   float64 `json:"delta"`
}

// ScoreChange is the town's score in the period against the previous one.
type ScoreChange struct {
	Period     string   `json:"period"`
	PrevPeriod string   `json:"prevPeriod"`
	Total      float64  `json:"total"`
	Previous   *float64 `json:"previous,omitempty"`
	Delta      *float64 `json:"delta,omitempty"`
	// Best and Worst are up to three organisations that rose or fell most.
	Best  []Mover `json:"best"`
	Worst []Mover `json:"worst"`
}

// TownReport is the data of a town summary.
type TownReport struct {
	TownID      int64     `json:"townId"`
	TownName    string    `json:"townName"`
	Kind        Kind      `json:"kind"`
	Period      string    `json:"period"`
	PeriodLabel string    `json:"periodLabel"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Tasks       TaskStats `json:"tasks"`
	// Overdue lists at most MaxOverdue tasks; OverdueTotal counts them all.
	Overdue      []OverdueTask `json:"overdue"`
	OverdueTotal int           `json:"overdueTotal"`
	Records      RecordStats   `json:"records"`
	// Score is nil when no snapshot exists for the period (本期暂无评分).
	Score *ScoreChange `json:"score,omitempty"`
}

// TownRow is one town in a district summary.
type TownRow struct {
	TownID       int64     `json:"townId"`
	TownName     string    `json:"townName"`
	Tasks        TaskStats `json:"tasks"`
	OverdueTotal int       `json:"overdueTotal"`
	Records      int       `json:"records"`
	Score        *float64  `json:"score,omitempty"`
	Delta        *float64  `json:"delta,omitempty"`
	// Rank is by score (towns without one last), then by completion rate.
	Rank int `json:"rank"`
}

// DistrictReport is the data of a district summary.
type DistrictReport struct {
	DistrictID   int64     `json:"districtId"`
	DistrictName string    `json:"districtName"`
	Kind         Kind      `json:"kind"`
	Period       string    `json:"period"`
	PeriodLabel  string    `json:"periodLabel"`
	Tasks        TaskStats `json:"tasks"`
	Towns        []TownRow `json:"towns"`
}

// MaxOverdue is how many overdue tasks a summary lists.
const MaxOverdue = 20

// moversShown is how many best and worst movers a summary names.
const moversShown = 3

func round1(f float64) float64 {
	if f < 0 {
		return -round1(-f)
	}
	return float64(int64(f*10+0.5)) / 10
}
