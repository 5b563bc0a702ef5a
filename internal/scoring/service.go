// Package scoring computes the district's assessment scores (考核评分) of
// party organisations from the data the platform already holds: task
// instances, activity records, reviews and deployments. A district publishes
// a versioned scoring scheme per year; towns may add local indicators within
// the share the district allows; scores are recomputed in bulk per town and
// period, rolled up the organisation tree and explained per indicator.
package scoring

import (
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/queue"
)

// Service implements the scoring module.
type Service struct {
	db    *db.DB
	authz *authz.Authorizer
	clock clock.Clock
	queue *queue.Runtime
}

// NewService returns a scoring service. q may be nil; then recomputation
// requests run synchronously instead of being queued.
func NewService(d *db.DB, az *authz.Authorizer, clk clock.Clock, q *queue.Runtime) *Service {
	if clk == nil {
		clk = clock.Real{}
	}
	return &Service{db: d, authz: az, clock: clk, queue: q}
}
