package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"pulso/internal/auth"
)

// Finding 11 of issue #8 on the settings page: a user changes their own password and signs
// out their other sessions; an admin disables and enables users, sets a password, creates
// API tokens (shown once) and revokes them; every change is audited; a weak password is
// refused with the rule named in the user's language.
func TestSettingsAccounts(t *testing.T) {
	e := sharedEnv(t)
	ctx := t.Context()
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	u, err := e.auth.CreateUser(ctx, auth.User{Tenant: "default", Login: "acct-user", Role: auth.Analyst}, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	login := func(name, pw string) string {
		t.Helper()
		sess, _, err := e.auth.Login(ctx, "default", "acct-user", pw, "192.0.2.1")
		if err != nil {
			t.Fatalf("login %s: %v", name, err)
		}
		e.sessions[name] = string(sess.Token)
		return string(sess.Token)
	}
	signedIn := func(name string) bool {
		rec := e.get(t, name, "/settings")
		return rec.Code == http.StatusOK
	}
	newCookie := func(rec *httptest.ResponseRecorder) string {
		for _, c := range rec.Result().Cookies() {
			if c.Name == sessionCookie && c.MaxAge > 0 {
				return c.Value
			}
		}
		return ""
	}

	// A weak password is refused, with the rule in the user's language.
	rec := e.request(t, "admin", http.MethodPost, "/settings/users", form("login", "weakling", "password", "1234567890", "role", "viewer"), hdr)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "The password must have at least 12 characters") {
		t.Errorf("a 10-digit password: %d", rec.Code)
	}
	rec = e.request(t, "admin", http.MethodPost, "/settings/users", form("login", "weakling", "password", "Mercadolibre2026!", "role", "viewer"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "es"})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "de las primeras que prueban los atacantes") {
		t.Errorf("a common password, in Spanish: %d", rec.Code)
	}

	// Own password: the current one is required; the change ends the other sessions and
	// hands this browser a new one.
	login("acct-a", testPassword)
	login("acct-b", testPassword)
	rec = e.request(t, "acct-a", http.MethodPost, "/settings/password", form("current", "not my password", "password", "purple tapir dances"), hdr)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "The current password is wrong.") {
		t.Errorf("a wrong current password: %d", rec.Code)
	}
	rec = e.request(t, "acct-a", http.MethodPost, "/settings/password", form("current", testPassword, "password", "qwertyuiop12"), hdr)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "keyboard run") {
		t.Errorf("a keyboard walk: %d", rec.Code)
	}
	if !signedIn("acct-b") {
		t.Fatal("a refused change ended a session")
	}
	rec = e.request(t, "acct-a", http.MethodPost, "/settings/password", form("current", testPassword, "password", "purple tapir dances"), hdr)
	fresh := newCookie(rec)
	if rec.Code != http.StatusOK || fresh == "" || !strings.Contains(rec.Body.String(), "Password changed.") {
		t.Fatalf("password change: %d, new cookie %v", rec.Code, fresh != "")
	}
	if signedIn("acct-a") || signedIn("acct-b") {
		t.Error("an old session still works after the password change")
	}
	e.sessions["acct-a"] = fresh
	if !signedIn("acct-a") {
		t.Error("the new session of the browser that changed the password does not work")
	}

	// Sign out the other sessions.
	login("acct-b", "purple tapir dances")
	old := e.sessions["acct-a"]
	rec = e.request(t, "acct-a", http.MethodPost, "/settings/sessions/revoke", nil, nil)
	if fresh = newCookie(rec); rec.Code != http.StatusOK || fresh == "" {
		t.Fatalf("sign out others: %d", rec.Code)
	}
	e.sessions["acct-a-old"], e.sessions["acct-a"] = old, fresh
	if signedIn("acct-b") || signedIn("acct-a-old") || !signedIn("acct-a") {
		t.Error("after signing out the others: only the new session should work")
	}

	// API tokens: created by an admin, shown once, working, listed without the secret, revoked.
	rec = e.request(t, "admin", http.MethodPost, "/settings/tokens", form("user", u.ID, "name", "Power BI", "days", "30"), hdr)
	secret := regexp.MustCompile(`pulso_[A-Za-z0-9_-]{43}`).FindString(rec.Body.String())
	if rec.Code != http.StatusOK || secret == "" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("token create: %d, secret shown %v", rec.Code, secret != "")
	}
	bearer := func(tok string) int {
		return e.request(t, "", http.MethodGet, "/api/v1/sources", nil, map[string]string{"Authorization": "Bearer " + tok}).Code
	}
	if c := bearer(secret); c != http.StatusOK {
		t.Errorf("the new token: %d", c)
	}
	page := e.get(t, "admin", "/settings").Body.String()
	if strings.Contains(page, secret) || !strings.Contains(page, "Power BI") {
		t.Error("the settings page shows the token's secret again, or not its name")
	}
	if rec := e.request(t, "admin", http.MethodPost, "/settings/tokens", form("user", u.ID, "name", "x", "days", "-1"), hdr); rec.Code != http.StatusBadRequest {
		t.Errorf("negative days: %d", rec.Code)
	}
	toks, _ := e.auth.ListTokens(ctx, "default")
	var tokID string
	for _, tk := range toks {
		if tk.Name == "Power BI" && tk.UserID == u.ID {
			tokID = tk.ID
			if tk.ExpiresAt == nil || !tk.ExpiresAt.Equal(demoNow.AddDate(0, 0, 30)) {
				t.Errorf("token expiry %v, want %s", tk.ExpiresAt, demoNow.AddDate(0, 0, 30))
			}
		}
	}
	if rec := e.request(t, "admin", http.MethodPost, "/settings/tokens/"+tokID+"/revoke", nil, nil); rec.Code != http.StatusOK {
		t.Errorf("revoke: %d", rec.Code)
	}
	if c := bearer(secret); c != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d", c)
	}

	// Disable: sessions end, tokens stop; enable: tokens work again.
	second, _, err := e.auth.CreateToken(ctx, "default", u.ID, "ERP")
	if err != nil {
		t.Fatal(err)
	}
	if rec := e.request(t, "admin", http.MethodPost, "/settings/users/"+u.ID+"/disable", nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("disable: %d", rec.Code)
	}
	if signedIn("acct-a") || bearer(string(second)) != http.StatusUnauthorized {
		t.Error("a disabled user's session or token still works")
	}
	if rec := e.request(t, "admin", http.MethodPost, "/settings/users/"+u.ID+"/enable", nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("enable: %d", rec.Code)
	}
	if c := bearer(string(second)); c != http.StatusOK {
		t.Errorf("the token of a re-enabled user: %d", c)
	}

	// An admin sets the password: a weak one is refused, a good one ends the user's sessions.
	login("acct-c", "purple tapir dances")
	if rec := e.request(t, "admin", http.MethodPost, "/settings/users/"+u.ID+"/password", form("password", "acct-user-2026"), hdr); rec.Code != http.StatusBadRequest ||
		!strings.Contains(rec.Body.String(), "must not contain the login") {
		t.Errorf("a password holding the login: %d", rec.Code)
	}
	if rec := e.request(t, "admin", http.MethodPost, "/settings/users/"+u.ID+"/password", form("password", "green walrus sings"), hdr); rec.Code != http.StatusOK {
		t.Errorf("password reset: %d", rec.Code)
	}
	if signedIn("acct-c") {
		t.Error("a session survived the password reset")
	}
	login("acct-c", "green walrus sings")

	// Only admins manage accounts; nobody disables themselves; unknown ids are 404.
	for _, path := range []string{"/settings/tokens", "/settings/users/" + u.ID + "/disable", "/settings/users/" + u.ID + "/password", "/settings/tokens/" + tokID + "/revoke"} {
		if rec := e.request(t, "manager", http.MethodPost, path, form("user", u.ID, "name", "x", "password", "green walrus sings"), hdr); rec.Code != http.StatusForbidden {
			t.Errorf("manager POST %s: %d", path, rec.Code)
		}
	}
	admin, _ := findUser(ctx, e.auth, "admin")
	if rec := e.request(t, "admin", http.MethodPost, "/settings/users/"+admin.ID+"/disable", nil, nil); rec.Code != http.StatusBadRequest {
		t.Errorf("an admin disables themselves: %d", rec.Code)
	}
	if rec := e.request(t, "admin", http.MethodPost, "/settings/users/nope/disable", nil, nil); rec.Code != http.StatusNotFound {
		t.Errorf("disable an unknown user: %d", rec.Code)
	}
	// Without the CSRF token nothing changes.
	req := httptest.NewRequest(http.MethodPost, "/settings/users/"+u.ID+"/disable", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: e.sessions["admin"]})
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if got, _ := e.auth.User(ctx, "default", u.ID); rec.Code != http.StatusForbidden || got.Disabled {
		t.Errorf("disable without CSRF: %d, disabled %v", rec.Code, got.Disabled)
	}

	// Every change is in the audit log, without secrets.
	log, err := e.auth.AuditLog(ctx, "default", auth.MaxAuditLimit)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, en := range log {
		seen[en.Action] = true
		for _, v := range en.Detail {
			if strings.Contains(v, secret) || strings.Contains(v, "purple tapir") {
				t.Errorf("an audit entry holds a secret: %+v", en)
			}
		}
	}
	for _, a := range []string{"user.password_change", "session.revoke_others", "token.create", "token.revoke", "user.disable", "user.enable", "user.password_reset"} {
		if !seen[a] {
			t.Errorf("no audit entry %s", a)
		}
	}
}
