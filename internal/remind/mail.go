package remind

import (
	"context"
	"fmt"
	"time"

	"github.com/wneessen/go-mail"
)

// Mail is one plain-text e-mail.
type Mail struct {
	To      string
	Subject string
	Body    string
}

// Mailer sends e-mail. SMTPMailer is the production implementation.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// SMTPConfig is the outgoing mail server. The e-mail channel is off unless
// Host and From are set.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
}

// Enabled reports whether SMTP is configured.
func (c SMTPConfig) Enabled() bool { return c.Host != "" && c.From != "" }

// SMTPMailer sends through an SMTP server with go-mail: STARTTLS when the
// server offers it, PLAIN/LOGIN authentication when a username is set.
type SMTPMailer struct {
	cfg SMTPConfig
}

var _ Mailer = (*SMTPMailer)(nil)

// NewSMTPMailer returns a mailer for cfg.
func NewSMTPMailer(cfg SMTPConfig) *SMTPMailer { return &SMTPMailer{cfg: cfg} }

// Send delivers m, opening one connection per message (reminders are few
// per minute; a pool would be premature).
func (s *SMTPMailer) Send(ctx context.Context, m Mail) error {
	msg := mail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("smtp from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("smtp to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, m.Body)

	port := s.cfg.Port
	if port == 0 {
		port = 587
	}
	opts := []mail.Option{
		mail.WithPort(port),
		mail.WithTimeout(15 * time.Second),
		mail.WithTLSPolicy(mail.TLSOpportunistic),
	}
	if port == 465 {
		opts = append(opts, mail.WithSSL())
	}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}
