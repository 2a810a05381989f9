package web

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"time"

	"pulso/internal/calendar"
	"pulso/internal/metric"
)

// kpiGrains are the grains the KPI page offers.
var kpiGrains = []string{"day", "week", "month", "7d", "28d", "90d"}

// kpiQuery is what the KPI page shows: a grain over a date range, one country or all the
// user's, an optional breakdown and filters.
type kpiQuery struct {
	Grain    string
	From, To time.Time
	Country  string
	By       string
	Platform string
	Store    string
	Category string
	// ByAsked is the by parameter as given: "" picks the KPI's default breakdown, "none" none.
	ByAsked string
	// Lines draws one line per value of the breakdown instead of one per country.
	Lines bool
}

func (q kpiQuery) asked() map[string]string {
	return map[string]string{"country": q.Country, "platform": q.Platform, "store": q.Store, "category": q.Category}
}

// values are the query as URL parameters (for links that keep it).
func (q kpiQuery) values() url.Values {
	v := url.Values{}
	v.Set("grain", q.Grain)
	v.Set("from", q.From.Format(time.DateOnly))
	v.Set("to", q.To.Format(time.DateOnly))
	for k, val := range q.asked() {
		if val != "" {
			v.Set(k, val)
		}
	}
	if q.By != "" {
		v.Set("by", q.By)
	} else {
		v.Set("by", "none")
	}
	if q.Lines {
		v.Set("lines", "by")
	}
	return v
}

func (s *server) parseKPIQuery(v url.Values) (kpiQuery, error) {
	q := kpiQuery{Grain: v.Get("grain"), Country: v.Get("country"), By: v.Get("by"), ByAsked: v.Get("by"),
		Platform: v.Get("platform"), Store: v.Get("store"), Category: v.Get("category"), Lines: v.Get("lines") == "by"}
	if q.By == "none" {
		q.By = ""
	}
	if q.Grain == "" {
		q.Grain = "day"
	}
	if !slices.Contains(metric.Grains, q.Grain) {
		return q, badRequest("error.bad_param", map[string]any{"Source": "grain"}, nil)
	}
	q.To = s.today().AddDate(0, 0, -1)
	if t := v.Get("to"); t != "" {
		d, err := parseDay("to", t)
		if err != nil {
			return q, err
		}
		q.To = d
	}
	switch q.Grain {
	case "week":
		q.From = q.To.AddDate(0, 0, -7*11)
	case "month":
		q.From = q.To.AddDate(0, -5, 0)
	case "quarter":
		q.From = q.To.AddDate(0, -9, 0)
	default:
		q.From = q.To.AddDate(0, 0, -27)
	}
	if q.From.Before(firstDay) { // the default span of an early "to"
		q.From = firstDay
	}
	if f := v.Get("from"); f != "" {
		d, err := parseDay("from", f)
		if err != nil {
			return q, err
		}
		q.From = d
	}
	if q.To.Before(q.From) || q.To.Sub(q.From) > 400*24*time.Hour {
		return q, badRequest("error.bad_range", nil, nil)
	}
	return q, nil
}

// kpiData is the KPI page's data: the trend per scope with targets, the period table, the
// breakdown of the last period and the calendar markers.
type kpiData struct {
	Def        *metric.Definition `json:"-"`
	ID         string             `json:"kpi"`
	Name       string             `json:"name"`
	Unit       string             `json:"unit"`
	Direction  string             `json:"direction"`
	Module     string             `json:"module"`
	Query      kpiQuery           `json:"-"`
	Countries  []string           `json:"-"` // tabs: the countries the user may pick
	Breakdowns []string           `json:"-"`
	Periods    []string           `json:"periods"`
	Rows       []kpiRow           `json:"rows"`
	Markers    []marker           `json:"markers"`
	Chart      string             `json:"-"`
	// Why explains the breaching periods of each scope by the breakdown's values, worst
	// first; ByParts are the breakdown's rows (for its lines on the chart).
	Why     []whyGroup   `json:"-"`
	ByParts []metric.Row `json:"-"`
}

type kpiRow struct {
	metric.Row
	Edge *float64 `json:"yellow_edge,omitempty"`
	// Label names the scope ("MX", "MX · amazon"); empty for the only scope.
	Label string `json:"-"`
}

type marker struct {
	Date    string `json:"date"`
	To      string `json:"to"` // last day of an event of several days
	Period  string `json:"period"`
	Country string `json:"country"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
}

// chartSpec is what app.js turns into an ECharts option.
type chartSpec struct {
	Unit            string            `json:"unit"`
	Periods         []string          `json:"periods"`
	Series          []chartSeries     `json:"series"`
	Band            *chartBand        `json:"band"`
	ProvisionalFrom *int              `json:"provisionalFrom"`
	Markers         []chartMarker     `json:"markers"`
	MarkerLabels    bool              `json:"markerLabels"` // name the markers (one country in view)
	Labels          map[string]string `json:"labels"`
}

type chartSeries struct {
	Name   string     `json:"name"`
	Values []*float64 `json:"values"`
}

type chartBand struct {
	Target []*float64 `json:"target"`
	Low    []*float64 `json:"low"`
	Width  []*float64 `json:"width"`
}

type chartMarker struct {
	X    string `json:"x"`
	Name string `json:"name"`
}

func scopeLabel(by []string, sc map[string]string) string {
	out := ""
	for i, b := range by {
		if i > 0 {
			out += " · "
		}
		out += sc[b]
	}
	return out
}

// loadKPI evaluates one KPI for the KPI page and the series API.
func (s *server) loadKPI(ctx context.Context, u *User, lang, id string, q kpiQuery) (*kpiData, error) {
	if err := checkAsked(u, q.asked()); err != nil {
		return nil, err
	}
	e, err := s.engine(ctx, u.Tenant)
	if err != nil {
		return nil, err
	}
	d, err := e.Catalog.Get(id)
	if err != nil {
		return nil, errNotFound
	}
	if !u.Scopes.AllowsKPI(d.Module) {
		return nil, errForbidden
	}
	if q.By != "" && (q.By == "country" || !slices.Contains(d.Breakdowns, q.By)) {
		return nil, badRequest("error.bad_param", map[string]any{"Source": "by"}, nil)
	}
	if q.ByAsked == "" {
		skip := map[string]bool{}
		for dim, v := range q.asked() {
			skip[dim] = v != ""
		}
		q.By = defaultBreakdown(d, skip)
	}
	hasCountry := slices.Contains(d.Breakdowns, "country")
	if !hasCountry {
		q.Country = ""
	}
	j, err := s.judge(ctx, u.Tenant, e.Catalog)
	if err != nil {
		return nil, err
	}
	g, err := metric.ParseGrain(q.Grain)
	if err != nil {
		return nil, badRequest("error.bad_param", map[string]any{"Source": "grain"}, err)
	}
	f := filters(u, q.asked())
	k := &kpiData{Def: d, ID: d.ID, Name: d.Name(lang), Unit: d.Unit, Direction: d.Direction, Module: d.Module, Query: q}
	for _, b := range d.Breakdowns {
		if b != "country" {
			k.Breakdowns = append(k.Breakdowns, b)
		}
	}
	var by []string
	if hasCountry && q.Country == "" {
		by = []string{"country"}
	}
	asOf := s.today()
	rows, err := e.Eval(ctx, metric.Query{Tenant: u.Tenant, KPIs: []string{d.ID}, Grain: g, From: q.From, To: q.To, By: by,
		Filters: cloneFilters(f), AsOf: asOf})
	if err != nil {
		return nil, err
	}
	rows = keepRows(u, rows, f)
	j.rows(rows, f)
	for _, p := range g.Periods(q.From, q.To) {
		k.Periods = append(k.Periods, p.Label())
	}
	countries := map[string]bool{}
	for _, r := range rows {
		kr := kpiRow{Row: r, Label: scopeLabel(by, r.Scope)}
		kr.Target, kr.Edge = j.band(r, f)
		k.Rows = append(k.Rows, kr)
		if c := r.Scope["country"]; c != "" && c != metric.Unknown {
			countries[c] = true
		}
	}
	if q.Country != "" {
		countries[q.Country] = true
	}
	if hasCountry {
		if len(u.Scopes.Countries) > 0 {
			k.Countries = slices.Sorted(slices.Values(u.Scopes.Countries))
		} else {
			if q.Country != "" { // one country's rows name no other: offer every supported one
				for _, c := range calendar.Countries() {
					countries[c] = true
				}
			}
			for c := range countries {
				k.Countries = append(k.Countries, c)
			}
			slices.Sort(k.Countries)
		}
	}
	if q.By != "" {
		bq := []string{q.By}
		if hasCountry && q.Country == "" {
			bq = []string{"country", q.By}
		}
		wholes := make([]metric.Row, len(k.Rows))
		hasTarget := false
		for i, r := range k.Rows {
			wholes[i] = r.Row
			hasTarget = hasTarget || r.Target != nil
		}
		// The breakdown is read over the periods explained (the chart's lines need them all).
		from, any := q.From, true
		if !q.Lines {
			from, any = firstFocus(wholes)
		}
		if any {
			from = firstNeeded(g, d.ContributionMethod(hasTarget), from)
			brows, err := e.Eval(ctx, metric.Query{Tenant: u.Tenant, KPIs: []string{d.ID}, Grain: g, From: from, To: q.To, By: bq,
				Filters: cloneFilters(f), AsOf: asOf})
			if err != nil {
				return nil, err
			}
			brows = keepRows(u, brows, f)
			j.rows(brows, f)
			k.Why = explain(d, g, q.By, wholes, brows, nil)
			k.ByParts = brows
		}
	}
	// Holidays and retail events of the countries in view, placed on the period that holds them.
	var markCountries []string
	if q.Country != "" {
		markCountries = []string{q.Country}
	} else if hasCountry {
		markCountries = k.Countries
	}
	periods := g.Periods(q.From, q.To)
	for _, c := range markCountries {
		for _, day := range s.cfg.Calendar.Days(c, periods[0].From, q.To) {
			label := ""
			for _, p := range periods {
				if g.Rolling > 0 && p.Start.Equal(day.Date) || g.Rolling == 0 && !day.Date.Before(p.From) && !day.Date.After(p.To) {
					label = p.Label()
					break
				}
			}
			if label == "" {
				continue
			}
			k.Markers = append(k.Markers, marker{Date: day.Date.Format(time.DateOnly), To: day.Date.Format(time.DateOnly), Period: label, Country: c, ID: day.ID,
				Name: day.Name(lang), Kind: string(day.Kind)})
		}
	}
	sort.SliceStable(k.Markers, func(a, b int) bool { return k.Markers[a].Date < k.Markers[b].Date })
	k.Markers = mergeMarkers(k.Markers)
	return k, nil
}

// chart builds the chart's JSON: a line per scope; with one scope, the target and its yellow
// margin as a band; provisional periods shaded; calendar markers as vertical lines.
func (k *kpiData) chart(labels map[string]string) string {
	spec := chartSpec{Unit: k.Unit, Periods: k.Periods, Labels: labels}
	idx := map[string]int{}
	for i, p := range k.Periods {
		idx[p] = i
	}
	lines := k.Query.Lines && k.Query.By != ""
	if lines { // one line per breakdown value, the ones that contributed most
		spec.Series = whyLines(k.Why, k.ByParts, k.Query.By, k.Periods, len(k.Why) > 1, 8)
	}
	scopes := map[string]bool{}
	bySeries := map[string]int{}
	for _, r := range k.Rows {
		name := r.Label
		if name == "" {
			name = k.Name
		}
		scopes[name] = true
		if lines {
			if i, ok := idx[r.Period]; ok && r.Provisional && (spec.ProvisionalFrom == nil || i < *spec.ProvisionalFrom) {
				spec.ProvisionalFrom = &i
			}
			continue
		}
		si, ok := bySeries[name]
		if !ok {
			si = len(spec.Series)
			bySeries[name] = si
			spec.Series = append(spec.Series, chartSeries{Name: name, Values: make([]*float64, len(k.Periods))})
		}
		if i, ok := idx[r.Period]; ok {
			spec.Series[si].Values[i] = r.Value
			if r.Provisional && (spec.ProvisionalFrom == nil || i < *spec.ProvisionalFrom) {
				i := i
				spec.ProvisionalFrom = &i
			}
		}
	}
	if len(scopes) == 1 {
		band := &chartBand{Target: make([]*float64, len(k.Periods)), Low: make([]*float64, len(k.Periods)), Width: make([]*float64, len(k.Periods))}
		any := false
		for _, r := range k.Rows {
			i, ok := idx[r.Period]
			if !ok || r.Target == nil || r.Edge == nil {
				continue
			}
			t, e := *r.Target, *r.Edge
			lo, w := min(t, e), max(t, e)-min(t, e)
			band.Target[i], band.Low[i], band.Width[i] = &t, &lo, &w
			any = true
		}
		if any {
			spec.Band = band
		}
	}
	spec.MarkerLabels = k.Query.Country != "" || len(k.Countries) <= 1
	seen := map[string]bool{}
	for _, m := range k.Markers {
		name := m.Name
		if len(k.Countries) > 1 && k.Query.Country == "" {
			name += " (" + m.Country + ")"
		}
		if seen[m.Period+name] {
			continue
		}
		seen[m.Period+name] = true
		spec.Markers = append(spec.Markers, chartMarker{X: m.Period, Name: name})
	}
	b, _ := json.Marshal(spec)
	return string(b)
}

// mergeMarkers joins the days of one event in one country (Buen Fin, Carnaval) into one
// marker from its first to its last day; markers come sorted by date.
func mergeMarkers(ms []marker) []marker {
	var out []marker
	last := map[string]int{}
	for _, m := range ms {
		key := m.Country + "\x00" + m.ID
		if i, ok := last[key]; ok {
			prev, _ := time.Parse(time.DateOnly, out[i].To)
			if prev.AddDate(0, 0, 1).Format(time.DateOnly) == m.Date {
				out[i].To = m.Date
				continue
			}
		}
		last[key] = len(out)
		out = append(out, m)
	}
	return out
}
