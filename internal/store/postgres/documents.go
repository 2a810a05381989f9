package postgres

import (
	"context"

	"pulso/internal/store"
)

// KPIDefinitions implements store.Store.
func (d *DB) KPIDefinitions(ctx context.Context, tenant string) ([]store.KPIDefinition, error) {
	return store.KPIDefinitions(ctx, d.db, tenant)
}

// PutKPIDefinitions implements store.Store.
func (d *DB) PutKPIDefinitions(ctx context.Context, tenant string, defs []store.KPIDefinition) error {
	return store.PutKPIDefinitions(ctx, d.db, tenant, defs)
}

// DeleteKPIDefinition implements store.Store.
func (d *DB) DeleteKPIDefinition(ctx context.Context, tenant, id string) error {
	return store.DeleteKPIDefinition(ctx, d.db, tenant, id)
}

// AddTargets implements store.Store.
func (d *DB) AddTargets(ctx context.Context, tenant string, rows []store.TargetRow) error {
	return store.AddTargets(ctx, d.db, tenant, rows)
}

// Targets implements store.Store.
func (d *DB) Targets(ctx context.Context, tenant string) ([]store.TargetRow, error) {
	return store.Targets(ctx, d.db, tenant)
}

// Setting implements store.Store.
func (d *DB) Setting(ctx context.Context, tenant, name string) (string, error) {
	return store.Setting(ctx, d.db, tenant, name)
}

// PutSetting implements store.Store.
func (d *DB) PutSetting(ctx context.Context, tenant, name, body, by string) error {
	return store.PutSetting(ctx, d.db, tenant, name, body, by)
}

// Alerts implements store.Store.
func (d *DB) Alerts(ctx context.Context, tenant string, states ...string) ([]store.AlertRow, error) {
	return store.Alerts(ctx, d.db, tenant, states...)
}

// SaveAlerts implements store.Store.
func (d *DB) SaveAlerts(ctx context.Context, tenant string, save []store.AlertRow, drop []string) error {
	return store.SaveAlerts(ctx, d.db, tenant, save, drop)
}
