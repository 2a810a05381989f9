package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csp allows nothing but this origin: scripts and styles come from /static only (no inline
// script, no inline style), and no page may be framed or post anywhere else.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secureHeaders sets the security headers of every response.
func secureHeaders(secure bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// Cookie names. The session cookie holds the auth service's session token; the pre-session
// cookie is a random value that binds the login form's CSRF token before anyone signs in.
const (
	sessionCookie = "pulso_session"
	preCookie     = "pulso_pre"
	langCookie    = "pulso_lang"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// csrfToken derives the CSRF token from the secret cookie it protects (the session token, or
// the pre-session value): a page can only know it if it was served to the cookie's owner, and
// no server-side state is needed however many nodes serve the board.
func csrfToken(cookieValue string) string {
	if cookieValue == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(cookieValue))
	m.Write([]byte("pulso csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF checks the token a state-changing request carries (form field or header).
func validCSRF(r *http.Request, cookieValue string) bool {
	want := csrfToken(cookieValue)
	if want == "" {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// setCookie writes an HttpOnly, SameSite=Lax cookie for the whole site (maxAge 0: a browser
// session; < 0: delete).
func (s *server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
}

// localPath keeps a redirect target on this site ("/kpi/x?y"); anything else becomes "/".
// Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
// "/\t/evil.example" or "/\\evil.example" would leave the site: a target must be a plain
// path — no control character, space or backslash anywhere, no scheme or host.
func localPath(p string) string {
	if p == "" || p[0] != '/' || len(p) > 2048 || strings.HasPrefix(p, "//") {
		return "/"
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' || unicode.IsSpace(r) || r == utf8.RuneError {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return p
}
