package scoring

import (
	"context"
	"testing"

	"dangjian/internal/db/dbtest"
	"dangjian/internal/queue"
	"dangjian/internal/queue/queuetest"
)

func TestRequestRecomputeCoalesces(t *testing.T) {
	queuetest.Each(t, func(t *testing.T, rt *queue.Runtime) {
		f := newScoreFixture(t, dbtest.SQLite(t))
		svc := NewService(f.DB, f.Authz, f.Clock, rt)
		ctx := context.Background()
		for i := 0; i < 20; i++ {
			if err := svc.RequestRecompute(ctx, f.A.TenantID, "2026-Q4"); err != nil {
				t.Fatal(err)
			}
		}
		tasks, err := rt.Inspector.ListScheduledTasks(rt.Queue)
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != 1 || tasks[0].Type != TypeRecompute {
			t.Fatalf("scheduled = %d tasks, want 1", len(tasks))
		}
		// Period "" asks for the month, quarter and year of now.
		if err := svc.RequestRecompute(ctx, f.B.TenantID, ""); err != nil {
			t.Fatal(err)
		}
		if tasks, _ = rt.Inspector.ListScheduledTasks(rt.Queue); len(tasks) != 4 {
			t.Fatalf("scheduled = %d tasks, want 4", len(tasks))
		}
		if h := svc.Handlers(); h[TypeRecompute] == nil || h[TypeRecomputeAll] == nil || len(Schedules()) != 1 {
			t.Fatal("handlers or schedules missing")
		}
	})
}
