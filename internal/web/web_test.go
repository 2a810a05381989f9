package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"pulso/internal/alert"
	"pulso/internal/auth"
	"pulso/internal/ingest"
)

var missingKey = regexp.MustCompile(`\[[a-z_]+\.[A-Za-z0-9_.]+\]`)

func checkRendered(t *testing.T, what, body string) {
	t.Helper()
	if m := missingKey.FindString(body); m != "" {
		t.Errorf("%s: missing message %s", what, m)
	}
	for _, bad := range []string{"<no value>", "%!", "ZgotmplZ"} {
		if strings.Contains(body, bad) {
			i := strings.Index(body, bad)
			t.Errorf("%s: %q in output near %q", what, bad, body[max(0, i-80):min(len(body), i+80)])
		}
	}
}

func TestPagesRenderInEveryLanguage(t *testing.T) {
	e := sharedEnv(t)
	pages := []string{
		"/", "/?period=week", "/?period=month&platform=mercadolibre", "/?period=day", "/?period=28d",
		"/kpi/late_shipment_rate", "/kpi/late_shipment_rate?country=MX&by=carrier", "/kpi/gmv?grain=week",
		"/kpi/inventory_turnover?grain=90d", "/kpi/data_freshness_hours",
		"/kpi/late_shipment_rate/records?from=2026-11-20&to=2026-11-20&country=MX",
		"/alerts", "/sources", "/import", "/targets", "/settings", "/kpi/no_such_kpi",
	}
	for _, lang := range []string{"zh-CN", "es", "pt-BR", "en"} {
		for _, p := range pages {
			req := map[string]string{"Cookie": langCookie + "=" + lang}
			rec := e.request(t, "admin", http.MethodGet, p, nil, req)
			if rec.Code != http.StatusOK && !(p == "/kpi/no_such_kpi" && rec.Code == http.StatusNotFound) {
				t.Errorf("%s %s: status %d: %.300s", lang, p, rec.Code, rec.Body.String())
				continue
			}
			if !strings.Contains(rec.Body.String(), `<html lang="`+lang+`">`) {
				t.Errorf("%s %s: not in %s", lang, p, lang)
			}
			checkRendered(t, lang+" "+p, rec.Body.String())
		}
		rec := e.request(t, "", http.MethodGet, "/login", nil, map[string]string{"Accept-Language": lang})
		checkRendered(t, lang+" /login", rec.Body.String())
		if !strings.Contains(rec.Body.String(), `<html lang="`+lang+`">`) {
			t.Errorf("login: Accept-Language %s not followed", lang)
		}
	}
}

// The views that only a form submission reaches render in every language too: the import
// report and result, form errors and notices.
func TestFormViewsRenderInEveryLanguage(t *testing.T) {
	e := sharedEnv(t)
	admin, _ := findUser(t.Context(), e.auth, "admin")
	for _, lang := range []string{"zh-CN", "es", "pt-BR", "en"} {
		c := &reqctx{user: &admin, lang: lang, loc: e.srv.cfg.Bundle.For(lang), csrf: "x"}
		r := httptest.NewRequest(http.MethodGet, "/import", nil)
		views := map[string]any{
			"import": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(), Chosen: "traffic", Skip: "u", Mapped: "u",
				Report: &checkReport{Kind: "traffic", File: "t.csv", Rows: 3, BadRows: 1, Truncated: true, Columns: []string{"date", "visits"},
					Header: []string{"Fecha", "visits", "email"}, Fields: []string{"date", "visits"}, Suggested: map[string]string{"fecha": "date"},
					Dropped: []droppedColumn{{Column: "email", Values: 2}}, Pseudonymised: []string{"code"},
					Preview: []previewRow{{Row: 2, Cells: []previewCell{{Value: "2026-11-24"}, {Value: "1"}}},
						{Row: 5, Gap: true, Bad: true, Cells: []previewCell{{Value: "2026-11-24"}, {Value: "abc", Bad: true, Problem: rowProblem{Code: "decimal"}}},
							Other: []rowProblem{{Code: "field_count", Args: map[string]string{"Fields": "3", "Header": "2"}}}}},
					Problems: []rowProblem{{Row: 5, Column: "visits", Value: "abc", Reason: "not a number", Code: "decimal"},
						{Row: 4, Column: "country", Value: "BR", Key: "import.out_of_scope"}}}},
			"import ": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(), Result: &ingest.Result{Kind: "traffic"}, Flash: "ok",
				Rejects: &upload{ID: "r", Rows: 2}},
			"import  ": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(),
				Report: &checkReport{Kind: "traffic", File: "t.xls", FileError: "unsupported", FileProblem: rowProblem{Key: "import.bad_format"}}, Error: "x"},
			"import   ": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(), Mapped: "u",
				Report: &checkReport{Kind: "traffic", File: "t.csv", FileError: "header", HeaderProblem: true, Header: []string{"a"}, Fields: []string{"date"},
					FileProblem: rowProblem{Code: "header_missing", Args: map[string]string{"Columns": "date", "Kind": "traffic"}}}},
			"import    ": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(),
				Report: &checkReport{Kind: "traffic", File: "t.csv", Rows: 2, BadRows: 2, ScopeRows: 1, Columns: []string{"date"}}},
			"targets": &targetsView{page: e.srv.newPage(r, c, "targets.title"), Error: "e", Flash: "f", Dims: []string{"country"},
				Form: targetForm{Scope: map[string]string{}}, Lines: []targetLine{{KPI: "gmv", Unit: "money", Scope: map[string]string{"country": "MX"}, Event: "buen_fin", Source: "user"}}},
			"settings": &settingsView{page: e.srv.newPage(r, c, "settings.title"), Error: "e", Flash: "f", Channels: []channelLine{{Name: "ops", Type: "dingtalk",
				Details: []channelDetail{{Label: "channel.field.url", Value: "••••abcd"}}, Contacts: []string{"ops"}}}, EditChannels: true, KeyProblem: "k",
				Rules: []ruleLine{{ID: "r", Type: "consecutive", KPIs: "*"}}, Users: []auth.User{{Login: "a", Role: auth.Viewer, Disabled: true, Scopes: auth.Scopes{Countries: []string{"MX"}, Modules: []string{"sales"}}}}},
			"alerts": &alertsView{page: e.srv.newPage(r, c, "alerts.title"), Flash: "f", Hours: []int{4}, Groups: []alertGroup{{State: "firing",
				Alerts: []alertItem{{Alert: alert.Alert{ID: "a", KPI: "csat", State: "firing", Scope: map[string]string{"country": "CO"}, AckBy: "x", Silenced: true}, Name: "CSAT", Unit: "percent"}}}}},
			"login":    &loginView{page: e.srv.newPage(r, c, "login.title"), Error: "e"},
			"error":    &errorView{page: e.srv.newPage(r, c, "error.title"), Code: 500, Message: "m"},
			"error ":   &errorView{page: e.srv.newPage(r, c, "error.title_forbidden"), Code: 403, Message: "m", Hint: "h"},
			"channel":  channelTestView(e.srv.newPage(r, c, "channel.title_edit"), true),
			"channel ": channelTestView(e.srv.newPage(r, c, "channel.title_new"), false),
			"login ":   &loginView{page: e.srv.newPage(r, c, "login.title"), AskTenant: true, Tenant: "acme"},
		}
		for name, v := range views {
			rec := httptest.NewRecorder()
			e.srv.render(rec, r, http.StatusOK, strings.TrimSpace(name), v)
			if rec.Code != http.StatusOK {
				t.Errorf("%s %s: %d %s", lang, name, rec.Code, rec.Body.String())
			}
			checkRendered(t, lang+" "+name, rec.Body.String())
		}
	}
}
