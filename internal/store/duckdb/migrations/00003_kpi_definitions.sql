-- +goose Up
-- A tenant's own KPIs, as the YAML the seller wrote (docs/kpi-definitions.md).
CREATE TABLE kpi_definitions (
    tenant_id VARCHAR NOT NULL,
    kpi_id VARCHAR NOT NULL,
    definition VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, kpi_id)
);

-- +goose Down
DROP TABLE kpi_definitions;
