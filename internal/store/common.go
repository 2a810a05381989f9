package store

import (
	"context"
	"database/sql"
)

// Common implements the parts of Store whose SQL is the same on both engines; each engine
// embeds it next to its own Open, Migrate and bulk loading.
type Common struct{ SQL *sql.DB }

// KPIDefinitions implements Store.
func (c Common) KPIDefinitions(ctx context.Context, tenant string) ([]KPIDefinition, error) {
	return KPIDefinitions(ctx, c.SQL, tenant)
}

// PutKPIDefinitions implements Store.
func (c Common) PutKPIDefinitions(ctx context.Context, tenant string, defs []KPIDefinition) error {
	return PutKPIDefinitions(ctx, c.SQL, tenant, defs)
}

// DeleteKPIDefinition implements Store.
func (c Common) DeleteKPIDefinition(ctx context.Context, tenant, id string) error {
	return DeleteKPIDefinition(ctx, c.SQL, tenant, id)
}

// AddTargets implements Store.
func (c Common) AddTargets(ctx context.Context, tenant string, rows []TargetRow) error {
	return AddTargets(ctx, c.SQL, tenant, rows)
}

// Targets implements Store.
func (c Common) Targets(ctx context.Context, tenant string) ([]TargetRow, error) {
	return Targets(ctx, c.SQL, tenant)
}

// Setting implements Store.
func (c Common) Setting(ctx context.Context, tenant, name string) (string, error) {
	return Setting(ctx, c.SQL, tenant, name)
}

// PutSetting implements Store.
func (c Common) PutSetting(ctx context.Context, tenant, name, body, by string) error {
	return PutSetting(ctx, c.SQL, tenant, name, body, by)
}

// Alerts implements Store.
func (c Common) Alerts(ctx context.Context, tenant string, states ...string) ([]AlertRow, error) {
	return Alerts(ctx, c.SQL, tenant, states...)
}

// SaveAlerts implements Store.
func (c Common) SaveAlerts(ctx context.Context, tenant string, save []AlertRow, drop []string) error {
	return SaveAlerts(ctx, c.SQL, tenant, save, drop)
}

// TenantSecret implements Store.
func (c Common) TenantSecret(ctx context.Context, tenant string) ([]byte, error) {
	return TenantSecret(ctx, c.SQL, tenant)
}

// Tenants lists every tenant that has a key (that has ever imported or been set up).
func (c Common) Tenants(ctx context.Context) ([]string, error) {
	return c.strings(ctx, `SELECT tenant_id FROM tenants ORDER BY tenant_id`)
}

// Countries lists the countries a tenant has orders in.
func (c Common) Countries(ctx context.Context, tenant string) ([]string, error) {
	return c.strings(ctx, `SELECT DISTINCT country FROM orders WHERE tenant_id = $1 ORDER BY country`, tenant)
}

// strings runs a query of one text column.
func (c Common) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := c.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
