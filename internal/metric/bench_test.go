package metric_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pulso/internal/metric"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
)

// Benchmarks of the KPI engine on a demo seller, each beside hand-written plain DuckDB SQL that
// computes the same numbers (checked to 1e-9 before timing), as a ratio. Build the seller once,
// then point PULSO_BENCH_DB at it (docs/performance.md, "KPI engine"):
//
//	go run ./cmd/pulso demo --db /tmp/pulso-10m.duckdb --end 2026-11-25 --scale 178 --no-serve
//	PULSO_BENCH_DB=/tmp/pulso-10m.duckdb go test ./internal/metric -run '^$' -bench . -benchtime 20x
//
// Scale 178 gives about 10 M orders over 180 days (18: about 1 M), with proportional shipments,
// tickets, reviews, ads. Each benchmark runs twice: reading raw records only (raw) and reading
// the daily rollups where it can (rollups); a file built before rollups existed gets them built
// on first use (PULSO_BENCH_REBUILD=1 rebuilds them anyway).

const benchTenant = "default"

var benchFrom, benchTo = day("2026-08-28"), day("2026-11-25") // 90 local days

func openBench(b *testing.B) store.Store {
	b.Helper()
	path := os.Getenv("PULSO_BENCH_DB")
	if path == "" {
		b.Skip("set PULSO_BENCH_DB to a DuckDB file built by `pulso demo --end 2026-11-25 --scale N`")
	}
	st, err := duckdb.Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var n int
	if err := st.DB().QueryRowContext(b.Context(), `SELECT count(*) FROM rollup_measures WHERE tenant_id = $1`, benchTenant).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == 0 || os.Getenv("PULSO_BENCH_REBUILD") != "" {
		start := time.Now()
		if err := metric.RebuildRollups(b.Context(), st, benchTenant); err != nil {
			b.Fatal(err)
		}
		b.Logf("built the rollups of %s in %.1f s", path, time.Since(start).Seconds())
	}
	return st
}

func benchEngines(b *testing.B, st store.Store) map[string]*metric.Engine {
	cat := standard(b)
	now := func() time.Time { return benchTo.AddDate(0, 0, 1) }
	return map[string]*metric.Engine{
		"raw":     {Catalog: cat, DB: st.DB(), Dialect: metric.DuckDB, Now: now, Raw: true},
		"rollups": {Catalog: cat, DB: st.DB(), Dialect: metric.DuckDB, Now: now},
	}
}

// kpiVal is one KPI value of one scope and day, as the plain SQL finds it.
type kpiVal struct{ value, num, den *float64 }

// plainFunc computes with plain SQL the values of "kpi|dim=value,...|day" keys (a scope and
// day without records is absent).
type plainFunc func(ctx context.Context, db *sql.DB) (map[string]kpiVal, error)

// runPair times Pulso (queries) and plain SQL (plain) once per iteration, after checking that
// they agree, and reports both and their ratio. empty is a KPI's value without records.
func runPair(b *testing.B, e *metric.Engine, queries []metric.Query, plain plainFunc, empty func(kpi string) kpiVal) {
	ctx := b.Context()
	db := e.DB.(*sql.DB)
	var rows []metric.Row
	for _, qu := range queries {
		rs, err := e.Eval(ctx, qu)
		if err != nil {
			b.Fatal(err)
		}
		rows = append(rows, rs...)
	}
	want, err := plain(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	if err := agree(rows, want, empty); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var pulso, base time.Duration
	for range b.N {
		t0 := time.Now()
		for _, qu := range queries {
			if _, err := e.Eval(ctx, qu); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		if _, err := plain(ctx, db); err != nil {
			b.Fatal(err)
		}
		pulso += t1.Sub(t0)
		base += time.Since(t1)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(pulso), "pulso-ms/op")
	b.ReportMetric(ms(base), "sql-ms/op")
	b.ReportMetric(float64(pulso)/float64(base), "ratio")
}

// agree compares Pulso's rows with the plain SQL's values to 1e-9: every row's value,
// numerator and denominator, and no value of the plain SQL without its row.
func agree(rows []metric.Row, want map[string]kpiVal, empty func(kpi string) kpiVal) error {
	var bad []string
	seen := map[string]bool{}
	for _, r := range rows {
		var dims []string
		for _, d := range slices.Sorted(mapKeys(r.Scope)) {
			dims = append(dims, d+"="+r.Scope[d])
		}
		k := r.KPI + "|" + strings.Join(dims, ",") + "|" + r.Period
		seen[k] = true
		w, ok := want[k]
		if !ok {
			w = empty(r.KPI)
		}
		if !samePtr(r.Value, w.value) || !samePtr(r.Numerator, w.num) || !samePtr(r.Denominator, w.den) {
			bad = append(bad, fmt.Sprintf("%s: pulso %s (%s/%s), sql %s (%s/%s)", k, fmtPtr(r.Value), fmtPtr(r.Numerator), fmtPtr(r.Denominator),
				fmtPtr(w.value), fmtPtr(w.num), fmtPtr(w.den)))
		}
	}
	for k, w := range want {
		if !seen[k] && (nonZero(w.value) || nonZero(w.num) || nonZero(w.den)) {
			bad = append(bad, k+": no row from pulso")
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("pulso and plain SQL differ in %d values: %s", len(bad), strings.Join(bad[:min(len(bad), 12)], "; "))
	}
	return nil
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func nonZero(p *float64) bool { return p != nil && *p != 0 }

// ---------------------------------------------------------------- the board

// BenchmarkBoard: every KPI with a country breakdown × the countries × 90 daily periods, in
// USD, as the board shows it.
func BenchmarkBoard(b *testing.B) {
	st := openBench(b)
	var kpis []string
	for _, d := range standard(b).All() {
		if slices.Contains(d.Breakdowns, "country") {
			kpis = append(kpis, d.ID)
		}
	}
	for _, id := range kpis {
		if boardKPIs[id] == nil {
			b.Fatalf("the plain SQL of the board does not compute %s", id)
		}
	}
	qu := metric.Query{Tenant: benchTenant, KPIs: kpis, Grain: metric.Grain{Name: "day"}, From: benchFrom, To: benchTo,
		By: []string{"country"}, Currency: "USD", AsOf: benchTo.AddDate(0, 0, 1)}
	empty := func(kpi string) kpiVal { return boardKPIs[kpi](partsOf(nil)) }
	for _, mode := range []string{"raw", "rollups"} {
		b.Run(mode, func(b *testing.B) {
			runPair(b, benchEngines(b, st)[mode], []metric.Query{qu}, plainBoard, empty)
		})
	}
}

// boardSQL is the board by hand: one query per kind and anchor (FILTER clauses, epoch
// arithmetic on microseconds, the stored local dates), amounts converted by the day's rate
// (or the latest before it) with an ASOF join. Each returns (day, country, parts...).
var boardSQL = []string{
	// orders by creation: sales, margins, cancellations, the denominators of cost per order
	// and disputes
	`WITH g AS (SELECT created_at_local AS d, country, currency,
		count(*) FILTER (WHERE status <> 'cancelled') AS orders, count(*) AS all_orders,
		count(*) FILTER (WHERE cancel_by = 'seller') AS by_seller,
		count(*) FILTER (WHERE status <> 'cancelled' AND gross_amount IS NOT NULL) AS priced,
		sum(gross_amount) FILTER (WHERE status <> 'cancelled') AS gross, sum(cogs) FILTER (WHERE status <> 'cancelled') AS cogs,
		sum(platform_fee) FILTER (WHERE status <> 'cancelled') AS fees, sum(shipping_cost) FILTER (WHERE status <> 'cancelled') AS shipping,
		sum(ad_cost) FILTER (WHERE status <> 'cancelled') AS ads
		FROM orders WHERE tenant_id = '{tenant}' AND created_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL)
	SELECT d, country, sum(orders) AS orders, sum(all_orders) AS all_orders, sum(by_seller) AS by_seller, sum(priced) AS priced,
		sum({usd gross}) AS gross, sum({usd cogs}) AS cogs, sum({usd fees}) AS fees, sum({usd shipping}) AS shipping, sum({usd ads}) AS ads
	FROM g {fx} GROUP BY d, country`,
	// orders by shipment: handling time, late shipments, cogs shipped, fulfilment cost
	`WITH g AS (SELECT shipped_at_local AS d, country, currency,
		sum((epoch_us(shipped_at) - epoch_us(coalesce(paid_at, created_at))) / 3600e6) AS handling_sum,
		count(coalesce(paid_at, created_at)) AS handling_n,
		count(*) FILTER (WHERE shipped_at > handling_deadline) AS late, count(handling_deadline) AS with_deadline,
		sum(cogs) AS cogs_shipped, sum(shipping_cost) AS ship_cost, count(*) AS shipped
		FROM orders WHERE tenant_id = '{tenant}' AND shipped_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL)
	SELECT d, country, sum(handling_sum) AS handling_sum, sum(handling_n) AS handling_n, sum(late) AS late,
		sum(with_deadline) AS with_deadline, sum({usd cogs_shipped}) AS cogs_shipped, sum({usd ship_cost}) AS ship_cost, sum(shipped) AS shipped
	FROM g {fx} GROUP BY d, country`,
	// the exact p90 of handling time
	`SELECT shipped_at_local AS d, country,
		quantile_cont((epoch_us(shipped_at) - epoch_us(coalesce(paid_at, created_at))) / 3600e6, 0.9) AS handling_p90
	FROM orders WHERE tenant_id = '{tenant}' AND shipped_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	// orders by delivery
	`SELECT delivered_at_local AS d, country,
		count(*) FILTER (WHERE delivered_at_local <= estimated_delivery_at_local) AS on_time, count(estimated_delivery_at) AS with_estimate,
		sum((epoch_us(delivered_at) - epoch_us(created_at)) / 86400e6) AS days_sum, count(*) AS days_n,
		count(*) FILTER (WHERE (epoch_us(delivered_at) - epoch_us(created_at)) / 3600e6 <= 72) AS fast, count(*) AS delivered
	FROM orders WHERE tenant_id = '{tenant}' AND delivered_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	// new buyers: each buyer's first order ever (ties: the earlier instant, then the key)
	`SELECT d, country, count(*) AS new_buyers FROM (
		SELECT min(created_at_local) AS d, arg_min(country, (created_at_local, created_at, platform, store, order_id)) AS country
		FROM orders WHERE tenant_id = '{tenant}' AND buyer_ref IS NOT NULL GROUP BY buyer_ref)
	WHERE d BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT processed_at_local AS d, country, sum((epoch_us(processed_at) - epoch_us(received_at)) / 86400e6) AS processing_sum,
		count(received_at) AS processing_n
	FROM returns WHERE tenant_id = '{tenant}' AND processed_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT requested_at_local AS d, country, count(*) AS returns
	FROM returns WHERE tenant_id = '{tenant}' AND requested_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT coalesce(delivered_at_local, lost_at_local, returned_to_sender_at_local) AS d, country,
		count(lost_at) AS lost, count(delivered_at) AS closed_delivered, count(*) AS closed
	FROM shipments WHERE tenant_id = '{tenant}' AND coalesce(delivered_at_local, lost_at_local, returned_to_sender_at_local) BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT delivered_at_local AS d, country, count(*) FILTER (WHERE coalesce(delivery_attempts, 0) <= 1) AS first_attempt, count(*) AS parcels_delivered
	FROM shipments WHERE tenant_id = '{tenant}' AND delivered_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT customs_submitted_at_local AS d, country,
		count(*) FILTER (WHERE customs_cleared_at IS NOT NULL AND NOT coalesce(customs_held, false)) AS passed,
		count(*) FILTER (WHERE customs_held) AS held, count(*) AS submitted, sum(coalesce(tax_bill_returns, 0)) AS tax_returns
	FROM shipments WHERE tenant_id = '{tenant}' AND customs_submitted_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT customs_cleared_at_local AS d, country, sum((epoch_us(customs_cleared_at) - epoch_us(customs_submitted_at)) / 3600e6) AS clearance_sum,
		count(customs_submitted_at) AS clearance_n
	FROM shipments WHERE tenant_id = '{tenant}' AND customs_cleared_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT supplier_shipped_at_local AS d, country, sum((epoch_us(supplier_shipped_at) - epoch_us(created_at)) / 86400e6) AS cycle_sum, count(*) AS cycle_n
	FROM purchase_orders WHERE tenant_id = '{tenant}' AND supplier_shipped_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT first_leg_arrived_at_local AS d, country, sum((epoch_us(first_leg_arrived_at) - epoch_us(first_leg_departed_at)) / 86400e6) AS transit_sum,
		count(first_leg_departed_at) AS transit_n
	FROM purchase_orders WHERE tenant_id = '{tenant}' AND first_leg_arrived_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT received_at_local AS d, country, count(*) FILTER (WHERE received_at <= expected_received_at) AS inbound_on_time, count(*) AS received
	FROM purchase_orders WHERE tenant_id = '{tenant}' AND received_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`WITH g AS (SELECT date AS d, country, currency, count(*) FILTER (WHERE on_hand_units = 0) AS out_of_stock, count(*) AS sku_days,
		sum(on_hand_units * unit_cost) AS stock_value
		FROM inventory WHERE tenant_id = '{tenant}' AND date BETWEEN '{from}' AND '{to}' GROUP BY ALL)
	SELECT d, country, sum(out_of_stock) AS out_of_stock, sum(sku_days) AS sku_days, sum({usd stock_value}) AS stock_value, 1 AS stock_days
	FROM g {fx} GROUP BY d, country`,
	`SELECT date AS d, country, sum(visits) AS visits FROM traffic WHERE tenant_id = '{tenant}' AND date BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`WITH g AS (SELECT date AS d, country, currency, sum(spend) AS spend, sum(attributed_sales) AS ad_sales
		FROM ads WHERE tenant_id = '{tenant}' AND date BETWEEN '{from}' AND '{to}' GROUP BY ALL)
	SELECT d, country, sum({usd spend}) AS spend, sum({usd ad_sales}) AS ad_sales FROM g {fx} GROUP BY d, country`,
	`SELECT created_at_local AS d, country, sum(rating) AS rating_sum, count(rating) AS rating_n,
		count(*) FILTER (WHERE rating <= 2) AS negative, count(*) AS reviews
	FROM reviews WHERE tenant_id = '{tenant}' AND created_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT created_at_local AS d, country,
		sum((epoch_us(first_response_at) - epoch_us(created_at)) / 3600e6) AS response_sum, count(first_response_at) AS response_n,
		count(*) FILTER (WHERE (epoch_us(first_response_at) - epoch_us(created_at)) / 3600e6 <= 48) AS replied, count(*) AS tickets,
		count(*) FILTER (WHERE is_dispute) AS disputes, count(*) FILTER (WHERE resolved_at IS NOT NULL AND is_dispute) AS disputes_closed,
		count(*) FILTER (WHERE coalesce(led_to_order, false) AND channel IN ('chat', 'question', 'whatsapp')) AS converted,
		count(*) FILTER (WHERE channel IN ('chat', 'question', 'whatsapp')) AS presale
	FROM tickets WHERE tenant_id = '{tenant}' AND created_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT resolved_at_local AS d, country, count(*) FILTER (WHERE csat >= 4) AS satisfied, count(csat) AS rated
	FROM tickets WHERE tenant_id = '{tenant}' AND resolved_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
	`SELECT responded_at_local AS d, country, count(*) FILTER (WHERE score >= 9) AS promoters, count(*) FILTER (WHERE score <= 6) AS detractors,
		count(*) AS responses
	FROM nps_responses WHERE tenant_id = '{tenant}' AND responded_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`,
}

// expandSQL fills in the tenant, the dates and the currency conversion of boardSQL.
func expandSQL(q string) string {
	const fx = `ASOF LEFT JOIN (SELECT currency AS cur, date AS rate_date, per_usd FROM fx_rates WHERE tenant_id = '{tenant}') r
		ON g.currency = r.cur AND g.d >= r.rate_date`
	q = strings.ReplaceAll(q, "{fx}", fx)
	for {
		i := strings.Index(q, "{usd ")
		if i < 0 {
			break
		}
		j := strings.Index(q[i:], "}")
		col := q[i+5 : i+j]
		q = q[:i] + "CASE WHEN g.currency IS NULL OR g.currency = 'USD' THEN " + col + " ELSE " + col + " / r.per_usd END" + q[i+j+1:]
	}
	return strings.NewReplacer("{tenant}", benchTenant, "{from}", benchFrom.Format(time.DateOnly), "{to}", benchTo.Format(time.DateOnly)).Replace(q)
}

// boardKPIs computes each KPI from the parts of boardSQL, as the template defines it.
var boardKPIs = map[string]func(p func(string) float64) kpiVal{
	"procurement_cycle_days":   avgOf("cycle_sum", "cycle_n"),
	"first_leg_transit_days":   avgOf("transit_sum", "transit_n"),
	"inbound_on_time_rate":     ratioOf("inbound_on_time", "received"),
	"stockout_rate":            ratioOf("out_of_stock", "sku_days"),
	"order_handling_hours":     avgOf("handling_sum", "handling_n"),
	"order_handling_hours_p90": func(p func(string) float64) kpiVal { return valueIf(p("handling_p90"), !math.IsNaN(p("handling_p90"))) },
	"late_shipment_rate":       ratioOf("late", "with_deadline"),
	"inventory_turnover": formulaOf(func(p func(string) float64) (float64, bool) {
		return div(p("cogs_shipped"), p("stock_value")/p("stock_days"), p("stock_days") != 0)
	}),
	"days_of_inventory": formulaOf(func(p func(string) float64) (float64, bool) {
		return div(p("stock_value")/p("stock_days"), p("cogs_shipped")/1, p("stock_days") != 0)
	}),
	"return_processing_days":      avgOf("processing_sum", "processing_n"),
	"parcel_loss_rate":            ratioOf("lost", "closed"),
	"last_mile_success_rate":      ratioOf("closed_delivered", "closed"),
	"first_attempt_delivery_rate": ratioOf("first_attempt", "parcels_delivered"),
	"on_time_delivery_rate":       ratioOf("on_time", "with_estimate"),
	"delivery_days":               avgOf("days_sum", "days_n"),
	"delivered_within_72h_rate":   ratioOf("fast", "delivered"),
	"fulfillment_cost_per_order":  ratioOf("ship_cost", "shipped"),
	"customs_clearance_rate":      ratioOf("passed", "submitted"),
	"customs_hold_rate":           ratioOf("held", "submitted"),
	"customs_clearance_hours":     avgOf("clearance_sum", "clearance_n"),
	"tax_bill_returns":            valueOf("tax_returns"),
	"orders":                      valueOf("orders"),
	"gmv":                         valueOf("gross"),
	"average_order_value":         ratioOf("gross", "priced"),
	"conversion_rate":             ratioOf("all_orders", "visits"),
	"seller_cancellation_rate":    ratioOf("by_seller", "all_orders"),
	"return_rate":                 ratioOf("returns", "delivered"),
	"roas":                        ratioOf("ad_sales", "spend"),
	"acos":                        ratioOf("spend", "ad_sales"),
	"average_rating":              avgOf("rating_sum", "rating_n"),
	"negative_review_rate":        ratioOf("negative", "reviews"),
	"first_response_hours":        avgOf("response_sum", "response_n"),
	"reply_within_48h_rate":       ratioOf("replied", "tickets"),
	"dispute_rate":                ratioOf("disputes", "orders"),
	"dispute_close_rate":          ratioOf("disputes_closed", "disputes"),
	"csat":                        ratioOf("satisfied", "rated"),
	"nps": formulaOf(func(p func(string) float64) (float64, bool) {
		return div(100*(p("promoters")-p("detractors")), p("responses"), true)
	}),
	"chat_conversion_rate": ratioOf("converted", "presale"),
	"gross_margin":         formulaOf(func(p func(string) float64) (float64, bool) { return div(p("gross")-p("cogs"), p("gross"), true) }),
	"contribution_margin": formulaOf(func(p func(string) float64) (float64, bool) {
		return div(p("gross")-p("fees")-p("shipping")-p("cogs")-p("ads"), p("gross"), true)
	}),
	"cac":            ratioOf("spend", "new_buyers"),
	"cost_per_order": ratioOf("spend", "orders"),
}

func ptr(v float64) *float64 { return &v }

func valueIf(v float64, ok bool) kpiVal {
	if !ok {
		return kpiVal{}
	}
	return kpiVal{value: ptr(v)}
}

func div(a, b float64, ok bool) (float64, bool) {
	if !ok || b == 0 {
		return 0, false
	}
	return a / b, true
}

func ratioOf(num, den string) func(p func(string) float64) kpiVal {
	return func(p func(string) float64) kpiVal {
		v := kpiVal{num: ptr(p(num)), den: ptr(p(den))}
		if *v.den != 0 {
			v.value = ptr(*v.num / *v.den)
		}
		return v
	}
}

func avgOf(sum, n string) func(p func(string) float64) kpiVal {
	return func(p func(string) float64) kpiVal { return valueIf(div(p(sum), p(n), true)) }
}

func valueOf(name string) func(p func(string) float64) kpiVal {
	return func(p func(string) float64) kpiVal { return kpiVal{value: ptr(p(name))} }
}

func formulaOf(f func(p func(string) float64) (float64, bool)) func(p func(string) float64) kpiVal {
	return func(p func(string) float64) kpiVal { return valueIf(f(p)) }
}

// plainBoard runs boardSQL and computes every KPI per country and day.
func plainBoard(ctx context.Context, db *sql.DB) (map[string]kpiVal, error) {
	parts := map[string]map[string]float64{} // "country|day" → part → value
	for _, q := range boardSQL {
		if err := scanParts(ctx, db, expandSQL(q), parts); err != nil {
			return nil, err
		}
	}
	out := map[string]kpiVal{}
	for scope, ps := range parts {
		country, d, _ := strings.Cut(scope, "|")
		for id, f := range boardKPIs {
			out[id+"|country="+country+"|"+d] = f(partsOf(ps))
		}
	}
	return out, nil
}

// partsOf reads parts by name: a missing count or sum is 0, a missing quantile NaN.
func partsOf(ps map[string]float64) func(string) float64 {
	return func(name string) float64 {
		v, ok := ps[name]
		if !ok && name == "handling_p90" {
			return math.NaN()
		}
		return v
	}
}

// scanParts reads (day, scope, parts...) rows into parts, by column name; NULL parts are 0
// (a sum of nothing), except that they are left out.
func scanParts(ctx context.Context, db *sql.DB, q string, parts map[string]map[string]float64) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, q)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	var d time.Time
	var scope sql.NullString
	vals := make([]sql.NullFloat64, len(cols)-2)
	dest := []any{&d, &scope}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		label := scope.String
		if label == "" {
			label = metric.Unknown
		}
		k := label + "|" + d.Format(time.DateOnly)
		if parts[k] == nil {
			parts[k] = map[string]float64{}
		}
		for i, v := range vals {
			if v.Valid {
				parts[k][cols[i+2]] += v.Float64
			}
		}
	}
	return rows.Err()
}

// ---------------------------------------------------------------- one KPI, three breakdowns

// BenchmarkKPIBreakdowns: late shipments over 90 days by country, by platform and by carrier
// (three queries, as a KPI page loads them).
func BenchmarkKPIBreakdowns(b *testing.B) {
	st := openBench(b)
	dims := []string{"country", "platform", "carrier"}
	var queries []metric.Query
	for _, dim := range dims {
		queries = append(queries, metric.Query{Tenant: benchTenant, KPIs: []string{"late_shipment_rate"}, Grain: metric.Grain{Name: "day"},
			From: benchFrom, To: benchTo, By: []string{dim}, Currency: "USD", AsOf: benchTo.AddDate(0, 0, 1)})
	}
	plain := func(ctx context.Context, db *sql.DB) (map[string]kpiVal, error) {
		out := map[string]kpiVal{}
		for _, dim := range dims {
			parts := map[string]map[string]float64{}
			q := expandSQL(`SELECT shipped_at_local AS d, ` + dim + `, count(*) FILTER (WHERE shipped_at > handling_deadline) AS late,
				count(handling_deadline) AS with_deadline
				FROM orders WHERE tenant_id = '{tenant}' AND shipped_at_local BETWEEN '{from}' AND '{to}' GROUP BY ALL`)
			if err := scanParts(ctx, db, q, parts); err != nil {
				return nil, err
			}
			for scope, ps := range parts {
				label, d, _ := strings.Cut(scope, "|")
				out["late_shipment_rate|"+dim+"="+label+"|"+d] = ratioOf("late", "with_deadline")(partsOf(ps))
			}
		}
		return out, nil
	}
	for _, mode := range []string{"raw", "rollups"} {
		b.Run(mode, func(b *testing.B) {
			runPair(b, benchEngines(b, st)[mode], queries, plain, func(string) kpiVal { return ratioOf("late", "with_deadline")(partsOf(nil)) })
		})
	}
}
