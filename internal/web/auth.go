package web

import (
	"context"

	"pulso/internal/auth"
)

// Auth is what the web layer needs of the auth service (*auth.Service): it checks passwords,
// limits attempts and keeps sessions and the audit log; the web layer carries tokens between
// the browser and it and asks it who may do what.
type Auth interface {
	Login(ctx context.Context, tenant, login, password, ip string) (auth.Session, auth.User, error)
	Session(ctx context.Context, token string) (auth.User, error)
	TokenUser(ctx context.Context, token string) (auth.User, error)
	Logout(ctx context.Context, token string) error
	ListUsers(ctx context.Context, tenant string) ([]auth.User, error)
	CreateUser(ctx context.Context, u auth.User, password string) (auth.User, error)
	UpdateUser(ctx context.Context, u auth.User) (auth.User, error)
	Audit(ctx context.Context, e auth.Entry) error
}

var _ Auth = (*auth.Service)(nil)

// User is the signed-in user.
type User = auth.User
