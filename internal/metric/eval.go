package metric

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Querier runs generated SQL; *sql.DB of either store satisfies it.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Engine evaluates KPI queries against one store.
type Engine struct {
	Catalog *Catalog
	DB      Querier
	Dialect Dialect
	Now     func() time.Time
	// Raw makes Eval read raw records only, never the daily rollups (tests, benchmarks).
	Raw bool
}

// Statement is a generated query, exposed for golden tests and `pulso kpi sql`.
type Statement struct {
	SQL  string
	Args []any
}

// plan is the compiled form of a query.
type plan struct {
	q        Query
	defs     []*Definition
	periods  []Period
	from, to time.Time // the days the daily parts cover
	stmts    []statement
	slot     map[*measure]slotRef // where each measure's values end up
	na       map[*measure]bool    // measures that a filter makes inapplicable
	daily    map[*measure]bool    // non-additive measures read as daily parts (first_per rollups)
}

type slotRef struct {
	stmt, col int // statement index and measure index within it
}

func signature(m *measure) string {
	s := m.agg + "|" + strings.Join(m.anchor, ",") + "|" + fmt.Sprint(m.p)
	if m.kind != nil {
		s += "|" + m.kind.Name
	}
	if m.arg != nil {
		s += "|" + m.arg.String()
	}
	if m.where != nil {
		s += "|" + m.where.String()
	}
	return s
}

// Compile plans a query over the raw records without running it.
func (e *Engine) Compile(q Query) ([]Statement, error) {
	p, err := e.plan(q, nil)
	if err != nil {
		return nil, err
	}
	return p.statements(), nil
}

// Statements returns the statements Eval runs for q: over the daily rollups where the
// tenant's rollups hold a measure and the query's breakdowns and filters allow it, else over
// the raw records.
func (e *Engine) Statements(ctx context.Context, q Query) ([]Statement, error) {
	p, err := e.planFor(ctx, q)
	if err != nil {
		return nil, err
	}
	return p.statements(), nil
}

func (e *Engine) planFor(ctx context.Context, q Query) (*plan, error) {
	var mat map[string]int64
	if !e.Raw {
		if err := q.normalise(); err != nil {
			return nil, err
		}
		var err error
		if mat, err = e.materialised(ctx, q.Tenant); err != nil {
			return nil, err
		}
	}
	return e.plan(q, mat)
}

func (p *plan) statements() []Statement {
	var out []Statement
	for _, s := range p.stmts {
		if !s.virtual {
			out = append(out, Statement{SQL: s.SQL, Args: s.Args})
		}
	}
	return out
}

// virtual adds a statement that the rollups statement answers, and returns its index.
func (p *plan) virtual(st statement) int {
	st.virtual = true
	p.stmts = append(p.stmts, st)
	return len(p.stmts) - 1
}

func (e *Engine) asOf(q Query) time.Time {
	if !q.AsOf.IsZero() {
		return q.AsOf
	}
	n := e.now().UTC()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// plan compiles a query; mat (signature → rollup id) lists the measures the tenant's rollups
// hold (nil: read raw records only).
func (e *Engine) plan(q Query, mat map[string]int64) (*plan, error) {
	if err := q.normalise(); err != nil {
		return nil, err
	}
	if len(q.KPIs) == 0 {
		return nil, fmt.Errorf("--kpi: no KPI named")
	}
	p := &plan{q: q, slot: map[*measure]slotRef{}, na: map[*measure]bool{}, daily: map[*measure]bool{}}
	rolls := len(mat) > 0 && rollupEligible(&q)
	var reads []rollupRead
	for _, id := range q.KPIs {
		d, err := e.Catalog.Get(id)
		if err != nil {
			return nil, err
		}
		for _, b := range q.By {
			if !slices.Contains(d.Breakdowns, b) {
				return nil, &DefError{KPI: d.ID, Field: "--by", Reason: fmt.Sprintf("cannot break down by %q (allowed: %s)", b, strings.Join(d.Breakdowns, ", "))}
			}
		}
		p.defs = append(p.defs, d)
	}
	p.periods = q.Grain.Periods(q.From, q.To)
	p.from, p.to = p.periods[0].From, p.periods[len(p.periods)-1].To

	type group struct {
		key string
		ms  []*measure
	}
	var groups []*group
	byKey := map[string]*group{}
	bySig := map[string]*measure{}
	alias := map[*measure]*measure{}
	for _, d := range p.defs {
		for _, m := range d.measures {
			if m.kind != nil && !applicable(m, q.Filters) {
				p.na[m] = true
				continue
			}
			sig := signature(m)
			if first, ok := bySig[sig]; ok {
				alias[m] = first
				continue
			}
			bySig[sig] = m
			switch {
			case m.additive():
				key := m.kind.Name + "|" + strings.Join(m.anchor, ",")
				g := byKey[key]
				if g == nil {
					g = &group{key: key}
					byKey[key] = g
					groups = append(groups, g)
				}
				g.ms = append(g.ms, m)
			case m.agg == "freshness":
				p.slot[m] = slotRef{stmt: len(p.stmts)}
				p.stmts = append(p.stmts, compileFreshness(&q, m, e.freshnessUntil(q)))
			case m.agg == "first_per" && rolls && len(q.Filters) == 0 && mat[sig] != 0:
				// New keys per day add up to any period; filters would change which record
				// comes first, so only an unfiltered query reads them from rollups.
				i := p.virtual(statement{shape: dailyParts, kind: m.kind, measures: []*measure{m}, dims: q.By})
				p.slot[m] = slotRef{stmt: i}
				p.daily[m] = true
				reads = append(reads, rollupRead{id: mat[sig], stmt: i})
			case rolls && dailyRollup(&q) && mat[dailySignature(m, strings.Join(q.By, ""))] != 0:
				// A quantile or distinct count of single days, over all records or by one
				// dimension, without filters: its exact values are kept per day.
				i := p.virtual(statement{shape: perPeriod, kind: m.kind, measures: []*measure{m}, dims: q.By, periods: p.periods, bucketed: true})
				p.slot[m] = slotRef{stmt: i}
				reads = append(reads, rollupRead{id: mat[dailySignature(m, strings.Join(q.By, ""))], stmt: i})
			default:
				p.slot[m] = slotRef{stmt: len(p.stmts)}
				p.stmts = append(p.stmts, compilePeriod(e.Dialect, &q, m, p.periods))
			}
		}
	}
	for _, g := range groups {
		// Measures the rollups hold are read there (with the group's presence measure, which
		// brings the same scopes as the raw records); the others from the raw records.
		var rolled, raw []*measure
		var ids []int64
		var presence int64
		if rolls {
			presence = mat[presenceSignature(g.ms[0].kind, g.ms[0].anchor)]
		}
		for _, m := range g.ms {
			if id := mat[signature(m)]; presence != 0 && id != 0 {
				rolled, ids = append(rolled, m), append(ids, id)
			} else {
				raw = append(raw, m)
			}
		}
		if len(rolled) > 0 {
			si := p.virtual(statement{shape: dailyParts, kind: rolled[0].kind, measures: rolled, dims: q.By})
			for i, m := range rolled {
				p.slot[m] = slotRef{stmt: si, col: i}
				reads = append(reads, rollupRead{id: ids[i], stmt: si, col: i})
			}
			reads = append(reads, rollupRead{id: presence, stmt: si, col: -1})
		}
		if len(raw) > 0 {
			for i, m := range raw {
				p.slot[m] = slotRef{stmt: len(p.stmts), col: i}
			}
			p.stmts = append(p.stmts, compileDaily(e.Dialect, &q, raw, p.from, p.to))
		}
	}
	if len(reads) > 0 { // one scan of the rollups answers every measure read there
		p.stmts = append(p.stmts, compileRollups(&q, reads, p.from, p.to))
	}
	for m, first := range alias {
		if ref, ok := p.slot[first]; ok {
			p.slot[m] = ref
			p.daily[m] = p.daily[first]
		}
	}
	return p, nil
}

// applicable tells whether every filtered dimension is a column of the measure's kind.
func applicable(m *measure, filters map[string][]string) bool {
	for dim := range filters {
		if !m.hasDim(dim) {
			return false
		}
	}
	return true
}

func (e *Engine) freshnessUntil(q Query) time.Time {
	asOf := e.asOf(q)
	now := e.now().UTC()
	if end := asOf.AddDate(0, 0, 1); now.Before(end) {
		return now
	} else {
		return end
	}
}

// Eval runs a query and returns one row per KPI × scope × period.
func (e *Engine) Eval(ctx context.Context, q Query) ([]Row, error) {
	p, err := e.planFor(ctx, q)
	if err != nil {
		return nil, err
	}
	q = p.q
	res := &results{days: int(p.to.Sub(p.from).Hours()/24) + 1, from: p.from}
	fx := &fxTable{db: e.DB, tenant: q.Tenant, report: q.Currency, until: p.to}
	res.stmts = make([]stmtResult, len(p.stmts))
	for i, st := range p.stmts {
		if st.virtual {
			continue
		}
		if st.shape == rollupRows {
			if err := res.runRollups(ctx, e.DB, st, p.stmts, fx); err != nil {
				return nil, err
			}
			continue
		}
		if err := res.run(ctx, e.DB, i, st, fx, e.freshnessUntil(q)); err != nil {
			return nil, err
		}
	}
	asOf := e.asOf(q)
	parts := make([][]Row, len(p.defs))
	n := 0
	for i, d := range p.defs {
		parts[i] = p.assemble(d, res, asOf)
		n += len(parts[i])
	}
	out := make([]Row, 0, n) // one copy: appending rows grows a slice of pointerful structs
	for _, rs := range parts {
		out = append(out, rs...)
	}
	return out, nil
}

// scope is a breakdown tuple, joined with NUL.
type scope = string

type part struct{ v, n float64 }

type stmtResult struct {
	daily  map[scope][][]part // per scope: per day: per measure parts
	period map[scope]map[int]float64
	fresh  map[scope]float64 // hours, per kind/source scope
	scopes map[scope][]string
}

type results struct {
	stmts []stmtResult
	days  int
	from  time.Time
}

func (r *results) run(ctx context.Context, db Querier, i int, st statement, fx *fxTable, until time.Time) error {
	rows, err := db.QueryContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return fmt.Errorf("kpi query on %s: %w", kindName(st), err)
	}
	defer rows.Close()
	sr := stmtResult{scopes: map[scope][]string{}}
	nd := len(st.dims)
	switch st.shape {
	case dailyParts:
		sr.daily = map[scope][][]part{}
		nv := len(st.measures) + countAvg(st.measures)
		var day time.Time
		dims := make([]sql.NullString, nd)
		var cur sql.NullString
		vals := make([]sql.NullFloat64, nv)
		dest := []any{&day}
		for j := range dims {
			dest = append(dest, &dims[j])
		}
		if st.currency {
			dest = append(dest, &cur)
		}
		for j := range vals {
			dest = append(dest, &vals[j])
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("kpi query on %s: %w", kindName(st), err)
			}
			key, labels := scopeOf(dims)
			series := sr.daily[key]
			if series == nil {
				series = make([][]part, r.days)
				sr.daily[key] = series
				sr.scopes[key] = labels
			}
			di := int(day.Sub(r.from).Hours() / 24)
			if di < 0 || di >= r.days {
				continue
			}
			if series[di] == nil {
				series[di] = make([]part, len(st.measures))
			}
			j := 0
			for mi, m := range st.measures {
				v := vals[j].Float64
				j++
				if m.money && v != 0 && cur.Valid {
					conv, err := fx.convert(ctx, v, cur.String, day)
					if err != nil {
						return err
					}
					v = conv
				}
				pt := &series[di][mi]
				pt.v += v
				if m.agg == "avg" {
					pt.n += vals[j].Float64
					j++
				}
			}
		}
	case perPeriod:
		sr.period = map[scope]map[int]float64{}
		var idx int64
		var start time.Time
		starts := map[time.Time]int{}
		dims := make([]sql.NullString, nd)
		var v sql.NullFloat64
		dest := []any{&idx}
		if st.bucketed {
			dest[0] = &start
			for i, p := range st.periods {
				starts[p.Start] = i
			}
		}
		for j := range dims {
			dest = append(dest, &dims[j])
		}
		dest = append(dest, &v)
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("kpi query on %s: %w", kindName(st), err)
			}
			if st.bucketed {
				y, m, d := start.Date()
				i, ok := starts[time.Date(y, m, d, 0, 0, 0, 0, time.UTC)]
				if !ok {
					continue
				}
				idx = int64(i)
			}
			key, labels := scopeOf(dims)
			if sr.period[key] == nil {
				sr.period[key] = map[int]float64{}
				sr.scopes[key] = labels
			}
			if v.Valid {
				sr.period[key][int(idx)] = v.Float64
			}
		}
	case freshness:
		sr.fresh = map[scope]float64{}
		for rows.Next() {
			var kind, source string
			var last time.Time
			if err := rows.Scan(&kind, &source, &last); err != nil {
				return fmt.Errorf("kpi query on imports: %w", err)
			}
			sr.fresh[kind+"\x00"+source] = until.Sub(last).Hours()
			sr.scopes[kind+"\x00"+source] = []string{kind, source}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kpi query on %s: %w", kindName(st), err)
	}
	r.stmts[i] = sr
	return nil
}

func kindName(st statement) string {
	if st.kind == nil {
		return "imports"
	}
	return st.kind.Name
}

func scopeOf(dims []sql.NullString) (scope, []string) {
	labels := make([]string, len(dims))
	for i, d := range dims {
		if d.Valid && d.String != "" {
			labels[i] = d.String
		} else {
			labels[i] = Unknown
		}
	}
	return strings.Join(labels, "\x00"), labels
}

// assemble turns a KPI's measure results into rows, for every scope seen and every period.
func (p *plan) assemble(d *Definition, res *results, asOf time.Time) []Row {
	scopes := map[scope][]string{}
	if len(p.q.By) == 0 {
		scopes[""] = nil
	}
	freshOnly := true
	for _, m := range d.measures {
		if m.agg != "freshness" {
			freshOnly = false
		}
		ref, ok := p.slot[m]
		if !ok {
			continue
		}
		sr := res.stmts[ref.stmt]
		if m.agg == "freshness" {
			if len(p.q.By) > 0 {
				for k := range sr.fresh {
					scopes[freshScope(p.q.By, sr.scopes[k])] = freshLabels(p.q.By, sr.scopes[k])
				}
			}
			continue
		}
		for k, labels := range sr.scopes {
			scopes[k] = labels
		}
	}
	keys := make([]string, 0, len(scopes))
	for k := range scopes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Row, 0, len(keys)*len(p.periods))
	for _, key := range keys {
		labels := scopes[key]
		sc := map[string]string{}
		for i, b := range p.q.By {
			sc[b] = labels[i]
		}
		for pi, per := range p.periods {
			vars := map[string]float64{"period_days": float64(per.Days())}
			for _, m := range d.measures {
				if v, ok := p.measureValue(m, res, key, pi, per, asOf, freshOnly); ok {
					vars[m.name] = v
				}
			}
			row := Row{KPI: d.ID, Grain: p.q.Grain.Name, Period: per.Label(), Scope: sc,
				Provisional: !per.To.AddDate(0, 0, d.Settles).Before(asOf)}
			if v, ok := d.value.eval(vars); ok {
				row.Value = &v
			}
			if d.IsRatio() {
				if v, ok := vars[d.Value.Ratio[0]]; ok && finite(v) {
					row.Numerator = &v
				}
				if v, ok := vars[d.Value.Ratio[1]]; ok && finite(v) {
					row.Denominator = &v
					w := v
					row.Weight = &w
				}
			} else if m := d.valueMeasure(); m != nil && m.agg == "avg" {
				if n, ok := p.measureCount(m, res, key, per); ok {
					row.Weight = &n
				}
			}
			out = append(out, row)
		}
	}
	return out
}

func freshLabels(by []string, kindSource []string) []string {
	out := make([]string, len(by))
	for i, b := range by {
		switch b {
		case "kind":
			out[i] = kindSource[0]
		case "source":
			out[i] = kindSource[1]
		}
		if out[i] == "" {
			out[i] = Unknown
		}
	}
	return out
}

func freshScope(by []string, kindSource []string) scope {
	return strings.Join(freshLabels(by, kindSource), "\x00")
}

func (p *plan) measureValue(m *measure, res *results, key scope, pi int, per Period, asOf time.Time, _ bool) (float64, bool) {
	if p.na[m] {
		return 0, false
	}
	ref, ok := p.slot[m]
	if !ok {
		return 0, false
	}
	sr := res.stmts[ref.stmt]
	switch {
	case m.additive() || p.daily[m]:
		var v, n float64
		series := sr.daily[key]
		for d := per.From; !d.After(per.To); d = d.AddDate(0, 0, 1) {
			di := int(d.Sub(res.from).Hours() / 24)
			if series == nil || di < 0 || di >= len(series) || series[di] == nil {
				continue
			}
			pt := series[di][ref.col]
			v += pt.v
			n += pt.n
		}
		if m.agg == "avg" {
			if n == 0 {
				return 0, false
			}
			return v / n, true
		}
		return v, true
	case m.agg == "freshness":
		if asOf.Before(per.From) || asOf.After(per.To) {
			return 0, false
		}
		worst, found := 0.0, false
		for k, h := range sr.fresh {
			if len(p.q.By) > 0 && freshScope(p.q.By, sr.scopes[k]) != key {
				continue
			}
			if !found || h > worst {
				worst, found = h, true
			}
		}
		return worst, found
	default:
		if v, ok := sr.period[key][pi]; ok {
			return v, true
		}
		if m.agg == "quantile" {
			return 0, false
		}
		return 0, true // no records: a count is zero
	}
}

// measureCount is the number of records an average measure averages over in a period.
func (p *plan) measureCount(m *measure, res *results, key scope, per Period) (float64, bool) {
	if p.na[m] {
		return 0, false
	}
	ref, ok := p.slot[m]
	if !ok {
		return 0, false
	}
	series := res.stmts[ref.stmt].daily[key]
	n := 0.0
	for d := per.From; !d.After(per.To); d = d.AddDate(0, 0, 1) {
		di := int(d.Sub(res.from).Hours() / 24)
		if series == nil || di < 0 || di >= len(series) || series[di] == nil {
			continue
		}
		n += series[di][ref.col].n
	}
	return n, true
}

// finite tells a number that can be shown, compared and written as JSON (not NaN or ±Inf).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
