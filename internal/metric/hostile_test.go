package metric_test

import (
	"errors"
	"strings"
	"testing"

	"pulso/internal/metric"
	"pulso/internal/record"
)

// Definitions and queries written to break out of the SQL, or merely wrong: each is rejected
// with an error that names the KPI and the field, and no text of a definition or a query
// value reaches the SQL other than checked column names.

// hostileBase is a valid definition; each case replaces one line of it.
const hostileBase = `
- id: hostile
  names: {zh-CN: x, es: x, pt-BR: x, en: x}
  module: sales
  unit: count
  direction: up
  kind: orders
  anchor: created_at
  breakdowns: [country]
  measures:
    n: {count: "true"}
  value: {measure: n}
`

func TestHostileDefinitions(t *testing.T) {
	kinds := record.NewCatalog()
	if _, err := metric.ParseDefinitions([]byte(hostileBase), kinds); err != nil {
		t.Fatalf("the base definition is valid: %v", err)
	}
	cases := []struct {
		name, old, new string
		want           string // the exact error, or with a trailing "…" its beginning
	}{
		{"semicolon", `n: {count: "true"}`, `n: {count: "true; drop table orders"}`,
			`kpi hostile: measures.n.count: expr: 1:5: unexpected character ';'`},
		{"line comment", `n: {count: "true"}`, `n: {count: "true -- and false"}`,
			`kpi hostile: measures.n.count: expr: 1:6: comments are not allowed`},
		{"block comment", `n: {count: "true"}`, `n: {sum: "gross_amount /* x */"}`,
			`kpi hostile: measures.n.sum: expr: 1:14: comments are not allowed`},
		{"double quote", `n: {count: "true"}`, `n: {sum: 'gross_amount"'}`,
			`kpi hostile: measures.n.sum: expr: 1:13: unexpected character '"' (strings are in single quotes: 'text')`},
		{"unknown column", `n: {count: "true"}`, `n: {count: "no_such_col > 1"}`,
			`kpi hostile: measures.n.count: expr: 1:1: unknown column "no_such_col"`},
		{"unknown function", `n: {count: "true"}`, `n: {sum: "pg_sleep(10)"}`,
			`kpi hostile: measures.n.sum: expr: 1:1: unknown function "pg_sleep" (functions: abs, coalesce, days_between, hours_between, local_date)`},
		{"breakdown not in the kind", `breakdowns: [country]`, `breakdowns: [channel]`,
			`kpi hostile: breakdowns: "channel" is not a column of orders (measure n)`},
		{"breakdown with SQL", `breakdowns: [country]`, `breakdowns: ["country; drop table orders"]`,
			`kpi hostile: breakdowns: unknown dimension "country; drop table orders" (use country, platform, store, category, sku, warehouse, carrier, fulfillment, service, channel, reason, campaign, source, kind)`},
		{"unknown measure kind", `n: {count: "true"}`, `n: {kind: sales_orders, count: "true"}`,
			`kpi hostile: measures.n.kind: unknown record kind "sales_orders" (known: ads, fx_rates, inventory, nps_responses, order_items, orders, platform_scores, purchase_orders, returns, reviews, shipments, tickets, traffic)`},
		{"anchor with SQL", `anchor: created_at`, `anchor: "created_at; drop table orders"`,
			`kpi hostile: measures.n.anchor: "created_at; drop table orders" is not a column of orders`},
		{"anchor not a timestamp", `anchor: created_at`, `anchor: "coalesce(created_at, store)"`,
			`kpi hostile: measures.n.anchor: "store" is not a timestamp column`},
		{"formula with SQL", `value: {measure: n}`, `value: {formula: "n; drop table orders"}`,
			`kpi hostile: value.formula: unexpected ";" at 2`},
		{"formula unknown measure", `value: {measure: n}`, `value: {ratio: [n, orders]}`,
			`kpi hostile: value.ratio: unknown measure "orders" at 5 (measures: n)`},
		{"measure name with SQL", `n: {count: "true"}`, `"n; drop": {count: "true"}`,
			`kpi hostile: measures.n; drop: measure names are lower-case identifiers (and not period_days)`},
		{"id with SQL", `id: hostile`, `id: "hostile'; drop table orders; --"`,
			`kpi hostile'; drop table orders; --: id: must be lower-case letters, digits and _ (starting with a letter), got "hostile'; drop table orders; --"`},
		{"two aggregates", `n: {count: "true"}`, `n: {count: "true", sum: "cogs"}`,
			`kpi hostile: measures.n: set exactly one aggregate (count, sum, avg, quantile, count_distinct, first_per, freshness)`},
		{"quantile of money", `n: {count: "true"}`, `n: {quantile: "gross_amount", p: 0.5}`,
			`kpi hostile: measures.n.quantile: a quantile of an amount cannot be converted between currencies; use sum or avg`},
		{"quantile p", `n: {count: "true"}`, `n: {quantile: "units", p: 1}`,
			`kpi hostile: measures.n.p: a quantile needs p between 0 and 1 (exclusive)`},
		{"unknown module", `module: sales`, `module: marketing`,
			`kpi hostile: module: unknown module "marketing" (use supply_chain, warehouse_logistics, customs, sales, service, finance, data)`},
		{"missing name", `names: {zh-CN: x, es: x, pt-BR: x, en: x}`, `names: {zh-CN: x, es: x, en: x}`,
			`kpi hostile: names.pt-BR: missing`},
		// Unknown YAML fields are rejected by the decoder (KnownFields), before any id is
		// read: the error names the field and its line.
		{"unknown field", `module: sales`, "module: sales\n  colour: red",
			"kpi definitions: yaml: unmarshal errors:\n  line 5: field colour not found in type metric.Definition"},
		{"unknown measure field", `n: {count: "true"}`, `n: {count: "true", distinct: true}`,
			"kpi definitions: yaml: unmarshal errors:\n  line 11: field distinct not found in type metric.Measure"},
		// A second document is not silently dropped.
		{"second document", `value: {measure: n}`, "value: {measure: n}\n---\n- id: second",
			"kpi definitions: line 14: a second YAML document (write every KPI in one list)"},
		{"wrong type", `direction: up`, `direction: [up]`,
			"kpi definitions: yaml: unmarshal errors:\n  line 6: cannot unmarshal !!seq into string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(hostileBase, c.old) {
				t.Fatalf("%q is not in the base definition", c.old)
			}
			src := strings.Replace(hostileBase, c.old, c.new, 1)
			defs, err := metric.ParseDefinitions([]byte(src), kinds)
			if err == nil {
				t.Fatalf("accepted: %+v", defs)
			}
			if prefix, ok := strings.CutSuffix(c.want, "…"); ok {
				if !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("error %q,\nwant it to start with %q", err, prefix)
				}
			} else if err.Error() != c.want {
				t.Errorf("error %q,\nwant %q", err, c.want)
			}
			var de *metric.DefError
			if errors.As(err, &de) && de.KPI == "" {
				t.Errorf("a definition error without the KPI: %v", err)
			}
		})
	}
}

// hostileData has a store whose name holds a quote, a semicolon and a comment.
var hostileData = dataset{tenant: "hostile", files: []file{{"orders", `
	order_id,platform,country,store,created_at
	X1,mercadolibre,BR,"o'brien;--",2026-03-02 10:00:00
	X2,mercadolibre,BR,s1,2026-03-02 11:00:00
	X3,mercadolibre,BR,s1,2026-03-02 12:00:00
`}}}

func TestHostileQueries(t *testing.T) {
	st := openDuck(t)
	load(t, st, hostileData)
	e := newEngine(t, st)
	countOrders := func() int {
		var n int
		if err := st.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM orders WHERE tenant_id = 'hostile'`).Scan(&n); err != nil {
			t.Fatalf("orders table: %v", err)
		}
		return n
	}

	t.Run("filter values are arguments", func(t *testing.T) {
		for _, c := range []struct {
			stores []string
			want   float64
		}{
			{[]string{"o'brien;--"}, 1}, // X1, matched as is
			{[]string{"s1'; DROP TABLE orders; --"}, 0},
			{[]string{"s1' OR '1'='1"}, 0},
			{[]string{"s1", "x\"); DROP TABLE orders; --"}, 2}, // X2 X3
		} {
			qu := q(t, "hostile", "day", "2026-03-02", "2026-03-02", "orders")
			qu.Filters = map[string][]string{"store": c.stores}
			check(t, nil, eval(t, e, qu), true, at("orders", "2026-03-02", "", val(c.want)))
		}
		qu := q(t, "hostile", "day", "2026-03-02", "2026-03-02", "orders")
		qu.By = []string{"store"}
		check(t, qu.By, eval(t, e, qu), true,
			at("orders", "2026-03-02", "store=o'brien;--", val(1)),
			at("orders", "2026-03-02", "store=s1", val(2)))
		if n := countOrders(); n != 3 {
			t.Errorf("orders has %d rows, want 3", n)
		}
	})

	t.Run("strings in definitions are arguments", func(t *testing.T) {
		defs, err := metric.ParseDefinitions([]byte(strings.Replace(hostileBase, `n: {count: "true"}`,
			`n: {count: "store = 'o''brien;--' or store = 'x''; drop table orders; --'"}`, 1)), record.NewCatalog())
		if err != nil {
			t.Fatal(err)
		}
		cat, err := e.Catalog.With(defs...)
		if err != nil {
			t.Fatal(err)
		}
		x := *e
		x.Catalog = cat
		stmts, err := x.Compile(q(t, "hostile", "day", "2026-03-02", "2026-03-02", "hostile"))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if strings.Contains(s.SQL, "brien") || strings.Contains(s.SQL, "drop") {
				t.Errorf("definition text in the SQL:\n%s", s.SQL)
			}
		}
		// X1 only
		check(t, nil, eval(t, &x, q(t, "hostile", "day", "2026-03-02", "2026-03-02", "hostile")), true,
			at("hostile", "2026-03-02", "", val(1)))
		if n := countOrders(); n != 3 {
			t.Errorf("orders has %d rows, want 3", n)
		}
	})

	t.Run("rejected queries", func(t *testing.T) {
		for _, c := range []struct {
			name string
			q    func(metric.Query) metric.Query
			want string
		}{
			{"breakdown with SQL", func(x metric.Query) metric.Query { x.By = []string{"country;drop table orders"}; return x },
				`--by: unknown breakdown "country;drop table orders" (use country, platform, store, category, sku, warehouse, carrier, fulfillment, service, channel, reason, campaign, source, kind)`},
			{"breakdown not allowed", func(x metric.Query) metric.Query { x.By = []string{"channel"}; return x },
				`kpi orders: --by: cannot break down by "channel" (allowed: country, platform, store, category, sku, warehouse, carrier, fulfillment)`},
			{"breakdown twice", func(x metric.Query) metric.Query { x.By = []string{"country", "country"}; return x },
				`--by: "country" given twice`},
			{"filter dimension with SQL", func(x metric.Query) metric.Query {
				x.Filters = map[string][]string{`store" = 's1' OR "store`: {"s1"}}
				return x
			}, `filter: unknown dimension "store\" = 's1' OR \"store"`},
			{"unknown KPI", func(x metric.Query) metric.Query { x.KPIs = []string{"orders;--"}; return x },
				"unknown kpi \"orders;--\" (see `pulso kpi list`)"},
			{"no KPI", func(x metric.Query) metric.Query { x.KPIs = nil; return x }, "--kpi: no KPI named"},
			{"backwards range", func(x metric.Query) metric.Query { x.From, x.To = x.To, x.From; return x },
				"--to 2026-03-01 is before --from 2026-03-02"},
		} {
			t.Run(c.name, func(t *testing.T) {
				qu := c.q(q(t, "hostile", "day", "2026-03-01", "2026-03-02", "orders"))
				_, err := e.Eval(t.Context(), qu)
				if err == nil || err.Error() != c.want {
					t.Errorf("error %v,\nwant %s", err, c.want)
				}
				if _, err := e.Compile(qu); err == nil {
					t.Errorf("compiled")
				}
			})
		}
		if n := countOrders(); n != 3 {
			t.Errorf("orders has %d rows, want 3", n)
		}
	})

	t.Run("standard ids cannot be replaced", func(t *testing.T) {
		defs, err := metric.ParseDefinitions([]byte(strings.Replace(hostileBase, "id: hostile", "id: orders", 1)), record.NewCatalog())
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Catalog.With(defs...)
		want := "kpi orders: id: already defined (standard KPIs cannot be replaced; choose another id)"
		if err == nil || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
	})
}
