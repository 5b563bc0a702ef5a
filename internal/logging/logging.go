// Package logging builds the process logger: JSON lines in production, text
// otherwise, and every record carries the request id, user and tenant of the
// context it was logged with.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"dangjian/internal/actor"
)

// New returns a logger writing to w at level: JSON in production, text otherwise.
func New(production bool, w io.Writer, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if production {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(NewContextHandler(h))
}

// ParseLevel parses "debug", "info", "warn" or "error" (any case; "" is info).
func ParseLevel(s string) (slog.Level, error) {
	if strings.TrimSpace(s) == "" {
		return slog.LevelInfo, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// ContextHandler adds request_id, user and tenant from the record's context
// (see package actor) to every record, so that a line logged deep in a
// service can be tied to the request that caused it.
type ContextHandler struct {
	next slog.Handler
}

var _ slog.Handler = (*ContextHandler)(nil)

// NewContextHandler wraps next.
func NewContextHandler(next slog.Handler) *ContextHandler { return &ContextHandler{next: next} }

// Enabled implements slog.Handler.
func (h *ContextHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := actor.RequestID(ctx); id != "" {
			r.AddAttrs(slog.String("request_id", id))
		}
		if a, ok := actor.FromContext(ctx); ok {
			r.AddAttrs(slog.String("user", a.Username))
			if a.TenantID != 0 {
				r.AddAttrs(slog.Int64("tenant", a.TenantID))
			}
		}
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &ContextHandler{next: h.next.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	return &ContextHandler{next: h.next.WithGroup(name)}
}
