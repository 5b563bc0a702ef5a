-- Rebuilds notifications as 0003 made it. District notifications cannot exist
-- without a tenant: they are not copied.

CREATE TABLE notifications_old (
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

INSERT INTO notifications_old (id, tenant_id, user_id, reminder_id, instance_id, title, body, link, read_at, created_at)
    SELECT id, tenant_id, user_id, reminder_id, instance_id, title, body, link, read_at, created_at
    FROM notifications WHERE tenant_id IS NOT NULL;

DROP TABLE notifications;

ALTER TABLE notifications_old RENAME TO notifications;

CREATE UNIQUE INDEX notifications_reminder_uq ON notifications (reminder_id) WHERE reminder_id IS NOT NULL;

CREATE INDEX notifications_user_idx ON notifications (user_id, id);
