package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCan(t *testing.T) {
	// Every role × action, written out: a change to the table must change this test.
	want := map[Role]string{
		//        view export import ack_alert silence edit_targets edit_kpis manage_users manage_channels view_audit
		Admin:   "1111111111",
		Manager: "1111111000",
		Analyst: "1110000000",
		Viewer:  "1000000000",
	}
	for _, r := range Roles {
		for i, a := range Actions {
			if got, w := Can(r, a), want[r][i] == '1'; got != w {
				t.Errorf("Can(%s, %s) = %v, want %v", r, a, got, w)
			}
		}
	}
	for _, c := range []struct {
		r Role
		a Action
	}{{"boss", View}, {"", View}, {Admin, "delete_everything"}, {"Admin", View}} {
		if Can(c.r, c.a) {
			t.Errorf("Can(%q, %q) = true for an unknown role or action", c.r, c.a)
		}
	}
	if len(Actions) != len(want[Admin]) {
		t.Fatalf("%d actions, the table has %d columns", len(Actions), len(want[Admin]))
	}
	u := User{Role: Admin}
	if !u.Can(ManageUsers) {
		t.Error("an admin cannot manage users")
	}
	u.Disabled = true
	if u.Can(View) {
		t.Error("a disabled admin can view")
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Session{Token: Secret("s3cr3t-token-value"), Tenant: "acme"}
	for _, out := range []string{fmtAll(s), fmtAll(&s), fmtAll(s.Token)} {
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("a session prints its token: %s", out)
		}
	}
	if string(s.Token) != "s3cr3t-token-value" {
		t.Error("string(Secret) does not give the token")
	}
}

func TestErrors(t *testing.T) {
	if !errors.Is(ErrSessionExpired, ErrNoSession) {
		t.Error("an expired session is not ErrNoSession")
	}
	var err error = &LockedError{Until: time.Unix(0, 0)}
	if !errors.Is(err, ErrLocked) || errors.Is(err, ErrBadCredentials) {
		t.Error("LockedError is not (only) ErrLocked")
	}
	err = invalid("role", "unknown role %q", "boss")
	var fe *FieldError
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Field != "role" || err.Error() != `role: unknown role "boss"` {
		t.Errorf("FieldError: %v", err)
	}
}
