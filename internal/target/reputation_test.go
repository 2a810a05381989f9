package target

import (
	"math"
	"testing"
	"time"
)

func TestReputationLines(t *testing.T) {
	rs, err := Reputations()
	if err != nil {
		t.Fatal(err)
	}
	var ml Reputation
	for _, r := range rs {
		if r.Platform == "mercadolibre" {
			ml = r
		}
	}
	// MLB claims bounds from platform-rules.md: Líder 1 %, green 2 %, yellow 4.5 %, orange 8 %.
	if b := ml.Sites["BR"]["claims"]; len(b) != 4 || b[0] != 0.01 || b[3] != 0.08 {
		t.Fatalf("MLB claims %v", b)
	}
	levels := ml.Levels
	cases := []struct {
		v     float64
		level string
		next  string
		gap   float64
	}{
		{0.008, "lider", "", 0},
		{0.01, "lider", "", 0},
		{0.015, "green", "lider", 0.005},
		{0.03, "yellow", "green", 0.01},
		{0.09, "red", "orange", 0.01},
	}
	for _, c := range cases {
		s := Stand(levels, ml.Sites["BR"]["claims"], c.v)
		if s.Level != c.level || s.Next != c.next || (c.next != "" && math.Abs(*s.Gap-c.gap) > 1e-12) {
			t.Errorf("%.3f: %+v", c.v, s)
		}
	}
	ts := Template(rs, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	set := NewSet(ts)
	got := set.Resolve("late_shipment_rate", Scope{"platform": "mercadolibre", "country": "MX"}, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), nil)
	// MLM delayed handling: green up to 10 %, yellow up to 15 %: target 10 %, margin 5 pt.
	if got == nil || *got.Value != 0.10 || math.Abs(got.Yellow-0.05) > 1e-12 {
		t.Fatalf("MLM late shipment target %+v", got)
	}
	if set.Resolve("late_shipment_rate", Scope{"platform": "shopee", "country": "AR"}, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), nil) != nil {
		t.Fatal("no Shopee line for AR, yet a target resolved")
	}
}
