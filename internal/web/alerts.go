package web

import (
	"net/http"
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
		t := table{Name: "pulso-alerts", Columns: []string{c.loc.MustT("col.state", nil), c.loc.MustT("col.kpi", nil),
			c.loc.MustT("col.scope", nil), c.loc.MustT("col.since", nil), c.loc.MustT("col.value", nil), c.loc.MustT("col.target", nil),
			c.loc.MustT("col.owner", nil), c.loc.MustT("col.acknowledged_by", nil), c.loc.MustT("col.silenced", nil)}}
		for _, it := range items {
			var last *float64
			if n := len(it.Values); n > 0 {
				last = it.Values[n-1]
			}
			t.Rows = append(t.Rows, []any{string(it.State), it.KPI, scopeString(it.Scope), it.Since, last, it.Target, it.Owner, it.AckBy, it.Silenced})
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
	for _, st := range alertStates {
		g := alertGroup{State: st}
		for _, it := range items {
			if it.State == st {
				g.Alerts = append(g.Alerts, it)
			}
		}
		v.Groups = append(v.Groups, g)
	}
	s.render(w, r, http.StatusOK, "alerts", v)
}

// who names the acting user in alert and audit records.
func who(u *User) string {
	if strings.TrimSpace(u.Login) != "" {
		return u.Login
	}
	return u.ID
}
