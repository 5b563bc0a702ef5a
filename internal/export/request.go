package export

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
)

// orgRef is what a request needs of the organisation exported.
type orgRef struct {
	ID         int64      `bun:"id"`
	TenantID   int64      `bun:"tenant_id"`
	Name       string     `bun:"name"`
	Path       string     `bun:"path"`
	Dissolved  *time.Time `bun:"dissolved_at"`
	DistrictID int64      `bun:"district_id"`
	Timezone   string     `bun:"timezone"`
}

func (s *Service) orgByID(ctx context.Context, id int64) (*orgRef, error) {
	o := new(orgRef)
	err := s.db.Read(actor.System(ctx), func(ctx context.Context, idb bun.IDB) error {
		return idb.NewRaw(`SELECT o.id, o.tenant_id, o.name, o.path, o.dissolved_at, t.district_id, t.timezone
			FROM organizations o JOIN tenants t ON t.id = o.tenant_id WHERE o.id = ?`, id).Scan(ctx, o)
	})
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read organisation %d: %w", id, err)
	}
	return o, nil
}

func (s *Service) rootOf(ctx context.Context, tenantID int64) (int64, error) {
	var id int64
	err := s.db.Read(actor.System(ctx), func(ctx context.Context, idb bun.IDB) error {
		return idb.NewRaw("SELECT MIN(id) FROM organizations WHERE tenant_id = ? AND parent_id IS NULL", tenantID).Scan(ctx, &id)
	})
	if err != nil || id == 0 {
		return 0, fmt.Errorf("read root of town %d: %w", tenantID, errors.Join(err, apperr.ErrNotFound))
	}
	return id, nil
}

// RequestExport checks that the caller may see what it asks for (task.read
// or person.read on the organisation's subtree for ledgers; district.read
// for the comparison, which town users may not export), stores the request
// QUEUED with the caller's scope, and enqueues its build under the task id
// export:build:<id> — or, without a queue, builds it at once.
func (s *Service) RequestExport(ctx context.Context, in ExportInput) (*Export, error) {
	a, err := actor.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !in.Kind.Valid() {
		return nil, apperr.Invalid("kind", "导出类型无效，只能是任务完成、活动记录、党员或乡镇对比")
	}
	e := &Export{Kind: in.Kind, Status: Queued, RequestedBy: &a.UserID, CreatedAt: s.now()}
	if a.TenantID != 0 {
		e.TenantID = &a.TenantID
	}
	e.DistrictID = a.DistrictID
	if in.Kind == Comparison {
		if a.TenantID != 0 {
			return nil, apperr.New(apperr.Forbidden, "乡镇对比表仅限区委组织部导出")
		}
		if a.PlatformAdmin && a.DistrictID == 0 {
			return nil, apperr.Invalid("kind", "平台管理员不属于任何区，无法导出乡镇对比表")
		}
		if err := s.authz.Check(ctx, authz.DistrictRead, authz.Target{DistrictID: a.DistrictID}); err != nil {
			return nil, err
		}
		p, err := s.periodOf(in.Period, zone(""))
		if err != nil {
			return nil, err
		}
		e.Period = p.Key
	} else {
		orgID := int64(0)
		switch {
		case in.OrgID != nil:
			orgID = *in.OrgID
		case a.TenantID != 0:
			if orgID, err = s.rootOf(ctx, a.TenantID); err != nil {
				return nil, err
			}
		default:
			return nil, apperr.Invalid("orgId", "请选择要导出的组织")
		}
		o, err := s.orgByID(ctx, orgID)
		if err != nil {
			return nil, err
		}
		if !actor.ScopeOf(ctx).CanRead(o.TenantID, o.DistrictID) {
			return nil, apperr.ErrNotFound
		}
		act := authz.TaskRead
		if in.Kind == Members {
			act = authz.PersonRead
		}
		if err := s.authz.Check(ctx, act, authz.Target{TenantID: o.TenantID, OrgPath: o.Path}); err != nil {
			return nil, err
		}
		if in.Kind != Members {
			p, err := s.periodOf(in.Period, zone(o.Timezone))
			if err != nil {
				return nil, err
			}
			e.Period = p.Key
		}
		e.OrgID = &o.ID
		if e.DistrictID == 0 {
			e.DistrictID = o.DistrictID
		}
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(e).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("insert export: %w", err)
		}
		c := audit.Change{Action: "export.request", EntityType: "export", EntityID: e.ID,
			After: map[string]any{"kind": e.Kind, "orgId": e.OrgID, "period": e.Period}}
		if e.TenantID != nil {
			c.TenantID = *e.TenantID
		} else {
			c.DistrictID = e.DistrictID
		}
		return audit.Record(ctx, tx, c)
	})
	if err != nil {
		return nil, err
	}
	if s.queue == nil {
		if err := s.Build(ctx, e.ID); err != nil {
			return nil, err
		}
		return s.load(ctx, e.ID)
	}
	if _, err := s.queue.Enqueue(ctx, NewBuildTask(e.ID), BuildTaskID(e.ID)); err != nil {
		s.finish(ctx, e.ID, Failed, "", "", "导出任务排队失败，请稍后重试")
		return nil, err
	}
	return e, nil
}

// Build builds export id (the worker's job): QUEUED → RUNNING → DONE with
// the file, or FAILED with a Chinese message. It runs as the system but
// exports only the organisation subtree (or district) stored with the
// request. A finished export is left alone, so a retry does nothing.
func (s *Service) Build(ctx context.Context, id int64) error {
	ctx = actor.System(ctx)
	e, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if e.Status == Done || e.Status == Failed {
		return nil
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("exports").Set("status = ?", Running).
			Where("id = ? AND status IN (?)", id, bun.In([]Status{Queued, Running})).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("start export %d: %w", id, err)
	}
	key, filename, err := s.write(ctx, e)
	if err != nil {
		msg := "生成台账失败，请稍后重试"
		if ae, ok := apperr.As(err); ok {
			msg = ae.Message
		}
		s.finish(ctx, id, Failed, "", "", msg)
		if _, ok := apperr.As(err); ok {
			return nil
		}
		return fmt.Errorf("build export %d: %v: %w", id, err, asynq.SkipRetry)
	}
	return s.finish(ctx, id, Done, key, filename, "")
}

// finish records the outcome of a build.
func (s *Service) finish(ctx context.Context, id int64, st Status, key, filename, msg string) error {
	now := s.now()
	err := s.db.RunInTx(actor.System(ctx), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("exports").
			Set("status = ?", st).Set("file_key = ?", key).Set("filename = ?", filename).
			Set("error = ?", msg).Set("finished_at = ?", now).Where("id = ?", id).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish export %d: %w", id, err)
	}
	return nil
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

func zone(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.UTC
}
