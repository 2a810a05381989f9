package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"pulso/internal/metric"
)

type kpiView struct {
	*page
	K          *kpiData
	Grains     []string
	ExportCSV  string
	ExportXLSX string
	Table      []kpiRow // newest period first
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
	v.Charts = true
	v.ExportCSV, v.ExportXLSX = exportLinks(r)
	v.Table = slices.Clone(k.Rows)
	slices.SortStableFunc(v.Table, func(a, b kpiRow) int {
		if a.Period != b.Period {
			if a.Period > b.Period {
				return -1
			}
			return 1
		}
		return 0
	})
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
