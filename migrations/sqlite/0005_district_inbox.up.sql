-- District inbox: a district user (users.tenant_id NULL) receives notifications
-- too, such as the district's periodic summaries. Such a row has tenant_id NULL
-- and district_id set; a town's rows keep tenant_id set and district_id NULL.
-- SQLite cannot drop NOT NULL, so the table is rebuilt with the same columns,
-- tenant_id nullable and district_id added, and its indexes are recreated.
-- SQLite has no row-level security: the store layer's tenant filter is the isolation there.

CREATE TABLE notifications_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT REFERENCES tenants(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    reminder_id  BIGINT REFERENCES reminders(id),
    instance_id  BIGINT REFERENCES task_instances(id),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    link         TEXT NOT NULL DEFAULT '',
    read_at      TIMESTAMP,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    district_id  BIGINT REFERENCES districts(id)
);

INSERT INTO notifications_new (id, tenant_id, user_id, reminder_id, instance_id, title, body, link, read_at, created_at)
    SELECT id, tenant_id, user_id, reminder_id, instance_id, title, body, link, read_at, created_at FROM notifications;

DROP TABLE notifications;

ALTER TABLE notifications_new RENAME TO notifications;

CREATE UNIQUE INDEX notifications_reminder_uq ON notifications (reminder_id) WHERE reminder_id IS NOT NULL;

CREATE INDEX notifications_user_idx ON notifications (user_id, id);
