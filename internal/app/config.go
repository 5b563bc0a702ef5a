package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"dangjian/internal/logging"
)

// Environments.
const (
	Development = "development"
	Production  = "production"
)

// minSecretLen is the shortest DJ_SECRET accepted (32 bytes of entropy as hex
// is 64; anything shorter than 32 characters is too weak to sign tokens).
const minSecretLen = 32

// Config is the process configuration: environment variables, overridden by
// command-line flags.
type Config struct {
	// Addr is where the API listens (DJ_ADDR, --addr); ":0" picks a free port.
	Addr string
	// DataDir holds the embedded database and the development secret (DJ_DATA_DIR, --data-dir).
	DataDir string
	// DatabaseURL selects PostgreSQL; empty means embedded SQLite (DATABASE_URL, --database-url).
	DatabaseURL string
	// RedisURL selects Redis; empty means the embedded server (REDIS_URL, --redis-url).
	RedisURL string
	// Env is Development or Production (DJ_ENV, --env).
	Env string
	// Secret signs tokens (DJ_SECRET only: flags show up in process lists).
	// See ResolveSecret.
	Secret string
	// LogLevel is debug, info, warn or error (DJ_LOG_LEVEL, --log-level).
	LogLevel slog.Level
	// NoWorker and NoScheduler keep serve from running them in-process
	// (DJ_NO_WORKER, --no-worker; DJ_NO_SCHEDULER, --no-scheduler).
	NoWorker    bool
	NoScheduler bool
	// WorkerConcurrency is how many jobs a worker runs at once (DJ_WORKER_CONCURRENCY, default 10).
	WorkerConcurrency int
	// GraphQLMaxDepth and GraphQLMaxComplexity limit queries
	// (DJ_GRAPHQL_MAX_DEPTH, default 12; DJ_GRAPHQL_MAX_COMPLEXITY, default 3000).
	GraphQLMaxDepth      int
	GraphQLMaxComplexity int
	// AccessTokenTTL and RefreshTokenTTL are token lifetimes
	// (DJ_ACCESS_TOKEN_TTL, default 15m; DJ_REFRESH_TOKEN_TTL, default 720h).
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// Demo seeds the demo district on serve (--demo).
	Demo bool
	// S3URL stores uploaded files in S3-compatible storage
	// (DJ_S3_URL, s3://KEY:SECRET@host[:port]/bucket?region=…&ssl=false);
	// empty keeps them under <data dir>/files.
	S3URL string
	// BaseURL is the public address of the web interface, used in links of
	// e-mails and robot messages (DJ_BASE_URL, e.g. https://dangjian.example.cn).
	BaseURL string
	// SMTP is the outgoing mail server of the e-mail channel; the channel is
	// off unless host and from are set (DJ_SMTP_HOST, DJ_SMTP_PORT default 587,
	// DJ_SMTP_USERNAME, DJ_SMTP_PASSWORD, DJ_SMTP_FROM).
	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string
}

// DefaultConfig returns the configuration with nothing set.
func DefaultConfig() Config {
	return Config{
		Addr:                 ":8080",
		DataDir:              "./data",
		Env:                  Development,
		LogLevel:             slog.LevelInfo,
		WorkerConcurrency:    10,
		GraphQLMaxDepth:      12,
		GraphQLMaxComplexity: 3000,
		AccessTokenTTL:       15 * time.Minute,
		RefreshTokenTTL:      720 * time.Hour,
		SMTPPort:             587,
	}
}

// ConfigFromEnv returns DefaultConfig overridden by the environment variables
// that getenv (os.Getenv in production, a map in tests) returns.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	var errs []error
	str := func(key string, dst *string) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			*dst = v
		}
	}
	integer := func(key string, dst *int) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want an integer", key, v))
				return
			}
			*dst = n
		}
	}
	boolean := func(key string, dst *bool) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want true or false", key, v))
				return
			}
			*dst = b
		}
	}
	duration := func(key string, dst *time.Duration) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want a duration like 15m or 720h", key, v))
				return
			}
			*dst = d
		}
	}
	str("DJ_ADDR", &c.Addr)
	str("DJ_DATA_DIR", &c.DataDir)
	str("DATABASE_URL", &c.DatabaseURL)
	str("REDIS_URL", &c.RedisURL)
	str("DJ_ENV", &c.Env)
	str("DJ_SECRET", &c.Secret)
	if v := getenv("DJ_LOG_LEVEL"); v != "" {
		l, err := logging.ParseLevel(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DJ_LOG_LEVEL: %w", err))
		}
		c.LogLevel = l
	}
	boolean("DJ_NO_WORKER", &c.NoWorker)
	boolean("DJ_NO_SCHEDULER", &c.NoScheduler)
	integer("DJ_WORKER_CONCURRENCY", &c.WorkerConcurrency)
	integer("DJ_GRAPHQL_MAX_DEPTH", &c.GraphQLMaxDepth)
	integer("DJ_GRAPHQL_MAX_COMPLEXITY", &c.GraphQLMaxComplexity)
	duration("DJ_ACCESS_TOKEN_TTL", &c.AccessTokenTTL)
	duration("DJ_REFRESH_TOKEN_TTL", &c.RefreshTokenTTL)
	str("DJ_S3_URL", &c.S3URL)
	str("DJ_BASE_URL", &c.BaseURL)
	str("DJ_SMTP_HOST", &c.SMTPHost)
	integer("DJ_SMTP_PORT", &c.SMTPPort)
	str("DJ_SMTP_USERNAME", &c.SMTPUsername)
	str("DJ_SMTP_PASSWORD", &c.SMTPPassword)
	str("DJ_SMTP_FROM", &c.SMTPFrom)
	return c, errors.Join(errs...)
}

// RegisterFlags adds the flags every process reads (database, Redis, data
// folder, environment, log level) to fs, defaulting to c's values.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data folder of the embedded database and development secret (DJ_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres:// URL; empty for embedded SQLite (DATABASE_URL)")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "redis:// URL; empty for the embedded server (REDIS_URL)")
	fs.StringVar(&c.Env, "env", c.Env, "development or production (DJ_ENV)")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (DJ_LOG_LEVEL)")
	fs.IntVar(&c.WorkerConcurrency, "worker-concurrency", c.WorkerConcurrency, "jobs a worker runs at once (DJ_WORKER_CONCURRENCY)")
	// The secret itself is never a flag (process lists show flags): the flag names a file holding it.
	fs.Func("secret-file", "file holding the token-signing secret (instead of DJ_SECRET)", func(path string) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read secret file: %w", err)
		}
		if s := strings.TrimSpace(string(b)); len(s) >= minSecretLen {
			c.Secret = s
			return nil
		}
		return fmt.Errorf("secret in %s is shorter than %d characters", path, minSecretLen)
	})
}

// RegisterServeFlags adds RegisterFlags and the flags of serve to fs.
func (c *Config) RegisterServeFlags(fs *flag.FlagSet) {
	c.RegisterFlags(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (DJ_ADDR)")
	fs.BoolVar(&c.NoWorker, "no-worker", c.NoWorker, "do not run the job worker in this process (DJ_NO_WORKER)")
	fs.BoolVar(&c.NoScheduler, "no-scheduler", c.NoScheduler, "do not run the job scheduler in this process (DJ_NO_SCHEDULER)")
	fs.IntVar(&c.GraphQLMaxDepth, "graphql-max-depth", c.GraphQLMaxDepth, "maximum GraphQL query depth (DJ_GRAPHQL_MAX_DEPTH)")
	fs.IntVar(&c.GraphQLMaxComplexity, "graphql-max-complexity", c.GraphQLMaxComplexity, "maximum GraphQL query complexity (DJ_GRAPHQL_MAX_COMPLEXITY)")
	fs.DurationVar(&c.AccessTokenTTL, "access-token-ttl", c.AccessTokenTTL, "access token lifetime (DJ_ACCESS_TOKEN_TTL)")
	fs.DurationVar(&c.RefreshTokenTTL, "refresh-token-ttl", c.RefreshTokenTTL, "refresh token lifetime (DJ_REFRESH_TOKEN_TTL)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "seed the demo district before serving")
}

// Production reports whether c is a production configuration.
func (c Config) Production() bool { return c.Env == Production }

// Validate checks values that parsed but make no sense.
func (c Config) Validate() error {
	var errs []error
	if c.Env != Development && c.Env != Production {
		errs = append(errs, fmt.Errorf("DJ_ENV=%q: want development or production", c.Env))
	}
	if c.Addr == "" {
		errs = append(errs, errors.New("DJ_ADDR is empty"))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("DJ_DATA_DIR is empty and no DATABASE_URL is set"))
	}
	if c.WorkerConcurrency < 1 {
		errs = append(errs, fmt.Errorf("DJ_WORKER_CONCURRENCY=%d: want at least 1", c.WorkerConcurrency))
	}
	if c.GraphQLMaxDepth < 1 {
		errs = append(errs, fmt.Errorf("DJ_GRAPHQL_MAX_DEPTH=%d: want at least 1", c.GraphQLMaxDepth))
	}
	if c.GraphQLMaxComplexity < 1 {
		errs = append(errs, fmt.Errorf("DJ_GRAPHQL_MAX_COMPLEXITY=%d: want at least 1", c.GraphQLMaxComplexity))
	}
	if c.AccessTokenTTL <= 0 || c.RefreshTokenTTL <= 0 {
		errs = append(errs, errors.New("token lifetimes must be positive"))
	}
	if c.AccessTokenTTL > c.RefreshTokenTTL {
		errs = append(errs, errors.New("DJ_ACCESS_TOKEN_TTL must not exceed DJ_REFRESH_TOKEN_TTL"))
	}
	if c.Secret != "" && len(c.Secret) < minSecretLen {
		errs = append(errs, fmt.Errorf("DJ_SECRET is too short: want at least %d characters", minSecretLen))
	}
	return errors.Join(errs...)
}

// ResolveSecret makes sure c.Secret is set. In production DJ_SECRET is
// required. In development a missing secret is read from <DataDir>/secret,
// which is created (32 random bytes, hex, mode 0600) on first start so that
// tokens survive restarts.
func (c *Config) ResolveSecret() error {
	if c.Secret != "" {
		return nil
	}
	if c.Production() {
		return errors.New("DJ_SECRET is required in production (e.g. openssl rand -hex 32)")
	}
	path := filepath.Join(c.DataDir, "secret")
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		s := strings.TrimSpace(string(b))
		if len(s) < minSecretLen {
			return fmt.Errorf("secret file %s is too short: delete it to make a new one", path)
		}
		c.Secret = s
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read secret: %w", err)
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return fmt.Errorf("generate secret: %w", err)
	}
	s := hex.EncodeToString(raw[:])
	// Write a temporary file and link it into place, so that a process
	// starting at the same moment never reads a half-written secret.
	tmp, err := os.CreateTemp(c.DataDir, ".secret-*")
	if err != nil {
		return fmt.Errorf("create secret file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(s + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("write secret file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write secret file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return c.ResolveSecret() // another process won the race
		}
		return fmt.Errorf("create secret file: %w", err)
	}
	c.Secret = s
	return nil
}
