package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"pulso/internal/alert"
)

type alertsView struct {
	*page
	Groups     []alertGroup
	Flash      string
	Error      string
	ExportCSV  string
	ExportXLSX string
	Hours      []int
}

type alertGroup struct {
	State  alert.State
	Alerts []alertItem
}

// shownValues is how many of an alert's breaching values the list shows (the newest).
const shownValues = 3

// Recent are the newest breaching values of an alert with their periods, oldest first.
func (it alertItem) Recent() []alertValue {
	all := alertValues(it)
	return all[max(0, len(all)-shownValues):]
}

// Older counts the breaching values the list leaves to the alert's page.
func (it alertItem) Older() int { return max(0, len(it.Values)-shownValues) }

// Acts tells whether the user may act on alerts (the actions column).
func (v *alertsView) Acts() bool { return v.Can("ack_alert") || v.Can("silence") }

// alertPair hands a sub-template the view and one group.
type alertPair struct {
	V *alertsView
	G alertGroup
}

func (v *alertsView) With(g alertGroup) alertPair { return alertPair{v, g} }

type alertValue struct {
	Period string
	Value  *float64
}

func alertValues(it alertItem) []alertValue {
	out := make([]alertValue, 0, len(it.Values))
	for i, val := range it.Values {
		if i < len(it.Periods) {
			out = append(out, alertValue{it.Periods[i], val})
		}
	}
	return out
}

// KPIURL is the KPI page of an alert: its scope, grain and the periods around its breach.
func kpiURLOf(it alertItem) string {
	q := url.Values{}
	for k, v := range it.Scope {
		q.Set(k, v)
	}
	if it.Grain != "" {
		q.Set("grain", it.Grain)
	}
	if it.By != "" {
		q.Set("by", it.By)
	}
	return "/kpi/" + url.PathEscape(it.KPI) + "?" + q.Encode()
}

func (v *alertsView) KPIURL(it alertItem) string { return kpiURLOf(it) }

// Scope names an alert's scope for the page.
func (v *alertsView) Scope(sc map[string]string) string {
	if len(sc) == 0 {
		return v.T("scope.all")
	}
	return scopeString(sc)
}

// Last is the last breaching value.
func (v *alertsView) Last(it alertItem) *float64 {
	if n := len(it.Values); n > 0 {
		return it.Values[n-1]
	}
	return nil
}

func (s *server) alertsPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	items, err := s.loadAlerts(r.Context(), c.user, c.lang, alertStates...)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if format != "" {
		if err := s.describeAlerts(r.Context(), c.user, items); err != nil { // owners' names, no breakdown
			s.fail(w, r, c, err)
			return
		}
		t := table{Name: "pulso-alerts", Columns: []string{c.loc.MustT("col.state", nil), c.loc.MustT("col.kpi", nil),
			c.loc.MustT("col.scope", nil), c.loc.MustT("col.since", nil), c.loc.MustT("col.period", nil), c.loc.MustT("col.value", nil),
			c.loc.MustT("col.target", nil), c.loc.MustT("col.owner", nil), c.loc.MustT("col.acknowledged_by", nil), c.loc.MustT("col.silenced", nil)}}
		for _, it := range items {
			var last *float64
			period := ""
			if n := len(it.Values); n > 0 {
				last = it.Values[n-1]
			}
			if n := len(it.Periods); n > 0 {
				period = it.Periods[n-1] // the period of the last value
			}
			owner := it.OwnerName
			if owner == "" {
				owner = it.Owner
			}
			t.Rows = append(t.Rows, []any{string(it.State), it.KPI, scopeString(it.Scope), it.Since, period, last, it.Target, owner, it.AckBy, it.Silenced})
		}
		if err := writeTable(w, format, t); err != nil {
			s.log.Warn("export failed", "err", err)
		}
		return
	}
	v := &alertsView{page: s.newPage(r, c, "alerts.title"), Hours: []int{4, 24, 72, 168}}
	v.ExportCSV, v.ExportXLSX = exportLinks(r)
	switch r.URL.Query().Get("done") {
	case "ack":
		v.Flash = c.loc.MustT("alerts.acked", nil)
	case "silence":
		v.Flash = c.loc.MustT("alerts.silenced", nil)
	}
	if err := s.describeAlerts(r.Context(), c.user, items, alert.Firing, alert.Acknowledged); err != nil {
		s.fail(w, r, c, err)
		return
	}
	for _, st := range alertStates {
		g := alertGroup{State: st}
		for _, it := range items {
			if it.State != st {
				continue
			}
			if it.Why != nil {
				b := whyBlock{page: v.page, Unit: it.Unit, Grain: it.Grain, By: it.By}
				if it.WhyLine, err = b.Line(*it.Why); err != nil {
					s.fail(w, r, c, err)
					return
				}
			}
			g.Alerts = append(g.Alerts, it)
		}
		v.Groups = append(v.Groups, g)
	}
	s.render(w, r, http.StatusOK, "alerts", v)
}

// alertView is one alert's page: its facts, every breaching value and why it is red.
type alertView struct {
	*page
	A      alertItem
	Values []alertValue
	Why    template.HTML
	Hours  []int
	KPIURL string
}

func (v *alertView) Scope(sc map[string]string) string {
	if len(sc) == 0 {
		return v.T("scope.all")
	}
	return scopeString(sc)
}

// RuleType names the rule's type in the reader's language.
func (v *alertView) RuleType(t string) string { return v.tOr("rule.type."+t, t) }

func (s *server) alertPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	it, err := s.findAlert(r.Context(), c.user, c.lang, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	items := []alertItem{it}
	if err := s.describeAlerts(r.Context(), c.user, items, alertStates...); err != nil {
		s.fail(w, r, c, err)
		return
	}
	it = items[0]
	v := &alertView{page: s.newPage(r, c, "alerts.title"), A: it, Values: alertValues(it), Hours: []int{4, 24, 72, 168}, KPIURL: kpiURLOf(it)}
	v.Title = it.Name + " · " + v.Scope(it.Scope)
	if c := it.Scope["country"]; c != "" {
		v.Title = it.Name + " · " + v.Country(c)
	}
	if it.Why != nil {
		b := whyBlock{page: v.page, Unit: it.Unit, Grain: it.Grain, By: it.By, Groups: []whyGroup{*it.Why}, Limit: 8}
		if v.Why, err = b.HTML(); err != nil {
			s.fail(w, r, c, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "alert", v)
}

// who names the acting user in alert and audit records.
func who(u *User) string {
	if strings.TrimSpace(u.Login) != "" {
		return u.Login
	}
	return u.ID
}
