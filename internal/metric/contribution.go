package metric

// Contributions answer "why is this value red": how much each value of a breakdown (a carrier,
// a store, a warehouse…) moved a KPI value. The definitions are in docs/kpi-definitions.md,
// "Contributions"; in short, with s = +1 for a KPI where lower is better and −1 otherwise (so
// that a positive contribution always made the value worse):
//
//   - target: a weighted KPI (a ratio N/D, or the average of one measure over n records) with a
//     target T. Part b with weight w_b (its denominator, or its record count) out of the
//     whole's W contributes c_b = s · (w_b / W) · (V_b − T) = s · (N_b − T·w_b) / W. The
//     contributions add up to the whole's gap s · (V − T).
//   - change: an additive KPI (one sum or count), or a weighted KPI without a target. Part b
//     contributes what it changed since the previous period: c_b = s · (V_b − V'_b) for an
//     additive KPI, s · (w_b/W · V_b − w'_b/W' · V'_b) for a weighted one. The contributions
//     add up to the whole's change s · (V − V').
//   - none: the value does not split into parts (a quantile, a formula, a freshness).

// Contribution methods.
const (
	ContribTarget = "target"
	ContribChange = "change"
	ContribNone   = ""
)

// Weighted tells whether the KPI's value is a weighted mean of its breakdown values: a ratio
// (weights: the denominators) or the average of one measure (weights: the records averaged).
func (d *Definition) Weighted() bool {
	if d.IsRatio() {
		return true
	}
	m := d.valueMeasure()
	return m != nil && m.agg == "avg"
}

// Additive tells whether the KPI's value is one sum or count, which is the sum of its
// breakdown values.
func (d *Definition) Additive() bool {
	m := d.valueMeasure()
	return m != nil && (m.agg == "sum" || m.agg == "count")
}

func (d *Definition) valueMeasure() *measure {
	if d.Value.Measure == "" {
		return nil
	}
	for _, m := range d.measures {
		if m.name == d.Value.Measure {
			return m
		}
	}
	return nil
}

// ContributionMethod is the method that splits the KPI's value among breakdown values:
// ContribTarget, ContribChange or ContribNone.
func (d *Definition) ContributionMethod(hasTarget bool) string {
	switch {
	case d.Weighted() && hasTarget:
		return ContribTarget
	case d.Weighted() || d.Additive():
		return ContribChange
	}
	return ContribNone
}

// Piece is one breakdown value of a whole in one period: its row, and the same breakdown
// value's row in the previous period (for the change method; nil when it had none).
type Piece struct {
	Row  Row
	Prev *Row
}

// Contribution is what one piece did to the whole. Both are nil where they cannot be
// computed (no weight, no previous period, no target).
type Contribution struct {
	// Share is the piece's part of the whole: its weight over the whole's (weighted KPIs),
	// or its value over the whole's (additive KPIs).
	Share *float64 `json:"share"`
	// Value is in the KPI's unit (a fraction for percent KPIs); positive made the value worse.
	Value *float64 `json:"contribution"`
}

// Contributions computes each piece's contribution to whole by the given method. target is
// the whole's target (method target); prev is the whole's row in the previous period
// (method change).
func (d *Definition) Contributions(method string, whole Row, prev *Row, target *float64, pieces []Piece) []Contribution {
	out := make([]Contribution, len(pieces))
	s := 1.0
	if d.Direction == "up" {
		s = -1
	}
	weighted := d.Weighted()
	// weight of a row: its own, or the sum of the pieces'
	total := func(w *float64, rows func(Piece) *Row) float64 {
		if w != nil {
			return *w
		}
		sum := 0.0
		for _, p := range pieces {
			if r := rows(p); r != nil && r.Weight != nil {
				sum += *r.Weight
			}
		}
		return sum
	}
	// term is a row's part of its whole's value: w_b/W · V_b, or V_b; ok is false when the
	// row has a weight but no value that can be used.
	term := func(r *Row, W float64) (float64, bool) {
		if r == nil || r.Value == nil || !finite(*r.Value) {
			return 0, true // no records: nothing to add
		}
		if !weighted {
			return *r.Value, true
		}
		if r.Weight == nil || *r.Weight == 0 {
			return 0, true
		}
		if W == 0 {
			return 0, false
		}
		return *r.Weight / W * *r.Value, true
	}
	switch method {
	case ContribTarget:
		if target == nil || !weighted {
			return out
		}
		W := total(whole.Weight, func(p Piece) *Row { return &p.Row })
		if W == 0 {
			return out
		}
		for i, p := range pieces {
			if p.Row.Weight == nil {
				continue
			}
			share := *p.Row.Weight / W
			c := 0.0
			if p.Row.Value != nil && finite(*p.Row.Value) {
				c = s * share * (*p.Row.Value - *target)
			}
			out[i] = Contribution{Share: &share, Value: &c}
		}
	case ContribChange:
		if prev == nil {
			return out
		}
		W := total(whole.Weight, func(p Piece) *Row { return &p.Row })
		W0 := total(prev.Weight, func(p Piece) *Row { return p.Prev })
		for i, p := range pieces {
			now, ok1 := term(&p.Row, W)
			was, ok2 := term(p.Prev, W0)
			if !ok1 || !ok2 {
				continue
			}
			c := s * (now - was)
			out[i].Value = &c
			switch {
			case weighted && p.Row.Weight != nil && W != 0:
				share := *p.Row.Weight / W
				out[i].Share = &share
			case !weighted && p.Row.Value != nil && whole.Value != nil && *whole.Value != 0:
				share := *p.Row.Value / *whole.Value
				out[i].Share = &share
			}
		}
	}
	return out
}
