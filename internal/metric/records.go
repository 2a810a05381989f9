package metric

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RecordsQuery asks for the records behind one measure of a KPI over some days: the drill-down
// from a value to the rows that make it.
type RecordsQuery struct {
	Tenant string
	KPI    string
	// Measure is the measure to open; "" picks the numerator of a ratio, the measure of a
	// one-measure value, or else the first measure.
	Measure  string
	From, To time.Time // local dates, inclusive (a period's days)
	// Filters keep records whose dimension is one of the values (the user's scope and the
	// value's own scope); Unknown matches an empty dimension.
	Filters       map[string][]string
	Limit, Offset int // page; Limit defaults to 50 and is at most 1000
}

// Records is one page of the records behind a value, newest first. Columns never include
// personal data: pseudonymised columns (buyer_ref) and the source's extra attributes are left
// out.
type Records struct {
	KPI      string   `json:"kpi"`
	Measure  string   `json:"measure"`
	Measures []string `json:"measures"` // the measures that can be opened
	Kind     string   `json:"kind"`
	Columns  []string `json:"columns"`
	Types    []string `json:"types"` // per column: record type names (text, timestamp, date, decimal, ...)
	Rows     [][]any  `json:"rows"`
	More     bool     `json:"more"` // a next page exists
}

// ErrNoRecords is returned for a measure that reads no record kind (data freshness).
var ErrNoRecords = errors.New("this measure reads no records")

// DrillMeasures lists the measures of a KPI that can be opened, the default first.
func (d *Definition) DrillMeasures() []string {
	var out []string
	def := ""
	switch {
	case len(d.Value.Ratio) == 2:
		def = d.Value.Ratio[0]
	case d.Value.Measure != "":
		def = d.Value.Measure
	}
	for _, m := range d.measures {
		if m.kind == nil {
			continue
		}
		if m.name == def {
			out = append([]string{m.name}, out...)
		} else {
			out = append(out, m.name)
		}
	}
	return out
}

// Records returns a page of the records of the measure's kind that the measure counts over
// the days: anchored in From..To, matching the filters and the measure's where (and, for a
// count, its condition). For quantiles, averages and sums these are the records aggregated;
// for first_per, the records in the days (not only the first ones of each key).
func (e *Engine) Records(ctx context.Context, rq RecordsQuery) (*Records, error) {
	d, err := e.Catalog.Get(rq.KPI)
	if err != nil {
		return nil, err
	}
	names := d.DrillMeasures()
	if rq.Measure == "" {
		if len(names) == 0 {
			return nil, ErrNoRecords
		}
		rq.Measure = names[0]
	}
	var m *measure
	for _, x := range d.measures {
		if x.name == rq.Measure {
			m = x
		}
	}
	if m == nil {
		return nil, &DefError{KPI: d.ID, Field: "measure", Reason: fmt.Sprintf("no measure %q (use %s)", rq.Measure, strings.Join(names, ", "))}
	}
	if m.kind == nil {
		return nil, ErrNoRecords
	}
	if rq.From.IsZero() || rq.To.IsZero() || rq.To.Before(rq.From) {
		return nil, fmt.Errorf("records: a date range (from ≤ to) is required")
	}
	if rq.Limit <= 0 {
		rq.Limit = 50
	}
	rq.Limit = min(rq.Limit, 1000)
	rq.Offset = max(rq.Offset, 0)
	k := m.kind
	out := &Records{KPI: d.ID, Measure: m.name, Measures: names, Kind: k.Name, Rows: [][]any{}}
	var sel []string
	for _, c := range k.Columns {
		if c.Pseudo {
			continue
		}
		out.Columns = append(out.Columns, c.Name)
		out.Types = append(out.Types, c.Type.String())
		sel = append(sel, col(c.Name))
	}
	dims := make([]string, 0, len(rq.Filters))
	for dim := range rq.Filters {
		if !slices.Contains(Dimensions, dim) {
			return nil, fmt.Errorf("filter: unknown dimension %q", dim)
		}
		if !m.hasDim(dim) {
			return out, nil // a filter the kind cannot meet: nothing matches (as in Eval)
		}
		dims = append(dims, dim)
	}
	slices.Sort(dims)
	b := &builder{}
	anchor := anchorSQL(m)
	where := []string{col("tenant_id") + " = " + b.arg(rq.Tenant), anchor + " BETWEEN " + b.date(rq.From) + " AND " + b.date(rq.To)}
	for _, dim := range dims {
		vals := rq.Filters[dim]
		var ors, ph []string
		for _, v := range vals {
			if v == Unknown {
				ors = append(ors, "("+col(dim)+" IS NULL OR "+col(dim)+" = '')")
				continue
			}
			ph = append(ph, b.arg(v))
		}
		if len(ph) > 0 {
			ors = append(ors, col(dim)+" IN ("+strings.Join(ph, ", ")+")")
		}
		if len(ors) == 0 {
			where = append(where, "FALSE")
			continue
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	extra := ""
	switch m.agg {
	case "count":
		if m.arg != nil {
			extra = m.arg.SQL(e.Dialect, col, b.arg)
		}
	case "sum", "avg", "quantile":
		extra = m.arg.SQL(e.Dialect, col, b.arg) + " IS NOT NULL"
	}
	if c := b.cond(m, e.Dialect, extra); c != "" {
		where = append(where, c)
	}
	order := []string{anchor + " DESC"}
	for _, kc := range k.Key {
		order = append(order, col(kc))
	}
	sqlText := "SELECT " + strings.Join(sel, ", ") + "\nFROM " + quote(k.Table()) + " t\nWHERE " + strings.Join(where, " AND ") +
		"\nORDER BY " + strings.Join(order, ", ") + fmt.Sprintf("\nLIMIT %d OFFSET %d", rq.Limit+1, rq.Offset)
	rows, err := e.DB.QueryContext(ctx, sqlText, b.args...)
	if err != nil {
		return nil, fmt.Errorf("records of %s: %w", k.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, len(sel))
		ptrs := make([]any, len(sel))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("records of %s: %w", k.Name, err)
		}
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				vals[i] = string(x)
			case time.Time:
				vals[i] = x.UTC()
			}
		}
		if len(out.Rows) == rq.Limit {
			out.More = true
			break
		}
		out.Rows = append(out.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("records of %s: %w", k.Name, err)
	}
	return out, nil
}
