package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"pulso/internal/auth"
	"pulso/internal/metric"
	"pulso/internal/monitor"
)

type settingsView struct {
	*page
	Users     []auth.User
	Roles     []auth.Role
	UserLangs []string
	Modules   []string
	Form      userForm
	Channels  []channelLine
	Contacts  []monitor.Contact
	Rules     []ruleLine
	Flash     string
	Error     string
}

type userForm struct {
	Login, Name, Role, Lang, Countries, Platforms string
	Modules                                       []string
}

type channelLine struct{ Name, Type string }

type ruleLine struct {
	ID, Type, KPIs, Detail string
}

// HasModule tells whether the form ticks a module.
func (v *settingsView) HasModule(m string) bool {
	for _, x := range v.Form.Modules {
		if x == m {
			return true
		}
	}
	return false
}

// ScopeText names a user's scopes.
func (v *settingsView) ScopeText(sc auth.Scopes) string {
	if sc.Unrestricted() {
		return v.T("scope.everything")
	}
	var parts []string
	if len(sc.Countries) > 0 {
		parts = append(parts, v.Dim("country")+": "+strings.Join(sc.Countries, ", "))
	}
	if len(sc.Platforms) > 0 {
		parts = append(parts, v.Dim("platform")+": "+strings.Join(sc.Platforms, ", "))
	}
	if len(sc.Modules) > 0 {
		var ms []string
		for _, m := range sc.Modules {
			ms = append(ms, v.Module(m))
		}
		parts = append(parts, v.T("settings.modules")+": "+strings.Join(ms, ", "))
	}
	return strings.Join(parts, "; ")
}

func (s *server) settingsPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.showSettings(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, "", "")
}

func (s *server) showSettings(w http.ResponseWriter, r *http.Request, c *reqctx, status int, form userForm, flash, errMsg string) {
	ctx := r.Context()
	v := &settingsView{page: s.newPage(r, c, "settings.title"), Roles: auth.Roles, UserLangs: auth.Langs, Modules: metric.Modules,
		Form: form, Flash: flash, Error: errMsg}
	if c.user.Can(auth.ManageUsers) {
		users, err := s.cfg.Auth.ListUsers(ctx, c.user.Tenant)
		if err != nil {
			s.fail(w, r, c, err)
			return
		}
		v.Users = users
	}
	if c.user.Can(auth.ManageChannels) {
		if err := s.loadChannels(ctx, c.user.Tenant, v); err != nil {
			s.fail(w, r, c, err)
			return
		}
	}
	s.render(w, r, status, "settings", v)
}

// loadChannels lists the alerting configuration's channels (name and type only: their
// webhooks and keys are secrets), contacts and rules.
func (s *server) loadChannels(ctx context.Context, tenant string, v *settingsView) error {
	e, err := s.engine(ctx, tenant)
	if err != nil {
		return err
	}
	cfg, err := monitor.LoadConfig(ctx, s.cfg.Store, tenant, e.Catalog)
	if err != nil {
		v.Error = err.Error() // a stored configuration that no longer checks: say so, show the rest
		return nil
	}
	for _, ch := range cfg.Channels {
		v.Channels = append(v.Channels, channelLine{Name: ch.Name, Type: ch.Type})
	}
	v.Contacts = cfg.Contacts
	for _, r := range cfg.Rules {
		l := ruleLine{ID: r.ID, Type: r.Type, KPIs: strings.Join(r.KPIs, ", ")}
		if l.KPIs == "" {
			l.KPIs = "*"
		}
		v.Rules = append(v.Rules, l)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *server) userCreate(w http.ResponseWriter, r *http.Request, c *reqctx) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "form"}, err))
		return
	}
	f := userForm{Login: r.PostFormValue("login"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role"),
		Lang: r.PostFormValue("lang"), Countries: r.PostFormValue("countries"), Platforms: r.PostFormValue("platforms"),
		Modules: r.PostForm["modules"]}
	nu := auth.User{Tenant: c.user.Tenant, Login: f.Login, Name: f.Name, Role: auth.Role(f.Role), Lang: f.Lang,
		Scopes: auth.Scopes{Countries: splitList(f.Countries), Platforms: splitList(f.Platforms), Modules: f.Modules}}
	created, err := s.cfg.Auth.CreateUser(r.Context(), nu, r.PostFormValue("password"))
	if err != nil {
		var fe *auth.FieldError
		msg := ""
		switch {
		case errors.Is(err, auth.ErrLoginTaken):
			msg = c.loc.MustT("settings.login_taken", nil)
		case errors.As(err, &fe):
			msg = c.loc.MustT("settings.invalid", nil) + " " + fe.Error()
		default:
			s.fail(w, r, c, err)
			return
		}
		s.showSettings(w, r, c, http.StatusBadRequest, f, "", msg)
		return
	}
	s.audit(r.Context(), c.user, clientIP(r), "user.create", "user:"+created.ID, map[string]string{"login": created.Login, "role": string(created.Role)})
	s.showSettings(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, c.loc.MustT("settings.user_created", nil), "")
}
