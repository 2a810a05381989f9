package demo

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"pulso/internal/record"
)

var testEnd = time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC) // the window spans Black Friday, Christmas and Chile's April DST change

// table is one parsed file: stored rows (record.Kind.Stored order).
type table struct {
	kind *record.Kind
	col  map[string]int
	rows [][]any
}

func (t *table) idx(name string) int {
	i, ok := t.col[name]
	if !ok {
		panic("no column " + name)
	}
	return i
}

type dataset struct {
	dir    string
	files  []File
	tables map[string]*table
}

var (
	defaultOnce sync.Once
	defaultData *dataset
	defaultErr  error
)

// defaultDataset generates the default configuration once and parses every file.
func defaultDataset(t *testing.T) *dataset {
	t.Helper()
	defaultOnce.Do(func() { defaultData, defaultErr = loadDataset(Config{End: testEnd}) })
	if defaultErr != nil {
		t.Fatal(defaultErr)
	}
	return defaultData
}

func loadDataset(cfg Config) (*dataset, error) {
	dir, err := os.MkdirTemp("", "pulso-demo-")
	if err != nil {
		return nil, err
	}
	files, err := Generate(cfg, dir)
	if err != nil {
		return nil, err
	}
	ds := &dataset{dir: dir, files: files, tables: map[string]*table{}}
	for _, f := range files {
		tb, err := parseFile(f)
		if err != nil {
			return nil, err
		}
		ds.tables[f.Kind] = tb
	}
	return ds, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if defaultData != nil {
		os.RemoveAll(defaultData.dir)
	}
	os.Exit(code)
}

var secret = []byte("demo-test-secret")

func parseFile(f File) (*table, error) {
	var kind *record.Kind
	for _, k := range record.Kinds() {
		if k.Name == f.Kind {
			kind = k
		}
	}
	if kind == nil {
		return nil, fmt.Errorf("unknown kind %s", f.Kind)
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	cr := csv.NewReader(fh)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, err
	}
	p, err := record.NewParser(kind, slices.Clone(header), record.NewZones(), secret)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Kind, err)
	}
	tb := &table{kind: kind, col: map[string]int{}}
	for i, c := range kind.Stored() {
		tb.col[c.Name] = i
	}
	var errs []string
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Kind, err)
		}
		vals, err := p.Parse(row, rec)
		if err != nil {
			if len(errs) < 10 {
				errs = append(errs, err.Error())
			}
			continue
		}
		tb.rows = append(tb.rows, vals)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: row errors, e.g.\n%s", f.Kind, strings.Join(errs, "\n"))
	}
	if len(tb.rows) != f.Rows {
		return nil, fmt.Errorf("%s: parsed %d rows, Generate reported %d", f.Kind, len(tb.rows), f.Rows)
	}
	return tb, nil
}

func TestFilesParseAndAreComplete(t *testing.T) {
	ds := defaultDataset(t)
	kinds := record.Kinds()
	if len(ds.files) != len(kinds) {
		t.Fatalf("%d files, want one per kind (%d)", len(ds.files), len(kinds))
	}
	if ds.files[0].Kind != "fx_rates" || ds.files[1].Kind != "orders" {
		t.Errorf("order: %s, %s first; want fx_rates, orders", ds.files[0].Kind, ds.files[1].Kind)
	}
	for _, f := range ds.files {
		if f.Rows == 0 {
			t.Errorf("%s is empty", f.Kind)
		}
		tb := ds.tables[f.Kind]
		keys := make(map[string]bool, len(tb.rows))
		for _, r := range tb.rows {
			k := tb.kind.KeyOf(r)
			if keys[k] {
				t.Errorf("%s: key %q appears twice", f.Kind, k)
				break
			}
			keys[k] = true
		}
		if filepath.Base(f.Path) != f.Kind+".csv" {
			t.Errorf("%s written to %s", f.Kind, f.Path)
		}
		t.Logf("%-16s %7d rows", f.Kind, f.Rows)
	}
	// the timestamp styles: mostly naive, some with an offset, a few UTC
	b, err := os.ReadFile(ds.files[1].Path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")[1:]
	var naive, offset, utc int
	for _, l := range lines {
		if l == "" {
			continue
		}
		created := strings.Split(l, ",")[4]
		switch {
		case strings.HasSuffix(created, "Z"):
			utc++
		case strings.Contains(created, "T"):
			offset++
		default:
			naive++
		}
	}
	n := float64(naive + offset + utc)
	if f := float64(offset) / n; f < 0.05 || f > 0.15 {
		t.Errorf("offset timestamps %.1f%%, want about 10%%", 100*f)
	}
	if utc == 0 || float64(utc)/n > 0.05 {
		t.Errorf("UTC timestamps %d of %.0f", utc, n)
	}
}

func TestDeterministic(t *testing.T) {
	cfg := Config{End: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Days: 40}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	fa, err := Generate(cfg, a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := Generate(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seed = 2
	fc, err := Generate(cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	differ := 0
	for i := range fa {
		x, _ := os.ReadFile(fa[i].Path)
		y, _ := os.ReadFile(fb[i].Path)
		z, _ := os.ReadFile(fc[i].Path)
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same config", fa[i].Kind)
		}
		if !bytes.Equal(x, z) {
			differ++
		}
	}
	if differ < len(fa)-1 {
		t.Errorf("a different seed changed only %d of %d files", differ, len(fa))
	}
}

func TestConfig(t *testing.T) {
	if _, err := Generate(Config{}, t.TempDir()); err == nil {
		t.Error("Generate without End: no error")
	}
	if Problems(Config{}) != nil {
		t.Error("Problems without End: want nil")
	}
	ps := Problems(Config{End: testEnd})
	if len(ps) != 3 {
		t.Fatalf("%d problems", len(ps))
	}
	want := map[string][2]string{"BR": {"2026-04-10", "2026-04-30"}, "MX": {"2026-04-15", "2026-04-30"}, "CO": {"2026-04-18", "2026-04-30"}}
	for _, p := range ps {
		w := want[p.Country]
		if p.From.Format(time.DateOnly) != w[0] || p.To.Format(time.DateOnly) != w[1] {
			t.Errorf("%s window %s..%s, want %s..%s", p.Country, p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), w[0], w[1])
		}
		if len(p.KPIs) == 0 || p.Description == "" || p.Module == "" {
			t.Errorf("%s: incomplete %+v", p.Country, p)
		}
	}
}

// ---- independent KPI computation, straight from the rows ----

func dayOfTime(v any) (int, bool) {
	t, ok := v.(time.Time)
	if !ok {
		return 0, false
	}
	return int(t.Unix() / 86400), true
}

func ts(v any) (time.Time, bool) {
	t, ok := v.(time.Time)
	return t, ok
}

func f64(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

// series accumulates a KPI per country and local day: num/den (ratio or average), or a sum.
type series struct {
	num, den map[string]map[int]float64
	vals     map[string]map[int][]float64 // for quantiles
}

func newSeries() *series {
	return &series{num: map[string]map[int]float64{}, den: map[string]map[int]float64{}, vals: map[string]map[int][]float64{}}
}

func (s *series) add(country string, day int, num, den float64) {
	if s.num[country] == nil {
		s.num[country], s.den[country] = map[int]float64{}, map[int]float64{}
	}
	s.num[country][day] += num
	s.den[country][day] += den
}

func (s *series) addVal(country string, day int, v float64) {
	if s.vals[country] == nil {
		s.vals[country] = map[int][]float64{}
	}
	s.vals[country][day] = append(s.vals[country][day], v)
	s.add(country, day, v, 1)
}

type kpiDef struct {
	id      string
	settles int
	red     func(country string, v float64) bool
	sum     bool // a daily sum, not a ratio
	p90     bool
}

func above(x float64) func(string, float64) bool {
	return func(_ string, v float64) bool { return v > x }
}
func below(x float64) func(string, float64) bool {
	return func(_ string, v float64) bool { return v < x }
}

// kpis: id → red rule from kpi-dictionary.md (target and yellow margin).
var kpis = []kpiDef{
	{id: "procurement_cycle_days", red: above(20)},
	{id: "first_leg_transit_days", red: above(45)},
	{id: "inbound_on_time_rate", red: below(0.80)},
	{id: "stockout_rate", red: above(0.10)},
	{id: "order_handling_hours", red: above(48)},
	{id: "order_handling_hours_p90", red: above(72), p90: true},
	{id: "late_shipment_rate", red: above(0.06)},
	{id: "days_of_inventory", red: above(60)},
	{id: "return_processing_days", red: above(5)},
	{id: "parcel_loss_rate", red: above(0.01)},
	{id: "last_mile_success_rate", red: below(0.94)},
	{id: "first_attempt_delivery_rate", red: below(0.85)},
	{id: "on_time_delivery_rate", red: below(0.85)},
	{id: "delivery_days", red: func(c string, v float64) bool {
		if c == "MX" {
			return v > 12
		}
		return v > 15
	}},
	{id: "delivered_within_72h_rate", red: below(0.45)},
	{id: "fulfillment_cost_per_order", red: above(8)},
	{id: "customs_clearance_rate", settles: 10, red: below(0.94)},
	{id: "customs_hold_rate", settles: 10, red: above(0.04)},
	{id: "customs_clearance_hours", red: above(96)},
	{id: "tax_bill_returns", settles: 10, red: above(5), sum: true},
	{id: "conversion_rate", red: below(0.01)},
	{id: "seller_cancellation_rate", settles: 7, red: above(0.04)},
	{id: "return_rate", red: above(0.15)},
	{id: "roas", red: below(3)},
	{id: "acos", red: above(0.35)},
	{id: "average_rating", red: below(4.2)},
	{id: "negative_review_rate", red: above(0.10)},
	{id: "first_response_hours", settles: 2, red: above(24)},
	{id: "reply_within_48h_rate", settles: 2, red: below(0.90)},
	{id: "dispute_rate", red: above(0.035)},
	{id: "dispute_close_rate", settles: 14, red: below(0.80)},
	{id: "csat", red: below(0.75)},
	{id: "nps", red: below(20)},
	{id: "chat_conversion_rate", settles: 3, red: below(0.10)},
	{id: "gross_margin", red: below(0.25)},
	{id: "contribution_margin", red: below(0)},
	{id: "cac", red: above(12)},
	{id: "cost_per_order", red: above(5)},
}

type fxTable map[string]map[int]float64

func (f fxTable) usd(cur string, day int, v float64) float64 {
	if cur == "USD" {
		return v
	}
	m := f[cur]
	for d := day; d > day-30; d-- {
		if r, ok := m[d]; ok {
			return v / r
		}
	}
	panic(fmt.Sprintf("no fx for %s on day %d", cur, day))
}

// computeKPIs returns every KPI's daily series per country.
func computeKPIs(ds *dataset) map[string]*series {
	out := map[string]*series{}
	get := func(id string) *series {
		if out[id] == nil {
			out[id] = newSeries()
		}
		return out[id]
	}
	fx := fxTable{}
	{
		tb := ds.tables["fx_rates"]
		d, c, v := tb.idx("date"), tb.idx("currency"), tb.idx("per_usd")
		for _, r := range tb.rows {
			cur := r[c].(string)
			if fx[cur] == nil {
				fx[cur] = map[int]float64{}
			}
			day, _ := dayOfTime(r[d])
			fx[cur][day] = r[v].(float64)
		}
	}
	// purchase orders
	{
		tb := ds.tables["purchase_orders"]
		cc := tb.idx("country")
		for _, r := range tb.rows {
			c := r[cc].(string)
			cr, _ := ts(r[tb.idx("created_at")])
			if sh, ok := ts(r[tb.idx("supplier_shipped_at")]); ok {
				day, _ := dayOfTime(r[tb.idx("supplier_shipped_at_local")])
				get("procurement_cycle_days").add(c, day, sh.Sub(cr).Hours()/24, 1)
			}
			dep, ok1 := ts(r[tb.idx("first_leg_departed_at")])
			arr, ok2 := ts(r[tb.idx("first_leg_arrived_at")])
			if ok1 && ok2 {
				day, _ := dayOfTime(r[tb.idx("first_leg_arrived_at_local")])
				get("first_leg_transit_days").add(c, day, arr.Sub(dep).Hours()/24, 1)
			}
			if rc, ok := ts(r[tb.idx("received_at")]); ok {
				day, _ := dayOfTime(r[tb.idx("received_at_local")])
				exp, _ := ts(r[tb.idx("expected_received_at")])
				on := 0.0
				if !rc.After(exp) {
					on = 1
				}
				get("inbound_on_time_rate").add(c, day, on, 1)
			}
		}
	}
	// inventory
	invValue := map[string]map[int]float64{}
	{
		tb := ds.tables["inventory"]
		for _, r := range tb.rows {
			c := r[tb.idx("country")].(string)
			day, _ := dayOfTime(r[tb.idx("date")])
			oh := f64(r[tb.idx("on_hand_units")])
			out := 0.0
			if oh == 0 {
				out = 1
			}
			get("stockout_rate").add(c, day, out, 1)
			if invValue[c] == nil {
				invValue[c] = map[int]float64{}
			}
			invValue[c][day] += oh * f64(r[tb.idx("unit_cost")])
		}
	}
	// orders
	type orderInfo struct {
		country string
		day     int
		cancel  bool
	}
	cogsShipped := map[string]map[int]float64{}
	firstOrder := map[string]int{} // buyer → first day
	buyerCountry := map[string]string{}
	{
		tb := ds.tables["orders"]
		for _, r := range tb.rows {
			c := r[tb.idx("country")].(string)
			cday, _ := dayOfTime(r[tb.idx("created_at_local")])
			created, _ := ts(r[tb.idx("created_at")])
			cancelled := r[tb.idx("status")] == "cancelled"
			cur := r[tb.idx("currency")].(string)
			seller := 0.0
			if r[tb.idx("cancel_by")] == "seller" {
				seller = 1
			}
			get("seller_cancellation_rate").add(c, cday, seller, 1)
			get("conversion_rate").add(c, cday, 1, 0)
			get("cost_per_order").add(c, cday, 0, 1)
			if b, ok := r[tb.idx("buyer_ref")].(string); ok {
				if d, seen := firstOrder[b]; !seen || cday < d {
					firstOrder[b] = cday
					buyerCountry[b] = c
				}
			}
			if !cancelled {
				gross := f64(r[tb.idx("gross_amount")])
				cogs := f64(r[tb.idx("cogs")])
				get("gross_margin").add(c, cday, gross-cogs, gross)
				cm := gross - f64(r[tb.idx("platform_fee")]) - f64(r[tb.idx("shipping_cost")]) - cogs - f64(r[tb.idx("ad_cost")])
				get("contribution_margin").add(c, cday, cm, gross)
				get("dispute_rate").add(c, cday, 0, 1)
			}
			if sh, ok := ts(r[tb.idx("shipped_at")]); ok {
				sday, _ := dayOfTime(r[tb.idx("shipped_at_local")])
				start := created
				if p, ok := ts(r[tb.idx("paid_at")]); ok {
					start = p
				}
				h := sh.Sub(start).Hours()
				get("order_handling_hours").add(c, sday, h, 1)
				get("order_handling_hours_p90").addVal(c, sday, h)
				if dl, ok := ts(r[tb.idx("handling_deadline")]); ok {
					late := 0.0
					if sh.After(dl) {
						late = 1
					}
					get("late_shipment_rate").add(c, sday, late, 1)
				}
				get("fulfillment_cost_per_order").add(c, sday, fx.usd(cur, sday, f64(r[tb.idx("shipping_cost")])), 1)
				if cogsShipped[c] == nil {
					cogsShipped[c] = map[int]float64{}
				}
				cogsShipped[c][sday] += f64(r[tb.idx("cogs")])
			}
			if dv, ok := ts(r[tb.idx("delivered_at")]); ok {
				dday, _ := dayOfTime(r[tb.idx("delivered_at_local")])
				if est, ok := dayOfTime(r[tb.idx("estimated_delivery_at_local")]); ok {
					on := 0.0
					if dday <= est {
						on = 1
					}
					get("on_time_delivery_rate").add(c, dday, on, 1)
				}
				days := dv.Sub(created).Hours() / 24
				get("delivery_days").add(c, dday, days, 1)
				w := 0.0
				if days <= 3 {
					w = 1
				}
				get("delivered_within_72h_rate").add(c, dday, w, 1)
				get("return_rate").add(c, dday, 0, 1)
			}
		}
	}
	for c, m := range cogsShipped {
		for day, v := range m {
			if inv, ok := invValue[c][day]; ok && v > 0 {
				get("days_of_inventory").add(c, day, inv, v)
			}
		}
	}
	// shipments
	{
		tb := ds.tables["shipments"]
		for _, r := range tb.rows {
			c := r[tb.idx("country")].(string)
			var closeDay int
			closed, delivered, lost := false, false, false
			if d, ok := dayOfTime(r[tb.idx("delivered_at_local")]); ok {
				closeDay, closed, delivered = d, true, true
				att := f64(r[tb.idx("delivery_attempts")])
				first := 0.0
				if att <= 1 {
					first = 1
				}
				get("first_attempt_delivery_rate").add(c, d, first, 1)
			} else if d, ok := dayOfTime(r[tb.idx("lost_at_local")]); ok {
				closeDay, closed, lost = d, true, true
			} else if d, ok := dayOfTime(r[tb.idx("returned_to_sender_at_local")]); ok {
				closeDay, closed = d, true
			}
			if closed {
				get("parcel_loss_rate").add(c, closeDay, b2f(lost), 1)
				get("last_mile_success_rate").add(c, closeDay, b2f(delivered), 1)
			}
			if sub, ok := ts(r[tb.idx("customs_submitted_at")]); ok {
				sday, _ := dayOfTime(r[tb.idx("customs_submitted_at_local")])
				held, _ := r[tb.idx("customs_held")].(bool)
				cl, cleared := ts(r[tb.idx("customs_cleared_at")])
				get("customs_clearance_rate").add(c, sday, b2f(cleared && !held), 1)
				get("customs_hold_rate").add(c, sday, b2f(held), 1)
				get("tax_bill_returns").add(c, sday, f64(r[tb.idx("tax_bill_returns")]), 1)
				if cleared {
					cday, _ := dayOfTime(r[tb.idx("customs_cleared_at_local")])
					get("customs_clearance_hours").add(c, cday, cl.Sub(sub).Hours(), 1)
				}
			}
		}
	}
	// returns
	{
		tb := ds.tables["returns"]
		for _, r := range tb.rows {
			c := r[tb.idx("country")].(string)
			d, _ := dayOfTime(r[tb.idx("requested_at_local")])
			get("return_rate").add(c, d, 1, 0)
			rc, ok1 := ts(r[tb.idx("received_at")])
			pr, ok2 := ts(r[tb.idx("processed_at")])
			if ok1 && ok2 {
				pd, _ := dayOfTime(r[tb.idx("processed_at_local")])
				get("return_processing_days").add(c, pd, pr.Sub(rc).Hours()/24, 1)
			}
		}
	}
	// tickets
	{
		tb := ds.tables["tickets"]
		for _, r := range tb.rows {
			c := r[tb.idx("country")].(string)
			cr, _ := ts(r[tb.idx("created_at")])
			d, _ := dayOfTime(r[tb.idx("created_at_local")])
			fr, ok := ts(r[tb.idx("first_response_at")])
			if ok {
				get("first_response_hours").add(c, d, fr.Sub(cr).Hours(), 1)
			}
			get("reply_within_48h_rate").add(c, d, b2f(ok && fr.Sub(cr) <= 48*time.Hour), 1)
			if r[tb.idx("is_dispute")] == true {
				get("dispute_rate").add(c, d, 1, 0)
				_, res := ts(r[tb.idx("resolved_at")])
				get("dispute_close_rate").add(c, d, b2f(res), 1)
			}
			if cs, ok := r[tb.idx("csat")].(int64); ok {
				rd, _ := dayOfTime(r[tb.idx("resolved_at_local")])
				get("csat").add(c, rd, b2f(cs >= 4), 1)
			}
			switch r[tb.idx("channel")] {
			case "chat", "question", "whatsapp":
				get("chat_conversion_rate").add(c, d, b2f(r[tb.idx("led_to_order")] == true), 1)
			}
		}
	}
	// reviews
	{
		tb := ds.tables["reviews"]
		for _, r := range tb.rows {
			c := r[tb.idx("country")].(string)
			d, _ := dayOfTime(r[tb.idx("created_at_local")])
			rt := f64(r[tb.idx("rating")])
			get("average_rating").add(c, d, rt, 1)
			get("negative_review_rate").add(c, d, b2f(rt <= 2), 1)
		}
	}
	// nps
	{
		tb := ds.tables["nps_responses"]
		for _, r := range tb.rows {
			c := r[tb.idx("country")].(string)
			d, _ := dayOfTime(r[tb.idx("responded_at_local")])
			sc := f64(r[tb.idx("score")])
			v := 0.0
			if sc >= 9 {
				v = 100
			} else if sc <= 6 {
				v = -100
			}
			get("nps").add(c, d, v, 1)
		}
	}
	// traffic, ads
	{
		tb := ds.tables["traffic"]
		for _, r := range tb.rows {
			d, _ := dayOfTime(r[tb.idx("date")])
			get("conversion_rate").add(r[tb.idx("country")].(string), d, 0, f64(r[tb.idx("visits")]))
		}
		tb = ds.tables["ads"]
		for _, r := range tb.rows {
			c := r[tb.idx("country")].(string)
			d, _ := dayOfTime(r[tb.idx("date")])
			cur := r[tb.idx("currency")].(string)
			spend, sales := f64(r[tb.idx("spend")]), f64(r[tb.idx("attributed_sales")])
			get("roas").add(c, d, sales, spend)
			get("acos").add(c, d, spend, sales)
			get("cac").add(c, d, fx.usd(cur, d, spend), 0)
			get("cost_per_order").add(c, d, fx.usd(cur, d, spend), 0)
		}
	}
	for b, d := range firstOrder {
		get("cac").add(buyerCountry[b], d, 0, 1)
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// value of a KPI on a day; ok false when there is no value.
func (s *series) value(k kpiDef, country string, day int) (float64, bool) {
	den := s.den[country][day]
	num := s.num[country][day]
	if k.sum {
		if den == 0 {
			return 0, false
		}
		return num, true
	}
	if den == 0 {
		return 0, false
	}
	if k.p90 {
		v := slices.Clone(s.vals[country][day])
		sort.Float64s(v)
		pos := 0.9 * float64(len(v)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(v)-1)
		return v[lo] + (v[hi]-v[lo])*(pos-float64(lo)), true
	}
	return num / den, true
}

type redRun struct {
	country, kpi string
	from, to     int // day numbers
}

// redRuns finds runs of ≥ 3 consecutive settled red days (days without a value are skipped).
func redRuns(all map[string]*series, first, last int) []redRun {
	var runs []redRun
	for _, k := range kpis {
		s := all[k.id]
		if s == nil {
			continue
		}
		for _, c := range []string{"BR", "MX", "CO", "CL", "AR"} {
			n, start, prev := 0, 0, 0
			flush := func() {
				if n >= 3 {
					runs = append(runs, redRun{c, k.id, start, prev})
				}
				n = 0
			}
			for d := first; d <= last-k.settles; d++ {
				v, ok := s.value(k, c, d)
				if !ok {
					continue
				}
				if k.red(c, v) {
					if n == 0 {
						start = d
					}
					n++
					prev = d
				} else {
					flush()
				}
			}
			flush()
		}
	}
	return runs
}

func dayStr(d int) string { return dateOf(d).Format(time.DateOnly) }

// TestOnlyInjectedProblemsAlert computes every KPI with a default target per country and day,
// straight from the rows, and checks that the only runs of three red settled days are the
// injected problems, and that each injected KPI does go red in its window.
func TestOnlyInjectedProblemsAlert(t *testing.T) {
	checkAlerts(t, defaultDataset(t), Config{End: testEnd})
}

// TestOnlyInjectedProblemsAlertMore runs the same check on more seeds and windows (slow; set DEMO_MORE=1).
func TestOnlyInjectedProblemsAlertMore(t *testing.T) {
	if os.Getenv("DEMO_MORE") == "" {
		t.Skip("set DEMO_MORE=1")
	}
	for _, end := range []string{"2026-11-25", "2026-01-15", "2026-07-31", "2027-06-10"} {
		for seed := int64(1); seed <= 4; seed++ {
			e, _ := time.Parse(time.DateOnly, end)
			cfg := Config{End: e, Seed: seed}
			t.Run(fmt.Sprintf("%s-seed%d", end, seed), func(t *testing.T) {
				ds, err := loadDataset(cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer os.RemoveAll(ds.dir)
				checkAlerts(t, ds, cfg)
			})
		}
	}
}

func checkAlerts(t *testing.T, ds *dataset, cfg Config) {
	all := computeKPIs(ds)
	cfg, _ = cfg.normalized()
	first, last := cfg.endDay()-cfg.Days+1, cfg.endDay()
	probs := Problems(cfg)
	runs := redRuns(all, first, last)
	found := map[string]bool{}
	for _, r := range runs {
		allowed := false
		for _, p := range probs {
			if p.Country != r.country || r.to < int(p.From.Unix()/86400) {
				continue
			}
			if slices.Contains(p.KPIs, r.kpi) {
				allowed = true
				found[p.Country+"/"+r.kpi] = true
			}
			if slices.Contains(p.Related, r.kpi) {
				allowed = true
			}
		}
		if !allowed {
			t.Errorf("%s %s red from %s to %s outside the injected problems", r.country, r.kpi, dayStr(r.from), dayStr(r.to))
		} else {
			t.Logf("%s %s red from %s to %s (injected)", r.country, r.kpi, dayStr(r.from), dayStr(r.to))
		}
	}
	for _, p := range probs {
		for _, k := range p.KPIs {
			if !found[p.Country+"/"+k] {
				t.Errorf("injected problem %s %s never red for 3 settled days", p.Country, k)
			}
		}
	}
}

// TestKPISummary logs each KPI's range per country (run with -v to read it).
func TestKPISummary(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("run with -v")
	}
	ds, cfg := defaultDataset(t), Config{End: testEnd}
	if e := os.Getenv("DEMO_END"); e != "" { // another window, for tuning
		cfg.End, _ = time.Parse(time.DateOnly, e)
		var err error
		if ds, err = loadDataset(cfg); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(ds.dir)
	}
	all := computeKPIs(ds)
	cfg, _ = cfg.normalized()
	first, last := cfg.endDay()-cfg.Days+1, cfg.endDay()
	for _, k := range kpis {
		s := all[k.id]
		for _, c := range []string{"BR", "MX", "CO", "CL", "AR"} {
			var vs []float64
			red := 0
			for d := first; d <= last-k.settles; d++ {
				if v, ok := s.value(k, c, d); ok {
					vs = append(vs, v)
					if k.red(c, v) {
						red++
					}
				}
			}
			if len(vs) == 0 {
				t.Logf("%-28s %s no values", k.id, c)
				continue
			}
			sorted := slices.Clone(vs)
			sort.Float64s(sorted)
			mean := 0.0
			for _, v := range vs {
				mean += v
			}
			mean /= float64(len(vs))
			t.Logf("%-28s %s n=%3d mean=%9.3f min=%9.3f p5=%9.3f p95=%9.3f max=%9.3f red=%d", k.id, c, len(vs), mean,
				sorted[0], sorted[len(sorted)/20], sorted[len(sorted)*19/20], sorted[len(sorted)-1], red)
		}
	}
}

// TestShowSeries prints daily values, e.g. DEMO_SHOW=MX/last_mile_success_rate,BR/on_time_delivery_rate.
func TestShowSeries(t *testing.T) {
	show := os.Getenv("DEMO_SHOW")
	if show == "" {
		t.Skip("set DEMO_SHOW")
	}
	ds := defaultDataset(t)
	all := computeKPIs(ds)
	cfg, _ := Config{End: testEnd}.normalized()
	first, last := cfg.endDay()-cfg.Days+1, cfg.endDay()
	for _, item := range strings.Split(show, ",") {
		c, id, _ := strings.Cut(item, "/")
		for _, k := range kpis {
			if k.id != id {
				continue
			}
			var b strings.Builder
			for d := first; d <= last; d++ {
				v, ok := all[id].value(k, c, d)
				if !ok {
					continue
				}
				mark := ""
				if k.red(c, v) {
					mark = "*"
				}
				fmt.Fprintf(&b, "%s %.3f%s (n=%.0f)\n", dayStr(d)[5:], v, mark, all[id].den[c][d])
			}
			t.Logf("%s %s\n%s", c, id, b.String())
		}
	}
}

// window returns a problem's first and last day numbers.
func problemWindow(t *testing.T, cfg Config, country string) (int, int) {
	for _, p := range Problems(cfg) {
		if p.Country == country {
			return int(p.From.Unix() / 86400), int(p.To.Unix() / 86400)
		}
	}
	t.Fatalf("no problem in %s", country)
	return 0, 0
}

// TestInjectedProblems checks the three problems straight from the rows.
func TestInjectedProblems(t *testing.T) {
	ds := defaultDataset(t)
	cfg := Config{End: testEnd}
	ratio := func(n, d float64) float64 {
		if d == 0 {
			return math.NaN()
		}
		return n / d
	}

	// 1. Brazil: customs holds by submission day
	from, to := problemWindow(t, cfg, "BR")
	var heldIn, subIn, heldBefore, subBefore float64
	sh := ds.tables["shipments"]
	for _, r := range sh.rows {
		if r[sh.idx("country")] != "BR" {
			continue
		}
		d, ok := dayOfTime(r[sh.idx("customs_submitted_at_local")])
		if !ok {
			continue
		}
		held := b2f(r[sh.idx("customs_held")] == true)
		switch {
		case d >= from && d <= to:
			heldIn += held
			subIn++
		case d >= from-60 && d < from:
			heldBefore += held
			subBefore++
		}
	}
	if h := ratio(heldIn, subIn); !(h > 0.10) {
		t.Errorf("BR customs hold rate in the window %.3f (%v parcels), want > 10%%", h, subIn)
	}
	if h := ratio(heldBefore, subBefore); !(h < 0.01) {
		t.Errorf("BR customs hold rate in the 60 days before %.4f (%v parcels), want < 1%%", h, subBefore)
	}

	// 2. Mexico: estafeta's lost parcels by closing day
	from, to = problemWindow(t, cfg, "MX")
	var lostIn, closedIn, lostBefore, closedBefore float64
	for _, r := range sh.rows {
		if r[sh.idx("country")] != "MX" || r[sh.idx("carrier")] != problemCarrier {
			continue
		}
		lost := false
		d, ok := dayOfTime(r[sh.idx("delivered_at_local")])
		if !ok {
			if d, ok = dayOfTime(r[sh.idx("lost_at_local")]); ok {
				lost = true
			} else if d, ok = dayOfTime(r[sh.idx("returned_to_sender_at_local")]); !ok {
				continue
			}
		}
		switch {
		case d >= from && d <= to:
			lostIn += b2f(lost)
			closedIn++
		case d < from:
			lostBefore += b2f(lost)
			closedBefore++
		}
	}
	if l := ratio(lostIn, closedIn); !(l > 0.05) {
		t.Errorf("MX estafeta loss rate in the window %.3f of %v, want > 5%%", l, closedIn)
	}
	if l := ratio(lostBefore, closedBefore); !(l < 0.005) {
		t.Errorf("MX estafeta loss rate before the window %.4f of %v, want < 0.5%%", l, closedBefore)
	}

	// 3. Colombia: first response hours by ticket creation day
	from, to = problemWindow(t, cfg, "CO")
	tk := ds.tables["tickets"]
	var hIn, nIn, hBefore, nBefore float64
	for _, r := range tk.rows {
		if r[tk.idx("country")] != "CO" {
			continue
		}
		cr, _ := ts(r[tk.idx("created_at")])
		fr, ok := ts(r[tk.idx("first_response_at")])
		if !ok {
			continue
		}
		d, _ := dayOfTime(r[tk.idx("created_at_local")])
		h := fr.Sub(cr).Hours()
		switch {
		case d >= from && d <= to:
			hIn += h
			nIn++
		case d < from:
			hBefore += h
			nBefore++
		}
	}
	t.Logf("BR hold rate %.3f in the window, %.4f before; MX estafeta loss %.3f in the window, %.4f before; CO first response %.1f h in the window, %.1f h before",
		ratio(heldIn, subIn), ratio(heldBefore, subBefore), ratio(lostIn, closedIn), ratio(lostBefore, closedBefore), ratio(hIn, nIn), ratio(hBefore, nBefore))
	if h := ratio(hIn, nIn); !(h > 30) {
		t.Errorf("CO first response in the window %.1f h, want > 30", h)
	}
	if h := ratio(hBefore, nBefore); !(h < 8) {
		t.Errorf("CO first response before the window %.1f h, want < 8", h)
	}
}

// TestHealthySample checks a few KPIs day by day against their green band.
func TestHealthySample(t *testing.T) {
	ds := defaultDataset(t)
	all := computeKPIs(ds)
	cfg, _ := Config{End: testEnd}.normalized()
	first, last := cfg.endDay()-cfg.Days+1, cfg.endDay()
	type check struct {
		id     string
		minDen float64
		green  func(v float64) bool
	}
	checks := []check{
		{"late_shipment_rate", 25, func(v float64) bool { return v <= 0.04 }},
		{"order_handling_hours", 20, func(v float64) bool { return v <= 24 }},
		{"on_time_delivery_rate", 20, func(v float64) bool { return v >= 0.85 }}, // outside BR's window
		{"conversion_rate", 500, func(v float64) bool { return v >= 0.02 }},
		{"roas", 0, func(v float64) bool { return v >= 4 }},
		{"gross_margin", 0, func(v float64) bool { return v >= 0.35 }},
		{"fulfillment_cost_per_order", 20, func(v float64) bool { return v <= 6 }},
		{"return_processing_days", 0, func(v float64) bool { return v <= 3 }},
		{"nps", 10, func(v float64) bool { return v >= 20 }},
	}
	brFrom, _ := problemWindow(t, cfg, "BR")
	for _, ch := range checks {
		var k kpiDef
		for _, x := range kpis {
			if x.id == ch.id {
				k = x
			}
		}
		s := all[ch.id]
		bad := 0
		for _, c := range []string{"BR", "MX", "CO", "CL", "AR"} {
			for d := first; d <= last; d++ {
				if ch.id == "on_time_delivery_rate" && c == "BR" && d >= brFrom {
					continue
				}
				if _, mo, dd := dateOf(d - 1).Date(); ch.id == "order_handling_hours" && (mo == 12 && dd == 25 || mo == 1 && dd == 1) {
					continue // carriers do not collect on Christmas and New Year: the next day ships two days' orders
				}
				v, ok := s.value(k, c, d)
				if !ok || s.den[c][d] < ch.minDen {
					continue
				}
				if !ch.green(v) {
					bad++
					if bad <= 5 {
						t.Errorf("%s %s on %s = %.4f (of %.0f), not green", c, ch.id, dayStr(d), v, s.den[c][d])
					}
				}
			}
		}
	}
}

// TestConsistentTimestamps checks the order of each record's events, and that nothing happened
// after the end of the last day.
func TestConsistentTimestamps(t *testing.T) {
	ds := defaultDataset(t)
	zones := record.NewZones()
	cfg, _ := Config{End: testEnd}.normalized()
	y, m, d := dateOf(cfg.endDay() + 1).Date()
	chains := map[string][]string{
		"orders":          {"created_at", "paid_at", "shipped_at", "delivered_at"},
		"shipments":       {"handed_over_at", "departed_origin_at", "arrived_destination_at", "customs_submitted_at", "customs_cleared_at", "out_for_delivery_at", "delivered_at"},
		"returns":         {"requested_at", "received_at", "processed_at"},
		"tickets":         {"created_at", "first_response_at", "resolved_at"},
		"purchase_orders": {"created_at", "supplier_shipped_at", "first_leg_departed_at", "first_leg_arrived_at", "received_at"},
	}
	plans := map[string]bool{"handling_deadline": true, "estimated_delivery_at": true, "expected_received_at": true}
	for _, kind := range []string{"orders", "shipments", "returns", "tickets", "purchase_orders", "reviews", "nps_responses"} {
		tb := ds.tables[kind]
		bad := 0
		for _, r := range tb.rows {
			cut := time.Date(y, m, d, 0, 0, 0, 0, zones.For(r[tb.idx("country")].(string)))
			var prev time.Time
			for _, col := range chains[kind] {
				v, ok := ts(r[tb.idx(col)])
				if !ok {
					continue
				}
				if v.Before(prev) && bad < 5 {
					bad++
					t.Errorf("%s row %v: %s %v before the previous event %v", kind, r[0], col, v, prev)
				}
				prev = v
			}
			for _, col := range tb.kind.Timestamps() {
				if v, ok := ts(r[tb.idx(col)]); ok && !plans[col] && !v.Before(cut) && bad < 5 {
					bad++
					t.Errorf("%s row %v: %s %v after the end of the last day", kind, r[0], col, v)
				}
			}
		}
	}
	// an order's lifecycle matches its shipment and its lines
	or, sh, it := ds.tables["orders"], ds.tables["shipments"], ds.tables["order_items"]
	type agg struct {
		units int64
		gross float64
	}
	lines := map[string]*agg{}
	for _, r := range it.rows {
		key := r[it.idx("store")].(string) + "/" + r[it.idx("order_id")].(string)
		if lines[key] == nil {
			lines[key] = &agg{}
		}
		lines[key].units += r[it.idx("units")].(int64)
		lines[key].gross += float64(r[it.idx("units")].(int64)) * r[it.idx("unit_price")].(float64)
	}
	shipped := map[string]time.Time{}
	for _, r := range sh.rows {
		shipped[r[sh.idx("store")].(string)+"/"+r[sh.idx("order_id")].(string)], _ = ts(r[sh.idx("delivered_at")])
	}
	nShipped, bad := 0, 0
	for _, r := range or.rows {
		key := r[or.idx("store")].(string) + "/" + r[or.idx("order_id")].(string)
		l := lines[key]
		if l == nil || l.units != r[or.idx("units")].(int64) || math.Abs(l.gross-r[or.idx("gross_amount")].(float64)) > 0.01 {
			if bad++; bad <= 5 {
				t.Errorf("order %s: lines %+v do not add up to units %v, gross %v", key, l, r[or.idx("units")], r[or.idx("gross_amount")])
			}
		}
		if _, ok := ts(r[or.idx("shipped_at")]); ok {
			nShipped++
			dv, _ := ts(r[or.idx("delivered_at")])
			if sdv, ok := shipped[key]; !ok || !sdv.Equal(dv) {
				if bad++; bad <= 5 {
					t.Errorf("order %s: shipment missing or delivered at %v, order says %v", key, sdv, dv)
				}
			}
		}
	}
	if nShipped != len(sh.rows) {
		t.Errorf("%d shipped orders, %d shipments", nShipped, len(sh.rows))
	}
}

// TestClockChange writes instants around Chile's return to standard time, when the local
// hour 23:00–24:00 occurs twice: a naive wall clock means the earlier instant, so the later
// hour must be written with its offset.
func TestClockChange(t *testing.T) {
	loc, _ := time.LoadLocation("America/Santiago")
	lo := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).Unix()
	z, err := newZone("America/Santiago", lo, lo+30*secPerDay)
	if err != nil {
		t.Fatal(err)
	}
	offsets := 0
	for t0 := time.Date(2026, 4, 5, 1, 0, 0, 0, time.UTC).Unix(); t0 < time.Date(2026, 4, 5, 6, 0, 0, 0, time.UTC).Unix(); t0 += 600 {
		for _, style := range []int{styleNaive, styleOffset, styleUTC} {
			s := string(z.appendTS(nil, t0, style))
			got, _, err := record.ParseTimestamp(s, loc)
			if err != nil || got.Unix() != t0 {
				t.Errorf("%s (style %d) reads as %v, want %v (%v)", s, style, got.UTC(), time.Unix(t0, 0).UTC(), err)
			}
			if style == styleNaive && strings.Contains(s, "T") {
				offsets++
			}
		}
	}
	if offsets != 6 {
		t.Errorf("%d naive timestamps written with an offset in the repeated hour, want 6", offsets)
	}
}

func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	cfg := Config{End: testEnd}
	rows := 0
	for b.Loop() {
		files, err := Generate(cfg, dir)
		if err != nil {
			b.Fatal(err)
		}
		rows = 0
		for _, f := range files {
			rows += f.Rows
		}
	}
	b.ReportMetric(float64(rows), "rows/op")
}
