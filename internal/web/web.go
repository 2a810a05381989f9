// Package web serves Pulso's board, KPI pages, alerts, imports, targets and settings as
// server-rendered pages (htmx for partial updates, ECharts for charts) and the same data as a
// JSON API under /api/v1. Handlers load, call one service and render a typed view.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"pulso/internal/auth"
	"pulso/internal/calendar"
	"pulso/internal/i18n"
	"pulso/internal/metric"
	"pulso/internal/secret"
	"pulso/internal/store"
)

// Config is what the web layer is built from.
type Config struct {
	Store store.Store
	// Engine builds a tenant's KPI engine (app.NewEngine).
	Engine   func(ctx context.Context, st store.Store, tenant string) (*metric.Engine, error)
	Auth     Auth
	Bundle   *i18n.Bundle
	Calendar *calendar.Calendar
	Log      *slog.Logger
	// Now is the clock (default time.Now); the board's default day is the day before Now.
	Now func() time.Time
	// Secure marks cookies Secure and sends HSTS (serve over HTTPS).
	Secure bool
	// Tenant is the login page's default tenant (default "default").
	Tenant string
	// MaxUpload bounds an uploaded file (default 64 MiB).
	MaxUpload int64
	// UploadDir keeps checked uploads until they are committed (default pulso-uploads in the
	// system's temporary directory); files left by an earlier run are removed at start.
	UploadDir string
	// Keys seal and open the alerting channels' secrets edited on the settings page (the
	// same source `pulso alert apply` uses). Unset: no key, and a channel secret cannot be saved.
	Keys secret.Source
}

// server holds what the handlers share; it is built once by New and never changed after.
type server struct {
	cfg     Config
	log     *slog.Logger
	assets  *assets
	tmpl    *templates
	uploads *uploads
}

// New builds the web handler: it parses every template and hashes every static file, so a
// broken template fails here and not on a user's page.
func New(cfg Config) (http.Handler, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	return secureHeaders(cfg.Secure, s.routes()), nil
}

func newServer(cfg Config) (*server, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("web: Config.Store is required")
	case cfg.Engine == nil:
		return nil, errors.New("web: Config.Engine is required")
	case cfg.Auth == nil:
		return nil, errors.New("web: Config.Auth is required")
	case cfg.Bundle == nil:
		return nil, errors.New("web: Config.Bundle is required")
	case cfg.Calendar == nil:
		return nil, errors.New("web: Config.Calendar is required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tenant == "" {
		cfg.Tenant = "default"
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 64 << 20
	}
	if cfg.Keys.Getenv == nil {
		cfg.Keys.Getenv = func(string) string { return "" }
	}
	if cfg.UploadDir == "" {
		cfg.UploadDir = filepath.Join(os.TempDir(), "pulso-uploads")
	}
	s := &server{cfg: cfg, log: cfg.Log.With("component", "web")}
	var err error
	if s.uploads, err = newUploads(cfg.UploadDir, cfg.Now); err != nil {
		return nil, fmt.Errorf("web: upload directory: %w", err)
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.tmpl, err = parseTemplates(s.assets); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", s.assets)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /favicon.ico", s.assets.favicon)

	mux.HandleFunc("GET /login", s.anon(s.loginPage))
	mux.HandleFunc("POST /login", s.anon(s.loginSubmit))
	mux.HandleFunc("POST /logout", s.page(auth.View, s.logout))
	mux.HandleFunc("POST /lang", s.anon(s.setLang))
	mux.HandleFunc("POST /prefs/currency", s.page(auth.View, s.setCurrency))

	mux.HandleFunc("GET /{$}", s.page(auth.View, s.boardPage))
	mux.HandleFunc("GET /kpi/{id}", s.page(auth.View, s.kpiPage))
	mux.HandleFunc("GET /kpi/{id}/records", s.page(auth.View, s.recordsPage))
	mux.HandleFunc("GET /alerts", s.page(auth.View, s.alertsPage))
	mux.HandleFunc("GET /alerts/{id}", s.page(auth.View, s.alertPage))
	mux.HandleFunc("POST /alerts/{id}/ack", s.page(auth.AckAlert, s.alertAck))
	mux.HandleFunc("POST /alerts/{id}/silence", s.page(auth.Silence, s.alertSilence))
	mux.HandleFunc("GET /sources", s.page(auth.View, s.sourcesPage))
	mux.HandleFunc("GET /import", s.page(auth.Import, s.importPage))
	mux.HandleFunc("POST /import", s.page(auth.Import, s.importCheck))
	mux.HandleFunc("POST /import/commit", s.page(auth.Import, s.importCommit))
	mux.HandleFunc("POST /import/map", s.page(auth.Import, s.importMap))
	mux.HandleFunc("GET /targets", s.page(auth.View, s.targetsPage))
	mux.HandleFunc("POST /targets", s.page(auth.EditTargets, s.targetAdd))
	mux.HandleFunc("GET /settings", s.page(auth.View, s.settingsPage))
	mux.HandleFunc("POST /settings/users", s.page(auth.ManageUsers, s.userCreate))
	mux.HandleFunc("POST /settings/password", s.page(auth.View, s.passwordChange))
	mux.HandleFunc("POST /settings/sessions/revoke", s.page(auth.View, s.signOutOthers))
	mux.HandleFunc("POST /settings/users/{id}/disable", s.page(auth.ManageUsers, s.userDisable))
	mux.HandleFunc("POST /settings/users/{id}/enable", s.page(auth.ManageUsers, s.userEnable))
	mux.HandleFunc("POST /settings/users/{id}/password", s.page(auth.ManageUsers, s.userPassword))
	mux.HandleFunc("POST /settings/tokens", s.page(auth.ManageUsers, s.tokenCreate))
	mux.HandleFunc("POST /settings/tokens/{id}/revoke", s.page(auth.ManageUsers, s.tokenRevoke))
	mux.HandleFunc("GET /settings/channels/edit", s.page(auth.ManageChannels, s.channelPage))
	mux.HandleFunc("POST /settings/channels/save", s.page(auth.ManageChannels, s.channelSave))
	mux.HandleFunc("POST /settings/channels/test", s.page(auth.ManageChannels, s.channelTest))
	mux.HandleFunc("POST /settings/channels/delete", s.page(auth.ManageChannels, s.channelDelete))

	for _, rt := range s.apiRoutes() {
		mux.HandleFunc(rt.method+" /api/v1"+rt.path, s.api(rt.action, rt.h))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "not_found", "no such API route")
	})
	return mux
}

type apiRoute struct {
	method, path string // path under /api/v1, as api/openapi.yaml names it
	action       auth.Action
	h            handler
}

// apiRoutes are the JSON API's routes; api/openapi.yaml describes each (a test checks it).
func (s *server) apiRoutes() []apiRoute {
	return []apiRoute{
		{"GET", "/board", auth.View, s.apiBoard},
		{"GET", "/kpis", auth.View, s.apiKPIs},
		{"GET", "/kpis/{id}/series", auth.View, s.apiSeries},
		{"GET", "/kpis/{id}/records", auth.View, s.apiRecords},
		{"GET", "/alerts", auth.View, s.apiAlerts},
		{"POST", "/alerts/{id}/ack", auth.AckAlert, s.apiAlertAck},
		{"GET", "/sources", auth.View, s.apiSources},
		{"POST", "/imports", auth.Import, s.apiImport},
		{"GET", "/imports/templates/{kind}", auth.Import, s.apiTemplate},
		{"GET", "/imports/rejects/{id}", auth.Import, s.apiRejects},
		{"GET", "/targets", auth.View, s.apiTargets},
	}
}

// reqctx is what a handler knows about the request beyond the request itself.
type reqctx struct {
	user   *User // nil on anonymous pages
	lang   string
	loc    *i18n.Localizer
	cookie string // the secret cookie the CSRF token derives from
	csrf   string
	bearer bool // authenticated by an API token (no cookie, no CSRF)
}

type handler func(w http.ResponseWriter, r *http.Request, c *reqctx)

// language picks the language: the user's setting, then the language cookie, then the
// browser's Accept-Language.
func (s *server) language(r *http.Request, u *User) string {
	if u != nil && u.Lang != "" {
		return i18n.Match(u.Lang)
	}
	if c, err := r.Cookie(langCookie); err == nil && c.Value != "" {
		return i18n.Match(c.Value)
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// signedOut tells an answer of the auth service that means "not signed in" from a failure.
func signedOut(err error) bool {
	return errors.Is(err, auth.ErrNoSession) || errors.Is(err, auth.ErrBadToken) || errors.Is(err, auth.ErrDisabled) ||
		errors.Is(err, store.ErrTenant)
}

func isUnsafe(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// anon wraps a page that needs no sign-in (login, language). Its forms are protected by the
// pre-session cookie, or the session when there is one.
func (s *server) anon(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &reqctx{}
		if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
			if u, err := s.cfg.Auth.Session(r.Context(), ck.Value); err == nil {
				c.user, c.cookie = &u, ck.Value
			}
		}
		if c.cookie == "" {
			if ck, err := r.Cookie(preCookie); err == nil && len(ck.Value) >= 32 {
				c.cookie = ck.Value
			} else if !isUnsafe(r.Method) {
				c.cookie = randomToken()
				s.setCookie(w, preCookie, c.cookie, 0)
			}
		}
		c.csrf = csrfToken(c.cookie)
		c.lang = s.language(r, c.user)
		c.loc = s.cfg.Bundle.For(c.lang)
		if isUnsafe(r.Method) && !validCSRF(r, c.cookie) {
			s.fail(w, r, c, errCSRF)
			return
		}
		h(w, r, c)
	}
}

// page wraps a signed-in page: without a session it sends the browser to the login page;
// state-changing requests must carry the CSRF token.
func (s *server) page(p auth.Action, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var u User
		err := auth.ErrNoSession // no cookie: a first visit, signed out
		ck, cerr := r.Cookie(sessionCookie)
		if cerr == nil && ck.Value != "" {
			u, err = s.cfg.Auth.Session(r.Context(), ck.Value)
		}
		if err != nil && !signedOut(err) {
			s.fail(w, r, &reqctx{lang: s.language(r, nil), loc: s.cfg.Bundle.For(s.language(r, nil))}, err)
			return
		}
		if err != nil {
			if ck != nil {
				s.setCookie(w, sessionCookie, "", -1)
			}
			if r.Header.Get("HX-Request") != "" {
				w.Header().Set("HX-Redirect", "/login")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next := ""
			if r.Method == http.MethodGet {
				next = "?next=" + urlQueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, "/login"+next, http.StatusSeeOther)
			return
		}
		c := &reqctx{user: &u, cookie: ck.Value, csrf: csrfToken(ck.Value)}
		c.lang = s.language(r, c.user)
		c.loc = s.cfg.Bundle.For(c.lang)
		if isUnsafe(r.Method) && !validCSRF(r, c.cookie) {
			s.fail(w, r, c, errCSRF)
			return
		}
		if !u.Can(p) {
			s.fail(w, r, c, errForbidden)
			return
		}
		h(w, r, c)
	}
}

// api wraps a JSON route: a session cookie (state-changing requests then need the CSRF
// header) or an "Authorization: Bearer pulso_…" token; 401 without either, 403 outside the
// user's role.
func (s *server) api(p auth.Action, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &reqctx{}
		var u User
		var err error = auth.ErrNoSession
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.TrimSpace(tok) != "" {
			u, err = s.cfg.Auth.TokenUser(r.Context(), strings.TrimSpace(tok))
			c.bearer = true
		} else if ck, cerr := r.Cookie(sessionCookie); cerr == nil && ck.Value != "" {
			u, err = s.cfg.Auth.Session(r.Context(), ck.Value)
			c.cookie = ck.Value
		}
		if err != nil && !signedOut(err) {
			lang := s.language(r, nil)
			s.apiFail(w, r, &reqctx{lang: lang, loc: s.cfg.Bundle.For(lang)}, err)
			return
		}
		if err != nil {
			writeJSONError(w, http.StatusUnauthorized, "unauthorized", "sign in or send Authorization: Bearer <API token>")
			return
		}
		c.user = &u
		c.lang = s.language(r, c.user)
		c.loc = s.cfg.Bundle.For(c.lang)
		if !c.bearer && isUnsafe(r.Method) && !validCSRF(r, c.cookie) {
			writeJSONError(w, http.StatusForbidden, "csrf", "missing or wrong "+csrfHeader+" header")
			return
		}
		if !u.Can(p) {
			writeJSONError(w, http.StatusForbidden, "forbidden", "your role does not allow this")
			return
		}
		h(w, r, c)
	}
}

// engine builds the user's tenant's KPI engine with the server's clock.
func (s *server) engine(ctx context.Context, tenant string) (*metric.Engine, error) {
	e, err := s.cfg.Engine(ctx, s.cfg.Store, tenant)
	if err != nil {
		return nil, fmt.Errorf("kpi engine: %w", err)
	}
	if e.Now == nil {
		e.Now = s.cfg.Now
	}
	return e, nil
}

// today is the local date of the server's clock (UTC calendar date).
func (s *server) today() time.Time {
	n := s.cfg.Now().UTC()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}
