package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"pulso/internal/auth"
)

type loginView struct {
	*page
	Tenant, Login, Next string
	Error               string
	// AskTenant shows the tenant field: more than one company signs in on this server.
	AskTenant bool
}

// signInTenants returns the tenants that have users, at most two (enough to know whether the
// login form must ask which company): a server of one seller never asks.
func (s *server) signInTenants(ctx context.Context) ([]string, error) {
	rows, err := s.cfg.Store.DB().QueryContext(ctx, `SELECT DISTINCT tenant_id FROM users ORDER BY tenant_id LIMIT 2`)
	if err != nil {
		return nil, fmt.Errorf("list the tenants with users: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("list the tenants with users: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// loginForm is the login page's view: the tenant field only when several tenants have users;
// with one, the form does not ask (and does not name it) and loginSubmit signs in to that one.
func (s *server) loginForm(r *http.Request, c *reqctx, tenant, login, next, errMsg string) (*loginView, error) {
	v := &loginView{page: s.newPage(r, c, "login.title"), Tenant: tenant, Login: login, Next: next, Error: errMsg}
	ts, err := s.signInTenants(r.Context())
	if err != nil {
		return nil, err
	}
	v.AskTenant = len(ts) > 1
	return v, nil
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	next := localPath(r.URL.Query().Get("next"))
	if c.user != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v, err := s.loginForm(r, c, s.cfg.Tenant, "", next, "")
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	s.render(w, r, http.StatusOK, "login", v)
}

// clientIP is the peer address (a proxy in front should be configured to connect directly or
// the rate limit counts the proxy; X-Forwarded-For is not trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *server) loginSubmit(w http.ResponseWriter, r *http.Request, c *reqctx) {
	tenant := strings.TrimSpace(r.PostFormValue("tenant"))
	if tenant == "" {
		// the form of a server with one tenant does not ask: sign in to that one
		ts, err := s.signInTenants(r.Context())
		if err != nil {
			s.fail(w, r, c, err)
			return
		}
		tenant = s.cfg.Tenant
		if len(ts) == 1 {
			tenant = ts[0]
		}
	}
	login := r.PostFormValue("login")
	next := localPath(r.PostFormValue("next"))
	sess, u, err := s.cfg.Auth.Login(r.Context(), tenant, login, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		key := "login.failed"
		status := http.StatusUnauthorized
		switch {
		case errors.Is(err, auth.ErrLocked):
			key, status = "login.locked", http.StatusTooManyRequests
		case errors.Is(err, auth.ErrDisabled):
			key = "login.disabled"
		case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrInvalid):
		default:
			if !strings.Contains(err.Error(), "tenant") {
				s.log.Error("login failed", "err", err)
			}
		}
		v, ferr := s.loginForm(r, c, tenant, login, next, c.loc.MustT(key, nil))
		if ferr != nil {
			s.fail(w, r, c, ferr)
			return
		}
		s.render(w, r, status, "login", v)
		return
	}
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		s.cfg.Auth.Logout(r.Context(), ck.Value) // a session the browser had before ends now
	}
	maxAge := int(sess.ExpiresAt.Sub(s.cfg.Now()).Seconds())
	if maxAge <= 0 {
		maxAge = 0
	}
	s.setCookie(w, sessionCookie, string(sess.Token), maxAge)
	s.setCookie(w, preCookie, "", -1)
	if u.Lang != "" {
		s.setCookie(w, langCookie, u.Lang, 365*24*3600)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, c *reqctx) {
	if err := s.cfg.Auth.Logout(r.Context(), c.cookie); err != nil {
		s.log.Warn("logout", "err", err)
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLang switches the language: it is kept in the user's profile when signed in, and in a
// cookie for the login page and the next visit.
func (s *server) setLang(w http.ResponseWriter, r *http.Request, c *reqctx) {
	lang := r.PostFormValue("lang")
	ok := false
	for _, l := range auth.Langs {
		ok = ok || l == lang
	}
	if !ok {
		s.fail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "lang"}, nil))
		return
	}
	if c.user != nil && c.user.Lang != lang {
		u := *c.user
		u.Lang = lang
		if _, err := s.cfg.Auth.UpdateUser(r.Context(), u); err != nil {
			s.fail(w, r, c, err)
			return
		}
	}
	s.setCookie(w, langCookie, lang, 365*24*3600)
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}
