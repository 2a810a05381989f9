-- +goose Up
-- Per-tenant secrets: the key of buyer_ref pseudonymisation, generated on first use.
CREATE TABLE tenants (
    tenant_id VARCHAR NOT NULL PRIMARY KEY,
    secret VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- One row per applied batch: what `pulso sources` and data freshness read.
CREATE TABLE imports (
    tenant_id VARCHAR NOT NULL,
    import_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    rows_read BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    rejected BIGINT NOT NULL
);

-- +goose Down
DROP TABLE imports;
DROP TABLE tenants;
