package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunCommands(t *testing.T) {
	t.Setenv("DJ_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("REDIS_URL", "")
	ctx := context.Background()
	var out, errOut bytes.Buffer

	if err := run(ctx, []string{"version"}, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "dangjian ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "up"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "applied 0001_") {
		t.Fatalf("migrate up: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "status"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "applied") {
		t.Fatalf("migrate status: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"migrate"}, &out, &errOut); err == nil {
		t.Fatal("migrate without action succeeded")
	}
	if err := run(ctx, []string{"frobnicate"}, &out, &errOut); err == nil {
		t.Fatal("unknown command succeeded")
	}
	if err := run(ctx, []string{"worker"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Fatalf("worker without Redis: %v", err)
	}
	if err := run(ctx, []string{"seed"}, &out, &errOut); err == nil {
		t.Fatal("seed without --demo succeeded")
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	t.Setenv("DJ_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("REDIS_URL", "")
	t.Setenv("DJ_LOG_LEVEL", "error")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, &bytes.Buffer{}, &bytes.Buffer{}) }()
	time.Sleep(2 * time.Second) // serving by now; the embedded start takes well under a second
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
}
