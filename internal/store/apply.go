package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"pulso/internal/record"
)

// Loader is what an engine adds to the shared batch logic: its types and its bulk path.
type Loader interface {
	Types() Types
	// Load bulk-appends rows into the staging table on conn; cols start with "seq".
	Load(ctx context.Context, conn *sql.Conn, stage string, cols []string, next func() ([]any, error)) error
}

// BatchLocker is an optional Loader extension for engines shared by several processes:
// LockBatch runs first in the merge transaction and holds until it ends, so that batches of
// one tenant and kind merge one after the other (else two could both insert a new key, or
// one could miss the other's change and count it unchanged).
type BatchLocker interface {
	LockBatch(ctx context.Context, tx *sql.Tx, b Batch) error
}

// ApplyBatch stages src on one connection, then merges it in one transaction and logs the
// import in the same transaction, so a batch is applied entirely or not at all.
func ApplyBatch(ctx context.Context, db *sql.DB, l Loader, b Batch, src RowSource) (c Counts, err error) {
	if err := ValidTenant(b.Tenant); err != nil {
		return c, err
	}
	started := time.Now().UTC()
	conn, err := db.Conn(ctx)
	if err != nil {
		return c, fmt.Errorf("store: connect: %w", err)
	}
	defer conn.Close()
	suffix := randomHex(6)
	stage := "stage_" + b.Kind.Name + "_" + suffix
	m := MergeSQL(b.Kind, stage, "CAST($3 AS TIMESTAMPTZ)")
	defer func() { // temp tables die with the connection too; this keeps pooled ones clean
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), m.Drop)
	}()
	if _, err := conn.ExecContext(ctx, CreateStage(b.Kind, l.Types(), stage)); err != nil {
		return c, fmt.Errorf("store: create staging table: %w", err)
	}
	cols := []string{"seq"}
	for _, sc := range b.Kind.Stored() {
		cols = append(cols, sc.Name)
	}
	var seq int64
	width := len(cols)
	next := func() ([]any, error) {
		row, err := src.Next()
		if err != nil {
			return nil, err
		}
		if len(row) != width-1 {
			return nil, fmt.Errorf("store: row has %d values, kind %s stores %d", len(row), b.Kind.Name, width-1)
		}
		seq++
		out := make([]any, 0, width)
		out = append(out, seq)
		return append(out, row...), nil
	}
	if err := l.Load(ctx, conn, stage, cols, next); err != nil {
		return c, err
	}
	c.Read, c.Rejected = src.Read(), src.Rejected()
	var dups, distinct int64
	if err := conn.QueryRowContext(ctx, m.Duplicates).Scan(&dups); err != nil {
		return c, fmt.Errorf("store: look for repeated keys: %w", err)
	}
	if dups > 0 { // the last row of a key wins
		if _, err := conn.ExecContext(ctx, m.Dedup); err != nil {
			return c, fmt.Errorf("store: de-duplicate batch: %w", err)
		}
	}
	if err := conn.QueryRowContext(ctx, m.Distinct).Scan(&distinct); err != nil {
		return c, fmt.Errorf("store: count batch: %w", err)
	}

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if bl, ok := l.(BatchLocker); ok {
		if err = bl.LockBatch(ctx, tx, b); err != nil {
			return c, fmt.Errorf("store: lock %s: %w", b.Kind.Name, err)
		}
	}
	if err = b.Guard.check(ctx, tx, b.Kind, stage, b.Tenant); err != nil {
		return c, err
	}
	days := map[string]DateRange{}
	if b.AfterMerge != nil && m.Replaced != "" {
		if err = dayRanges(ctx, tx, m.Replaced, b.Tenant, m.DayColumns, days); err != nil {
			return c, fmt.Errorf("store: dates of replaced %s: %w", b.Kind.Name, err)
		}
	}
	res, err := tx.ExecContext(ctx, m.Delete, b.Tenant)
	if err != nil {
		return c, fmt.Errorf("store: replace changed %s: %w", b.Kind.Name, err)
	}
	updated, _ := res.RowsAffected()
	if b.AfterMerge != nil && m.Added != "" {
		if err = dayRanges(ctx, tx, m.Added, b.Tenant, m.DayColumns, days); err != nil {
			return c, fmt.Errorf("store: dates of new %s: %w", b.Kind.Name, err)
		}
	}
	// Microseconds, as both engines keep them, so that AfterMerge can find the rows by it.
	now := time.Now().UTC().Truncate(time.Microsecond)
	res, err = tx.ExecContext(ctx, m.Insert, b.Tenant, b.Source, now)
	if err != nil {
		return c, fmt.Errorf("store: insert %s: %w", b.Kind.Name, err)
	}
	written, _ := res.RowsAffected()
	c.Updated, c.Inserted, c.Unchanged = updated, written-updated, distinct-written
	_, err = tx.ExecContext(ctx, `INSERT INTO imports (tenant_id, import_id, kind, source, file, started_at, finished_at,
		rows_read, inserted, updated, unchanged, rejected) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		b.Tenant, randomHex(12), b.Kind.Name, b.Source, b.File, started, now,
		c.Read, c.Inserted, c.Updated, c.Unchanged, c.Rejected)
	if err != nil {
		return c, fmt.Errorf("store: log import: %w", err)
	}
	if b.AfterMerge != nil {
		if err = b.AfterMerge(ctx, tx, b, Merged{Stage: stage, IngestedAt: now, Days: days}); err != nil {
			return c, err
		}
	}
	if err = tx.Commit(); err != nil {
		return c, fmt.Errorf("store: commit: %w", err)
	}
	return c, nil
}

// dayRanges widens days by the (min, max) pairs query returns for cols.
func dayRanges(ctx context.Context, tx *sql.Tx, query, tenant string, cols []string, days map[string]DateRange) error {
	vals := make([]sql.NullTime, 2*len(cols))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := tx.QueryRowContext(ctx, query, tenant).Scan(dest...); err != nil {
		return err
	}
	for i, c := range cols {
		lo, hi := vals[2*i], vals[2*i+1]
		if !lo.Valid || !hi.Valid {
			continue
		}
		r := DateRange{From: dateOnly(lo.Time), To: dateOnly(hi.Time)}
		if old, ok := days[c]; ok {
			r = r.Union(old)
		}
		days[c] = r
	}
	return nil
}

// dateOnly is a DATE as the metric layer keeps dates: midnight UTC of its calendar day.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WithBatchLock runs fn in one transaction that holds the lock batches of (tenant, kind)
// take to merge, so that fn sees none half applied and none merges beside it.
func WithBatchLock(ctx context.Context, db *sql.DB, l Loader, tenant string, kind *record.Kind, fn func(ctx context.Context, tx *sql.Tx) error) (err error) {
	if err := ValidTenant(tenant); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if bl, ok := l.(BatchLocker); ok {
		if err = bl.LockBatch(ctx, tx, Batch{Tenant: tenant, Kind: kind}); err != nil {
			return fmt.Errorf("store: lock %s: %w", kind.Name, err)
		}
	}
	if err = fn(ctx, tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// TenantSecret returns the tenant's key, creating it on first use. Two callers racing on the
// first use both read the row that won.
func TenantSecret(ctx context.Context, db *sql.DB, tenant string) ([]byte, error) {
	if err := ValidTenant(tenant); err != nil {
		return nil, err
	}
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	// DuckDB reports a racing first use as a duplicate key rather than doing nothing; either
	// way the row that won is there to read, so an insert error only counts if it is not.
	_, insErr := db.ExecContext(ctx, `INSERT INTO tenants (tenant_id, secret, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id) DO NOTHING`, tenant, hex.EncodeToString(fresh), time.Now().UTC())
	var s string
	if err := db.QueryRowContext(ctx, `SELECT secret FROM tenants WHERE tenant_id = $1`, tenant).Scan(&s); err != nil {
		if insErr != nil {
			return nil, fmt.Errorf("store: create tenant key: %w", insErr)
		}
		return nil, fmt.Errorf("store: read tenant key: %w", err)
	}
	return hex.DecodeString(s)
}

// lastImports reads the last import of every kind and source from the imports log.
func lastImports(ctx context.Context, db *sql.DB, tenant string) (map[[2]string]time.Time, error) {
	last := map[[2]string]time.Time{}
	rows, err := db.QueryContext(ctx, `SELECT kind, source, max(finished_at) FROM imports WHERE tenant_id = $1 GROUP BY kind, source`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: read imports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, s string
		var t time.Time
		if err := rows.Scan(&k, &s, &t); err != nil {
			return nil, fmt.Errorf("store: read imports: %w", err)
		}
		last[[2]string{k, s}] = t.UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read imports: %w", err)
	}
	return last, nil
}

// LastImports lists the last import of every kind and source from the imports log alone,
// without counting rows (Rows is -1): what judging freshness needs, in milliseconds where
// counting the record tables takes seconds at millions of rows. Kinds in kinds order, then
// sources by name.
func LastImports(ctx context.Context, db *sql.DB, tenant string, kinds []*record.Kind) ([]Source, error) {
	last, err := lastImports(ctx, db, tenant)
	if err != nil {
		return nil, err
	}
	var out []Source
	for _, k := range kinds {
		var srcs []Source
		for key, t := range last {
			if key[0] == k.Name {
				t := t
				srcs = append(srcs, Source{Kind: k.Name, Source: key[1], Rows: -1, LastImportAt: &t})
			}
		}
		slices.SortFunc(srcs, func(a, b Source) int { return strings.Compare(a.Source, b.Source) })
		out = append(out, srcs...)
	}
	return out, nil
}

// Sources lists, for every kind, the rows per source and the last import of that source. A
// kind with nothing stored is listed once with zero rows.
func Sources(ctx context.Context, db *sql.DB, tenant string, kinds []*record.Kind) ([]Source, error) {
	last, err := lastImports(ctx, db, tenant)
	if err != nil {
		return nil, err
	}
	var out []Source
	for _, k := range kinds {
		q := fmt.Sprintf("SELECT %s, count(*) FROM %s WHERE %s = $1 GROUP BY %s ORDER BY %s",
			Ident(ColSource), Ident(k.Table()), Ident(ColTenant), Ident(ColSource), Ident(ColSource))
		rs, err := db.QueryContext(ctx, q, tenant)
		if err != nil {
			return nil, fmt.Errorf("store: count %s: %w", k.Name, err)
		}
		n := 0
		for rs.Next() {
			var s Source
			if err := rs.Scan(&s.Source, &s.Rows); err != nil {
				rs.Close()
				return nil, fmt.Errorf("store: count %s: %w", k.Name, err)
			}
			s.Kind = k.Name
			if t, ok := last[[2]string{k.Name, s.Source}]; ok {
				s.LastImportAt = &t
			}
			out = append(out, s)
			n++
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("store: count %s: %w", k.Name, err)
		}
		if n == 0 {
			s := Source{Kind: k.Name}
			var latest *time.Time
			for key, t := range last {
				if key[0] == k.Name && (latest == nil || t.After(*latest)) {
					t := t
					latest = &t
				}
			}
			s.LastImportAt = latest
			out = append(out, s)
		}
	}
	return out, nil
}
