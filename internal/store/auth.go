package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrDuplicate is returned when a row would repeat a unique value (e.g. a user's login).
var ErrDuplicate = errors.New("already exists")

// UserRow is a stored user (the auth package gives it meaning). Times come from the caller.
type UserRow struct {
	ID, Login, Name, Role, Lang string
	Currency                    string // the board's money: USD, CNY, "local" or "" (the default)
	Scopes                      string // JSON document
	PasswordHash                string // argon2id PHC string
	Disabled                    bool
	CreatedAt, UpdatedAt        time.Time
	LastLoginAt                 *time.Time // read only: the newest session's start, nil if none
}

// SessionRow is a stored browser session; Hash is the hex SHA-256 of the browser's token.
type SessionRow struct {
	Tenant, Hash, UserID string
	CreatedAt            time.Time
	LastSeenAt           time.Time
	ExpiresAt            time.Time  // absolute end
	RevokedAt            *time.Time // nil while valid
	IP                   string
}

// APITokenRow is a stored API token; Hash is the hex SHA-256 of the token.
type APITokenRow struct {
	Tenant, ID, Hash, Name, UserID string
	CreatedAt                      time.Time
	LastUsedAt, RevokedAt          *time.Time
	ExpiresAt                      *time.Time // nil: until revoked
}

// AuditRow is one audit log entry; Detail is a JSON object.
type AuditRow struct {
	Tenant, ID                 string
	At                         time.Time
	UserID, Login              string
	Action, Object, Detail, IP string
}

const userCols = `user_id, login, name, role, lang, scopes, password_hash, disabled, created_at, updated_at, currency`

// userSelect reads userCols and the last login, which is the start of the user's newest
// session (sessions are kept after they end, so it survives a logout). A currency column that
// DuckDB added to existing rows may be NULL: it reads as empty.
const userSelect = `SELECT user_id, login, name, role, lang, scopes, password_hash, disabled, created_at, updated_at,
	COALESCE(currency, ''), (SELECT max(s.created_at) FROM sessions s
	WHERE s.tenant_id = users.tenant_id AND s.user_id = users.user_id) FROM users `

// CreateUser adds a user; a login already used in the tenant is ErrDuplicate.
func CreateUser(ctx context.Context, db *sql.DB, tenant string, u UserRow) error {
	if err := ValidTenant(tenant); err != nil {
		return err
	}
	if u.ID == "" || u.Login == "" {
		return errors.New("store: a user needs an id and a login")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	// The unique constraint is the backstop; checking first gives one error value on both
	// engines (their constraint errors differ).
	if err := loginFree(ctx, tx, tenant, u.Login, ""); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO users (tenant_id, `+userCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		tenant, u.ID, u.Login, u.Name, u.Role, u.Lang, u.Scopes, u.PasswordHash, u.Disabled, u.CreatedAt.UTC(), u.UpdatedAt.UTC(), u.Currency); err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func loginFree(ctx context.Context, tx *sql.Tx, tenant, login, exceptID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE tenant_id = $1 AND login = $2 AND user_id <> $3`,
		tenant, login, exceptID).Scan(&n); err != nil {
		return fmt.Errorf("store: check login: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("login %q: %w", login, ErrDuplicate)
	}
	return nil
}

// UpdateUser rewrites a user's login, name, role, lang, currency, scopes, disabled flag and updated_at;
// the password hash and created_at stay. A missing user is ErrNotFound, a taken login ErrDuplicate.
func UpdateUser(ctx context.Context, db *sql.DB, tenant string, u UserRow) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if err := loginFree(ctx, tx, tenant, u.Login, u.ID); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE users SET login = $3, name = $4, role = $5, lang = $6, scopes = $7,
		disabled = $8, updated_at = $9, currency = $10 WHERE tenant_id = $1 AND user_id = $2`,
		tenant, u.ID, u.Login, u.Name, u.Role, u.Lang, u.Scopes, u.Disabled, u.UpdatedAt.UTC(), u.Currency)
	if err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %s: %w", u.ID, ErrNotFound)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// SetPasswordHash replaces a user's password hash.
func SetPasswordHash(ctx context.Context, db *sql.DB, tenant, userID, hash string, at time.Time) error {
	res, err := db.ExecContext(ctx, `UPDATE users SET password_hash = $3, updated_at = $4 WHERE tenant_id = $1 AND user_id = $2`,
		tenant, userID, hash, at.UTC())
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	return nil
}

// User returns a user by id, or ErrNotFound.
func User(ctx context.Context, db *sql.DB, tenant, id string) (UserRow, error) {
	return oneUser(ctx, db, userSelect+`WHERE tenant_id = $1 AND user_id = $2`, tenant, id)
}

// UserByLogin returns a user by login (as stored: lower-cased), or ErrNotFound.
func UserByLogin(ctx context.Context, db *sql.DB, tenant, login string) (UserRow, error) {
	return oneUser(ctx, db, userSelect+`WHERE tenant_id = $1 AND login = $2`, tenant, login)
}

func oneUser(ctx context.Context, db *sql.DB, q, tenant, key string) (UserRow, error) {
	u, err := scanUser(db.QueryRowContext(ctx, q, tenant, key))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user: %w", ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: read user: %w", err)
	}
	return u, nil
}

// Users lists a tenant's users by login.
func Users(ctx context.Context, db *sql.DB, tenant string) ([]UserRow, error) {
	rows, err := db.QueryContext(ctx, userSelect+`WHERE tenant_id = $1 ORDER BY login`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: read users: %w", err)
	}
	defer rows.Close()
	var out []UserRow
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(s rowScanner) (UserRow, error) {
	var u UserRow
	var last sql.NullTime
	err := s.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.Lang, &u.Scopes, &u.PasswordHash, &u.Disabled, &u.CreatedAt, &u.UpdatedAt, &u.Currency, &last)
	u.LastLoginAt = optionalTime(last)
	return u, err
}

// CreateSession stores a new session.
func CreateSession(ctx context.Context, db *sql.DB, s SessionRow) error {
	if err := ValidTenant(s.Tenant); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO sessions (tenant_id, token_hash, user_id, created_at, last_seen_at, expires_at, revoked_at, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.Tenant, s.Hash, s.UserID, s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC(), nullableTime(s.RevokedAt), s.IP); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByHash finds a session of any tenant by token hash, revoked or expired alike; the
// caller judges it. A missing session is ErrNotFound.
func SessionByHash(ctx context.Context, db *sql.DB, hash string) (SessionRow, error) {
	var s SessionRow
	var revoked sql.NullTime
	err := db.QueryRowContext(ctx, `SELECT tenant_id, token_hash, user_id, created_at, last_seen_at, expires_at, revoked_at, ip
		FROM sessions WHERE token_hash = $1`, hash).Scan(&s.Tenant, &s.Hash, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &revoked, &s.IP)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("store: read session: %w", err)
	}
	s.RevokedAt = optionalTime(revoked)
	return s, nil
}

// TouchSession records that a session was used at a time.
func TouchSession(ctx context.Context, db *sql.DB, tenant, hash string, at time.Time) error {
	if _, err := db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $3 WHERE tenant_id = $1 AND token_hash = $2`,
		tenant, hash, at.UTC()); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// RevokeSession ends a session; one already revoked keeps its first revocation time.
func RevokeSession(ctx context.Context, db *sql.DB, tenant, hash string, at time.Time) error {
	if _, err := db.ExecContext(ctx, `UPDATE sessions SET revoked_at = $3 WHERE tenant_id = $1 AND token_hash = $2 AND revoked_at IS NULL`,
		tenant, hash, at.UTC()); err != nil {
		return fmt.Errorf("store: revoke session: %w", err)
	}
	return nil
}

// RevokeUserSessions ends every open session of a user.
func RevokeUserSessions(ctx context.Context, db *sql.DB, tenant, userID string, at time.Time) error {
	if _, err := db.ExecContext(ctx, `UPDATE sessions SET revoked_at = $3 WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
		tenant, userID, at.UTC()); err != nil {
		return fmt.Errorf("store: revoke sessions: %w", err)
	}
	return nil
}

const tokenCols = `tenant_id, token_id, token_hash, name, user_id, created_at, last_used_at, revoked_at, expires_at`

// CreateAPIToken stores a new API token.
func CreateAPIToken(ctx context.Context, db *sql.DB, t APITokenRow) error {
	if err := ValidTenant(t.Tenant); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO api_tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.Tenant, t.ID, t.Hash, t.Name, t.UserID, t.CreatedAt.UTC(), nullableTime(t.LastUsedAt), nullableTime(t.RevokedAt), nullableTime(t.ExpiresAt)); err != nil {
		return fmt.Errorf("store: create API token: %w", err)
	}
	return nil
}

// APITokenByHash finds a token of any tenant by hash, revoked or not, or ErrNotFound.
func APITokenByHash(ctx context.Context, db *sql.DB, hash string) (APITokenRow, error) {
	t, err := scanToken(db.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("API token: %w", ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: read API token: %w", err)
	}
	return t, nil
}

// APITokens lists a tenant's tokens, oldest first.
func APITokens(ctx context.Context, db *sql.DB, tenant string) ([]APITokenRow, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE tenant_id = $1 ORDER BY created_at, token_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: read API tokens: %w", err)
	}
	defer rows.Close()
	var out []APITokenRow
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read API tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func scanToken(s rowScanner) (APITokenRow, error) {
	var t APITokenRow
	var used, revoked, expires sql.NullTime
	err := s.Scan(&t.Tenant, &t.ID, &t.Hash, &t.Name, &t.UserID, &t.CreatedAt, &used, &revoked, &expires)
	t.LastUsedAt, t.RevokedAt, t.ExpiresAt = optionalTime(used), optionalTime(revoked), optionalTime(expires)
	return t, err
}

// TouchAPIToken records that a token was used at a time.
func TouchAPIToken(ctx context.Context, db *sql.DB, tenant, id string, at time.Time) error {
	if _, err := db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $3 WHERE tenant_id = $1 AND token_id = $2`,
		tenant, id, at.UTC()); err != nil {
		return fmt.Errorf("store: touch API token: %w", err)
	}
	return nil
}

// RevokeAPIToken revokes a token (again: a no-op keeping the first time); a missing one is ErrNotFound.
func RevokeAPIToken(ctx context.Context, db *sql.DB, tenant, id string, at time.Time) error {
	res, err := db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND token_id = $2`,
		tenant, id, at.UTC())
	if err != nil {
		return fmt.Errorf("store: revoke API token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("API token %s: %w", id, ErrNotFound)
	}
	return nil
}

// AppendAudit appends an audit entry (an empty ID gets a random one). Entries are never
// updated or deleted through the store.
func AppendAudit(ctx context.Context, db *sql.DB, a AuditRow) error {
	if err := ValidTenant(a.Tenant); err != nil {
		return err
	}
	if a.ID == "" {
		a.ID = randomHex(12)
	}
	if a.Detail == "" {
		a.Detail = "{}"
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO audit_log (tenant_id, audit_id, occurred_at, user_id, login, action, object, detail, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.Tenant, a.ID, a.At.UTC(), a.UserID, a.Login, a.Action, a.Object, a.Detail, a.IP); err != nil {
		return fmt.Errorf("store: append audit entry: %w", err)
	}
	return nil
}

// AuditLog returns a tenant's latest audit entries, newest first, at most limit.
func AuditLog(ctx context.Context, db *sql.DB, tenant string, limit int) ([]AuditRow, error) {
	rows, err := db.QueryContext(ctx, `SELECT tenant_id, audit_id, occurred_at, user_id, login, action, object, detail, ip
		FROM audit_log WHERE tenant_id = $1 ORDER BY occurred_at DESC, audit_id DESC LIMIT $2`, tenant, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		var a AuditRow
		if err := rows.Scan(&a.Tenant, &a.ID, &a.At, &a.UserID, &a.Login, &a.Action, &a.Object, &a.Detail, &a.IP); err != nil {
			return nil, fmt.Errorf("store: read audit log: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func nullableTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func optionalTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}
