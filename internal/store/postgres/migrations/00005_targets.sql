-- +goose Up
-- KPI targets: one row per version. A version judges periods from effective_from on; a row
-- with a NULL value retires the scope's target. Scope columns are NULL where not named.
CREATE TABLE targets (
    tenant_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    kpi_id TEXT NOT NULL,
    country TEXT,
    platform TEXT,
    store TEXT,
    category TEXT,
    warehouse TEXT,
    carrier TEXT,
    event TEXT,
    value DOUBLE PRECISION,
    yellow DOUBLE PRECISION NOT NULL,
    effective_from DATE NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, target_id)
);

-- +goose Down
DROP TABLE targets;
