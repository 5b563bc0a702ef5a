package app

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigDefaults(t *testing.T) {
	c, err := ConfigFromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr: ":8080", DataDir: "./data", Env: Development, LogLevel: slog.LevelInfo, WorkerConcurrency: 10,
		GraphQLMaxDepth: 12, GraphQLMaxComplexity: 3000, AccessTokenTTL: 15 * time.Minute, RefreshTokenTTL: 720 * time.Hour,
		SMTPPort: 587,
	}
	if c != want {
		t.Fatalf("defaults = %+v\nwant %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

func TestConfigFromEnvAndFlags(t *testing.T) {
	c, err := ConfigFromEnv(env(map[string]string{
		"DJ_ADDR": ":9000", "DJ_DATA_DIR": "/var/lib/dj", "DATABASE_URL": "postgres://db/dj", "REDIS_URL": "redis://r:6379/0",
		"DJ_ENV": "production", "DJ_SECRET": strings.Repeat("s", 64), "DJ_LOG_LEVEL": "debug", "DJ_NO_WORKER": "true",
		"DJ_GRAPHQL_MAX_DEPTH": "8", "DJ_GRAPHQL_MAX_COMPLEXITY": "500", "DJ_ACCESS_TOKEN_TTL": "5m", "DJ_REFRESH_TOKEN_TTL": "24h",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.DataDir != "/var/lib/dj" || c.DatabaseURL != "postgres://db/dj" || c.RedisURL != "redis://r:6379/0" ||
		!c.Production() || c.LogLevel != slog.LevelDebug || !c.NoWorker || c.NoScheduler || c.GraphQLMaxDepth != 8 ||
		c.GraphQLMaxComplexity != 500 || c.AccessTokenTTL != 5*time.Minute || c.RefreshTokenTTL != 24*time.Hour {
		t.Fatalf("from env = %+v", c)
	}

	// Flags override the environment.
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.RegisterServeFlags(fs)
	if err := fs.Parse([]string{"--addr", ":0", "--no-scheduler", "--log-level", "warn", "--demo", "--graphql-max-depth=5"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":0" || !c.NoScheduler || !c.NoWorker || c.LogLevel != slog.LevelWarn || !c.Demo || c.GraphQLMaxDepth != 5 {
		t.Fatalf("after flags = %+v", c)
	}

	// Worker processes do not take serve-only flags.
	fs = flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--no-worker"}); err == nil {
		t.Fatal("worker accepted --no-worker")
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := ConfigFromEnv(env(map[string]string{
		"DJ_GRAPHQL_MAX_DEPTH": "deep", "DJ_ACCESS_TOKEN_TTL": "15", "DJ_NO_WORKER": "yes please", "DJ_LOG_LEVEL": "loud",
	}))
	if err == nil {
		t.Fatal("bad values accepted")
	}
	for _, key := range []string{"DJ_GRAPHQL_MAX_DEPTH", "DJ_ACCESS_TOKEN_TTL", "DJ_NO_WORKER", "DJ_LOG_LEVEL"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}

	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"env", func(c *Config) { c.Env = "staging" }},
		{"depth", func(c *Config) { c.GraphQLMaxDepth = 0 }},
		{"ttl order", func(c *Config) { c.AccessTokenTTL = 1000 * time.Hour }},
		{"short secret", func(c *Config) { c.Secret = "abc" }},
		{"no data dir", func(c *Config) { c.DataDir = "" }},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", tt.name, c)
		}
	}
}

func TestResolveSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c := DefaultConfig()
	c.DataDir = dir
	if err := c.ResolveSecret(); err != nil {
		t.Fatal(err)
	}
	if len(c.Secret) != 64 {
		t.Fatalf("generated secret %q, want 64 hex characters", c.Secret)
	}
	fi, err := os.Stat(filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode = %v, want 0600", fi.Mode().Perm())
	}

	// A later start reuses it.
	c2 := DefaultConfig()
	c2.DataDir = dir
	if err := c2.ResolveSecret(); err != nil {
		t.Fatal(err)
	}
	if c2.Secret != c.Secret {
		t.Fatal("secret changed between starts")
	}

	// An explicit secret wins and nothing is read.
	c3 := DefaultConfig()
	c3.DataDir = dir
	c3.Secret = strings.Repeat("x", 40)
	if err := c3.ResolveSecret(); err != nil || c3.Secret != strings.Repeat("x", 40) {
		t.Fatalf("explicit secret: %q %v", c3.Secret, err)
	}

	// Production refuses to start without one.
	p := DefaultConfig()
	p.Env = Production
	p.DataDir = t.TempDir()
	err = p.ResolveSecret()
	if err == nil || !strings.Contains(err.Error(), "DJ_SECRET") {
		t.Fatalf("production without secret: %v", err)
	}
	if _, err := os.Stat(filepath.Join(p.DataDir, "secret")); !os.IsNotExist(err) {
		t.Fatal("production wrote a secret file")
	}
}

func TestSecretFileFlag(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "secret")
	if err := os.WriteFile(good, []byte(strings.Repeat("s", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--secret-file", good}); err != nil || c.Secret != strings.Repeat("s", 40) {
		t.Fatalf("secret file: %v, secret %q", err, c.Secret)
	}
	if err := fs.Parse([]string{"--secret-file", short}); err == nil {
		t.Fatal("a too short secret was accepted")
	}
	if err := fs.Parse([]string{"--secret-file", filepath.Join(dir, "missing")}); err == nil {
		t.Fatal("a missing secret file was accepted")
	}
}
