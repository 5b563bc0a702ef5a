package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dangjian/internal/db/dbtest"
	"dangjian/internal/logging"
	"dangjian/internal/queue"
	"dangjian/internal/queue/queuetest"
)

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

// backend is a database and Redis configuration to run Main on.
type backend struct {
	name, databaseURL, redisURL string
}

// backends returns the embedded default, plus PostgreSQL and Redis when the
// test environment provides them.
func backends(t *testing.T) []backend {
	out := []backend{{name: "embedded"}}
	if dbtest.PostgresURL(t) != "" || queuetest.RedisURL(t) != "" {
		out = append(out, backend{name: "services"})
	}
	return out
}

func newMain(t *testing.T, b backend) (*Main, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	m := NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.DataDir = filepath.Join(t.TempDir(), "data")
	if b.name == "services" {
		m.Config.DatabaseURL = dbtest.NewPostgresDatabase(t)
		m.Config.RedisURL = queuetest.RedisURL(t)
		m.queueName = queuetest.QueueName()
		if m.Config.RedisURL != "" {
			// Runs after m.Close (cleanups run last-in first-out).
			t.Cleanup(func() { deleteQueue(t, m.Config.RedisURL, m.queueName) })
		}
	}
	m.Logger = logging.New(true, logs, slog.LevelInfo)
	t.Cleanup(func() { m.Close() })
	return m, logs
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeEndToEnd(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m, logs := newMain(t, b)
			start := time.Now()
			if err := m.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if b.name == "embedded" {
				if d := time.Since(start); d > time.Second {
					t.Errorf("embedded start took %v, want under a second", d)
				}
			}
			if m.Addr() == "" || strings.HasSuffix(m.Addr(), ":0") {
				t.Fatalf("Addr = %q", m.Addr())
			}
			if d := m.Deps(); d == nil || d.DB == nil || d.Queue == nil || d.Config.Secret == "" {
				t.Fatalf("deps %+v", d)
			}
			base := "http://" + m.Addr()
			if code, body := get(t, base+"/healthz"); code != 200 || body != "ok" {
				t.Fatalf("healthz = %d %q", code, body)
			}
			if code, body := get(t, base+"/readyz"); code != 200 {
				t.Fatalf("readyz = %d %s", code, body)
			}
			resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"mutation { ping }"}`))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"ping":"pong"`) {
				t.Fatalf("graphql = %d %s", resp.StatusCode, body)
			}
			if code, body := get(t, base+"/files/people-import-template.xlsx"); code != 200 || !strings.HasPrefix(body, "PK") {
				t.Fatalf("import template = %d, %d bytes", code, len(body))
			}
			if code, _ := get(t, base+"/graphiql"); code != 200 {
				t.Fatalf("graphiql in development = %d", code)
			}
			if !strings.Contains(logs.String(), `"msg":"ready"`) || !strings.Contains(logs.String(), `"startup"`) {
				t.Fatalf("no ready line with start-up time in logs: %s", logs.String())
			}

			if err := m.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if _, err := http.Get(base + "/healthz"); err == nil {
				t.Fatal("server still answers after Close")
			}
			if err, ok := <-m.Failed(); ok && err != nil {
				t.Fatalf("serve failed: %v", err)
			}
			if err := m.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
		})
	}
}

func TestServeReusesSecretAndData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var secrets []string
	for range 2 {
		m := NewMain()
		m.Config.Addr = "127.0.0.1:0"
		m.Config.DataDir = dir
		m.Logger = slog.New(slog.DiscardHandler)
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, m.Deps().Config.Secret)
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if secrets[0] == "" || secrets[0] != secrets[1] {
		t.Fatalf("secret not reused across starts: %q", secrets)
	}
	if _, err := os.Stat(filepath.Join(dir, "dangjian.db")); err != nil {
		t.Fatalf("embedded database not in data dir: %v", err)
	}
}

func TestServeRefusesProductionWithoutSecret(t *testing.T) {
	m := NewMain()
	m.Config.Env = Production
	m.Config.Addr = "127.0.0.1:0"
	m.Config.DataDir = t.TempDir()
	m.Logger = slog.New(slog.DiscardHandler)
	defer m.Close()
	err := m.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "DJ_SECRET") {
		t.Fatalf("Run = %v, want a DJ_SECRET error", err)
	}
	if m.Addr() != "" {
		t.Fatal("listening despite the error")
	}
}

func TestProductionHidesGraphiQL(t *testing.T) {
	m, _ := newMain(t, backend{name: "embedded"})
	m.Config.Env = Production
	m.Config.Secret = strings.Repeat("k", 64)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, "http://"+m.Addr()+"/graphiql"); code != 404 {
		t.Fatalf("graphiql in production = %d, want 404", code)
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	m, _ := newMain(t, backend{name: "embedded"})
	if err := m.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := m.Deps().DB.NewRaw("SELECT count(*) FROM users").Scan(context.Background(), &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	if before != 4 {
		t.Fatalf("demo created %d users, want the 4 demo accounts", before)
	}
	if err := m.seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before {
		t.Fatalf("second seed changed users from %d to %d", before, after)
	}
}

func TestCreateUserCommand(t *testing.T) {
	m, _ := newMain(t, backend{name: "embedded"})
	if err := m.CreateUser(context.Background(), CreateUserInput{Username: "a", Password: "b"}); err == nil {
		t.Fatal("CreateUser without role or platform admin succeeded")
	}
	in := CreateUserInput{Username: "root.admin", Password: "Start-2026", PlatformAdmin: true}
	if err := m.CreateUser(context.Background(), in); err != nil {
		t.Fatalf("create platform admin: %v", err)
	}
	if _, err := m.Deps().Services.Auth.Login(context.Background(), "root.admin", "Start-2026", ""); err != nil {
		t.Fatalf("the new platform admin cannot sign in: %v", err)
	}
	if err := m.CreateUser(context.Background(), in); err == nil {
		t.Fatal("a second account with the same username was created")
	}
}

func TestMigrate(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m, _ := newMain(t, b)
			var out bytes.Buffer
			ctx := context.Background()
			if err := m.Migrate(ctx, "status", &out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "0001_foundation\tpending") {
				t.Fatalf("status before up: %q", out.String())
			}
			out.Reset()
			if err := m.Migrate(ctx, "up", &out); err != nil || !strings.Contains(out.String(), "applied 0001_foundation") {
				t.Fatalf("up: %v %q", err, out.String())
			}
			out.Reset()
			if err := m.Migrate(ctx, "up", &out); err != nil || !strings.Contains(out.String(), "up to date") {
				t.Fatalf("second up: %v %q", err, out.String())
			}
			out.Reset()
			if err := m.Migrate(ctx, "down", &out); err != nil || !strings.Contains(out.String(), "rolled back") {
				t.Fatalf("down: %v %q", err, out.String())
			}
			if err := m.Migrate(ctx, "sideways", &out); err == nil {
				t.Fatal("unknown action accepted")
			}
		})
	}
}

func TestSplitProcesses(t *testing.T) {
	m, _ := newMain(t, backend{name: "embedded"})
	if err := m.RunWorker(context.Background()); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Fatalf("worker on embedded queue = %v", err)
	}
	if dbtest.PostgresURL(t) == "" || queuetest.RedisURL(t) == "" {
		t.Skip("DJ_TEST_DATABASE_URL and DJ_TEST_REDIS_URL not both set")
	}
	w, _ := newMain(t, backend{name: "services"})
	if err := w.RunWorker(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, _ := newMain(t, backend{name: "services"})
	s.Config.DatabaseURL = w.Config.DatabaseURL
	if err := s.RunScheduler(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// deleteQueue removes what a test left in the shared test Redis.
func deleteQueue(t *testing.T, redisURL, name string) {
	rt, err := queue.Open(context.Background(), redisURL, nil)
	if err != nil {
		t.Logf("clean up queue %s: %v", name, err)
		return
	}
	defer rt.Close()
	rt.Queue = name
	queuetest.DeleteQueue(rt)
}
