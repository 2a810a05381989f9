package metric_test

import (
	"fmt"
	"testing"

	"pulso/internal/metric"
	"pulso/internal/store"
)

// Contributions of carriers to a Mexican week, on a fixture small enough to work out by hand.
//
//	week 1 (03-02..03-08)                        week 2 (03-09..03-15)
//	estafeta A1-A4 delivered, cleared in 24 h    A5 A6 lost, cleared in 200 h and 240 h;
//	         tax bills sent back: A1 once        A7 A8 delivered; A7's tax bill back 7 times
//	dhl      B1 lost, B2-B4 delivered,           B5-B9 delivered, B10 returned to sender;
//	         cleared in 36 h; back: B1, B2       B5 B6 B7 cleared in 24, 36, 48 h; back: B5
//
// A5 and A6 were submitted to customs in week 1 (their tax bills count there, 0 times); A7 was
// submitted in week 2 and is not cleared yet.
var contribData = dataset{tenant: "contrib", files: []file{
	{"shipments", `
		shipment_id,platform,store,country,carrier,service,customs_submitted_at,customs_cleared_at,customs_held,tax_bill_returns,delivery_attempts,delivered_at,lost_at,returned_to_sender_at
		A1,mercadolibre,s1,MX,estafeta,std,2026-03-02 08:00:00,2026-03-03 08:00:00,,1,1,2026-03-04 12:00:00,,
		A2,mercadolibre,s1,MX,estafeta,std,2026-03-02 08:00:00,2026-03-03 08:00:00,,0,1,2026-03-04 12:00:00,,
		A3,mercadolibre,s1,MX,estafeta,std,2026-03-02 08:00:00,2026-03-03 08:00:00,,0,1,2026-03-04 12:00:00,,
		A4,mercadolibre,s1,MX,estafeta,std,2026-03-02 08:00:00,2026-03-03 08:00:00,,0,1,2026-03-04 12:00:00,,
		B1,mercadolibre,s1,MX,dhl,std,2026-03-02 08:00:00,2026-03-03 20:00:00,,1,1,,2026-03-05 12:00:00,
		B2,mercadolibre,s1,MX,dhl,std,2026-03-02 08:00:00,2026-03-03 20:00:00,,1,1,2026-03-05 12:00:00,,
		B3,mercadolibre,s1,MX,dhl,std,2026-03-02 08:00:00,2026-03-03 20:00:00,,0,1,2026-03-05 12:00:00,,
		B4,mercadolibre,s1,MX,dhl,std,2026-03-02 08:00:00,2026-03-03 20:00:00,,0,1,2026-03-05 12:00:00,,
		A5,mercadolibre,s1,MX,estafeta,std,2026-03-03 12:00:00,2026-03-11 20:00:00,,0,1,,2026-03-12 12:00:00,
		A6,mercadolibre,s1,MX,estafeta,std,2026-03-03 08:00:00,2026-03-13 08:00:00,,0,1,,2026-03-13 12:00:00,
		A7,mercadolibre,s1,MX,estafeta,std,2026-03-10 08:00:00,,,7,1,2026-03-12 12:00:00,,
		A8,mercadolibre,s1,MX,estafeta,std,,,,,1,2026-03-12 12:00:00,,
		B5,mercadolibre,s1,MX,dhl,std,2026-03-09 08:00:00,2026-03-10 08:00:00,,1,1,2026-03-12 12:00:00,,
		B6,mercadolibre,s1,MX,dhl,std,2026-03-09 08:00:00,2026-03-10 20:00:00,,0,1,2026-03-12 12:00:00,,
		B7,mercadolibre,s1,MX,dhl,std,2026-03-09 08:00:00,2026-03-11 08:00:00,,0,1,2026-03-12 12:00:00,,
		B8,mercadolibre,s1,MX,dhl,std,,,,,1,2026-03-12 12:00:00,,
		B9,mercadolibre,s1,MX,dhl,std,,,,,1,2026-03-13 12:00:00,,
		B10,mercadolibre,s1,MX,dhl,std,,,,,1,,,2026-03-13 12:00:00
	`},
}}

// contribWant is one carrier's expected share and contribution (none: not computable).
type contribWant struct {
	carrier      string
	share, value float64
}

func runContributions(t *testing.T, st store.Store) {
	load(t, st, contribData)
	e := newEngine(t, st)
	cat := standard(t)
	mx := map[string][]string{"country": {"MX"}}
	f64 := func(x float64) *float64 { return &x }
	cases := []struct {
		name, kpi, method string
		target            *float64
		// the whole of week 2 and its weight
		value, weight float64
		wants         []contribWant
	}{
		{
			// week 2: lost 2 of 10 closed = 0.2; estafeta 2/4 = 0.5 (share 4/10), dhl 0/6 (6/10).
			// estafeta 0.4 × (0.5 − 0.005) = 0.198; dhl 0.6 × (0 − 0.005) = −0.003;
			// together 0.195 = 0.2 − 0.005.
			name: "rate, lower is better", kpi: "parcel_loss_rate", method: metric.ContribTarget, target: f64(0.005),
			value: 0.2, weight: 10, wants: []contribWant{{"dhl", 0.6, -0.003}, {"estafeta", 0.4, 0.198}},
		},
		{
			// delivered 7 of 10 = 0.7 against 0.97 (higher is better, so the sign turns):
			// estafeta −0.4 × (2/4 − 0.97) = 0.188; dhl −0.6 × (5/6 − 0.97) = 0.082;
			// together 0.27 = 0.97 − 0.7.
			name: "rate, higher is better", kpi: "last_mile_success_rate", method: metric.ContribTarget, target: f64(0.97),
			value: 0.7, weight: 10, wants: []contribWant{{"dhl", 0.6, 0.082}, {"estafeta", 0.4, 0.188}},
		},
		{
			// cleared in week 2: estafeta 200 and 240 h (mean 220 over 2), dhl 24, 36, 48 h
			// (mean 36 over 3); whole (440 + 108) / 5 = 109.6 h. Against 72 h: estafeta
			// 2/5 × (220 − 72) = 59.2, dhl 3/5 × (36 − 72) = −21.6; together 37.6 = 109.6 − 72.
			name: "average", kpi: "customs_clearance_hours", method: metric.ContribTarget, target: f64(72),
			value: 109.6, weight: 5, wants: []contribWant{{"dhl", 0.6, -21.6}, {"estafeta", 0.4, 59.2}},
		},
		{
			// tax bills sent back, by the week of submission: estafeta 1 → 7, dhl 2 → 1;
			// whole 3 → 8. Contributions: +6 and −1 (together +5); shares 7/8 and 1/8.
			name: "sum, change", kpi: "tax_bill_returns", method: metric.ContribChange,
			value: 8, weight: -1, wants: []contribWant{{"dhl", 1.0 / 8, -1}, {"estafeta", 7.0 / 8, 6}},
		},
		{
			// parcel loss without its target: week 1 lost 1 of 8 (dhl 1 of 4), week 2 2 of 10.
			// estafeta 4/10 × 2/4 − 4/8 × 0/4 = 0.2; dhl 6/10 × 0 − 4/8 × 1/4 = −0.125;
			// together 0.075 = 0.2 − 0.125.
			name: "rate, change", kpi: "parcel_loss_rate", method: metric.ContribChange,
			value: 0.2, weight: 10, wants: []contribWant{{"dhl", 0.6, -0.125}, {"estafeta", 0.4, 0.2}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := cat.Get(c.kpi)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.ContributionMethod(c.target != nil); got != c.method {
				t.Fatalf("method %q, want %q", got, c.method)
			}
			qu := q(t, "contrib", "week", "2026-03-02", "2026-03-15", c.kpi)
			qu.Filters = mx
			whole := eval(t, e, qu)
			qu.By = []string{"carrier"}
			parts := eval(t, e, qu)
			if len(whole) != 2 {
				t.Fatalf("whole: %d rows", len(whole))
			}
			w2 := whole[1]
			if !sameNum(w2.Value, c.value) {
				t.Fatalf("week 2 value %s, want %v", fmtPtr(w2.Value), c.value)
			}
			if c.weight >= 0 && !sameNum(w2.Weight, c.weight) {
				t.Fatalf("week 2 weight %s, want %v", fmtPtr(w2.Weight), c.weight)
			}
			if c.weight < 0 && w2.Weight != nil {
				t.Fatalf("a sum has weight %s", fmtPtr(w2.Weight))
			}
			byPeriod := map[string]map[string]metric.Row{}
			for _, r := range parts {
				if byPeriod[r.Period] == nil {
					byPeriod[r.Period] = map[string]metric.Row{}
				}
				byPeriod[r.Period][r.Scope["carrier"]] = r
			}
			var pieces []metric.Piece
			for _, carrier := range []string{"dhl", "estafeta"} {
				p := metric.Piece{Row: byPeriod["2026-03-09"][carrier]}
				if prev, ok := byPeriod["2026-03-02"][carrier]; ok {
					p.Prev = &prev
				}
				pieces = append(pieces, p)
			}
			got := d.Contributions(c.method, w2, &whole[0], c.target, pieces)
			sum := 0.0
			for i, w := range c.wants {
				g := got[i]
				if !sameNum(g.Share, w.share) || !sameNum(g.Value, w.value) {
					t.Errorf("%s: share %s contribution %s, want %v and %v", w.carrier, fmtPtr(g.Share), fmtPtr(g.Value), w.share, w.value)
				}
				if g.Value != nil {
					sum += *g.Value
				}
			}
			// the contributions add up to the gap (method target) or the change (method change)
			gap := fmt.Sprintf("%.9f", sum)
			want := 0.0
			s := 1.0
			if d.Direction == "up" {
				s = -1
			}
			if c.method == metric.ContribTarget {
				want = s * (*w2.Value - *c.target)
			} else {
				want = s * (*w2.Value - *whole[0].Value)
			}
			if gap != fmt.Sprintf("%.9f", want) {
				t.Errorf("contributions add up to %s, want %.9f", gap, want)
			}
		})
	}
	// A quantile does not split into parts.
	if d, _ := cat.Get("order_handling_hours_p90"); d.ContributionMethod(true) != metric.ContribNone {
		t.Errorf("p90: method %q", d.ContributionMethod(true))
	}
}

func TestContributions(t *testing.T) { runContributions(t, openDuck(t)) }

func TestContributionsPostgres(t *testing.T) { runContributions(t, openPostgres(t)) }
