DROP TABLE IF EXISTS webhook_endpoints;
DROP TABLE IF EXISTS notification_prefs;
DROP TABLE IF EXISTS notifications;
DROP TABLE IF EXISTS reminder_deliveries;
DROP TABLE IF EXISTS reminders;
ALTER TABLE tenants DROP COLUMN quiet_end;
ALTER TABLE tenants DROP COLUMN quiet_start;
