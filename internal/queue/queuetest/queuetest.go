// Package queuetest gives tests a job-queue runtime on every Redis the
// product supports: the embedded server always, a real Redis when
// DJ_TEST_REDIS_URL is set (e.g. redis://127.0.0.1:6379/9).
//
// On a real Redis each runtime gets its own randomly named asynq queue, so
// tests in parallel packages share one database without seeing each other's
// tasks; the queue is deleted when the test ends. Nothing is flushed.
package queuetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"

	"dangjian/internal/queue"
)

// Each runs fn once per available Redis, each with a fresh runtime.
func Each(t *testing.T, fn func(t *testing.T, rt *queue.Runtime)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) { fn(t, Embedded(t)) })
	if RedisURL(t) != "" {
		t.Run("redis", func(t *testing.T) { fn(t, Redis(t)) })
	}
}

// RedisURL returns DJ_TEST_REDIS_URL. In CI (CI=true) an unset URL fails the test.
func RedisURL(t testing.TB) string {
	u := os.Getenv("DJ_TEST_REDIS_URL")
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatal("DJ_TEST_REDIS_URL must be set in CI")
	}
	return u
}

// Embedded opens a runtime on its own embedded server.
func Embedded(t testing.TB) *queue.Runtime {
	t.Helper()
	rt, err := queue.Open(context.Background(), "", Logger(t))
	if err != nil {
		t.Fatalf("open embedded queue: %v", err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// Redis opens a runtime on DJ_TEST_REDIS_URL with a queue of its own.
// Skips when the URL is unset (outside CI).
func Redis(t testing.TB) *queue.Runtime {
	t.Helper()
	u := RedisURL(t)
	if u == "" {
		t.Skip("DJ_TEST_REDIS_URL not set")
	}
	rt, err := queue.Open(context.Background(), u, Logger(t))
	if err != nil {
		t.Fatalf("Redis at DJ_TEST_REDIS_URL is unreachable: %v", err)
	}
	rt.Queue = QueueName()
	t.Cleanup(func() {
		DeleteQueue(rt)
		rt.Close()
	})
	return rt
}

// DeleteQueue removes every key of rt's queue, statistics included, from Redis.
func DeleteQueue(rt *queue.Runtime) {
	ctx := context.Background()
	_ = rt.Inspector.DeleteQueue(rt.Queue, true)
	iter := rt.Redis().Scan(ctx, 0, "asynq:{"+rt.Queue+"}:*", 100).Iterator()
	for iter.Next(ctx) {
		rt.Redis().Del(ctx, iter.Val())
	}
}

// QueueName returns a fresh random queue name.
func QueueName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "test_" + hex.EncodeToString(b[:])
}

// Logger returns a logger writing warnings and errors to the test log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}
