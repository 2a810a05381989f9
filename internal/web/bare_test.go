package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pulso/internal/auth"
	"pulso/internal/calendar"
	"pulso/internal/i18n"
	"pulso/internal/secret"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// The secret key the web tests seal channel secrets with.
const testKeyHex = "0808080808080808080808080808080808080808080808080808080808080808"

var testKeys = secret.Source{Getenv: func(k string) string {
	if k == secret.EnvKey {
		return testKeyHex
	}
	return ""
}}

// A bare server: an empty store of one engine (a DuckDB file, or a fresh schema on the test
// PostgreSQL), the real auth service, and the web handler — for tests that need no demo data
// (sign-in, settings) and must run on both engines.
type bareEnv struct {
	st   store.Store
	auth *auth.Service
	h    http.Handler
	srv  *server
}

// bareEngines are the two stores a capability must work on; PostgreSQL is skipped (or fails in
// CI) without $PULSO_TEST_POSTGRES.
var bareEngines = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"duckdb", func(t *testing.T) store.Store {
		st, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "pulso.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}},
	{"postgres", func(t *testing.T) store.Store {
		st, err := postgres.Open(context.Background(), storetest.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}},
}

// newBareEnv builds the server over st; keys is where channel secrets are sealed with.
func newBareEnv(t *testing.T, st store.Store, keys secret.Source) *bareEnv {
	t.Helper()
	t.Cleanup(func() { st.Close() })
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.New(st)
	svc.Now = func() time.Time { return demoNow }
	svc.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	srv, err := newServer(Config{Store: st, Engine: testEngine, Auth: svc, Bundle: b, Calendar: cal, Keys: keys,
		UploadDir: filepath.Join(t.TempDir(), "uploads"), Now: func() time.Time { return demoNow },
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	return &bareEnv{st: st, auth: svc, srv: srv, h: secureHeaders(false, srv.routes())}
}

// do sends a request with an optional session (its CSRF header added on unsafe methods).
func (e *bareEnv) do(t *testing.T, session, method, target string, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
		if isUnsafe(method) {
			req.Header.Set(csrfHeader, csrfToken(session))
		}
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req.RemoteAddr = "198.51.100.20:4321"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// signIn goes through the login form as a browser does: the form, then its POST with the
// pre-session cookie's CSRF token. It returns the form's page and the POST's answer.
func (e *bareEnv) signIn(t *testing.T, vals url.Values) (form string, rec *httptest.ResponseRecorder) {
	t.Helper()
	page := e.do(t, "", http.MethodGet, "/login", "", nil)
	if page.Code != http.StatusOK {
		t.Fatalf("GET /login: %d %s", page.Code, page.Body.String())
	}
	var pre string
	for _, c := range page.Result().Cookies() {
		if c.Name == preCookie {
			pre = c.Value
		}
	}
	vals.Set("csrf", csrfToken(pre))
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: preCookie, Value: pre})
	req.RemoteAddr = "198.51.100.20:4321"
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return page.Body.String(), rec
}

// sessionOf is the session cookie a response set.
func sessionOf(rec *httptest.ResponseRecorder) string {
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie && c.MaxAge > 0 {
			return c.Value
		}
	}
	return ""
}
