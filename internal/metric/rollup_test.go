package metric_test

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pulso/internal/demo"
	"pulso/internal/ingest"
	"pulso/internal/metric"
	"pulso/internal/record"
	"pulso/internal/store"
)

// Rollups must never change a number: every KPI, read through the daily rollups, equals the
// same KPI read from the raw records, on both engines, after imports that insert, update (move
// records to other days, change their buyer, their dimensions, their amounts) and re-import.

func TestRollupsMatchRaw(t *testing.T) {
	for _, eng := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"duckdb", openDuck}, {"postgres", openPostgres}} {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			st := eng.open(t)
			const tenant = "rolls"
			dir := t.TempDir()
			files, err := demo.Generate(demo.Config{Days: 40, End: day("2026-03-31"), Scale: 0.1}, dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				importFile(t, st, tenant, f.Kind, f.Path)
			}
			// The fixtures too: edge cases (empty dimensions, missing amounts, several
			// currencies, DST), each in its own tenant.
			load(t, st, salesData, shipData, logisticsData, serviceData, supplyData, fxData, edgesData)
			compareAll(t, st, "imported", tenant)
			for _, ds := range []dataset{salesData, shipData, logisticsData, serviceData, supplyData, fxData, edgesData} {
				compareAll(t, st, "fixture "+ds.tenant, ds.tenant)
			}

			orders := readCSV(t, filepath.Join(dir, "orders.csv"))
			shipments := readCSV(t, filepath.Join(dir, "shipments.csv"))
			tickets := readCSV(t, filepath.Join(dir, "tickets.csv"))

			// Update: move every 7th order three days later (all its timestamps), ship every
			// 11th a day earlier, give every 13th another buyer (a returning buyer's first
			// order moves), another store and category every 17th, another amount every 19th.
			moved := orders.edit(func(i int, r map[string]string) bool {
				changed := false
				if i%7 == 0 {
					for _, c := range []string{"created_at", "paid_at", "handling_deadline", "shipped_at", "estimated_delivery_at", "delivered_at", "cancelled_at"} {
						r[c] = shiftDays(r[c], 3)
					}
					changed = true
				}
				if i%11 == 0 && r["shipped_at"] != "" {
					r["shipped_at"] = shiftDays(r["shipped_at"], -1)
					changed = true
				}
				if i%13 == 0 {
					r["buyer_ref"] = fmt.Sprintf("moved-%d", i%40)
					changed = true
				}
				if i%17 == 0 {
					r["store"], r["category"] = r["store"]+"-x", "moved"
					changed = true
				}
				if i%19 == 0 && r["gross_amount"] != "" {
					r["gross_amount"] = "999.5"
					changed = true
				}
				return changed
			})
			importText(t, st, tenant, "orders", moved)
			compareSome(t, st, "orders moved", tenant)

			// Shipments: close every 5th parcel as lost instead of delivered (the coalesce
			// anchor moves), hold every 9th at customs.
			lost := shipments.edit(func(i int, r map[string]string) bool {
				if i%5 == 0 && r["delivered_at"] != "" {
					r["lost_at"], r["delivered_at"] = shiftDays(r["delivered_at"], 2), ""
					return true
				}
				if i%9 == 0 {
					r["customs_held"] = "true"
					return true
				}
				return false
			})
			importText(t, st, tenant, "shipments", lost)
			tickets2 := tickets.edit(func(i int, r map[string]string) bool {
				if i%6 == 0 {
					r["created_at"] = shiftDays(r["created_at"], -2)
					r["country"] = "MX"
					return true
				}
				return false
			})
			importText(t, st, tenant, "tickets", tickets2)
			compareSome(t, st, "shipments and tickets changed", tenant)

			// The same files again change nothing; the original orders move everything back;
			// new orders after the last day are inserted.
			importText(t, st, tenant, "orders", moved)
			compareSome(t, st, "re-imported unchanged", tenant)
			importFile(t, st, tenant, "orders", filepath.Join(dir, "orders.csv"))
			compareSome(t, st, "moved back", tenant)
			later := orders.edit(func(i int, r map[string]string) bool {
				if i%5 != 0 {
					return false
				}
				r["order_id"] += "-later"
				for _, c := range []string{"created_at", "paid_at", "handling_deadline", "shipped_at", "estimated_delivery_at", "delivered_at", "cancelled_at"} {
					r[c] = shiftDays(r[c], 20)
				}
				return true
			})
			importText(t, st, tenant, "orders", later)
			compareSome(t, st, "new orders", tenant)

			// Incremental upkeep leaves the same rollups as a rebuild from scratch.
			before := dumpRollups(t, st, tenant)
			if err := metric.RebuildRollups(t.Context(), st, tenant); err != nil {
				t.Fatal(err)
			}
			after := dumpRollups(t, st, tenant)
			if len(before) == 0 {
				t.Fatal("no rollups kept")
			}
			diffRollups(t, before, after)
			compareAll(t, st, "rebuilt", tenant)
		})
	}
}

// TestRollupsFollowDefinitions: a tenant's own KPI is read from raw records until an import of
// its kind materialises its measures, and a removed KPI's rollups go at the next import.
func TestRollupsFollowDefinitions(t *testing.T) {
	st := openDuck(t)
	load(t, st, salesData)
	yaml := `
- id: big_orders
  names: {zh-CN: 大单, es: Pedidos grandes, pt-BR: Pedidos grandes, en: Big orders}
  module: sales
  unit: count
  direction: up
  kind: orders
  anchor: created_at
  breakdowns: [country]
  measures:
    big: {count: "gross_amount >= 100"}
  value: {measure: big}
`
	if err := st.PutKPIDefinitions(t.Context(), "sales", []store.KPIDefinition{{ID: "big_orders", YAML: yaml}}); err != nil {
		t.Fatal(err)
	}
	defs, err := metric.ParseDefinitions([]byte(yaml), record.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	cat, err := standard(t).With(defs...)
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, st)
	e.Catalog = cat
	qu := q(t, "sales", "day", "2026-03-02", "2026-03-09", "big_orders", "orders")
	qu.By = []string{"country"}
	reads := func() (rollups, raw int) {
		sts, err := e.Statements(t.Context(), qu)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sts {
			if strings.Contains(s.SQL, "FROM rollups") {
				rollups++
			} else {
				raw++
			}
		}
		return
	}
	if r, w := reads(); r != 1 || w != 1 {
		t.Fatalf("before an import: %d statements over rollups, %d over raw records; want 1 and 1", r, w)
	}
	importCSV(t, st, "sales", "orders", `
		order_id,platform,country,store,created_at,status,currency,gross_amount
		S10,mercadolibre,BR,s1,2026-03-04 10:00:00,paid,USD,150
	`)
	if r, w := reads(); r != 1 || w != 0 {
		t.Fatalf("after an import: %d statements over rollups, %d over raw records; want 1 and 0", r, w)
	}
	compare(t, e, qu, "own kpi")
	if err := st.DeleteKPIDefinition(t.Context(), "sales", "big_orders"); err != nil {
		t.Fatal(err)
	}
	importCSV(t, st, "sales", "orders", `
		order_id,platform,country,store,created_at,status,currency,gross_amount
		S11,mercadolibre,BR,s1,2026-03-05 10:00:00,paid,USD,150
	`)
	if r, w := reads(); r != 1 || w != 1 { // the KPI's measure is no longer materialised
		t.Fatalf("after removal: %d statements over rollups, %d over raw records; want 1 and 1", r, w)
	}
	compare(t, e, qu, "removed kpi")
}

// rollupQueries are the query shapes compared: breakdowns and filters within the rollups'
// dimensions (read there) and beyond them (read from raw records), calendar and rolling grains.
type rollupQuery struct {
	grain   string
	by      []string
	filters map[string][]string
}

var rollupQueries = []rollupQuery{
	{"day", nil, nil},
	{"day", []string{"country"}, nil},
	{"week", []string{"platform"}, nil},
	{"month", []string{"store"}, nil},
	{"7d", []string{"category"}, nil},
	{"day", []string{"country", "platform"}, nil},
	{"day", []string{"platform"}, map[string][]string{"country": {"BR", "MX"}}},
	{"28d", nil, map[string][]string{"category": {"shoes", "apparel", "moved"}, "store": {"s1", "ml-br-1", "ml-mx-1"}}},
	{"day", []string{"carrier"}, nil},
	{"day", []string{"country"}, map[string][]string{"carrier": {"loggi", "estafeta"}}},
}

// compareAll compares every KPI of the catalogue, from rollups and from raw records, over
// the tenant's whole history in every query shape, and checks that rollups were read.
func compareAll(t *testing.T, st store.Store, step, tenant string) {
	t.Helper()
	compareShapes(t, st, step, tenant, rollupQueries)
}

// compareSome compares in the shapes that read every kind of rollup: additive parts, first
// records, per-day quantiles, over days, calendar weeks and rolling windows.
func compareSome(t *testing.T, st store.Store, step, tenant string) {
	t.Helper()
	compareShapes(t, st, step, tenant, []rollupQuery{rollupQueries[1], rollupQueries[2], rollupQueries[4]})
}

func compareShapes(t *testing.T, st store.Store, step, tenant string, shapes []rollupQuery) {
	t.Helper()
	e := newEngine(t, st)
	var first, last time.Time
	err := st.DB().QueryRowContext(t.Context(), `SELECT min(created_at_local), max(created_at_local) FROM orders WHERE tenant_id = $1`, tenant).Scan(nullTime(&first), nullTime(&last))
	if err != nil {
		t.Fatal(err)
	}
	if first.IsZero() {
		first, last = day("2026-01-01"), day("2026-04-30")
	}
	usedRollups := false
	for _, rq := range shapes {
		var kpis []string
		for _, d := range e.Catalog.All() {
			ok := true
			for _, b := range rq.by {
				ok = ok && slices.Contains(d.Breakdowns, b)
			}
			if ok {
				kpis = append(kpis, d.ID)
			}
		}
		qu := q(t, tenant, rq.grain, first.AddDate(0, 0, -3).Format(time.DateOnly), last.AddDate(0, 0, 25).Format(time.DateOnly), kpis...)
		qu.By, qu.Filters = rq.by, rq.filters
		sts, err := e.Statements(t.Context(), qu)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sts {
			usedRollups = usedRollups || strings.Contains(s.SQL, "FROM rollups")
		}
		compare(t, e, qu, fmt.Sprintf("%s: %s by %v where %v", step, rq.grain, rq.by, rq.filters))
	}
	if !usedRollups {
		t.Errorf("%s: no query read the rollups", step)
	}
}

// compare evaluates qu from rollups (e) and from raw records and requires the same rows.
func compare(t *testing.T, e *metric.Engine, qu metric.Query, what string) {
	t.Helper()
	raw := *e
	raw.Raw = true
	want := eval(t, &raw, qu)
	got := eval(t, e, qu)
	if msg := rollupDiff(qu.By, got, want); msg != "" {
		t.Errorf("%s: rollups differ from raw records: %s", what, msg)
	}
}

// rollupDiff compares two results to 1e-9 (relative); "" when equal.
func rollupDiff(by []string, got, want []metric.Row) string {
	index := func(rows []metric.Row) (map[string]metric.Row, []string) {
		m := map[string]metric.Row{}
		var keys []string
		for _, r := range rows {
			k := rowKey(by, r)
			m[k] = r
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return m, keys
	}
	g, gk := index(got)
	w, wk := index(want)
	if !slices.Equal(gk, wk) {
		var only []string
		for _, k := range gk {
			if _, ok := w[k]; !ok {
				only = append(only, "+"+k)
			}
		}
		for _, k := range wk {
			if _, ok := g[k]; !ok {
				only = append(only, "-"+k)
			}
		}
		if len(only) > 8 {
			only = append(only[:8], "...")
		}
		return fmt.Sprintf("%d rows, want %d: %s", len(got), len(want), strings.Join(only, " "))
	}
	var bad []string
	for _, k := range wk {
		a, b := g[k], w[k]
		if !samePtr(a.Value, b.Value) || !samePtr(a.Numerator, b.Numerator) || !samePtr(a.Denominator, b.Denominator) || a.Provisional != b.Provisional {
			bad = append(bad, fmt.Sprintf("%s: %s (%s/%s), want %s (%s/%s)", k, fmtPtr(a.Value), fmtPtr(a.Numerator), fmtPtr(a.Denominator),
				fmtPtr(b.Value), fmtPtr(b.Numerator), fmtPtr(b.Denominator)))
		}
	}
	if len(bad) > 0 {
		if len(bad) > 8 {
			bad = append(bad[:8], fmt.Sprintf("... (%d in all)", len(bad)))
		}
		return strings.Join(bad, "; ")
	}
	return ""
}

type nullTimeDest struct{ t *time.Time }

func (n nullTimeDest) Scan(v any) error {
	var nt sql.NullTime
	if err := nt.Scan(v); err != nil {
		return err
	}
	if nt.Valid {
		*n.t = nt.Time.UTC()
	}
	return nil
}

func nullTime(t *time.Time) nullTimeDest { return nullTimeDest{t} }

// dumpRollups lists a tenant's rollup rows (values rounded, for comparison) by measure, day,
// dimensions and currency.
func dumpRollups(t *testing.T, st store.Store, tenant string) map[string][2]float64 {
	t.Helper()
	rows, err := st.DB().QueryContext(t.Context(), `SELECT measure, day, country, platform, store, category, currency, v, n
		FROM rollups WHERE tenant_id = $1`, tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]float64{}
	for rows.Next() {
		var id int64
		var d time.Time
		var dims [5]sql.NullString
		var v, n float64
		if err := rows.Scan(&id, &d, &dims[0], &dims[1], &dims[2], &dims[3], &dims[4], &v, &n); err != nil {
			t.Fatal(err)
		}
		k := fmt.Sprint(id, " ", d.Format(time.DateOnly))
		for _, x := range dims {
			k += " " + fmt.Sprint(x.String, x.Valid)
		}
		if _, dup := out[k]; dup {
			t.Errorf("rollup row %s twice", k)
		}
		out[k] = [2]float64{v, n}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func diffRollups(t *testing.T, kept, rebuilt map[string][2]float64) {
	t.Helper()
	var bad []string
	for k, v := range rebuilt {
		if w, ok := kept[k]; !ok || !near(v[0], w[0]) || !near(v[1], w[1]) {
			bad = append(bad, fmt.Sprintf("%s: kept %v, rebuilt %v", k, w, v))
		}
	}
	for k, w := range kept {
		if _, ok := rebuilt[k]; !ok {
			bad = append(bad, fmt.Sprintf("%s: kept %v, not rebuilt", k, w))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("%d rollup rows kept on import differ from a rebuild: %s", len(bad), strings.Join(bad[:min(len(bad), 10)], "; "))
	}
}

// csvFile is a CSV file held in memory.
type csvFile struct {
	header []string
	rows   [][]string
}

func readCSV(t *testing.T, path string) csvFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return csvFile{header: all[0], rows: all[1:]}
}

// edit returns the CSV text of the rows fn changes (fn sees and edits a row by column name).
func (c csvFile) edit(fn func(i int, r map[string]string) bool) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(c.header)
	for i, row := range c.rows {
		r := map[string]string{}
		for j, h := range c.header {
			r[h] = row[j]
		}
		if !fn(i, r) {
			continue
		}
		out := make([]string, len(c.header))
		for j, h := range c.header {
			out[j] = r[h]
		}
		w.Write(out)
	}
	w.Flush()
	return b.String()
}

// shiftDays moves a timestamp or date written as YYYY-MM-DD... by n days ("" stays "").
func shiftDays(s string, n int) string {
	if len(s) < 10 {
		return s
	}
	d, err := time.Parse(time.DateOnly, s[:10])
	if err != nil {
		panic(err)
	}
	return d.AddDate(0, 0, n).Format(time.DateOnly) + s[10:]
}

func importText(t *testing.T, st store.Store, tenant, kind, body string) {
	t.Helper()
	in := ingest.Input{Name: kind + ".csv", Format: "csv", Open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(strings.NewReader(body)), int64(len(body)), nil
	}}
	if _, err := ingest.New(st).Import(t.Context(), ingest.Options{Tenant: tenant, Kind: kind}, in); err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
}

func importFile(t *testing.T, st store.Store, tenant, kind, path string) {
	t.Helper()
	in, err := ingest.FileInput(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.New(st).Import(t.Context(), ingest.Options{Tenant: tenant, Kind: kind, Source: "demo"}, in); err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
}
