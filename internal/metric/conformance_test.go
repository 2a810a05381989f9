package metric_test

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pulso/internal/metric"
)

// The same fixtures on DuckDB and PostgreSQL give the same rows: same periods and scopes,
// values, numerators and denominators equal to 1e-9 relative, same provisional flags. Every
// KPI, without a breakdown and by each breakdown it allows (and two at once), for day and
// week grains and a 7-day rolling window.
func TestEnginesAgree(t *testing.T) {
	pg := openPostgres(t) // skipped without a test server, except in CI
	dk := openDuck(t)
	// Every fixture file in one tenant (their keys do not collide), and the import log of
	// tenant "fresh".
	all := dataset{tenant: "all"}
	for _, ds := range allData {
		all.files = append(all.files, ds.files...)
	}
	load(t, dk, all)
	load(t, pg, all)
	insertImports(t, dk.DB())
	insertImports(t, pg.DB())
	ed, ep := newEngine(t, dk), newEngine(t, pg)

	cat := standard(t)
	tenants := []string{"all", "fresh"}
	// by-sets: none, each dimension, and country with each other dimension.
	bySets := [][]string{nil}
	for _, d := range metric.Dimensions {
		bySets = append(bySets, []string{d})
		if d != "country" {
			bySets = append(bySets, []string{"country", d})
		}
	}
	grains := []struct{ grain, from, to, asOf string }{
		{"day", "2026-02-08", "2026-04-06", "2026-03-05"},
		{"week", "2026-02-08", "2026-04-06", "2026-03-05"},
		{"7d", "2026-02-26", "2026-04-06", "2026-03-05"},
	}
	valued := map[string]int{}  // non-null values compared, per KPI
	scoped := map[string]bool{} // KPIs compared with a breakdown that had a value
	compared := 0
	for _, by := range bySets {
		var kpis []string
		for _, d := range cat.All() {
			if allows(d, by) {
				kpis = append(kpis, d.ID)
			}
		}
		if len(kpis) == 0 {
			continue
		}
		for _, tenant := range tenants {
			for _, g := range grains {
				qu := q(t, tenant, g.grain, g.from, g.to, kpis...)
				qu.By, qu.AsOf = by, day(g.asOf)
				if tenant == "fresh" {
					// Freshness is measured on the as-of day; the engine clock is 03-10 12:00.
					qu.AsOf = day("2026-03-10")
				}
				name := fmt.Sprintf("%s %s by %v", tenant, g.grain, by)
				a, b := evalFresh(t, ed, qu, tenant), evalFresh(t, ep, qu, tenant)
				n, err := sameRows(by, a, b)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				compared += n
				for _, r := range a {
					if r.Value != nil {
						valued[r.KPI]++
						if len(by) > 0 {
							scoped[r.KPI] = true
						}
					}
				}
			}
		}
	}
	for _, d := range cat.All() {
		if valued[d.ID] == 0 {
			t.Errorf("%s: no value was compared (the fixtures do not exercise it)", d.ID)
		}
		if !scoped[d.ID] {
			t.Errorf("%s: no value was compared with a breakdown", d.ID)
		}
	}
	t.Logf("%d rows compared", compared)
}

// allows tells whether d may be broken down by every dimension of by.
func allows(d *metric.Definition, by []string) bool {
	for _, b := range by {
		if !slices.Contains(d.Breakdowns, b) {
			return false
		}
	}
	return true
}

// evalFresh evaluates with the clock at 2026-03-10 12:00Z for the tenant whose import log
// insertImports wrote (other tenants' real imports are later than the pinned clock).
func evalFresh(t *testing.T, e *metric.Engine, qu metric.Query, tenant string) []metric.Row {
	t.Helper()
	x := *e
	if tenant == "fresh" {
		x.Now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
	}
	return eval(t, &x, qu)
}

// sameRows compares two engines' rows and returns how many there were.
func sameRows(by []string, a, b []metric.Row) (int, error) {
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
	ma, ka := index(a)
	mb, kb := index(b)
	if !slices.Equal(ka, kb) {
		return 0, fmt.Errorf("different rows:\nduckdb   %s\npostgres %s", strings.Join(diff(ka, kb), "; "), strings.Join(diff(kb, ka), "; "))
	}
	var errs []string
	for _, k := range ka {
		ra, rb := ma[k], mb[k]
		for _, f := range []struct {
			name string
			x, y *float64
		}{{"value", ra.Value, rb.Value}, {"numerator", ra.Numerator, rb.Numerator}, {"denominator", ra.Denominator, rb.Denominator}} {
			if !samePtr(f.x, f.y) {
				errs = append(errs, fmt.Sprintf("%s: %s duckdb %s, postgres %s", k, f.name, fmtPtr(f.x), fmtPtr(f.y)))
			}
		}
		if ra.Provisional != rb.Provisional {
			errs = append(errs, fmt.Sprintf("%s: provisional duckdb %v, postgres %v", k, ra.Provisional, rb.Provisional))
		}
	}
	if len(errs) > 0 {
		return 0, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return len(ka), nil
}

func samePtr(x, y *float64) bool {
	if x == nil || y == nil {
		return x == nil && y == nil
	}
	return near(*x, *y) || math.IsNaN(*x) && math.IsNaN(*y)
}

// diff lists the keys of a that b lacks.
func diff(a, b []string) []string {
	var out []string
	for _, k := range a {
		if !slices.Contains(b, k) {
			out = append(out, k)
		}
	}
	return out
}
