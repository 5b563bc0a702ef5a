package app

import (
	"context"
	"fmt"
	"time"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/demo"
	"dangjian/internal/scoring"
)

// seedDemoScores publishes the shipped scoring scheme for the demo district
// and computes this and the last month's, quarter's and year's scores, so the
// district comparison has numbers (and changes) from the first start.
func seedDemoScores(ctx context.Context, d *Deps) error {
	ctx = actor.System(ctx)
	var districtID int64
	if err := d.DB.NewSelect().Table("districts").Column("id").Where("code = ?", demo.DistrictCode).Scan(ctx, &districtID); err != nil {
		return fmt.Errorf("find demo district: %w", err)
	}
	now := d.Services.Clock.Now()
	loc := affairs.Location("Asia/Shanghai")
	s := d.Services.Scores
	scheme, err := s.CreateScheme(ctx, scoring.SchemeInput{
		DistrictID: districtID,
		Year:       now.In(loc).Year(),
		Name:       fmt.Sprintf("%d年度基层党建工作考核方案", now.In(loc).Year()),
		RollupRule: scoring.RollupOwnPlusChildren,
		TownShare:  0.2,
		Thresholds: scoring.DefaultThresholds(),
		Indicators: scoring.DefaultIndicators(),
	})
	if err != nil {
		return err
	}
	if _, err := s.PublishScheme(ctx, scheme.ID); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, at := range []time.Time{now, now.AddDate(0, -1, 0)} {
		for _, c := range []affairs.Cadence{affairs.Monthly, affairs.Quarterly, affairs.Yearly} {
			key := affairs.PeriodAt(c, at, loc).Key
			if seen[key] {
				continue
			}
			seen[key] = true
			if _, err := s.RecomputeAll(ctx, key); err != nil {
				return fmt.Errorf("compute demo scores for %s: %w", key, err)
			}
		}
	}
	return nil
}
