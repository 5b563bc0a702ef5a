-- District notifications cannot exist without a tenant: they go with the
-- column. The delete runs as the system so that row-level security (forced on
-- the table, also for its owner) lets it see them.
SELECT set_config('dj.system', 'on', true);
DELETE FROM notifications WHERE tenant_id IS NULL;
DROP POLICY IF EXISTS district_rows ON notifications;
ALTER TABLE notifications DROP COLUMN district_id;
ALTER TABLE notifications ALTER COLUMN tenant_id SET NOT NULL;
