package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"pulso/internal/auth"
	"pulso/internal/calendar"
	"pulso/internal/demo"
	"pulso/internal/i18n"
	"pulso/internal/ingest"
	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/record"
	"pulso/internal/store"
)

// The demo seller every test reads: 40 days to a pinned end, imported through ingest into a
// DuckDB file, with the default alert rules evaluated once, and one user per role and scope.
var (
	demoEnd = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	demoNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
)

const testPassword = "correct horse battery"

// testUsers are the fixture's users: login → role and scopes.
var testUsers = []auth.User{
	{Login: "admin", Role: auth.Admin},
	{Login: "browser", Role: auth.Admin}, // the browser test's: it changes its language
	{Login: "manager", Role: auth.Manager},
	{Login: "analyst", Role: auth.Analyst},
	{Login: "viewer", Role: auth.Viewer},
	{Login: "mx-viewer", Role: auth.Viewer, Scopes: auth.Scopes{Countries: []string{"MX"}}},
	{Login: "mx-manager", Role: auth.Manager, Scopes: auth.Scopes{Countries: []string{"MX"}}},
	{Login: "mx-analyst", Role: auth.Analyst, Scopes: auth.Scopes{Countries: []string{"MX"}}},
	{Login: "br-co-viewer", Role: auth.Viewer, Scopes: auth.Scopes{Countries: []string{"BR", "CO"}}},
	{Login: "ml-viewer", Role: auth.Viewer, Scopes: auth.Scopes{Platforms: []string{"mercadolibre"}}},
	{Login: "mx-service", Role: auth.Viewer, Scopes: auth.Scopes{Countries: []string{"MX"}, Modules: []string{"service"}}},
}

type testEnv struct {
	dir      string
	st       store.Store
	auth     *auth.Service
	h        http.Handler
	srv      *server
	sessions map[string]string // login → session token
	tokens   map[string]string // login → API token
}

var (
	envOnce sync.Once
	envVal  *testEnv
	envErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if envVal != nil {
		envVal.st.Close()
		os.RemoveAll(envVal.dir)
	}
	os.Exit(code)
}

// sharedEnv builds the fixture once per test binary.
func sharedEnv(t testing.TB) *testEnv {
	t.Helper()
	envOnce.Do(func() { envVal, envErr = buildEnv(os.Getenv("PULSO_BENCH_DB")) })
	if envErr != nil {
		t.Fatal(envErr)
	}
	return envVal
}

func buildEnv(dbPath string) (*testEnv, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pulso-web-test-")
	if err != nil {
		return nil, err
	}
	env := &testEnv{dir: dir, sessions: map[string]string{}, tokens: map[string]string{}}
	fresh := dbPath == ""
	if fresh {
		dbPath = filepath.Join(dir, "demo.duckdb")
	}
	st, err := openFixtureStore(ctx, dbPath) // a postgres:// URL in $PULSO_BENCH_DB opens PostgreSQL
	if err != nil {
		return nil, err
	}
	env.st = st
	if fresh {
		if err := importDemo(ctx, st, demo.Config{Seed: 1, Days: 40, End: demoEnd}, filepath.Join(dir, "csv"), demoNow.Add(-2*time.Hour)); err != nil {
			return nil, err
		}
	}
	cal, err := calendar.New()
	if err != nil {
		return nil, err
	}
	bundle, err := i18n.New()
	if err != nil {
		return nil, err
	}
	if fresh {
		if err := evaluateAlerts(ctx, st, cal, bundle); err != nil {
			return nil, err
		}
	}
	svc := auth.New(st)
	svc.Now = func() time.Time { return demoNow }
	svc.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1} // tests need no costly hashes
	env.auth = svc
	for _, u := range testUsers {
		u.Tenant = "default"
		created, err := svc.CreateUser(ctx, u, testPassword)
		if err != nil {
			if existing, lerr := findUser(ctx, svc, u.Login); lerr == nil {
				created = existing
			} else {
				return nil, fmt.Errorf("user %s: %w", u.Login, err)
			}
		}
		sess, _, err := svc.Login(ctx, "default", u.Login, testPassword, "192.0.2.1")
		if err != nil {
			return nil, fmt.Errorf("login %s: %w", u.Login, err)
		}
		env.sessions[u.Login] = string(sess.Token)
		if !fresh {
			continue // a benchmark database gets its users once, and no tokens
		}
		tok, _, err := svc.CreateToken(ctx, "default", created.ID, "test")
		if err != nil {
			return nil, err
		}
		env.tokens[u.Login] = string(tok)
	}
	srv, err := newServer(Config{Store: st, Engine: testEngine, Auth: svc, Bundle: bundle, Calendar: cal, UploadDir: filepath.Join(dir, "uploads"), Keys: testKeys,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Now: func() time.Time { return demoNow }})
	if err != nil {
		return nil, err
	}
	env.srv, env.h = srv, secureHeaders(false, srv.routes())
	return env, nil
}

func findUser(ctx context.Context, svc *auth.Service, login string) (auth.User, error) {
	us, err := svc.ListUsers(ctx, "default")
	if err != nil {
		return auth.User{}, err
	}
	for _, u := range us {
		if u.Login == login {
			return u, nil
		}
	}
	return auth.User{}, fmt.Errorf("no user %s", login)
}

// evaluateAlerts runs the default rules once, as `pulso eval` would the morning after the end.
func evaluateAlerts(ctx context.Context, st store.Store, cal *calendar.Calendar, b *i18n.Bundle) error {
	e, err := testEngine(ctx, st, "default")
	if err != nil {
		return err
	}
	e.Now = func() time.Time { return demoNow }
	m := &monitor.Monitor{Store: st, Engine: e, Targets: monitor.TargetSet(e.Catalog, nil), Bundle: b, Now: func() time.Time { return demoNow },
		Events: func(country string, day time.Time) []string {
			var ids []string
			for _, d := range cal.Active(country, day) {
				ids = append(ids, d.ID)
			}
			return ids
		}}
	cfg := monitor.Default()
	if err := cfg.Validate(func(id string) bool { _, err := e.Catalog.Get(id); return err == nil }); err != nil {
		return err
	}
	_, err = m.Evaluate(ctx, "default", cfg, demoEnd.AddDate(0, 0, 1))
	return err
}

// testEngine builds the standard catalogue's engine (app.NewEngine, without importing app,
// which will import web).
func testEngine(ctx context.Context, st store.Store, tenant string) (*metric.Engine, error) {
	cat, err := metric.Standard(record.NewCatalog())
	if err != nil {
		return nil, err
	}
	d, err := metric.DialectFor(string(st.Engine()))
	if err != nil {
		return nil, err
	}
	return &metric.Engine{Catalog: cat, DB: st.DB(), Dialect: d}, nil
}

// request runs a request as a user ("" for anonymous) through the handler. Unsafe methods get
// the session's CSRF header.
func (e *testEnv) request(t testing.TB, login, method, target string, body *strings.Reader, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, target, body)
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	if login != "" {
		tok := e.sessions[login]
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
		if isUnsafe(method) {
			req.Header.Set(csrfHeader, csrfToken(tok))
		}
	}
	for k, v := range hdr {
		if k == "Cookie" && req.Header.Get("Cookie") != "" {
			v = req.Header.Get("Cookie") + "; " + v
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *testEnv) get(t testing.TB, login, target string) *httptest.ResponseRecorder {
	return e.request(t, login, http.MethodGet, target, nil, nil)
}

func form(kv ...string) *strings.Reader {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return strings.NewReader(v.Encode())
}

func regexpMust(re string) *regexp.Regexp { return regexp.MustCompile(re) }

// importDemo generates a demo seller into dir and imports it into the tenant "default" of st,
// as imported at the instant at.
func importDemo(ctx context.Context, st store.Store, cfg demo.Config, dir string, at time.Time) error {
	files, err := demo.Generate(cfg, dir)
	if err != nil {
		return err
	}
	im := ingest.New(st)
	im.Now = func() time.Time { return at }
	for _, f := range files {
		in, err := ingest.FileInput(f.Path)
		if err != nil {
			return err
		}
		if _, err := im.Import(ctx, ingest.Options{Tenant: "default", Kind: f.Kind, Source: "demo"}, in); err != nil {
			return fmt.Errorf("import %s: %w", f.Kind, err)
		}
	}
	return nil
}
