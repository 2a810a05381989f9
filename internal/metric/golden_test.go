package metric_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pulso/internal/metric"
	"pulso/internal/store"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/<dialect>/*.sql from the compiler")

// goldenQueries are representative shapes of generated SQL.
var goldenQueries = []struct {
	name string
	q    func(t testing.TB) metric.Query
}{
	{"late_shipment_rate_by_country", func(t testing.TB) metric.Query {
		// a ratio of two counts, one group of daily parts, by a breakdown
		x := q(t, "acme", "day", "2026-03-02", "2026-03-08", "late_shipment_rate")
		x.By = []string{"country"}
		return x
	}},
	{"order_handling_hours_p90_week", func(t testing.TB) metric.Query {
		// a quantile, per period (two ISO weeks) over the raw records
		return q(t, "acme", "week", "2026-03-02", "2026-03-15", "order_handling_hours_p90")
	}},
	{"return_rate_by_category", func(t testing.TB) metric.Query {
		// a ratio of two kinds with different anchors
		x := q(t, "acme", "day", "2026-03-02", "2026-03-04", "return_rate")
		x.By = []string{"category"}
		return x
	}},
	{"cac_filtered_7d", func(t testing.TB) metric.Query {
		// first records ever per buyer, rolling windows, filters as arguments
		x := q(t, "acme", "7d", "2026-03-08", "2026-03-09", "cac")
		x.By = []string{"country"}
		x.Filters = map[string][]string{"country": {"BR", "MX"}, "platform": {"mercadolibre"}}
		return x
	}},
	{"inventory_turnover_quarter", func(t testing.TB) metric.Query {
		// count_distinct, two kinds, money (a currency column)
		return q(t, "acme", "quarter", "2026-01-01", "2026-03-31", "inventory_turnover")
	}},
	{"sales_and_margins", func(t testing.TB) metric.Query {
		// measures shared between KPIs compile once
		x := q(t, "acme", "month", "2026-03-01", "2026-03-31", "gmv", "average_order_value", "gross_margin", "contribution_margin")
		x.Currency = "CNY"
		return x
	}},
	{"data_freshness_by_kind", func(t testing.TB) metric.Query {
		x := q(t, "acme", "day", "2026-03-10", "2026-03-10", "data_freshness_hours")
		x.By = []string{"kind"}
		return x
	}},
}

// render is the golden text of compiled statements: each SQL, then its arguments.
func render(stmts []metric.Statement) string {
	var b strings.Builder
	for i, s := range stmts {
		fmt.Fprintf(&b, "-- statement %d\n%s;\n", i+1, s.SQL)
		for j, a := range s.Args {
			fmt.Fprintf(&b, "-- $%d = %#v\n", j+1, a)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestGoldenSQL(t *testing.T) {
	for _, d := range []metric.Dialect{metric.DuckDB, metric.Postgres} {
		e := &metric.Engine{Catalog: standard(t), Dialect: d, Now: func() time.Time { return pinnedNow }}
		for _, g := range goldenQueries {
			t.Run(d.Name+"/"+g.name, func(t *testing.T) {
				stmts, err := e.Compile(g.q(t))
				if err != nil {
					t.Fatal(err)
				}
				got := render(stmts)
				path := filepath.Join("testdata", "golden", d.Name, g.name+".sql")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/metric -run TestGoldenSQL -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the compiler's output (review, then -update):\n--- got\n%s\n--- want\n%s", path, got, want)
				}
			})
		}
	}
}

// Every statement the compiler generates runs on both engines: each KPI of the template in
// several query shapes, and the golden queries.
func TestGeneratedSQLRuns(t *testing.T) {
	engines := []struct {
		name string
		open func(testing.TB) store.Store
	}{{"duckdb", openDuck}, {"postgres", openPostgres}}
	for _, en := range engines {
		t.Run(en.name, func(t *testing.T) {
			st := en.open(t)
			load(t, st, salesData, fxData)
			e := newEngine(t, st)
			var queries []metric.Query
			for _, g := range goldenQueries {
				queries = append(queries, g.q(t))
			}
			for _, d := range e.Catalog.All() {
				for _, shape := range []struct {
					grain string
					by    []string
				}{{"day", nil}, {"week", d.Breakdowns[:1]}, {"7d", d.Breakdowns}, {"quarter", d.Breakdowns[len(d.Breakdowns)-1:]}} {
					x := q(t, "sales", shape.grain, "2026-03-01", "2026-03-10", d.ID)
					x.By = shape.by
					x.Filters = map[string][]string{"store": {"s1", "s2"}}
					queries = append(queries, x)
				}
			}
			n := 0
			for _, x := range queries {
				stmts, err := e.Compile(x)
				if err != nil {
					t.Fatalf("compile %v by %v: %v", x.KPIs, x.By, err)
				}
				for _, s := range stmts {
					ps, err := st.DB().PrepareContext(t.Context(), s.SQL)
					if err != nil {
						t.Errorf("prepare %v %s by %v: %v\n%s", x.KPIs, x.Grain.Name, x.By, err, s.SQL)
						continue
					}
					rows, err := ps.QueryContext(t.Context(), s.Args...)
					if err != nil {
						ps.Close()
						t.Errorf("%v %s by %v: %v\n%s", x.KPIs, x.Grain.Name, x.By, err, s.SQL)
						continue
					}
					for rows.Next() {
					}
					if err := rows.Err(); err != nil {
						t.Errorf("%v %s by %v: %v\n%s", x.KPIs, x.Grain.Name, x.By, err, s.SQL)
					}
					rows.Close()
					ps.Close()
					n++
				}
				// and the engine reads what they return
				if _, err := e.Eval(t.Context(), x); err != nil {
					t.Errorf("eval %v %s by %v: %v", x.KPIs, x.Grain.Name, x.By, err)
				}
			}
			t.Logf("%d statements ran", n)
		})
	}
}
