package storetest

import (
	"errors"
	"strings"
	"time"

	"pulso/internal/store"
)

// testAuth: users (unique login per tenant), sessions and API tokens found by hash with their
// times, revocation, the audit log newest first, and tenants kept apart throughout.
func testAuth(e *env) {
	ctx, s := e.ctx, e.s
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 123456000, time.UTC) // microseconds: both engines keep them
	ana := store.UserRow{ID: "u1", Login: "ana@acme.com.br", Name: "Ana Souza", Role: "manager", Lang: "pt-BR", Currency: "local",
		Scopes: `{"countries":["BR"]}`, PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$a2V5", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateUser(ctx, "acme", ana); err != nil {
		e.t.Fatalf("CreateUser: %v", err)
	}
	dup := ana
	dup.ID = "u2"
	if err := s.CreateUser(ctx, "acme", dup); !errors.Is(err, store.ErrDuplicate) {
		e.t.Fatalf("CreateUser with a taken login = %v, want ErrDuplicate", err)
	}
	if err := s.CreateUser(ctx, "globex", dup); err != nil { // the same login in another tenant
		e.t.Fatalf("CreateUser in another tenant: %v", err)
	}
	if err := s.CreateUser(ctx, "Bad Tenant", dup); !errors.Is(err, store.ErrTenant) {
		e.t.Errorf("CreateUser for a malformed tenant = %v, want ErrTenant", err)
	}
	luis := store.UserRow{ID: "u3", Login: "luis", Name: "Luis", Role: "viewer", Scopes: `{}`, PasswordHash: "h3", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateUser(ctx, "acme", luis); err != nil {
		e.t.Fatal(err)
	}

	got, err := s.User(ctx, "acme", "u1")
	if err != nil {
		e.t.Fatal(err)
	}
	if got.Login != ana.Login || got.Name != ana.Name || got.Role != "manager" || got.Lang != "pt-BR" || got.Currency != "local" || got.Scopes != ana.Scopes ||
		got.PasswordHash != ana.PasswordHash || got.Disabled || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) {
		e.t.Errorf("User(u1) = %+v, want %+v", got, ana)
	}
	if byLogin, err := s.UserByLogin(ctx, "acme", "ana@acme.com.br"); err != nil || byLogin.ID != "u1" {
		e.t.Errorf("UserByLogin = %+v, %v", byLogin, err)
	}
	if _, err := s.UserByLogin(ctx, "acme", "nobody"); !errors.Is(err, store.ErrNotFound) {
		e.t.Errorf("UserByLogin(nobody) = %v, want ErrNotFound", err)
	}
	if g, err := s.User(ctx, "globex", "u1"); !errors.Is(err, store.ErrNotFound) {
		e.t.Errorf("globex reads acme's user: %+v %v", g, err)
	}

	// Update everything but the hash and created_at, and rename the login.
	t1 := t0.Add(time.Hour)
	upd := store.UserRow{ID: "u1", Login: "ana", Name: "Ana S.", Role: "admin", Lang: "es", Currency: "CNY", Scopes: `{"countries":["BR","MX"]}`,
		PasswordHash: "ignored", Disabled: true, CreatedAt: t1, UpdatedAt: t1}
	if err := s.UpdateUser(ctx, "acme", upd); err != nil {
		e.t.Fatalf("UpdateUser: %v", err)
	}
	got, _ = s.User(ctx, "acme", "u1")
	if got.Login != "ana" || got.Name != "Ana S." || got.Role != "admin" || got.Lang != "es" || got.Currency != "CNY" || got.Scopes != upd.Scopes ||
		!got.Disabled || got.PasswordHash != ana.PasswordHash || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t1) {
		e.t.Errorf("after UpdateUser: %+v", got)
	}
	if err := s.UpdateUser(ctx, "acme", upd); err != nil { // keeping its own login is no conflict
		e.t.Errorf("UpdateUser again: %v", err)
	}
	taken := luis
	taken.Login = "ana"
	if err := s.UpdateUser(ctx, "acme", taken); !errors.Is(err, store.ErrDuplicate) {
		e.t.Errorf("UpdateUser to a taken login = %v, want ErrDuplicate", err)
	}
	if err := s.UpdateUser(ctx, "acme", store.UserRow{ID: "nope", Login: "nope"}); !errors.Is(err, store.ErrNotFound) {
		e.t.Errorf("UpdateUser of a missing user = %v, want ErrNotFound", err)
	}
	if err := s.SetPasswordHash(ctx, "acme", "u1", "h1-new", t1.Add(time.Minute)); err != nil {
		e.t.Fatal(err)
	}
	if got, _ = s.User(ctx, "acme", "u1"); got.PasswordHash != "h1-new" || !got.UpdatedAt.Equal(t1.Add(time.Minute)) {
		e.t.Errorf("after SetPasswordHash: %+v", got)
	}
	if err := s.SetPasswordHash(ctx, "globex", "u3", "x", t1); !errors.Is(err, store.ErrNotFound) {
		e.t.Errorf("SetPasswordHash across tenants = %v, want ErrNotFound", err)
	}
	users, err := s.Users(ctx, "acme")
	if err != nil || len(users) != 2 || users[0].Login != "ana" || users[1].Login != "luis" {
		e.t.Errorf("Users(acme) = %+v, %v", users, err)
	}
	if g, _ := s.Users(ctx, "globex"); len(g) != 1 || g[0].PasswordHash != ana.PasswordHash || g[0].Login != "ana@acme.com.br" {
		e.t.Errorf("Users(globex) = %+v", g)
	}

	// Sessions.
	h1, h2, h3 := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)
	s1 := store.SessionRow{Tenant: "acme", Hash: h1, UserID: "u1", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour), IP: "203.0.113.7"}
	for _, r := range []store.SessionRow{s1,
		{Tenant: "acme", Hash: h2, UserID: "u1", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t1, IP: ""},
		{Tenant: "globex", Hash: h3, UserID: "u2", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t1, IP: "::1"},
	} {
		if err := s.CreateSession(ctx, r); err != nil {
			e.t.Fatalf("CreateSession: %v", err)
		}
	}
	gs, err := s.SessionByHash(ctx, h1)
	if err != nil {
		e.t.Fatal(err)
	}
	if gs.Tenant != "acme" || gs.UserID != "u1" || gs.IP != s1.IP || !gs.CreatedAt.Equal(t0) || !gs.LastSeenAt.Equal(t0) ||
		!gs.ExpiresAt.Equal(s1.ExpiresAt) || gs.RevokedAt != nil {
		e.t.Errorf("SessionByHash = %+v, want %+v", gs, s1)
	}
	// The last login is the start of the newest session, of the user's own tenant.
	if err := s.CreateSession(ctx, store.SessionRow{Tenant: "acme", Hash: strings.Repeat("9", 64), UserID: "u1",
		CreatedAt: t1, LastSeenAt: t1, ExpiresAt: t1.Add(time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
	if err := s.CreateSession(ctx, store.SessionRow{Tenant: "globex", Hash: strings.Repeat("8", 64), UserID: "u3",
		CreatedAt: t1, LastSeenAt: t1, ExpiresAt: t1.Add(time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
	if u, _ := s.User(ctx, "acme", "u1"); u.LastLoginAt == nil || !u.LastLoginAt.Equal(t1) {
		e.t.Errorf("LastLoginAt of u1 = %v, want %s (the newer of its two sessions)", u.LastLoginAt, t1)
	}
	if us, _ := s.Users(ctx, "acme"); len(us) != 2 || us[0].LastLoginAt == nil || !us[0].LastLoginAt.Equal(t1) || us[1].LastLoginAt != nil {
		e.t.Errorf("Users(acme) last logins: %+v (want u1 at %s; luis never: globex's u3 session is not acme's)", us, t1)
	}
	if u, _ := s.UserByLogin(ctx, "acme", "luis"); u.LastLoginAt != nil {
		e.t.Errorf("LastLoginAt of luis = %v, want none", u.LastLoginAt)
	}
	if gs, err := s.SessionByHash(ctx, h3); err != nil || gs.Tenant != "globex" {
		e.t.Errorf("SessionByHash(globex's) = %+v, %v", gs, err)
	}
	if _, err := s.SessionByHash(ctx, strings.Repeat("d", 64)); !errors.Is(err, store.ErrNotFound) {
		e.t.Errorf("unknown session: %v, want ErrNotFound", err)
	}
	t2 := t0.Add(2 * time.Hour)
	if err := s.TouchSession(ctx, "acme", h1, t2); err != nil {
		e.t.Fatal(err)
	}
	if err := s.TouchSession(ctx, "globex", h1, t2.Add(time.Hour)); err != nil { // wrong tenant: changes nothing
		e.t.Fatal(err)
	}
	if gs, _ := s.SessionByHash(ctx, h1); !gs.LastSeenAt.Equal(t2) || !gs.ExpiresAt.Equal(s1.ExpiresAt) {
		e.t.Errorf("after TouchSession: %+v", gs)
	}
	if err := s.RevokeSession(ctx, "acme", h1, t2); err != nil {
		e.t.Fatal(err)
	}
	if err := s.RevokeSession(ctx, "acme", h1, t2.Add(time.Hour)); err != nil {
		e.t.Fatal(err)
	}
	if gs, _ := s.SessionByHash(ctx, h1); gs.RevokedAt == nil || !gs.RevokedAt.Equal(t2) {
		e.t.Errorf("revoked session: %+v (want revoked_at %s, the first revocation)", gs, t2)
	}
	if err := s.RevokeUserSessions(ctx, "acme", "u1", t1); err != nil {
		e.t.Fatal(err)
	}
	if gs, _ := s.SessionByHash(ctx, h2); gs.RevokedAt == nil || !gs.RevokedAt.Equal(t1) {
		e.t.Errorf("after RevokeUserSessions: %+v", gs)
	}
	if gs, _ := s.SessionByHash(ctx, h1); !gs.RevokedAt.Equal(t2) {
		e.t.Errorf("RevokeUserSessions rewrote an earlier revocation: %+v", gs)
	}
	if gs, _ := s.SessionByHash(ctx, h3); gs.RevokedAt != nil {
		e.t.Errorf("revoking acme's sessions revoked globex's: %+v", gs)
	}

	// API tokens.
	tk := store.APITokenRow{Tenant: "acme", ID: "t1", Hash: strings.Repeat("e", 64), Name: "Power BI", UserID: "u3", CreatedAt: t0}
	if err := s.CreateAPIToken(ctx, tk); err != nil {
		e.t.Fatalf("CreateAPIToken: %v", err)
	}
	exp := t1.Add(90 * 24 * time.Hour)
	if err := s.CreateAPIToken(ctx, store.APITokenRow{Tenant: "acme", ID: "t2", Hash: strings.Repeat("f", 64), Name: "ERP", UserID: "u1", CreatedAt: t1,
		ExpiresAt: &exp}); err != nil {
		e.t.Fatal(err)
	}
	if gt, err := s.APITokenByHash(ctx, strings.Repeat("f", 64)); err != nil || gt.ExpiresAt == nil || !gt.ExpiresAt.Equal(exp) {
		e.t.Errorf("a token with an expiry: %+v, %v (want expires_at %s)", gt, err, exp)
	}
	gt, err := s.APITokenByHash(ctx, tk.Hash)
	if err != nil || gt.Tenant != "acme" || gt.ID != "t1" || gt.Name != "Power BI" || gt.UserID != "u3" || !gt.CreatedAt.Equal(t0) ||
		gt.LastUsedAt != nil || gt.RevokedAt != nil || gt.ExpiresAt != nil {
		e.t.Errorf("APITokenByHash = %+v, %v", gt, err)
	}
	if _, err := s.APITokenByHash(ctx, strings.Repeat("0", 64)); !errors.Is(err, store.ErrNotFound) {
		e.t.Errorf("unknown token: %v, want ErrNotFound", err)
	}
	if err := s.TouchAPIToken(ctx, "acme", "t1", t2); err != nil {
		e.t.Fatal(err)
	}
	if err := s.RevokeAPIToken(ctx, "globex", "t1", t2); !errors.Is(err, store.ErrNotFound) {
		e.t.Errorf("globex revokes acme's token: %v, want ErrNotFound", err)
	}
	if err := s.RevokeAPIToken(ctx, "acme", "t1", t2); err != nil {
		e.t.Fatal(err)
	}
	if err := s.RevokeAPIToken(ctx, "acme", "t1", t2.Add(time.Hour)); err != nil {
		e.t.Errorf("revoking twice: %v", err)
	}
	gt, _ = s.APITokenByHash(ctx, tk.Hash)
	if gt.LastUsedAt == nil || !gt.LastUsedAt.Equal(t2) || gt.RevokedAt == nil || !gt.RevokedAt.Equal(t2) {
		e.t.Errorf("used and revoked token: %+v", gt)
	}
	toks, err := s.APITokens(ctx, "acme")
	if err != nil || len(toks) != 2 || toks[0].ID != "t1" || toks[1].ID != "t2" || toks[1].RevokedAt != nil || toks[0].ExpiresAt != nil ||
		toks[1].ExpiresAt == nil || !toks[1].ExpiresAt.Equal(exp) {
		e.t.Errorf("APITokens(acme) = %+v, %v", toks, err)
	}
	if g, _ := s.APITokens(ctx, "globex"); len(g) != 0 {
		e.t.Errorf("globex lists acme's tokens: %+v", g)
	}

	// Audit log.
	for i, a := range []store.AuditRow{
		{Tenant: "acme", At: t0, UserID: "u1", Login: "ana", Action: "login", IP: "203.0.113.7"},
		{Tenant: "acme", At: t2, UserID: "u1", Login: "ana", Action: "user.update", Object: "user:u3", Detail: `{"role":"viewer"}`},
		{Tenant: "acme", At: t1, Login: "mallory", Action: "login_failed", Detail: `{"reason":"bad_credentials"}`, IP: "198.51.100.1"},
		{Tenant: "globex", At: t2, Action: "login"},
	} {
		if err := s.AppendAudit(ctx, a); err != nil {
			e.t.Fatalf("AppendAudit %d: %v", i, err)
		}
	}
	log, err := s.AuditLog(ctx, "acme", 10)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(log) != 3 || log[0].Action != "user.update" || log[1].Action != "login_failed" || log[2].Action != "login" {
		e.t.Fatalf("AuditLog(acme) = %+v, want 3 entries newest first", log)
	}
	if l := log[0]; l.Tenant != "acme" || l.ID == "" || !l.At.Equal(t2) || l.UserID != "u1" || l.Login != "ana" || l.Object != "user:u3" ||
		l.Detail != `{"role":"viewer"}` || l.IP != "" {
		e.t.Errorf("audit entry: %+v", l)
	}
	if l := log[1]; l.UserID != "" || l.Login != "mallory" || l.IP != "198.51.100.1" {
		e.t.Errorf("audit entry: %+v", l)
	}
	if l := log[2]; l.Detail != "{}" {
		e.t.Errorf("an entry without detail has detail %q, want {}", l.Detail)
	}
	if two, _ := s.AuditLog(ctx, "acme", 2); len(two) != 2 || two[0].ID != log[0].ID {
		e.t.Errorf("AuditLog limit 2 = %+v", two)
	}
	if g, _ := s.AuditLog(ctx, "globex", 10); len(g) != 1 {
		e.t.Errorf("AuditLog(globex) has %d entries, want 1", len(g))
	}
}
