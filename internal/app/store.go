// Package app wires Pulso together: it is the only place that picks DuckDB or PostgreSQL.
package app

import (
	"context"
	"errors"
	"fmt"
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
	if errors.Is(err, duckdb.ErrLocked) {
		if url, rerr := os.ReadFile(serveMarker(dsn)); rerr == nil && len(url) > 0 {
			return nil, fmt.Errorf("%s is held by the Pulso server running at %s: use the board or its API there (%s/api/v1), or stop the server to use the command line on this file", dsn, strings.TrimSpace(string(url)), strings.TrimSpace(string(url)))
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// serveMarker is the file where `pulso serve` writes its URL while it holds a DuckDB file.
func serveMarker(dsn string) string { return dsn + ".serve" }
