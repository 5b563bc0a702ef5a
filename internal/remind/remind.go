// Package remind tells the responsible people of each party organisation in
// time what they must do (到期提醒): before-due, due-day and overdue
// reminders about open task instances, escalation (督办) to the upper org and
// the town office when a task stays overdue, delivered over the in-app inbox
// (always), e-mail and webhooks (generic JSON, DingTalk and WeCom robots).
//
// The database is the source of truth. Scan derives the reminders that are
// due from the task instances (one row per instance, kind, offset and
// recipient) and their deliveries (one row per channel and target), and
// enqueues a task per due e-mail or webhook delivery, and per range of due
// inbox deliveries, under a deterministic id; Deliver and DeliverInbox claim
// the delivery rows with a conditional UPDATE before sending, so a delivery
// already sent is never sent again, whatever the queue does. Scan is also the
// reconcile job: it re-enqueues every due delivery that is not yet done, so
// losing Redis loses nothing.
//
// Everything here runs on SQLite and PostgreSQL alike: inserts use the
// portable ON CONFLICT DO NOTHING and times are compared as UTC.
package remind

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Kind is why a reminder goes out.
type Kind string

// Kinds of reminder.
const (
	KindBeforeDue  Kind = "BEFORE_DUE" // 到期前提醒
	KindDue        Kind = "DUE"        // 到期当天提醒
	KindOverdue    Kind = "OVERDUE"    // 逾期提醒
	KindEscalation Kind = "ESCALATION" // 逾期督办（通知上级党组织书记和党建办）
)

// Channel is how a reminder reaches a person.
type Channel string

// Channels.
const (
	ChannelInbox   Channel = "INBOX"   // 站内消息
	ChannelEmail   Channel = "EMAIL"   // 电子邮件
	ChannelWebhook Channel = "WEBHOOK" // 群机器人 / Webhook
	// ChannelSMS is reserved: SMSSender describes the adapter, but no sender
	// is wired yet, so Scan never creates SMS deliveries.
	ChannelSMS Channel = "SMS" // 短信
)

// Status is where a reminder or one of its deliveries stands.
type Status string

// Statuses of reminders and deliveries.
const (
	StatusPending   Status = "PENDING"   // 待发送（含退避重试中）
	StatusSent      Status = "SENT"      // 已发送
	StatusFailed    Status = "FAILED"    // 多次重试后仍失败
	StatusSkipped   Status = "SKIPPED"   // 渠道未启用，未发送
	StatusCancelled Status = "CANCELLED" // 任务已提交或完成，不再提醒
)

// Format is the message format a webhook endpoint expects.
type Format string

// Webhook formats.
const (
	FormatGeneric  Format = "GENERIC"  // 通用 JSON
	FormatDingTalk Format = "DINGTALK" // 钉钉群机器人
	FormatWeCom    Format = "WECOM"    // 企业微信群机器人
)

// Valid reports whether f is a known format.
func (f Format) Valid() bool {
	return f == FormatGeneric || f == FormatDingTalk || f == FormatWeCom
}

// Reminder is one reminder about one task instance for one person.
type Reminder struct {
	bun.BaseModel `bun:"table:reminders,alias:r"`

	ID         int64 `bun:"id,pk,autoincrement" json:"id"`
	TenantID   int64 `bun:"tenant_id" json:"tenantId"`
	InstanceID int64 `bun:"instance_id" json:"instanceId"`
	Kind       Kind  `bun:"kind" json:"kind"`
	// OffsetDays is N days before the due day (BEFORE_DUE), 0 (DUE), or the
	// days overdue (OVERDUE, ESCALATION).
	OffsetDays      int        `bun:"offset_days" json:"offsetDays"`
	RecipientUserID int64      `bun:"recipient_user_id" json:"recipientUserId"`
	SendAfter       time.Time  `bun:"send_after" json:"sendAfter"`
	Status          Status     `bun:"status" json:"status"`
	LastError       string     `bun:"last_error" json:"lastError"`
	SentAt          *time.Time `bun:"sent_at" json:"sentAt,omitempty"`
	CreatedAt       time.Time  `bun:"created_at" json:"createdAt"`
}

// Delivery is one attempt series of a reminder over one channel and target
// (the e-mail address, or the webhook endpoint id).
type Delivery struct {
	bun.BaseModel `bun:"table:reminder_deliveries,alias:rd"`

	ID            int64      `bun:"id,pk,autoincrement" json:"id"`
	TenantID      int64      `bun:"tenant_id" json:"tenantId"`
	ReminderID    int64      `bun:"reminder_id" json:"reminderId"`
	Channel       Channel    `bun:"channel" json:"channel"`
	Target        string     `bun:"target" json:"target"`
	Status        Status     `bun:"status" json:"status"`
	Attempts      int        `bun:"attempts" json:"attempts"`
	LastError     string     `bun:"last_error" json:"lastError"`
	NextAttemptAt time.Time  `bun:"next_attempt_at" json:"nextAttemptAt"`
	DeliveredAt   *time.Time `bun:"delivered_at" json:"deliveredAt,omitempty"`
	CreatedAt     time.Time  `bun:"created_at" json:"createdAt"`
}

// Notification is a message in a user's in-app inbox (站内消息).
type Notification struct {
	bun.BaseModel `bun:"table:notifications,alias:n"`

	ID         int64      `bun:"id,pk,autoincrement" json:"id"`
	TenantID   int64      `bun:"tenant_id" json:"tenantId"`
	UserID     int64      `bun:"user_id" json:"userId"`
	ReminderID *int64     `bun:"reminder_id" json:"reminderId,omitempty"`
	InstanceID *int64     `bun:"instance_id" json:"instanceId,omitempty"`
	Title      string     `bun:"title" json:"title"`
	Body       string     `bun:"body" json:"body"`
	Link       string     `bun:"link" json:"link"`
	ReadAt     *time.Time `bun:"read_at" json:"readAt,omitempty"`
	CreatedAt  time.Time  `bun:"created_at" json:"createdAt"`
}

// Prefs are a user's channel preferences. A user without a row gets the
// defaults: no e-mail, webhooks on.
type Prefs struct {
	bun.BaseModel `bun:"table:notification_prefs,alias:np"`

	UserID         int64     `bun:"user_id,pk" json:"userId"`
	TenantID       *int64    `bun:"tenant_id" json:"tenantId,omitempty"`
	Email          string    `bun:"email" json:"email"`
	EmailEnabled   bool      `bun:"email_enabled" json:"emailEnabled"`
	WebhookEnabled bool      `bun:"webhook_enabled" json:"webhookEnabled"`
	UpdatedAt      time.Time `bun:"updated_at" json:"updatedAt"`
}

// Webhook is a town's webhook endpoint (usually a DingTalk or WeCom group
// robot). With OrgID set it receives the reminders of that org's subtree only.
type Webhook struct {
	bun.BaseModel `bun:"table:webhook_endpoints,alias:we"`

	ID       int64  `bun:"id,pk,autoincrement" json:"id"`
	TenantID int64  `bun:"tenant_id" json:"tenantId"`
	OrgID    *int64 `bun:"org_id" json:"orgId,omitempty"`
	Name     string `bun:"name" json:"name"`
	URL      string `bun:"url" json:"url"`
	Format   Format `bun:"format" json:"format"`
	// Secret signs DingTalk messages; never returned to clients.
	Secret    string    `bun:"secret" json:"-"`
	Enabled   bool      `bun:"enabled" json:"enabled"`
	CreatedAt time.Time `bun:"created_at" json:"createdAt"`
}

// HasSecret reports whether a signing secret is set, for display.
func (w *Webhook) HasSecret() bool { return w.Secret != "" }

// SMSSender sends a text message to a mobile phone. It is the adapter
// interface for an SMS gateway (阿里云、腾讯云短信 …); none is wired yet, so
// the SMS channel stays off until the composition root provides one.
type SMSSender interface {
	SendSMS(ctx context.Context, phone, text string) error
}
