package web

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/store"
	"pulso/internal/target"
)

// targetLine is one target version as listed.
type targetLine struct {
	KPI           string            `json:"kpi"`
	Name          string            `json:"name"`
	Unit          string            `json:"unit"`
	Scope         map[string]string `json:"scope"`
	Event         string            `json:"event,omitempty"`
	Target        *float64          `json:"target"`
	Yellow        float64           `json:"yellow"`
	EffectiveFrom string            `json:"effective_from"`
	Source        string            `json:"source"`
	Note          string            `json:"note,omitempty"`
}

// compatible tells whether a target's scope can apply to the user's data: it names no
// country or platform outside the user's (a target for every country applies to theirs too).
func compatible(u *User, sc map[string]string) bool {
	for dim, allowed := range u.Scopes.Filters() {
		if v, ok := sc[dim]; ok && !slices.Contains(allowed, v) {
			return false
		}
	}
	return true
}

// loadTargets lists the template's targets and every stored version of the KPIs the user
// sees, for the scopes that can apply to the user's data.
func (s *server) loadTargets(ctx context.Context, u *User, lang string) ([]targetLine, *metric.Catalog, error) {
	e, err := s.engine(ctx, u.Tenant)
	if err != nil {
		return nil, nil, err
	}
	stored, err := s.cfg.Store.Targets(ctx, u.Tenant)
	if err != nil {
		return nil, nil, err
	}
	set := monitor.TargetSet(e.Catalog, stored)
	var out []targetLine
	for _, d := range visibleKPIs(u, e.Catalog) {
		for _, t := range set.Versions(d.ID) {
			if !compatible(u, t.Scope) {
				continue
			}
			out = append(out, targetLine{KPI: d.ID, Name: d.Name(lang), Unit: d.Unit, Scope: t.Scope, Event: t.Event, Target: t.Value,
				Yellow: t.Yellow, EffectiveFrom: t.EffectiveFrom.Format(time.DateOnly), Source: t.Source, Note: t.Note})
		}
	}
	return out, e.Catalog, nil
}

type targetsView struct {
	*page
	Lines      []targetLine
	KPIs       []kpiOption
	Dims       []string
	Form       targetForm
	Flash      string
	Error      string
	ExportCSV  string
	ExportXLSX string
}

type kpiOption struct{ ID, Name string }

type targetForm struct {
	KPI, Value, Yellow, From, Note string
	Scope                          map[string]string
}

// ScopeText names a target's scope.
func (v *targetsView) ScopeText(sc map[string]string) string {
	if len(sc) == 0 {
		return v.T("scope.all")
	}
	var parts []string
	for _, d := range target.Dimensions {
		if val, ok := sc[d]; ok {
			parts = append(parts, v.Dim(d)+" = "+val)
		}
	}
	return strings.Join(parts, ", ")
}

// FromDate is the source's name.
func (v *targetsView) SourceName(src string) string { return v.tOr("target_source."+src, src) }

func (s *server) targetsPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.showTargets(w, r, c, http.StatusOK, targetForm{From: s.today().Format(time.DateOnly)}, "", "")
}

func (s *server) showTargets(w http.ResponseWriter, r *http.Request, c *reqctx, status int, form targetForm, flash, errMsg string) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	lines, cat, err := s.loadTargets(r.Context(), c.user, c.lang)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if format != "" {
		t := table{Name: "pulso-targets", Columns: []string{c.loc.MustT("col.kpi", nil), c.loc.MustT("col.scope", nil),
			c.loc.MustT("col.event", nil), c.loc.MustT("col.target", nil), c.loc.MustT("col.yellow", nil),
			c.loc.MustT("col.effective_from", nil), c.loc.MustT("col.source", nil), c.loc.MustT("col.note", nil)}}
		for _, l := range lines {
			t.Rows = append(t.Rows, []any{l.KPI, target.Scope(l.Scope).Key(), l.Event, l.Target, l.Yellow, l.EffectiveFrom, l.Source, l.Note})
		}
		if err := writeTable(w, format, t); err != nil {
			s.log.Warn("export failed", "err", err)
		}
		return
	}
	v := &targetsView{page: s.newPage(r, c, "targets.title"), Lines: lines, Dims: target.Dimensions, Form: form, Flash: flash, Error: errMsg}
	for _, d := range visibleKPIs(c.user, cat) {
		v.KPIs = append(v.KPIs, kpiOption{ID: d.ID, Name: d.Name(c.lang)})
	}
	if v.Form.Scope == nil {
		v.Form.Scope = map[string]string{}
	}
	v.ExportCSV, v.ExportXLSX = exportLinks(r)
	s.render(w, r, status, "targets", v)
}

// parseAmount reads a number as people type it: "0.04", "4%", "4,5 %", "1.234,5".
func parseAmount(s string, percent bool) (float64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, " ", ""))
	pct := strings.HasSuffix(s, "%")
	s = strings.TrimSuffix(s, "%")
	if strings.Contains(s, ",") {
		if strings.Contains(s, ".") && strings.LastIndex(s, ",") > strings.LastIndex(s, ".") {
			s = strings.ReplaceAll(s, ".", "")
		}
		if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
			s = strings.ReplaceAll(s, ",", ".")
		} else {
			s = strings.ReplaceAll(s, ",", "")
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) { // "NaN", "Inf" and "1e999" parse
		return 0, false
	}
	if pct && percent {
		v /= 100
	}
	return v, true
}

// addTarget checks a form's target version and stores it.
func (s *server) addTarget(ctx context.Context, u *User, f targetForm, ip string) error {
	e, err := s.engine(ctx, u.Tenant)
	if err != nil {
		return err
	}
	d, err := e.Catalog.Get(f.KPI)
	if err != nil || !u.Scopes.AllowsKPI(d.Module) {
		return badRequest("targets.bad_kpi", nil, err)
	}
	sc := target.Scope{}
	for k, v := range f.Scope {
		if v = strings.TrimSpace(v); v != "" {
			sc[k] = v
		}
	}
	if c, ok := sc["country"]; ok {
		sc["country"] = strings.ToUpper(c)
	}
	if err := sc.Validate(); err != nil {
		return badRequest("targets.bad_scope", nil, err)
	}
	// A restricted user sets targets for their own countries and platforms only.
	if !u.Scopes.AllowsScope(sc) {
		return badRequest("targets.out_of_scope", nil, nil)
	}
	val, ok := parseAmount(f.Value, d.Unit == "percent")
	if !ok {
		return badRequest("targets.bad_value", nil, nil)
	}
	yellow := 0.0
	if strings.TrimSpace(f.Yellow) != "" {
		if yellow, ok = parseAmount(f.Yellow, d.Unit == "percent"); !ok || yellow < 0 {
			return badRequest("targets.bad_yellow", nil, nil)
		}
	}
	from, err := parseDay("effective_from", f.From)
	if err != nil {
		return err
	}
	row := store.TargetRow{KPI: d.ID, Scope: sc, Value: &val, Yellow: yellow, EffectiveFrom: from, Source: "user",
		Note: strings.TrimSpace(f.Note), CreatedBy: who(u)}
	if err := s.cfg.Store.AddTargets(ctx, u.Tenant, []store.TargetRow{row}); err != nil {
		return err
	}
	s.audit(ctx, u, ip, "target.add", "kpi:"+d.ID, map[string]string{"scope": sc.Key(), "value": strconv.FormatFloat(val, 'g', -1, 64)})
	return nil
}

func (s *server) targetAdd(w http.ResponseWriter, r *http.Request, c *reqctx) {
	f := targetForm{KPI: r.PostFormValue("kpi"), Value: r.PostFormValue("value"), Yellow: r.PostFormValue("yellow"),
		From: r.PostFormValue("effective_from"), Note: r.PostFormValue("note"), Scope: map[string]string{}}
	for _, d := range target.Dimensions {
		f.Scope[d] = r.PostFormValue(d)
	}
	if err := s.addTarget(r.Context(), c.user, f, clientIP(r)); err != nil {
		ue := s.classify(r, err)
		s.showTargets(w, r, c, ue.status, f, "", c.loc.MustT(ue.key, ue.data))
		return
	}
	s.showTargets(w, r, c, http.StatusOK, targetForm{From: f.From}, c.loc.MustT("targets.added", nil), "")
}
