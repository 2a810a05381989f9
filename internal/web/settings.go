package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"pulso/internal/alert"
	"pulso/internal/auth"
	"pulso/internal/metric"
	"pulso/internal/monitor"
)

type settingsView struct {
	*page
	Users     []auth.User
	Tokens    []tokenLine
	NewToken  string // a token just created, shown this once
	MinPW     int
	Roles     []auth.Role
	UserLangs []string
	Modules   []string
	Form      userForm
	Channels  []channelLine
	Contacts  []monitor.Contact
	Rules     []ruleLine
	// EditChannels: the user may add, edit and test channels (mayEditChannels).
	EditChannels bool
	// KeyProblem says why the server cannot open the stored channel secrets (sending fails).
	KeyProblem string
	Flash      string
	Error      string
}

type userForm struct {
	Login, Name, Role, Lang, Countries, Platforms string
	Modules                                       []string
}

// channelLine is a channel on the settings page: its fields with secrets masked, and the
// contacts that use it.
type channelLine struct {
	Name, Type string
	Details    []channelDetail
	Contacts   []string
}

type tokenLine struct {
	auth.APIToken
	Login string
}

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
	s.showSettingsToken(w, r, c, status, form, flash, errMsg, "")
}

func (s *server) showSettingsToken(w http.ResponseWriter, r *http.Request, c *reqctx, status int, form userForm, flash, errMsg, newToken string) {
	ctx := r.Context()
	v := &settingsView{page: s.newPage(r, c, "settings.title"), Roles: auth.Roles, UserLangs: auth.Langs, Modules: metric.Modules,
		Form: form, Flash: flash, Error: errMsg, NewToken: newToken, MinPW: auth.MinPasswordLen}
	if c.user.Can(auth.ManageUsers) {
		users, err := s.cfg.Auth.ListUsers(ctx, c.user.Tenant)
		if err != nil {
			s.fail(w, r, c, err)
			return
		}
		for _, u := range users {
			if c.user.MayManage(u) {
				v.Users = append(v.Users, u)
			}
		}
		acc, err := s.accounts()
		if err != nil {
			s.fail(w, r, c, err)
			return
		}
		toks, err := acc.ListTokens(ctx, c.user.Tenant)
		if err != nil {
			s.fail(w, r, c, err)
			return
		}
		logins := map[string]string{}
		for _, u := range v.Users {
			logins[u.ID] = u.Login
		}
		for _, t := range toks {
			if _, ok := logins[t.UserID]; !ok {
				continue // a token of an account the admin does not manage
			}
			v.Tokens = append(v.Tokens, tokenLine{APIToken: t, Login: logins[t.UserID]})
		}
	}
	if c.user.Can(auth.ManageChannels) {
		if err := s.loadChannels(ctx, c.user.Tenant, v); err != nil {
			s.fail(w, r, c, err)
			return
		}
	}
	s.render(w, r, status, "settings", v)
}

// loadChannels lists the alerting configuration's channels (their secrets masked: "••••" and
// the last 4 characters when the server's key opens them), contacts and rules.
func (s *server) loadChannels(ctx context.Context, tenant string, v *settingsView) error {
	e, err := s.engine(ctx, tenant)
	if err != nil {
		return err
	}
	v.EditChannels = mayEditChannels(v.User)
	cfg, problem, err := s.shownChannels(ctx, tenant, e.Catalog)
	if err != nil {
		v.Error = err.Error() // a stored configuration that no longer checks: say so, show the rest
		return nil
	}
	v.KeyProblem = problem
	for _, ch := range cfg.Channels {
		l := channelLine{Name: ch.Name, Type: ch.Type, Details: channelDetails(ch)}
		for _, ct := range cfg.Contacts {
			if ct.Channel == ch.Name {
				l.Contacts = append(l.Contacts, ct.ID)
			}
		}
		v.Channels = append(v.Channels, l)
	}
	v.Contacts = cfg.Contacts
	for _, r := range cfg.Rules {
		l := ruleLine{ID: r.ID, Type: r.Type, KPIs: strings.Join(r.KPIs, ", ")}
		if l.KPIs == "" && r.Type != alert.Freshness { // a freshness rule watches data, not KPIs
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
	if sc, err := nu.Scopes.Normalize(); err == nil && !c.user.Scopes.Covers(sc) {
		// an administrator hands out no more than they have
		s.showSettings(w, r, c, http.StatusForbidden, f, "", c.loc.MustT("settings.beyond_scope", nil))
		return
	}
	created, err := s.cfg.Auth.CreateUser(r.Context(), nu, r.PostFormValue("password"))
	if err != nil {
		var fe *auth.FieldError
		msg := ""
		switch {
		case errors.Is(err, auth.ErrLoginTaken):
			msg = c.loc.MustT("settings.login_taken", nil)
		case errors.As(err, &fe) && fe.Rule != "":
			msg = passwordMessage(c, fe)
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

// accounts is what the settings page needs of the auth service beyond Auth: passwords,
// disabling, sessions and API tokens. *auth.Service has it; Auth stays the narrow interface
// every page needs.
type accounts interface {
	SetPassword(ctx context.Context, tenant, userID, password string) error
	ChangePassword(ctx context.Context, tenant, userID, current, password, ip string) (auth.Session, error)
	SignOutOthers(ctx context.Context, token, ip string) (auth.Session, error)
	SetDisabled(ctx context.Context, tenant, userID string, disabled bool) (auth.User, error)
	User(ctx context.Context, tenant, id string) (auth.User, error)
	CreateTokenUntil(ctx context.Context, tenant, userID, name string, expires time.Time) (auth.Secret, auth.APIToken, error)
	ListTokens(ctx context.Context, tenant string) ([]auth.APIToken, error)
	RevokeToken(ctx context.Context, tenant, id string) error
}

var _ accounts = (*auth.Service)(nil)

func (s *server) accounts() (accounts, error) {
	acc, ok := s.cfg.Auth.(accounts)
	if !ok {
		return nil, errors.New("web: the auth service cannot manage accounts")
	}
	return acc, nil
}

// passwordMessage says in the user's language which password rule was broken.
func passwordMessage(c *reqctx, fe *auth.FieldError) string {
	switch {
	case fe.Field == "current_password":
		return c.loc.MustT("password.wrong_current", nil)
	case fe.Rule == auth.RuleTooLong:
		return c.loc.MustT("password.too_long", map[string]any{"Count": auth.MaxPasswordLen})
	default:
		return c.loc.MustT("password."+fe.Rule, map[string]any{"Count": auth.MinPasswordLen})
	}
}

// accountError shows a refused account change on the settings page, or fails the request.
func (s *server) accountError(w http.ResponseWriter, r *http.Request, c *reqctx, err error) {
	var fe *auth.FieldError
	switch {
	case errors.As(err, &fe) && (fe.Rule != "" || fe.Field == "current_password"):
		s.showSettings(w, r, c, http.StatusBadRequest, userForm{Role: string(auth.Viewer)}, "", passwordMessage(c, fe))
	case errors.As(err, &fe):
		s.showSettings(w, r, c, http.StatusBadRequest, userForm{Role: string(auth.Viewer)}, "", c.loc.MustT("settings.invalid", nil)+" "+fe.Error())
	case errors.Is(err, auth.ErrLocked):
		s.showSettings(w, r, c, http.StatusTooManyRequests, userForm{Role: string(auth.Viewer)}, "", c.loc.MustT("login.locked", nil))
	case errors.Is(err, auth.ErrNotFound):
		s.fail(w, r, c, errNotFound)
	case errors.Is(err, errBeyondScope):
		s.showSettings(w, r, c, http.StatusForbidden, userForm{Role: string(auth.Viewer)}, "", c.loc.MustT("settings.beyond_scope", nil))
	default:
		s.fail(w, r, c, err)
	}
}

// renewSession hands the browser the session that replaced its own.
func (s *server) renewSession(w http.ResponseWriter, sess auth.Session) {
	s.setCookie(w, sessionCookie, string(sess.Token), max(0, int(sess.ExpiresAt.Sub(s.cfg.Now()).Seconds())))
}

// passwordChange: a signed-in user changes their own password (the current one required);
// their other sessions end and this browser gets a new one.
func (s *server) passwordChange(w http.ResponseWriter, r *http.Request, c *reqctx) {
	acc, err := s.accounts()
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	sess, err := acc.ChangePassword(r.Context(), c.user.Tenant, c.user.ID, r.PostFormValue("current"), r.PostFormValue("password"), clientIP(r))
	if err != nil {
		s.accountError(w, r, c, err)
		return
	}
	s.renewSession(w, sess)
	s.audit(r.Context(), c.user, clientIP(r), "user.password_change", "user:"+c.user.ID, nil)
	s.showSettings(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, c.loc.MustT("settings.password_changed", nil), "")
}

// signOutOthers ends the user's other sessions; this browser gets a new one.
func (s *server) signOutOthers(w http.ResponseWriter, r *http.Request, c *reqctx) {
	acc, err := s.accounts()
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	sess, err := acc.SignOutOthers(r.Context(), c.cookie, clientIP(r))
	if err != nil {
		s.accountError(w, r, c, err)
		return
	}
	s.renewSession(w, sess)
	s.audit(r.Context(), c.user, clientIP(r), "session.revoke_others", "user:"+c.user.ID, nil)
	s.showSettings(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, c.loc.MustT("settings.signed_out_others", nil), "")
}

// targetUser loads the user {id} of the admin's tenant, refused (errBeyondScope) when the
// admin's scopes do not cover theirs.
func (s *server) targetUser(r *http.Request, c *reqctx, acc accounts, id string) (auth.User, error) {
	u, err := acc.User(r.Context(), c.user.Tenant, id)
	if err != nil {
		return u, err
	}
	if !c.user.MayManage(u) {
		return auth.User{}, errBeyondScope
	}
	return u, nil
}

// errBeyondScope: an administrator acted on an account their scopes do not cover.
var errBeyondScope = errors.New("the account is outside your scopes")

// userDisable and userEnable switch a user off (sessions end, tokens stop) or on again.
func (s *server) userDisable(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.setDisabled(w, r, c, true)
}
func (s *server) userEnable(w http.ResponseWriter, r *http.Request, c *reqctx) {
	s.setDisabled(w, r, c, false)
}

func (s *server) setDisabled(w http.ResponseWriter, r *http.Request, c *reqctx, disabled bool) {
	acc, err := s.accounts()
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	u, err := s.targetUser(r, c, acc, r.PathValue("id"))
	if err != nil {
		s.accountError(w, r, c, err)
		return
	}
	if disabled && u.ID == c.user.ID { // the last admin could otherwise shut everyone out
		s.showSettings(w, r, c, http.StatusBadRequest, userForm{Role: string(auth.Viewer)}, "", c.loc.MustT("settings.not_yourself", nil))
		return
	}
	if _, err := acc.SetDisabled(r.Context(), c.user.Tenant, u.ID, disabled); err != nil {
		s.accountError(w, r, c, err)
		return
	}
	action, flash := "user.enable", "settings.user_enabled"
	if disabled {
		action, flash = "user.disable", "settings.user_disabled"
	}
	s.audit(r.Context(), c.user, clientIP(r), action, "user:"+u.ID, map[string]string{"login": u.Login})
	s.showSettings(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, c.loc.MustT(flash, nil), "")
}

// userPassword: an admin sets another user's password; that user's sessions end.
func (s *server) userPassword(w http.ResponseWriter, r *http.Request, c *reqctx) {
	acc, err := s.accounts()
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	u, err := s.targetUser(r, c, acc, r.PathValue("id"))
	if err != nil {
		s.accountError(w, r, c, err)
		return
	}
	if err := acc.SetPassword(r.Context(), c.user.Tenant, u.ID, r.PostFormValue("password")); err != nil {
		s.accountError(w, r, c, err)
		return
	}
	s.audit(r.Context(), c.user, clientIP(r), "user.password_reset", "user:"+u.ID, map[string]string{"login": u.Login})
	s.showSettings(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, c.loc.MustT("settings.password_reset_done", nil), "")
}

// tokenCreate makes an API token for a user of the tenant and shows it this once.
func (s *server) tokenCreate(w http.ResponseWriter, r *http.Request, c *reqctx) {
	acc, err := s.accounts()
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	var expires time.Time
	if d := strings.TrimSpace(r.PostFormValue("days")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3660 {
			s.showSettings(w, r, c, http.StatusBadRequest, userForm{Role: string(auth.Viewer)}, "", c.loc.MustT("settings.bad_days", nil))
			return
		}
		expires = s.cfg.Now().AddDate(0, 0, n)
	}
	u, err := s.targetUser(r, c, acc, r.PostFormValue("user"))
	if err != nil {
		s.accountError(w, r, c, err)
		return
	}
	secret, tok, err := acc.CreateTokenUntil(r.Context(), c.user.Tenant, u.ID, r.PostFormValue("name"), expires)
	if err != nil {
		s.accountError(w, r, c, err)
		return
	}
	s.audit(r.Context(), c.user, clientIP(r), "token.create", "token:"+tok.ID, map[string]string{"login": u.Login, "token_name": tok.Name})
	w.Header().Set("Cache-Control", "no-store") // the page holds the secret
	s.showSettingsToken(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, c.loc.MustT("settings.token_created", nil), "", string(secret))
}

// tokenRevoke revokes an API token of the tenant.
func (s *server) tokenRevoke(w http.ResponseWriter, r *http.Request, c *reqctx) {
	acc, err := s.accounts()
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	id := r.PathValue("id")
	toks, err := acc.ListTokens(r.Context(), c.user.Tenant)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	i := slices.IndexFunc(toks, func(t auth.APIToken) bool { return t.ID == id })
	if i < 0 {
		s.fail(w, r, c, errNotFound)
		return
	}
	if _, err := s.targetUser(r, c, acc, toks[i].UserID); err != nil {
		s.accountError(w, r, c, err)
		return
	}
	if err := acc.RevokeToken(r.Context(), c.user.Tenant, id); err != nil {
		s.accountError(w, r, c, err)
		return
	}
	s.audit(r.Context(), c.user, clientIP(r), "token.revoke", "token:"+id, nil)
	s.showSettings(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, c.loc.MustT("settings.token_revoked", nil), "")
}
