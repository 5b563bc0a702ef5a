-- District inbox: a district user (users.tenant_id NULL) receives notifications
-- too, such as the district's periodic summaries. Such a row has tenant_id NULL
-- and district_id set; a town's rows keep tenant_id set and district_id NULL.

ALTER TABLE notifications ALTER COLUMN tenant_id DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN district_id BIGINT REFERENCES districts(id);

-- tenant_rw (from 0003) still governs the towns' rows; a district's rows are
-- read and written in the district's own scope only.
CREATE POLICY district_rows ON notifications
    USING (tenant_id IS NULL AND district_id = dj_district())
    WITH CHECK (tenant_id IS NULL AND district_id = dj_district());
