package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/pressly/goose/v3/database"
)

// versionStore keeps goose's applied versions in DuckDB, which goose has no dialect for.
type versionStore struct{}

const versionTable = "schema_migrations"

func (versionStore) Tablename() string { return versionTable }

func (versionStore) CreateVersionTable(ctx context.Context, db database.DBTxConn) error {
	_, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMPTZ NOT NULL)`)
	return err
}

func (versionStore) Insert(ctx context.Context, db database.DBTxConn, req database.InsertRequest) error {
	_, err := db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES ($1, true, $2)`, req.Version, time.Now().UTC())
	return err
}

func (versionStore) Delete(ctx context.Context, db database.DBTxConn, version int64) error {
	_, err := db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version_id = $1`, version)
	return err
}

func (versionStore) GetMigration(ctx context.Context, db database.DBTxConn, version int64) (*database.GetMigrationResult, error) {
	var r database.GetMigrationResult
	err := db.QueryRowContext(ctx, `SELECT tstamp, is_applied FROM schema_migrations WHERE version_id = $1 ORDER BY tstamp DESC LIMIT 1`, version).Scan(&r.Timestamp, &r.IsApplied)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, database.ErrVersionNotFound
	}
	return &r, err
}

func (versionStore) GetLatestVersion(ctx context.Context, db database.DBTxConn) (int64, error) {
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(version_id) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, err
	}
	if !v.Valid {
		return 0, database.ErrVersionNotFound
	}
	return v.Int64, nil
}

func (versionStore) ListMigrations(ctx context.Context, db database.DBTxConn) ([]*database.ListMigrationsResult, error) {
	rows, err := db.QueryContext(ctx, `SELECT version_id, is_applied FROM schema_migrations ORDER BY version_id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*database.ListMigrationsResult
	for rows.Next() {
		var r database.ListMigrationsResult
		if err := rows.Scan(&r.Version, &r.IsApplied); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}
