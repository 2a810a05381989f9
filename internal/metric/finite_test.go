package metric

import (
	"math"
	"testing"
)

// Finding 5: a tenant formula could yield +Inf (a ratio of huge sums), which reached the
// board, the CSV ("+Inf") and broke JSON answers. A value that is not finite is no value.
func TestFormulaNeverYieldsNonFinite(t *testing.T) {
	for _, c := range []struct {
		src  string
		vars map[string]float64
		want float64
		ok   bool
	}{
		{"a / b", map[string]float64{"a": 1e308, "b": 1e-308}, 0, false},
		{"a * b", map[string]float64{"a": 1e200, "b": 1e200}, 0, false},
		{"a + b", map[string]float64{"a": math.MaxFloat64, "b": math.MaxFloat64}, 0, false},
		{"a - b", map[string]float64{"a": math.Inf(1), "b": 1}, 0, false},
		{"a - b", map[string]float64{"a": math.Inf(1), "b": math.Inf(1)}, 0, false}, // NaN
		{"a", map[string]float64{"a": math.NaN()}, 0, false},
		{"a / b", map[string]float64{"a": 3, "b": 0}, 0, false},
		{"a / b", map[string]float64{"a": 3, "b": 4}, 0.75, true},
		{"(a - b) * 100", map[string]float64{"a": 5, "b": 4.5}, 50, true},
	} {
		f, err := parseFormula(c.src, []string{"a", "b"})
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		got, ok := f.eval(c.vars)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("%s with %v = %v, %v; want %v, %v", c.src, c.vars, got, ok, c.want, c.ok)
		}
	}
	if _, err := parseFormula("a * 1e999", []string{"a"}); err == nil {
		t.Error("a literal that overflows was accepted")
	}
}
