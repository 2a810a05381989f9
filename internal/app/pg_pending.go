package app

import (
	"context"

	"pulso/internal/store"
	"pulso/internal/store/postgres"
)

// openPostgres opens the PostgreSQL store of a postgres:// or postgresql:// URL.
func openPostgres(ctx context.Context, dsn string) (store.Store, error) {
	return postgres.Open(ctx, dsn)
}
