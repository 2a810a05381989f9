-- +goose Up
-- Tenant settings documents (e.g. "alerting": channels, contacts, owners, rules, silences).
CREATE TABLE settings (
    tenant_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by VARCHAR NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- Alerts: one row per alert instance; a resolved alert that breaches again starts a new row.
-- body is the alert as JSON; the columns beside it are what is filtered on.
CREATE TABLE alerts (
    tenant_id VARCHAR NOT NULL,
    alert_id VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    kpi_id VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, alert_id)
);

-- +goose Down
DROP TABLE alerts;
DROP TABLE settings;
