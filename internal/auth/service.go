package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"pulso/internal/store"
)

// Store is what the service keeps its users, sessions, tokens and audit log in; store.Store
// implements it.
type Store interface {
	CreateUser(ctx context.Context, tenant string, u store.UserRow) error
	UpdateUser(ctx context.Context, tenant string, u store.UserRow) error
	SetPasswordHash(ctx context.Context, tenant, userID, hash string, at time.Time) error
	User(ctx context.Context, tenant, id string) (store.UserRow, error)
	UserByLogin(ctx context.Context, tenant, login string) (store.UserRow, error)
	Users(ctx context.Context, tenant string) ([]store.UserRow, error)
	CreateSession(ctx context.Context, s store.SessionRow) error
	SessionByHash(ctx context.Context, hash string) (store.SessionRow, error)
	TouchSession(ctx context.Context, tenant, hash string, at time.Time) error
	RevokeSession(ctx context.Context, tenant, hash string, at time.Time) error
	RevokeUserSessions(ctx context.Context, tenant, userID string, at time.Time) error
	CreateAPIToken(ctx context.Context, t store.APITokenRow) error
	APITokenByHash(ctx context.Context, hash string) (store.APITokenRow, error)
	APITokens(ctx context.Context, tenant string) ([]store.APITokenRow, error)
	TouchAPIToken(ctx context.Context, tenant, id string, at time.Time) error
	RevokeAPIToken(ctx context.Context, tenant, id string, at time.Time) error
	AppendAudit(ctx context.Context, a store.AuditRow) error
	AuditLog(ctx context.Context, tenant string, limit int) ([]store.AuditRow, error)
}

var _ Store = store.Store(nil)

// Defaults of New.
const (
	IdleTimeout = 12 * time.Hour
	MaxAge      = 7 * 24 * time.Hour
	// TouchEvery spaces the writes that record a session or token being used: the idle limit
	// is then exact to within this much, and a page view rarely costs a write.
	TouchEvery = time.Minute
	// HashSlots password hashes run at once, each taking Hash.Memory (2 × 64 MiB by default);
	// more would only queue for the CPU of a 2-core server, and a burst of logins must not
	// push the server past its memory budget.
	HashSlots = 2
)

// Service manages users, sign-in, sessions, API tokens and the audit log. Make it with New;
// its fields may be changed before first use.
type Service struct {
	Store       Store
	Now         func() time.Time
	Hash        HashParams
	IdleTimeout time.Duration // a session unused this long ends
	MaxAge      time.Duration // a session ends this long after login, used or not
	Throttle    *Throttle     // failed sign-ins per login, address and pair

	hashing   chan struct{} // one slot per hash allowed to run at once
	dummyOnce sync.Once
	dummy     string
}

// New makes a service with the defaults above.
func New(st Store) *Service {
	s := &Service{Store: st, Now: time.Now, Hash: DefaultHash, IdleTimeout: IdleTimeout, MaxAge: MaxAge}
	clock := func() time.Time { return s.Now() }
	s.Throttle = NewThrottle(clock)
	s.hashing = make(chan struct{}, HashSlots)
	return s
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) } // what both engines keep

// NormalizeLogin is the stored form of a login: trimmed and lower-cased.
func NormalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// normalize checks a user's fields and returns them canonical.
func (u User) normalize() (User, error) {
	if err := store.ValidTenant(u.Tenant); err != nil {
		return u, err
	}
	u.Login = NormalizeLogin(u.Login)
	if u.Login == "" || utf8.RuneCountInString(u.Login) > 254 || strings.ContainsFunc(u.Login, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return u, invalid("login", "must be an e-mail address or a name without spaces, at most 254 characters")
	}
	u.Name = strings.TrimSpace(u.Name)
	if u.Name == "" {
		u.Name = u.Login
	}
	if utf8.RuneCountInString(u.Name) > 200 || strings.ContainsFunc(u.Name, unicode.IsControl) {
		return u, invalid("name", "must be at most 200 characters of text")
	}
	if !u.Role.Valid() {
		return u, invalid("role", "unknown role %q (use admin, manager, analyst or viewer)", u.Role)
	}
	if u.Lang != "" && !slices.Contains(Langs, u.Lang) {
		return u, invalid("lang", "unknown language %q (use %s, or none to follow the browser)", u.Lang, strings.Join(Langs, ", "))
	}
	if u.Currency != "" && !slices.Contains(Currencies, u.Currency) {
		return u, invalid("currency", "unknown currency %q (use %s, or none for USD)", u.Currency, strings.Join(Currencies, ", "))
	}
	sc, err := u.Scopes.normalize()
	if err != nil {
		return u, err
	}
	u.Scopes = sc
	return u, nil
}

func (u User) row(at time.Time) (store.UserRow, error) {
	scopes, err := json.Marshal(u.Scopes)
	if err != nil {
		return store.UserRow{}, fmt.Errorf("auth: encode scopes: %w", err)
	}
	return store.UserRow{ID: u.ID, Login: u.Login, Name: u.Name, Role: string(u.Role), Lang: u.Lang, Currency: u.Currency, Scopes: string(scopes),
		Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: at}, nil
}

func userFromRow(tenant string, r store.UserRow) (User, error) {
	u := User{ID: r.ID, Tenant: tenant, Login: r.Login, Name: r.Name, Role: Role(r.Role), Lang: r.Lang, Currency: r.Currency, Disabled: r.Disabled,
		CreatedAt: r.CreatedAt, LastLoginAt: r.LastLoginAt}
	if err := json.Unmarshal([]byte(r.Scopes), &u.Scopes); err != nil {
		return User{}, fmt.Errorf("auth: user %s has unreadable scopes: %w", r.ID, err)
	}
	return u, nil
}

// CreateUser adds u to u.Tenant with a password and returns it as stored (with ID and
// CreatedAt). It does not write the audit log: the caller knows who acted.
func (s *Service) CreateUser(ctx context.Context, u User, password string) (User, error) {
	u, err := u.normalize()
	if err != nil {
		return User{}, err
	}
	if err := CheckPassword(password, u.Login); err != nil {
		return User{}, err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return User{}, err
	}
	u.ID, u.CreatedAt = randomID(), s.now()
	row, err := u.row(u.CreatedAt)
	if err != nil {
		return User{}, err
	}
	row.PasswordHash = hash
	if err := s.Store.CreateUser(ctx, u.Tenant, row); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return User{}, fmt.Errorf("create user %s: %w", u.Login, ErrLoginTaken)
		}
		return User{}, fmt.Errorf("create user %s: %w", u.Login, err)
	}
	return u, nil
}

// UpdateUser rewrites the login, name, role, lang, currency, scopes and disabled flag of the user
// u.Tenant/u.ID. Disabling a user ends their sessions.
func (s *Service) UpdateUser(ctx context.Context, u User) (User, error) {
	u, err := u.normalize()
	if err != nil {
		return User{}, err
	}
	row, err := u.row(s.now())
	if err != nil {
		return User{}, err
	}
	if err := s.Store.UpdateUser(ctx, u.Tenant, row); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return User{}, fmt.Errorf("update user %s: %w", u.ID, ErrLoginTaken)
		}
		return User{}, fmt.Errorf("update user %s: %w", u.ID, err)
	}
	if u.Disabled {
		if err := s.Store.RevokeUserSessions(ctx, u.Tenant, u.ID, s.now()); err != nil {
			return User{}, fmt.Errorf("update user %s: %w", u.ID, err)
		}
	}
	return s.User(ctx, u.Tenant, u.ID)
}

// SetPassword replaces a user's password and ends all their sessions (a stolen one too), so
// the user signs in again. It is the administrator's reset; a user changing their own
// password goes through ChangePassword.
func (s *Service) SetPassword(ctx context.Context, tenant, userID, password string) error {
	u, err := s.User(ctx, tenant, userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := CheckPassword(password, u.Login); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.Store.SetPasswordHash(ctx, tenant, userID, hash, now); err != nil {
		return fmt.Errorf("set password of user %s: %w", userID, err)
	}
	if err := s.Store.RevokeUserSessions(ctx, tenant, userID, now); err != nil {
		return fmt.Errorf("set password of user %s: %w", userID, err)
	}
	return nil
}

// ChangePassword is a signed-in user changing their own password: the current one must be
// right (a wrong one counts as a failed sign-in, so a stolen session is no way around the
// Throttle). Every session of the user ends, and a new one is opened for the browser that
// made the change, which the caller hands back to it.
func (s *Service) ChangePassword(ctx context.Context, tenant, userID, current, password, ip string) (Session, error) {
	u, err := s.activeUser(ctx, tenant, userID, fmt.Errorf("user %s: %w", userID, ErrNotFound))
	if err != nil {
		return Session{}, fmt.Errorf("change password: %w", err)
	}
	lk, ak := loginKey(tenant, u.Login), addrKey(ip)
	if until, wait := s.Throttle.Wait(lk, ak); wait {
		return Session{}, &LockedError{Until: until}
	}
	row, err := s.Store.User(ctx, tenant, userID)
	if err != nil {
		return Session{}, fmt.Errorf("change password: %w", err)
	}
	ok, _, err := s.verifyPassword(ctx, current, row.PasswordHash)
	if err != nil {
		return Session{}, fmt.Errorf("change password: user %s: %w", userID, err)
	}
	if !ok {
		s.Throttle.Fail(lk, ak)
		return Session{}, &FieldError{Field: "current_password", Rule: "wrong", Message: "is not your current password"}
	}
	if current == password {
		return Session{}, pwRule(RuleSame, "must differ from the current one")
	}
	if err := s.SetPassword(ctx, tenant, userID, password); err != nil {
		return Session{}, err
	}
	return s.openSession(ctx, tenant, userID, ip)
}

// SignOutOthers ends every session of the user whose session token is given, and opens a
// new one for that browser (so a copy of the old cookie is no good either).
func (s *Service) SignOutOthers(ctx context.Context, token, ip string) (Session, error) {
	u, err := s.Session(ctx, token)
	if err != nil {
		return Session{}, err
	}
	if err := s.Store.RevokeUserSessions(ctx, u.Tenant, u.ID, s.now()); err != nil {
		return Session{}, fmt.Errorf("sign out other sessions: %w", err)
	}
	return s.openSession(ctx, u.Tenant, u.ID, ip)
}

// openSession stores a new session of a user and returns it with its token.
func (s *Service) openSession(ctx context.Context, tenant, userID, ip string) (Session, error) {
	now := s.now()
	sess := Session{Token: Secret(newSecret()), Tenant: tenant, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(s.MaxAge)}
	if err := s.Store.CreateSession(ctx, store.SessionRow{Tenant: tenant, Hash: digest(string(sess.Token)), UserID: userID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: sess.ExpiresAt, IP: ip}); err != nil {
		return Session{}, fmt.Errorf("open session: %w", err)
	}
	return sess, nil
}

// SetDisabled disables or enables a user. Disabling ends their sessions, and their API
// tokens stop working (TokenUser refuses a disabled user's) until they are enabled again.
func (s *Service) SetDisabled(ctx context.Context, tenant, userID string, disabled bool) (User, error) {
	u, err := s.User(ctx, tenant, userID)
	if err != nil {
		return User{}, err
	}
	u.Disabled = disabled
	return s.UpdateUser(ctx, u)
}

// UserByLogin returns one user by login (normalised as stored).
func (s *Service) UserByLogin(ctx context.Context, tenant, login string) (User, error) {
	r, err := s.Store.UserByLogin(ctx, tenant, NormalizeLogin(login))
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", NormalizeLogin(login), err)
	}
	return userFromRow(tenant, r)
}

// User returns one user by id.
func (s *Service) User(ctx context.Context, tenant, id string) (User, error) {
	r, err := s.Store.User(ctx, tenant, id)
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", id, err)
	}
	return userFromRow(tenant, r)
}

// ListUsers returns a tenant's users by login.
func (s *Service) ListUsers(ctx context.Context, tenant string) ([]User, error) {
	rows, err := s.Store.Users(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(rows))
	for _, r := range rows {
		u, err := userFromRow(tenant, r)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
