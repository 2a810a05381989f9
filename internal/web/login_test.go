package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"pulso/internal/auth"
)

// TestLoginAsksForTenantOnlyWhenThereAreSeveral: on a server of one seller the login form
// has no tenant field (and does not name the tenant), and signing in goes to that tenant
// whatever its name; once a second tenant has users the field appears and decides.
func TestLoginAsksForTenantOnlyWhenThereAreSeveral(t *testing.T) {
	for _, eng := range bareEngines {
		t.Run(eng.name, func(t *testing.T) {
			e := newBareEnv(t, eng.open(t), testKeys)
			ctx := t.Context()
			hasField := func(form string) bool { return strings.Contains(form, `name="tenant"`) }

			form, _ := e.signIn(t, url.Values{"login": {"nobody"}, "password": {"x"}})
			if hasField(form) {
				t.Error("a server without users asks for the tenant")
			}
			if _, err := e.auth.CreateUser(ctx, auth.User{Tenant: "acme", Login: "ana", Role: auth.Viewer}, testPassword); err != nil {
				t.Fatal(err)
			}
			form, rec := e.signIn(t, url.Values{"login": {"ana"}, "password": {testPassword}, "next": {"/alerts"}})
			if hasField(form) || strings.Contains(form, "acme") {
				t.Error("a server of one tenant asks for (or names) the tenant")
			}
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/alerts" {
				t.Fatalf("sign-in to the only tenant: %d %q", rec.Code, rec.Header().Get("Location"))
			}
			if u, err := e.auth.Session(ctx, sessionOf(rec)); err != nil || u.Tenant != "acme" || u.Login != "ana" {
				t.Fatalf("the session is %+v, %v", u, err)
			}
			// a wrong password shows the form again, still without the field
			_, rec = e.signIn(t, url.Values{"login": {"ana"}, "password": {"not her password"}})
			if rec.Code != http.StatusUnauthorized || hasField(rec.Body.String()) {
				t.Errorf("a failed sign-in: %d, tenant field %v", rec.Code, hasField(rec.Body.String()))
			}

			// A second tenant: the field appears, and the tenant typed decides.
			if _, err := e.auth.CreateUser(ctx, auth.User{Tenant: "globex", Login: "ana", Role: auth.Admin}, testPassword); err != nil {
				t.Fatal(err)
			}
			form, rec = e.signIn(t, url.Values{"tenant": {"globex"}, "login": {"ana"}, "password": {testPassword}})
			if !hasField(form) {
				t.Error("a server of two tenants does not ask for the tenant")
			}
			if u, err := e.auth.Session(ctx, sessionOf(rec)); err != nil || u.Tenant != "globex" || u.Role != auth.Admin {
				t.Fatalf("sign-in to globex: %d, session %+v, %v", rec.Code, u, err)
			}
			_, rec = e.signIn(t, url.Values{"tenant": {"globex"}, "login": {"ana"}, "password": {"not her password"}})
			if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `name="tenant" value="globex"`) {
				t.Errorf("a failed sign-in keeps the tenant typed: %d", rec.Code)
			}
		})
	}
}
