package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pulso/internal/store"
)

// Session is a browser session as issued at login. Only the SHA-256 of Token is stored, so
// the token cannot be read back; the browser keeps it (e.g. in an HttpOnly, Secure cookie
// that expires at ExpiresAt).
type Session struct {
	Token     Secret
	Tenant    string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time // absolute end; IdleTimeout without use ends it sooner
}

// APIToken describes an API token; the token itself is shown once, by CreateToken.
type APIToken struct {
	ID         string     `json:"id"`
	Tenant     string     `json:"tenant"`
	UserID     string     `json:"user_id"` // the user the token acts as, with their role and scopes
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"` // nil: until revoked
	RevokedAt  *time.Time `json:"revoked_at"`
}

// TokenPrefix starts every API token, so that one pasted somewhere is recognisable (and
// secret scanners can be taught to find it).
const TokenPrefix = "pulso_"

const secretBytes = 32

var secretLen = base64.RawURLEncoding.EncodedLen(secretBytes)

func newSecret() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// wellFormed tells whether s could be a secret we issued, so that junk costs no lookup.
func wellFormed(s string) bool {
	if len(s) != secretLen {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// digest is what the store keeps of a secret.
func digest(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Audit actions the service writes itself.
const (
	ActionLogin       = "login"
	ActionLoginFailed = "login_failed"
	ActionLogout      = "logout"
)

// Login checks a password and opens a new session: every login gets a fresh token (the web
// layer revokes a session cookie the browser already had, with Logout). Failures are
// ErrBadCredentials (unknown login or wrong password, told apart only in the audit log),
// *LockedError (ErrLocked) while the Throttle makes the login or the client address wait, or
// ErrDisabled (right password, disabled user). Every attempt is written to the audit log.
func (s *Service) Login(ctx context.Context, tenant, login, password, ip string) (Session, User, error) {
	if err := store.ValidTenant(tenant); err != nil {
		return Session{}, User{}, err
	}
	login = NormalizeLogin(login)
	if utf8.RuneCountInString(login) > 254 {
		login = string([]rune(login)[:254])
	}
	lk, ak := loginKey(tenant, login), addrKey(ip)
	fail := func(userID, reason string, cause error) (Session, User, error) {
		entry := Entry{Tenant: tenant, UserID: userID, Login: login, Action: ActionLoginFailed, IP: ip,
			Detail: map[string]string{"reason": reason}}
		if userID != "" {
			entry.Object = "user:" + userID
		}
		if err := s.Audit(ctx, entry); err != nil {
			return Session{}, User{}, errors.Join(cause, err)
		}
		return Session{}, User{}, cause
	}
	if until, wait := s.Throttle.Wait(lk, ak); wait {
		return fail("", "locked", &LockedError{Until: until})
	}
	strike := func() { s.Throttle.Fail(lk, ak) }

	row, err := s.Store.UserByLogin(ctx, tenant, login)
	if errors.Is(err, store.ErrNotFound) {
		s.burn(ctx, password)
		strike()
		return fail("", "unknown_login", ErrBadCredentials)
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("login: %w", err)
	}
	ok, stale, err := s.verifyPassword(ctx, password, row.PasswordHash)
	if err != nil {
		return Session{}, User{}, fmt.Errorf("login: user %s: %w", row.ID, err)
	}
	if !ok {
		strike()
		return fail(row.ID, "bad_password", ErrBadCredentials)
	}
	u, err := userFromRow(tenant, row)
	if err != nil {
		return Session{}, User{}, err
	}
	if u.Disabled {
		return fail(u.ID, "disabled", ErrDisabled)
	}
	s.Throttle.Succeed(lk, ak)

	if stale { // parameters changed since this hash was made; the old hash keeps working if this fails
		if h, err := s.hashPassword(ctx, password); err == nil {
			_ = s.Store.SetPasswordHash(ctx, tenant, u.ID, h, s.now())
		}
	}
	if err := s.Audit(ctx, Entry{Tenant: tenant, UserID: u.ID, Login: u.Login, Action: ActionLogin, Object: "user:" + u.ID, IP: ip}); err != nil {
		return Session{}, User{}, fmt.Errorf("login: %w", err) // no audit entry, no session
	}
	sess, err := s.openSession(ctx, tenant, u.ID, ip)
	if err != nil {
		return Session{}, User{}, fmt.Errorf("login: %w", err)
	}
	return sess, u, nil
}

// Session returns the user of a browser session token. A missing, revoked or malformed token
// is ErrNoSession; one past its idle or absolute limit ErrSessionExpired (which is also
// ErrNoSession); a disabled user ErrDisabled.
func (s *Service) Session(ctx context.Context, token string) (User, error) {
	if !wellFormed(token) {
		return User{}, ErrNoSession
	}
	hash := digest(token)
	row, err := s.Store.SessionByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return User{}, ErrNoSession
	}
	if err != nil {
		return User{}, fmt.Errorf("session: %w", err)
	}
	now := s.now()
	switch {
	case row.RevokedAt != nil:
		return User{}, ErrNoSession
	case !now.Before(row.ExpiresAt), !now.Before(row.LastSeenAt.Add(s.IdleTimeout)):
		return User{}, ErrSessionExpired
	}
	u, err := s.activeUser(ctx, row.Tenant, row.UserID, ErrNoSession)
	if err != nil {
		return User{}, err
	}
	if now.Sub(row.LastSeenAt) >= TouchEvery {
		// Best effort: parallel requests of one page may race on the row (DuckDB reports a
		// write conflict), and a missed touch only makes the idle limit count from a minute
		// earlier, which must not fail the request.
		_ = s.Store.TouchSession(ctx, row.Tenant, hash, now)
	}
	return u, nil
}

// activeUser loads the user a session or token acts as; gone is returned if there is none.
func (s *Service) activeUser(ctx context.Context, tenant, id string, gone error) (User, error) {
	u, err := s.User(ctx, tenant, id)
	if errors.Is(err, store.ErrNotFound) {
		return User{}, gone
	}
	if err != nil {
		return User{}, err
	}
	if u.Disabled {
		return User{}, ErrDisabled
	}
	return u, nil
}

// Logout ends a session. An unknown or already ended one is no error: the browser is
// signed out either way.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !wellFormed(token) {
		return nil
	}
	hash := digest(token)
	row, err := s.Store.SessionByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	if row.RevokedAt != nil {
		return nil
	}
	if err := s.Store.RevokeSession(ctx, row.Tenant, hash, s.now()); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	e := Entry{Tenant: row.Tenant, UserID: row.UserID, Action: ActionLogout, Object: "user:" + row.UserID}
	if u, err := s.User(ctx, row.Tenant, row.UserID); err == nil {
		e.Login = u.Login
	}
	return s.Audit(ctx, e)
}

// CreateToken makes an API token acting as the user userID (with that user's role and
// scopes) until it is revoked. The returned secret is shown once; only its SHA-256 is kept.
func (s *Service) CreateToken(ctx context.Context, tenant, userID, name string) (Secret, APIToken, error) {
	return s.CreateTokenUntil(ctx, tenant, userID, name, time.Time{})
}

// CreateTokenUntil is CreateToken for a token that stops working at expires (zero: never);
// an expiry not in the future is refused.
func (s *Service) CreateTokenUntil(ctx context.Context, tenant, userID, name string, expires time.Time) (Secret, APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsFunc(name, unicode.IsControl) {
		return "", APIToken{}, invalid("name", "a token needs a name of at most 100 characters (e.g. \"Power BI\")")
	}
	now := s.now()
	var exp *time.Time
	if !expires.IsZero() {
		if !expires.After(now) {
			return "", APIToken{}, invalid("expires", "must be in the future")
		}
		e := expires.UTC().Truncate(time.Microsecond)
		exp = &e
	}
	if _, err := s.activeUser(ctx, tenant, userID, fmt.Errorf("user %s: %w", userID, ErrNotFound)); err != nil {
		return "", APIToken{}, fmt.Errorf("create token: %w", err)
	}
	secret := TokenPrefix + newSecret()
	t := APIToken{ID: randomID(), Tenant: tenant, UserID: userID, Name: name, CreatedAt: now, ExpiresAt: exp}
	if err := s.Store.CreateAPIToken(ctx, store.APITokenRow{Tenant: tenant, ID: t.ID, Hash: digest(secret), Name: name,
		UserID: userID, CreatedAt: t.CreatedAt, ExpiresAt: exp}); err != nil {
		return "", APIToken{}, fmt.Errorf("create token: %w", err)
	}
	return Secret(secret), t, nil
}

// TokenUser returns the user an API token acts as: ErrBadToken for an unknown, malformed,
// expired or revoked token, ErrDisabled if the user is disabled.
func (s *Service) TokenUser(ctx context.Context, token string) (User, error) {
	secret, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok || !wellFormed(secret) {
		return User{}, ErrBadToken
	}
	row, err := s.Store.APITokenByHash(ctx, digest(token))
	if errors.Is(err, store.ErrNotFound) {
		return User{}, ErrBadToken
	}
	if err != nil {
		return User{}, fmt.Errorf("API token: %w", err)
	}
	now := s.now()
	if row.RevokedAt != nil || (row.ExpiresAt != nil && !now.Before(*row.ExpiresAt)) {
		return User{}, ErrBadToken
	}
	u, err := s.activeUser(ctx, row.Tenant, row.UserID, ErrBadToken)
	if err != nil {
		return User{}, err
	}
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) >= TouchEvery {
		_ = s.Store.TouchAPIToken(ctx, row.Tenant, row.ID, now) // best effort, as for sessions
	}
	return u, nil
}

// RevokeToken revokes an API token by id; revoking it again is no error, an unknown id is
// ErrNotFound.
func (s *Service) RevokeToken(ctx context.Context, tenant, id string) error {
	if err := s.Store.RevokeAPIToken(ctx, tenant, id, s.now()); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// ListTokens lists a tenant's API tokens, revoked ones included, oldest first.
func (s *Service) ListTokens(ctx context.Context, tenant string) ([]APIToken, error) {
	rows, err := s.Store.APITokens(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make([]APIToken, len(rows))
	for i, r := range rows {
		out[i] = APIToken{ID: r.ID, Tenant: r.Tenant, UserID: r.UserID, Name: r.Name, CreatedAt: r.CreatedAt,
			LastUsedAt: r.LastUsedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt}
	}
	return out, nil
}
