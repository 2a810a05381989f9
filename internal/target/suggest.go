package target

import (
	"math"
	"sort"
)

// Suggestion is a baseline proposed from a KPI's recent history in one scope.
type Suggestion struct {
	Scope              map[string]string
	Periods            int
	P25, Median, P75   float64
	Target, YellowEdge float64 // proposed target and yellow margin
}

// Suggest proposes a baseline from period values: the target is the median, and the yellow
// margin reaches to the worse quartile (p25 when higher is better, p75 when lower is).
// Quantiles interpolate linearly, like percentile_cont.
func Suggest(values []float64, up bool) (Suggestion, bool) {
	if len(values) == 0 {
		return Suggestion{}, false
	}
	v := append([]float64(nil), values...)
	sort.Float64s(v)
	s := Suggestion{Periods: len(v), P25: quantile(v, 0.25), Median: quantile(v, 0.5), P75: quantile(v, 0.75)}
	s.Target = s.Median
	if up {
		s.YellowEdge = s.Median - s.P25
	} else {
		s.YellowEdge = s.P75 - s.Median
	}
	return s, true
}

func quantile(sorted []float64, p float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := p * float64(len(sorted)-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	return sorted[int(lo)] + (sorted[int(hi)]-sorted[int(lo)])*(pos-lo)
}
