-- Regular party affairs (有规律性开展党务工作): task templates, per-period task
-- instances, activity records (纪实) that complete them, reviews, deployments (部署).
-- SQLite has no row-level security: the store layer's tenant filter is the isolation there.

CREATE TABLE task_templates (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id            BIGINT REFERENCES tenants(id),
    district_id          BIGINT NOT NULL REFERENCES districts(id),
    code                 TEXT NOT NULL DEFAULT '',
    name                 TEXT NOT NULL,
    category             TEXT NOT NULL,
    org_kinds            TEXT NOT NULL,
    cadence              TEXT NOT NULL,
    due_days_before_end  INTEGER NOT NULL DEFAULT 0,
    evidence             TEXT NOT NULL DEFAULT '',
    remind_days_before   TEXT NOT NULL DEFAULT '7,3,1',
    overdue_every_days   INTEGER NOT NULL DEFAULT 3,
    escalate_after_days  INTEGER NOT NULL DEFAULT 7,
    active               BOOLEAN NOT NULL DEFAULT true,
    created_at           TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at           TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX task_templates_district_idx ON task_templates (district_id, tenant_id);

CREATE TABLE template_settings (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id            BIGINT NOT NULL REFERENCES tenants(id),
    template_id          BIGINT NOT NULL REFERENCES task_templates(id),
    enabled              BOOLEAN NOT NULL DEFAULT true,
    due_days_before_end  INTEGER,
    remind_days_before   TEXT,
    updated_at           TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (tenant_id, template_id)
);

CREATE TABLE deployments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id         BIGINT NOT NULL REFERENCES tenants(id),
    issuer_org_id     BIGINT NOT NULL REFERENCES organizations(id),
    title             TEXT NOT NULL,
    content           TEXT NOT NULL DEFAULT '',
    deadline          TIMESTAMP NOT NULL,
    target_root_id    BIGINT NOT NULL REFERENCES organizations(id),
    target_kinds      TEXT NOT NULL DEFAULT '',
    created_by        BIGINT,
    created_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX deployments_tenant_idx ON deployments (tenant_id, id);

CREATE TABLE task_instances (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      BIGINT NOT NULL REFERENCES tenants(id),
    template_id    BIGINT REFERENCES task_templates(id),
    deployment_id  BIGINT REFERENCES deployments(id),
    org_id         BIGINT NOT NULL REFERENCES organizations(id),
    period         TEXT NOT NULL,
    title          TEXT NOT NULL,
    due_at         TIMESTAMP NOT NULL,
    status         TEXT NOT NULL DEFAULT 'PENDING',
    submitted_at   TIMESTAMP,
    completed_at   TIMESTAMP,
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE UNIQUE INDEX task_instances_template_uq ON task_instances (template_id, org_id, period) WHERE template_id IS NOT NULL;

CREATE UNIQUE INDEX task_instances_deployment_uq ON task_instances (deployment_id, org_id) WHERE deployment_id IS NOT NULL;

CREATE INDEX task_instances_tenant_org_idx ON task_instances (tenant_id, org_id, period);

CREATE INDEX task_instances_due_idx ON task_instances (status, due_at);

CREATE TABLE activity_records (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       BIGINT NOT NULL REFERENCES tenants(id),
    org_id          BIGINT NOT NULL REFERENCES organizations(id),
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    start_at        TIMESTAMP NOT NULL,
    end_at          TIMESTAMP NOT NULL,
    place           TEXT NOT NULL DEFAULT '',
    host_person_id  BIGINT REFERENCES persons(id),
    content         TEXT NOT NULL DEFAULT '',
    minutes         TEXT NOT NULL DEFAULT '',
    late            BOOLEAN NOT NULL DEFAULT false,
    created_by      BIGINT,
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX activity_records_tenant_org_idx ON activity_records (tenant_id, org_id, start_at);

CREATE TABLE record_instances (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
    record_id    BIGINT NOT NULL REFERENCES activity_records(id),
    instance_id  BIGINT NOT NULL REFERENCES task_instances(id),
    PRIMARY KEY (record_id, instance_id)
);

CREATE INDEX record_instances_instance_idx ON record_instances (instance_id);

CREATE TABLE record_attendance (
    tenant_id       BIGINT NOT NULL REFERENCES tenants(id),
    record_id       BIGINT NOT NULL REFERENCES activity_records(id),
    person_id       BIGINT NOT NULL REFERENCES persons(id),
    present         BOOLEAN NOT NULL,
    absence_reason  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (record_id, person_id)
);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id),
    record_id     BIGINT REFERENCES activity_records(id),
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    storage_key   TEXT NOT NULL,
    created_by    BIGINT,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX attachments_record_idx ON attachments (record_id);

CREATE TABLE task_reviews (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      BIGINT NOT NULL REFERENCES tenants(id),
    instance_id    BIGINT NOT NULL REFERENCES task_instances(id),
    action         TEXT NOT NULL,
    comment        TEXT NOT NULL DEFAULT '',
    record_id      BIGINT REFERENCES activity_records(id),
    actor_user_id  BIGINT,
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX task_reviews_instance_idx ON task_reviews (instance_id, id);
