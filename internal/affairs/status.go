package affairs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/org"
)

// StatusSummary is the 三色预警 roll-up of an organisation: how many task
// instances of its whole subtree are green, amber and red as of now, and the
// same for each direct child's subtree.
type StatusSummary struct {
	OrgID int64
	Name  string
	// Periods are the period keys counted.
	Periods           []string
	Green, Amber, Red int
	Children          []ChildStatus
}

// ChildStatus is the roll-up of one direct child's subtree.
type ChildStatus struct {
	OrgID             int64
	Name              string
	Kind              org.Kind
	Green, Amber, Red int
}

// CurrentPeriods returns the keys of the periods of every cadence that contain
// now in loc: e.g. 2026-W48, 2026-11, 2026-Q4, 2026-H2 and 2026.
func CurrentPeriods(now time.Time, loc *time.Location) []string {
	cs := []Cadence{Weekly, Monthly, Quarterly, HalfYearly, Yearly}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = PeriodAt(c, now, loc).Key
	}
	return out
}

// OrgStatus rolls up the task instances of the organisation's subtree by
// colour. With period set ("2026-11", "2026-Q4", "2026" …) it counts that
// period's instances; with period "" it counts the current ones: every
// instance whose period contains now in the town's zone — this week's, this
// month's, this quarter's, this half-year's and this year's, plus the
// deployments due this month (a deployment's period is its deadline's month),
// and every earlier instance still open past its due time (red until done).
// Children are the active direct children, each with its subtree's counts.
// It needs task.read on the organisation; otherwise NOT_FOUND.
func (s *Service) OrgStatus(ctx context.Context, orgID int64, period string) (*StatusSummary, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	period = strings.TrimSpace(period)
	if period != "" {
		if _, err := ParsePeriod(period, time.UTC); err != nil {
			return nil, err
		}
	}
	now := s.clock.Now()
	var out *StatusSummary
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		anchor, err := scopedOrg(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if anchor == nil {
			return apperr.ErrNotFound
		}
		if err := s.authz.CheckVisible(ctx, authz.TaskRead, authz.Target{TenantID: anchor.TenantID, OrgPath: anchor.Path}); err != nil {
			return err
		}
		periods := []string{period}
		if period == "" {
			town, err := loadTown(ctx, tx, anchor.TenantID)
			if err != nil {
				return err
			}
			periods = CurrentPeriods(now, town.Loc)
		}
		out = &StatusSummary{OrgID: anchor.ID, Name: anchor.Name, Periods: periods}
		periodCond, periodArgs := "ti.period IN (?)", []any{bun.In(periods)}
		if period == "" {
			// Work left undone from earlier periods stays red until it is done.
			periodCond = "(ti.period IN (?) OR (ti.status IN (?) AND ti.due_at < ?))"
			periodArgs = append(periodArgs, bun.In([]Status{Pending, Returned, Overdue}), now.UTC())
		}
		light, lightArgs := colorSQL(now)

		// The whole subtree.
		var totals []struct {
			Light Color `bun:"light"`
			N     int   `bun:"n"`
		}
		q, err := s.instanceQuery(ctx, tx, (*Instance)(nil))
		if err != nil {
			return err
		}
		if err := q.ColumnExpr(light+" AS light", lightArgs...).ColumnExpr("COUNT(*) AS n").
			Where("o.tenant_id = ?", anchor.TenantID).Where("o.path LIKE ?", anchor.Path+"%").
			Where(periodCond, periodArgs...).
			GroupExpr("light").Scan(ctx, &totals); err != nil {
			return fmt.Errorf("org status: %w", err)
		}
		for _, t := range totals {
			addLight(&out.Green, &out.Amber, &out.Red, t.Light, t.N)
		}

		// The direct children, then one aggregation over their path prefixes.
		var children []*org.Organization
		if err := tx.NewSelect().Model(&children).
			Where("o.tenant_id = ?", anchor.TenantID).Where("o.parent_id = ?", anchor.ID).
			Where("o.dissolved_at IS NULL").OrderExpr("o.sort_order, o.id").Scan(ctx); err != nil {
			return fmt.Errorf("org status children: %w", err)
		}
		if len(children) == 0 {
			return nil
		}
		var perChild []struct {
			ChildID int64 `bun:"child_id"`
			Light   Color `bun:"light"`
			N       int   `bun:"n"`
		}
		q, err = s.instanceQuery(ctx, tx, (*Instance)(nil))
		if err != nil {
			return err
		}
		if err := q.Join("JOIN organizations AS c ON c.tenant_id = o.tenant_id AND o.path LIKE c.path || '%'").
			ColumnExpr("c.id AS child_id").ColumnExpr(light+" AS light", lightArgs...).ColumnExpr("COUNT(*) AS n").
			Where("c.parent_id = ?", anchor.ID).Where("c.dissolved_at IS NULL").
			Where("o.tenant_id = ?", anchor.TenantID).
			Where(periodCond, periodArgs...).
			GroupExpr("c.id, light").Scan(ctx, &perChild); err != nil {
			return fmt.Errorf("org status by child: %w", err)
		}
		index := make(map[int64]int, len(children))
		out.Children = make([]ChildStatus, len(children))
		for i, c := range children {
			index[c.ID] = i
			out.Children[i] = ChildStatus{OrgID: c.ID, Name: c.Name, Kind: c.Kind}
		}
		for _, r := range perChild {
			c := &out.Children[index[r.ChildID]]
			addLight(&c.Green, &c.Amber, &c.Red, r.Light, r.N)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func addLight(green, amber, red *int, c Color, n int) {
	switch c {
	case Green:
		*green += n
	case Amber:
		*amber += n
	case Red:
		*red += n
	}
}
