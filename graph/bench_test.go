package graph_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"dangjian/graph"
	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/audit"
	"dangjian/internal/auth"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/demo"
	"dangjian/internal/files"
	"dangjian/internal/org"
	"dangjian/internal/people"
	"dangjian/internal/tenancy"
)

// organizationsQuery is a town office's first page of its organisations, with
// each one's parent and town: one query per related type through the loaders.
const organizationsQuery = `{ organizations(first: 50) { totalCount edges { node { id name kind parent { name } town { name } } } } }`

// stack is the GraphQL handler over the real services and the demo data.
type stack struct {
	handler http.Handler
	actor   actor.Actor
}

// newStack wires the services as internal/app's buildServices does, loads the
// demo and signs in as username through the auth service.
func newStack(tb testing.TB, d *db.DB, username string) *stack {
	tb.Helper()
	ctx := context.Background()
	az := authz.New(d)
	authSvc := auth.NewService(d, az, auth.Config{Secret: []byte("benchmark-secret-that-is-at-least-32-bytes")})
	orgs := org.NewService(d, az)
	ppl := people.NewService(d, az)
	towns := tenancy.NewService(d, az, orgs)
	store, err := files.NewLocal(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	aff := affairs.NewService(d, az, clock.Real{}, store)
	if _, err := demo.Load(ctx, demo.Services{DB: d, Tenancy: towns, Orgs: orgs, People: ppl, Auth: authSvc, Affairs: aff}, nil); err != nil {
		tb.Fatalf("load demo: %v", err)
	}
	sess, err := authSvc.Login(ctx, username, demo.Password, "127.0.0.1:1")
	if err != nil {
		tb.Fatalf("sign in as %s: %v", username, err)
	}
	a, err := authSvc.Authenticate(ctx, sess.AccessToken)
	if err != nil {
		tb.Fatalf("authenticate %s: %v", username, err)
	}
	logger := slog.New(slog.DiscardHandler)
	h := graph.NewHandler(&graph.Resolver{
		Orgs: orgs, People: ppl, Auth: authSvc, Tenancy: towns,
		Audit: audit.NewLog(d, az), Authz: az, Logger: logger,
	}, graph.Config{})
	return &stack{handler: h, actor: a}
}

// do serves one query as the signed-in actor (what internal/server's
// authentication middleware puts in the context) and returns the response body.
func (s *stack) do(tb testing.TB, query string) []byte {
	body, _ := json.Marshal(map[string]string{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(actor.WithRequestID(actor.With(req.Context(), s.actor), "bench"))
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		tb.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	return w.Body.Bytes()
}

// checkOrganizations fails unless the answer is a full, error-free page of
// 红旗镇's organisations, so the benchmark measures a correct response.
func checkOrganizations(tb testing.TB, body []byte) {
	tb.Helper()
	var resp struct {
		Data struct {
			Organizations struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						ID, Name, Kind string
						Parent         *struct{ Name string }
						Town           struct{ Name string }
					}
				}
			}
		}
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		tb.Fatalf("decode: %v: %s", err, body)
	}
	if len(resp.Errors) > 0 {
		tb.Fatalf("errors: %s", body)
	}
	orgs := resp.Data.Organizations
	if orgs.TotalCount < 10 || len(orgs.Edges) != orgs.TotalCount {
		tb.Fatalf("totalCount %d with %d edges; want the whole demo town on one page", orgs.TotalCount, len(orgs.Edges))
	}
	roots := 0
	for _, e := range orgs.Edges {
		if e.Node.Town.Name != "红旗镇" {
			tb.Fatalf("%s belongs to %q; towna.admin sees 红旗镇 only", e.Node.Name, e.Node.Town.Name)
		}
		if e.Node.Parent == nil {
			roots++
		}
	}
	if roots != 1 {
		tb.Fatalf("%d organisations without a parent, want the one 镇党委", roots)
	}
}

func benchmarkOrganizations(b *testing.B, d *db.DB) {
	s := newStack(b, d, "towna.admin")
	checkOrganizations(b, s.do(b, organizationsQuery))
	b.ReportAllocs()
	for b.Loop() {
		s.do(b, organizationsQuery)
	}
}

// BenchmarkOrganizationsQuery measures organizationsQuery on SQLite.
func BenchmarkOrganizationsQuery(b *testing.B) {
	benchmarkOrganizations(b, dbtest.SQLite(b))
}

// BenchmarkOrganizationsQueryPostgres measures organizationsQuery on
// PostgreSQL (as a non-superuser, so row-level security applies); it skips
// unless DJ_TEST_DATABASE_URL is set.
func BenchmarkOrganizationsQueryPostgres(b *testing.B) {
	benchmarkOrganizations(b, dbtest.Postgres(b))
}
