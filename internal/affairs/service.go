package affairs

import (
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
}

// NewService returns a Service. files stores record attachments.
func NewService(d *db.DB, az *authz.Authorizer, clk clock.Clock, fs *files.Store) *Service {
	return &Service{db: d, authz: az, clock: clk, files: fs}
}
