package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"pulso/internal/auth"
	"pulso/internal/calendar"
	"pulso/internal/i18n"
	"pulso/internal/store"
	"pulso/internal/web"
)

// WebHandler builds the board and API over an open store.
func WebHandler(st store.Store, log *slog.Logger, secure bool) (http.Handler, error) {
	b, err := i18n.New()
	if err != nil {
		return nil, err
	}
	cal, err := calendar.New()
	if err != nil {
		return nil, err
	}
	return web.New(web.Config{Store: st, Engine: NewEngine, Auth: auth.New(st), Bundle: b, Calendar: cal, Log: log, Secure: secure,
		Keys: secretKeys()})
}

// DemoUser is a login of the demo seller.
type DemoUser struct {
	Login, Password, Role, Lang, Scope string
}

// DemoUsers are the demo seller's logins: HQ sees everything in Chinese, the Mexico manager
// only Mexico in Spanish, the Brazil analyst only Brazil in Portuguese.
var DemoUsers = []DemoUser{
	{"hq@demo.pulso", "pulso-demo-hq", string(auth.Admin), "zh-CN", "all countries"},
	{"mx@demo.pulso", "pulso-demo-mx", string(auth.Manager), "es", "MX"},
	{"br@demo.pulso", "pulso-demo-br", string(auth.Analyst), "pt-BR", "BR"},
	{"viewer@demo.pulso", "pulso-demo-viewer", string(auth.Viewer), "en", "all countries"},
}

// ensureDemoUsers creates the demo logins that do not exist yet.
func ensureDemoUsers(ctx context.Context, st store.Store, tenant string) error {
	svc := auth.New(st)
	for _, d := range DemoUsers {
		u := auth.User{Tenant: tenant, Login: d.Login, Name: d.Login, Role: auth.Role(d.Role), Lang: d.Lang}
		if d.Scope != "all countries" {
			u.Scopes.Countries = []string{d.Scope}
		}
		if _, err := svc.CreateUser(ctx, u, d.Password); err != nil && !errors.Is(err, auth.ErrLoginTaken) {
			return fmt.Errorf("demo user %s: %w", d.Login, err)
		}
	}
	return nil
}

// CreateUser adds a user (for `pulso user add`).
func CreateUser(ctx context.Context, dsn string, u auth.User, password string) (auth.User, error) {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return auth.User{}, err
	}
	defer st.Close()
	return auth.New(st).CreateUser(ctx, u, password)
}
