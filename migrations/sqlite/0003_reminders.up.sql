-- Reminders and notifications: each reminder is a row unique per (instance, kind,
-- offset, recipient), derived from the database; deliveries per channel record
-- attempts, so the rows, not the queue, decide what has been sent.
-- SQLite has no row-level security: the store layer's tenant filter is the isolation there.

ALTER TABLE tenants ADD COLUMN quiet_start TEXT NOT NULL DEFAULT '22:00';

ALTER TABLE tenants ADD COLUMN quiet_end TEXT NOT NULL DEFAULT '07:00';

CREATE TABLE reminders (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id          BIGINT NOT NULL REFERENCES tenants(id),
    instance_id        BIGINT NOT NULL REFERENCES task_instances(id),
    kind               TEXT NOT NULL,
    offset_days        INTEGER NOT NULL,
    recipient_user_id  BIGINT NOT NULL REFERENCES users(id),
    send_after         TIMESTAMP NOT NULL,
    status             TEXT NOT NULL DEFAULT 'PENDING',
    last_error         TEXT NOT NULL DEFAULT '',
    sent_at            TIMESTAMP,
    created_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (instance_id, kind, offset_days, recipient_user_id)
);

CREATE INDEX reminders_status_idx ON reminders (status, send_after);

CREATE TABLE reminder_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id        BIGINT NOT NULL REFERENCES tenants(id),
    reminder_id      BIGINT NOT NULL REFERENCES reminders(id),
    channel          TEXT NOT NULL,
    target           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'PENDING',
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    next_attempt_at  TIMESTAMP NOT NULL,
    delivered_at     TIMESTAMP,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (reminder_id, channel, target)
);

CREATE INDEX reminder_deliveries_due_idx ON reminder_deliveries (status, next_attempt_at);

CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    reminder_id  BIGINT REFERENCES reminders(id),
    instance_id  BIGINT REFERENCES task_instances(id),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    link         TEXT NOT NULL DEFAULT '',
    read_at      TIMESTAMP,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE UNIQUE INDEX notifications_reminder_uq ON notifications (reminder_id) WHERE reminder_id IS NOT NULL;

CREATE INDEX notifications_user_idx ON notifications (user_id, id);

CREATE TABLE notification_prefs (
    user_id          BIGINT PRIMARY KEY REFERENCES users(id),
    tenant_id        BIGINT REFERENCES tenants(id),
    email            TEXT NOT NULL DEFAULT '',
    email_enabled    BOOLEAN NOT NULL DEFAULT false,
    webhook_enabled  BOOLEAN NOT NULL DEFAULT true,
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id),
    org_id      BIGINT REFERENCES organizations(id),
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    format      TEXT NOT NULL,
    secret      TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT true,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id);
