package affairs

import (
	"context"

	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/files"
)

// Service runs regular party affairs: templates, instances, records, reviews,
// deployments and the status roll-up.
type Service struct {
	db    *db.DB
	authz *authz.Authorizer
	clock clock.Clock
	files *files.Store
	// onChange are called after a change that affects a town's scores.
	onChange []func(ctx context.Context, tenantID int64)
}

// OnChange registers f to run after each committed change that affects a
// town's task results (a record submitted, a task accepted or returned), for
// example to recompute the town's scores. Call it while wiring the application.
func (s *Service) OnChange(f func(ctx context.Context, tenantID int64)) {
	s.onChange = append(s.onChange, f)
}

func (s *Service) changed(ctx context.Context, tenantID int64) {
	for _, f := range s.onChange {
		f(ctx, tenantID)
	}
}

// NewService returns a Service. files stores record attachments.
func NewService(d *db.DB, az *authz.Authorizer, clk clock.Clock, fs *files.Store) *Service {
	return &Service{db: d, authz: az, clock: clk, files: fs}
}
