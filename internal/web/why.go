package web

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"
	"time"

	"pulso/internal/metric"
)

// Why is a value red: the values of one breakdown (carrier, store, warehouse…) that moved it,
// over the periods that breach the target, worst first. The contribution of a breakdown value
// is metric's (docs/kpi-definitions.md, "Contributions"); over several periods, its mean.

// causeOrder is, per module, the breakdowns that most often name a cause, best first: the
// KPI page and the alerts open with the first one the KPI has.
var causeOrder = map[string][]string{
	"warehouse_logistics": {"carrier", "warehouse", "service", "store", "platform", "fulfillment", "category"},
	"customs":             {"carrier", "service", "store", "platform"},
	"supply_chain":        {"warehouse", "category"},
	"sales":               {"store", "platform", "campaign", "category", "warehouse", "carrier", "fulfillment"},
	"service":             {"channel", "store", "platform", "category"},
	"finance":             {"store", "platform", "campaign", "category", "warehouse", "carrier"},
	"data":                {"source", "kind"},
}

// defaultBreakdown is the breakdown a KPI's page and alerts open with ("" when it has none);
// skip holds dimensions already fixed (a filter, the alert's scope).
func defaultBreakdown(d *metric.Definition, skip map[string]bool) string {
	for _, b := range causeOrder[d.Module] {
		if slices.Contains(d.Breakdowns, b) && !skip[b] {
			return b
		}
	}
	for _, b := range d.Breakdowns {
		if b != "country" && b != "sku" && !skip[b] {
			return b
		}
	}
	return ""
}

// whyGroup explains one scope (a country, or all of the view): the periods explained and the
// breakdown values that moved the value in them.
type whyGroup struct {
	Key   string            // the scope as text ("" for the only scope)
	Scope map[string]string // the whole's scope
	// Breaching: the periods breach their target. Without a breach in view, the last settled
	// period is explained for reference.
	Breaching bool
	Method    string       // metric.ContribTarget, ContribChange or ContribNone
	Periods   []metric.Row // the whole's rows of the periods explained, oldest first (judged)
	Value     *float64     // the whole over those periods
	Parts     []whyPart    // worst first
	Total     *float64     // the sum of the parts' contributions: the mean gap, or mean change
	Omitted   int          // breakdown values beyond maxParts, left out (Total counts them)
}

// maxParts is how many breakdown values a group lists at most.
const maxParts = 100

// whyPart is one breakdown value over the periods explained.
type whyPart struct {
	Name         string
	Scope        map[string]string
	Contribution *float64 // mean over the periods; positive made the value worse
	Share        *float64 // mean
	Value        *float64 // over the periods (weighted KPIs: pooled by weight; others: mean)
}

// Spread tells a gap no single breakdown value explains: the worst makes less than half of it.
func (g whyGroup) Spread() bool {
	if g.Total == nil || *g.Total <= 0 || len(g.Parts) < 2 || g.Parts[0].Contribution == nil {
		return false
	}
	return *g.Parts[0].Contribution < *g.Total/2
}

// Listed tells whether the periods are few enough to name one by one.
func (g whyGroup) Listed() bool { return len(g.Periods) <= 3 }

// Last is the last period explained.
func (g whyGroup) Last() metric.Row { return g.Periods[len(g.Periods)-1] }

// First is the first period explained.
func (g whyGroup) First() metric.Row { return g.Periods[0] }

// Top is the worst breakdown value, if any has a contribution (or, without contributions, a value).
func (g whyGroup) Top() *whyPart {
	if len(g.Parts) == 0 {
		return nil
	}
	p := g.Parts[0]
	if p.Contribution == nil && g.Method != metric.ContribNone {
		return nil
	}
	return &p
}

// scopeKey is a scope as text, dimensions in name order.
func scopeKey(sc map[string]string) string {
	keys := make([]string, 0, len(sc))
	for k := range sc {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + sc[k] + ";")
	}
	return b.String()
}

// without is a scope without one dimension.
func without(sc map[string]string, dim string) map[string]string {
	out := make(map[string]string, len(sc))
	for k, v := range sc {
		if k != dim {
			out[k] = v
		}
	}
	return out
}

// prevPeriod is the label of the period before the one labelled label: the previous calendar
// period, or the rolling window that ends where this one starts.
func prevPeriod(g metric.Grain, label string) string {
	start, err := time.Parse(time.DateOnly, label)
	if err != nil {
		return ""
	}
	if g.Rolling > 0 {
		return start.AddDate(0, 0, -g.Rolling).Format(time.DateOnly)
	}
	day := start.AddDate(0, 0, -1)
	return g.Periods(day, day)[0].Label()
}

// firstNeeded is the first day a breakdown query must cover to explain periods from `from`
// on: for the change method, the period before.
func firstNeeded(g metric.Grain, method string, from time.Time) time.Time {
	if method != metric.ContribChange {
		return from
	}
	first := g.Periods(from, from)[0].Label()
	p, err := time.Parse(time.DateOnly, prevPeriod(g, first))
	if err != nil {
		return from
	}
	return p
}

// breaching tells a settled period whose value misses its target (red or yellow).
func breaching(r metric.Row) bool {
	return !r.Provisional && r.Value != nil && (r.Status == "red" || r.Status == "yellow")
}

// focusOf picks the periods of one scope's rows (oldest first) to explain: the breaching
// ones, or else the last settled one with a value (breaching false).
func focusOf(rows []metric.Row) (periods []metric.Row, breach bool) {
	for _, r := range rows {
		if breaching(r) {
			periods = append(periods, r)
		}
	}
	if len(periods) > 0 {
		return periods, true
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if r := rows[i]; !r.Provisional && r.Value != nil {
			return []metric.Row{r}, false
		}
	}
	return nil, false
}

// firstFocus is the first period explain will explain in wholes (the KPI page queries the
// breakdown from there on); ok is false when there is none.
func firstFocus(wholes []metric.Row) (time.Time, bool) {
	byScope := map[string][]metric.Row{}
	for _, r := range wholes {
		k := scopeKey(r.Scope)
		byScope[k] = append(byScope[k], r)
	}
	var first time.Time
	for _, rows := range byScope {
		slices.SortFunc(rows, func(a, b metric.Row) int { return strings.Compare(a.Period, b.Period) })
		periods, _ := focusOf(rows)
		if len(periods) == 0 {
			continue
		}
		d, err := time.Parse(time.DateOnly, periods[0].Period)
		if err == nil && (first.IsZero() || d.Before(first)) {
			first = d
		}
	}
	return first, !first.IsZero()
}

// explain splits the wholes (judged rows, one per period and scope) among the values of
// dimension by, whose rows are parts (the same query broken down by by as well, covering the
// periods and, for the change method, the periods before). focus, when set, names the
// periods to explain per scope key (and only those scopes are explained); otherwise every
// breaching period in view is, or else the last settled one.
func explain(d *metric.Definition, g metric.Grain, by string, wholes, parts []metric.Row, focus map[string][]string) []whyGroup {
	type series struct {
		scope map[string]string
		rows  []metric.Row
		at    map[string]int
	}
	var order []string
	whole := map[string]*series{}
	for _, r := range wholes {
		k := scopeKey(r.Scope)
		s := whole[k]
		if s == nil {
			s = &series{scope: r.Scope, at: map[string]int{}}
			whole[k] = s
			order = append(order, k)
		}
		s.at[r.Period] = len(s.rows)
		s.rows = append(s.rows, r)
	}
	// parts by whole scope, period and breakdown value
	byScope := map[string]map[string]map[string]metric.Row{}
	covered := map[string]bool{} // periods the parts cover
	for _, r := range parts {
		k := scopeKey(without(r.Scope, by))
		if byScope[k] == nil {
			byScope[k] = map[string]map[string]metric.Row{}
		}
		if byScope[k][r.Period] == nil {
			byScope[k][r.Period] = map[string]metric.Row{}
		}
		byScope[k][r.Period][r.Scope[by]] = r
		covered[r.Period] = true
	}
	var out []whyGroup
	for _, k := range order {
		s := whole[k]
		g0 := whyGroup{Key: k, Scope: s.scope}
		var periods []metric.Row
		if focus != nil {
			f, ok := focus[k]
			if !ok {
				continue
			}
			for _, p := range f {
				if i, ok := s.at[p]; ok {
					periods = append(periods, s.rows[i])
				}
			}
			g0.Breaching = true
		} else {
			periods, g0.Breaching = focusOf(s.rows)
		}
		if len(periods) == 0 {
			continue
		}
		last := periods[len(periods)-1]
		g0.Method = d.ContributionMethod(last.Target != nil)
		if g0.Method == metric.ContribNone {
			periods = periods[len(periods)-1:] // values of different periods do not pool
		}
		g0.Periods = periods
		g0.Value = pooled(d, periods)

		names := map[string]map[string]string{}
		for _, p := range periods {
			for name, r := range byScope[k][p.Period] {
				names[name] = r.Scope
			}
		}
		type acc struct {
			sum, share float64
			rows       []metric.Row
		}
		accs := map[string]*acc{}
		for name := range names {
			accs[name] = &acc{}
		}
		// Over several periods: the target method pools them (each period weighs its
		// denominator, so the contributions add up to the pooled value's gap); the change
		// method takes the mean.
		weight := 0.0
		for _, p := range periods {
			var pieces []metric.Piece
			var order []string
			prev := prevPeriod(g, p.Period)
			for name, sc := range names {
				r, ok := byScope[k][p.Period][name]
				if !ok {
					r = metric.Row{KPI: d.ID, Period: p.Period, Scope: sc}
				} else {
					accs[name].rows = append(accs[name].rows, r)
				}
				piece := metric.Piece{Row: r}
				if pr, ok := byScope[k][prev][name]; ok {
					piece.Prev = &pr
				}
				pieces = append(pieces, piece)
				order = append(order, name)
			}
			var prevWhole *metric.Row
			if covered[prev] {
				prevWhole = &metric.Row{} // its weight is the sum of the pieces'
			}
			cs := d.Contributions(g0.Method, p, prevWhole, p.Target, pieces)
			any := false
			for _, c := range cs {
				if c.Value != nil {
					any = true
				}
			}
			if !any {
				continue
			}
			w := 1.0
			if g0.Method == metric.ContribTarget && p.Weight != nil {
				w = *p.Weight
			}
			weight += w
			for i, c := range cs {
				a := accs[order[i]]
				if c.Value != nil {
					a.sum += *c.Value * w
				}
				if c.Share != nil {
					a.share += *c.Share * w
				}
			}
		}
		total := 0.0
		for name, sc := range names {
			a := accs[name]
			part := whyPart{Name: name, Scope: sc, Value: pooled(d, a.rows)}
			if weight > 0 {
				c, sh := a.sum/weight, a.share/weight
				part.Contribution, part.Share = &c, &sh
				total += c
			}
			if part.Value == nil && (part.Contribution == nil || *part.Contribution == 0) {
				continue // no records in these periods, and none before that it lost
			}
			g0.Parts = append(g0.Parts, part)
		}
		if weight > 0 {
			g0.Total = &total
		}
		slices.SortFunc(g0.Parts, func(a, b whyPart) int {
			if a.Contribution != nil && b.Contribution != nil && *a.Contribution != *b.Contribution {
				return cmp.Compare(*b.Contribution, *a.Contribution)
			}
			if (a.Contribution == nil) != (b.Contribution == nil) {
				if a.Contribution == nil {
					return 1
				}
				return -1
			}
			if a.Value != nil && b.Value != nil && *a.Value != *b.Value {
				if d.Better(*a.Value, *b.Value) {
					return 1
				}
				return -1
			}
			if (a.Value == nil) != (b.Value == nil) {
				if a.Value == nil {
					return 1
				}
				return -1
			}
			return strings.Compare(a.Name, b.Name)
		})
		if len(g0.Parts) > maxParts { // a breakdown by SKU can have thousands: the worst are kept
			g0.Omitted = len(g0.Parts) - maxParts
			g0.Parts = g0.Parts[:maxParts]
		}
		out = append(out, g0)
	}
	// breaching scopes first, the worst (largest gap) first; the others after, in scope order
	slices.SortStableFunc(out, func(a, b whyGroup) int {
		if a.Breaching != b.Breaching {
			if a.Breaching {
				return -1
			}
			return 1
		}
		if a.Breaching && a.Total != nil && b.Total != nil && *a.Total != *b.Total {
			return cmp.Compare(*b.Total, *a.Total)
		}
		return 0
	})
	return out
}

// pooled is the value of rows taken together: for a weighted KPI Σ value·weight / Σ weight,
// otherwise the mean of the values.
func pooled(d *metric.Definition, rows []metric.Row) *float64 {
	var num, den, sum float64
	n := 0
	for _, r := range rows {
		if r.Value == nil || math.IsNaN(*r.Value) || math.IsInf(*r.Value, 0) {
			continue
		}
		n++
		sum += *r.Value
		if r.Weight != nil {
			num += *r.Value * *r.Weight
			den += *r.Weight
		}
	}
	if n == 0 {
		return nil
	}
	if d.Weighted() && den > 0 {
		v := num / den
		return &v
	}
	v := sum / float64(n)
	return &v
}

// whyLines is the chart of a breakdown: one line per breakdown value, for the values that
// contributed most (at most max, spread over the groups).
func whyLines(groups []whyGroup, parts []metric.Row, by string, periods []string, multi bool, limit int) []chartSeries {
	idx := map[string]int{}
	for i, p := range periods {
		idx[p] = i
	}
	per := limit
	if len(groups) > 1 {
		per = max(1, limit/len(groups))
	}
	type pick struct{ key, name, label string }
	var picks []pick
	for _, g := range groups {
		for i, p := range g.Parts {
			if i >= per || len(picks) >= limit {
				break
			}
			label := p.Name
			if multi {
				label = scopeLabel([]string{"country"}, g.Scope) + " · " + p.Name
			}
			picks = append(picks, pick{g.Key, p.Name, label})
		}
	}
	out := make([]chartSeries, len(picks))
	at := map[string]int{}
	for i, p := range picks {
		out[i] = chartSeries{Name: p.label, Values: make([]*float64, len(periods))}
		at[p.key+"\x00"+p.name] = i
	}
	for _, r := range parts {
		i, ok := at[scopeKey(without(r.Scope, by))+"\x00"+r.Scope[by]]
		if !ok {
			continue
		}
		if pi, ok := idx[r.Period]; ok {
			out[i].Values[pi] = r.Value
		}
	}
	return out
}

// Period names a period for people: a day as a date, "week 2026-W47", "2026-11", "2026-Q4",
// "7 days to <date>".
func (p *page) Period(grain, label string) string { return periodName(p, grain, label) }

func periodName(p *page, grain, label string) string {
	start, err := time.Parse(time.DateOnly, label)
	if err != nil {
		return label
	}
	g, err := metric.ParseGrain(grain)
	if err != nil {
		return p.Date(label)
	}
	if g.Rolling > 0 {
		return p.T("period.rolling", "Count", g.Rolling, "Period", p.Date(label))
	}
	switch g.Name {
	case "week":
		y, w := start.ISOWeek()
		return p.T("period.week", "Period", fmt.Sprintf("%d-W%02d", y, w))
	case "month":
		return p.T("period.month", "Period", start.Format("2006-01"))
	case "quarter":
		return p.T("period.quarter", "Period", fmt.Sprintf("%d-Q%d", start.Year(), (int(start.Month())+2)/3))
	}
	return p.Date(label)
}

// PeriodShort is Period with a day as a short date (day and month), for narrow columns.
func (p *page) PeriodShort(grain, label string) string {
	if grain != "day" {
		return periodName(p, grain, label)
	}
	d, err := time.Parse(time.DateOnly, label)
	if err != nil {
		return label
	}
	return d.Format(p.T("kpi.date_short"))
}

// Contrib formats a contribution with its sign, in the KPI's unit (percentage points for a
// percent KPI).
func (p *page) Contrib(unit string, v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return "—"
	}
	x := *v
	sign := "+"
	if x < 0 {
		sign, x = "−", -x
	}
	decimals := 1
	if unit == "percent" && x < 0.001 || unit != "percent" && x < 0.1 {
		decimals = 2 // small contributions keep a digit that is not zero
	}
	if unit == "percent" {
		return sign + p.T("kpi.pp", "Count", p.Num(x*100, decimals))
	}
	if unit == "count" {
		return sign + p.Num(x, decimals)
	}
	return sign + p.Value(unit, &x)
}

// Cell formats a value for a narrow pivot cell: a percent with one decimal.
func (p *page) Cell(unit string, v *float64) string {
	if unit == "percent" && v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0) {
		return p.Num(*v*100, 1) + "%"
	}
	return p.Value(unit, v)
}

// Share formats a share of a whole as a whole percentage.
func (p *page) Share(v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return "—"
	}
	return p.Num(*v*100, 0) + "%"
}

// whyTemplates render the "why" block; they are shared by the KPI page and the alert pages,
// so they live apart from the page templates and are parsed once here.
var whyTemplates = template.Must(template.New("").Funcs(template.FuncMap{}).ParseFS(templateFS, "templates/parts/why.html"))

// whyBlock is the "why is it red" block of a KPI page or an alert: the groups of one
// breakdown, with what the templates need to format them.
type whyBlock struct {
	*page
	Unit, Grain, By string
	Groups          []whyGroup
	Limit           int // breakdown values listed before "more"
}

// Others counts the groups without a breach in view.
func (b whyBlock) Others() int {
	n := 0
	for _, g := range b.Groups {
		if !g.Breaching {
			n++
		}
	}
	return n
}

// Method is the contribution method of the block (the first group's that has one).
func (b whyBlock) Method() string {
	for _, g := range b.Groups {
		if len(g.Parts) > 0 {
			if g.Method == metric.ContribNone {
				return "none"
			}
			return g.Method
		}
	}
	return ""
}

type whyGroupView struct {
	B whyBlock
	G whyGroup
}

func (b whyBlock) G(g whyGroup) whyGroupView { return whyGroupView{b, g} }

// Shown and Hidden are the breakdown values before and behind "more".
func (v whyGroupView) Shown() []whyPart { return v.G.Parts[:min(v.B.Limit, len(v.G.Parts))] }
func (v whyGroupView) Hidden() []whyPart {
	return v.G.Parts[min(v.B.Limit, len(v.G.Parts)):]
}

type whyPartView struct {
	B whyBlock
	G whyGroup
	P whyPart
}

func (b whyBlock) P(g whyGroup, p whyPart) whyPartView { return whyPartView{b, g, p} }

// Worse tells a breakdown value that made the value worse.
func (v whyPartView) Worse() bool { return v.P.Contribution != nil && *v.P.Contribution > 0 }

// render executes one of the block's templates ("why", "why-line") into HTML.
func (b whyBlock) render(name string, data any) (template.HTML, error) {
	var buf bytes.Buffer
	if err := whyTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil // html/template escaped it
}

// HTML is the whole block.
func (b whyBlock) HTML() (template.HTML, error) { return b.render("why", b) }

// Line is a group's worst breakdown value on one line (the alerts list).
func (b whyBlock) Line(g whyGroup) (template.HTML, error) { return b.render("why-line", b.G(g)) }
