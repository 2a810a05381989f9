package metric

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"pulso/internal/record"
)

// statement is one generated query with its arguments kept apart.
type statement struct {
	SQL  string
	Args []any

	shape    shape
	kind     *record.Kind
	measures []*measure
	dims     []string     // breakdown columns, in query order (absent from the kind: none)
	currency bool         // a currency column follows the dimensions
	periods  []Period     // per-period statements: the period index is the first column
	bucketed bool         // ... or, for calendar periods, the period's first day
	virtual  bool         // answered by the rollups statement (rollupRows), not run itself
	reads    []rollupRead // rollupRows: which rows go to which virtual statement
}

type shape int

const (
	dailyParts shape = iota // d, dims..., [currency], parts of additive measures
	perPeriod               // period index, dims..., one value per measure
	freshness               // kind, source, last import
	rollupRows              // measure, day, dims..., currency, v, n: see compileRollups
)

// builder collects arguments and hands out placeholders.
type builder struct{ args []any }

func (b *builder) arg(v any) string {
	if t, ok := v.(time.Time); ok {
		// Dates travel as text and are cast in SQL: a time.Time would become a TIMESTAMPTZ
		// whose date depends on the session's time zone.
		v = t.Format(time.DateOnly)
	}
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d", len(b.args))
}

func (b *builder) date(t time.Time) string { return "CAST(" + b.arg(t) + " AS DATE)" }

func col(name string) string { return "t." + quote(name) }

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// anchorSQL is the local date that places a record in a period.
func anchorSQL(m *measure) string {
	if len(m.anchor) == 1 {
		return col(m.anchor[0])
	}
	parts := make([]string, len(m.anchor))
	for i, a := range m.anchor {
		parts[i] = col(a)
	}
	return "COALESCE(" + strings.Join(parts, ", ") + ")"
}

// where is the common WHERE of a measure group: tenant, date range, filters.
func (b *builder) where(k *record.Kind, anchor string, from, to time.Time, q *Query) []string {
	w := []string{
		col("tenant_id") + " = " + b.arg(q.Tenant),
		anchor + " BETWEEN " + b.date(from) + " AND " + b.date(to),
	}
	return append(w, b.filters(q)...)
}

// filters are the query's dimension filters.
func (b *builder) filters(q *Query) []string {
	var w []string
	dims := make([]string, 0, len(q.Filters))
	for d := range q.Filters {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	for _, d := range dims {
		vals := q.Filters[d]
		ph := make([]string, len(vals))
		for i, v := range vals {
			ph[i] = b.arg(v)
		}
		if len(ph) == 0 {
			w = append(w, "FALSE")
			continue
		}
		w = append(w, col(d)+" IN ("+strings.Join(ph, ", ")+")")
	}
	return w
}

func dimCols(k *record.Kind, by []string) []string {
	out := make([]string, len(by))
	for i, d := range by {
		if d == "source" {
			out[i] = col("source")
		} else {
			out[i] = col(d)
		}
	}
	return out
}

func (b *builder) cond(m *measure, d Dialect, extra string) string {
	var parts []string
	if m.where != nil {
		parts = append(parts, "("+m.where.SQL(d, col, b.arg)+")")
	}
	if extra != "" {
		parts = append(parts, "("+extra+")")
	}
	return strings.Join(parts, " AND ")
}

func filtered(agg, cond string) string {
	if cond == "" {
		return agg
	}
	return agg + " FILTER (WHERE " + cond + ")"
}

// compileDaily builds the daily-parts query of additive measures that share kind and anchor.
func compileDaily(d Dialect, q *Query, ms []*measure, from, to time.Time) statement {
	b := &builder{}
	k := ms[0].kind
	anchor := anchorSQL(ms[0])
	st := statement{shape: dailyParts, kind: k, measures: ms, dims: q.By}
	sel := []string{anchor + " AS d"}
	sel = append(sel, dimCols(k, q.By)...)
	for _, m := range ms {
		st.currency = st.currency || m.money
	}
	if st.currency {
		sel = append(sel, col("currency"))
	}
	// The WHERE placeholders come first so that argument order follows the text.
	where := b.where(k, anchor, from, to, q)
	for _, m := range ms {
		switch m.agg {
		case "count":
			extra := ""
			if m.arg != nil {
				extra = m.arg.SQL(d, col, b.arg)
			}
			sel = append(sel, filtered("count(*)", b.cond(m, d, extra)))
		case "sum":
			v := m.arg.SQL(d, col, b.arg)
			sel = append(sel, filtered("sum(CAST("+v+" AS DOUBLE PRECISION))", b.cond(m, d, "")))
		case "avg":
			v := m.arg.SQL(d, col, b.arg)
			c := b.cond(m, d, "")
			sel = append(sel, filtered("sum(CAST("+v+" AS DOUBLE PRECISION))", c))
			v2 := m.arg.SQL(d, col, b.arg)
			sel = append(sel, filtered("count("+v2+")", b.cond(m, d, "")))
		}
	}
	groups := make([]string, len(sel)-len(ms)-countAvg(ms))
	for i := range groups {
		groups[i] = fmt.Sprint(i + 1)
	}
	st.SQL = "SELECT " + strings.Join(sel, ", ") +
		"\nFROM " + quote(k.Table()) + " t" +
		"\nWHERE " + strings.Join(where, " AND ") +
		"\nGROUP BY " + strings.Join(groups, ", ")
	st.Args = b.args
	return st
}

func countAvg(ms []*measure) int {
	n := 0
	for _, m := range ms {
		if m.agg == "avg" {
			n++
		}
	}
	return n
}

// compilePeriod builds the query of one non-additive measure, evaluated per period over the
// raw records (quantiles, distinct counts, first records). Calendar periods group by the
// period's first day (bucketSQL); rolling windows, which overlap, join a list of windows.
func compilePeriod(d Dialect, q *Query, m *measure, periods []Period) statement {
	b := &builder{}
	k := m.kind
	anchor := anchorSQL(m)
	rolling := q.Grain.Rolling > 0
	st := statement{shape: perPeriod, kind: k, measures: []*measure{m}, dims: q.By, periods: periods, bucketed: !rolling}
	from, to := periods[0].From, periods[0].To
	for _, p := range periods {
		if p.From.Before(from) {
			from = p.From
		}
		if p.To.After(to) {
			to = p.To
		}
	}
	// src is the relation the periods are read from, d its date column.
	var src, d0 string
	var dims []string
	var agg string
	where := ""
	if m.agg == "first_per" {
		src, d0, dims, where = firstRecords(d, b, q, m, from, to)
		agg = "count(*)"
	} else {
		where = "\nWHERE " + strings.Join(b.where(k, anchor, from, to, q), " AND ")
		src, d0, dims = quote(k.Table())+" t", anchor, dimCols(k, q.By)
		v := m.arg.SQL(d, col, b.arg)
		if c := b.cond(m, d, ""); c != "" {
			v = "CASE WHEN " + c + " THEN " + v + " END"
		}
		switch m.agg {
		case "quantile":
			agg = "percentile_cont(" + fmt.Sprintf("%g", m.p) + ") WITHIN GROUP (ORDER BY " + v + ")"
		case "count_distinct":
			agg = "count(DISTINCT " + v + ")"
		}
	}
	var sel []string
	if rolling {
		rows := make([]string, len(periods))
		for i, p := range periods {
			rows[i] = "(CAST(" + b.arg(int64(i)) + " AS INTEGER), " + b.date(p.From) + ", " + b.date(p.To) + ")"
		}
		src += "\nJOIN (VALUES " + strings.Join(rows, ", ") + ") AS p(i, f, e) ON " + d0 + " BETWEEN p.f AND p.e"
		sel = append(sel, "p.i")
	} else {
		sel = append(sel, bucketSQL(q.Grain, d0))
	}
	sel = append(append(sel, dims...), agg)
	st.SQL = "SELECT " + strings.Join(sel, ", ") + "\nFROM " + src + where + "\nGROUP BY " + groupOrdinals(1+len(q.By))
	st.Args = b.args
	return st
}

// bucketSQL is the first day of the calendar period (of grain g) that holds date a.
func bucketSQL(g Grain, a string) string {
	part := func(p string) string { return "CAST(extract(" + p + " FROM " + a + ") AS INTEGER)" }
	switch g.Name {
	case "week": // ISO weeks start on Monday (isodow 1)
		return a + " - " + part("isodow") + " + 1"
	case "month":
		return "make_date(" + part("year") + ", " + part("month") + ", 1)"
	case "quarter":
		return "make_date(" + part("year") + ", " + part("quarter") + " * 3 - 2, 1)"
	}
	return a
}

// firstRecords is the relation of the first record ever (over all history, not just from..to)
// of every key whose first record falls in from..to: its local date (column d) and its
// dimensions. Ties on the first day are broken by the anchor's timestamp, then the record key.
//
// Each key's first day comes from a GROUP BY (min), far cheaper than numbering every record
// of a key; only breakdowns need the first record itself, and they number just the records
// on their key's first day. Every row a key keeps there has the same d, so a filter on d that
// the optimiser pushes below the row_number cannot change which record comes first (the
// trap of DISTINCT ON in DuckDB 1.5, like duckdb/duckdb#9241 and #19830).
func firstRecords(d Dialect, b *builder, q *Query, m *measure, from, to time.Time) (src, day string, dims []string, where string) {
	k := m.kind
	anchor := anchorSQL(m)
	inner := func() []string {
		key := m.arg.SQL(d, col, b.arg)
		w := []string{col("tenant_id") + " = " + b.arg(q.Tenant), key + " IS NOT NULL", anchor + " IS NOT NULL"}
		w = append(w, b.filters(q)...)
		if c := b.cond(m, d, ""); c != "" {
			w = append(w, c)
		}
		return w
	}
	firstDays := func() string {
		return "(SELECT " + m.arg.SQL(d, col, b.arg) + " AS k, min(" + anchor + ") AS d FROM " + quote(k.Table()) + " t WHERE " +
			strings.Join(inner(), " AND ") + " GROUP BY 1 HAVING min(" + anchor + ") BETWEEN " + b.date(from) + " AND " + b.date(to) + ")"
	}
	if len(q.By) == 0 {
		return firstDays() + " f", "f.d", nil, ""
	}
	var order []string
	if ts, ok := strings.CutSuffix(m.anchor[0], "_local"); ok && len(m.anchor) == 1 {
		order = append(order, col(ts))
	}
	for _, kc := range k.Key {
		order = append(order, col(kc))
	}
	if d.argMin {
		// One GROUP BY: each dimension of the row with the least (anchor, timestamp, key).
		tuple := "(" + strings.Join(append([]string{anchor}, order...), ", ") + ")"
		sel := []string{"min(" + anchor + ") AS d"}
		for _, dc := range dimCols(k, q.By) {
			sel = append(sel, "arg_min("+dc+", "+tuple+") AS "+strings.TrimPrefix(dc, "t."))
		}
		src = "(SELECT " + strings.Join(sel, ", ") + " FROM " + quote(k.Table()) + " t WHERE " + strings.Join(inner(), " AND ") +
			" GROUP BY " + m.arg.SQL(d, col, b.arg) + " HAVING min(" + anchor + ") BETWEEN " + b.date(from) + " AND " + b.date(to) + ") f"
		for _, dn := range q.By {
			dims = append(dims, "f."+quote(dn))
		}
		return src, "f.d", dims, ""
	}
	cols := append([]string{"m.d"}, dimCols(k, q.By)...)
	cols = append(cols, "row_number() OVER (PARTITION BY m.k ORDER BY "+strings.Join(order, ", ")+") AS n")
	first := firstDays()
	key := m.arg.SQL(d, col, b.arg)
	w := append(inner(), anchor+" BETWEEN "+b.date(from)+" AND "+b.date(to))
	src = "(SELECT " + strings.Join(cols, ", ") + " FROM " + quote(k.Table()) + " t JOIN " + first + " m ON " + key + " = m.k AND " +
		anchor + " = m.d WHERE " + strings.Join(w, " AND ") + ") f"
	for _, dn := range q.By {
		dims = append(dims, "f."+quote(dn))
	}
	return src, "f.d", dims, "\nWHERE f.n = 1"
}

func groupOrdinals(n int) string {
	g := make([]string, n)
	for i := range g {
		g[i] = fmt.Sprint(i + 1)
	}
	return strings.Join(g, ", ")
}

// compileFreshness reads the newest import per kind and source up to the as-of instant.
func compileFreshness(q *Query, m *measure, until time.Time) statement {
	b := &builder{}
	st := statement{shape: freshness, measures: []*measure{m}}
	st.SQL = "SELECT kind, source, max(finished_at) FROM imports WHERE tenant_id = " + b.arg(q.Tenant) +
		" AND finished_at <= CAST(" + b.arg(until.UTC().Format(time.RFC3339Nano)) + " AS TIMESTAMPTZ) GROUP BY 1, 2"
	st.Args = b.args
	return st
}
