-- Scores, comparisons and summaries: the district's scoring scheme per year
-- (versioned), score snapshots per organisation and period with their
-- breakdown, periodic summary documents and Excel exports.
-- SQLite has no row-level security: the store layer's tenant filter is the isolation there.

CREATE TABLE scoring_schemes (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    district_id       BIGINT NOT NULL REFERENCES districts(id),
    year              INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    name              TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'DRAFT',
    rollup_rule       TEXT NOT NULL DEFAULT 'MEAN',
    town_share        REAL NOT NULL DEFAULT 0.2,
    thresholds        TEXT NOT NULL DEFAULT '90,80,70,60',
    created_by        BIGINT,
    created_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    published_at      TIMESTAMP,
    UNIQUE (district_id, year, version)
);

CREATE TABLE scoring_indicators (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    scheme_id     BIGINT NOT NULL REFERENCES scoring_schemes(id),
    district_id   BIGINT NOT NULL REFERENCES districts(id),
    tenant_id     BIGINT REFERENCES tenants(id),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    weight        REAL NOT NULL,
    input         TEXT NOT NULL,
    rule          TEXT NOT NULL,
    params        TEXT NOT NULL DEFAULT '{}',
    sort_order    INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX scoring_indicators_scheme_idx ON scoring_indicators (scheme_id, tenant_id);

CREATE TABLE score_snapshots (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
    org_id       BIGINT NOT NULL REFERENCES organizations(id),
    period       TEXT NOT NULL,
    scheme_id    BIGINT NOT NULL REFERENCES scoring_schemes(id),
    own_score    REAL NOT NULL,
    total        REAL NOT NULL,
    stars        INTEGER NOT NULL,
    color        TEXT NOT NULL,
    member_count INTEGER NOT NULL DEFAULT 0,
    computed_at  TIMESTAMP NOT NULL,
    UNIQUE (org_id, period)
);

CREATE INDEX score_snapshots_tenant_period_idx ON score_snapshots (tenant_id, period);

CREATE TABLE score_items (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id),
    snapshot_id   BIGINT NOT NULL REFERENCES score_snapshots(id) ON DELETE CASCADE,
    indicator_id  BIGINT NOT NULL REFERENCES scoring_indicators(id),
    name          TEXT NOT NULL,
    weight        REAL NOT NULL,
    value         REAL NOT NULL,
    points        REAL NOT NULL,
    explanation   TEXT NOT NULL,
    evidence      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX score_items_snapshot_idx ON score_items (snapshot_id);

CREATE TABLE summaries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT REFERENCES tenants(id),
    district_id  BIGINT NOT NULL REFERENCES districts(id),
    scope_key    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    period       TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (scope_key, kind, period)
);

CREATE TABLE exports (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     BIGINT REFERENCES tenants(id),
    district_id   BIGINT NOT NULL REFERENCES districts(id),
    kind          TEXT NOT NULL,
    org_id        BIGINT REFERENCES organizations(id),
    period        TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'QUEUED',
    file_key      TEXT NOT NULL DEFAULT '',
    filename      TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    requested_by  BIGINT,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    finished_at   TIMESTAMP
);
