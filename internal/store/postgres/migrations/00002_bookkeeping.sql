-- +goose Up
-- Per-tenant secrets: the key of buyer_ref pseudonymisation, generated on first use.
CREATE TABLE tenants (
    tenant_id TEXT NOT NULL PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- One row per applied batch: what `pulso sources` and data freshness read.
CREATE TABLE imports (
    tenant_id TEXT NOT NULL,
    import_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    file TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    rows_read BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, import_id)
);
CREATE INDEX imports_tenant_kind_source_finished_idx ON imports (tenant_id, kind, source, finished_at);

-- +goose Down
DROP TABLE imports;
DROP TABLE tenants;
