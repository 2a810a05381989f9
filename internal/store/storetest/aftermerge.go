package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"pulso/internal/store"
)

// testAfterMerge: the hook runs in the batch's transaction after the merge, sees the staging
// table and the batch's rows by their ingest time, gets the dates the batch touched (new and
// changed rows, and the rows they replaced), and its error rolls the batch back.
func testAfterMerge(e *env) {
	type seen struct {
		days            map[string]string
		staged, touched int
	}
	var got seen
	hook := func(ctx context.Context, tx *sql.Tx, b store.Batch, m store.Merged) error {
		got = seen{days: map[string]string{}}
		for c, r := range m.Days {
			got.days[c] = r.From.Format(time.DateOnly) + ".." + r.To.Format(time.DateOnly)
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+store.Ident(m.Stage)).Scan(&got.staged); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM orders WHERE tenant_id = $1 AND ingested_at = $2", b.Tenant, m.IngestedAt).Scan(&got.touched)
	}
	apply := func(table string, want store.Counts, hook func(context.Context, *sql.Tx, store.Batch, store.Merged) error) error {
		e.t.Helper()
		c, err := e.s.Apply(e.ctx, store.Batch{Tenant: "acme", Kind: e.kind("orders"), Source: "upload", AfterMerge: hook}, NewSource(e.rows("orders", "acme", table)))
		if err == nil && c != want {
			e.t.Fatalf("counts %+v, want %+v", c, want)
		}
		return err
	}
	check := func(step string, staged, touched int, days ...string) {
		e.t.Helper()
		want := map[string]string{}
		for _, d := range days {
			c, r, _ := strings.Cut(d, "=")
			want[c] = r
		}
		if got.staged != staged || got.touched != touched || !maps.Equal(got.days, want) {
			e.t.Errorf("%s: hook saw %d staged, %d rows of the batch, days %v; want %d, %d, %v", step, got.staged, got.touched,
				fmtDays(got.days), staged, touched, fmtDays(want))
		}
	}
	if err := apply(ordersBase, store.Counts{Read: 4, Inserted: 4}, hook); err != nil {
		e.t.Fatal(err)
	}
	// A4 is created on 03-01 (Bogotá), A3 on 04-04 (Santiago); only A1 is paid.
	check("insert", 4, 4, "created_at_local=2026-03-01..2026-04-04", "paid_at_local=2026-03-02..2026-03-02")

	// A2 changes (created 03-02 in Mexico City, before and after), A5 is new (03-05 in Lima).
	if err := apply(ordersUpdate, store.Counts{Read: 5, Inserted: 1, Updated: 1, Unchanged: 3}, hook); err != nil {
		e.t.Fatal(err)
	}
	check("update", 5, 2, "created_at_local=2026-03-02..2026-03-05")

	// A1 moves from 03-02 to 03-20: both days count, and its payment day stays.
	moved := strings.Replace(ordersUpdate, "A1,mercadolibre,BR,loja-1,2026-03-02 23:30:00", "A1,mercadolibre,BR,loja-1,2026-03-20 10:00:00", 1)
	if err := apply(moved, store.Counts{Read: 5, Updated: 1, Unchanged: 4}, hook); err != nil {
		e.t.Fatal(err)
	}
	check("move", 5, 1, "created_at_local=2026-03-02..2026-03-20", "paid_at_local=2026-03-02..2026-03-02")

	if err := apply(moved, store.Counts{Read: 5, Unchanged: 5}, hook); err != nil {
		e.t.Fatal(err)
	}
	check("unchanged", 5, 0)

	// A failing hook leaves nothing of the batch behind.
	before, imports := e.dump("orders", true), e.imports()
	boom := errors.New("boom")
	err := apply(ordersBase, store.Counts{}, func(context.Context, *sql.Tx, store.Batch, store.Merged) error { return boom })
	if !errors.Is(err, boom) {
		e.t.Fatalf("Apply with a failing hook: %v, want the hook's error", err)
	}
	if after := e.dump("orders", true); !slices.Equal(before, after) {
		e.t.Errorf("a failing hook left rows changed")
	}
	if after := e.imports(); !slices.Equal(imports, after) {
		e.t.Errorf("a failing hook left the import logged")
	}
}

// testWithBatchLock: fn runs in one transaction, committed when it returns nil and rolled back
// when it fails.
func testWithBatchLock(e *env) {
	k := e.kind("orders")
	put := func(id string, fail error) error {
		return e.s.WithBatchLock(e.ctx, "acme", k, func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (tenant_id, name, body, updated_at, updated_by) VALUES ($1, $2, '', $3, 'test')`,
				"acme", id, time.Now().UTC()); err != nil {
				return err
			}
			return fail
		})
	}
	if err := put("kept", nil); err != nil {
		e.t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := put("dropped", boom); !errors.Is(err, boom) {
		e.t.Fatalf("WithBatchLock: %v, want fn's error", err)
	}
	var n int
	if err := e.s.DB().QueryRowContext(e.ctx, `SELECT count(*) FROM settings WHERE tenant_id = 'acme' AND name IN ('kept', 'dropped')`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	if n != 1 {
		e.t.Errorf("%d rows after one committed and one failed transaction, want 1", n)
	}
	if err := e.s.WithBatchLock(e.ctx, "Not A Tenant", k, func(context.Context, *sql.Tx) error { return nil }); !errors.Is(err, store.ErrTenant) {
		e.t.Errorf("WithBatchLock for a bad tenant: %v", err)
	}
}

func fmtDays(m map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, fmt.Sprintf("%s=%s", k, m[k]))
	}
	return "[" + strings.Join(out, " ") + "]"
}
