package web

import (
	"errors"
	"net"
	"net/http"
	"strings"

	"pulso/internal/auth"
)

type loginView struct {
	*page
	Tenant, Login, Next string
	Error               string
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	next := localPath(r.URL.Query().Get("next"))
	if c.user != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v := &loginView{page: s.newPage(r, c, "login.title"), Tenant: s.cfg.Tenant, Next: next}
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
		tenant = s.cfg.Tenant
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
		v := &loginView{page: s.newPage(r, c, "login.title"), Tenant: tenant, Login: login, Next: next, Error: c.loc.MustT(key, nil)}
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
