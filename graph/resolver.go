// Package graph is the GraphQL edge: the schema (graph/schema), thin
// resolvers that convert input, call one service method and convert output,
// per-request dataloaders, and the one error presenter.
package graph

//go:generate sh -c "cd .. && go tool gqlgen generate --config gqlgen.yml"

import (
	"log/slog"

	"dangjian/internal/affairs"
	"dangjian/internal/audit"
	"dangjian/internal/auth"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/export"
	"dangjian/internal/org"
	"dangjian/internal/people"
	"dangjian/internal/remind"
	"dangjian/internal/report"
	"dangjian/internal/scoring"
	"dangjian/internal/tenancy"
)

// Resolver holds the services; it is the only place dependencies are injected.
type Resolver struct {
	Orgs    *org.Service
	People  *people.Service
	Auth    *auth.Service
	Tenancy *tenancy.Service
	Audit   *audit.Log
	Authz   *authz.Authorizer
	Affairs *affairs.Service
	Remind  *remind.Service
	Scoring *scoring.Service
	Reports *report.Service
	Exports *export.Service
	Clock   clock.Clock
	Logger  *slog.Logger
}

// PeopleTemplatePath is where the server serves the people import template.
const PeopleTemplatePath = "/files/people-import-template.xlsx"
