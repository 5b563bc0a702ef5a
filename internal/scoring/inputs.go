package scoring

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/uptrace/bun"
)

// Input names: the data the platform holds that an indicator may score.
// Nothing here measures logins, clicks, page views, reading or study time
// (减负: such indicators are forbidden, see forbiddenReason).
const (
	InputTaskCompletion     = "task_completion"     // 常规任务完成率
	InputTaskTimeliness     = "task_timeliness"     // 常规任务按时率
	InputLateRecords        = "late_records"        // 补录（迟报）活动记录
	InputReviewReturns      = "review_returns"      // 被上级退回
	InputDeploymentsOnTime  = "deployments_on_time" // 工作部署按时响应
	InputSummariesSubmitted = "summaries_submitted" // 工作总结提交
)

// maxEvidence caps the instance or record ids kept per score item.
const maxEvidence = 50

// InputSource describes one input: how it is worded and how it is measured
// for every organisation of a town in one period at once.
type InputSource struct {
	// Label is the input's Chinese name.
	Label string
	// Subject, Verb, Unit and RateName word the explanation, e.g.
	// "按时完成 9/10 项，按时率 90%".
	Subject, Verb, Unit, RateName string
	// Ratio inputs have a denominator and may use RuleRatio.
	Ratio bool
	// ByTemplate inputs accept the "template" parameter.
	ByTemplate bool
	// measure returns the measure of every organisation that has one.
	measure func(ctx context.Context, q *inputQuery, p Params) (map[int64]*Measure, error)
}

// inputSources is the allow-list of inputs. Adding an input type is one
// entry here (and, when it reads a new table, one loader on inputQuery).
var inputSources = map[string]InputSource{
	InputTaskCompletion: {
		Label: "常规任务完成率", Subject: "应完成的常规任务", Verb: "已完成", Unit: "项", RateName: "完成率",
		Ratio: true, ByTemplate: true,
		measure: instanceRatio(func(r *instanceRow, p Params) bool { return r.regular(p) }, (*instanceRow).done),
	},
	InputTaskTimeliness: {
		Label: "常规任务按时率", Subject: "应完成的常规任务", Verb: "按时完成", Unit: "项", RateName: "按时率",
		Ratio: true, ByTemplate: true,
		measure: instanceRatio(func(r *instanceRow, p Params) bool { return r.regular(p) }, (*instanceRow).onTime),
	},
	InputDeploymentsOnTime: {
		Label: "工作部署按时响应", Subject: "应响应的工作部署", Verb: "按时响应", Unit: "项", RateName: "按时响应率",
		Ratio:   true,
		measure: instanceRatio(func(r *instanceRow, _ Params) bool { return r.DeploymentID != nil }, (*instanceRow).onTime),
	},
	InputSummariesSubmitted: {
		Label: "工作总结提交", Subject: "应提交的工作总结", Verb: "已提交", Unit: "项", RateName: "提交率",
		Ratio: true, ByTemplate: true,
		measure: instanceRatio(func(r *instanceRow, p Params) bool {
			if p.Template != "" {
				return r.Code == p.Template
			}
			return r.Category == "SUMMARY"
		}, (*instanceRow).done),
	},
	InputLateRecords: {
		Label: "补录（迟报）活动记录", Subject: "补录（迟报）活动记录", Unit: "条",
		measure: func(ctx context.Context, q *inputQuery, _ Params) (map[int64]*Measure, error) {
			return q.countRows(ctx, `SELECT ar.org_id, ar.id FROM activity_records ar
				WHERE ar.tenant_id = ? AND ar.late AND ar.start_at >= ? AND ar.start_at < ?
				ORDER BY ar.id`)
		},
	},
	InputReviewReturns: {
		Label: "被上级退回", Subject: "任务被上级审核退回", Unit: "次",
		measure: func(ctx context.Context, q *inputQuery, _ Params) (map[int64]*Measure, error) {
			return q.countRows(ctx, `SELECT ti.org_id, ti.id FROM task_reviews tr
				JOIN task_instances ti ON ti.id = tr.instance_id
				WHERE tr.tenant_id = ? AND tr.action = 'RETURN' AND tr.created_at >= ? AND tr.created_at < ?
				ORDER BY tr.id`)
		},
	},
}

// Inputs returns the allow-list of input names with their Chinese labels.
func Inputs() map[string]string {
	out := make(map[string]string, len(inputSources))
	for k, v := range inputSources {
		out[k] = v.Label
	}
	return out
}

// inputQuery measures the inputs of one town in one period [start, end) as
// of now. Rows shared by several inputs are loaded once.
//
// A task instance belongs to the period when its due_at falls within the
// period's bounds in the town's zone, whatever its own cadence: a monthly
// meeting due on 30 November counts in "2026-11", "2026-Q4" and "2026".
// Open instances not yet due are left out, so a period in progress is scored
// on what has fallen due so far. Late records count by start_at and review
// returns by the time of the return.
type inputQuery struct {
	idb        bun.IDB
	tenantID   int64
	start, end time.Time
	now        time.Time

	instances []*instanceRow
	loaded    bool
}

// instanceRow is the part of a task instance that scoring reads.
type instanceRow struct {
	ID           int64      `bun:"id"`
	OrgID        int64      `bun:"org_id"`
	TemplateID   *int64     `bun:"template_id"`
	DeploymentID *int64     `bun:"deployment_id"`
	Status       string     `bun:"status"`
	DueAt        time.Time  `bun:"due_at"`
	SubmittedAt  *time.Time `bun:"submitted_at"`
	CompletedAt  *time.Time `bun:"completed_at"`
	Code         string     `bun:"code"`
	Category     string     `bun:"category"`
}

// regular reports whether the row is a template instance (of p.Template, when set).
func (r *instanceRow) regular(p Params) bool {
	return r.TemplateID != nil && (p.Template == "" || r.Code == p.Template)
}

// done counts submitted work as done: waiting for review is not the branch's fault.
func (r *instanceRow) done() bool { return r.Status == "DONE" || r.Status == "SUBMITTED" }

// onTime reports whether the work was handed in by the deadline (submitted_at ≤ due_at).
func (r *instanceRow) onTime() bool {
	if !r.done() {
		return false
	}
	at := r.SubmittedAt
	if at == nil {
		at = r.CompletedAt
	}
	return at != nil && !at.After(r.DueAt)
}

// counted reports whether the row enters the period's ratios: it is due
// already, or done ahead of its deadline.
func (r *instanceRow) counted(now time.Time) bool { return !r.DueAt.After(now) || r.done() }

// Instances loads the town's instances due in the period, once.
func (q *inputQuery) Instances(ctx context.Context) ([]*instanceRow, error) {
	if q.loaded {
		return q.instances, nil
	}
	err := q.idb.NewRaw(`SELECT ti.id, ti.org_id, ti.template_id, ti.deployment_id, ti.status, ti.due_at,
			ti.submitted_at, ti.completed_at, COALESCE(tt.code, '') AS code, COALESCE(tt.category, '') AS category
		FROM task_instances ti LEFT JOIN task_templates tt ON tt.id = ti.template_id
		WHERE ti.tenant_id = ? AND ti.due_at >= ? AND ti.due_at < ?
		ORDER BY ti.id`, q.tenantID, q.start, q.end).Scan(ctx, &q.instances)
	if err != nil {
		return nil, fmt.Errorf("read task instances: %w", err)
	}
	q.loaded = true
	return q.instances, nil
}

// Applicable returns the organisations that have at least one counted task
// instance in the period: only they get an own score.
func (q *inputQuery) Applicable(ctx context.Context) (map[int64]bool, error) {
	rows, err := q.Instances(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, r := range rows {
		if r.counted(q.now) {
			out[r.OrgID] = true
		}
	}
	return out, nil
}

// instanceRatio measures, per org, the counted instances that match as the
// denominator and those that also pass ok as the numerator.
func instanceRatio(match func(*instanceRow, Params) bool, ok func(*instanceRow) bool) func(context.Context, *inputQuery, Params) (map[int64]*Measure, error) {
	return func(ctx context.Context, q *inputQuery, p Params) (map[int64]*Measure, error) {
		rows, err := q.Instances(ctx)
		if err != nil {
			return nil, err
		}
		out := map[int64]*Measure{}
		for _, r := range rows {
			if !match(r, p) || !r.counted(q.now) {
				continue
			}
			m := out[r.OrgID]
			if m == nil {
				m = &Measure{}
				out[r.OrgID] = m
			}
			m.Den++
			if ok(r) {
				m.Num++
			}
			if len(m.Evidence) < maxEvidence {
				m.Evidence = append(m.Evidence, r.ID)
			}
		}
		return out, nil
	}
}

// countRows runs a query selecting (org_id, id) with the parameters
// (tenant, start, end) and counts the rows per org, keeping distinct ids as evidence.
func (q *inputQuery) countRows(ctx context.Context, query string) (map[int64]*Measure, error) {
	var rows []struct {
		OrgID int64 `bun:"org_id"`
		ID    int64 `bun:"id"`
	}
	if err := q.idb.NewRaw(query, q.tenantID, q.start, q.end).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	out := map[int64]*Measure{}
	seen := map[[2]int64]bool{}
	for _, r := range rows {
		m := out[r.OrgID]
		if m == nil {
			m = &Measure{}
			out[r.OrgID] = m
		}
		m.Num++
		if k := [2]int64{r.OrgID, r.ID}; !seen[k] && len(m.Evidence) < maxEvidence {
			seen[k] = true
			m.Evidence = append(m.Evidence, r.ID)
		}
	}
	for _, m := range out {
		sort.Slice(m.Evidence, func(i, j int) bool { return m.Evidence[i] < m.Evidence[j] })
	}
	return out, nil
}
