package remind_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
	"dangjian/internal/queue"
	"dangjian/internal/remind"
)

// shanghai is the default tenant zone.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// sh returns a Shanghai wall-clock time.
func sh(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai)
}

// world is a town A with 幸福社区党委 → 幸福社区第一党支部, its responsible
// people, the community secretary and the town office, and a town B with a
// branch of its own.
type world struct {
	t      testing.TB
	d      *db.DB
	fx     *orgtest.Fixture
	clk    *clock.Fake
	sys    context.Context
	comm   *org.Organization
	branch *org.Organization
	bBr    *org.Organization

	sec, staff, commSec, office, bSec context.Context
}

func newWorld(t testing.TB, d *db.DB, start time.Time) *world {
	t.Helper()
	fx := orgtest.New(t, d)
	w := &world{t: t, d: d, fx: fx, clk: clock.NewFake(start), sys: fx.System()}
	w.comm = fx.MustCreate(t, fx.A.Root, org.CommunityCommittee, "幸福社区党委")
	w.branch = fx.MustCreate(t, w.comm, org.Branch, "幸福社区第一党支部")
	w.bBr = fx.MustCreate(t, fx.B.Root, org.Branch, "乙镇第一党支部")
	w.sec = fx.TownUser(t, authz.OrgSecretary, w.branch)
	w.staff = fx.TownUser(t, authz.OrgStaff, w.branch)
	w.commSec = fx.TownUser(t, authz.OrgSecretary, w.comm)
	w.office = fx.TownUser(t, authz.TownOffice, fx.A.Root)
	w.bSec = fx.TownUser(t, authz.OrgSecretary, w.bBr)
	return w
}

func (w *world) service(q *queue.Runtime, cfg remind.Config) *remind.Service {
	if cfg.Authz == nil {
		cfg.Authz = w.fx.Authz
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://dj.example.cn"
	}
	return remind.NewService(w.d, q, w.clk, cfg)
}

func (w *world) exec(query string, args ...any) {
	w.t.Helper()
	err := w.d.RunInTx(w.sys, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		w.t.Fatalf("exec %q: %v", query, err)
	}
}

func (w *world) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	err := w.d.Read(w.sys, func(ctx context.Context, idb bun.IDB) error {
		return idb.QueryRowContext(ctx, query, args...).Scan(&n)
	})
	if err != nil {
		w.t.Fatalf("count %q: %v", query, err)
	}
	return n
}

// template inserts a district template.
func (w *world) template(name string, cadence affairs.Cadence, remindDays string, overdueEvery, escalate int) int64 {
	w.t.Helper()
	var id int64
	err := w.d.RunInTx(w.sys, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`INSERT INTO task_templates (district_id, name, category, org_kinds, cadence,
			remind_days_before, overdue_every_days, escalate_after_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			w.fx.DistrictID, name, string(affairs.BranchCommittee), string(org.Branch), string(cadence),
			remindDays, overdueEvery, escalate).Scan(ctx, &id)
	})
	if err != nil {
		w.t.Fatalf("insert template: %v", err)
	}
	return id
}

// instance inserts a template task instance for o and period, due at the
// period's last day, created at createdAt.
func (w *world) instance(tplID int64, o *org.Organization, periodKey, title string, createdAt time.Time) int64 {
	w.t.Helper()
	p, err := affairs.ParsePeriod(periodKey, shanghai)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.insertInstance(&tplID, o, periodKey, title, p.DueAt(0), createdAt)
}

// deployment inserts a deployment instance for o due at dueAt.
func (w *world) deployment(o *org.Organization, title string, dueAt, createdAt time.Time) int64 {
	w.t.Helper()
	var depID int64
	err := w.d.RunInTx(w.sys, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`INSERT INTO deployments (tenant_id, issuer_org_id, title, deadline, target_root_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, o.TenantID, o.ID, title, dueAt.UTC(), o.ID, createdAt.UTC()).Scan(ctx, &depID)
	})
	if err != nil {
		w.t.Fatalf("insert deployment: %v", err)
	}
	var id int64
	err = w.d.RunInTx(w.sys, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`INSERT INTO task_instances (tenant_id, deployment_id, org_id, period, title, due_at, status, created_at, updated_at)
			VALUES (?, ?, ?, '', ?, ?, 'PENDING', ?, ?) RETURNING id`,
			o.TenantID, depID, o.ID, title, dueAt.UTC(), createdAt.UTC(), createdAt.UTC()).Scan(ctx, &id)
	})
	if err != nil {
		w.t.Fatalf("insert deployment instance: %v", err)
	}
	return id
}

func (w *world) insertInstance(tplID *int64, o *org.Organization, period, title string, dueAt, createdAt time.Time) int64 {
	w.t.Helper()
	var id int64
	err := w.d.RunInTx(w.sys, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`INSERT INTO task_instances (tenant_id, template_id, org_id, period, title, due_at, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?, ?) RETURNING id`,
			o.TenantID, tplID, o.ID, period, title, dueAt.UTC(), createdAt.UTC(), createdAt.UTC()).Scan(ctx, &id)
	})
	if err != nil {
		w.t.Fatalf("insert instance: %v", err)
	}
	return id
}

func (w *world) setStatus(instanceID int64, st affairs.Status) {
	w.t.Helper()
	w.exec("UPDATE task_instances SET status = ? WHERE id = ?", string(st), instanceID)
}

// webhook inserts an enabled endpoint of town A (orgID nil: whole town).
func (w *world) webhook(orgID *int64, url string, f remind.Format, secret string) int64 {
	w.t.Helper()
	var id int64
	err := w.d.RunInTx(w.sys, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`INSERT INTO webhook_endpoints (tenant_id, org_id, name, url, format, secret) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			w.fx.A.TenantID, orgID, "测试机器人", url, string(f), secret).Scan(ctx, &id)
	})
	if err != nil {
		w.t.Fatalf("insert webhook: %v", err)
	}
	return id
}

// dueDeliveries lists the ids of pending deliveries due at the fake clock's time.
func (w *world) dueDeliveries() []int64 {
	w.t.Helper()
	var ids []int64
	err := w.d.Read(w.sys, func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().Table("reminder_deliveries").Column("id").
			Where("status = 'PENDING'").Where("next_attempt_at <= ?", w.clk.Now().UTC()).
			OrderExpr("id").Scan(ctx, &ids)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return ids
}

// dueTasks is how many tasks Scan enqueues for the pending deliveries due at
// the fake clock's time: one per e-mail or webhook delivery, one per range
// of remind.InboxBatch ids holding inbox deliveries.
func (w *world) dueTasks() int {
	w.t.Helper()
	return w.count(`SELECT
		(SELECT count(*) FROM reminder_deliveries WHERE status = 'PENDING' AND next_attempt_at <= ? AND channel <> 'INBOX') +
		(SELECT count(DISTINCT id / ?) FROM reminder_deliveries WHERE status = 'PENDING' AND next_attempt_at <= ? AND channel = 'INBOX')`,
		w.clk.Now().UTC(), remind.InboxBatch, w.clk.Now().UTC())
}

// scanAndDeliver runs Scan at the fake clock's time, then every due delivery
// synchronously, as one worker would.
func (w *world) scanAndDeliver(s *remind.Service) {
	w.t.Helper()
	if _, err := s.Scan(context.Background(), w.clk.Now()); err != nil {
		w.t.Fatalf("scan at %s: %v", w.clk.Now().In(shanghai), err)
	}
	for _, id := range w.dueDeliveries() {
		if err := s.Deliver(context.Background(), id); err != nil {
			w.t.Fatalf("deliver %d: %v", id, err)
		}
	}
}

// runDue runs, synchronously, the tasks a worker would for the pending
// deliveries due at the fake clock's time: DeliverInbox per inbox range,
// Deliver per other delivery.
func (w *world) runDue(s *remind.Service) {
	w.t.Helper()
	var due []struct {
		ID      int64          `bun:"id"`
		Channel remind.Channel `bun:"channel"`
	}
	err := w.d.Read(w.sys, func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().Table("reminder_deliveries").Column("id", "channel").
			Where("status = 'PENDING'").Where("next_attempt_at <= ?", w.clk.Now().UTC()).
			OrderExpr("id").Scan(ctx, &due)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	ranges := map[int64]bool{}
	for _, d := range due {
		if d.Channel != remind.ChannelInbox {
			if err := s.Deliver(context.Background(), d.ID); err != nil {
				w.t.Fatalf("deliver %d: %v", d.ID, err)
			}
			continue
		}
		from := d.ID - d.ID%remind.InboxBatch
		if ranges[from] {
			continue
		}
		ranges[from] = true
		if _, err := s.DeliverInbox(context.Background(), from, from+remind.InboxBatch); err != nil {
			w.t.Fatalf("deliver inbox %d: %v", from, err)
		}
	}
}

// hookServer counts webhook calls and records bodies; status decides the reply.
type hookServer struct {
	*httptest.Server
	hits   atomic.Int64
	mu     sync.Mutex
	bodies [][]byte
	reqs   []*http.Request
	status atomic.Int64
	reply  atomic.Value // string
}

func newHookServer(t testing.TB) *hookServer {
	h := &hookServer{}
	h.status.Store(200)
	h.reply.Store(`{"errcode":0,"errmsg":"ok"}`)
	h.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.hits.Add(1)
		h.mu.Lock()
		h.bodies = append(h.bodies, b)
		h.reqs = append(h.reqs, r)
		h.mu.Unlock()
		rw.WriteHeader(int(h.status.Load()))
		_, _ = fmt.Fprint(rw, h.reply.Load().(string))
	}))
	t.Cleanup(h.Close)
	return h
}

// userID returns the user id of an actor context.
func userID(ctx context.Context) int64 {
	a, _ := actor.FromContext(ctx)
	return a.UserID
}

func ptr[T any](v T) *T { return &v }
