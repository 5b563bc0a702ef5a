package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"dangjian/internal/actor"
	"dangjian/internal/logging"
)

func TestContextAttrsInJSON(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(true, &buf, slog.LevelInfo)
	ctx := actor.WithRequestID(context.Background(), "req-1")
	ctx = actor.With(ctx, actor.Actor{UserID: 7, Username: "towna.admin", TenantID: 3})
	log.InfoContext(ctx, "saved", "n", 2)
	log.DebugContext(ctx, "dropped")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1 (debug filtered): %q", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("production log is not JSON: %v", err)
	}
	if rec["request_id"] != "req-1" || rec["user"] != "towna.admin" || rec["tenant"] != float64(3) || rec["msg"] != "saved" {
		t.Fatalf("record = %v", rec)
	}
}

func TestTextInDevelopmentAndAnonymous(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(false, &buf, slog.LevelDebug).With("component", "x")
	log.DebugContext(context.Background(), "hello")
	out := buf.String()
	if !strings.Contains(out, "msg=hello") || !strings.Contains(out, "component=x") {
		t.Fatalf("text log = %q", out)
	}
	if strings.Contains(out, "user=") || strings.Contains(out, "request_id=") {
		t.Fatalf("anonymous context logged identity: %q", out)
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"": slog.LevelInfo, "debug": slog.LevelDebug, "WARN": slog.LevelWarn, "error": slog.LevelError} {
		got, err := logging.ParseLevel(in)
		if err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := logging.ParseLevel("loud"); err == nil {
		t.Error("ParseLevel accepted \"loud\"")
	}
}
