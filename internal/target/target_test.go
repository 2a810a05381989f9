package target

import (
	"strings"
	"testing"
	"time"
)

func f(v float64) *float64 { return &v }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestJudge(t *testing.T) {
	late := &Target{Value: f(0.04), Yellow: 0.02} // ≤ 4 % green, ≤ 6 % yellow, above red
	rating := &Target{Value: f(4.5), Yellow: 0.3} // ≥ 4.5 green, ≥ 4.2 yellow
	cases := []struct {
		v    *float64
		t    *Target
		up   bool
		want Status
	}{
		{f(0.03), late, false, Green},
		{f(0.04), late, false, Green},
		{f(0.05), late, false, Yellow},
		{f(3.0 / 50), late, false, Yellow}, // exactly 6 %, as a division computes it
		{f(0.0601), late, false, Red},
		{f(4.6), rating, true, Green},
		{f(4.5), rating, true, Green},
		{f(4.2), rating, true, Yellow},
		{f(4.19), rating, true, Red},
		{nil, rating, true, None},
		{f(4.0), nil, true, None},
		{f(1), &Target{Value: f(0), Yellow: 5}, false, Yellow}, // tax bill returns: ≤ 0 (5)
		{f(6), &Target{Value: f(0), Yellow: 5}, false, Red},
		{f(1), &Target{Value: nil}, false, None},
	}
	for i, c := range cases {
		if got := Judge(c.v, c.t, c.up); got != c.want {
			t.Errorf("case %d: got %s, want %s", i, got, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	all := Target{KPI: "delivery_days", Value: f(10), Yellow: 5, EffectiveFrom: day("2020-01-01"), Source: "template"}
	mx := Target{KPI: "delivery_days", Scope: Scope{"country": "MX"}, Value: f(7), Yellow: 5, EffectiveFrom: day("2020-01-01")}
	mx2026 := Target{KPI: "delivery_days", Scope: Scope{"country": "MX"}, Value: f(6), Yellow: 3, EffectiveFrom: day("2026-06-01")}
	mxBuenFin := Target{KPI: "delivery_days", Scope: Scope{"country": "MX"}, Value: f(9), Yellow: 3, EffectiveFrom: day("2020-01-01"), Event: "buen_fin"}
	mxAmazon := Target{KPI: "delivery_days", Scope: Scope{"country": "MX", "platform": "amazon"}, Value: f(5), Yellow: 2, EffectiveFrom: day("2020-01-01")}
	mxStore := Target{KPI: "delivery_days", Scope: Scope{"country": "MX", "store": "s9"}, Value: f(4), Yellow: 2, EffectiveFrom: day("2020-01-01")}
	mxCat := Target{KPI: "delivery_days", Scope: Scope{"country": "MX", "category": "toys"}, Value: f(8), Yellow: 2, EffectiveFrom: day("2020-01-01")}
	brRetired := Target{KPI: "delivery_days", Scope: Scope{"country": "BR"}, Value: nil, EffectiveFrom: day("2026-01-01")}
	brOld := Target{KPI: "delivery_days", Scope: Scope{"country": "BR"}, Value: f(12), Yellow: 5, EffectiveFrom: day("2025-01-01")}
	s := NewSet([]Target{all, mx, mx2026, mxBuenFin, mxAmazon, mxStore, mxCat, brRetired, brOld})

	cases := []struct {
		name   string
		scope  Scope
		day    string
		events []string
		want   *float64
	}{
		{"no scope gets the global target", Scope{}, "2026-03-02", nil, f(10)},
		{"CO falls back to global", Scope{"country": "CO"}, "2026-03-02", nil, f(10)},
		{"MX country target before its new version", Scope{"country": "MX"}, "2026-05-31", nil, f(7)},
		{"MX new version from its effective date", Scope{"country": "MX"}, "2026-06-01", nil, f(6)},
		{"a past period keeps the version then in force", Scope{"country": "MX"}, "2025-11-10", nil, f(7)},
		{"event-bound beats plain in the same scope", Scope{"country": "MX"}, "2026-11-13", []string{"buen_fin"}, f(9)},
		{"other events do not trigger it", Scope{"country": "MX"}, "2026-11-13", []string{"hot_sale"}, f(6)},
		{"two dimensions beat one, even against an event", Scope{"country": "MX", "platform": "amazon"}, "2026-11-13", []string{"buen_fin"}, f(5)},
		{"tie of two dimensions: store before platform", Scope{"country": "MX", "platform": "amazon", "store": "s9"}, "2026-03-02", nil, f(4)},
		{"tie of two dimensions: platform before category", Scope{"country": "MX", "platform": "amazon", "category": "toys"}, "2026-03-02", nil, f(5)},
		{"category scope applies where platform does not match", Scope{"country": "MX", "platform": "shopee", "category": "toys"}, "2026-03-02", nil, f(8)},
		{"a retired scope has no target", Scope{"country": "BR"}, "2026-03-02", nil, nil},
		{"before retirement the old version holds", Scope{"country": "BR"}, "2025-06-01", nil, f(12)},
		{"before any version: nothing", Scope{"country": "MX"}, "2019-12-31", nil, nil},
	}
	for _, c := range cases {
		got := s.Resolve("delivery_days", c.scope, day(c.day), c.events)
		switch {
		case c.want == nil && got != nil:
			t.Errorf("%s: got %v, want none", c.name, *got.Value)
		case c.want != nil && (got == nil || *got.Value != *c.want):
			t.Errorf("%s: got %+v, want %v", c.name, got, *c.want)
		}
	}
	if got := s.Resolve("gmv", Scope{}, day("2026-03-02"), nil); got != nil {
		t.Errorf("KPI without targets resolved %+v", got)
	}
}

func TestScope(t *testing.T) {
	if k := (Scope{"platform": "amazon", "country": "MX"}).Key(); k != "platform=amazon,country=MX" {
		t.Errorf("key %q", k)
	}
	if err := (Scope{"planet": "mars"}).Validate(); err == nil {
		t.Error("unknown dimension accepted")
	}
	if err := (Scope{"country": " "}).Validate(); err == nil {
		t.Error("empty value accepted")
	}
}

func TestSuggest(t *testing.T) {
	// 8 weekly values; sorted: 2 3 4 5 6 7 8 9. Positions for p25/p50/p75 over 7 gaps:
	// 1.75 → 3 + 0.75 = 3.75; 3.5 → 5.5; 5.25 → 7.25.
	s, ok := Suggest([]float64{9, 2, 8, 3, 7, 4, 6, 5}, false)
	if !ok || s.P25 != 3.75 || s.Median != 5.5 || s.P75 != 7.25 || s.Target != 5.5 || s.YellowEdge != 1.75 {
		t.Fatalf("%+v", s)
	}
	up, _ := Suggest([]float64{9, 2, 8, 3, 7, 4, 6, 5}, true)
	if up.YellowEdge != 1.75 || up.Target != 5.5 {
		t.Fatalf("%+v", up)
	}
	if _, ok := Suggest(nil, true); ok {
		t.Fatal("suggested from nothing")
	}
}

func TestParseFile(t *testing.T) {
	known := func(s string) bool { return s == "delivery_days" }
	event := func(s string) bool { return s == "buen_fin" }
	today := day("2026-11-26")
	ts, err := ParseFile([]byte(`
- kpi: delivery_days
  scope: {country: MX}
  target: 9
  yellow: 3
  event: buen_fin
- kpi: delivery_days
  scope: {country: BR}
  target: null
  effective_from: 2027-01-01
`), today, known, event)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || *ts[0].Value != 9 || !ts[0].EffectiveFrom.Equal(today) || ts[0].Event != "buen_fin" || ts[1].Value != nil || !ts[1].EffectiveFrom.Equal(day("2027-01-01")) {
		t.Fatalf("%+v", ts)
	}
	bad := []struct{ src, want string }{
		{"- {kpi: nope, target: 1}", `targets: entry 1 (nope): kpi: unknown kpi "nope"`},
		{"- {kpi: delivery_days, target: 1, scope: {planet: mars}}", `targets: entry 1 (delivery_days): scope: unknown scope dimension "planet"`},
		{"- {kpi: delivery_days, target: 1, yellow: -1}", `targets: entry 1 (delivery_days): yellow: must not be negative`},
		{"- {kpi: delivery_days, target: 1, effective_from: 01/02/2026}", `targets: entry 1 (delivery_days): effective_from: want YYYY-MM-DD, got "01/02/2026"`},
		{"- {kpi: delivery_days, target: 1, event: carnival}", `targets: entry 1 (delivery_days): event: unknown calendar event "carnival"`},
		{"- {kpi: delivery_days, targt: 1}", `field targt not found`},
	}
	for _, b := range bad {
		if _, err := ParseFile([]byte(b.src), today, known, event); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: %v, want %q", b.src, err, b.want)
		}
	}
}

func TestVersions(t *testing.T) {
	s := NewSet([]Target{
		{KPI: "k", Scope: Scope{"country": "MX"}, Value: f(2), EffectiveFrom: day("2026-06-01")},
		{KPI: "k", Value: f(1), EffectiveFrom: day("2020-01-01")},
		{KPI: "k", Scope: Scope{"country": "MX"}, Value: f(3), EffectiveFrom: day("2025-01-01")},
		{KPI: "other", Value: f(9), EffectiveFrom: day("2020-01-01")},
	})
	// By scope key ("" before "country=MX"), then oldest first: 1, 3, 2.
	var got []float64
	for _, v := range s.Versions("k") {
		got = append(got, *v.Value)
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 3 || got[2] != 2 {
		t.Fatalf("versions %v", got)
	}
}
