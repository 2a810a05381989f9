// Package duckdb is the embedded store: one DuckDB file (or memory, for tests).
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"pulso/internal/record"
	"pulso/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Types are DuckDB's column types for record types.
var Types = store.Types{Text: "VARCHAR", Timestamp: "TIMESTAMPTZ", Date: "DATE", Decimal: "DOUBLE", Int: "BIGINT", Bool: "BOOLEAN"}

// DB is a DuckDB store.
type DB struct {
	store.Common
	db    *sql.DB
	conn  *duckdb.Connector
	kinds []*record.Kind
	path  string
	// apply serialises batches: the tables have no primary key (an ART index would slow bulk
	// loads and cost memory), so two merges at once could both insert a new key.
	apply sync.Mutex
}

var _ store.Store = (*DB)(nil)

// ErrLocked says that another process holds the file read-write.
var ErrLocked = errors.New("the database file is in use by another Pulso process")

// Open opens (creating if needed) the DuckDB file at path; "" or ":memory:" is a private
// in-memory database. Extensions are never installed or loaded from the network. A file this
// process may not write is refused with a *ReadOnlyError before DuckDB tries.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, false)
}

// OpenReadOnly opens an existing DuckDB file for reading only (DuckDB's access_mode
// READ_ONLY): nothing is written, not even the journal, so a file or directory without
// write permission will do. The file must be at this version's schema already, since
// migrating would write.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, true)
}

func open(ctx context.Context, path string, readOnly bool) (*DB, error) {
	p := path
	if p == ":memory:" {
		p = ""
	}
	if p != "" && !readOnly {
		if err := checkPath(p); err != nil {
			return nil, err
		}
	}
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	if readOnly {
		q.Set("access_mode", "READ_ONLY")
	}
	dsn := p + "?" + q.Encode()
	c, err := duckdb.NewConnector(dsn, func(ex driver.ExecerContext) error {
		_, err := ex.ExecContext(context.Background(), "SET TimeZone = 'UTC'", nil)
		return err
	})
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock"):
			return nil, fmt.Errorf("open %s: %w (stop the other process, e.g. `pulso serve`, or point --db at another file)", path, ErrLocked)
		case strings.Contains(msg, "not a valid DuckDB database file"):
			return nil, fmt.Errorf("open %s: the file is not a DuckDB database (point --db at a Pulso database file, or at a new file to create one)", path)
		}
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	db := sql.OpenDB(c)
	d := &DB{Common: store.Common{SQL: db}, db: db, conn: c, kinds: record.Kinds(), path: path}
	if readOnly {
		err = d.checkMigrated(ctx)
	} else {
		err = d.Migrate(ctx)
	}
	if err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Engine implements store.Store.
func (d *DB) Engine() store.Engine { return store.DuckDB }

// DB implements store.Store.
func (d *DB) DB() *sql.DB { return d.db }

// Close implements store.Store.
func (d *DB) Close() error {
	err := d.db.Close()
	if cerr := d.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// Migrate implements store.Store.
func (d *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	return store.Migrate(ctx, d.db, sub, versionStore{})
}

// checkMigrated refuses a read-only file whose schema is behind this version's migrations.
func (d *DB) checkMigrated(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	pending, err := store.Pending(ctx, d.db, sub, versionStore{})
	if err != nil {
		return fmt.Errorf("open %s read-only: %w", d.path, err)
	}
	if pending {
		return fmt.Errorf("%w: %s was written by an older version of Pulso and must be migrated before this one reads it, which writes: run `pulso migrate --db %s` as a user who can write the file", store.ErrReadOnly, d.path, d.path)
	}
	return nil
}

// Sources implements store.Store.
func (d *DB) Sources(ctx context.Context, tenant string) ([]store.Source, error) {
	return store.Sources(ctx, d.db, tenant, d.kinds)
}

// LastImports implements store.Store.
func (d *DB) LastImports(ctx context.Context, tenant string) ([]store.Source, error) {
	return store.LastImports(ctx, d.db, tenant, d.kinds)
}

// Apply implements store.Store.
func (d *DB) Apply(ctx context.Context, b store.Batch, src store.RowSource) (store.Counts, error) {
	d.apply.Lock()
	defer d.apply.Unlock()
	return store.ApplyBatch(ctx, d.db, loader{}, b, src)
}

type loader struct{}

func (loader) Types() store.Types { return Types }

// Load appends through DuckDB's Appender, the fastest way in (about 1.8 M rows/s here).
func (loader) Load(ctx context.Context, conn *sql.Conn, stage string, cols []string, next func() ([]any, error)) error {
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", stage)
		if err != nil {
			return fmt.Errorf("store: appender: %w", err)
		}
		vals := make([]driver.Value, len(cols))
		for {
			if err := ctx.Err(); err != nil {
				app.Close()
				return err
			}
			row, err := next()
			if err == io.EOF {
				break
			}
			if err != nil {
				app.Close()
				return err
			}
			for i, v := range row {
				vals[i] = v
			}
			if err := app.AppendRow(vals...); err != nil {
				app.Close()
				return fmt.Errorf("store: append: %w", err)
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("store: flush staged rows: %w", err)
		}
		return nil
	})
}
