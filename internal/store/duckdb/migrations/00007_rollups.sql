-- +goose Up
-- Daily KPI rollups (package metric, rollup.go): the additive parts of KPI measures per local
-- day, kept up to date by every import inside its transaction. Raw records stay the truth;
-- the KPI engine reads a measure here only when rollup_measures lists it for the tenant.

-- The measures materialised per tenant: measure is a 64-bit id of the signature.
CREATE TABLE rollup_measures (
    tenant_id VARCHAR NOT NULL,
    measure BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    signature VARCHAR NOT NULL,
    built_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, measure)
);

-- Per tenant × measure × local day × country, platform, store, category × currency: the sum
-- (or count) v and, for averages, the count n. Columns a kind lacks are NULL. No index: DuckDB
-- scans it by its zone maps.
CREATE TABLE rollups (
    tenant_id VARCHAR NOT NULL,
    measure BIGINT NOT NULL,
    day DATE NOT NULL,
    country VARCHAR,
    platform VARCHAR,
    store VARCHAR,
    category VARCHAR,
    currency VARCHAR,
    v DOUBLE NOT NULL,
    n DOUBLE NOT NULL
);

-- The first record ever of every key of a first_per measure (e.g. a buyer's first order):
-- its day and dimensions. New keys per day are counted from it into rollups.
CREATE TABLE rollup_firsts (
    tenant_id VARCHAR NOT NULL,
    measure BIGINT NOT NULL,
    key_text VARCHAR NOT NULL,
    day DATE NOT NULL,
    country VARCHAR,
    platform VARCHAR,
    store VARCHAR,
    category VARCHAR
);

-- +goose Down
DROP TABLE rollup_firsts;
DROP TABLE rollups;
DROP TABLE rollup_measures;
