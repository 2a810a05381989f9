// Package postgres is the server store: PostgreSQL 15+ through pgx, shared by any number of
// stateless nodes.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"

	"pulso/internal/record"
	"pulso/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Types are PostgreSQL's column types for record types.
var Types = store.Types{Text: "TEXT", Timestamp: "TIMESTAMPTZ", Date: "DATE", Decimal: "DOUBLE PRECISION", Int: "BIGINT", Bool: "BOOLEAN"}

// VersionTable is the table in which goose keeps the applied migrations.
const VersionTable = "goose_db_version"

// MinServerVersion is the oldest PostgreSQL accepted (server_version_num).
const MinServerVersion = 150000

// DefaultConnectTimeout applies when the DSN sets no connect_timeout.
const DefaultConnectTimeout = 10 * time.Second

// DB is a PostgreSQL store.
type DB struct {
	store.Common
	db     *sql.DB
	kinds  []*record.Kind
	target target
}

var _ store.Store = (*DB)(nil)

// IsDSN tells whether s is a PostgreSQL connection URL (postgres:// or postgresql://).
func IsDSN(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Open connects to the PostgreSQL database of a postgres:// or postgresql:// URL and applies
// the pending migrations. Sessions run in UTC unless the URL sets timezone. Errors never
// contain the password.
func Open(ctx context.Context, dsn string) (*DB, error) {
	tg := describe(dsn)
	if !IsDSN(dsn) {
		return nil, errors.New("open postgres: want a postgres:// or postgresql:// URL")
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, tg.wrap("open postgres: invalid connection URL", err)
	}
	tg = tg.from(cfg)
	if !hasParam(cfg.RuntimeParams, "timezone") {
		cfg.RuntimeParams["timezone"] = "UTC"
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	d := &DB{Common: store.Common{SQL: db}, db: db, kinds: record.Kinds(), target: tg}
	var version int
	var shown string
	if err := db.QueryRowContext(ctx, "SELECT current_setting('server_version_num')::int, current_setting('server_version')").Scan(&version, &shown); err != nil {
		db.Close()
		return nil, tg.connectError(err)
	}
	if version < MinServerVersion {
		db.Close()
		return nil, fmt.Errorf("PostgreSQL at %s is version %s; Pulso needs PostgreSQL 15 or newer", tg.addr, shown)
	}
	if err := d.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

func hasParam(m map[string]string, name string) bool {
	for k := range m {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// Engine implements store.Store.
func (d *DB) Engine() store.Engine { return store.Postgres }

// DB implements store.Store.
func (d *DB) DB() *sql.DB { return d.db }

// Close implements store.Store.
func (d *DB) Close() error { return d.db.Close() }

// Migrate implements store.Store. Nodes starting together serialise on a session advisory
// lock (one per schema), so exactly one applies each migration and the others find it done.
func (d *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	var schema sql.NullString
	if err := d.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return d.target.connectError(err)
	}
	if !schema.Valid {
		return fmt.Errorf("store: migrate: no schema to create tables in (the search_path of PostgreSQL at %s names no existing schema)", d.target.addr)
	}
	vs, err := database.NewStore(database.DialectPostgres, VersionTable)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	// A fresh locker per run: its retry budget is stateful.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID(schema.String)), lock.WithLockTimeout(1, 600))
	if err != nil {
		return fmt.Errorf("store: migration lock: %w", err)
	}
	if err := store.Migrate(ctx, d.db, sub, vs, goose.WithSessionLocker(locker)); err != nil {
		return d.target.scrub(err)
	}
	return nil
}

// lockID is the advisory lock key of the migrations of one schema.
func lockID(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("pulso migrations\x00" + schema))
	return int64(h.Sum64())
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
	return store.ApplyBatch(ctx, d.db, loader{}, b, src)
}

type loader struct{}

var _ store.BatchLocker = loader{}

func (loader) Types() store.Types { return Types }

// LockBatch takes a transaction advisory lock on (schema, tenant, kind): batches of one
// tenant and kind merge one at a time across every node, others run in parallel.
func (loader) LockBatch(ctx context.Context, tx *sql.Tx, b store.Batch) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('pulso apply ' || current_schema() || ' ' || $1 || ' ' || $2, 0))`,
		b.Tenant, b.Kind.Name)
	return err
}

// Load streams rows into the staging table with COPY (binary), pulling them from next as
// the server takes them; nothing is buffered beyond one 64 KiB message. An error of next is
// returned as is.
func (loader) Load(ctx context.Context, conn *sql.Conn, stage string, cols []string, next func() ([]any, error)) error {
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: copy: driver connection is %T, not pgx", dc)
		}
		src := &copySource{ctx: ctx, next: next}
		_, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{stage}, cols, src)
		if src.err != nil {
			return src.err
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			return copyError(err)
		}
		return nil
	})
}

var copyWhere = regexp.MustCompile(`line (\d+)(?:, column (\S+))?`)

// copyError says where in the batch the server refused a value: the staged row (the n-th row
// the source yielded) and the column. The usual cause is text that is not UTF-8 or holds a
// NUL byte, which PostgreSQL cannot store.
func copyError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if m := copyWhere.FindStringSubmatch(pgErr.Where); m != nil {
			at := "staged row " + m[1]
			if m[2] != "" {
				at += ", column " + m[2]
			}
			hint := ""
			if pgErr.Code == "22021" || pgErr.Code == "22P05" {
				hint = "; PostgreSQL stores only valid UTF-8 text without NUL bytes"
			}
			return fmt.Errorf("store: copy into staging table (%s): %w%s", at, err, hint)
		}
	}
	return fmt.Errorf("store: copy into staging table: %w", err)
}

// copySource adapts next to pgx.CopyFromSource. pgx calls it from one goroutine.
type copySource struct {
	ctx  context.Context
	next func() ([]any, error)
	row  []any
	err  error
}

func (s *copySource) Next() bool {
	if s.err != nil {
		return false
	}
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return false
	}
	row, err := s.next()
	if err == io.EOF {
		return false
	}
	if err != nil {
		s.err = err
		return false
	}
	s.row = row
	return true
}

func (s *copySource) Values() ([]any, error) { return s.row, nil }

func (s *copySource) Err() error { return s.err }
