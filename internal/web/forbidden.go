package web

import (
	"net/http"
	"slices"
	"strings"

	"pulso/internal/auth"
)

// forbiddenMessage says what a refused request asked for, in the user's language: "You do not
// have access to the KPI Late shipment rate", "… to the data of Brazil", "… to Import". It
// reads the request the way the handlers check it: a KPI outside the user's modules, a
// country or platform outside their scopes, an export without the export right, and else the
// page or action the route names.
func (s *server) forbiddenMessage(r *http.Request, c *reqctx) string {
	t := func(key string, data map[string]any) string { return c.loc.MustT(key, data) }
	u := c.user
	if u == nil {
		return t("error.forbidden", nil)
	}
	// A KPI of a module the user does not see.
	if id, ok := strings.CutPrefix(r.URL.Path, "/kpi/"); ok {
		id, _, _ = strings.Cut(id, "/")
		if e, err := s.engine(r.Context(), u.Tenant); err == nil {
			if d, err := e.Catalog.Get(id); err == nil && !u.Scopes.AllowsKPI(d.Module) {
				return t("error.forbidden_kpi", map[string]any{"KPI": d.Name(c.lang)})
			}
		}
	}
	// A country or platform outside the user's scopes, asked in the URL or the form.
	asked := func(dim string) string {
		if v := r.URL.Query().Get(dim); v != "" {
			return v
		}
		if r.Method == http.MethodPost && r.PostForm != nil {
			return r.PostForm.Get(dim)
		}
		return ""
	}
	for _, dim := range []string{"country", "platform"} {
		allowed, restricted := u.Scopes.Filters()[dim]
		if v := asked(dim); restricted && v != "" && !slices.Contains(allowed, v) {
			name := v
			if n, err := c.loc.T(dim+"."+v, nil); err == nil && dim == "country" {
				name = n // a country's name; a code without one shows as itself
			}
			return t("error.forbidden_data", map[string]any{"Scope": name})
		}
	}
	if f := r.URL.Query().Get("format"); (f == "csv" || f == "xlsx") && !u.Can(auth.Export) {
		return t("error.forbidden_to", map[string]any{"Source": t("access.export", nil)})
	}
	return t("error.forbidden_to", map[string]any{"Source": t(accessKey(r), nil)})
}

// accessKey names the page or action of a route, for the 403 page.
func accessKey(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/ack") && strings.HasPrefix(p, "/alerts/"):
		return "access.ack"
	case strings.HasSuffix(p, "/silence") && strings.HasPrefix(p, "/alerts/"):
		return "access.silence"
	case strings.HasPrefix(p, "/import"):
		return "nav.import"
	case p == "/targets" && r.Method == http.MethodPost:
		return "access.targets_edit"
	case strings.HasPrefix(p, "/settings/channels"):
		return "settings.channels"
	case strings.HasPrefix(p, "/settings/tokens"):
		return "settings.tokens"
	case strings.HasPrefix(p, "/settings/users"):
		return "settings.users"
	case strings.HasPrefix(p, "/kpi/") && strings.HasSuffix(p, "/records"):
		return "access.records"
	}
	return "access.page"
}
