-- +goose Up
-- KPI targets: one row per version. A version judges periods from effective_from on; a row
-- with a NULL value retires the scope's target. Scope columns are NULL where not named.
CREATE TABLE targets (
    tenant_id VARCHAR NOT NULL,
    target_id VARCHAR NOT NULL,
    kpi_id VARCHAR NOT NULL,
    country VARCHAR,
    platform VARCHAR,
    store VARCHAR,
    category VARCHAR,
    warehouse VARCHAR,
    carrier VARCHAR,
    event VARCHAR,
    value DOUBLE,
    yellow DOUBLE NOT NULL,
    effective_from DATE NOT NULL,
    source VARCHAR NOT NULL,
    note VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by VARCHAR NOT NULL,
    PRIMARY KEY (tenant_id, target_id)
);

-- +goose Down
DROP TABLE targets;
