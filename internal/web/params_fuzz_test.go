package web

import (
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// querySeeds are hostile and ordinary query strings for the decoders' fuzz tests.
var querySeeds = []string{
	"", "period=week&date=2026-11-20", "date=0001-01-01", "date=9999-12-31", "date=2026-02-30",
	"grain=month&from=2026-01-01&to=2026-11-01", "grain=decade", "from=2026-11-01&to=2025-01-01",
	"from=2000-01-01&to=2099-12-31", "to=2026-11-25&from=", "page=0", "page=-1", "page=99999999999999999999",
	"page=1e3", "format=xlsx", "format=pdf", "country=MX&country=BR", "country=%00", "by=country;DROP TABLE orders",
	"by=buyer_ref", "measure=../../etc", "category=%27%20OR%201=1--", "date=2026-11-20T00:00:00Z", "date=%E2%80%8B2026-11-20",
	"from=2026-11-01&to=2026-11-30&platform=mercadolibre&store=" + url.QueryEscape("'; select 1; --"),
	"view=current&period=week", "view=date", "view=nope", "problems=1", "problems=maybe", "currency=CNY", "currency=EUR",
	"module=customs&country=BR", "module=../x", "view=settled&date=0001-01-01",
}

// FuzzQueryDecoders: every decoder of query parameters answers a value within its documented
// bounds or a user error (4xx), never a panic and never an error that would be a 500.
func FuzzQueryDecoders(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	srv := &server{cfg: Config{Now: func() time.Time { return demoNow }}}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return // net/http answers 400 itself for a query it cannot parse
		}
		userErr := func(what string, err error) {
			var ue *userError
			if !errors.As(err, &ue) || ue.status < 400 || ue.status > 499 {
				t.Fatalf("%s(%q): %v is not a user error", what, raw, err)
			}
		}
		inRange := func(what string, d time.Time) {
			if d.Before(firstDay) || d.After(lastDay) {
				t.Fatalf("%s(%q): date %s outside the allowed years", what, raw, d)
			}
		}
		if q, err := srv.parseBoardQuery(v, &User{}); err != nil {
			userErr("parseBoardQuery", err)
		} else {
			inRange("parseBoardQuery", q.Date)
		}
		if q, err := srv.parseKPIQuery(v); err != nil {
			userErr("parseKPIQuery", err)
		} else {
			inRange("parseKPIQuery", q.From)
			inRange("parseKPIQuery", q.To)
			if q.To.Before(q.From) || q.To.Sub(q.From).Hours() > 400*24 {
				t.Fatalf("parseKPIQuery(%q): range %s..%s", raw, q.From, q.To)
			}
		}
		r := httptest.NewRequest(http.MethodGet, "/kpi/gmv/records", nil)
		r.URL.RawQuery = v.Encode()
		r.SetPathValue("id", "gmv")
		if q, err := srv.parseRecordsQuery(r); err != nil {
			userErr("parseRecordsQuery", err)
		} else if q.Page < 1 || q.Page > 100000 || q.To.Before(q.From) {
			t.Fatalf("parseRecordsQuery(%q): %+v", raw, q)
		}
		if _, err := exportFormat(r, &User{}); err != nil {
			userErr("exportFormat", err)
		}
		for _, s := range v["value"] {
			if a, ok := parseAmount(s, true); ok && (math.IsNaN(a) || math.IsInf(a, 0)) {
				t.Fatalf("parseAmount(%q) = %v", s, a)
			}
		}
	})
}

// TestHostileQueriesNever500: the read routes answer every seed with a page or a 4xx.
func TestHostileQueriesNever500(t *testing.T) {
	e := sharedEnv(t)
	for _, path := range []string{"/", "/kpi/gmv", "/kpi/late_shipment_rate/records", "/alerts", "/sources", "/targets",
		"/api/v1/board", "/api/v1/kpis/gmv/series", "/api/v1/kpis/gmv/records", "/api/v1/alerts", "/api/v1/targets"} {
		for _, seed := range querySeeds {
			v, err := url.ParseQuery(seed)
			if err != nil {
				v = url.Values{"raw": {seed}}
			}
			q := v.Encode()
			for _, login := range []string{"admin", "mx-viewer"} {
				rec := e.get(t, login, path+"?"+q)
				if rec.Code >= 500 {
					t.Errorf("%s GET %s?%s: %d", login, path, q, rec.Code)
				}
			}
		}
	}
}
