package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"dangjian/graph/generated"
	"dangjian/graph/model"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/pagination"
)

// Config tunes the GraphQL handler.
type Config struct {
	// Production disables introspection.
	Production bool
	// MaxDepth is the deepest selection nesting accepted.
	MaxDepth int
	// MaxComplexity is the highest operation complexity accepted.
	MaxComplexity int
	// MaxUploadBytes bounds multipart uploads.
	MaxUploadBytes int64
}

// maxNodes bounds the fields of an operation with its fragments expanded.
const maxNodes = 5000

// NewHandler returns the /graphql HTTP handler.
func NewHandler(r *Resolver, cfg Config) http.Handler {
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = 12
	}
	if cfg.MaxComplexity <= 0 {
		cfg.MaxComplexity = 3000
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 10 << 20
	}
	logger := r.Logger
	if logger == nil {
		logger = slog.Default()
	}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{
		Resolvers:  r,
		Complexity: complexity(),
	}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: cfg.MaxUploadBytes, MaxMemory: 4 << 20})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if !cfg.Production {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	// The shape limit runs first: it is linear in the query, while the
	// complexity calculation walks every expanded path.
	srv.Use(shapeLimit{MaxDepth: cfg.MaxDepth, MaxNodes: maxNodes})
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	srv.SetErrorPresenter(presentError(logger))
	srv.SetRecoverFunc(recoverPanic(logger))
	return checkJSON(withRemoteAddr(r.withLoaders(withAuthzCache(srv))))
}

func withAuthzCache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		next.ServeHTTP(w, req.WithContext(authz.WithRequestCache(req.Context())))
	})
}

// checkJSON answers a malformed JSON body with a clear Chinese error instead
// of echoing the body back, as the transport would.
func checkJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
		if req.Method != http.MethodPost || (mt != "application/json" && mt != "application/graphql-response+json") {
			next.ServeHTTP(w, req)
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, apperr.InvalidInput, "请求体过大或读取失败")
			return
		}
		if !json.Valid(body) {
			writeError(w, http.StatusBadRequest, apperr.InvalidInput, "请求体不是有效的 JSON")
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, req)
	})
}

func writeError(w http.ResponseWriter, status int, code apperr.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": string(code)}}},
		"data":   nil,
	})
}

// complexity makes a list field cost its page size times what each item asks for.
func complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	page := func(child int, first *int) int {
		n := pagination.DefaultFirst
		if first != nil && *first > 0 {
			n = *first
		}
		return 1 + n*child
	}
	c.Query.Organizations = func(child int, first *int, _ *string, _ *model.OrganizationFilter) int { return page(child, first) }
	c.Query.People = func(child int, first *int, _ *string, _ *model.PersonFilter) int { return page(child, first) }
	c.Query.Users = func(child int, first *int, _ *string, _ *model.UserFilter) int { return page(child, first) }
	c.Query.AuditLog = func(child int, first *int, _ *string, _ *model.AuditFilter) int { return page(child, first) }
	c.Organization.Children = func(child int, first *int, _ *string, _ *bool) int { return page(child, first) }
	c.Organization.Members = func(child int, first *int, _ *string, _ *model.PersonFilter) int { return page(child, first) }
	c.Query.TaskInstances = func(child int, _ *model.TaskInstanceFilter, first *int, _ *string) int { return page(child, first) }
	c.Query.MyTasks = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.Deployments = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.Inbox = func(child int, first *int, _ *string, _ *bool) int { return page(child, first) }
	c.Query.Scores = func(child int, _ *model.ScoreFilter, first *int, _ *string) int { return page(child, first) }
	c.Query.Summaries = func(child int, _ *model.SummaryFilter, first *int, _ *string) int { return page(child, first) }
	return c
}
