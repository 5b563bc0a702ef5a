package remind

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/queue"
)

// Config configures the reminder service.
type Config struct {
	// SMTP is the outgoing mail server; unset turns the e-mail channel off
	// (e-mail deliveries are then SKIPPED with a reason).
	SMTP SMTPConfig
	// BaseURL is the web app's public address, for links in e-mails and
	// webhooks (e.g. "https://dangjian.example.gov.cn").
	BaseURL string
	// HTTPClient makes webhook calls (default: a client with no redirects to
	// other hosts beyond net/http's defaults). Each call is bounded by
	// WebhookTimeout whatever the client's own timeout.
	HTTPClient *http.Client
	// WebhookTimeout bounds one webhook call (default 5 s).
	WebhookTimeout time.Duration
	// Mailer overrides the SMTP mailer (tests, other transports).
	Mailer Mailer
	// Authz decides who manages webhooks and reads reminder state; default
	// authz.New(d). Pass the application's authorizer to share its cache.
	Authz *authz.Authorizer
	// Logger receives delivery failures and enqueue errors (default: discard).
	Logger *slog.Logger
}

// Service derives, delivers and lists reminders.
type Service struct {
	db      *db.DB
	q       *queue.Runtime
	clk     clock.Clock
	authz   *authz.Authorizer
	mailer  Mailer
	http    *http.Client
	timeout time.Duration
	baseURL string
	logger  *slog.Logger

	zones sync.Map // zone name → *time.Location
}

// NewService returns a Service. q may be nil: Scan then only writes rows, and
// deliveries wait for a Scan with a queue (or a direct Deliver call).
func NewService(d *db.DB, q *queue.Runtime, clk clock.Clock, cfg Config) *Service {
	s := &Service{
		db: d, q: q, clk: clk, authz: cfg.Authz, mailer: cfg.Mailer, http: cfg.HTTPClient,
		timeout: cfg.WebhookTimeout, baseURL: cfg.BaseURL, logger: cfg.Logger,
	}
	if s.authz == nil {
		s.authz = authz.New(d)
	}
	if s.mailer == nil && cfg.SMTP.Enabled() {
		s.mailer = NewSMTPMailer(cfg.SMTP)
	}
	if s.http == nil {
		s.http = &http.Client{}
	}
	if s.timeout <= 0 {
		s.timeout = DefaultWebhookTimeout
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.clk == nil {
		s.clk = clock.Real{}
	}
	return s
}

// location returns a tenant zone, cached: loading zoneinfo is not free and
// Deliver needs it once per message.
func (s *Service) location(name string) *time.Location {
	if v, ok := s.zones.Load(name); ok {
		return v.(*time.Location)
	}
	loc := loadLocation(name)
	s.zones.Store(name, loc)
	return loc
}

// now is the service clock in UTC.
func (s *Service) now() time.Time { return s.clk.Now().UTC() }
