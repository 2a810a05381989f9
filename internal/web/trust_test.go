package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pulso/internal/metric"
)

// Finding 3: a first-time visitor (no cookie at all) got 500 on every signed-in page.
func TestFirstVisitLandsOnLogin(t *testing.T) {
	e := sharedEnv(t)
	for _, p := range []string{"/", "/kpi/gmv", "/alerts", "/sources", "/import", "/targets", "/settings", "/kpi/gmv/records?from=2026-11-01&to=2026-11-02"} {
		rec := e.get(t, "", p)
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("GET %s without a cookie: %d Location %q, want 303 to /login", p, rec.Code, loc)
		}
	}
	// An expired or made-up session cookie is signed out too, and the cookie is cleared.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "no-such-session"})
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("GET / with an unknown session: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := e.get(t, "", "/login"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="password"`) {
		t.Errorf("GET /login: %d", rec.Code)
	}
}

// Finding 4: /login?next=/%09/evil.example redirected to "/\t/evil.example", which browsers
// read as //evil.example. Every target that leaves the site becomes "/".
func TestLocalPathKeepsRedirectsOnSite(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/alerts", "/alerts"},
		{"/kpi/gmv?grain=week&country=MX", "/kpi/gmv?grain=week&country=MX"},
		{"/kpi/gmv#chart", "/kpi/gmv#chart"},
		{"", "/"},
		{"alerts", "/"},
		{"//evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/\\/evil.example", "/"},
		{"/x\\..\\\\evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/\u00a0/evil.example", "/"},
		{"/\u3000/evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"https://evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/" + strings.Repeat("a", 3000), "/"},
		{"/\xff/evil.example", "/"},
	} {
		if got := localPath(c.in); got != c.want {
			t.Errorf("localPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Through the login page: the form carries the cleaned target.
	for _, q := range []string{"/%09/evil.example", "/%5Cevil.example", "//evil.example", "https://evil.example"} {
		rec := sharedEnv(t).get(t, "", "/login?next="+q)
		if got := regexpFind(rec.Body.String(), `(?s)action="/login">.*?name="next" value="([^"]*)"`); got != "/" {
			t.Errorf("login?next=%s: the form sends the user to %q, want /", q, got)
		}
	}
}

// FuzzLocalPath: whatever the input, the result is "/" or a path a browser resolves on this
// site (it starts with one slash, and no byte a browser strips or folds into a slash follows).
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/alerts", "//x", "/\t/x", "/\\x", "/%09/x", "https://x", "/a?b=c#d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := localPath(in)
		if got == "/" {
			return
		}
		if got != in || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") ||
			strings.ContainsAny(got, "\t\r\n\\ \x00") {
			t.Fatalf("localPath(%q) = %q", in, got)
		}
		req, err := http.NewRequest(http.MethodGet, "https://pulso.example"+got, nil)
		if err != nil {
			return
		}
		if req.URL.Host != "pulso.example" {
			t.Fatalf("localPath(%q) = %q resolves to host %q", in, got, req.URL.Host)
		}
	})
}

// Finding 5: NaN/Inf reached the targets form, and JSON answers were sent as 200 with an
// empty body when encoding failed.
func TestNonFiniteRefused(t *testing.T) {
	e := sharedEnv(t)
	before, err := e.st.Targets(t.Context(), "default")
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for _, v := range []string{"NaN", "nan", "Inf", "+Inf", "-Infinity", "1e999", "1e400%"} {
		rec := e.request(t, "admin", http.MethodPost, "/targets", form("kpi", "late_shipment_rate", "value", v, "effective_from", "2026-11-01"), hdr)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("target value %q: %d, want 400", v, rec.Code)
		}
		rec = e.request(t, "admin", http.MethodPost, "/targets", form("kpi", "late_shipment_rate", "value", "4%", "yellow", v, "effective_from", "2026-11-01"), hdr)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("yellow band %q: %d, want 400", v, rec.Code)
		}
	}
	after, err := e.st.Targets(t.Context(), "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("refused targets were stored: %d → %d rows", len(before), len(after))
	}

	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, map[string]any{"value": math.Inf(1)})
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	if rec.Code != http.StatusInternalServerError || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error.Code != "internal" {
		t.Errorf("writeJSON(+Inf): %d %q, want 500 with a JSON error", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	writeJSON(rec, http.StatusCreated, map[string]any{"value": 1.5})
	if rec.Code != http.StatusCreated || !bytes.Contains(rec.Body.Bytes(), []byte(`"value": 1.5`)) {
		t.Errorf("writeJSON(1.5): %d %q", rec.Code, rec.Body.String())
	}
}

// Finding 10: a year-0001 date in a query answered 500.
func TestOutOfRangeDatesAreBadParameters(t *testing.T) {
	e := sharedEnv(t)
	for _, p := range []string{
		"/?date=0001-01-01", "/?date=9999-12-31", "/kpi/gmv?from=0001-01-01", "/kpi/gmv?to=0001-01-01",
		"/kpi/gmv/records?from=0001-01-01&to=0001-01-02", "/api/v1/board?date=0001-01-01",
		"/api/v1/kpis/gmv/series?from=0001-01-01&to=2026-11-01", "/api/v1/kpis/gmv/records?from=1899-12-31&to=1900-01-01",
	} {
		if rec := e.get(t, "admin", p); rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", p, rec.Code)
		}
	}
	if rec := e.get(t, "admin", "/?date=2026-11-20"); rec.Code != http.StatusOK {
		t.Errorf("a date in range: %d", rec.Code)
	}
}

// Finding 1: a Mexico-only analyst uploading a row with a Brazilian order's key and
// country=MX replaced the Brazilian order; an fx_rates upload changed Brazil's GMV ×10⁴.
func TestRestrictedImportCannotOverwriteOtherCountries(t *testing.T) {
	e := sharedEnv(t)
	ctx := t.Context()
	var platform, store, id, currency string
	var gross float64
	var created time.Time
	if err := e.st.DB().QueryRowContext(ctx, `SELECT platform, store, order_id, currency, gross_amount, created_at FROM orders
		WHERE tenant_id = 'default' AND country = 'BR' AND gross_amount > 0 ORDER BY order_id LIMIT 1`).Scan(&platform, &store, &id, &currency, &gross, &created); err != nil {
		t.Fatal(err)
	}
	day := created.In(time.FixedZone("BRT", -3*3600)).Format(time.DateOnly)
	series := func() string {
		rec := e.get(t, "admin", "/api/v1/kpis/gmv/series?grain=day&by=country&from="+day+"&to="+day)
		if rec.Code != http.StatusOK {
			t.Fatalf("series: %d %s", rec.Code, rec.Body.String())
		}
		return rec.Body.String()
	}
	gmv := series()
	fxRows := func() string {
		var n int
		var sum float64
		if err := e.st.DB().QueryRowContext(ctx, `SELECT count(*), coalesce(sum(per_usd), 0) FROM fx_rates WHERE tenant_id = 'default'`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(n, sum)
	}
	fx := fxRows()

	attack := fmt.Sprintf("order_id,platform,country,store,created_at,status,currency,gross_amount\n%s,%s,MX,%s,%s,paid,MXN,0.01\n",
		id, platform, store, created.UTC().Format(time.RFC3339))
	bearer := map[string]string{"Authorization": "Bearer " + e.tokens["mx-analyst"], "Content-Type": "text/csv"}
	rec := e.request(t, "", http.MethodPost, "/api/v1/imports?kind=orders", strings.NewReader(attack), bearer)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "out_of_scope") || !strings.Contains(rec.Body.String(), id) {
		t.Errorf("API: MX row over a BR order: %d %s", rec.Code, rec.Body.String())
	}
	// The same through the page: check, then commit.
	body, ct := multipartBody(t, map[string]string{"kind": "orders"}, "o.csv", attack)
	rec = e.request(t, "mx-analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
	if up := regexpFind(rec.Body.String(), `name="upload" value="([^"]+)"`); up != "" {
		rec = e.request(t, "mx-analyst", http.MethodPost, "/import/commit", form("upload", up), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if rec.Code != http.StatusForbidden {
			t.Errorf("page: MX row over a BR order committed: %d", rec.Code)
		}
	}
	var after float64
	var country string
	if err := e.st.DB().QueryRowContext(ctx, `SELECT country, gross_amount FROM orders WHERE tenant_id = 'default' AND platform = $1 AND store = $2 AND order_id = $3`,
		platform, store, id).Scan(&country, &after); err != nil {
		t.Fatal(err)
	}
	if country != "BR" || after != gross {
		t.Errorf("the BR order is now %s %v, want BR %v", country, after, gross)
	}
	if got := series(); got != gmv {
		t.Errorf("Brazil's GMV of %s changed", day)
	}

	fxFile := "date,currency,per_usd\n" + day + ",BRL,50000\n"
	rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=fx_rates", strings.NewReader(fxFile), bearer)
	if rec.Code != http.StatusForbidden {
		t.Errorf("API: fx rates by an MX analyst: %d %s", rec.Code, rec.Body.String())
	}
	if got := fxRows(); got != fx {
		t.Errorf("fx_rates changed: %s → %s", fx, got)
	}
	if got := series(); got != gmv {
		t.Errorf("GMV changed after the fx upload")
	}
}

// The audit trail keeps who saw and who exported which records.
func TestRecordViewsAreAudited(t *testing.T) {
	e := sharedEnv(t)
	find := func(action, login, want string) bool {
		rows, err := e.st.AuditLog(t.Context(), "default", 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range rows {
			if a.Action == action && a.Login == login && a.Object == "kpi:gmv" && strings.Contains(a.Detail, want) {
				return true
			}
		}
		return false
	}
	if rec := e.get(t, "mx-manager", "/kpi/gmv/records?from=2026-11-20&to=2026-11-21&country=MX"); rec.Code != http.StatusOK {
		t.Fatalf("records page: %d", rec.Code)
	}
	if !find("records.view", "mx-manager", "2026-11-20") {
		t.Error("no records.view entry for mx-manager")
	}
	if rec := e.get(t, "analyst", "/api/v1/kpis/gmv/records?from=2026-11-22&to=2026-11-22&format=csv"); rec.Code != http.StatusOK {
		t.Fatalf("records export: %d", rec.Code)
	}
	if !find("records.export", "analyst", "csv") {
		t.Error("no records.export entry for analyst")
	}
}

// A missing exchange rate is the seller's data to fix: pages and the API say which currency
// and day lack a rate (422), never "something went wrong" (500).
func TestMissingFXRateIsNotAFault(t *testing.T) {
	e := sharedEnv(t)
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	err := fmt.Errorf("board: %w", &metric.FXMissingError{Currency: "BRL", Day: day, Report: "CNY"})
	r := httptest.NewRequest(http.MethodGet, "/kpi/gmv?currency=CNY", nil)
	ue := e.srv.classify(r, err)
	if ue.status != http.StatusUnprocessableEntity || ue.code != "fx_missing" {
		t.Fatalf("classified as %d %s, want 422 fx_missing", ue.status, ue.code)
	}
	for lang, want := range map[string]string{
		"en":    "No exchange rate for BRL on or before 2026-11-20, so amounts cannot be shown in CNY.",
		"es":    "No hay tipo de cambio para BRL en o antes del 2026-11-20",
		"pt-BR": "Não há câmbio para BRL em ou antes de 2026-11-20",
		"zh-CN": "BRL 在 2026-11-20 及之前没有汇率",
	} {
		if got := e.srv.cfg.Bundle.For(lang).MustT(ue.key, ue.data); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want it to contain %q", lang, got, want)
		}
	}
}
