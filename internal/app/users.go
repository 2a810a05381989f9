package app

import (
	"context"
	"fmt"
	"time"

	"pulso/internal/auth"
	"pulso/internal/store"
)

// cliActor is who the audit log names for changes made with the command line, which has no
// signed-in user: whoever can run it can open the database anyway.
const cliActor = "cli"

// withAuth opens the store a DSN names and runs fn with an auth service over it.
func withAuth(ctx context.Context, dsn string, fn func(svc *auth.Service) error) error {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(auth.New(st))
}

func cliAudit(ctx context.Context, svc *auth.Service, tenant, action, object string, detail map[string]string) error {
	return svc.Audit(ctx, auth.Entry{Tenant: tenant, Login: cliActor, Action: action, Object: object, Detail: detail})
}

// ListUsers lists a tenant's users (for `pulso user list`).
func ListUsers(ctx context.Context, dsn, tenant string) ([]auth.User, error) {
	if err := store.ValidTenant(tenant); err != nil {
		return nil, err
	}
	var out []auth.User
	err := withAuth(ctx, dsn, func(svc *auth.Service) (err error) {
		out, err = svc.ListUsers(ctx, tenant)
		return err
	})
	return out, err
}

// SetUserPassword replaces a user's password and ends their sessions (`pulso user passwd`).
func SetUserPassword(ctx context.Context, dsn, tenant, login, password string) error {
	return withAuth(ctx, dsn, func(svc *auth.Service) error {
		u, err := svc.UserByLogin(ctx, tenant, login)
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, tenant, u.ID, password); err != nil {
			return err
		}
		return cliAudit(ctx, svc, tenant, "user.password_reset", "user:"+u.ID, map[string]string{"login": u.Login})
	})
}

// SetUserDisabled disables (ending their sessions, stopping their tokens) or enables a user.
func SetUserDisabled(ctx context.Context, dsn, tenant, login string, disabled bool) (auth.User, error) {
	var out auth.User
	err := withAuth(ctx, dsn, func(svc *auth.Service) error {
		u, err := svc.UserByLogin(ctx, tenant, login)
		if err != nil {
			return err
		}
		if out, err = svc.SetDisabled(ctx, tenant, u.ID, disabled); err != nil {
			return err
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
		}
		return cliAudit(ctx, svc, tenant, action, "user:"+u.ID, map[string]string{"login": u.Login})
	})
	return out, err
}

// TokenLine is an API token as listed: never its secret.
type TokenLine struct {
	auth.APIToken
	Login string `json:"login"` // the user it acts as
}

// CreateToken makes an API token acting as the user login; expires zero means until revoked.
// The secret is returned once and kept nowhere.
func CreateToken(ctx context.Context, dsn, tenant, login, name string, expires time.Time) (auth.Secret, auth.APIToken, error) {
	var secret auth.Secret
	var tok auth.APIToken
	err := withAuth(ctx, dsn, func(svc *auth.Service) error {
		u, err := svc.UserByLogin(ctx, tenant, login)
		if err != nil {
			return err
		}
		if secret, tok, err = svc.CreateTokenUntil(ctx, tenant, u.ID, name, expires); err != nil {
			return err
		}
		return cliAudit(ctx, svc, tenant, "token.create", "token:"+tok.ID, map[string]string{"login": u.Login, "token_name": tok.Name})
	})
	return secret, tok, err
}

// ListTokens lists a tenant's API tokens with the login each acts as.
func ListTokens(ctx context.Context, dsn, tenant string) ([]TokenLine, error) {
	if err := store.ValidTenant(tenant); err != nil {
		return nil, err
	}
	var out []TokenLine
	err := withAuth(ctx, dsn, func(svc *auth.Service) error {
		toks, err := svc.ListTokens(ctx, tenant)
		if err != nil {
			return err
		}
		users, err := svc.ListUsers(ctx, tenant)
		if err != nil {
			return err
		}
		logins := map[string]string{}
		for _, u := range users {
			logins[u.ID] = u.Login
		}
		for _, t := range toks {
			out = append(out, TokenLine{APIToken: t, Login: logins[t.UserID]})
		}
		return nil
	})
	return out, err
}

// RevokeToken revokes an API token by id.
func RevokeToken(ctx context.Context, dsn, tenant, id string) error {
	return withAuth(ctx, dsn, func(svc *auth.Service) error {
		if err := svc.RevokeToken(ctx, tenant, id); err != nil {
			return fmt.Errorf("token %s: %w", id, err)
		}
		return cliAudit(ctx, svc, tenant, "token.revoke", "token:"+id, nil)
	})
}
