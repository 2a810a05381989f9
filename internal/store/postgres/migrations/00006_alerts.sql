-- +goose Up
-- Tenant settings documents (e.g. "alerting": channels, contacts, owners, rules, silences).
CREATE TABLE settings (
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- Alerts: one row per alert instance; a resolved alert that breaches again starts a new row.
-- body is the alert as JSON; the columns beside it are what is filtered on.
CREATE TABLE alerts (
    tenant_id TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    kpi_id TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, alert_id)
);

CREATE INDEX alerts_open ON alerts (tenant_id, state, fingerprint);

-- +goose Down
DROP TABLE alerts;
DROP TABLE settings;
