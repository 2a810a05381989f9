package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"pulso/internal/metric"
	"pulso/internal/record"
)

// leakCheck finds, in a response body, any sign of data outside a scope.
type leakCheck struct {
	name     string
	patterns []*regexp.Regexp
}

var countryNames = map[string][]string{
	"AR": {"Argentina", "阿根廷"}, "BR": {"Brazil", "Brasil", "巴西"}, "CL": {"Chile", "智利"},
	"CO": {"Colombia", "Colômbia", "哥伦比亚"}, "PE": {"Peru", "Perú", "秘鲁"}, "MX": {"Mexico", "México", "墨西哥"},
}

// countryLeaks: the code as a word (not pt-BR), the lower-case code inside store names
// (ml-br-1), and the country's names in every language.
func countryLeaks(codes ...string) leakCheck {
	lc := leakCheck{name: "countries " + strings.Join(codes, ",")}
	for _, c := range codes {
		lc.patterns = append(lc.patterns, regexp.MustCompile(`(^|[^-\w])`+c+`\b`), regexp.MustCompile(`-`+strings.ToLower(c)+`-\d`))
		for _, n := range countryNames[c] {
			lc.patterns = append(lc.patterns, regexp.MustCompile(regexp.QuoteMeta(n)))
		}
	}
	return lc
}

func platformLeaks(platforms ...string) leakCheck {
	prefix := map[string]string{"amazon": "amz-", "shopee": "shp-", "shein": "shn-", "mercadolibre": "ml-"}
	lc := leakCheck{name: "platforms " + strings.Join(platforms, ",")}
	for _, p := range platforms {
		lc.patterns = append(lc.patterns, regexp.MustCompile(`\b`+p+`\b`), regexp.MustCompile(`\b`+prefix[p]+`[a-z]{2}-\d`))
	}
	return lc
}

// moduleLeaks: links to or ids of KPIs of other modules.
func moduleLeaks(cat *metric.Catalog, allowed ...string) leakCheck {
	lc := leakCheck{name: "modules other than " + strings.Join(allowed, ",")}
	for _, d := range cat.All() {
		ok := false
		for _, m := range allowed {
			ok = ok || d.Module == m
		}
		if !ok {
			lc.patterns = append(lc.patterns, regexp.MustCompile(`(/kpi/|data-kpi="|"kpi": ")`+d.ID+`\b`))
		}
	}
	return lc
}

func (lc leakCheck) find(body string) string {
	body = strings.ReplaceAll(body, "pt-BR", "pt-xx")
	for _, p := range lc.patterns {
		if loc := p.FindStringIndex(body); loc != nil {
			return fmt.Sprintf("%q near %q", body[loc[0]:loc[1]], body[max(0, loc[0]-100):min(len(body), loc[1]+60)])
		}
	}
	return ""
}

// scopeRoutes are every GET route of pages and API, with and without filters, including direct
// URLs that name data outside the scopes tested.
var scopeRoutes = []string{
	"/", "/?period=week", "/?period=month", "/?period=day&platform=mercadolibre", "/?format=csv",
	"/kpi/late_shipment_rate", "/kpi/late_shipment_rate?by=store", "/kpi/late_shipment_rate?by=platform", "/kpi/late_shipment_rate?by=carrier",
	"/kpi/late_shipment_rate?format=csv", "/kpi/gmv?grain=week&by=category", "/kpi/customs_hold_rate?by=carrier",
	"/kpi/first_response_hours?by=channel", "/kpi/csat", "/kpi/parcel_loss_rate?country=MX&by=carrier",
	"/kpi/customs_hold_rate?country=BR", "/kpi/gmv?platform=amazon", "/kpi/data_freshness_hours",
	"/kpi/late_shipment_rate/records?from=2026-11-01&to=2026-11-25",
	"/kpi/first_response_hours/records?from=2026-11-01&to=2026-11-25",
	"/kpi/late_shipment_rate/records?from=2026-11-01&to=2026-11-25&country=BR",
	"/kpi/late_shipment_rate/records?from=2026-11-01&to=2026-11-25&format=csv",
	"/kpi/first_response_hours/records?from=2026-11-01&to=2026-11-25&platform=amazon",
	"/alerts", "/alerts?format=csv", "/sources", "/sources?format=csv", "/targets", "/targets?format=csv", "/settings", "/import",
	"/api/v1/board", "/api/v1/board?period=28d", "/api/v1/board?format=csv", "/api/v1/kpis",
	"/api/v1/kpis/late_shipment_rate/series?by=country", "/api/v1/kpis/late_shipment_rate/series?by=store",
	"/api/v1/kpis/late_shipment_rate/series", "/api/v1/kpis/late_shipment_rate/series?by=platform&grain=week",
	"/api/v1/kpis/customs_hold_rate/series?by=country&country=BR", "/api/v1/kpis/gmv/series?by=country&platform=amazon",
	"/api/v1/kpis/first_response_hours/series?by=country,channel", "/api/v1/kpis/data_freshness_hours/series?by=kind,source",
	"/api/v1/kpis/late_shipment_rate/records?from=2026-11-01&to=2026-11-25",
	"/api/v1/kpis/late_shipment_rate/records?from=2026-11-01&to=2026-11-25&country=BR",
	"/api/v1/alerts", "/api/v1/sources", "/api/v1/targets",
}

// refusal is the sentence of a 403 page that says what was refused.
var refusal = regexp.MustCompile(`(?s)<p class="flash error" role="alert">.*?</p>`)

// No response of any route, for any role and scope, carries data outside the user's scope; a
// direct URL to such data answers 403 (or shows nothing).
func TestNoResponseLeaksOutsideScope(t *testing.T) {
	e := sharedEnv(t)
	cat, err := metric.Standard(record.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		login  string
		checks []leakCheck
	}{
		{"mx-viewer", []leakCheck{countryLeaks("BR", "AR", "CL", "CO", "PE")}},
		{"mx-manager", []leakCheck{countryLeaks("BR", "AR", "CL", "CO", "PE")}},
		{"mx-analyst", []leakCheck{countryLeaks("BR", "AR", "CL", "CO", "PE")}},
		{"br-co-viewer", []leakCheck{countryLeaks("MX", "AR", "CL", "PE")}},
		{"ml-viewer", []leakCheck{platformLeaks("amazon", "shopee", "shein")}},
		{"mx-service", []leakCheck{countryLeaks("BR", "AR", "CL", "CO", "PE"), moduleLeaks(cat, "service")}},
	}
	for _, tc := range cases {
		for _, route := range scopeRoutes {
			for _, via := range []string{"session", "token"} {
				if via == "token" && !strings.HasPrefix(route, "/api/") {
					continue
				}
				var rec = e.get(t, tc.login, route)
				if via == "token" {
					rec = e.request(t, "", http.MethodGet, route, nil, map[string]string{"Authorization": "Bearer " + e.tokens[tc.login]})
				}
				body := rec.Body.String()
				if rec.Code >= 500 {
					t.Errorf("%s %s (%s): status %d: %.300s", tc.login, route, via, rec.Code, body)
				}
				if rec.Code == http.StatusOK && strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") {
					continue
				}
				if rec.Code == http.StatusForbidden {
					// the refusal names what the user asked for (the country in their own URL);
					// the rest of the page must still hold nothing outside their scope
					body = refusal.ReplaceAllString(body, "")
				}
				for _, lc := range tc.checks {
					if leak := lc.find(body); leak != "" {
						t.Errorf("%s %s (%s, %d): leaks %s: %s", tc.login, route, via, rec.Code, lc.name, leak)
					}
				}
			}
		}
	}
}

// Direct URLs to data outside the scope answer 403.
func TestOutOfScopeURLsForbidden(t *testing.T) {
	e := sharedEnv(t)
	cases := []struct {
		login, route string
		want         int
	}{
		{"mx-viewer", "/kpi/customs_hold_rate?country=BR", http.StatusForbidden},
		{"mx-viewer", "/?platform=amazon", http.StatusOK},
		{"mx-viewer", "/kpi/late_shipment_rate/records?from=2026-11-01&to=2026-11-25&country=BR", http.StatusForbidden},
		{"mx-viewer", "/api/v1/kpis/customs_hold_rate/series?country=BR", http.StatusForbidden},
		{"mx-viewer", "/api/v1/kpis/late_shipment_rate/records?from=2026-11-01&to=2026-11-25&country=BR", http.StatusForbidden},
		{"ml-viewer", "/kpi/gmv?platform=amazon", http.StatusForbidden},
		{"ml-viewer", "/api/v1/kpis/gmv/series?platform=amazon", http.StatusForbidden},
		{"mx-service", "/kpi/gmv", http.StatusForbidden},
		{"mx-service", "/api/v1/kpis/gmv/series", http.StatusForbidden},
		{"mx-service", "/kpi/gmv/records?from=2026-11-01&to=2026-11-25", http.StatusForbidden},
		{"mx-viewer", "/kpi/customs_hold_rate?country=MX", http.StatusOK},
		{"viewer", "/import", http.StatusForbidden},
		{"viewer", "/?format=csv", http.StatusForbidden},
		{"analyst", "/?format=csv", http.StatusOK},
		{"analyst", "/import", http.StatusOK},
		{"viewer", "/api/v1/board?format=csv", http.StatusForbidden},
	}
	for _, tc := range cases {
		if rec := e.get(t, tc.login, tc.route); rec.Code != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.login, tc.route, rec.Code, tc.want)
		}
	}
}

// The checks above would see a leak: an unrestricted user gets every country, platform and
// module from the same routes.
func TestLeakChecksSeeData(t *testing.T) {
	e := sharedEnv(t)
	cat, _ := metric.Standard(record.NewCatalog())
	checks := []leakCheck{countryLeaks("BR"), countryLeaks("MX"), platformLeaks("amazon"), moduleLeaks(cat, "service")}
	for _, route := range []string{"/", "/api/v1/board", "/kpi/late_shipment_rate?by=platform", "/alerts"} {
		body := e.get(t, "admin", route).Body.String()
		for _, lc := range checks[:2] {
			if lc.find(body) == "" {
				t.Errorf("admin %s: no %s: the leak check is blind", route, lc.name)
			}
		}
	}
	if checks[2].find(e.get(t, "admin", "/kpi/late_shipment_rate?by=platform").Body.String()) == "" {
		t.Error("admin: no amazon in the platform breakdown: the leak check is blind")
	}
	if checks[3].find(e.get(t, "admin", "/").Body.String()) == "" {
		t.Error("admin: no non-service KPI on the board: the leak check is blind")
	}
}
