package duckdb

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
