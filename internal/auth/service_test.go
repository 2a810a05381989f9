package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"pulso/internal/store"
	"pulso/internal/store/duckdb"
)

// testHash keeps service tests fast; TestPasswordHash covers DefaultHash.
var testHash = HashParams{Memory: 64, Time: 1, Threads: 1}

const (
	goodPW  = "correct horse 42"
	wrongPW = "wrong horse 4242"
	mxIP    = "200.57.1.10"
)

type fixture struct {
	t   *testing.T
	ctx context.Context
	st  store.Store
	s   *Service
	clk *fakeClock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := duckdb.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := newClock()
	s := New(st)
	s.Now, s.Hash = clk.Now, testHash
	return &fixture{t: t, ctx: t.Context(), st: st, s: s, clk: clk}
}

func (f *fixture) createUser(tenant, login string, role Role, sc Scopes) User {
	f.t.Helper()
	u, err := f.s.CreateUser(f.ctx, User{Tenant: tenant, Login: login, Role: role, Scopes: sc}, goodPW)
	if err != nil {
		f.t.Fatalf("CreateUser(%s): %v", login, err)
	}
	return u
}

func (f *fixture) login(tenant, login, pw, ip string) (Session, User, error) {
	return f.s.Login(f.ctx, tenant, login, pw, ip)
}

func (f *fixture) mustLogin(tenant, login string) Session {
	f.t.Helper()
	sess, _, err := f.login(tenant, login, goodPW, mxIP)
	if err != nil {
		f.t.Fatalf("Login(%s): %v", login, err)
	}
	return sess
}

func (f *fixture) auditLog(tenant string) []Entry {
	f.t.Helper()
	log, err := f.s.AuditLog(f.ctx, tenant, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return log
}

func TestPasswordHash(t *testing.T) {
	s := New(nil)
	h, err := s.hashPassword(t.Context(), goodPW)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Errorf("hash %s: want argon2id with m=65536,t=1,p=2", h)
	}
	if strings.Contains(h, goodPW) {
		t.Error("the hash contains the password")
	}
	if ok, stale, err := s.verifyPassword(t.Context(), goodPW, h); !ok || stale || err != nil {
		t.Errorf("verify with DefaultHash: %v %v %v", ok, stale, err)
	}
	s.Hash = testHash // the rest need not take 150 ms a hash
	if ok, stale, _ := s.verifyPassword(t.Context(), goodPW, h); !ok || !stale {
		t.Errorf("a hash made with other parameters: ok %v stale %v, want a stale match", ok, stale)
	}
	h, _ = s.hashPassword(t.Context(), goodPW)
	if h2, _ := s.hashPassword(t.Context(), goodPW); h2 == h {
		t.Error("two hashes of one password are equal (no salt?)")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{goodPW, true}, {wrongPW, false}, {"", false}, {goodPW + " ", false}, {strings.ToUpper(goodPW), false}} {
		ok, stale, err := s.verifyPassword(t.Context(), c.pw, h)
		if err != nil || ok != c.want || stale {
			t.Errorf("verify(%q) = %v, stale %v, %v; want %v", c.pw, ok, stale, err, c.want)
		}
	}
	if _, _, err := s.verifyPassword(t.Context(), goodPW, "not-a-hash"); err == nil {
		t.Error("a malformed hash verified without error")
	}
}

func TestUsers(t *testing.T) {
	f := newFixture(t)
	u, err := f.s.CreateUser(f.ctx, User{Tenant: "acme", Login: "  Ana@Acme.COM.br ", Name: "Ana Souza", Role: Manager, Lang: "pt-BR",
		Scopes: Scopes{Countries: []string{"br"}, Modules: []string{"service"}}}, goodPW)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Login != "ana@acme.com.br" || u.Tenant != "acme" || !u.CreatedAt.Equal(f.clk.t) || u.Scopes.Countries[0] != "BR" {
		t.Errorf("created user: %+v", u)
	}
	got, err := f.s.User(f.ctx, "acme", u.ID)
	if err != nil || got.ID != u.ID || got.Login != u.Login || got.Name != "Ana Souza" || got.Role != Manager || got.Lang != "pt-BR" ||
		!got.CreatedAt.Equal(u.CreatedAt) || !reflect.DeepEqual(got.Scopes, u.Scopes) || got.Tenant != "acme" {
		t.Errorf("User() = %+v, %v; want %+v", got, err, u)
	}
	if _, err := f.s.CreateUser(f.ctx, User{Tenant: "acme", Login: "ANA@acme.com.br", Role: Viewer}, goodPW); !errors.Is(err, ErrLoginTaken) {
		t.Errorf("duplicate login: %v, want ErrLoginTaken", err)
	}
	if _, err := f.s.CreateUser(f.ctx, User{Tenant: "globex", Login: "ana@acme.com.br", Role: Viewer}, goodPW); err != nil {
		t.Errorf("the same login in another tenant: %v", err)
	}
	for _, bad := range []struct {
		u     User
		pw    string
		field string
	}{
		{User{Tenant: "acme", Login: "x", Role: "boss"}, goodPW, "role"},
		{User{Tenant: "acme", Login: "", Role: Viewer}, goodPW, "login"},
		{User{Tenant: "acme", Login: "two words", Role: Viewer}, goodPW, "login"},
		{User{Tenant: "acme", Login: "x", Role: Viewer, Lang: "fr"}, goodPW, "lang"},
		{User{Tenant: "acme", Login: "x", Role: Viewer, Scopes: Scopes{Modules: []string{"hr"}}}, goodPW, "scopes.modules"},
		{User{Tenant: "acme", Login: "x", Role: Viewer}, "short", "password"},
	} {
		_, err := f.s.CreateUser(f.ctx, bad.u, bad.pw)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != bad.field || !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateUser(%+v) = %v, want a FieldError on %s", bad.u, err, bad.field)
		}
	}
	if _, err := f.s.CreateUser(f.ctx, User{Tenant: "Not A Tenant", Login: "x", Role: Viewer}, goodPW); !errors.Is(err, store.ErrTenant) {
		t.Errorf("malformed tenant: %v", err)
	}

	f.clk.Advance(time.Hour)
	u.Name, u.Role, u.Lang, u.Scopes = "Ana S.", Analyst, "", Scopes{Countries: []string{"MX", "BR"}}
	up, err := f.s.UpdateUser(f.ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "Ana S." || up.Role != Analyst || up.Lang != "" || strings.Join(up.Scopes.Countries, ",") != "BR,MX" ||
		len(up.Scopes.Modules) != 0 || !up.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("updated user: %+v", up)
	}
	luis := f.createUser("acme", "luis", Viewer, Scopes{})
	luis.Login = "ANA@acme.com.br"
	if _, err := f.s.UpdateUser(f.ctx, luis); !errors.Is(err, ErrLoginTaken) {
		t.Errorf("renaming to a taken login: %v", err)
	}
	if _, err := f.s.UpdateUser(f.ctx, User{Tenant: "acme", ID: "missing", Login: "m", Role: Viewer}); !errors.Is(err, ErrNotFound) {
		t.Errorf("updating a missing user: %v", err)
	}
	list, err := f.s.ListUsers(f.ctx, "acme")
	if err != nil || len(list) != 2 || list[0].Login != "ana@acme.com.br" || list[1].Login != "luis" {
		t.Fatalf("ListUsers = %+v, %v", list, err)
	}
	js, _ := json.Marshal(list)
	if strings.Contains(string(js), "argon2") || strings.Contains(string(js), "hash") {
		t.Errorf("listed users carry their password hash: %s", js)
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	ana := f.createUser("acme", "ana@acme.com.br", Manager, Scopes{Countries: []string{"BR"}})
	sess, u, err := f.login("acme", " ANA@acme.com.br", goodPW, mxIP)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != ana.ID || sess.UserID != ana.ID || sess.Tenant != "acme" || !sess.CreatedAt.Equal(f.clk.t) ||
		!sess.ExpiresAt.Equal(f.clk.t.Add(7*24*time.Hour)) {
		t.Errorf("login: session %+v, user %+v", sess, u)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(string(sess.Token)); err != nil || len(raw) != 32 {
		t.Errorf("session token is not 32 random bytes in base64url: %d bytes, %v", len(raw), err)
	}
	got, err := f.s.Session(f.ctx, string(sess.Token))
	if err != nil || got.ID != ana.ID || got.Tenant != "acme" || got.Scopes.Countries[0] != "BR" {
		t.Errorf("Session() = %+v, %v", got, err)
	}
	// Only the hash is stored.
	var n int
	if err := f.st.DB().QueryRowContext(f.ctx, `SELECT count(*) FROM sessions WHERE token_hash = $1`, digest(string(sess.Token))).Scan(&n); err != nil || n != 1 {
		t.Errorf("session row by hash: %d, %v", n, err)
	}
	if err := f.st.DB().QueryRowContext(f.ctx, `SELECT count(*) FROM sessions WHERE token_hash = $1 OR ip LIKE '%' || $1 || '%'`, string(sess.Token)).Scan(&n); err != nil || n != 0 {
		t.Errorf("the raw token is stored: %d, %v", n, err)
	}
	// A new login rotates: a different token, both valid until logged out.
	again := f.mustLogin("acme", "ana@acme.com.br")
	if again.Token == sess.Token {
		t.Error("a second login reused the token")
	}

	_, _, err1 := f.login("acme", "ana@acme.com.br", wrongPW, mxIP)
	_, _, err2 := f.login("acme", "nobody@acme.com.br", wrongPW, mxIP)
	_, _, err3 := f.login("globex", "ana@acme.com.br", goodPW, mxIP) // right password, other tenant
	for i, err := range []error{err1, err2, err3} {
		if !errors.Is(err, ErrBadCredentials) || err.Error() != ErrBadCredentials.Error() {
			t.Errorf("failure %d: %v, want exactly ErrBadCredentials", i+1, err)
		}
	}
	// An unknown login costs a hash too (of a dummy made with the same parameters), so that
	// its answer takes as long as a wrong password's.
	if !strings.HasPrefix(f.s.dummy, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("an unknown login was refused without hashing (dummy %.30q)", f.s.dummy)
	}
	if _, err := f.s.Session(f.ctx, "junk"); !errors.Is(err, ErrNoSession) {
		t.Errorf("Session(junk) = %v", err)
	}
	if _, err := f.s.Session(f.ctx, newSecret()); !errors.Is(err, ErrNoSession) {
		t.Errorf("Session(unknown) = %v", err)
	}

	log := f.auditLog("acme")
	want := []struct{ action, login, userID, reason string }{
		{ActionLoginFailed, "nobody@acme.com.br", "", "unknown_login"},
		{ActionLoginFailed, "ana@acme.com.br", ana.ID, "bad_password"},
		{ActionLogin, "ana@acme.com.br", ana.ID, ""},
		{ActionLogin, "ana@acme.com.br", ana.ID, ""},
	}
	if len(log) != len(want) {
		t.Fatalf("audit log has %d entries, want %d: %+v", len(log), len(want), log)
	}
	// Entries at one instant come in any order; compare as sets.
	seen := map[string]int{}
	for _, e := range log {
		seen[e.Action+"|"+e.Login+"|"+e.UserID+"|"+e.Detail["reason"]]++
		if e.IP != mxIP || !e.At.Equal(f.clk.t) || e.Tenant != "acme" {
			t.Errorf("audit entry %+v: want ip %s at %s", e, mxIP, f.clk.t)
		}
	}
	for _, w := range want {
		k := w.action + "|" + w.login + "|" + w.userID + "|" + w.reason
		if seen[k] == 0 {
			t.Errorf("no audit entry %s in %+v", k, log)
		}
		seen[k]--
	}
	if g := f.auditLog("globex"); len(g) != 1 || g[0].Detail["reason"] != "unknown_login" {
		t.Errorf("globex audit log: %+v", g)
	}
}

// Finding 9 of issue #8: anyone could lock any account for 15 minutes with 5 wrong
// passwords, its owner included, from any address. Now the guesser's own pair waits, longer
// each time, and the owner gets in from their usual address with the right password.
func TestLockout(t *testing.T) {
	f := newFixture(t)
	f.createUser("acme", "ana", Viewer, Scopes{})
	f.createUser("acme", "luis", Viewer, Scopes{})
	f.mustLogin("acme", "ana") // from mxIP: her usual address
	const attacker = "198.51.100.9"
	for i := 1; i <= 3; i++ { // three free tries
		if _, _, err := f.login("acme", "ana", wrongPW, attacker); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	_, _, err := f.login("acme", "ana", wrongPW, attacker)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || !le.Until.Equal(f.clk.t.Add(time.Second)) {
		t.Fatalf("4th try at once: %v, want ErrLocked for 1 s", err)
	}
	// The attacker keeps going, waiting each time as told, for an hour.
	end := f.clk.t.Add(time.Hour)
	tries := 3
	for f.clk.t.Before(end) {
		_, _, err := f.login("acme", "ana", wrongPW, attacker)
		if errors.As(err, &le) {
			f.clk.t = le.Until
			continue
		}
		tries++
		// The owner is never held back at her usual address.
		if _, _, err := f.login("acme", "ana", goodPW, mxIP); err != nil {
			t.Fatalf("the owner at her usual address after %d guesses: %v", tries, err)
		}
	}
	// by hand: 3 free, then waits of 1, 2, 4 … 512 s (1023 s in all) for 10 more, then one
	// try per 600 s in the 2577 s left of the hour: 3 + 10 + 4 = 17 (and the one at 3600 s
	// is outside the loop)
	if tries != 17 {
		t.Errorf("the attacker got %d guesses in an hour, want 17", tries)
	}
	// At an address she never used she waits at most LoginCap, then gets in.
	_, _, err = f.login("acme", "ana", goodPW, "192.0.2.200")
	if errors.As(err, &le) {
		if le.Until.Sub(f.clk.t) > LoginCap {
			t.Fatalf("the owner at a new address waits %s, more than %s", le.Until.Sub(f.clk.t), LoginCap)
		}
		f.clk.t = le.Until
		_, _, err = f.login("acme", "ana", goodPW, "192.0.2.200")
	}
	if err != nil {
		t.Errorf("the owner at a new address after waiting: %v", err)
	}
	if _, _, err := f.login("acme", "luis", goodPW, attacker); err != nil {
		t.Errorf("another login from the attacker's address: %v", err)
	}
	locked := 0
	for _, e := range f.auditLog("acme") {
		if e.Action == ActionLoginFailed && e.Detail["reason"] == "locked" {
			locked++
		}
	}
	if locked < 14 {
		t.Errorf("%d audit entries for attempts while waiting, want one per wait (at least 14)", locked)
	}

	// Unknown logins wait the same way (no hint that the login does not exist).
	for i := 0; i < 3; i++ {
		f.login("acme", "ghost", wrongPW, "")
	}
	if _, _, err := f.login("acme", "ghost", wrongPW, ""); !errors.Is(err, ErrLocked) {
		t.Errorf("unknown login after 3 failures: %v, want ErrLocked", err)
	}

	// Per address: AddrMax failures spread over many logins block the address, not the others.
	const spray = "192.0.2.66"
	for i := 0; i < AddrMax; i++ {
		f.login("acme", fmt.Sprintf("guess%d", i), wrongPW, spray)
	}
	if _, _, err := f.login("acme", "luis", goodPW, spray); !errors.Is(err, ErrLocked) {
		t.Errorf("a sprayed address: %v, want ErrLocked", err)
	}
	if _, _, err := f.login("acme", "luis", goodPW, mxIP); err != nil {
		t.Errorf("another address: %v", err)
	}
}

// Logins at once share the limiter and the hashing slots safely (run with -race).
func TestConcurrentLogins(t *testing.T) {
	f := newFixture(t)
	f.createUser("acme", "ana", Viewer, Scopes{})
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			pw := goodPW
			if i%2 == 1 {
				pw = wrongPW
			}
			_, _, errs[i] = f.s.Login(f.ctx, "acme", "ana", pw, fmt.Sprintf("192.0.2.%d", i))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 && err != nil && !errors.Is(err, ErrLocked) {
			t.Errorf("login %d with the right password: %v", i, err)
		}
		if i%2 == 1 && !errors.Is(err, ErrBadCredentials) && !errors.Is(err, ErrLocked) {
			t.Errorf("login %d with a wrong password: %v", i, err)
		}
	}
	if len(f.s.hashing) != 0 {
		t.Errorf("%d hashing slots still taken", len(f.s.hashing))
	}
}

func TestDisabledUser(t *testing.T) {
	f := newFixture(t)
	ana := f.createUser("acme", "ana", Manager, Scopes{})
	sess := f.mustLogin("acme", "ana")
	secret, _, err := f.s.CreateToken(f.ctx, "acme", ana.ID, "ERP")
	if err != nil {
		t.Fatal(err)
	}
	ana.Disabled = true
	if _, err := f.s.UpdateUser(f.ctx, ana); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.login("acme", "ana", goodPW, mxIP); !errors.Is(err, ErrDisabled) {
		t.Errorf("login of a disabled user: %v, want ErrDisabled", err)
	}
	if _, _, err := f.login("acme", "ana", wrongPW, mxIP); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("a wrong password for a disabled user: %v, want ErrBadCredentials (nothing told)", err)
	}
	if _, err := f.s.Session(f.ctx, string(sess.Token)); !errors.Is(err, ErrNoSession) {
		t.Errorf("a session of a disabled user: %v, want ErrNoSession (revoked)", err)
	}
	if _, err := f.s.TokenUser(f.ctx, string(secret)); !errors.Is(err, ErrDisabled) {
		t.Errorf("a token of a disabled user: %v, want ErrDisabled", err)
	}
	if _, _, err := f.s.CreateToken(f.ctx, "acme", ana.ID, "more"); !errors.Is(err, ErrDisabled) {
		t.Errorf("a new token for a disabled user: %v", err)
	}
	reasons := map[string]bool{}
	for _, e := range f.auditLog("acme") {
		reasons[e.Detail["reason"]] = true
	}
	if !reasons["disabled"] || !reasons["bad_password"] {
		t.Errorf("audit reasons %v, want disabled and bad_password", reasons)
	}
	ana.Disabled = false
	if _, err := f.s.UpdateUser(f.ctx, ana); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.TokenUser(f.ctx, string(secret)); err != nil {
		t.Errorf("the token of a re-enabled user: %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	f := newFixture(t)
	f.createUser("acme", "ana", Viewer, Scopes{})

	// Idle: 12 hours without use end it.
	idle := f.mustLogin("acme", "ana")
	f.clk.Advance(12*time.Hour - time.Second)
	if _, err := f.s.Session(f.ctx, string(idle.Token)); err != nil {
		t.Fatalf("a session idle for just under 12 h: %v", err)
	}
	f.clk.Advance(12*time.Hour - time.Second) // used a moment ago: counts from then
	if _, err := f.s.Session(f.ctx, string(idle.Token)); err != nil {
		t.Fatalf("a session used 12 h - 1 s ago: %v", err)
	}
	f.clk.Advance(12 * time.Hour)
	if _, err := f.s.Session(f.ctx, string(idle.Token)); !errors.Is(err, ErrSessionExpired) || !errors.Is(err, ErrNoSession) {
		t.Fatalf("a session idle for 12 h: %v, want ErrSessionExpired", err)
	}

	// Absolute: used every 11 hours, it still ends 7 days after login.
	abs := f.mustLogin("acme", "ana")
	end := f.clk.t.Add(7 * 24 * time.Hour)
	for f.clk.t.Add(11 * time.Hour).Before(end) {
		f.clk.Advance(11 * time.Hour)
		if _, err := f.s.Session(f.ctx, string(abs.Token)); err != nil {
			t.Fatalf("a session in use, %s before its end: %v", end.Sub(f.clk.t), err)
		}
	}
	f.clk.t = end
	if _, err := f.s.Session(f.ctx, string(abs.Token)); !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("a session 7 days after login: %v, want ErrSessionExpired", err)
	}

	// Use within TouchEvery writes nothing.
	s := f.mustLogin("acme", "ana")
	f.clk.Advance(30 * time.Second)
	f.s.Session(f.ctx, string(s.Token))
	row, _ := f.st.SessionByHash(f.ctx, digest(string(s.Token)))
	if !row.LastSeenAt.Equal(row.CreatedAt) {
		t.Errorf("a use 30 s after login was written: %+v", row)
	}
	f.clk.Advance(time.Minute)
	f.s.Session(f.ctx, string(s.Token))
	row, _ = f.st.SessionByHash(f.ctx, digest(string(s.Token)))
	if !row.LastSeenAt.Equal(f.clk.t) {
		t.Errorf("a use 90 s after login was not written: %+v", row)
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	f.createUser("acme", "ana", Viewer, Scopes{})
	a, b := f.mustLogin("acme", "ana"), f.mustLogin("acme", "ana")
	if err := f.s.Logout(f.ctx, string(a.Token)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Session(f.ctx, string(a.Token)); !errors.Is(err, ErrNoSession) || errors.Is(err, ErrSessionExpired) {
		t.Errorf("a logged out session: %v, want ErrNoSession", err)
	}
	if _, err := f.s.Session(f.ctx, string(b.Token)); err != nil {
		t.Errorf("logging out one session ended another: %v", err)
	}
	for _, tok := range []string{string(a.Token), "", "junk", newSecret()} {
		if err := f.s.Logout(f.ctx, tok); err != nil {
			t.Errorf("Logout again / of junk: %v", err)
		}
	}
	logouts := 0
	for _, e := range f.auditLog("acme") {
		if e.Action == ActionLogout {
			logouts++
			if e.Login != "ana" || e.UserID == "" {
				t.Errorf("logout entry: %+v", e)
			}
		}
	}
	if logouts != 1 {
		t.Errorf("%d logout entries, want 1", logouts)
	}

	// A new password ends every session.
	u, _ := f.s.Session(f.ctx, string(b.Token))
	if err := f.s.SetPassword(f.ctx, "acme", u.ID, "a brand new secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Session(f.ctx, string(b.Token)); !errors.Is(err, ErrNoSession) {
		t.Errorf("a session after a password change: %v", err)
	}
	if _, _, err := f.login("acme", "ana", goodPW, ""); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("the old password: %v", err)
	}
	if _, _, err := f.login("acme", "ana", "a brand new secret", ""); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if err := f.s.SetPassword(f.ctx, "acme", u.ID, "short"); !errors.Is(err, ErrInvalid) {
		t.Errorf("a short new password: %v", err)
	}
	if err := f.s.SetPassword(f.ctx, "acme", "nobody", "long enough pw"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a password for a missing user: %v", err)
	}
}

func TestAPITokens(t *testing.T) {
	f := newFixture(t)
	bi := f.createUser("acme", "powerbi", Analyst, Scopes{Countries: []string{"MX"}})
	secret, tok, err := f.s.CreateToken(f.ctx, "acme", bi.ID, " Power BI ")
	if err != nil {
		t.Fatal(err)
	}
	raw, ok := strings.CutPrefix(string(secret), "pulso_")
	if b, err := base64.RawURLEncoding.DecodeString(raw); !ok || err != nil || len(b) != 32 {
		t.Errorf("token %d chars: want pulso_ + 32 random bytes in base64url", len(secret))
	}
	if tok.Name != "Power BI" || tok.UserID != bi.ID || tok.ID == "" || tok.LastUsedAt != nil {
		t.Errorf("token: %+v", tok)
	}
	u, err := f.s.TokenUser(f.ctx, string(secret))
	if err != nil || u.ID != bi.ID || u.Tenant != "acme" || u.Scopes.Countries[0] != "MX" {
		t.Fatalf("TokenUser = %+v, %v", u, err)
	}
	f.clk.Advance(time.Hour)
	f.s.TokenUser(f.ctx, string(secret))
	list, err := f.s.ListTokens(f.ctx, "acme")
	if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(f.clk.t) {
		t.Errorf("ListTokens = %+v, %v", list, err)
	}
	for _, bad := range []string{"", "pulso_", "pulso_short", string(secret)[len("pulso_"):], "pulso_" + newSecret(), strings.ToUpper(string(secret))} {
		if _, err := f.s.TokenUser(f.ctx, bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("TokenUser(bad %d chars) = %v, want ErrBadToken", len(bad), err)
		}
	}
	if err := f.s.RevokeToken(f.ctx, "globex", tok.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another tenant revokes the token: %v", err)
	}
	if err := f.s.RevokeToken(f.ctx, "acme", tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.TokenUser(f.ctx, string(secret)); !errors.Is(err, ErrBadToken) {
		t.Errorf("a revoked token: %v, want ErrBadToken", err)
	}
	if err := f.s.RevokeToken(f.ctx, "acme", tok.ID); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if err := f.s.RevokeToken(f.ctx, "acme", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking an unknown token: %v", err)
	}
	if _, _, err := f.s.CreateToken(f.ctx, "acme", bi.ID, "  "); !errors.Is(err, ErrInvalid) {
		t.Errorf("a token without a name: %v", err)
	}
	if _, _, err := f.s.CreateToken(f.ctx, "acme", "nobody", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a token for a missing user: %v", err)
	}
	// A session token is not an API token, nor the reverse.
	sess, _, _ := f.login("acme", "powerbi", goodPW, "")
	if _, err := f.s.TokenUser(f.ctx, "pulso_"+string(sess.Token)); !errors.Is(err, ErrBadToken) {
		t.Errorf("a session token used as an API token: %v", err)
	}
	secret2, _, _ := f.s.CreateToken(f.ctx, "acme", bi.ID, "second")
	if _, err := f.s.Session(f.ctx, string(secret2)); !errors.Is(err, ErrNoSession) {
		t.Errorf("an API token used as a session: %v", err)
	}
}

// A stored hash made with older parameters is redone at the next login.
func TestRehashOnLogin(t *testing.T) {
	f := newFixture(t)
	old := HashParams{Memory: 32, Time: 1, Threads: 1}
	f.s.Hash = old
	u := f.createUser("acme", "ana", Viewer, Scopes{})
	f.s.Hash = testHash
	f.mustLogin("acme", "ana")
	row, err := f.st.User(f.ctx, "acme", u.ID)
	if err != nil || !strings.HasPrefix(row.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash after login: %.30s, %v", row.PasswordHash, err)
	}
	f.mustLogin("acme", "ana")
}

func TestAuditScrubsSecrets(t *testing.T) {
	f := newFixture(t)
	u := f.createUser("acme", "ana", Admin, Scopes{})
	secret, tok, _ := f.s.CreateToken(f.ctx, "acme", u.ID, "ERP")
	err := f.s.Audit(f.ctx, Entry{Tenant: "acme", UserID: u.ID, Login: "ana", Action: "token.create", Object: "token:" + tok.ID, IP: mxIP,
		Detail: map[string]string{
			"token_id": tok.ID, "name": "ERP", "token": string(secret), "newPassword": goodPW, "api_key": "k",
			"note": "pasted " + string(secret) + " by mistake", "hash": "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5",
			"long": strings.Repeat("é", 2000),
		}})
	if err != nil {
		t.Fatal(err)
	}
	log := f.auditLog("acme")
	if len(log) != 1 {
		t.Fatalf("%d entries", len(log))
	}
	d := log[0].Detail
	for k, want := range map[string]string{
		"token_id": tok.ID, "name": "ERP", "token": "xxxxx", "newPassword": "xxxxx", "api_key": "xxxxx",
		"note": "pasted xxxxx by mistake", "hash": "xxxxx",
	} {
		if d[k] != want {
			t.Errorf("detail %s = %q, want %q", k, d[k], want)
		}
	}
	if n := len([]rune(d["long"])); n != maxDetailValue+1 {
		t.Errorf("a long value kept %d characters, want %d and an ellipsis", n, maxDetailValue)
	}
	if err := f.s.Audit(f.ctx, Entry{Tenant: "acme"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("an entry without an action: %v", err)
	}
	if err := f.s.Audit(f.ctx, Entry{Tenant: "", Action: "x"}); !errors.Is(err, store.ErrTenant) {
		t.Errorf("an entry without a tenant: %v", err)
	}
	// Limits.
	for i := 0; i < 5; i++ {
		f.clk.Advance(time.Second)
		f.s.Audit(f.ctx, Entry{Tenant: "acme", Action: fmt.Sprintf("a%d", i)})
	}
	if l, _ := f.s.AuditLog(f.ctx, "acme", 2); len(l) != 2 || l[0].Action != "a4" || l[1].Action != "a3" {
		t.Errorf("AuditLog(limit 2) = %+v", l)
	}
}

// No password or token appears in any error text or audit entry, whatever goes wrong.
func TestNoSecretsInErrorsOrAudit(t *testing.T) {
	f := newFixture(t)
	u := f.createUser("acme", "ana", Manager, Scopes{})
	sess := f.mustLogin("acme", "ana")
	apiTok, _, _ := f.s.CreateToken(f.ctx, "acme", u.ID, "ERP")
	secrets := []string{goodPW, wrongPW, "shortpw", string(sess.Token), string(apiTok), "pulso_" + newSecret()}

	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, pw := range []string{wrongPW, "shortpw", wrongPW, wrongPW, wrongPW} {
		_, _, err := f.login("acme", "ana", pw, mxIP)
		collect(err)
		_, _, err = f.login("acme", "nobody", pw, "")
		collect(err)
	}
	_, _, err := f.login("acme", "ana", goodPW, mxIP) // locked
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("want a lock: %v", err)
	}
	collect(err)
	_, err = f.s.CreateUser(f.ctx, User{Tenant: "acme", Login: "x", Role: Viewer}, "shortpw")
	collect(err)
	_, err = f.s.CreateUser(f.ctx, User{Tenant: "acme", Login: "ana", Role: Viewer}, goodPW)
	collect(err)
	collect(f.s.SetPassword(f.ctx, "acme", u.ID, "shortpw"))
	collect(f.s.SetPassword(f.ctx, "acme", "nobody", goodPW))
	_, err = f.s.TokenUser(f.ctx, secrets[5])
	collect(err)
	collect(f.s.Logout(f.ctx, string(sess.Token)))
	_, err = f.s.Session(f.ctx, string(sess.Token))
	collect(err)
	_, err = f.s.Session(f.ctx, string(apiTok))
	collect(err)
	_, err = f.s.TokenUser(f.ctx, string(sess.Token))
	collect(err)
	// A store that fails says why, not with what.
	broken := New(failingStore{})
	broken.Hash = testHash
	_, _, err = broken.Login(f.ctx, "acme", "ana", goodPW, mxIP)
	collect(err)
	_, err = broken.Session(f.ctx, string(sess.Token))
	collect(err)
	_, err = broken.TokenUser(f.ctx, string(apiTok))
	collect(err)
	_, err = broken.CreateUser(f.ctx, User{Tenant: "acme", Login: "y", Role: Viewer}, goodPW)
	collect(err)
	if len(errs) < 20 {
		t.Fatalf("only %d errors collected: %v", len(errs), errs)
	}

	log := f.auditLog("acme")
	js, _ := json.Marshal(log)
	texts := []string{string(js)}
	for _, err := range errs {
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("a secret (%d chars) appears in: %s", len(s), text)
			}
		}
		if strings.Contains(text, "argon2id$") {
			t.Errorf("a password hash appears in: %s", text)
		}
	}
	// The hashes of tokens stay out of sight too.
	for _, s := range secrets[3:] {
		if strings.Contains(strings.Join(texts, "\n"), digest(s)) {
			t.Errorf("a token hash appears in an error or the audit log")
		}
	}
}

// failingStore fails every call; its error text is all a caller could leak from it.
type failingStore struct{ Store }

var errStoreDown = errors.New("storage is down")

func (failingStore) UserByLogin(context.Context, string, string) (store.UserRow, error) {
	return store.UserRow{}, errStoreDown
}
func (failingStore) SessionByHash(context.Context, string) (store.SessionRow, error) {
	return store.SessionRow{}, errStoreDown
}
func (failingStore) APITokenByHash(context.Context, string) (store.APITokenRow, error) {
	return store.APITokenRow{}, errStoreDown
}
func (failingStore) CreateUser(context.Context, string, store.UserRow) error { return errStoreDown }

func fmtAll(v any) string {
	return fmt.Sprintf("%v %+v %#v %s", v, v, v, v)
}
