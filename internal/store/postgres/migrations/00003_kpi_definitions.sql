-- +goose Up
-- A tenant's own KPIs, as the YAML the seller wrote (docs/kpi-definitions.md).
CREATE TABLE kpi_definitions (
    tenant_id TEXT NOT NULL,
    kpi_id TEXT NOT NULL,
    definition TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, kpi_id)
);

-- +goose Down
DROP TABLE kpi_definitions;
