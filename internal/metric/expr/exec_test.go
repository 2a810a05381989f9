package expr

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	_ "github.com/jackc/pgx/v5/stdlib"

	"pulso/internal/record"
)

// Execution tests: compiled SQL runs on an in-memory DuckDB (and on PostgreSQL when
// $PULSO_TEST_POSTGRES names a test server) and gives the values the language promises. The
// tables follow record.Kind.Stored with the column types of the stores.

var duckTypes = map[record.Type]string{
	record.Text: "VARCHAR", record.Enum: "VARCHAR", record.Country: "VARCHAR", record.Currency: "VARCHAR",
	record.Timestamp: "TIMESTAMPTZ", record.Date: "DATE", record.Decimal: "DOUBLE", record.Int: "BIGINT",
	record.Bool: "BOOLEAN",
}

var pgTypes = map[record.Type]string{
	record.Text: "TEXT", record.Enum: "TEXT", record.Country: "TEXT", record.Currency: "TEXT",
	record.Timestamp: "TIMESTAMPTZ", record.Date: "DATE", record.Decimal: "DOUBLE PRECISION", record.Int: "BIGINT",
	record.Bool: "BOOLEAN",
}

func openDuck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one in-memory database
	t.Cleanup(func() { db.Close() })
	fill(t, db, duckTypes)
	return db
}

// openPostgres connects to $PULSO_TEST_POSTGRES (skipping the test without it, failing in CI)
// and works in a fresh schema dropped at cleanup.
func openPostgres(t *testing.T) *sql.DB {
	t.Helper()
	dsn := os.Getenv("PULSO_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL tests must run in CI: PULSO_TEST_POSTGRES is not set")
		}
		t.Skip("PostgreSQL test skipped: set PULSO_TEST_POSTGRES to a test server's URL to run it")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal("open PULSO_TEST_POSTGRES: the URL is not valid") // the error could show the password
	}
	db.SetMaxOpenConns(1) // search_path is per connection
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_expr_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		db.Close()
	})
	if _, err := db.Exec("SET search_path TO " + schema); err != nil {
		t.Fatal(err)
	}
	fill(t, db, pgTypes)
	return db
}

// fill creates a table per kind and two orders.
func fill(t *testing.T, db *sql.DB, types map[record.Type]string) {
	t.Helper()
	for _, k := range record.Kinds() {
		var cols []string
		for _, c := range k.Stored() {
			cols = append(cols, fmt.Sprintf(`"%s" %s`, c.Name, types[c.Type]))
		}
		if _, err := db.Exec(fmt.Sprintf(`CREATE TABLE "%s" (%s)`, k.Table(), strings.Join(cols, ", "))); err != nil {
			t.Fatal(err)
		}
	}
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	rows := []struct {
		id                                                 string
		created, paid, deadline, shipped, estimated, deliv any
		createdL, shippedL, estimatedL, delivL, status, by any
		gross, cogs                                        any
		units                                              int64
	}{
		// a: paid 1 h after creation, shipped 50 h after payment (late), delivered 72 h after creation.
		{"a", ts("2026-03-02T10:00:00Z"), ts("2026-03-02T11:00:00Z"), ts("2026-03-04T12:00:00Z"), ts("2026-03-04T13:00:00Z"),
			ts("2026-03-05T03:00:00Z"), ts("2026-03-05T10:00:00Z"),
			"2026-03-02", "2026-03-04", "2026-03-05", "2026-03-05", "delivered", nil, 100.0, 40.0, 4},
		// b: never paid, shipped 24 h after creation, no deadline, not delivered, cancelled by the seller.
		{"b", ts("2026-03-02T10:00:00Z"), nil, nil, ts("2026-03-03T10:00:00Z"), nil, nil,
			"2026-03-02", "2026-03-03", nil, nil, "cancelled", "seller", 10.0, nil, 0},
	}
	for _, r := range rows {
		_, err := db.Exec(`INSERT INTO orders (order_id, platform, country, store, created_at, paid_at, handling_deadline,
			shipped_at, estimated_delivery_at, delivered_at, created_at_local, shipped_at_local, estimated_delivery_at_local,
			delivered_at_local, status, cancel_by, gross_amount, cogs, units)
			VALUES ($1, 'amazon', 'BR', 's1', $2, $3, $4, $5, $6, $7, CAST($8 AS DATE), CAST($9 AS DATE), CAST($10 AS DATE),
			CAST($11 AS DATE), $12, $13, $14, $15, $16)`,
			r.id, r.created, r.paid, r.deadline, r.shipped, r.estimated, r.deliv, r.createdL, r.shippedL, r.estimatedL,
			r.delivL, r.status, r.by, r.gross, r.cogs, r.units)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// query compiles src for kind and selects it from the kind's table, one value per row.
func query(t *testing.T, db *sql.DB, d Dialect, kind, sel, src string) []any {
	t.Helper()
	e, err := Parse(src, kindCols(t, kind))
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	frag, args := compile(e, d)
	q := strings.ReplaceAll(sel, "X", frag)
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %s: %v", src, q, err)
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		switch x := v.(type) {
		case int64:
			v = float64(x)
		case int32:
			v = float64(x)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return out
}

func TestDuckDBValues(t *testing.T)   { testValues(t, openDuck(t), duckDialect{}) }
func TestPostgresValues(t *testing.T) { testValues(t, openPostgres(t), pgDialect{}) }

func TestDuckDBDictionary(t *testing.T)   { testDictionary(t, openDuck(t), duckDialect{}) }
func TestPostgresDictionary(t *testing.T) { testDictionary(t, openPostgres(t), pgDialect{}) }

func testValues(t *testing.T, db *sql.DB, d Dialect) {
	const perOrder = `SELECT X FROM orders ORDER BY order_id`
	tests := []struct {
		src  string
		want []any // per order a, b
	}{
		{"hours_between(coalesce(paid_at, created_at), shipped_at)", []any{50.0, 24.0}},
		{"hours_between(coalesce(paid_at, created_at), shipped_at) <= 48", []any{false, true}},
		{"days_between(created_at, delivered_at)", []any{3.0, nil}},
		{"hours_between(created_at, delivered_at) <= 72", []any{true, nil}},
		{"hours_between(delivered_at, created_at)", []any{-72.0, nil}},
		{"days_between(local_date(created_at), local_date(shipped_at))", []any{2.0, 1.0}},
		{"shipped_at > handling_deadline", []any{true, nil}},
		{"local_date(delivered_at) <= local_date(estimated_delivery_at)", []any{true, nil}},
		{"cancel_by = 'seller'", []any{nil, true}},
		{"coalesce(cancel_by = 'seller', false)", []any{false, true}},
		{"status != 'cancelled'", []any{true, false}},
		{"status in ('delivered', 'paid')", []any{true, false}},
		{"status not in ('delivered', 'paid')", []any{false, true}},
		{"gross_amount / units", []any{25.0, nil}},
		{"units / 8", []any{0.5, 0.0}},
		{"(gross_amount - coalesce(cogs, 0)) / gross_amount", []any{0.6, 1.0}},
		{"coalesce(cogs, null, 0)", []any{40.0, 0.0}},
		{"-units * 2 + 1", []any{-7.0, 1.0}},
		{"abs(-units)", []any{4.0, 0.0}},
		{"created_at_local >= date '2026-03-02' and shipped_at_local < date '2026-03-04'", []any{false, true}},
		{"paid_at is null", []any{false, true}},
		{"not (units > 1) or store = 'it''s'", []any{false, true}},
		{"coalesce(shipped_at, null) is not null", []any{true, true}},
		{"1 / 0 is null", []any{true, true}},
		{"hours_between(null, shipped_at) is null and abs(null) is null", []any{true, true}},
		{"not null or units > 1", []any{true, nil}},
		{"true = (units > 1)", []any{true, false}},
		{"date '2026-03-02' = created_at_local", []any{true, true}},
		{"days_between(null, created_at_local)", []any{nil, nil}},
		{"'a' < 'b' and 'x' in ('x', 'y')", []any{true, true}},
		{"days_between(created_at, coalesce(delivered_at, shipped_at)) * 24", []any{72.0, 24.0}},
	}
	for _, tc := range tests {
		got := query(t, db, d, "orders", perOrder, tc.src)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.src, got, tc.want)
			continue
		}
		for i := range got {
			g, w := got[i], tc.want[i]
			if gf, ok := g.(float64); ok {
				if wf, ok := w.(float64); ok && math.Abs(gf-wf) < 1e-9 {
					continue
				}
			}
			if g != w {
				t.Errorf("%s: order %d: %#v, want %#v", tc.src, i, g, w)
			}
		}
	}
}

// testDictionary runs every expression of the dictionary as a filter or a measure.
func testDictionary(t *testing.T, db *sql.DB, d Dialect) {
	for _, tc := range dictionary {
		sel := `SELECT count(*) FILTER (WHERE X) FROM "` + tc.kind + `"`
		switch tc.typ {
		case Number:
			sel = `SELECT sum(X) FROM "` + tc.kind + `"`
		case Timestamp:
			sel = `SELECT max(X) FROM "` + tc.kind + `"`
		}
		query(t, db, d, tc.kind, sel, tc.src)
	}
}
