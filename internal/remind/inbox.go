package remind

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/pagination"
)

// errTownOnly answers a district user asking for a town thing.
var errTownOnly = apperr.New(apperr.Forbidden, "提醒渠道和推送地址只能由乡镇用户设置，区级账号请在站内消息中查看通知")

// townUser returns the signed-in user, who must belong to a town: preferences
// and webhooks are town things.
func townUser(ctx context.Context) (actor.Actor, error) {
	a, err := actor.Require(ctx)
	if err != nil {
		return actor.Actor{}, err
	}
	if a.TenantID == 0 {
		if a.DistrictID != 0 {
			return actor.Actor{}, errTownOnly
		}
		return actor.Actor{}, apperr.ErrNoTenant
	}
	return a, nil
}

// ownInbox returns the condition that keeps the signed-in user's own
// notifications, its columns prefixed with alias ("n." or ""). A town user's
// are the rows of their town; a district user, who belongs to no town, has
// the rows of their district that carry no town (tenant_id NULL).
func ownInbox(ctx context.Context, alias string) (string, []any, error) {
	a, err := actor.Require(ctx)
	if err != nil {
		return "", nil, err
	}
	switch {
	case a.TenantID != 0:
		return alias + "user_id = ? AND " + alias + "tenant_id = ?", []any{a.UserID, a.TenantID}, nil
	case a.DistrictID != 0:
		return alias + "user_id = ? AND " + alias + "tenant_id IS NULL AND " + alias + "district_id = ?",
			[]any{a.UserID, a.DistrictID}, nil
	}
	return "", nil, apperr.ErrNoTenant
}

// Inbox lists the signed-in user's notifications, newest first (keyset on id).
func (s *Service) Inbox(ctx context.Context, unreadOnly bool, p pagination.Request) (pagination.Page[*Notification], error) {
	var page pagination.Page[*Notification]
	own, ownArgs, err := ownInbox(ctx, "n.")
	if err != nil {
		return page, err
	}
	limit, err := p.Limit()
	if err != nil {
		return page, err
	}
	cur, hasCur, err := p.Cursor()
	if err != nil {
		return page, err
	}
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		mine := func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Where(own, ownArgs...)
			if unreadOnly {
				q = q.Where("n.read_at IS NULL")
			}
			return q
		}
		total, err := mine(idb.NewSelect().Model((*Notification)(nil))).Count(ctx)
		if err != nil {
			return err
		}
		page.TotalCount = int(total)
		if limit == 0 {
			return nil
		}
		q := mine(idb.NewSelect().Model(&page.Items))
		if hasCur {
			q = q.Where("n.id < ?", cur.ID)
		}
		return q.OrderExpr("n.id DESC").Limit(int64(limit + 1)).Scan(ctx)
	})
	if err != nil {
		return page, fmt.Errorf("read inbox: %w", err)
	}
	page.Items, page.HasNextPage = pagination.Trim(page.Items, limit)
	return page, nil
}

// UnreadCount is the number of unread notifications of the signed-in user.
func (s *Service) UnreadCount(ctx context.Context) (int, error) {
	own, ownArgs, err := ownInbox(ctx, "n.")
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		n, err = idb.NewSelect().Model((*Notification)(nil)).
			Where(own, ownArgs...).Where("n.read_at IS NULL").Count(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return int(n), nil
}

// MarkRead marks the signed-in user's notifications ids read and returns how
// many were unread. An id that is not the user's own is NOT_FOUND, and then
// nothing is marked.
func (s *Service) MarkRead(ctx context.Context, ids []int64) (int, error) {
	own, ownArgs, err := ownInbox(ctx, "")
	if err != nil {
		return 0, err
	}
	ids = uniq(ids)
	if len(ids) == 0 {
		return 0, nil
	}
	if len(ids) > pagination.MaxFirst {
		return 0, apperr.Invalid("ids", "一次最多标记 100 条消息")
	}
	var marked int
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		found, err := tx.NewSelect().Table("notifications").
			Where("id IN (?)", bun.In(ids)).Where(own, ownArgs...).Count(ctx)
		if err != nil {
			return fmt.Errorf("check notifications: %w", err)
		}
		if found != int64(len(ids)) {
			return apperr.ErrNotFound
		}
		res, err := tx.NewUpdate().Table("notifications").Set("read_at = ?", s.now()).
			Where("id IN (?)", bun.In(ids)).Where(own, ownArgs...).Where("read_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark notifications read: %w", err)
		}
		n, _ := res.RowsAffected()
		marked = int(n)
		return nil
	})
	return marked, err
}

// MarkAllRead marks every unread notification of the signed-in user read and
// returns how many there were.
func (s *Service) MarkAllRead(ctx context.Context) (int, error) {
	own, ownArgs, err := ownInbox(ctx, "")
	if err != nil {
		return 0, err
	}
	var marked int
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("notifications").Set("read_at = ?", s.now()).
			Where(own, ownArgs...).Where("read_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark all notifications read: %w", err)
		}
		n, _ := res.RowsAffected()
		marked = int(n)
		return nil
	})
	return marked, err
}

// Prefs returns the signed-in user's channel preferences (defaults when unset).
func (s *Service) Prefs(ctx context.Context) (*Prefs, error) {
	a, err := townUser(ctx)
	if err != nil {
		return nil, err
	}
	var p *Prefs
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		p, err = loadPrefs(ctx, idb, a)
		return err
	})
	return p, err
}

func loadPrefs(ctx context.Context, idb bun.IDB, a actor.Actor) (*Prefs, error) {
	p := new(Prefs)
	err := idb.NewSelect().Model(p).Where("np.user_id = ?", a.UserID).Where("np.tenant_id = ?", a.TenantID).Scan(ctx)
	if err == nil {
		return p, nil
	}
	if isNoRows(err) {
		tid := a.TenantID
		return &Prefs{UserID: a.UserID, TenantID: &tid, WebhookEnabled: true}, nil
	}
	return nil, fmt.Errorf("load notification preferences: %w", err)
}

// PrefsInput changes preferences; nil fields stay as they are.
type PrefsInput struct {
	Email          *string
	EmailEnabled   *bool
	WebhookEnabled *bool
}

// UpdatePrefs changes the signed-in user's preferences. The e-mail address
// must be a plain address; e-mail cannot be enabled without one.
func (s *Service) UpdatePrefs(ctx context.Context, in PrefsInput) (*Prefs, error) {
	a, err := townUser(ctx)
	if err != nil {
		return nil, err
	}
	var out *Prefs
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p, err := loadPrefs(ctx, tx, a)
		if err != nil {
			return err
		}
		before := *p
		if in.Email != nil {
			email, err := cleanEmail(*in.Email)
			if err != nil {
				return err
			}
			p.Email = email
		}
		if in.EmailEnabled != nil {
			p.EmailEnabled = *in.EmailEnabled
		}
		if in.WebhookEnabled != nil {
			p.WebhookEnabled = *in.WebhookEnabled
		}
		if p.EmailEnabled && p.Email == "" {
			return apperr.Invalid("email", "开启邮件提醒前请先填写邮箱地址")
		}
		p.UpdatedAt = s.now()
		if _, err := tx.NewInsert().Model(p).
			On("CONFLICT (user_id) DO UPDATE").
			Set("email = EXCLUDED.email").Set("email_enabled = EXCLUDED.email_enabled").
			Set("webhook_enabled = EXCLUDED.webhook_enabled").Set("updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return fmt.Errorf("save notification preferences: %w", err)
		}
		out = p
		return audit.Record(ctx, tx, audit.Change{TenantID: a.TenantID, Action: "remind.prefs_update",
			EntityType: "notification_prefs", EntityID: a.UserID, Before: before, After: p})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// cleanEmail validates an e-mail address ("" clears it).
func cleanEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" || len(s) > 254 || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return "", apperr.Invalid("email", "邮箱地址格式不正确")
	}
	return s, nil
}

// ReminderState is one reminder of an instance with its deliveries, for the
// task page to show what went out and what failed.
type ReminderState struct {
	Reminder      *Reminder   `json:"reminder"`
	RecipientName string      `json:"recipientName"`
	Deliveries    []*Delivery `json:"deliveries"`
}

// ReminderStatus lists the reminders of a task instance with their
// deliveries (status, attempts, last error), oldest first. It needs
// task.read on the instance's org; another town's instance, or one the user
// may not read, is NOT_FOUND.
func (s *Service) ReminderStatus(ctx context.Context, instanceID int64) ([]*ReminderState, error) {
	if _, err := actor.Require(ctx); err != nil {
		return nil, err
	}
	filter, args, err := actor.ScopeOf(ctx).Filter("ti.tenant_id")
	if err != nil {
		return nil, err
	}
	var inst struct {
		TenantID int64  `bun:"tenant_id"`
		Path     string `bun:"path"`
	}
	var reminders []*Reminder
	var deliveries []*Delivery
	names := map[int64]string{}
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		err := idb.NewSelect().TableExpr("task_instances AS ti").ColumnExpr("ti.tenant_id, o.path").
			Join("JOIN organizations AS o ON o.id = ti.org_id").
			Where("ti.id = ?", instanceID).Where(filter, args...).Scan(ctx, &inst)
		if isNoRows(err) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("load task instance: %w", err)
		}
		if err := s.authz.Check(ctx, actionTaskRead, target(inst.TenantID, inst.Path)); err != nil {
			return apperr.ErrNotFound
		}
		if err := idb.NewSelect().Model(&reminders).Where("r.instance_id = ?", instanceID).
			Where("r.tenant_id = ?", inst.TenantID).OrderExpr("r.send_after, r.id").Scan(ctx); err != nil {
			return fmt.Errorf("load reminders: %w", err)
		}
		if len(reminders) == 0 {
			return nil
		}
		ids := make([]int64, len(reminders))
		users := make([]int64, len(reminders))
		for i, r := range reminders {
			ids[i], users[i] = r.ID, r.RecipientUserID
		}
		if err := idb.NewSelect().Model(&deliveries).Where("rd.reminder_id IN (?)", bun.In(ids)).
			OrderExpr("rd.id").Scan(ctx); err != nil {
			return fmt.Errorf("load deliveries: %w", err)
		}
		var us []struct {
			ID          int64  `bun:"id"`
			Username    string `bun:"username"`
			DisplayName string `bun:"display_name"`
		}
		if err := idb.NewSelect().Table("users").Column("id", "username", "display_name").
			Where("id IN (?)", bun.In(uniq(users))).Scan(ctx, &us); err != nil {
			return fmt.Errorf("load recipients: %w", err)
		}
		for _, u := range us {
			names[u.ID] = u.DisplayName
			if u.DisplayName == "" {
				names[u.ID] = u.Username
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byReminder := map[int64][]*Delivery{}
	for _, d := range deliveries {
		byReminder[d.ReminderID] = append(byReminder[d.ReminderID], d)
	}
	out := make([]*ReminderState, len(reminders))
	for i, r := range reminders {
		out[i] = &ReminderState{Reminder: r, RecipientName: names[r.RecipientUserID], Deliveries: byReminder[r.ID]}
	}
	return out, nil
}
