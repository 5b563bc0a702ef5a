package remind

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/authz"
)

// batchSize bounds IN lists and multi-row inserts.
const batchSize = 400

// openStatuses are the instance statuses that still need reminders.
func openStatuses() []string {
	return []string{string(affairs.Pending), string(affairs.Returned), string(affairs.Overdue)}
}

// closedStatuses are the instance statuses whose unsent reminders are cancelled.
func closedStatuses() []string { return []string{string(affairs.Submitted), string(affairs.Done)} }

// responsibleRoles are the roles on an instance's own org that answer for it.
func responsibleRoles() []string { return []string{string(authz.OrgSecretary), string(authz.OrgStaff)} }

// parentRoles are the roles on the parent org that an escalation reaches.
func parentRoles() []string { return []string{string(authz.OrgSecretary)} }

// townRoles are the roles on the town root that an escalation reaches.
func townRoles() []string {
	return []string{string(authz.TownOffice), string(authz.TownSecretary), string(authz.TownDeputySecretary)}
}

// Scan derives and dispatches reminders for every town as of now, and returns
// how many new reminders it created. It is idempotent and safe to run from
// several schedulers at once:
//
//  1. unsent deliveries of instances that were submitted or completed are CANCELLED;
//  2. for every open instance (PENDING, RETURNED, OVERDUE) the reminders due
//     by now are inserted, ON CONFLICT DO NOTHING;
//  3. every PENDING reminder without deliveries gets them (inbox always;
//     e-mail and webhooks by preference, deferred past quiet hours);
//  4. every delivery due and not done is enqueued under a deterministic id
//     (the inbox by ranges of deliveries, see EnqueueDue) — the reconcile
//     step that makes a lost queue harmless.
//
// An enqueue failure (Redis down) is returned after the rows are written: the
// rows stay PENDING and the next Scan enqueues them.
func (s *Service) Scan(ctx context.Context, now time.Time) (int, error) {
	ctx = actor.System(ctx)
	now = now.UTC()
	if err := s.cancelClosed(ctx, now); err != nil {
		return 0, err
	}
	created, err := s.deriveReminders(ctx, now)
	if err != nil {
		return created, err
	}
	if err := s.createDeliveries(ctx, now); err != nil {
		return created, err
	}
	if _, err := s.EnqueueDue(ctx, now); err != nil {
		return created, err
	}
	return created, nil
}

// openInstance is an instance needing reminders, with what derivation needs.
type openInstance struct {
	ID         int64     `bun:"id"`
	TenantID   int64     `bun:"tenant_id"`
	TemplateID *int64    `bun:"template_id"`
	OrgID      int64     `bun:"org_id"`
	DueAt      time.Time `bun:"due_at"`
	CreatedAt  time.Time `bun:"created_at"`
	ParentID   *int64    `bun:"parent_id"`
	Path       string    `bun:"path"`
	Timezone   string    `bun:"timezone"`
}

// rootID is the town root of the instance's org, from its path "/root/…/own/".
func (i *openInstance) rootID() int64 {
	first, _, _ := strings.Cut(strings.Trim(i.Path, "/"), "/")
	id, _ := strconv.ParseInt(first, 10, 64)
	return id
}

type reminderKey struct {
	InstanceID int64 `bun:"instance_id"`
	Kind       Kind  `bun:"kind"`
	Offset     int   `bun:"offset_days"`
	UserID     int64 `bun:"recipient_user_id"`
}

type assignment struct {
	UserID int64  `bun:"user_id"`
	Role   string `bun:"role"`
	OrgID  int64  `bun:"org_id"`
}

type settingKey struct{ tenant, template int64 }

// deriveReminders inserts the reminders due by now that do not exist yet.
func (s *Service) deriveReminders(ctx context.Context, now time.Time) (int, error) {
	lead, back, err := s.window(ctx)
	if err != nil {
		return 0, err
	}
	templates := map[int64]*affairs.Template{}
	settings := map[settingKey]*affairs.TownSetting{}
	created := 0
	var last int64
	for {
		var batch []openInstance
		err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
			return idb.NewSelect().TableExpr("task_instances AS ti").
				ColumnExpr("ti.id, ti.tenant_id, ti.template_id, ti.org_id, ti.due_at, ti.created_at").
				ColumnExpr("o.parent_id, o.path, t.timezone").
				Join("JOIN organizations AS o ON o.id = ti.org_id").
				Join("JOIN tenants AS t ON t.id = ti.tenant_id").
				Where("ti.id > ?", last).
				Where("ti.status IN (?)", bun.In(openStatuses())).
				Where("ti.due_at <= ?", now.Add(lead)).
				Where("ti.due_at >= ?", now.Add(-back)).
				Where("o.dissolved_at IS NULL").
				OrderExpr("ti.id").Limit(batchSize).
				Scan(ctx, &batch)
		})
		if err != nil {
			return created, fmt.Errorf("load open task instances: %w", err)
		}
		if len(batch) == 0 {
			return created, nil
		}
		last = batch[len(batch)-1].ID
		n, err := s.deriveBatch(ctx, now, batch, templates, settings)
		created += n
		if err != nil {
			return created, err
		}
	}
}

// window returns how far ahead (the longest before-due offset) and how far
// back (the longest overdue or escalation offset) of now due dates can
// still produce reminders, so each Scan reads only instances that can.
func (s *Service) window(ctx context.Context) (lead, back time.Duration, err error) {
	var texts []string
	var escalate []int
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		var a, b []string
		if err := idb.NewSelect().Table("task_templates").Column("remind_days_before").Where("active").Scan(ctx, &a); err != nil {
			return err
		}
		if err := idb.NewSelect().Table("template_settings").Column("remind_days_before").
			Where("remind_days_before IS NOT NULL").Scan(ctx, &b); err != nil {
			return err
		}
		texts = append(a, b...)
		return idb.NewSelect().Table("task_templates").ColumnExpr("escalate_after_days").Where("active").Scan(ctx, &escalate)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("read reminder offsets: %w", err)
	}
	maxBefore := deploymentMaxBefore
	for _, t := range texts {
		for _, n := range ParseDays(t) {
			maxBefore = max(maxBefore, n)
		}
	}
	maxBack := max(MaxOverdueDays, deploymentEscalate)
	for _, n := range escalate {
		maxBack = max(maxBack, n)
	}
	// A day of margin either side for time zones and the send hour.
	return time.Duration(maxBefore+2) * 24 * time.Hour, time.Duration(maxBack+2) * 24 * time.Hour, nil
}

// deriveBatch computes and inserts the reminders of one batch of instances.
func (s *Service) deriveBatch(ctx context.Context, now time.Time, batch []openInstance,
	templates map[int64]*affairs.Template, settings map[settingKey]*affairs.TownSetting) (int, error) {
	var instIDs, tplIDs, tenantIDs []int64
	orgSet := map[int64]bool{}
	for i := range batch {
		in := &batch[i]
		instIDs = append(instIDs, in.ID)
		tenantIDs = append(tenantIDs, in.TenantID)
		if in.TemplateID != nil {
			if _, ok := templates[*in.TemplateID]; !ok {
				tplIDs = append(tplIDs, *in.TemplateID)
			}
		}
		orgSet[in.OrgID] = true
		if in.ParentID != nil {
			orgSet[*in.ParentID] = true
		}
		if r := in.rootID(); r != 0 {
			orgSet[r] = true
		}
	}
	orgIDs := make([]int64, 0, len(orgSet))
	for id := range orgSet {
		orgIDs = append(orgIDs, id)
	}
	var assignments []assignment
	var existing []reminderKey
	err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		if len(tplIDs) > 0 {
			var tpls []affairs.Template
			if err := idb.NewSelect().Model(&tpls).Where("tt.id IN (?)", bun.In(tplIDs)).Scan(ctx); err != nil {
				return fmt.Errorf("load templates: %w", err)
			}
			for i := range tpls {
				templates[tpls[i].ID] = &tpls[i]
			}
			var sets []affairs.TownSetting
			if err := idb.NewSelect().Model(&sets).Where("ts.template_id IN (?)", bun.In(tplIDs)).
				Where("ts.tenant_id IN (?)", bun.In(tenantIDs)).Scan(ctx); err != nil {
				return fmt.Errorf("load template settings: %w", err)
			}
			for i := range sets {
				settings[settingKey{sets[i].TenantID, sets[i].TemplateID}] = &sets[i]
			}
		}
		roles := append(append(append([]string{}, responsibleRoles()...), townRoles()...), parentRoles()...)
		if err := idb.NewSelect().TableExpr("role_assignments AS ra").
			ColumnExpr("ra.user_id, ra.role, ra.org_id").
			Join("JOIN users AS u ON u.id = ra.user_id").
			Where("u.disabled_at IS NULL").
			Where("ra.org_id IN (?)", bun.In(orgIDs)).
			Where("ra.role IN (?)", bun.In(roles)).
			OrderExpr("ra.user_id").
			Scan(ctx, &assignments); err != nil {
			return fmt.Errorf("load responsible people: %w", err)
		}
		if err := idb.NewSelect().Table("reminders").
			Column("instance_id", "kind", "offset_days", "recipient_user_id").
			Where("instance_id IN (?)", bun.In(instIDs)).
			Scan(ctx, &existing); err != nil {
			return fmt.Errorf("load existing reminders: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	have := make(map[reminderKey]bool, len(existing))
	for _, k := range existing {
		have[k] = true
	}
	byOrgRole := map[int64]map[string][]int64{}
	for _, a := range assignments {
		if byOrgRole[a.OrgID] == nil {
			byOrgRole[a.OrgID] = map[string][]int64{}
		}
		byOrgRole[a.OrgID][a.Role] = append(byOrgRole[a.OrgID][a.Role], a.UserID)
	}
	usersOf := func(orgID int64, roles []string) []int64 {
		var out []int64
		for _, r := range roles {
			out = append(out, byOrgRole[orgID][r]...)
		}
		return out
	}

	var rows []*Reminder
	for i := range batch {
		in := &batch[i]
		policy, ok := s.policyOf(in, templates, settings)
		if !ok {
			continue
		}
		loc := s.location(in.Timezone)
		responsible := uniq(usersOf(in.OrgID, responsibleRoles()))
		for _, o := range policy.Due(in.DueAt, in.CreatedAt, now, loc) {
			recipients := responsible
			if o.Kind == KindEscalation {
				up := append([]int64{}, responsible...)
				if in.ParentID != nil {
					up = append(up, usersOf(*in.ParentID, parentRoles())...)
				}
				up = append(up, usersOf(in.rootID(), townRoles())...)
				recipients = uniq(up)
			}
			for _, u := range recipients {
				k := reminderKey{in.ID, o.Kind, o.Offset, u}
				if have[k] {
					continue
				}
				have[k] = true
				rows = append(rows, &Reminder{
					TenantID: in.TenantID, InstanceID: in.ID, Kind: o.Kind, OffsetDays: o.Offset,
					RecipientUserID: u, SendAfter: o.At.UTC(), Status: StatusPending, CreatedAt: now,
				})
			}
		}
	}
	if len(rows) == 0 {
		return 0, nil
	}
	// One order for every scheduler, so concurrent inserts of the same keys
	// wait on each other instead of deadlocking (PostgreSQL).
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.InstanceID != b.InstanceID {
			return a.InstanceID < b.InstanceID
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.OffsetDays != b.OffsetDays {
			return a.OffsetDays < b.OffsetDays
		}
		return a.RecipientUserID < b.RecipientUserID
	})
	created := 0
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for start := 0; start < len(rows); start += batchSize {
			chunk := rows[start:min(start+batchSize, len(rows))]
			res, err := tx.NewInsert().Model(&chunk).
				ExcludeColumn("id", "last_error", "sent_at").
				On("CONFLICT DO NOTHING").Returning("NULL").Exec(ctx)
			if err != nil {
				return fmt.Errorf("insert reminders: %w", err)
			}
			n, _ := res.RowsAffected()
			created += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}

// policyOf returns the reminder policy of an instance: its template as the
// town adjusted it, or the deployment defaults. A template the town switched
// off sends nothing.
func (s *Service) policyOf(in *openInstance, templates map[int64]*affairs.Template,
	settings map[settingKey]*affairs.TownSetting) (Policy, bool) {
	if in.TemplateID == nil {
		return DeploymentPolicy(), true
	}
	tpl, ok := templates[*in.TemplateID]
	if !ok {
		return Policy{}, false
	}
	t := settings[settingKey{in.TenantID, tpl.ID}].Apply(*tpl)
	if !t.Active {
		return Policy{}, false
	}
	return Policy{DaysBefore: t.RemindDaysBefore(), OverdueEvery: t.OverdueEveryDays, EscalateAfter: t.EscalateAfterDays}, true
}

func uniq(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// pendingReminder is a reminder still without deliveries.
type pendingReminder struct {
	ID         int64  `bun:"id"`
	TenantID   int64  `bun:"tenant_id"`
	UserID     int64  `bun:"recipient_user_id"`
	Path       string `bun:"path"`
	Timezone   string `bun:"timezone"`
	QuietStart string `bun:"quiet_start"`
	QuietEnd   string `bun:"quiet_end"`
}

// createDeliveries gives every PENDING reminder without deliveries its
// deliveries: INBOX always; EMAIL when the recipient enabled it and gave an
// address (SKIPPED at once when SMTP is not configured); WEBHOOK for each
// enabled endpoint of the town on the org or one of its ancestors (or on the
// whole town), unless the recipient switched webhooks off. Push channels due
// in quiet hours wait for their end.
func (s *Service) createDeliveries(ctx context.Context, now time.Time) error {
	var last int64
	for {
		var batch []pendingReminder
		err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
			return idb.NewSelect().TableExpr("reminders AS r").
				ColumnExpr("r.id, r.tenant_id, r.recipient_user_id, o.path, t.timezone, t.quiet_start, t.quiet_end").
				Join("JOIN task_instances AS ti ON ti.id = r.instance_id").
				Join("JOIN organizations AS o ON o.id = ti.org_id").
				Join("JOIN tenants AS t ON t.id = r.tenant_id").
				Where("r.id > ?", last).
				Where("r.status = ?", StatusPending).
				Where("NOT EXISTS (SELECT 1 FROM reminder_deliveries AS d WHERE d.reminder_id = r.id)").
				OrderExpr("r.id").Limit(batchSize).
				Scan(ctx, &batch)
		})
		if err != nil {
			return fmt.Errorf("load reminders without deliveries: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		last = batch[len(batch)-1].ID
		if err := s.deliveriesFor(ctx, now, batch); err != nil {
			return err
		}
	}
}

func (s *Service) deliveriesFor(ctx context.Context, now time.Time, batch []pendingReminder) error {
	var userIDs, tenantIDs []int64
	for _, r := range batch {
		userIDs = append(userIDs, r.UserID)
		tenantIDs = append(tenantIDs, r.TenantID)
	}
	var prefs []Prefs
	var hooks []Webhook
	err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		if err := idb.NewSelect().Model(&prefs).Where("np.user_id IN (?)", bun.In(uniq(userIDs))).Scan(ctx); err != nil {
			return fmt.Errorf("load notification preferences: %w", err)
		}
		if err := idb.NewSelect().Model(&hooks).Where("we.tenant_id IN (?)", bun.In(uniq(tenantIDs))).
			Where("we.enabled").OrderExpr("we.id").Scan(ctx); err != nil {
			return fmt.Errorf("load webhook endpoints: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	prefOf := make(map[int64]*Prefs, len(prefs))
	for i := range prefs {
		prefOf[prefs[i].UserID] = &prefs[i]
	}
	var rows []*Delivery
	for _, r := range batch {
		loc := s.location(r.Timezone)
		quiet, err := ParseQuietHours(r.QuietStart, r.QuietEnd)
		if err != nil {
			quiet = DefaultQuietHours()
		}
		push := quiet.Defer(now, loc)
		rows = append(rows, &Delivery{TenantID: r.TenantID, ReminderID: r.ID, Channel: ChannelInbox,
			Status: StatusPending, NextAttemptAt: now, CreatedAt: now})
		p := prefOf[r.UserID]
		if p != nil && p.EmailEnabled && p.Email != "" {
			d := &Delivery{TenantID: r.TenantID, ReminderID: r.ID, Channel: ChannelEmail, Target: p.Email,
				Status: StatusPending, NextAttemptAt: push, CreatedAt: now}
			if s.mailer == nil {
				d.Status, d.LastError, d.NextAttemptAt = StatusSkipped, errNoSMTP, now
			}
			rows = append(rows, d)
		}
		if p == nil || p.WebhookEnabled {
			for i := range hooks {
				h := &hooks[i]
				if h.TenantID != r.TenantID || (h.OrgID != nil && !strings.Contains(r.Path, "/"+strconv.FormatInt(*h.OrgID, 10)+"/")) {
					continue
				}
				rows = append(rows, &Delivery{TenantID: r.TenantID, ReminderID: r.ID, Channel: ChannelWebhook,
					Target: strconv.FormatInt(h.ID, 10), Status: StatusPending, NextAttemptAt: push, CreatedAt: now})
			}
		}
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for start := 0; start < len(rows); start += batchSize {
			chunk := rows[start:min(start+batchSize, len(rows))]
			if _, err := tx.NewInsert().Model(&chunk).
				ExcludeColumn("id", "attempts", "delivered_at").
				On("CONFLICT DO NOTHING").Returning("NULL").Exec(ctx); err != nil {
				return fmt.Errorf("insert deliveries: %w", err)
			}
		}
		return nil
	})
}

// errNoSMTP is the reason an e-mail delivery is skipped.
const errNoSMTP = "未配置邮件服务器（SMTP），邮件渠道未启用"

// errClosed is why unsent deliveries of finished work are cancelled.
const errClosed = "任务已提交或已完成，不再提醒"

// cancelClosed cancels the unsent deliveries of reminders whose instance was
// submitted or completed: no reminder about finished work.
func (s *Service) cancelClosed(ctx context.Context, now time.Time) error {
	var last int64
	for {
		var ids []int64
		err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
			return idb.NewSelect().TableExpr("reminders AS r").ColumnExpr("r.id").
				Join("JOIN task_instances AS ti ON ti.id = r.instance_id").
				Where("r.id > ?", last).
				Where("r.status = ?", StatusPending).
				Where("ti.status IN (?)", bun.In(closedStatuses())).
				OrderExpr("r.id").Limit(batchSize).Scan(ctx, &ids)
		})
		if err != nil {
			return fmt.Errorf("load reminders of finished tasks: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		last = ids[len(ids)-1]
		err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewUpdate().Table("reminder_deliveries").
				Set("status = ?", StatusCancelled).Set("last_error = ?", errClosed).
				Where("reminder_id IN (?)", bun.In(ids)).Where("status = ?", StatusPending).
				Exec(ctx); err != nil {
				return fmt.Errorf("cancel deliveries: %w", err)
			}
			for _, id := range ids {
				if err := refreshReminder(ctx, tx, id, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}

// EnqueueDue enqueues the tasks of every delivery that is due and not done
// and returns how many it added (duplicates of waiting tasks count as done,
// not added): one remind:deliver task per e-mail or webhook delivery, under
// the id remind:deliver:<delivery id>:<attempt>, and one remind:deliver_inbox
// task per id range of InboxBatch holding due INBOX deliveries, under
// remind:deliver_inbox:<from>:<to>. It stops at the first enqueue error
// (Redis down) and returns it; the rows stay PENDING for the next run.
func (s *Service) EnqueueDue(ctx context.Context, now time.Time) (int, error) {
	if s.q == nil {
		return 0, nil
	}
	ctx = actor.System(ctx)
	added := 0
	var last int64
	ranges := map[int64]bool{}
	for {
		var batch []dueDelivery
		err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
			return idb.NewSelect().Table("reminder_deliveries").Column("id", "attempts", "channel").
				Where("id > ?", last).
				Where("status = ?", StatusPending).
				Where("next_attempt_at <= ?", now.UTC()).
				OrderExpr("id").Limit(1000).Scan(ctx, &batch)
		})
		if err != nil {
			return added, fmt.Errorf("load due deliveries: %w", err)
		}
		if len(batch) == 0 {
			return added, nil
		}
		last = batch[len(batch)-1].ID
		jobs := make([]enqueueJob, 0, len(batch))
		for _, d := range batch {
			if d.Channel != ChannelInbox {
				jobs = append(jobs, enqueueJob{NewDeliverTask(d.ID), DeliverTaskID(d.ID, d.Attempts)})
				continue
			}
			from := inboxRange(d.ID)
			if !ranges[from] {
				ranges[from] = true
				jobs = append(jobs, enqueueJob{NewDeliverInboxTask(from, from+InboxBatch),
					DeliverInboxTaskID(from, from+InboxBatch)})
			}
		}
		n, err := s.enqueueBatch(ctx, jobs)
		added += n
		if err != nil {
			return added, err
		}
	}
}

// enqueueParallel is how many enqueues run at once: each is a round trip
// to Redis, and a backlog of thousands should not take thousands of them in a row.
const enqueueParallel = 8

// enqueueJob is a task to enqueue under its deterministic id.
type enqueueJob struct {
	task *asynq.Task
	id   string
}

// enqueueBatch enqueues the jobs in parallel and stops at the first error.
func (s *Service) enqueueBatch(ctx context.Context, jobs []enqueueJob) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		added    int
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan enqueueJob)
	for range enqueueParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				ok, err := s.q.Enqueue(ctx, j.task, j.id)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				if ok {
					added++
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		s.logger.WarnContext(ctx, "enqueue reminder deliveries; they stay pending for the next scan", "err", firstErr)
		return added, fmt.Errorf("enqueue reminder deliveries: %w", firstErr)
	}
	return added, nil
}

type dueDelivery struct {
	ID       int64   `bun:"id"`
	Attempts int     `bun:"attempts"`
	Channel  Channel `bun:"channel"`
}

// refreshReminder sets a reminder's status and last error from its deliveries:
// PENDING while any is pending; then CANCELLED when all were cancelled,
// FAILED when one failed for good, otherwise SENT. The last error names the
// failing channels, so the UI shows a failure on the reminder itself.
func refreshReminder(ctx context.Context, idb bun.IDB, reminderID int64, now time.Time) error {
	var ds []Delivery
	if err := idb.NewSelect().Model(&ds).Column("channel", "status", "last_error").
		Where("rd.reminder_id = ?", reminderID).OrderExpr("rd.id").Scan(ctx); err != nil {
		return fmt.Errorf("load deliveries of reminder %d: %w", reminderID, err)
	}
	var pending, failed, sent, cancelled int
	var errs []string
	for _, d := range ds {
		switch d.Status {
		case StatusPending:
			pending++
		case StatusFailed:
			failed++
		case StatusSent:
			sent++
		case StatusCancelled:
			cancelled++
		}
		if d.LastError != "" && d.Status != StatusCancelled && d.Status != StatusSent {
			errs = append(errs, channelLabel(d.Channel)+"："+d.LastError)
		}
	}
	status := StatusSent
	switch {
	case pending > 0:
		status = StatusPending
	case cancelled == len(ds):
		status = StatusCancelled
	case failed > 0:
		status = StatusFailed
	case sent == 0:
		status = StatusSkipped
	}
	q := idb.NewUpdate().Table("reminders").
		Set("status = ?", status).Set("last_error = ?", truncate(strings.Join(errs, "；"), 1000)).
		Where("id = ?", reminderID)
	if sent > 0 {
		q = q.Set("sent_at = COALESCE(sent_at, ?)", now)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("update reminder %d: %w", reminderID, err)
	}
	return nil
}

func channelLabel(c Channel) string {
	switch c {
	case ChannelInbox:
		return "站内消息"
	case ChannelEmail:
		return "邮件"
	case ChannelWebhook:
		return "Webhook"
	case ChannelSMS:
		return "短信"
	}
	return string(c)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
