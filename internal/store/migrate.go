package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
)

// Migrate applies the pending migrations of fsys (numbered goose .sql files) with vs keeping
// the applied versions.
func Migrate(ctx context.Context, db *sql.DB, fsys fs.FS, vs database.Store, opts ...goose.ProviderOption) error {
	// Out of order: migrations are independent tables, and one written on a branch may land
	// after a newer one has been applied somewhere.
	opts = append([]goose.ProviderOption{goose.WithStore(vs), goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true)}, opts...)
	p, err := goose.NewProvider("", db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Pending tells whether fsys holds migrations that the database has not applied (without
// applying them, and without writing).
func Pending(ctx context.Context, db *sql.DB, fsys fs.FS, vs database.Store) (bool, error) {
	p, err := goose.NewProvider("", db, fsys, goose.WithStore(vs), goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	if err != nil {
		return false, fmt.Errorf("store: migrations: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("store: read the applied migrations: %w", err)
	}
	return pending, nil
}
