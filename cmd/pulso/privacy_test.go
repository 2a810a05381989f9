package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"pulso/internal/metric"
	"pulso/internal/record"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// Buyer X is forgotten; buyer Y and an anonymous order must not change. Every kind that can
// belong to a buyer names X: buyer_ref on orders, extra columns elsewhere (attributes), and
// the text of a return.
const (
	rawX = "BUYER-X77-qa"
	rawY = "BUYER-Y88-qa"
)

var privacyFiles = []struct{ kind, body string }{
	{"orders", "order_id,platform,country,store,created_at,currency,gross_amount,buyer_ref,buyer_note\n" +
		"OX1,mercadolibre,BR,s1,2026-03-02 10:00:00,BRL,100,BUYER-X77-qa,ship to BUYER-X77-qa\n" +
		"OX2,mercadolibre,BR,s1,2026-03-05 10:00:00,BRL,50,BUYER-X77-qa,\n" +
		"OY1,mercadolibre,BR,s1,2026-03-03 10:00:00,BRL,300,BUYER-Y88-qa,ship to BUYER-Y88-qa\n" +
		"OA1,mercadolibre,BR,s1,2026-03-04 10:00:00,BRL,70,,\n"},
	{"order_items", "order_id,platform,store,country,line,sku,units,unit_price,currency,gift_for\n" +
		"OX1,mercadolibre,s1,BR,1,SKU1,1,60,BRL,mother of BUYER-X77-qa\n" +
		"OX1,mercadolibre,s1,BR,2,SKU2,1,40,BRL,\n" +
		"OY1,mercadolibre,s1,BR,1,SKU1,5,60,BRL,mother of BUYER-Y88-qa\n"},
	{"returns", "return_id,order_id,platform,store,country,requested_at,reason,reason_text,customer\n" +
		"RX1,OX1,mercadolibre,s1,BR,2026-03-06 10:00:00,damaged,BUYER-X77-qa says the box was wet,BUYER-X77-qa\n" +
		"RY1,OY1,mercadolibre,s1,BR,2026-03-06 11:00:00,damaged,BUYER-Y88-qa says the box was wet,BUYER-Y88-qa\n"},
	{"tickets", "ticket_id,platform,store,country,order_id,created_at,channel,customer_id\n" +
		"TX1,mercadolibre,s1,BR,OX2,2026-03-05 12:00:00,chat,BUYER-X77-qa\n" +
		"TY1,mercadolibre,s1,BR,OY1,2026-03-04 12:00:00,chat,BUYER-Y88-qa\n"},
	{"reviews", "review_id,platform,store,country,order_id,rating,created_at,reviewer\n" +
		"VX1,mercadolibre,s1,BR,OX1,2,2026-03-08 09:00:00,BUYER-X77-qa\n" +
		"VY1,mercadolibre,s1,BR,OY1,5,2026-03-08 09:00:00,BUYER-Y88-qa\n"},
	// Not tied to an order: found by the raw id alone.
	{"nps_responses", "response_id,platform,store,country,score,responded_at,buyer_id\n" +
		"NX1,mercadolibre,s1,BR,3,2026-03-09 09:00:00,BUYER-X77-qa\n" +
		"NY1,mercadolibre,s1,BR,9,2026-03-09 09:00:00,BUYER-Y88-qa\n"},
}

// buildPulso builds the command into dir: the acceptance runs the binary a user runs.
func buildPulso(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "pulso")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestPrivacyForgetLeavesNoTrace(t *testing.T) {
	dir := t.TempDir()
	bin := buildPulso(t, dir)
	engines := []struct {
		name string
		dsn  func(t *testing.T) string
		open func(ctx context.Context, dsn string) (store.Store, error)
	}{
		{"duckdb", func(t *testing.T) string { return filepath.Join(t.TempDir(), "p.duckdb") },
			func(ctx context.Context, dsn string) (store.Store, error) { return duckdb.Open(ctx, dsn) }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresSchema(t) },
			func(ctx context.Context, dsn string) (store.Store, error) { return postgres.Open(ctx, dsn) }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			dsn := e.dsn(t)
			pulso := func(args ...string) string {
				t.Helper()
				cmd := exec.Command(bin, append(args, "--db", dsn)...)
				cmd.Env = append(cmd.Environ(), "PULSO_DB=")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("pulso %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			// with runs fn on the store while no pulso process holds it (DuckDB allows one).
			with := func(fn func(st store.Store)) {
				t.Helper()
				st, err := e.open(t.Context(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				fn(st)
			}
			for _, f := range privacyFiles {
				pulso("import", "--kind", f.kind, writeFile(t, t.TempDir(), f.kind+".csv", f.body))
			}
			const gmv = 100 + 50 + 300 + 70
			if got := evalGMV(t, pulso); got != gmv {
				t.Fatalf("GMV before forget = %v, want %v", got, gmv)
			}
			var pseudoX, pseudoY string
			var yBefore []string
			var yCount int64
			with(func(st store.Store) {
				var secret string
				if err := st.DB().QueryRowContext(t.Context(), `SELECT secret FROM tenants WHERE tenant_id = 'default'`).Scan(&secret); err != nil {
					t.Fatal(err)
				}
				pseudoX, pseudoY = hmacRef(t, secret, rawX), hmacRef(t, secret, rawY)
				// The scan finds what is there: the pseudonym in orders and rollup_firsts.
				if n := occurrences(t, st.DB(), pseudoX); n["orders.buyer_ref"] != 2 || n["rollup_firsts.key_text"] != 1 {
					t.Fatalf("before forget, buyer X's pseudonym is in %v", n)
				}
				if n := occurrences(t, st.DB(), rawX); n["returns.reason_text"] != 1 {
					t.Fatalf("before forget, buyer X's raw id is in %v", n)
				}
				yBefore = rowsOf(t, st.DB(), "Y1")
				yCount = total(occurrences(t, st.DB(), rawY)) + total(occurrences(t, st.DB(), pseudoY))
			})

			out := pulso("privacy", "forget", "--buyer", rawX)
			if strings.Contains(out, rawX) || strings.Contains(out, pseudoX) {
				t.Fatalf("forget printed the buyer:\n%s", out)
			}
			if !regexpLine(out, "orders", 2) {
				t.Fatalf("forget output does not say it changed 2 orders:\n%s", out)
			}

			with(func(st store.Store) {
				db := st.DB()
				for _, needle := range []string{rawX, pseudoX} {
					if n := occurrences(t, db, needle); len(n) > 0 {
						t.Errorf("after forget, %q is still in %v", needle, n)
					}
				}
				if got := rowsOf(t, db, "Y1"); !slices.Equal(got, yBefore) {
					t.Errorf("buyer Y's records changed:\nbefore %v\nafter  %v", yBefore, got)
				}
				if got := total(occurrences(t, db, rawY)) + total(occurrences(t, db, pseudoY)); got != yCount {
					t.Errorf("buyer Y is named %d times after, %d before", got, yCount)
				}
				// X's two orders now share one reference that is neither X's pseudonym nor Y's;
				// the anonymous order stays without one.
				refs := map[string]string{}
				rows, err := db.QueryContext(t.Context(), `SELECT order_id, COALESCE(buyer_ref, '') FROM orders ORDER BY order_id`)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id, ref string
					if err := rows.Scan(&id, &ref); err != nil {
						t.Fatal(err)
					}
					refs[id] = ref
				}
				rows.Close()
				if refs["OX1"] != refs["OX2"] || len(refs["OX1"]) != 32 || refs["OX1"] == pseudoX || refs["OY1"] != pseudoY || refs["OA1"] != "" {
					t.Errorf("buyer refs after forget: %v", refs)
				}
				// The audit log says who forgot whom, by a digest only.
				var n int
				if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'privacy.forget' AND login LIKE 'cli:%' AND object LIKE 'buyer:%'`).Scan(&n); err != nil || n != 1 {
					t.Errorf("audit entries of the forget: %d (%v), want 1", n, err)
				}
				// The rollups the forget refreshed are what a rebuild from the records gives.
				kept := dumpRollups(t, db)
				if err := metric.RebuildRollups(t.Context(), st, "default"); err != nil {
					t.Fatal(err)
				}
				if rebuilt := dumpRollups(t, db); !slices.Equal(kept, rebuilt) {
					t.Errorf("rollups after forget differ from a rebuild:\nkept    %v\nrebuilt %v", kept, rebuilt)
				}
			})
			if got := evalGMV(t, pulso); got != gmv {
				t.Errorf("GMV after forget = %v, want %v", got, gmv)
			}
		})
	}
}

// hmacRef is buyer_ref as the contract defines it: HMAC-SHA256 of the raw id under the
// tenant's key, first 128 bits in hex (computed here apart from the record package).
func hmacRef(t *testing.T, secretHex, raw string) string {
	key, err := hex.DecodeString(secretHex)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(raw))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// occurrences searches every text or JSON column of every table the catalog lists for needle
// (any case, anywhere in the value) and returns the rows found per table.column.
func occurrences(t *testing.T, db *sql.DB, needle string) map[string]int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_catalog = current_database()
		  AND lower(data_type) IN ('text', 'varchar', 'character varying', 'json', 'jsonb')
		  AND table_name IN (SELECT table_name FROM information_schema.tables
		                     WHERE table_schema = current_schema() AND table_catalog = current_database() AND table_type = 'BASE TABLE')`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 50 {
		t.Fatalf("the catalog lists only %d text columns", len(cols))
	}
	out := map[string]int64{}
	for _, c := range cols {
		var n int64
		q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE strpos(lower(CAST(%s AS TEXT)), lower($1)) > 0`, store.Ident(c[0]), store.Ident(c[1]))
		if err := db.QueryRowContext(t.Context(), q, needle).Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", c[0], c[1], err)
		}
		if n > 0 {
			out[c[0]+"."+c[1]] = n
		}
	}
	return out
}

func total(m map[string]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

// rowsOf dumps, over every record kind, the rows whose dump contains mark (without ingest times).
func rowsOf(t *testing.T, db *sql.DB, mark string) []string {
	t.Helper()
	var out []string
	for _, k := range record.Kinds() {
		d, err := storetest.Dump(t.Context(), db, k, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range d {
			if strings.Contains(l, mark) {
				out = append(out, k.Name+": "+l)
			}
		}
	}
	if len(out) < 6 {
		t.Fatalf("only %d rows hold %s", len(out), mark)
	}
	return out
}

func dumpRollups(t *testing.T, db *sql.DB) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT measure, CAST(day AS TEXT), COALESCE(country, ''), COALESCE(platform, ''), COALESCE(store, ''), COALESCE(category, ''), COALESCE(currency, ''), CAST(CAST(v AS DECIMAL(20, 6)) AS TEXT), CAST(CAST(n AS DECIMAL(20, 6)) AS TEXT) FROM rollups`,
		`SELECT measure, CAST(day AS TEXT), key_text, COALESCE(country, ''), COALESCE(platform, ''), COALESCE(store, ''), COALESCE(category, ''), '', '' FROM rollup_firsts`,
	} {
		rows, err := db.QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var m int64
			v := make([]string, 8)
			if err := rows.Scan(&m, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(m, v))
		}
		rows.Close()
	}
	slices.Sort(out)
	if len(out) == 0 {
		t.Fatal("no rollups")
	}
	return out
}

func evalGMV(t *testing.T, pulso func(args ...string) string) float64 {
	t.Helper()
	out := pulso("kpi", "eval", "--kpi", "gmv", "--grain", "month", "--from", "2026-03-01", "--to", "2026-03-31", "--currency", "BRL", "--format", "json")
	var vals []struct {
		Value *float64 `json:"value"`
	}
	if err := json.Unmarshal([]byte(out), &vals); err != nil || len(vals) != 1 || vals[0].Value == nil {
		t.Fatalf("kpi eval: %v\n%s", err, out)
	}
	return *vals[0].Value
}

// regexpLine tells whether the table output has a line "table  rows  ..." with that count.
func regexpLine(out, table string, rows int) bool {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == table && f[1] == fmt.Sprint(rows) {
			return true
		}
	}
	return false
}
