package report_test

import (
	"context"
	"strconv"
	"testing"

	"dangjian/internal/actor"
)

func userID(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	a, ok := actor.FromContext(ctx)
	if !ok {
		t.Fatal("no actor")
	}
	return a.UserID
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
