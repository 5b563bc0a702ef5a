package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/logging"
	"dangjian/internal/server"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// records parses the JSON log lines.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

type tokenAuth map[string]actor.Actor

func (a tokenAuth) Authenticate(ctx context.Context, token string) (actor.Actor, error) {
	if token == "broken" {
		return actor.Actor{}, apperr.Wrap(apperr.Internal, "服务器内部错误", errors.New("db down"))
	}
	if u, ok := a[token]; ok {
		return u, nil
	}
	return actor.Actor{}, errors.New("token expired")
}

// whoAmI is a stand-in GraphQL handler: it reports the actor and request id
// it sees and the size of the body it read.
var whoAmI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a, _ := actor.FromContext(r.Context())
	_ = json.NewEncoder(w).Encode(map[string]any{
		"user": a.Username, "request_id": actor.RequestID(r.Context()), "len": len(body),
	})
})

func newServer(t *testing.T, mod func(*server.Options)) (*httptest.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts := server.Options{
		GraphQL: whoAmI,
		Authenticator: tokenAuth{
			"good": {UserID: 1, Username: "towna.admin", TenantID: 3},
		},
		Logger: logging.New(true, logs, slog.LevelDebug),
	}
	if mod != nil {
		mod(&opts)
	}
	ts := httptest.NewServer(server.New(opts))
	t.Cleanup(ts.Close)
	return ts, logs
}

type gqlErrors struct {
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func post(t *testing.T, url, token string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", body)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func wantGQLError(t *testing.T, resp *http.Response, body []byte, status int, code, msg string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}
	var e gqlErrors
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) != 1 {
		t.Fatalf("body is not a GraphQL error: %s", body)
	}
	if e.Errors[0].Extensions.Code != code || e.Errors[0].Message != msg {
		t.Fatalf("error = %+v, want %s %q", e.Errors[0], code, msg)
	}
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return do(t, req)
}

func TestHealthz(t *testing.T) {
	ts, _ := newServer(t, nil)
	resp, body := get(t, ts.URL+"/healthz")
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("healthz = %d %q", resp.StatusCode, body)
	}
}

func TestReadyz(t *testing.T) {
	dbOK := true
	ts, _ := newServer(t, func(o *server.Options) {
		o.Ready = []server.ReadyCheck{
			{Name: "database", Check: func(context.Context) error {
				if !dbOK {
					return errors.New("connection refused")
				}
				return nil
			}},
			{Name: "redis", Check: func(context.Context) error { return nil }},
		}
	})
	resp, body := get(t, ts.URL+"/readyz")
	if resp.StatusCode != 200 {
		t.Fatalf("readyz = %d %s", resp.StatusCode, body)
	}
	dbOK = false
	resp, body = get(t, ts.URL+"/readyz")
	var out struct {
		Status string   `json:"status"`
		Failed []string `json:"failed"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || len(out.Failed) != 1 || out.Failed[0] != "database" {
		t.Fatalf("readyz with db down = %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "connection refused") {
		t.Fatal("readyz leaks the failure reason")
	}
}

func TestReadyzTimeout(t *testing.T) {
	ts, _ := newServer(t, func(o *server.Options) {
		o.Ready = []server.ReadyCheck{{Name: "slow", Check: func(ctx context.Context) error {
			<-ctx.Done() // a check that hangs until its deadline
			select {}
		}}}
	})
	start := time.Now()
	resp, body := get(t, ts.URL+"/readyz")
	if resp.StatusCode != 503 || !strings.Contains(string(body), "slow") {
		t.Fatalf("readyz = %d %s", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("readyz took %v, want about 2s", d)
	}
}

func TestRequestID(t *testing.T) {
	ts, logs := newServer(t, nil)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{}`))
	req.Header.Set("X-Request-ID", "abc-123")
	resp, body := do(t, req)
	if resp.Header.Get("X-Request-ID") != "abc-123" || !strings.Contains(string(body), `"request_id":"abc-123"`) {
		t.Fatalf("sane id not kept: header %q body %s", resp.Header.Get("X-Request-ID"), body)
	}

	req, _ = http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{}`))
	req.Header.Set("X-Request-ID", "bad id\" with spaces")
	resp, body = do(t, req)
	id := resp.Header.Get("X-Request-ID")
	if id == "" || strings.Contains(id, " ") || !strings.Contains(string(body), `"request_id":"`+id+`"`) {
		t.Fatalf("insane id not replaced: header %q body %s", id, body)
	}

	var found bool
	for _, rec := range logs.records(t) {
		if rec["msg"] == "http request" && rec["request_id"] == "abc-123" {
			found = true
			if rec["method"] != "POST" || rec["path"] != "/graphql" || rec["status"] != float64(200) || rec["duration"] == nil {
				t.Fatalf("access log = %v", rec)
			}
		}
	}
	if !found {
		t.Fatalf("no access log for abc-123 in %s", logs.String())
	}
}

func TestBearerAuth(t *testing.T) {
	ts, logs := newServer(t, nil)

	resp, body := post(t, ts.URL, "good", strings.NewReader(`{}`))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"user":"towna.admin"`) {
		t.Fatalf("valid token: %d %s", resp.StatusCode, body)
	}
	var logged bool
	for _, rec := range logs.records(t) {
		if rec["msg"] == "http request" && rec["user"] == "towna.admin" && rec["tenant"] == float64(3) {
			logged = true
		}
	}
	if !logged {
		t.Fatalf("access log lacks user and tenant: %s", logs.String())
	}

	resp, body = post(t, ts.URL, "", strings.NewReader(`{}`))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"user":""`) {
		t.Fatalf("anonymous: %d %s", resp.StatusCode, body)
	}

	resp, body = post(t, ts.URL, "stale", strings.NewReader(`{}`))
	wantGQLError(t, resp, body, 401, "UNAUTHENTICATED", "登录已过期，请重新登录")

	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	resp, body = do(t, req)
	wantGQLError(t, resp, body, 401, "UNAUTHENTICATED", "登录已过期，请重新登录")

	resp, body = post(t, ts.URL, "broken", strings.NewReader(`{}`))
	wantGQLError(t, resp, body, 500, "INTERNAL", "服务器内部错误")
}

func TestNoAuthenticatorRefusesTokens(t *testing.T) {
	ts, _ := newServer(t, func(o *server.Options) { o.Authenticator = nil })
	resp, body := post(t, ts.URL, "good", strings.NewReader(`{}`))
	wantGQLError(t, resp, body, 401, "UNAUTHENTICATED", "登录已过期，请重新登录")
}

func TestPanicRecovery(t *testing.T) {
	ts, logs := newServer(t, func(o *server.Options) {
		o.GraphQL = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	})
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{}`))
	req.Header.Set("X-Request-ID", "panic-1")
	resp, body := do(t, req)
	wantGQLError(t, resp, body, 500, "INTERNAL", "服务器内部错误")
	if strings.Contains(string(body), "boom") {
		t.Fatal("panic value leaked to the client")
	}
	var panics int
	for _, rec := range logs.records(t) {
		if rec["msg"] == "panic serving request" {
			panics++
			if rec["request_id"] != "panic-1" || rec["panic"] != "boom" {
				t.Fatalf("panic log = %v", rec)
			}
		}
	}
	if panics != 1 {
		t.Fatalf("panic logged %d times, want once", panics)
	}
	// The server is still up.
	if resp, _ := get(t, ts.URL+"/healthz"); resp.StatusCode != 200 {
		t.Fatalf("healthz after panic = %d", resp.StatusCode)
	}
}

func TestBodyLimit(t *testing.T) {
	ts, _ := newServer(t, func(o *server.Options) {
		o.MaxBodyBytes = 1000
		o.MaxUploadBytes = 5000
	})
	big := strings.Repeat("x", 2000)

	// Declared length over the limit.
	resp, body := post(t, ts.URL, "", strings.NewReader(big))
	wantGQLError(t, resp, body, 413, "INVALID_INPUT", "请求体过大")

	// Unknown length (chunked) over the limit.
	resp, body = post(t, ts.URL, "", io.MultiReader(strings.NewReader(big)))
	wantGQLError(t, resp, body, 413, "INVALID_INPUT", "请求体过大")

	// Under the limit, chunked: the handler sees the whole body.
	resp, body = post(t, ts.URL, "", io.MultiReader(strings.NewReader(big[:900])))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"len":900`) {
		t.Fatalf("small chunked body: %d %s", resp.StatusCode, body)
	}

	// Multipart uploads get the larger limit.
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(big))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	resp, body = do(t, req)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"len":2000`) {
		t.Fatalf("multipart under upload limit: %d %s", resp.StatusCode, body)
	}
	req, _ = http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(strings.Repeat(big, 3)))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	resp, body = do(t, req)
	wantGQLError(t, resp, body, 413, "INVALID_INPUT", "请求体过大")

	// The server stays up.
	resp, body = post(t, ts.URL, "", strings.NewReader(`{"query":"{a}"}`))
	if resp.StatusCode != 200 {
		t.Fatalf("after oversized requests: %d %s", resp.StatusCode, body)
	}
}

func TestRoutes(t *testing.T) {
	ts, _ := newServer(t, func(o *server.Options) {
		o.Extra = map[string]http.Handler{
			"GET /files/member-import-template.xlsx": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte("xlsx"))
			}),
		}
	})
	if resp, body := get(t, ts.URL+"/files/member-import-template.xlsx"); resp.StatusCode != 200 || string(body) != "xlsx" {
		t.Fatalf("extra route = %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, ts.URL+"/graphql?query={a}"); resp.StatusCode != 200 {
		t.Fatalf("GET /graphql = %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodDelete, ts.URL+"/graphql", nil)
	if resp, _ := do(t, req); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE /graphql = %d", resp.StatusCode)
	}
	if resp, _ := get(t, ts.URL+"/graphiql"); resp.StatusCode != 404 {
		t.Fatalf("GraphiQL off: /graphiql = %d, want 404", resp.StatusCode)
	}

	ts2, _ := newServer(t, func(o *server.Options) { o.GraphiQL = true })
	resp, body := get(t, ts2.URL+"/graphiql")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "dangjian GraphiQL") {
		t.Fatalf("GraphiQL on: %d", resp.StatusCode)
	}
}

func TestNoGraphQLHandler(t *testing.T) {
	ts, _ := newServer(t, func(o *server.Options) { o.GraphQL = nil })
	resp, body := post(t, ts.URL, "", strings.NewReader(`{}`))
	if resp.StatusCode != 503 || !strings.Contains(string(body), "INTERNAL") {
		t.Fatalf("no GraphQL handler: %d %s", resp.StatusCode, body)
	}
}
