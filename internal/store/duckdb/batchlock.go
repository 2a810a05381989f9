package duckdb

import (
	"context"
	"database/sql"

	"pulso/internal/record"
	"pulso/internal/store"
)

// WithBatchLock implements store.Store.
func (d *DB) WithBatchLock(ctx context.Context, tenant string, kind *record.Kind, fn func(ctx context.Context, tx *sql.Tx) error) error {
	d.apply.Lock()
	defer d.apply.Unlock()
	return store.WithBatchLock(ctx, d.db, loader{}, tenant, kind, fn)
}

// WithBatchLocks implements store.Store.
func (d *DB) WithBatchLocks(ctx context.Context, tenant string, kinds []*record.Kind, fn func(ctx context.Context, tx *sql.Tx) error) error {
	d.apply.Lock()
	defer d.apply.Unlock()
	return store.WithBatchLocks(ctx, d.db, loader{}, tenant, kinds, fn)
}
