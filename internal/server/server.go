// Package server is the HTTP layer around the GraphQL handler: routing,
// health and readiness probes, request ids, access logs, panic recovery, body
// size limits and bearer-token authentication.
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
)

// Default body limits.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxUploadBytes = 10 << 20
)

// readyTimeout bounds all readiness checks of one /readyz request together.
const readyTimeout = 2 * time.Second

// Authenticator turns a bearer token into the signed-in actor. It returns an
// error when the token is invalid or expired; an *apperr.Error with code
// INTERNAL means the check itself failed (e.g. the database is down) and is
// answered 500 rather than 401.
type Authenticator interface {
	Authenticate(ctx context.Context, bearerToken string) (actor.Actor, error)
}

// ReadyCheck is one dependency /readyz checks, e.g. the database or Redis.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Options configure the handler returned by New.
type Options struct {
	// GraphQL serves /graphql (GET and POST). When nil /graphql answers 503.
	GraphQL http.Handler
	// GraphiQL serves the GraphiQL IDE on /graphiql; keep it off in production.
	GraphiQL bool
	// Authenticator checks bearer tokens. When nil every request carrying a
	// token is refused.
	Authenticator Authenticator
	// Ready lists what /readyz checks.
	Ready []ReadyCheck
	// Logger receives access logs and recovered panics.
	Logger *slog.Logger
	// MaxBodyBytes limits request bodies (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// MaxUploadBytes limits multipart (file upload) bodies (default DefaultMaxUploadBytes).
	MaxUploadBytes int64
	// Extra are additional routes, by http.ServeMux pattern
	// (e.g. "GET /files/member-import-template.xlsx").
	Extra map[string]http.Handler
}

// New returns the application's HTTP handler.
func New(opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}

	mux := http.NewServeMux()
	gql := opts.GraphQL
	if gql == nil {
		gql = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusServiceUnavailable, apperr.Internal, "服务暂不可用")
		})
	}
	mux.Handle("GET /graphql", gql)
	mux.Handle("POST /graphql", gql)
	if opts.GraphiQL {
		mux.Handle("GET /graphiql", playground.Handler("dangjian GraphiQL", "/graphql"))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	mux.Handle("GET /readyz", readyHandler(opts.Ready, opts.Logger))
	for pattern, h := range opts.Extra {
		mux.Handle(pattern, h)
	}

	var h http.Handler = mux
	h = authenticate(opts.Authenticator, opts.Logger, h)
	h = limitBody(opts.MaxBodyBytes, opts.MaxUploadBytes, h)
	h = recoverPanic(opts.Logger, h)
	h = accessLog(opts.Logger, h)
	h = requestID(h)
	return h
}

// gqlError is one error in a GraphQL-shaped response.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// writeError answers with a GraphQL-shaped error body, so that clients
// handle transport-level failures the same way as resolver errors.
func writeError(w http.ResponseWriter, status int, code apperr.Code, msg string) {
	writeJSON(w, status, map[string]any{
		"errors": []gqlError{{Message: msg, Extensions: map[string]any{"code": code}}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readyHandler runs every check concurrently under one timeout and answers
// 200 when all pass, else 503 naming the ones that failed. The reasons go
// to the log, not to the caller.
func readyHandler(checks []ReadyCheck, logger *slog.Logger) http.Handler {
	type result struct {
		i   int
		err error
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		results := make(chan result, len(checks))
		for i, c := range checks {
			go func() { results <- result{i, c.Check(ctx)} }()
		}
		errs := make([]error, len(checks))
		for i := range errs {
			errs[i] = context.DeadlineExceeded // until the check answers
		}
	collect:
		for range checks {
			select {
			case res := <-results:
				errs[res.i] = res.err
			case <-ctx.Done():
				break collect
			}
		}
		failed := []string{}
		for i, c := range checks {
			if errs[i] != nil {
				failed = append(failed, c.Name)
				logger.WarnContext(r.Context(), "not ready", "check", c.Name, "err", errs[i])
			}
		}
		if len(failed) > 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "failed": failed})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
}
