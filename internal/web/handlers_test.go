package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"pulso/internal/alert"
)

func TestSecurityHeaders(t *testing.T) {
	e := sharedEnv(t)
	for _, p := range []string{"/login", "/", "/api/v1/board"} {
		rec := e.get(t, "admin", p)
		h := rec.Header()
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
			if h.Get(k) != want {
				t.Errorf("%s: %s = %q, want %q", p, k, h.Get(k), want)
			}
		}
	}
	// no inline script or style, no outside URL in any page
	body := e.get(t, "admin", "/kpi/late_shipment_rate").Body.String()
	for _, bad := range []string{"<script>", "style=", "<style", "https://", "http://", " onclick", " onchange"} {
		if strings.Contains(body, bad) {
			t.Errorf("KPI page contains %q", bad)
		}
	}
}

func TestStaticAssetsHashed(t *testing.T) {
	e := sharedEnv(t)
	body := e.get(t, "admin", "/kpi/gmv").Body.String()
	for _, name := range []string{"app.css", "app.js", "vendor/htmx.min.js", "vendor/echarts.min.js"} {
		u, err := e.srvAssets().URL(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, u) {
			t.Errorf("page does not reference %s as %s", name, u)
		}
		rec := e.get(t, "", u)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || rec.Body.Len() < 100 {
			t.Errorf("%s: %d %q %d bytes", u, rec.Code, rec.Header().Get("Cache-Control"), rec.Body.Len())
		}
	}
	if rec := e.get(t, "", "/static/app.css"); rec.Code != http.StatusNotFound {
		t.Errorf("unhashed asset URL: %d", rec.Code)
	}
}

func (e *testEnv) srvAssets() *assets {
	a, err := loadAssets()
	if err != nil {
		panic(err)
	}
	return a
}

func TestLoginLogout(t *testing.T) {
	e := sharedEnv(t)
	// The login form sets the pre-session cookie its CSRF token is bound to.
	rec := e.get(t, "", "/login?next=/alerts")
	var pre string
	for _, c := range rec.Result().Cookies() {
		if c.Name == preCookie {
			pre = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("pre-session cookie flags: %+v", c)
			}
		}
	}
	if pre == "" || !strings.Contains(rec.Body.String(), csrfToken(pre)) {
		t.Fatalf("login page: no pre-session cookie or token")
	}
	post := func(vals url.Values, withCSRF bool) *httptest.ResponseRecorder {
		if withCSRF {
			vals.Set("csrf", csrfToken(pre))
		}
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: preCookie, Value: pre})
		req.RemoteAddr = "198.51.100.7:1234"
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post(url.Values{"login": {"viewer"}, "password": {testPassword}, "next": {"/alerts"}}, false); rec.Code != http.StatusForbidden {
		t.Errorf("login without CSRF token: %d", rec.Code)
	}
	if rec := post(url.Values{"login": {"viewer"}, "password": {"wrong password!"}}, true); rec.Code != http.StatusUnauthorized ||
		!strings.Contains(rec.Body.String(), "Wrong login or password") {
		t.Errorf("wrong password: %d", rec.Code)
	}
	rec = post(url.Values{"login": {"viewer"}, "password": {testPassword}, "next": {"/alerts"}}, true)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/alerts" {
		t.Fatalf("login: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	var sess *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			sess = c
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/" {
		t.Fatalf("session cookie: %+v", sess)
	}
	// an outside "next" is not followed
	if rec := post(url.Values{"login": {"viewer"}, "password": {testPassword}, "next": {"//evil.example/x"}}, true); rec.Header().Get("Location") != "/" {
		t.Errorf("open redirect: %q", rec.Header().Get("Location"))
	}
	e.sessions["tmp-viewer"] = sess.Value
	if rec := e.get(t, "tmp-viewer", "/"); rec.Code != http.StatusOK {
		t.Errorf("board after login: %d", rec.Code)
	}
	// logout needs the CSRF token, then ends the session
	req := httptest.NewRequest(http.MethodPost, "/logout", nil)
	req.AddCookie(sess)
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d", rec.Code)
	}
	if rec := e.request(t, "tmp-viewer", http.MethodPost, "/logout", nil, nil); rec.Code != http.StatusSeeOther {
		t.Errorf("logout: %d", rec.Code)
	}
	if rec := e.get(t, "tmp-viewer", "/"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("board after logout: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestAPIAuth(t *testing.T) {
	e := sharedEnv(t)
	rec := e.get(t, "", "/api/v1/board")
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"code": "unauthorized"`) {
		t.Errorf("no credentials: %d %s", rec.Code, rec.Body.String())
	}
	rec = e.request(t, "", http.MethodGet, "/api/v1/board", nil, map[string]string{"Authorization": "Bearer pulso_nope"})
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("bad token: %d", rec.Code)
	}
	rec = e.request(t, "", http.MethodGet, "/api/v1/sources", nil, map[string]string{"Authorization": "Bearer " + e.tokens["viewer"]})
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("token: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	// viewer may not acknowledge; a session without the CSRF header may not post
	rec = e.request(t, "", http.MethodPost, "/api/v1/alerts/x/ack", nil, map[string]string{"Authorization": "Bearer " + e.tokens["viewer"]})
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "forbidden") {
		t.Errorf("viewer ack: %d %s", rec.Code, rec.Body.String())
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/alerts/x/ack", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: e.sessions["manager"]})
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "csrf") {
		t.Errorf("cookie post without CSRF: %d %s", rec.Code, rec.Body.String())
	}
	if rec := e.get(t, "admin", "/api/v1/nope"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown API route: %d", rec.Code)
	}
}

func TestBoardAPI(t *testing.T) {
	e := sharedEnv(t)
	rec := e.get(t, "admin", "/api/v1/board?period=week&date=2026-11-22")
	var b board
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("%v: %s", err, rec.Body.String())
	}
	if strings.Join(b.Countries, ",") != "AR,BR,CL,CO,MX" || b.From != "2026-11-16" || b.To != "2026-11-22" {
		t.Errorf("countries %v, %s..%s", b.Countries, b.From, b.To)
	}
	statuses := map[string]int{}
	for _, m := range b.Modules {
		for _, k := range m.KPIs {
			if len(k.Cells) != len(b.Countries) {
				t.Errorf("%s: %d cells", k.ID, len(k.Cells))
			}
			for _, c := range k.Cells {
				statuses[c.Status]++
			}
		}
	}
	if statuses["green"] == 0 || statuses["red"] == 0 {
		t.Errorf("statuses %v", statuses)
	}
	// the injected Brazil customs problem is red on the board
	for _, m := range b.Modules {
		for _, k := range m.KPIs {
			if k.ID == "customs_hold_rate" {
				for _, c := range k.Cells {
					if c.Country == "BR" && c.Status != "red" {
						t.Errorf("BR customs_hold_rate: %s", c.Status)
					}
				}
			}
		}
	}
	rec = e.get(t, "admin", "/api/v1/board?period=year")
	if rec.Code != http.StatusBadRequest {
		t.Errorf("bad period: %d", rec.Code)
	}
}

func TestSeriesAPI(t *testing.T) {
	e := sharedEnv(t)
	rec := e.get(t, "admin", "/api/v1/kpis/parcel_loss_rate/series?grain=week&from=2026-11-02&to=2026-11-22&by=country,carrier&country=MX")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	var out struct {
		Rows []seriesRow `json:"rows"`
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	carriers := map[string]bool{}
	for _, r := range out.Rows {
		if r.Scope["country"] != "MX" {
			t.Errorf("row outside the filter: %v", r.Scope)
		}
		carriers[r.Scope["carrier"]] = true
		if r.Period < "2026-11-02" || r.Period > "2026-11-16" {
			t.Errorf("period %s", r.Period)
		}
	}
	if !carriers["estafeta"] {
		t.Errorf("carriers %v", carriers)
	}
	if rec := e.get(t, "admin", "/api/v1/kpis/parcel_loss_rate/series?by=category"); rec.Code != http.StatusBadRequest {
		t.Errorf("breakdown not allowed: %d", rec.Code)
	}
	if rec := e.get(t, "admin", "/api/v1/kpis/nope/series"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown KPI: %d", rec.Code)
	}
	// CSV export of the series
	rec = e.get(t, "analyst", "/api/v1/kpis/gmv/series?by=country&format=csv")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") || !strings.Contains(rec.Body.String(), "period,scope,value") {
		t.Errorf("csv: %d %q %.100s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	rec = e.get(t, "analyst", "/kpi/gmv?format=xlsx")
	if rec.Code != http.StatusOK || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PK")) {
		t.Errorf("xlsx: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestRecordsHidePersonalData(t *testing.T) {
	e := sharedEnv(t)
	rec := e.get(t, "admin", "/api/v1/kpis/seller_cancellation_rate/records?from=2026-11-01&to=2026-11-25&country=MX")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	body := rec.Body.String()
	if strings.Contains(body, "buyer_ref") || strings.Contains(body, "attrs") {
		t.Error("records show personal columns")
	}
	var r struct {
		Kind    string   `json:"kind"`
		Columns []string `json:"columns"`
		Rows    [][]any  `json:"rows"`
		More    bool     `json:"more"`
	}
	json.Unmarshal(rec.Body.Bytes(), &r)
	if r.Kind != "orders" || len(r.Rows) == 0 || len(r.Rows) > recordsPerPage {
		t.Fatalf("kind %s, %d rows", r.Kind, len(r.Rows))
	}
	ci, si := -1, -1
	for i, c := range r.Columns {
		switch c {
		case "country":
			ci = i
		case "cancel_by":
			si = i
		}
	}
	for _, row := range r.Rows {
		if row[ci] != "MX" || row[si] != "seller" {
			t.Errorf("record not behind the numerator (seller cancellations in MX): %v %v", row[ci], row[si])
		}
	}
	// pages: 50 rows each, newest first, the next page goes on where the first ended
	var p1, p2 struct {
		Rows [][]any `json:"rows"`
		More bool    `json:"more"`
	}
	json.Unmarshal(e.get(t, "admin", "/api/v1/kpis/orders/records?from=2026-11-01&to=2026-11-25").Body.Bytes(), &p1)
	json.Unmarshal(e.get(t, "admin", "/api/v1/kpis/orders/records?from=2026-11-01&to=2026-11-25&page=2").Body.Bytes(), &p2)
	if len(p1.Rows) != recordsPerPage || !p1.More || len(p2.Rows) != recordsPerPage || p1.Rows[0][0] == p2.Rows[0][0] {
		t.Errorf("paging: %d %v, %d", len(p1.Rows), p1.More, len(p2.Rows))
	}
	if rec := e.get(t, "admin", "/api/v1/kpis/orders/records?from=2026-11-01&to=2026-11-25&measure=nope"); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown measure: %d", rec.Code)
	}
	page := e.get(t, "admin", "/kpi/seller_cancellation_rate/records?from=2026-11-01&to=2026-11-25&country=MX").Body.String()
	if !strings.Contains(page, "<table") || strings.Contains(page, "buyer_ref") {
		t.Error("records page")
	}
}

func firstAlert(t *testing.T, e *testEnv, login string, state alert.State, country string) alertItem {
	t.Helper()
	rec := e.get(t, login, "/api/v1/alerts?state="+string(state))
	var out struct {
		Alerts []alertItem `json:"alerts"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	for _, a := range out.Alerts {
		if a.Scope["country"] == country && !a.Silenced {
			return a
		}
	}
	t.Fatalf("no %s alert in %s for %s", state, country, login)
	return alertItem{}
}

func TestAlertAckAndSilence(t *testing.T) {
	e := sharedEnv(t)
	a := firstAlert(t, e, "admin", alert.Firing, "CO")
	// a Mexico manager cannot acknowledge a Colombian alert: it does not exist for them
	if rec := e.request(t, "mx-manager", http.MethodPost, "/alerts/"+a.ID+"/ack", form(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); rec.Code != http.StatusNotFound {
		t.Errorf("out-of-scope ack: %d", rec.Code)
	}
	if rec := e.request(t, "viewer", http.MethodPost, "/alerts/"+a.ID+"/ack", form(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); rec.Code != http.StatusForbidden {
		t.Errorf("viewer ack: %d", rec.Code)
	}
	rec := e.request(t, "manager", http.MethodPost, "/alerts/"+a.ID+"/ack", form(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("ack: %d %s", rec.Code, rec.Body.String())
	}
	found := false
	for _, x := range append([]alertItem{}, firstAlertList(t, e, "admin", alert.Acknowledged)...) {
		if x.ID == a.ID && x.AckBy == "manager" {
			found = true
		}
	}
	if !found {
		t.Error("alert not acknowledged")
	}
	// API ack of another one, by token
	b := firstAlert(t, e, "admin", alert.Firing, "MX")
	rec = e.request(t, "", http.MethodPost, "/api/v1/alerts/"+b.ID+"/ack", nil, map[string]string{"Authorization": "Bearer " + e.tokens["mx-manager"]})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"state": "acknowledged"`) {
		t.Errorf("API ack: %d %s", rec.Code, rec.Body.String())
	}
	// silence adds to the alerting configuration and marks the alert
	c := firstAlert(t, e, "admin", alert.Firing, "BR")
	rec = e.request(t, "manager", http.MethodPost, "/alerts/"+c.ID+"/silence", form("hours", "24"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("silence: %d %s", rec.Code, rec.Body.String())
	}
	cfg, err := e.st.Setting(t.Context(), "default", "alerting")
	if err != nil || !strings.Contains(cfg, "silences:") || !strings.Contains(cfg, c.KPI) || !strings.Contains(cfg, "red-3-days") {
		t.Errorf("alerting setting after silence: %v\n%s", err, cfg)
	}
}

func firstAlertList(t *testing.T, e *testEnv, login string, state alert.State) []alertItem {
	rec := e.get(t, login, "/api/v1/alerts?state="+string(state))
	var out struct {
		Alerts []alertItem `json:"alerts"`
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	return out.Alerts
}

func multipartBody(t *testing.T, fields map[string]string, file, content string) (*strings.Reader, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile("file", file)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	w.Close()
	return strings.NewReader(buf.String()), w.FormDataContentType()
}

const trafficCSV = "date,platform,store,country,visits\n2026-11-24,mercadolibre,ml-mx-1,MX,1000\n2026-11-25,mercadolibre,ml-mx-1,MX,abc\n2026-11-25,amazon,amz-mx-1,MX,1200\n"

func TestImportReportsBadRowsThenCommits(t *testing.T) {
	e := sharedEnv(t)
	body, ct := multipartBody(t, map[string]string{"kind": "traffic"}, "traffic.csv", trafficCSV)
	rec := e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
	page := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(page, `data-row="3"`) || !strings.Contains(page, "visits") || strings.Contains(page, "import-commit") {
		t.Fatalf("bad file: %d\n%s", rec.Code, page)
	}
	good := strings.Replace(trafficCSV, "abc", "900", 1)
	body, ct = multipartBody(t, map[string]string{"kind": "traffic"}, "traffic.csv", good)
	rec = e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
	page = rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(page, "import-commit") {
		t.Fatalf("good file: %d\n%s", rec.Code, page)
	}
	id := regexpFind(page, `name="upload" value="([^"]+)"`)
	// another user cannot commit it
	if rec := e.request(t, "admin", http.MethodPost, "/import/commit", form("upload", id), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); rec.Code != http.StatusBadRequest {
		t.Errorf("commit by another user: %d", rec.Code)
	}
	rec = e.request(t, "analyst", http.MethodPost, "/import/commit", form("upload", id), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "import-result") {
		t.Fatalf("commit: %d %s", rec.Code, rec.Body.String())
	}
	// a Mexico analyst may not import another country's rows
	br := "date,platform,store,country,visits\n2026-11-24,mercadolibre,ml-br-1,BR,1000\n"
	body, ct = multipartBody(t, map[string]string{"kind": "traffic"}, "t.csv", br)
	rec = e.request(t, "mx-analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `data-row="2"`) {
		t.Errorf("out-of-scope rows: %d", rec.Code)
	}
	// API: raw CSV body; a bad row answers 422 with the report
	rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic", strings.NewReader(trafficCSV),
		map[string]string{"Authorization": "Bearer " + e.tokens["analyst"], "Content-Type": "text/csv"})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"row": 3`) || !strings.Contains(rec.Body.String(), `"column": "visits"`) {
		t.Errorf("API bad file: %d %s", rec.Code, rec.Body.String())
	}
	rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic", strings.NewReader(good),
		map[string]string{"Authorization": "Bearer " + e.tokens["analyst"], "Content-Type": "text/csv"})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"read": 3`) {
		t.Errorf("API import: %d %s", rec.Code, rec.Body.String())
	}
	rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic", strings.NewReader(good),
		map[string]string{"Authorization": "Bearer " + e.tokens["viewer"], "Content-Type": "text/csv"})
	if rec.Code != http.StatusForbidden {
		t.Errorf("viewer import: %d", rec.Code)
	}
}

func regexpFind(s, re string) string {
	m := regexpMust(re).FindStringSubmatch(s)
	if len(m) < 2 {
		return ""
	}
	return m[1]
}

func TestTargetsAddVersion(t *testing.T) {
	e := sharedEnv(t)
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	rec := e.request(t, "mx-manager", http.MethodPost, "/targets", form("kpi", "late_shipment_rate", "country", "BR", "value", "3%", "yellow", "1%", "effective_from", "2026-11-01"), hdr)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("Mexico manager, Brazil target: %d", rec.Code)
	}
	rec = e.request(t, "mx-manager", http.MethodPost, "/targets", form("kpi", "late_shipment_rate", "country", "mx", "value", "3,5%", "yellow", "1%", "effective_from", "2026-11-01", "note", "web test"), hdr)
	if rec.Code != http.StatusOK {
		t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
	}
	rec = e.get(t, "mx-viewer", "/api/v1/targets")
	if !strings.Contains(rec.Body.String(), `"note": "web test"`) || !strings.Contains(rec.Body.String(), `"target": 0.035`) {
		t.Errorf("targets: %s", rec.Body.String())
	}
	if rec := e.request(t, "viewer", http.MethodPost, "/targets", form("kpi", "gmv", "value", "1"), hdr); rec.Code != http.StatusForbidden {
		t.Errorf("viewer adds target: %d", rec.Code)
	}
}

func TestUsersAndLanguage(t *testing.T) {
	e := sharedEnv(t)
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	rec := e.request(t, "admin", http.MethodPost, "/settings/users", form("login", "cs-mx@example.com", "name", "CS México", "password", "another long password",
		"role", "viewer", "lang", "es", "countries", "MX", "modules", "service"), hdr)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "cs-mx@example.com") {
		t.Fatalf("create user: %d", rec.Code)
	}
	if rec := e.request(t, "manager", http.MethodPost, "/settings/users", form("login", "x", "password", "another long password", "role", "admin"), hdr); rec.Code != http.StatusForbidden {
		t.Errorf("manager creates user: %d", rec.Code)
	}
	rec = e.request(t, "admin", http.MethodPost, "/settings/users", form("login", "short", "password", "short", "role", "viewer"), hdr)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "password") {
		t.Errorf("short password: %d", rec.Code)
	}
	// the language picker stores the language in the profile
	rec = e.request(t, "br-co-viewer", http.MethodPost, "/lang", form("lang", "pt-BR", "next", "/alerts"), hdr)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/alerts" {
		t.Fatalf("lang: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	page := e.get(t, "br-co-viewer", "/").Body.String()
	if !strings.Contains(page, `<html lang="pt-BR">`) || !strings.Contains(page, "Painel de KPIs") {
		t.Error("board not in Portuguese after choosing it")
	}
	u, _ := findUser(t.Context(), e.auth, "br-co-viewer")
	if u.Lang != "pt-BR" {
		t.Errorf("profile language %q", u.Lang)
	}
}

func TestHTMXPartial(t *testing.T) {
	e := sharedEnv(t)
	rec := e.request(t, "admin", http.MethodGet, "/?period=week", nil, map[string]string{"HX-Request": "true", "HX-Target": "main"})
	body := rec.Body.String()
	if rec.Code != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, `class="tile`) {
		t.Errorf("htmx partial: %d %.200s", rec.Code, body)
	}
}

func TestImportXLSXReportsBadRow(t *testing.T) {
	e := sharedEnv(t)
	f := excelize.NewFile()
	rows := [][]any{{"date", "platform", "store", "country", "visits"}, {"2026-11-24", "shopee", "shp-mx-1", "MX", 10}, {"2026-11-25", "shopee", "shp-mx-1", "XX", 12}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	body, ct := multipartBody(t, map[string]string{"kind": "traffic"}, "traffic.xlsx", buf.String())
	rec := e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
	page := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(page, `data-row="3"`) || !strings.Contains(page, ">country<") {
		t.Errorf("xlsx with a bad country: %d\n%s", rec.Code, page)
	}
	// a file that is not what its name says is reported, not a 500
	body, ct = multipartBody(t, map[string]string{"kind": "traffic"}, "traffic.xlsx", "not a workbook")
	if rec := e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("broken xlsx: %d", rec.Code)
	}
}

// An export with its own column names: the check finds the missing columns and offers a
// mapping; checked again with it, the file commits, and the rows land under contract names.
func TestImportColumnMapping(t *testing.T) {
	e := sharedEnv(t)
	csv := "Data,Plataforma,Loja,País,Visitas\n2026-11-20,shopee,shp-mx-9,MX,777\n"
	body, ct := multipartBody(t, map[string]string{"kind": "traffic"}, "visitas.csv", csv)
	rec := e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
	page := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="import-mapping"`) || strings.Contains(page, "import-commit") {
		t.Fatalf("unmapped file: %d\n%s", rec.Code, page)
	}
	id := regexpFind(page, `name="upload" value="([^"]+)"`)
	fields := []string{"upload", id}
	for i, m := range []string{"date", "platform", "store", "country", "visits"} {
		fields = append(fields, fmt.Sprintf("col_%d", i), strings.Split(strings.Split(csv, "\n")[0], ",")[i], fmt.Sprintf("map_%d", i), m)
	}
	form := func(kv []string) *strings.Reader {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return strings.NewReader(v.Encode())
	}
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	// A mapping to a column the kind does not have is refused.
	bad := append(append([]string(nil), fields...), "col_5", "x", "map_5", "sku")
	if rec := e.request(t, "analyst", http.MethodPost, "/import/map", form(bad), hdr); rec.Code != http.StatusBadRequest {
		t.Fatalf("mapping to a missing column: %d", rec.Code)
	}
	rec = e.request(t, "analyst", http.MethodPost, "/import/map", form(fields), hdr)
	page = rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(page, "import-commit") {
		t.Fatalf("mapped file: %d\n%s", rec.Code, page)
	}
	rec = e.request(t, "analyst", http.MethodPost, "/import/commit", form([]string{"upload", id}), hdr)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "import-result") {
		t.Fatalf("commit: %d", rec.Code)
	}
	var visits int
	if err := e.st.DB().QueryRow(`SELECT visits FROM traffic WHERE store = 'shp-mx-9' AND date = DATE '2026-11-20'`).Scan(&visits); err != nil || visits != 777 {
		t.Fatalf("stored visits %d, %v", visits, err)
	}
}
