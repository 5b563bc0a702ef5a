-- Foundation: districts, towns (tenants), the org tree, people, users, roles, sign-in, audit.
-- SQLite has no row-level security: the store layer's tenant filter is the isolation there.

CREATE TABLE districts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    district_id BIGINT NOT NULL REFERENCES districts(id),
    name        TEXT NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    timezone    TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX tenants_district_idx ON tenants (district_id);

CREATE TABLE organizations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
    parent_id    BIGINT REFERENCES organizations(id),
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    path         TEXT NOT NULL,
    depth        INTEGER NOT NULL,
    sort_order   INTEGER NOT NULL DEFAULT 0,
    dissolved_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX organizations_tenant_path_idx ON organizations (tenant_id, path);

CREATE INDEX organizations_parent_idx ON organizations (parent_id);

CREATE TABLE persons (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id          BIGINT NOT NULL REFERENCES tenants(id),
    org_id             BIGINT NOT NULL REFERENCES organizations(id),
    name               TEXT NOT NULL,
    gender             TEXT NOT NULL DEFAULT '',
    birth_date         TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',
    is_member          BOOLEAN NOT NULL DEFAULT false,
    member_status      TEXT NOT NULL DEFAULT '',
    join_date          TEXT NOT NULL DEFAULT '',
    duties             TEXT NOT NULL DEFAULT '',
    is_community_cadre BOOLEAN NOT NULL DEFAULT false,
    is_league_member   BOOLEAN NOT NULL DEFAULT false,
    is_volunteer       BOOLEAN NOT NULL DEFAULT false,
    is_in_service      BOOLEAN NOT NULL DEFAULT false,
    work_unit          TEXT NOT NULL DEFAULT '',
    removed_at         TIMESTAMP,
    created_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX persons_tenant_org_idx ON persons (tenant_id, org_id);

CREATE TABLE users (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id         BIGINT REFERENCES tenants(id),
    district_id       BIGINT REFERENCES districts(id),
    username          TEXT NOT NULL UNIQUE,
    display_name      TEXT NOT NULL DEFAULT '',
    password_hash     TEXT NOT NULL,
    person_id         BIGINT REFERENCES persons(id),
    is_platform_admin BOOLEAN NOT NULL DEFAULT false,
    token_version     INTEGER NOT NULL DEFAULT 0,
    disabled_at       TIMESTAMP,
    created_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX users_tenant_idx ON users (tenant_id);

CREATE TABLE role_assignments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT REFERENCES tenants(id),
    district_id BIGINT REFERENCES districts(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    role        TEXT NOT NULL,
    org_id      BIGINT REFERENCES organizations(id),
    scope_key   TEXT NOT NULL,
    created_by  BIGINT,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (user_id, role, scope_key)
);

CREATE INDEX role_assignments_tenant_idx ON role_assignments (tenant_id);

CREATE TABLE refresh_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    token_hash  TEXT NOT NULL UNIQUE,
    family_id   TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE login_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    username    TEXT NOT NULL,
    user_id     BIGINT,
    succeeded   BOOLEAN NOT NULL,
    remote_addr TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX login_attempts_username_idx ON login_attempts (username, created_at);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      BIGINT REFERENCES tenants(id),
    district_id    BIGINT REFERENCES districts(id),
    actor_user_id  BIGINT,
    actor_username TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    entity_type    TEXT NOT NULL,
    entity_id      BIGINT,
    before_json    TEXT NOT NULL DEFAULT '',
    after_json     TEXT NOT NULL DEFAULT '',
    request_id     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, id);

CREATE TABLE authz_state (
    id      INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);

INSERT INTO authz_state (id, version) VALUES (1, 1);
