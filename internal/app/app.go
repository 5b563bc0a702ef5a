// Package app is the composition root: it reads the configuration, opens the
// database and the job queue, builds the services, and runs the processes of
// the binary (API server, worker, scheduler, migrations, seeding, admin
// commands) with a graceful shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"dangjian/graph"
	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/audit"
	"dangjian/internal/auth"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/demo"
	"dangjian/internal/export"
	"dangjian/internal/files"
	"dangjian/internal/logging"
	"dangjian/internal/org"
	"dangjian/internal/people"
	"dangjian/internal/queue"
	"dangjian/internal/remind"
	"dangjian/internal/report"
	"dangjian/internal/scoring"
	"dangjian/internal/server"
	"dangjian/internal/tenancy"
	"dangjian/internal/webui"
)

// shutdownTimeout bounds how long Close waits for in-flight HTTP requests.
const shutdownTimeout = 15 * time.Second

// Deps are the shared dependencies every service and handler is built from.
type Deps struct {
	Config Config
	Logger *slog.Logger
	DB     *db.DB
	// Queue is nil for processes without one (migrate, seed, admin commands).
	Queue    *queue.Runtime
	Services Services
}

// Services are the domain services, built once per process by buildServices.
// The GraphQL handler, the job handlers and the admin commands use them.
type Services struct {
	Authz   *authz.Authorizer
	Auth    *auth.Service
	Orgs    *org.Service
	People  *people.Service
	Tenancy *tenancy.Service
	Audit   *audit.Log
	Affairs *affairs.Service
	Remind  *remind.Service
	Files   *files.Store
	Scores  *scoring.Service
	Reports *report.Service
	Exports *export.Service
	Clock   clock.Clock
	// Authenticator checks bearer tokens (the auth service).
	Authenticator server.Authenticator
	// Purger deletes expired sign-in state (the auth service).
	Purger queue.Purger
}

// buildServices is the composition root: it constructs and wires the domain
// services from the shared dependencies.
func buildServices(_ context.Context, d *Deps) (Services, error) {
	secret := []byte(d.Config.Secret)
	clk := clock.Real{}
	az := authz.New(d.DB)
	authSvc := auth.NewService(d.DB, az, auth.Config{
		Secret:     secret,
		AccessTTL:  d.Config.AccessTokenTTL,
		RefreshTTL: d.Config.RefreshTokenTTL,
	})
	store, err := files.Open(filepath.Join(d.Config.DataDir, "files"), d.Config.S3URL)
	if err != nil {
		return Services{}, fmt.Errorf("file storage: %w", err)
	}
	orgs := org.NewService(d.DB, az)
	towns := tenancy.NewService(d.DB, az, orgs)
	aff := affairs.NewService(d.DB, az, clk, store)
	smtp := remind.SMTPConfig{
		Host: d.Config.SMTPHost, Port: d.Config.SMTPPort, Username: d.Config.SMTPUsername,
		Password: d.Config.SMTPPassword, From: d.Config.SMTPFrom,
	}
	rem := remind.NewService(d.DB, d.Queue, clk, remind.Config{
		SMTP: smtp, BaseURL: d.Config.BaseURL, Authz: az, Logger: d.Logger,
	})

	// A new district gets the shipped task templates; a new organisation its
	// tasks of the current periods (through the queue, after the commit; the
	// hourly generation job catches up whatever the queue lost).
	towns.OnDistrictCreate(func(ctx context.Context, dist *tenancy.District) error {
		_, err := aff.EnsureDistrictDefaults(actor.System(ctx), dist.ID)
		return err
	})
	orgs.OnCreate(func(ctx context.Context, o *org.Organization) {
		if d.Queue == nil {
			if _, err := aff.GenerateForOrg(actor.System(ctx), o.ID); err != nil {
				d.Logger.WarnContext(ctx, "generate tasks of new organisation", "org", o.ID, "err", err)
			}
			return
		}
		task := affairs.NewGenerateOrgTask(o.ID)
		if _, err := d.Queue.Enqueue(ctx, task, queue.TaskID(affairs.TypeGenerateOrg, strconv.FormatInt(o.ID, 10))); err != nil {
			d.Logger.WarnContext(ctx, "enqueue task generation of new organisation", "org", o.ID, "err", err)
		}
	})

	scores := scoring.NewService(d.DB, az, clk, d.Queue)
	// A submitted record or a review changes the town's scores: recompute them
	// shortly after (a burst of changes costs one run).
	aff.OnChange(func(ctx context.Context, tenantID int64) {
		if err := scores.RequestRecompute(actor.System(ctx), tenantID, ""); err != nil {
			d.Logger.WarnContext(ctx, "request score recompute", "tenant", tenantID, "err", err)
		}
	})

	return Services{
		Authz:   az,
		Auth:    authSvc,
		Orgs:    orgs,
		People:  people.NewService(d.DB, az),
		Tenancy: towns,
		Audit:   audit.NewLog(d.DB, az),
		Affairs: aff,
		Remind:  rem,
		Files:   store,
		Scores:  scores,
		Reports: report.NewService(d.DB, az, clk),
		Exports: export.NewService(d.DB, az, store, d.Queue, secret, clk,
			export.WithDir(filepath.Join(d.Config.DataDir, "exports"))),
		Clock:         clk,
		Authenticator: authSvc,
		Purger:        authSvc,
	}, nil
}

// graphQLHandler builds /graphql from the services.
func graphQLHandler(d *Deps) http.Handler {
	s := d.Services
	return graph.NewHandler(&graph.Resolver{
		Orgs: s.Orgs, People: s.People, Auth: s.Auth, Tenancy: s.Tenancy,
		Audit: s.Audit, Authz: s.Authz, Affairs: s.Affairs, Remind: s.Remind, Clock: s.Clock,
		Scoring: s.Scores, Reports: s.Reports, Exports: s.Exports,
		Logger: d.Logger,
	}, graph.Config{
		Production:     d.Config.Production(),
		MaxDepth:       d.Config.GraphQLMaxDepth,
		MaxComplexity:  d.Config.GraphQLMaxComplexity,
		MaxUploadBytes: server.DefaultMaxUploadBytes,
	})
}

// routes are the plain HTTP downloads next to /graphql.
func routes(d *Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"GET /":                       webui.Handler(),
		"GET /files/attachments/{id}": attachmentDownload(d),
		"GET /files/exports/{id}":     exportDownload(d),
		"GET /files/summaries/{id}":   summaryDownload(d),
		"GET " + graph.PeopleTemplatePath: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := people.ImportTemplate()
			if err != nil {
				d.Logger.ErrorContext(r.Context(), "build import template", "err", err)
				http.Error(w, "模板生成失败", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			w.Header().Set("Content-Disposition", `attachment; filename="people-import-template.xlsx"; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx`)
			_, _ = w.Write(b)
		}),
	}
}

// registerJobs registers the handler of every job type on w.
func registerJobs(w *queue.Worker, d *Deps) {
	if d.Services.Purger != nil {
		w.Handle(queue.TypePurgeSignIn, queue.NewPurgeHandler(d.Services.Purger))
	}
	if a := d.Services.Affairs; a != nil {
		w.Handle(affairs.TypeGenerate, a.GenerateHandler())
		w.Handle(affairs.TypeGenerateOrg, a.GenerateOrgHandler())
	}
	for _, hs := range []map[string]asynq.Handler{
		d.Services.Remind.Handlers(), d.Services.Scores.Handlers(), d.Services.Reports.Handlers(),
		d.Services.Exports.Handlers(),
	} {
		for typ, h := range hs {
			w.Handle(typ, h)
		}
	}
}

// schedules returns the periodic tasks of the deployment.
func schedules(d *Deps) asynq.PeriodicTaskConfigProvider {
	var out queue.StaticSchedules
	for _, c := range queue.DefaultSchedules() {
		if c.Task.Type() == queue.TypePurgeSignIn && d.Services.Purger == nil {
			continue
		}
		out = append(out, c)
	}
	if d.Services.Affairs != nil {
		out = append(out, affairs.Schedules()...)
	}
	if d.Services.Remind != nil {
		out = append(out, remind.Schedules()...)
	}
	if d.Services.Reports != nil {
		out = append(out, report.Schedules()...)
	}
	if d.Services.Scores != nil {
		out = append(out, scoring.Schedules()...)
	}
	return out
}

// CreateUserInput is what `dangjian admin create-user` asks for.
type CreateUserInput struct {
	Username string
	Password string
	// Role is assigned on the org node OrgID (town roles) or the district
	// DistrictID (district roles); ignored for platform admins.
	Role          string
	OrgID         int64
	DistrictID    int64
	PlatformAdmin bool
}

// Main runs one process of the binary. Set Config (and the hooks that the
// process needs), call one of Run, RunWorker, RunScheduler, Migrate, Seed or
// CreateUser, and Close when done.
type Main struct {
	Config Config
	// Logger defaults to logging.New on stderr, per Config.
	Logger *slog.Logger

	// queueName overrides the asynq queue (tests sharing one Redis).
	queueName string

	deps      *Deps
	ln        net.Listener
	srv       *http.Server
	served    chan error
	worker    *queue.Worker
	scheduler *queue.Scheduler
	closed    bool
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{Config: DefaultConfig()}
}

func (m *Main) logger() *slog.Logger {
	if m.Logger == nil {
		m.Logger = logging.New(m.Config.Production(), os.Stderr, m.Config.LogLevel)
	}
	return m.Logger
}

// open validates the configuration, opens and migrates the database, opens
// the queue when withQueue, and builds the services.
func (m *Main) open(ctx context.Context, withQueue bool) error {
	if err := m.Config.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	if err := m.Config.ResolveSecret(); err != nil {
		return err
	}
	log := m.logger()
	d := &Deps{Config: m.Config, Logger: log}
	m.deps = d
	var err error
	if d.DB, err = m.openDB(ctx); err != nil {
		return err
	}
	applied, err := d.DB.MigrateUp(ctx)
	if err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	for _, mg := range applied {
		log.Info("migration applied", "version", mg.Version, "name", mg.Name)
	}
	if withQueue {
		if d.Queue, err = queue.Open(ctx, m.Config.RedisURL, log); err != nil {
			return fmt.Errorf("open job queue: %w", err)
		}
		if m.queueName != "" {
			d.Queue.Queue = m.queueName
		}
	}
	if d.Services, err = buildServices(ctx, d); err != nil {
		return fmt.Errorf("build services: %w", err)
	}
	return nil
}

func (m *Main) openDB(ctx context.Context) (*db.DB, error) {
	d, err := db.Open(ctx, m.Config.DatabaseURL, m.Config.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	warning, err := d.RoleWarning(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if warning != "" {
		m.logger().Warn(warning)
	}
	return d, nil
}

// Run starts the API server, and the worker and the scheduler unless
// disabled, and returns once it serves; Addr then tells where. Serving
// errors arrive on Failed. Stop it with Close.
func (m *Main) Run(ctx context.Context) error {
	start := time.Now()
	if err := m.open(ctx, true); err != nil {
		return err
	}
	d, log := m.deps, m.logger()
	if m.Config.Demo {
		if err := m.seed(ctx); err != nil {
			return err
		}
	}
	if d.Queue.Embedded && m.Config.NoWorker {
		log.Warn("no worker runs on the embedded job queue: jobs enqueued by this process are never processed")
	}
	if !m.Config.NoWorker {
		if err := m.startWorker(); err != nil {
			return err
		}
	}
	if !m.Config.NoScheduler {
		if err := m.startScheduler(); err != nil {
			return err
		}
		// Catch up at once instead of at the next tick: the current periods'
		// tasks, overdue marks and the reminders that fell due while down.
		for _, t := range []*asynq.Task{affairs.NewGenerateTask(), remind.NewScanTask()} {
			id := queue.TaskID("startup", t.Type(), start.UTC().Format("200601021504"))
			if _, err := d.Queue.Enqueue(ctx, t, id); err != nil {
				log.Warn("enqueue start-up job", "type", t.Type(), "err", err)
			}
		}
	}

	gql, extra := graphQLHandler(d), routes(d)
	handler := server.New(server.Options{
		GraphQL:       gql,
		GraphiQL:      !m.Config.Production(),
		Authenticator: d.Services.Authenticator,
		Ready: []server.ReadyCheck{
			{Name: "database", Check: d.DB.Ping},
			{Name: "redis", Check: d.Queue.Ping},
		},
		Logger: log,
		Extra:  extra,
	})

	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.ln = ln
	m.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	m.served = make(chan error, 1)
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.served <- fmt.Errorf("serve http: %w", err)
		}
		close(m.served)
	}()
	log.Info("ready", "addr", m.Addr(), "startup", time.Since(start).Round(time.Millisecond),
		"database", string(d.DB.Dialect), "embedded_redis", d.Queue.Embedded,
		"worker", !m.Config.NoWorker, "scheduler", !m.Config.NoScheduler, "env", m.Config.Env)
	return nil
}

// Failed delivers an error if the HTTP server stops on its own, and is
// closed when it stops. Nil before Run.
func (m *Main) Failed() <-chan error { return m.served }

// Addr returns the address the API listens on, or "" before Run.
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// Deps returns the dependencies built by the last Run/RunWorker/RunScheduler.
func (m *Main) Deps() *Deps { return m.deps }

func (m *Main) startWorker() error {
	w := queue.NewWorker(m.deps.Queue, m.logger(), m.Config.WorkerConcurrency)
	registerJobs(w, m.deps)
	if err := w.Start(); err != nil {
		return err
	}
	m.worker = w
	return nil
}

func (m *Main) startScheduler() error {
	s, err := queue.NewScheduler(m.deps.Queue, m.logger(), schedules(m.deps), queue.SchedulerOptions{})
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		return err
	}
	m.scheduler = s
	return nil
}

// errEmbeddedSplit refuses a separate worker or scheduler process on the
// embedded queue, which lives inside one process and is shared with no other.
var errEmbeddedSplit = errors.New("a separate worker or scheduler process needs REDIS_URL: the embedded job queue lives inside `serve`")

// RunWorker starts a worker-only process and returns; stop it with Close.
func (m *Main) RunWorker(ctx context.Context) error {
	if m.Config.RedisURL == "" {
		return errEmbeddedSplit
	}
	if err := m.open(ctx, true); err != nil {
		return err
	}
	if err := m.startWorker(); err != nil {
		return err
	}
	m.logger().Info("worker started", "concurrency", m.Config.WorkerConcurrency)
	return nil
}

// RunScheduler starts a scheduler-only process and returns; stop it with Close.
// Several may run: deterministic ids and unique locks keep their tasks single.
func (m *Main) RunScheduler(ctx context.Context) error {
	if m.Config.RedisURL == "" {
		return errEmbeddedSplit
	}
	if err := m.open(ctx, true); err != nil {
		return err
	}
	if err := m.startScheduler(); err != nil {
		return err
	}
	m.logger().Info("scheduler started")
	return nil
}

// Migrate runs `migrate up|down|status`, printing what it did to w.
func (m *Main) Migrate(ctx context.Context, action string, w io.Writer) error {
	if err := m.Config.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	d, err := m.openDB(ctx)
	if err != nil {
		return err
	}
	m.deps = &Deps{Config: m.Config, Logger: m.logger(), DB: d}
	switch action {
	case "up":
		applied, err := d.MigrateUp(ctx)
		if err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
		if len(applied) == 0 {
			fmt.Fprintln(w, "database is up to date")
		}
		for _, mg := range applied {
			fmt.Fprintf(w, "applied %04d_%s\n", mg.Version, mg.Name)
		}
	case "down":
		rolled, err := d.MigrateDown(ctx)
		if err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
		if rolled == nil {
			fmt.Fprintln(w, "no migration to roll back")
		} else {
			fmt.Fprintf(w, "rolled back %04d_%s\n", rolled.Version, rolled.Name)
		}
	case "status":
		all, err := d.MigrationStatus(ctx)
		if err != nil {
			return fmt.Errorf("migration status: %w", err)
		}
		for _, mg := range all {
			state := "pending"
			if mg.AppliedAt != nil {
				state = "applied " + mg.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%04d_%s\t%s\n", mg.Version, mg.Name, state)
		}
	default:
		return fmt.Errorf("unknown migrate action %q: want up, down or status", action)
	}
	return nil
}

// Seed loads the demo district (seed --demo).
func (m *Main) Seed(ctx context.Context) error {
	if err := m.open(ctx, false); err != nil {
		return err
	}
	return m.seed(ctx)
}

func (m *Main) seed(ctx context.Context) error {
	s := m.deps.Services
	loaded, err := demo.Load(ctx, demo.Services{DB: m.deps.DB, Tenancy: s.Tenancy, Orgs: s.Orgs, People: s.People, Auth: s.Auth, Affairs: s.Affairs}, m.logger())
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	if !loaded {
		m.logger().Info("demo data already present")
	} else if err := seedDemoScores(ctx, m.deps); err != nil {
		return fmt.Errorf("seed demo scores: %w", err)
	}
	for _, a := range demo.Accounts() {
		m.logger().Info("demo account", "username", a.Username, "password", demo.Password, "role", a.Role)
	}
	return nil
}

// SeedScale generates a district at scale (seed --scale) for benchmarks and demos.
func (m *Main) SeedScale(ctx context.Context, opt demo.ScaleOptions) (*demo.ScaleResult, error) {
	if err := m.open(ctx, false); err != nil {
		return nil, err
	}
	return demo.LoadScale(ctx, m.deps.DB, opt)
}

// CreateUser creates an account (admin create-user).
func (m *Main) CreateUser(ctx context.Context, in CreateUserInput) error {
	if in.Username == "" || in.Password == "" {
		return errors.New("--username and --password are required")
	}
	if !in.PlatformAdmin && (in.Role == "" || (in.OrgID == 0) == (in.DistrictID == 0)) {
		return errors.New("give --role with --org-id (town roles) or --district-id (district roles), or --platform-admin")
	}
	if err := m.open(ctx, false); err != nil {
		return err
	}
	if err := createUser(ctx, m.deps.Services, in); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	m.logger().Info("user created", "username", in.Username)
	return nil
}

// Close stops what was started, in order: the HTTP server (draining
// in-flight requests), the scheduler, the worker (running jobs finish or go
// back to the queue), the queue connection, the database. Safe to call more
// than once and after a failed Run.
func (m *Main) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	var errs []error
	if m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		if err := m.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down http: %w", err))
		}
		cancel()
	}
	if m.scheduler != nil {
		m.scheduler.Shutdown()
	}
	if m.worker != nil {
		m.worker.Shutdown()
	}
	if m.deps != nil {
		if m.deps.Queue != nil {
			errs = append(errs, m.deps.Queue.Close())
		}
		if m.deps.DB != nil {
			if err := m.deps.DB.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close database: %w", err))
			}
		}
	}
	err := errors.Join(errs...)
	if m.srv != nil || m.worker != nil || m.scheduler != nil {
		m.logger().Info("stopped", "err", err)
	}
	return err
}
