-- +goose Up
-- Daily KPI rollups (package metric, rollup.go): the additive parts of KPI measures per local
-- day, kept up to date by every import inside its transaction. Raw records stay the truth;
-- the KPI engine reads a measure here only when rollup_measures lists it for the tenant.

-- The measures materialised per tenant: measure is a 64-bit id of the signature.
CREATE TABLE rollup_measures (
    tenant_id TEXT NOT NULL,
    measure BIGINT NOT NULL,
    kind TEXT NOT NULL,
    signature TEXT NOT NULL,
    built_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, measure)
);

-- Per tenant × measure × local day × country, platform, store, category × currency: the sum
-- (or count) v and, for averages, the count n. Columns a kind lacks are NULL.
CREATE TABLE rollups (
    tenant_id TEXT NOT NULL,
    measure BIGINT NOT NULL,
    day DATE NOT NULL,
    country TEXT,
    platform TEXT,
    store TEXT,
    category TEXT,
    currency TEXT,
    v DOUBLE PRECISION NOT NULL,
    n DOUBLE PRECISION NOT NULL
);

CREATE INDEX rollups_day ON rollups (tenant_id, measure, day);

-- The first record ever of every key of a first_per measure (e.g. a buyer's first order):
-- its day and dimensions. New keys per day are counted from it into rollups.
CREATE TABLE rollup_firsts (
    tenant_id TEXT NOT NULL,
    measure BIGINT NOT NULL,
    key_text TEXT NOT NULL,
    day DATE NOT NULL,
    country TEXT,
    platform TEXT,
    store TEXT,
    category TEXT
);

CREATE INDEX rollup_firsts_key ON rollup_firsts (tenant_id, measure, key_text);
CREATE INDEX rollup_firsts_day ON rollup_firsts (tenant_id, measure, day);

-- +goose Down
DROP TABLE rollup_firsts;
DROP TABLE rollups;
DROP TABLE rollup_measures;
