// Package app wires Pulso together: it is the only place that picks DuckDB or PostgreSQL.
package app

import (
	"context"
	"os"
	"strings"

	"pulso/internal/store"
	"pulso/internal/store/duckdb"
)

// DefaultDB is the database used when neither --db nor $PULSO_DB is set.
const DefaultDB = "./pulso.duckdb"

// ResolveDSN applies the --db rules: the flag, then $PULSO_DB, then ./pulso.duckdb.
func ResolveDSN(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv("PULSO_DB"); env != "" {
		return env
	}
	return DefaultDB
}

// IsPostgres tells whether a DSN selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// OpenStore opens the store a DSN names and applies pending migrations.
func OpenStore(ctx context.Context, dsn string) (store.Store, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	st, err := duckdb.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return st, nil
}
