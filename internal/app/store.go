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

// OpenStore opens the store a DSN names and applies pending migrations. A DuckDB file this
// process may not write is an error (store.ErrReadOnly) that says so.
func OpenStore(ctx context.Context, dsn string) (store.Store, error) {
	return openStore(ctx, dsn, false)
}

// OpenReader opens the store for a command that only reads: a DuckDB file this process may
// not write (or whose directory it may not write) is opened read-only instead of refused.
func OpenReader(ctx context.Context, dsn string) (store.Store, error) {
	return openStore(ctx, dsn, true)
}

func openStore(ctx context.Context, dsn string, reader bool) (store.Store, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	st, err := duckdb.Open(ctx, dsn)
	if reader && errors.Is(err, store.ErrReadOnly) {
		if _, serr := os.Stat(dsn); serr == nil {
			st, err = duckdb.OpenReadOnly(ctx, dsn)
		}
	}
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

// Explain rewords a disk-full, read-only or lost-connection error for the user (one line:
// what happened and what to do); other errors are returned as they are.
func Explain(err error) error { return store.Explain(err) }

// serveMarker is the file where `pulso serve` writes its URL while it holds a DuckDB file.
func serveMarker(dsn string) string { return dsn + ".serve" }
