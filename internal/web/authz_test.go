package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"pulso/internal/alert"
	"pulso/internal/auth"
	"pulso/internal/monitor"
	"pulso/internal/store"
)

// The authorization matrix: every route × every fixture user (each role, country, platform
// and module scope, and an admin of another tenant). Each request's outcome is predicted by
// the policy below — written out here from the role table, independently of auth's — and
// every request, allowed or not, is followed by a look at the stored data: a refused request
// changed nothing, and no request of another tenant changed this one.

// matrixUser is who sends a request, with what the policy needs to know of them.
type matrixUser struct {
	login     string
	role      auth.Role
	countries []string // empty: all
	platforms []string
	modules   []string
	tenant    string
}

// may is the role table as the product documents it (README, docs/security.md).
func (u matrixUser) may(a auth.Action) bool {
	switch u.role {
	case auth.Admin:
		return true
	case auth.Manager:
		return !slices.Contains([]auth.Action{auth.ManageUsers, auth.ManageChannels, auth.ViewAudit}, a)
	case auth.Analyst:
		return slices.Contains([]auth.Action{auth.View, auth.Export, auth.Import}, a)
	case auth.Viewer:
		return a == auth.View
	}
	return false
}

func (u matrixUser) country(c string) bool {
	return len(u.countries) == 0 || slices.Contains(u.countries, c)
}
func (u matrixUser) platform(p string) bool {
	return len(u.platforms) == 0 || slices.Contains(u.platforms, p)
}
func (u matrixUser) module(m string) bool {
	return len(u.modules) == 0 || slices.Contains(u.modules, m)
}
func (u matrixUser) home() bool { return u.tenant == "default" }

// outcome is what a request should do: answer ok (2xx or a redirect) or be refused (4xx),
// and change this tenant's stored data or not.
type outcome struct {
	ok, changes bool
}

type matrixCase struct {
	name   string
	method string
	path   string
	// body and content type of the request (forms get the CSRF token from request())
	body func(u matrixUser) (string, string)
	// want predicts the outcome for a user
	want func(u matrixUser) outcome
	// restore puts back what an allowed request changed, so the next user meets the same state
	restore bool
	// undo, when set, puts back what an allowed request changed to accounts
	undo func()
}

func TestAuthorizationMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds its own demo database")
	}
	e, err := buildEnv("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close(); os.RemoveAll(e.dir) })
	ctx := t.Context()

	users := []matrixUser{{login: "rival-admin", role: auth.Admin, tenant: "rival"}}
	for _, u := range testUsers {
		users = append(users, matrixUser{login: u.Login, role: u.Role, countries: u.Scopes.Countries,
			platforms: u.Scopes.Platforms, modules: u.Scopes.Modules, tenant: "default"})
	}
	if _, err := e.auth.CreateUser(ctx, auth.User{Tenant: "rival", Login: "rival-admin", Role: auth.Admin}, testPassword); err != nil {
		t.Fatal(err)
	}
	sess, _, err := e.auth.Login(ctx, "rival", "rival-admin", testPassword, "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	e.sessions["rival-admin"] = string(sess.Token)

	// A Mexico-only administrator, and the accounts the settings routes act on: one
	// unrestricted, one in Mexico, one in Mexico and disabled, each with an API token.
	mxAdmin := auth.User{Tenant: "default", Login: "mx-admin", Role: auth.Admin, Scopes: auth.Scopes{Countries: []string{"MX"}}}
	if _, err := e.auth.CreateUser(ctx, mxAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	if sess, _, err = e.auth.Login(ctx, "default", "mx-admin", testPassword, "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	e.sessions["mx-admin"] = string(sess.Token)
	users = append(users, matrixUser{login: "mx-admin", role: auth.Admin, countries: []string{"MX"}, tenant: "default"})
	type account struct {
		user    auth.User
		tokenID string
	}
	accounts := map[string]*account{}
	for _, a := range []auth.User{
		{Login: "target-all", Role: auth.Viewer},
		{Login: "target-mx", Role: auth.Viewer, Scopes: auth.Scopes{Countries: []string{"MX"}}},
		{Login: "target-mx-off", Role: auth.Viewer, Scopes: auth.Scopes{Countries: []string{"MX"}}},
	} {
		a.Tenant = "default"
		u, err := e.auth.CreateUser(ctx, a, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := e.auth.CreateToken(ctx, "default", u.ID, "matrix")
		if err != nil {
			t.Fatal(err)
		}
		accounts[a.Login] = &account{user: u, tokenID: tok.ID}
	}
	if _, err := e.auth.SetDisabled(ctx, "default", accounts["target-mx-off"].user.ID, true); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := e.st.DB().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	hashOf := func(id string) string {
		var h string
		if err := e.st.DB().QueryRowContext(ctx, `SELECT password_hash FROM users WHERE tenant_id = 'default' AND user_id = ?`, id).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}

	// One firing alert in Mexico and one in Brazil, of a KPI every module scope can see or not.
	alerts, err := e.st.Alerts(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	alertIn := map[string]alert.Alert{}
	for _, row := range alerts {
		var a alert.Alert
		if err := json.Unmarshal([]byte(row.Body), &a); err != nil {
			t.Fatal(err)
		}
		a.ID = row.ID
		c := a.Scope["country"]
		if row.State == string(alert.Firing) && c != "" && len(a.Scope) == 1 && alertIn[c].ID == "" {
			alertIn[c] = a
		}
	}
	if alertIn["MX"].ID == "" || alertIn["BR"].ID == "" {
		t.Fatalf("the fixture needs a firing alert in MX and in BR, has %v", alertIn)
	}
	cat, err := testEngine(ctx, e.st, "default")
	if err != nil {
		t.Fatal(err)
	}
	moduleOf := func(kpi string) string {
		d, err := cat.Catalog.Get(kpi)
		if err != nil {
			t.Fatal(err)
		}
		return d.Module
	}

	// An alerting document with one channel, its secret sealed, to a receiver that counts the
	// test messages allowed users send.
	var hookHits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hookHits.Add(1) }))
	t.Cleanup(hook.Close)
	seed := fmt.Sprintf("channels:\n  - name: matrix-hook\n    type: webhook\n    webhook: {url: \"%s/in?token=matrix-secret\"}\nrules:\n  - {id: red-3-days, type: consecutive}\n", hook.URL)
	if _, err := monitor.Apply(ctx, e.st, "default", cat.Catalog, "matrix", []byte(seed), "test", testKeys); err != nil {
		t.Fatal(err)
	}
	// channels: only an administrator without scopes changes them; another tenant's finds
	// none of this tenant's (404) but may add to its own.
	channels := func(existing bool) func(u matrixUser) outcome {
		return func(u matrixUser) outcome {
			ok := u.may(auth.ManageChannels) && len(u.countries)+len(u.platforms)+len(u.modules) == 0 && (u.home() || !existing)
			return outcome{ok: ok, changes: ok && u.home()}
		}
	}
	reading := func(existing bool) func(u matrixUser) outcome {
		return func(u matrixUser) outcome { return outcome{ok: channels(existing)(u).ok} }
	}

	formCT := "application/x-www-form-urlencoded"
	view := func(u matrixUser) outcome { return outcome{ok: u.may(auth.View)} }
	viewKPI := func(kpi string) func(u matrixUser) outcome {
		return func(u matrixUser) outcome {
			return outcome{ok: u.may(auth.View) && (!u.home() || u.module(moduleOf(kpi)))}
		}
	}
	records := func(country, format string) func(u matrixUser) outcome {
		return func(u matrixUser) outcome {
			ok := u.may(auth.View) && (format == "" || u.may(auth.Export))
			if u.home() {
				ok = ok && u.module(moduleOf("gmv")) && u.country(country)
			}
			return outcome{ok: ok}
		}
	}
	trafficFile := func(country, platform, tag string) func(u matrixUser) (string, string) {
		return func(u matrixUser) (string, string) {
			return fmt.Sprintf("date,platform,store,country,visits\n2026-11-24,%s,matrix-%s-%s,%s,7\n", platform, tag, u.login, country), "text/csv"
		}
	}
	importing := func(country, platform string) func(u matrixUser) outcome {
		return func(u matrixUser) outcome {
			ok := u.may(auth.Import) && (!u.home() || u.country(country) && u.platform(platform))
			return outcome{ok: ok, changes: ok && u.home()}
		}
	}
	acking := func(country string, action auth.Action) func(u matrixUser) outcome {
		return func(u matrixUser) outcome {
			a := alertIn[country]
			ok := u.home() && u.may(action) && u.country(country) && u.module(moduleOf(a.KPI)) && len(u.platforms) == 0
			return outcome{ok: ok, changes: ok}
		}
	}
	// an alert's page: the alerts list's rule (a user restricted to platforms sees no alert,
	// which is per country); another tenant's or one out of scope is not found
	viewAlert := func(country string) func(u matrixUser) outcome {
		return func(u matrixUser) outcome {
			a := alertIn[country]
			return outcome{ok: u.home() && u.may(auth.View) && u.country(country) && u.module(moduleOf(a.KPI)) && len(u.platforms) == 0}
		}
	}
	targetFor := func(country string) func(u matrixUser) (string, string) {
		return func(u matrixUser) (string, string) {
			return formString("kpi", "late_shipment_rate", "country", country, "value", "3%", "effective_from", "2026-11-01",
				"note", "matrix "+u.login), formCT
		}
	}
	targeting := func(country string) func(u matrixUser) outcome {
		return func(u matrixUser) outcome {
			ok := u.may(auth.EditTargets) && (!u.home() || u.country(country) && u.module(moduleOf("late_shipment_rate")) && len(u.platforms) == 0)
			return outcome{ok: ok, changes: ok && u.home()}
		}
	}
	// covering says whether u's scopes cover an account restricted to countries (none: all).
	covering := func(u matrixUser, countries ...string) bool {
		if len(u.platforms) > 0 || len(u.modules) > 0 {
			return false
		}
		if len(u.countries) == 0 {
			return true
		}
		if len(countries) == 0 {
			return false
		}
		for _, c := range countries {
			if !slices.Contains(u.countries, c) {
				return false
			}
		}
		return true
	}
	managing := func(countries ...string) func(u matrixUser) outcome {
		return func(u matrixUser) outcome {
			ok := u.may(auth.ManageUsers) && (!u.home() || covering(u, countries...))
			return outcome{ok: ok, changes: ok && u.home()}
		}
	}
	// managingAccount: the same for a route naming an account of this tenant, which another
	// tenant's administrator does not find (404).
	managingAccount := func(countries ...string) func(u matrixUser) outcome {
		return func(u matrixUser) outcome {
			ok := u.home() && u.may(auth.ManageUsers) && covering(u, countries...)
			return outcome{ok: ok, changes: ok}
		}
	}
	noBody := func(matrixUser) (string, string) { return "", formCT }
	setDisabled := func(login string, disabled bool) func() {
		return func() {
			if _, err := e.auth.SetDisabled(ctx, "default", accounts[login].user.ID, disabled); err != nil {
				t.Fatal(err)
			}
		}
	}
	restoreHash := func(login string) func() {
		h := hashOf(accounts[login].user.ID)
		return func() {
			exec(`UPDATE users SET password_hash = ? WHERE tenant_id = 'default' AND user_id = ?`, h, accounts[login].user.ID)
		}
	}
	dropNewTokens := func(login string) func() {
		return func() {
			exec(`DELETE FROM api_tokens WHERE tenant_id = 'default' AND user_id = ? AND token_id <> ?`, accounts[login].user.ID, accounts[login].tokenID)
		}
	}
	unrevoke := func(login string) func() {
		return func() {
			exec(`UPDATE api_tokens SET revoked_at = NULL WHERE tenant_id = 'default' AND token_id = ?`, accounts[login].tokenID)
		}
	}
	newToken := func(login string) func(matrixUser) (string, string) {
		return func(matrixUser) (string, string) {
			return formString("user", accounts[login].user.ID, "name", "matrix new", "days", "30"), formCT
		}
	}
	newPassword := func(matrixUser) (string, string) {
		return formString("password", "another long and unusual passphrase 43"), formCT
	}
	// A skip-invalid import by the analyst leaves a reject file that only the analyst may download.
	rj := e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic&skip_invalid=true",
		strings.NewReader("date,platform,store,country,visits\n2026-11-24,amazon,matrix-rejects,MX,1\n2026-11-24,amazon,matrix-rejects,MX,x\n"),
		map[string]string{"Authorization": "Bearer " + e.tokens["analyst"], "Content-Type": "text/csv"})
	rejectsURL := regexpFind(rj.Body.String(), `"url": "([^"]+)"`)
	if rj.Code != http.StatusOK || rejectsURL == "" {
		t.Fatalf("skip-invalid import by the analyst: %d %s", rj.Code, rj.Body.String())
	}
	from, to := "2026-11-20", "2026-11-21"
	cases := []matrixCase{
		{name: "board", method: "GET", path: "/", want: view},
		{name: "board API", method: "GET", path: "/api/v1/board", want: view},
		{name: "remember a currency (the user's own setting)", method: "POST", path: "/prefs/currency",
			body: func(matrixUser) (string, string) { return formString("currency", "CNY", "next", "/"), formCT }, want: view},
		{name: "KPI page", method: "GET", path: "/kpi/gmv", want: viewKPI("gmv")},
		{name: "KPI page of a service KPI", method: "GET", path: "/kpi/csat", want: viewKPI("csat")},
		{name: "KPI list API", method: "GET", path: "/api/v1/kpis", want: view},
		{name: "series API", method: "GET", path: "/api/v1/kpis/gmv/series", want: viewKPI("gmv")},
		{name: "BR records", method: "GET", path: "/kpi/gmv/records?country=BR&from=" + from + "&to=" + to, want: records("BR", "")},
		{name: "MX records", method: "GET", path: "/kpi/gmv/records?country=MX&from=" + from + "&to=" + to, want: records("MX", "")},
		{name: "BR records API", method: "GET", path: "/api/v1/kpis/gmv/records?country=BR&from=" + from + "&to=" + to, want: records("BR", "")},
		{name: "MX records CSV", method: "GET", path: "/api/v1/kpis/gmv/records?country=MX&format=csv&from=" + from + "&to=" + to, want: records("MX", "csv")},
		{name: "alerts", method: "GET", path: "/alerts", want: view},
		{name: "the MX alert's page", method: "GET", path: "/alerts/" + alertIn["MX"].ID, want: viewAlert("MX")},
		{name: "the BR alert's page", method: "GET", path: "/alerts/" + alertIn["BR"].ID, want: viewAlert("BR")},
		{name: "alerts API", method: "GET", path: "/api/v1/alerts", want: view},
		{name: "sources", method: "GET", path: "/sources", want: view},
		{name: "sources API", method: "GET", path: "/api/v1/sources", want: view},
		{name: "targets", method: "GET", path: "/targets", want: view},
		{name: "targets API", method: "GET", path: "/api/v1/targets", want: view},
		{name: "settings", method: "GET", path: "/settings", want: view},
		{name: "import page", method: "GET", path: "/import", want: func(u matrixUser) outcome { return outcome{ok: u.may(auth.Import)} }},
		{name: "import template (API)", method: "GET", path: "/api/v1/imports/templates/orders?format=xlsx", want: func(u matrixUser) outcome { return outcome{ok: u.may(auth.Import)} }},
		{name: "the analyst's reject file (API)", method: "GET", path: rejectsURL, want: func(u matrixUser) outcome { return outcome{ok: u.login == "analyst" && u.home()} }},

		{name: "import MX traffic (API)", method: "POST", path: "/api/v1/imports?kind=traffic", body: trafficFile("MX", "mercadolibre", "api"), want: importing("MX", "mercadolibre")},
		{name: "import BR traffic (API)", method: "POST", path: "/api/v1/imports?kind=traffic", body: trafficFile("BR", "mercadolibre", "api"), want: importing("BR", "mercadolibre")},
		{name: "import MX amazon traffic (API)", method: "POST", path: "/api/v1/imports?kind=traffic", body: trafficFile("MX", "amazon", "api"), want: importing("MX", "amazon")},
		{name: "import fx rates (API)", method: "POST", path: "/api/v1/imports?kind=fx_rates",
			body: func(u matrixUser) (string, string) {
				// a date of its own per user, so that an allowed import adds a row
				return fmt.Sprintf("date,currency,per_usd\n2025-01-%02d,BRL,50000\n", 1+slices.IndexFunc(users, func(v matrixUser) bool { return v.login == u.login })), "text/csv"
			},
			want: func(u matrixUser) outcome {
				ok := u.may(auth.Import) && (!u.home() || len(u.countries) == 0)
				return outcome{ok: ok, changes: ok && u.home()}
			}},
		{name: "import MX traffic (page)", method: "PAGE-IMPORT", path: "traffic", body: trafficFile("MX", "mercadolibre", "page"), want: importing("MX", "mercadolibre")},
		{name: "import BR traffic (page)", method: "PAGE-IMPORT", path: "traffic", body: trafficFile("BR", "mercadolibre", "page"), want: importing("BR", "mercadolibre")},
		{name: "target for BR", method: "POST", path: "/targets", body: targetFor("BR"), want: targeting("BR")},
		{name: "target for MX", method: "POST", path: "/targets", body: targetFor("MX"), want: targeting("MX")},
		{name: "ack the MX alert", method: "POST", path: "/alerts/" + alertIn["MX"].ID + "/ack", body: func(matrixUser) (string, string) { return "", formCT },
			want: acking("MX", auth.AckAlert), restore: true},
		{name: "ack the BR alert", method: "POST", path: "/alerts/" + alertIn["BR"].ID + "/ack", body: func(matrixUser) (string, string) { return "", formCT },
			want: acking("BR", auth.AckAlert), restore: true},
		{name: "ack the BR alert (API)", method: "POST", path: "/api/v1/alerts/" + alertIn["BR"].ID + "/ack", body: func(matrixUser) (string, string) { return "", "application/json" },
			want: acking("BR", auth.AckAlert), restore: true},
		{name: "silence the MX alert", method: "POST", path: "/alerts/" + alertIn["MX"].ID + "/silence",
			body: func(matrixUser) (string, string) { return formString("hours", "24", "comment", "matrix"), formCT },
			want: acking("MX", auth.Silence), restore: true},
		{name: "silence the BR alert", method: "POST", path: "/alerts/" + alertIn["BR"].ID + "/silence",
			body: func(matrixUser) (string, string) { return formString("hours", "24", "comment", "matrix"), formCT },
			want: acking("BR", auth.Silence), restore: true},
		{name: "create an unrestricted user", method: "POST", path: "/settings/users",
			body: func(u matrixUser) (string, string) {
				return formString("login", "new-all-"+u.login, "role", "viewer", "password", "a long and unusual passphrase 42", "lang", "es"), formCT
			},
			want: managing()},
		{name: "create a Mexico user", method: "POST", path: "/settings/users",
			body: func(u matrixUser) (string, string) {
				return formString("login", "new-mx-"+u.login, "role", "admin", "countries", "mx", "password", "a long and unusual passphrase 42", "lang", "es"), formCT
			},
			want: managing("MX")},
		{name: "create a Mexico and Brazil user", method: "POST", path: "/settings/users",
			body: func(u matrixUser) (string, string) {
				return formString("login", "new-mxbr-"+u.login, "role", "viewer", "countries", "MX, BR", "password", "a long and unusual passphrase 42", "lang", "es"), formCT
			},
			want: managing("MX", "BR")},
		{name: "disable the unrestricted user", method: "POST", path: "/settings/users/" + accounts["target-all"].user.ID + "/disable",
			body: noBody, want: managingAccount(), undo: setDisabled("target-all", false)},
		{name: "disable the Mexico user", method: "POST", path: "/settings/users/" + accounts["target-mx"].user.ID + "/disable",
			body: noBody, want: managingAccount("MX"), undo: setDisabled("target-mx", false)},
		{name: "enable the disabled Mexico user", method: "POST", path: "/settings/users/" + accounts["target-mx-off"].user.ID + "/enable",
			body: noBody, want: managingAccount("MX"), undo: setDisabled("target-mx-off", true)},
		{name: "set the unrestricted user's password", method: "POST", path: "/settings/users/" + accounts["target-all"].user.ID + "/password",
			body: newPassword, want: managingAccount(), undo: restoreHash("target-all")},
		{name: "set the Mexico user's password", method: "POST", path: "/settings/users/" + accounts["target-mx"].user.ID + "/password",
			body: newPassword, want: managingAccount("MX"), undo: restoreHash("target-mx")},
		{name: "token for the unrestricted user", method: "POST", path: "/settings/tokens",
			body: newToken("target-all"), want: managingAccount(), undo: dropNewTokens("target-all")},
		{name: "token for the Mexico user", method: "POST", path: "/settings/tokens",
			body: newToken("target-mx"), want: managingAccount("MX"), undo: dropNewTokens("target-mx")},
		{name: "revoke the unrestricted user's token", method: "POST", path: "/settings/tokens/" + accounts["target-all"].tokenID + "/revoke",
			body: noBody, want: managingAccount(), undo: unrevoke("target-all")},
		{name: "revoke the Mexico user's token", method: "POST", path: "/settings/tokens/" + accounts["target-mx"].tokenID + "/revoke",
			body: noBody, want: managingAccount("MX"), undo: unrevoke("target-mx")},
		{name: "channel form", method: "GET", path: "/settings/channels/edit?type=slack", want: reading(false)},
		{name: "channel edit form", method: "GET", path: "/settings/channels/edit?name=matrix-hook", want: reading(true)},
		{name: "add a channel", method: "POST", path: "/settings/channels/save",
			body: func(u matrixUser) (string, string) {
				return formString("name", "matrix-"+u.login, "type", "slack", "slack.url", "http://127.0.0.1:9/services/T0/B0/x"), formCT
			},
			want: channels(false), restore: true},
		{name: "edit a channel", method: "POST", path: "/settings/channels/save",
			body: func(u matrixUser) (string, string) {
				return formString("editing", "matrix-hook", "webhook.url", hook.URL+"/in?token="+u.login), formCT
			},
			want: channels(true), restore: true},
		{name: "test a channel", method: "POST", path: "/settings/channels/test",
			body: func(matrixUser) (string, string) { return formString("name", "matrix-hook"), formCT }, want: reading(true)},
		{name: "delete a channel", method: "POST", path: "/settings/channels/delete",
			body: func(matrixUser) (string, string) { return formString("name", "matrix-hook"), formCT },
			want: channels(true), restore: true},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.method+" "+routeOf(c.path)] = true
	}
	covered["POST /import"], covered["POST /import/commit"] = covered["PAGE-IMPORT traffic"], covered["PAGE-IMPORT traffic"]
	for _, r := range registeredRoutes(t) {
		if !covered[r] && !matrixExempt[r] {
			t.Errorf("route %s is not in the authorization matrix", r)
		}
	}

	for _, c := range cases {
		for _, u := range users {
			want := c.want(u)
			before := stored(t, e)
			alertsBefore, _ := e.st.Alerts(ctx, "default")
			settingBefore, serr := e.st.Setting(ctx, "default", monitor.SettingName)
			code, detail := sendMatrix(t, e, c, u)
			got := outcome{ok: code >= 200 && code < 400, changes: stored(t, e) != before}
			if code >= 500 {
				t.Errorf("%s by %s: %d %s", c.name, u.login, code, detail)
				continue
			}
			if got != want {
				t.Errorf("%s by %s: answered %d (ok=%v) and changed stored data=%v; want ok=%v changes=%v\n%s",
					c.name, u.login, code, got.ok, got.changes, want.ok, want.changes, detail)
			}
			if c.undo != nil && got.changes {
				c.undo()
			}
			if c.restore && got.changes {
				if err := e.st.SaveAlerts(ctx, "default", alertsBefore, nil); err != nil {
					t.Fatal(err)
				}
				if serr == nil {
					if err := e.st.PutSetting(ctx, "default", monitor.SettingName, settingBefore, "test"); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	// every allowed test reached the receiver, and no refused one did
	allowed := 0
	for _, u := range users {
		if reading(true)(u).ok {
			allowed++
		}
	}
	if got := int(hookHits.Load()); got != allowed || allowed == 0 {
		t.Errorf("the channel received %d test messages, want %d (one per allowed user)", got, allowed)
	}
}

// matrixExempt are routes with no authorization to test: public, or the session's own.
var matrixExempt = map[string]bool{
	"GET /static/": true, "GET /healthz": true, "GET /favicon.ico": true, "GET /login": true, "POST /login": true, "POST /lang": true,
	"POST /logout": true, "POST /import/map": true, // the mapping step re-checks an upload the user owns (import tests)
	// a user's own password and sessions: they act on the signed-in account only (TestSettingsAccounts)
	"POST /settings/password": true, "POST /settings/sessions/revoke": true,
}

var routeParam = regexp.MustCompile(`/(kpis?|alerts|users|tokens|rejects|templates)/[^/?]+`)

// routeOf is a request path as the route pattern that serves it.
func routeOf(path string) string {
	p, _, _ := strings.Cut(path, "?")
	p = routeParam.ReplaceAllStringFunc(p, func(s string) string {
		if strings.HasPrefix(s, "/alerts/") {
			return "/alerts/{id}"
		}
		if strings.HasPrefix(s, "/users/") {
			return "/users/{id}"
		}
		if strings.HasPrefix(s, "/tokens/") {
			return "/tokens/{id}"
		}
		if strings.HasPrefix(s, "/rejects/") {
			return "/rejects/{id}"
		}
		if strings.HasPrefix(s, "/templates/") {
			return "/templates/{kind}"
		}
		if strings.HasPrefix(s, "/kpis/") {
			return "/kpis/{id}"
		}
		return "/kpi/{id}"
	})
	if p == "/" {
		return "/{$}"
	}
	return p
}

// registeredRoutes reads the routes web.go registers, so that a new route without a line in
// the matrix fails this test.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("web.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("([A-Z]+) ([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1]+" "+m[2])
	}
	for _, m := range regexp.MustCompile(`\{"([A-Z]+)", "(/[^"]*)", auth\.`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1]+" /api/v1"+m[2])
	}
	if len(out) < 20 {
		t.Fatalf("found only %d routes in web.go: %v", len(out), out)
	}
	return out
}

// sendMatrix sends a case's request as a user and returns the status and, for failures, the
// start of the body.
func sendMatrix(t *testing.T, e *testEnv, c matrixCase, u matrixUser) (int, string) {
	t.Helper()
	if c.method == "PAGE-IMPORT" {
		file, _ := c.body(u)
		body, ct := multipartBody(t, map[string]string{"kind": c.path}, "matrix.csv", file)
		rec := e.request(t, u.login, http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
		id := regexpFind(rec.Body.String(), `name="upload" value="([^"]+)"`)
		if rec.Code >= 400 || id == "" {
			return max(rec.Code, 400), short(rec.Body.String())
		}
		rec = e.request(t, u.login, http.MethodPost, "/import/commit", form("upload", id), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		return rec.Code, short(rec.Body.String())
	}
	var hdr map[string]string
	var body *strings.Reader
	if c.body != nil {
		b, ct := c.body(u)
		body, hdr = strings.NewReader(b), map[string]string{"Content-Type": ct}
	}
	rec := e.request(t, u.login, c.method, c.path, body, hdr)
	return rec.Code, short(rec.Body.String())
}

func short(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// stored is a digest of everything of the default tenant that a request could change:
// records, targets, alerts, settings, users and tokens.
func stored(t *testing.T, e *testEnv) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []string{ // three columns each
		`SELECT count(*), coalesce(sum(visits), 0), count(DISTINCT store) FROM traffic WHERE tenant_id = 'default'`,
		`SELECT count(*), coalesce(sum(per_usd), 0), 0 FROM fx_rates WHERE tenant_id = 'default'`,
		`SELECT count(*), coalesce(sum(gross_amount), 0), 0 FROM orders WHERE tenant_id = 'default'`,
		`SELECT count(*), 0, 0 FROM targets WHERE tenant_id = 'default'`,
		`SELECT count(*), 0, 0 FROM users WHERE tenant_id = 'default'`,
	} {
		var x, y, z any
		if err := e.st.DB().QueryRowContext(ctx, q).Scan(&x, &y, &z); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fmt.Fprintln(&b, x, y, z)
	}
	for _, q := range []string{ // accounts: who is disabled, with which password, which tokens live
		`SELECT login || ' ' || CAST(disabled AS VARCHAR) || ' ' || password_hash FROM users WHERE tenant_id = 'default' ORDER BY login`,
		`SELECT token_id || ' ' || CAST(revoked_at IS NULL AS VARCHAR) FROM api_tokens WHERE tenant_id = 'default' ORDER BY token_id`,
	} {
		rows, err := e.st.DB().QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, l)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	as, err := e.st.Alerts(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]string, len(as))
	for i, a := range as {
		lines[i] = a.ID + " " + a.State + " " + a.Body
	}
	sort.Strings(lines)
	b.WriteString(strings.Join(lines, "\n"))
	s, err := e.st.Setting(ctx, "default", monitor.SettingName)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	b.WriteString(s)
	return b.String()
}

func formString(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}
