package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"pulso/internal/metric"
)

type kpiView struct {
	*page
	K          *kpiData
	Grains     []string
	ExportCSV  string
	ExportXLSX string
	// The periods, newest first: a table of the only scope, or a pivot of periods × countries;
	// the first shownPeriods rows, the rest behind "more".
	Table, TableMore []kpiRow
	Pivot            *pivot
	Why              template.HTML // why the value is red, by the breakdown
}

// kpiPair hands a sub-template the view and one more value.
type kpiPair struct {
	V *kpiView
	X any
}

func (v *kpiView) With(x any) kpiPair { return kpiPair{v, x} }

// shownPeriods is how many periods the KPI page lists before "more".
const shownPeriods = 8

// pivot is a KPI's values as periods × countries.
type pivot struct {
	Cols       []string
	Rows, More []pivotRow
}

type pivotRow struct {
	Period string
	Cells  []*kpiRow // per column; nil where there is no row
}

func newPivot(cols []string, rows []kpiRow) *pivot {
	pv := &pivot{Cols: cols}
	at := map[string]int{}
	for i, c := range cols {
		at[c] = i
	}
	var all []pivotRow
	byPeriod := map[string]int{}
	for i := range rows {
		r := &rows[i]
		c, ok := at[r.Scope["country"]]
		if !ok {
			continue
		}
		pi, ok := byPeriod[r.Period]
		if !ok {
			pi = len(all)
			byPeriod[r.Period] = pi
			all = append(all, pivotRow{Period: r.Period, Cells: make([]*kpiRow, len(cols))})
		}
		all[pi].Cells[c] = r
	}
	slices.SortFunc(all, func(a, b pivotRow) int { return strings.Compare(b.Period, a.Period) })
	n := min(shownPeriods, len(all))
	pv.Rows, pv.More = all[:n], all[n:]
	return pv
}

// Cols are the countries the pivot shows: the user's tabs, or those the rows name.
func pivotCols(k *kpiData) []string {
	seen := map[string]bool{}
	for _, r := range k.Rows {
		seen[r.Scope["country"]] = true
	}
	var cols []string
	for _, c := range k.Countries {
		if seen[c] {
			cols = append(cols, c)
		}
	}
	if seen[metric.Unknown] {
		cols = append(cols, metric.Unknown)
	}
	return cols
}

// Summary is the filter bar's closed line: grain, dates and breakdown.
func (v *kpiView) Summary() string {
	q := v.K.Query
	parts := []string{v.Grain(q.Grain), v.Date(q.From) + " – " + v.Date(q.To)}
	if q.By != "" {
		parts = append(parts, v.T("kpi.breakdown")+": "+v.Dim(q.By))
	}
	return strings.Join(parts, " · ")
}

// URL is the KPI page with one parameter changed ("" removes it).
func (v *kpiView) URL(key, value string) string {
	q := v.K.Query.values()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	return "/kpi/" + url.PathEscape(v.K.ID) + "?" + q.Encode()
}

// RecordsURL is the drill-down of one period (and scope) of the table.
func (v *kpiView) RecordsURL(r kpiRow) string {
	q := url.Values{}
	for k, val := range v.K.Query.asked() {
		if val != "" {
			q.Set(k, val)
		}
	}
	for k, val := range r.Scope {
		q.Set(k, val)
	}
	g := v.K.Query.Grain
	from, to := r.Period, r.Period
	if start, err := time.Parse(time.DateOnly, r.Period); err == nil {
		if gr, err := metric.ParseGrain(g); err == nil {
			p := gr.Periods(start, start)[0]
			from, to = p.From.Format(time.DateOnly), p.To.Format(time.DateOnly)
		}
	}
	q.Set("from", from)
	q.Set("to", to)
	return "/kpi/" + url.PathEscape(v.K.ID) + "/records?" + q.Encode()
}

func (s *server) kpiPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	q, err := s.parseKPIQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	k, err := s.loadKPI(r.Context(), c.user, c.lang, r.PathValue("id"), q)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if format != "" {
		if err := writeTable(w, format, kpiTable(c, k)); err != nil {
			s.log.Warn("export failed", "err", err)
		}
		return
	}
	v := &kpiView{page: s.newPage(r, c, "kpi.title"), K: k, Grains: kpiGrains}
	v.Title = k.Name
	if c := k.Query.Country; c != "" || len(k.Countries) == 1 {
		if c == "" {
			c = k.Countries[0] // a user of one country sees only it
		}
		v.Title += " · " + v.Country(c)
	}
	v.Charts = true
	v.ExportCSV, v.ExportXLSX = exportLinks(r)
	if cols := pivotCols(k); k.Query.Country == "" && len(cols) > 1 {
		v.Pivot = newPivot(cols, k.Rows)
	} else {
		rows := slices.Clone(k.Rows)
		slices.SortStableFunc(rows, func(a, b kpiRow) int { return strings.Compare(b.Period, a.Period) })
		n := min(shownPeriods, len(rows))
		v.Table, v.TableMore = rows[:n], rows[n:]
	}
	if k.Query.By != "" {
		limit := 5
		if len(k.Why) > 1 {
			limit = 3
		}
		b := whyBlock{page: v.page, Unit: k.Unit, Grain: k.Query.Grain, By: k.Query.By, Groups: k.Why, Limit: limit}
		if v.Why, err = b.HTML(); err != nil {
			s.fail(w, r, c, err)
			return
		}
	}
	k.Chart = k.chart(map[string]string{"target": c.loc.MustT("kpi.target", nil), "band": c.loc.MustT("kpi.yellow_band", nil),
		"provisional": c.loc.MustT("kpi.provisional", nil)})
	s.render(w, r, http.StatusOK, "kpi", v)
}

func kpiTable(c *reqctx, k *kpiData) table {
	t := table{Name: "pulso-" + k.ID, Columns: []string{c.loc.MustT("col.period", nil), c.loc.MustT("col.scope", nil),
		c.loc.MustT("col.value", nil), c.loc.MustT("col.numerator", nil), c.loc.MustT("col.denominator", nil),
		c.loc.MustT("col.target", nil), c.loc.MustT("col.status", nil), c.loc.MustT("col.provisional", nil)}}
	for _, r := range k.Rows {
		t.Rows = append(t.Rows, []any{r.Period, r.Label, r.Value, r.Numerator, r.Denominator, r.Target, r.Status, r.Provisional})
	}
	return t
}
