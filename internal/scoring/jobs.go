package scoring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/queue"
)

// Task types.
const (
	// TypeRecompute recomputes one town and period (payload RecomputePayload).
	TypeRecompute = "scoring:recompute"
	// TypeRecomputeAll recomputes every town for the month, quarter and year
	// containing now (and those that ended in the last day).
	TypeRecomputeAll = "scoring:recompute_all"
	// RecomputeAllCronspec runs TypeRecomputeAll nightly at 02:30.
	RecomputeAllCronspec = "30 2 * * *"
	// recomputeDelay lets a burst of changes settle into one run.
	recomputeDelay = 30 * time.Second
)

// RecomputePayload is the payload of TypeRecompute.
type RecomputePayload struct {
	Tenant int64  `json:"tenant"`
	Period string `json:"period"`
}

// RequestRecompute asks for a town's period to be recomputed shortly after a
// change. Requests for the same town and period within the same minute share
// one task id, and the task runs 30 s later, so a burst of changes costs one
// run. period "" means the month, quarter and year containing now in the
// town's zone. Without a queue it recomputes at once. It is for services
// reacting to changes and checks no permission; users call RecomputeScores.
func (s *Service) RequestRecompute(ctx context.Context, tenantID int64, period string) error {
	periods := []string{period}
	if period == "" {
		var tz string
		err := s.db.Read(actor.System(ctx), func(ctx context.Context, idb bun.IDB) error {
			return idb.NewSelect().Table("tenants").Column("timezone").Where("id = ?", tenantID).Scan(ctx, &tz)
		})
		if err != nil {
			return fmt.Errorf("read town zone: %w", err)
		}
		periods = periodsAt(s.clock.Now(), affairs.Location(tz))
	}
	if s.queue == nil {
		var errs []error
		for _, p := range periods {
			_, err := s.Recompute(actor.System(ctx), tenantID, p)
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
	window := strconv.FormatInt(s.clock.Now().Unix()/60, 10)
	for _, p := range periods {
		payload, _ := json.Marshal(RecomputePayload{Tenant: tenantID, Period: p})
		task := asynq.NewTask(TypeRecompute, payload, asynq.MaxRetry(5), asynq.Timeout(5*time.Minute))
		id := queue.TaskID("scoring", "recompute", "t"+strconv.FormatInt(tenantID, 10), p, window)
		if _, err := s.queue.Enqueue(ctx, task, id, asynq.ProcessIn(recomputeDelay), asynq.Retention(2*time.Minute)); err != nil {
			return err
		}
	}
	return nil
}

// periodsAt are the month, quarter and year containing t in loc.
func periodsAt(t time.Time, loc *time.Location) []string {
	return []string{
		affairs.PeriodAt(affairs.Monthly, t, loc).Key,
		affairs.PeriodAt(affairs.Quarterly, t, loc).Key,
		affairs.PeriodAt(affairs.Yearly, t, loc).Key,
	}
}

// RecomputeScope is what a user asks to recompute: one town, or every town
// of a district (TenantID 0), for one period ("" = month, quarter and year of now).
type RecomputeScope struct {
	DistrictID int64
	TenantID   int64
	Period     string
}

// RecomputeScores queues (or, without a queue, runs) a recompute on demand,
// for district admins (every town of their district or one) and a town's
// 党建办 (its own town). It returns the number of towns queued.
func (s *Service) RecomputeScores(ctx context.Context, sc RecomputeScope) (int, error) {
	if sc.Period != "" {
		if _, err := scorePeriod(sc.Period, affairs.Location("")); err != nil {
			return 0, err
		}
	}
	var towns []*town
	err := s.db.Read(actor.System(ctx), func(sysCtx context.Context, idb bun.IDB) error {
		var ids []int64
		if sc.TenantID != 0 {
			ids = []int64{sc.TenantID}
		} else if err := idb.NewSelect().Table("tenants").Column("id").Where("district_id = ?", sc.DistrictID).
			OrderExpr("id").Scan(sysCtx, &ids); err != nil {
			return fmt.Errorf("list towns: %w", err)
		}
		for _, id := range ids {
			t, err := loadTown(sysCtx, idb, id)
			if err != nil {
				return err
			}
			towns = append(towns, t)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if len(towns) == 0 {
		return 0, apperr.ErrNotFound
	}
	for _, t := range towns {
		if sc.DistrictID != 0 && t.DistrictID != sc.DistrictID {
			return 0, apperr.ErrNotFound
		}
		if err := s.checkRecompute(ctx, t); err != nil {
			return 0, err
		}
	}
	for _, t := range towns {
		if err := s.RequestRecompute(ctx, t.ID, sc.Period); err != nil {
			return 0, err
		}
	}
	return len(towns), nil
}

// RunNightly recomputes every town for the month, quarter and year
// containing now, and for those that ended within the last day (their final
// numbers), as the system.
func (s *Service) RunNightly(ctx context.Context) error {
	ctx = actor.System(ctx)
	now := s.clock.Now()
	loc := affairs.Location("")
	seen := map[string]bool{}
	var errs []error
	for _, t := range []time.Time{now.Add(-24 * time.Hour), now} {
		for _, p := range periodsAt(t, loc) {
			if seen[p] {
				continue
			}
			seen[p] = true
			if _, err := s.RecomputeAll(ctx, p); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Handlers are the module's task handlers by task type.
func (s *Service) Handlers() map[string]asynq.Handler {
	return map[string]asynq.Handler{
		TypeRecompute: asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			var p RecomputePayload
			if err := json.Unmarshal(t.Payload(), &p); err != nil || p.Tenant == 0 {
				return fmt.Errorf("bad %s payload %q: %w", TypeRecompute, t.Payload(), asynq.SkipRetry)
			}
			_, err := s.Recompute(actor.System(ctx), p.Tenant, p.Period)
			if apperr.CodeOf(err) == apperr.InvalidInput || apperr.CodeOf(err) == apperr.NotFound {
				return fmt.Errorf("%v: %w", err, asynq.SkipRetry)
			}
			return err
		}),
		TypeRecomputeAll: asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error { return s.RunNightly(ctx) }),
	}
}

// Schedules are the module's periodic tasks: the nightly full recompute.
// Several scheduler replicas firing together enqueue it once.
func Schedules() []*asynq.PeriodicTaskConfig {
	return []*asynq.PeriodicTaskConfig{{
		Cronspec: RecomputeAllCronspec,
		Task:     asynq.NewTask(TypeRecomputeAll, nil, asynq.MaxRetry(2), asynq.Timeout(30*time.Minute)),
		Opts:     []asynq.Option{asynq.Unique(time.Hour)},
	}}
}
