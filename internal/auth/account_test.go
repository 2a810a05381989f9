package auth

import (
	"errors"
	"testing"
	"time"
)

// Finding 11 of issue #8: a user changes their own password (the current one required),
// which ends every session but the new one of that browser.
func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	ana := f.createUser("acme", "ana", Viewer, Scopes{})
	here, elsewhere := f.mustLogin("acme", "ana"), f.mustLogin("acme", "ana")
	const newPW = "purple tapir dances"

	var fe *FieldError
	if _, err := f.s.ChangePassword(f.ctx, "acme", ana.ID, wrongPW, newPW, mxIP); !errors.As(err, &fe) || fe.Field != "current_password" {
		t.Errorf("a wrong current password: %v, want a FieldError on current_password", err)
	}
	if _, err := f.s.ChangePassword(f.ctx, "acme", ana.ID, goodPW, "1234567890", mxIP); !errors.As(err, &fe) || fe.Rule != RuleTooShort {
		t.Errorf("a weak new password: %v, want rule %s", err, RuleTooShort)
	}
	if _, err := f.s.ChangePassword(f.ctx, "acme", ana.ID, goodPW, goodPW, mxIP); !errors.As(err, &fe) || fe.Rule != RuleSame {
		t.Errorf("the same password again: %v, want rule %s", err, RuleSame)
	}
	if _, err := f.s.Session(f.ctx, string(here.Token)); err != nil {
		t.Fatalf("a refused change ended the session: %v", err)
	}
	sess, err := f.s.ChangePassword(f.ctx, "acme", ana.ID, goodPW, newPW, mxIP)
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]Secret{"this browser's old": here.Token, "another": elsewhere.Token} {
		if _, err := f.s.Session(f.ctx, string(tok)); !errors.Is(err, ErrNoSession) {
			t.Errorf("%s session after the change: %v, want ErrNoSession", name, err)
		}
	}
	if u, err := f.s.Session(f.ctx, string(sess.Token)); err != nil || u.ID != ana.ID {
		t.Errorf("the new session: %+v, %v", u, err)
	}
	if _, _, err := f.login("acme", "ana", newPW, mxIP); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
	// Guessing the current password through a stolen session meets the throttle.
	thief := "198.51.100.77"
	for range 3 {
		f.s.ChangePassword(f.ctx, "acme", ana.ID, wrongPW, "another fine password", thief)
	}
	if _, err := f.s.ChangePassword(f.ctx, "acme", ana.ID, newPW, "another fine password", thief); !errors.Is(err, ErrLocked) {
		t.Errorf("a 4th guess at once: %v, want ErrLocked", err)
	}
}

func TestSignOutOthers(t *testing.T) {
	f := newFixture(t)
	f.createUser("acme", "ana", Viewer, Scopes{})
	luis := f.createUser("acme", "luis", Viewer, Scopes{})
	a, b := f.mustLogin("acme", "ana"), f.mustLogin("acme", "ana")
	l := f.mustLogin("acme", "luis")
	sess, err := f.s.SignOutOthers(f.ctx, string(a.Token), mxIP)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []Secret{a.Token, b.Token} {
		if _, err := f.s.Session(f.ctx, string(tok)); !errors.Is(err, ErrNoSession) {
			t.Errorf("an old session: %v, want ErrNoSession", err)
		}
	}
	if _, err := f.s.Session(f.ctx, string(sess.Token)); err != nil {
		t.Errorf("the new session: %v", err)
	}
	if u, err := f.s.Session(f.ctx, string(l.Token)); err != nil || u.ID != luis.ID {
		t.Errorf("another user's session: %v", err)
	}
	if _, err := f.s.SignOutOthers(f.ctx, string(a.Token), mxIP); !errors.Is(err, ErrNoSession) {
		t.Errorf("with an ended session: %v, want ErrNoSession", err)
	}
}

// Disabling ends the sessions and stops the tokens; enabling brings the tokens back (a
// password reset is the way to new sessions).
func TestSetDisabled(t *testing.T) {
	f := newFixture(t)
	ana := f.createUser("acme", "ana", Analyst, Scopes{})
	sess := f.mustLogin("acme", "ana")
	tok, _, _ := f.s.CreateToken(f.ctx, "acme", ana.ID, "ERP")
	u, err := f.s.SetDisabled(f.ctx, "acme", ana.ID, true)
	if err != nil || !u.Disabled {
		t.Fatalf("disable: %+v, %v", u, err)
	}
	if _, err := f.s.Session(f.ctx, string(sess.Token)); !errors.Is(err, ErrNoSession) {
		t.Errorf("the session of a disabled user: %v", err)
	}
	if _, err := f.s.TokenUser(f.ctx, string(tok)); !errors.Is(err, ErrDisabled) {
		t.Errorf("the token of a disabled user: %v", err)
	}
	if u, _ := f.s.UserByLogin(f.ctx, "acme", " ANA "); !u.Disabled || u.LastLoginAt == nil || !u.LastLoginAt.Equal(f.clk.t) {
		t.Errorf("UserByLogin: %+v (want disabled, last login %s)", u, f.clk.t)
	}
	if _, err := f.s.SetDisabled(f.ctx, "acme", ana.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.TokenUser(f.ctx, string(tok)); err != nil {
		t.Errorf("the token of a re-enabled user: %v", err)
	}
	if _, err := f.s.SetDisabled(f.ctx, "acme", "nobody", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("disabling a missing user: %v", err)
	}
}

func TestTokenExpiry(t *testing.T) {
	f := newFixture(t)
	bi := f.createUser("acme", "powerbi", Analyst, Scopes{})
	exp := f.clk.t.Add(90 * 24 * time.Hour)
	secret, tok, err := f.s.CreateTokenUntil(f.ctx, "acme", bi.ID, "Power BI", exp)
	if err != nil || tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(exp) {
		t.Fatalf("CreateTokenUntil: %+v, %v", tok, err)
	}
	f.clk.t = exp.Add(-time.Second)
	if _, err := f.s.TokenUser(f.ctx, string(secret)); err != nil {
		t.Errorf("a second before it expires: %v", err)
	}
	f.clk.t = exp
	if _, err := f.s.TokenUser(f.ctx, string(secret)); !errors.Is(err, ErrBadToken) {
		t.Errorf("when it expires: %v, want ErrBadToken", err)
	}
	if _, _, err := f.s.CreateTokenUntil(f.ctx, "acme", bi.ID, "late", f.clk.t); !errors.Is(err, ErrInvalid) {
		t.Errorf("an expiry now: %v, want ErrInvalid", err)
	}
	list, _ := f.s.ListTokens(f.ctx, "acme")
	if len(list) != 1 || list[0].ExpiresAt == nil || !list[0].ExpiresAt.Equal(exp) {
		t.Errorf("ListTokens: %+v", list)
	}
}
