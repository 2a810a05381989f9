package metric_test

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pulso/internal/ingest"
	"pulso/internal/metric"
	"pulso/internal/record"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// Helpers shared by the KPI engine's tests: stores, fixture import through ingest, queries
// and the comparison of rows with hand-computed expectations.

// file is one fixture file of a kind: CSV text, header first. Lines are trimmed and blank
// lines dropped, so fixtures can be indented in the test source.
type file struct{ kind, csv string }

// dataset is one tenant's fixture files, each imported as one batch, in order.
type dataset struct {
	tenant string
	files  []file
}

func openDuck(t testing.TB) store.Store {
	t.Helper()
	s, err := duckdb.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openPostgres opens a migrated store in a fresh schema of the test server (skipped without
// one, except in CI).
func openPostgres(t testing.TB) store.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func trimCSV(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// importCSV imports one CSV text as one batch through ingest, as `pulso import` does.
func importCSV(t testing.TB, st store.Store, tenant, kind, text string) ingest.Result {
	t.Helper()
	body := trimCSV(text)
	in := ingest.Input{Name: kind + ".csv", Format: "csv", Open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(strings.NewReader(body)), int64(len(body)), nil
	}}
	res, err := ingest.New(st).Import(t.Context(), ingest.Options{Tenant: tenant, Kind: kind}, in)
	if err != nil {
		t.Fatalf("import %s for %s: %v", kind, tenant, err)
	}
	if res.Counts.Rejected != 0 {
		t.Fatalf("import %s for %s: %d rows rejected", kind, tenant, res.Counts.Rejected)
	}
	return res
}

func load(t testing.TB, st store.Store, sets ...dataset) {
	t.Helper()
	for _, ds := range sets {
		for _, f := range ds.files {
			importCSV(t, st, ds.tenant, f.kind, f.csv)
		}
	}
}

func standard(t testing.TB) *metric.Catalog {
	t.Helper()
	cat, err := metric.Standard(record.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// pinnedNow is the engine clock of the tests (after every fixture date, before any real
// import time, so that real imports never count as data freshness unless a test says so).
var pinnedNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newEngine(t testing.TB, st store.Store) *metric.Engine {
	t.Helper()
	d, err := metric.DialectFor(string(st.Engine()))
	if err != nil {
		t.Fatal(err)
	}
	return &metric.Engine{Catalog: standard(t), DB: st.DB(), Dialect: d, Now: func() time.Time { return pinnedNow }}
}

// day parses a local date.
func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func grain(t testing.TB, name string) metric.Grain {
	t.Helper()
	g, err := metric.ParseGrain(name)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// q builds a query; AsOf defaults to long after the fixtures, so no period is provisional.
func q(t testing.TB, tenant, g, from, to string, kpis ...string) metric.Query {
	return metric.Query{Tenant: tenant, KPIs: kpis, Grain: grain(t, g), From: day(from), To: day(to), AsOf: day("2026-12-31")}
}

func eval(t testing.TB, e *metric.Engine, qu metric.Query) []metric.Row {
	t.Helper()
	rows, err := e.Eval(t.Context(), qu)
	if err != nil {
		t.Fatalf("eval %v %s %s..%s by %v: %v", qu.KPIs, qu.Grain.Name, qu.From.Format(time.DateOnly), qu.To.Format(time.DateOnly), qu.By, err)
	}
	return rows
}

// scopeText is a row's scope as "dim=value,dim=value" in the order of by.
func scopeText(by []string, sc map[string]string) string {
	parts := make([]string, 0, len(by))
	for _, b := range by {
		parts = append(parts, b+"="+sc[b])
	}
	return strings.Join(parts, ",")
}

func rowKey(by []string, r metric.Row) string {
	return r.KPI + " " + r.Grain + " " + r.Period + " [" + scopeText(by, r.Scope) + "]"
}

// none marks an expected missing value (a zero denominator, no records).
var none = math.NaN()

// want is one expected row. value, num and den are hand-computed; none means no value. For
// ratio KPIs num and den are checked too; for the others the row must have neither.
type want struct {
	kpi, period, scope string
	value              float64
	num, den           float64
	prov               bool
}

// val is the expectation of a value (none: no value) of a KPI that is not a ratio.
func val(x float64) want { return want{value: x, num: none, den: none} }

// frac is the expectation of a ratio KPI: num / den, no value when den is 0.
func frac(num, den float64) want {
	w := want{value: none, num: num, den: den}
	if den != 0 {
		w.value = num / den
	}
	return w
}

// at places an expectation on a KPI, period and scope.
func at(kpi, period, scope string, w want) want {
	w.kpi, w.period, w.scope = kpi, period, scope
	return w
}

// series places expectations on periods starting at first, step days apart; days on
// consecutive days.
func series(kpi, scope, first string, step int, ws ...want) []want {
	d := day(first)
	out := make([]want, len(ws))
	for i, w := range ws {
		out[i] = at(kpi, d.AddDate(0, 0, i*step).Format(time.DateOnly), scope, w)
	}
	return out
}

func days(kpi, scope, first string, ws ...want) []want { return series(kpi, scope, first, 1, ws...) }

func (w want) provisional() want { w.prov = true; return w }

func wants(groups ...[]want) []want { return slices.Concat(groups...) }

func near(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

func sameNum(got *float64, want float64) bool {
	if math.IsNaN(want) {
		return got == nil
	}
	return got != nil && near(*got, want)
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprint(*p)
}

func fmtWant(f float64) string {
	if math.IsNaN(f) {
		return "—"
	}
	return fmt.Sprint(f)
}

// check compares rows with expectations. With exact, rows of the expectations' KPIs that
// are not expected are an error too.
func check(t testing.TB, by []string, rows []metric.Row, exact bool, wants ...want) {
	t.Helper()
	got := map[string]metric.Row{}
	for _, row := range rows {
		k := rowKey(by, row)
		if _, dup := got[k]; dup {
			t.Errorf("row %s returned twice", k)
		}
		got[k] = row
	}
	cat := standard(t)
	seen := map[string]bool{}
	kpis := map[string]bool{}
	for _, w := range wants {
		kpis[w.kpi] = true
		var row *metric.Row
		for k, gr := range got {
			if gr.KPI == w.kpi && gr.Period == w.period && scopeText(by, gr.Scope) == w.scope {
				gr := gr
				row, seen[k] = &gr, true
			}
		}
		if row == nil {
			t.Errorf("%s %s [%s]: no row (rows: %s)", w.kpi, w.period, w.scope, keysOf(got, w.kpi))
			continue
		}
		isRatio := !math.IsNaN(w.num) || !math.IsNaN(w.den) // a tenant's own KPI
		if d, err := cat.Get(w.kpi); err == nil {
			isRatio = d.IsRatio()
		}
		if !sameNum(row.Value, w.value) {
			t.Errorf("%s %s [%s]: value %s, want %s", w.kpi, w.period, w.scope, fmtPtr(row.Value), fmtWant(w.value))
		}
		if isRatio {
			if !sameNum(row.Numerator, w.num) || !sameNum(row.Denominator, w.den) {
				t.Errorf("%s %s [%s]: %s / %s, want %s / %s", w.kpi, w.period, w.scope,
					fmtPtr(row.Numerator), fmtPtr(row.Denominator), fmtWant(w.num), fmtWant(w.den))
			}
		} else if row.Numerator != nil || row.Denominator != nil {
			t.Errorf("%s %s [%s]: not a ratio but has numerator %s, denominator %s", w.kpi, w.period, w.scope, fmtPtr(row.Numerator), fmtPtr(row.Denominator))
		}
		if row.Provisional != w.prov {
			t.Errorf("%s %s [%s]: provisional %v, want %v", w.kpi, w.period, w.scope, row.Provisional, w.prov)
		}
	}
	if exact {
		var extra []string
		for k, gr := range got {
			if kpis[gr.KPI] && !seen[k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		if len(extra) > 0 {
			t.Errorf("unexpected rows: %s", strings.Join(extra, "; "))
		}
	}
}

func keysOf(got map[string]metric.Row, kpi string) string {
	var ks []string
	for k, r := range got {
		if r.KPI == kpi {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return strings.Join(ks, "; ")
}
