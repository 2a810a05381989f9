package app

import (
	"context"
	"errors"

	"pulso/internal/store"
)

func openPostgres(ctx context.Context, dsn string) (store.Store, error) {
	return nil, errors.New("postgres: not wired yet")
}
