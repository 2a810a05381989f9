package metric_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pulso/internal/metric"
	"pulso/internal/record"
)

// FuzzDefinitions feeds arbitrary YAML to ParseDefinitions: it never panics, and whatever it
// accepts compiles, for every breakdown the definition allows, to SQL that holds no text of
// the definition (no statement separator, no comment).
//
//	go test ./internal/metric -run '^$' -fuzz FuzzDefinitions -fuzztime 30s
func FuzzDefinitions(f *testing.F) {
	f.Add(metric.StandardYAML())
	f.Add([]byte(hostileBase))
	f.Add([]byte(strings.Replace(hostileBase, `n: {count: "true"}`,
		`n: {count: "store = 'o''brien;--'", where: "status != 'cancelled'"}`, 1)))
	f.Add([]byte(strings.Replace(hostileBase, `value: {measure: n}`, `value: {formula: "100 * (n - n) / (n + period_days)"}`, 1)))
	f.Add([]byte(strings.Replace(hostileBase, `n: {count: "true"}`, `n: {first_per: "buyer_ref"}`, 1)))
	f.Add([]byte(strings.Replace(hostileBase, `n: {count: "true"}`, `n: {quantile: "hours_between(created_at, shipped_at)", p: 0.25}`, 1)))
	f.Add([]byte(strings.Replace(hostileBase, "breakdowns: [country]", "breakdowns: [kind, source]\n  anchor: created_at", 1)))
	f.Add([]byte("- id: x\n  measures: {a: {freshness: true}}\n  value: {measure: a}\n"))
	f.Add([]byte("[]"))
	f.Add([]byte("- \n- id: a\n"))
	f.Add([]byte("- id: a\n  measures: {a: {count: ~}}\n"))
	f.Add([]byte("- &a {id: a}\n- *a\n"))

	kinds := record.NewCatalog()
	base, err := metric.Standard(kinds)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		defs, err := metric.ParseDefinitions(src, kinds)
		if err != nil {
			return
		}
		for i, d := range defs {
			d.ID = fmt.Sprintf("fuzz_%d", i) // never a standard id
			_ = d.Name("es")
			_ = d.Kinds()
			_ = d.IsRatio()
			_ = d.Better(1, 2)
		}
		cat, err := base.With(defs...)
		if err != nil {
			t.Fatalf("accepted definitions do not join the catalogue: %v", err)
		}
		e := &metric.Engine{Catalog: cat, Dialect: metric.DuckDB, Now: func() time.Time { return pinnedNow }}
		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
		for _, d := range defs {
			shapes := [][]string{nil}
			for _, b := range d.Breakdowns {
				shapes = append(shapes, []string{b})
			}
			for _, by := range shapes {
				for _, g := range []metric.Grain{{Name: "day"}, {Name: "week"}, {Name: "7d", Rolling: 7}} {
					qu := metric.Query{Tenant: "t", KPIs: []string{d.ID}, Grain: g, From: from, To: to, By: by,
						Filters: map[string][]string{"country": {"BR"}}}
					stmts, err := e.Compile(qu)
					if err != nil {
						t.Fatalf("%s by %v: %v", d.ID, by, err)
					}
					for _, s := range stmts {
						if strings.ContainsAny(s.SQL, ";'") || strings.Contains(s.SQL, "--") || strings.Contains(s.SQL, "/*") {
							t.Fatalf("%s by %v: definition text in the SQL:\n%s", d.ID, by, s.SQL)
						}
					}
				}
			}
		}
	})
}
