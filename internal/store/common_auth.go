package store

import (
	"context"
	"time"
)

// CreateUser implements Store.
func (c Common) CreateUser(ctx context.Context, tenant string, u UserRow) error {
	return CreateUser(ctx, c.SQL, tenant, u)
}

// UpdateUser implements Store.
func (c Common) UpdateUser(ctx context.Context, tenant string, u UserRow) error {
	return UpdateUser(ctx, c.SQL, tenant, u)
}

// SetPasswordHash implements Store.
func (c Common) SetPasswordHash(ctx context.Context, tenant, userID, hash string, at time.Time) error {
	return SetPasswordHash(ctx, c.SQL, tenant, userID, hash, at)
}

// User implements Store.
func (c Common) User(ctx context.Context, tenant, id string) (UserRow, error) {
	return User(ctx, c.SQL, tenant, id)
}

// UserByLogin implements Store.
func (c Common) UserByLogin(ctx context.Context, tenant, login string) (UserRow, error) {
	return UserByLogin(ctx, c.SQL, tenant, login)
}

// Users implements Store.
func (c Common) Users(ctx context.Context, tenant string) ([]UserRow, error) {
	return Users(ctx, c.SQL, tenant)
}

// CreateSession implements Store.
func (c Common) CreateSession(ctx context.Context, s SessionRow) error {
	return CreateSession(ctx, c.SQL, s)
}

// SessionByHash implements Store.
func (c Common) SessionByHash(ctx context.Context, hash string) (SessionRow, error) {
	return SessionByHash(ctx, c.SQL, hash)
}

// TouchSession implements Store.
func (c Common) TouchSession(ctx context.Context, tenant, hash string, at time.Time) error {
	return TouchSession(ctx, c.SQL, tenant, hash, at)
}

// RevokeSession implements Store.
func (c Common) RevokeSession(ctx context.Context, tenant, hash string, at time.Time) error {
	return RevokeSession(ctx, c.SQL, tenant, hash, at)
}

// RevokeUserSessions implements Store.
func (c Common) RevokeUserSessions(ctx context.Context, tenant, userID string, at time.Time) error {
	return RevokeUserSessions(ctx, c.SQL, tenant, userID, at)
}

// CreateAPIToken implements Store.
func (c Common) CreateAPIToken(ctx context.Context, t APITokenRow) error {
	return CreateAPIToken(ctx, c.SQL, t)
}

// APITokenByHash implements Store.
func (c Common) APITokenByHash(ctx context.Context, hash string) (APITokenRow, error) {
	return APITokenByHash(ctx, c.SQL, hash)
}

// APITokens implements Store.
func (c Common) APITokens(ctx context.Context, tenant string) ([]APITokenRow, error) {
	return APITokens(ctx, c.SQL, tenant)
}

// TouchAPIToken implements Store.
func (c Common) TouchAPIToken(ctx context.Context, tenant, id string, at time.Time) error {
	return TouchAPIToken(ctx, c.SQL, tenant, id, at)
}

// RevokeAPIToken implements Store.
func (c Common) RevokeAPIToken(ctx context.Context, tenant, id string, at time.Time) error {
	return RevokeAPIToken(ctx, c.SQL, tenant, id, at)
}

// AppendAudit implements Store.
func (c Common) AppendAudit(ctx context.Context, a AuditRow) error {
	return AppendAudit(ctx, c.SQL, a)
}

// AuditLog implements Store.
func (c Common) AuditLog(ctx context.Context, tenant string, limit int) ([]AuditRow, error) {
	return AuditLog(ctx, c.SQL, tenant, limit)
}
