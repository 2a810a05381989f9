package main

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Finding 11 of issue #8: accounts and API tokens are managed from the command line. A weak
// password is refused with exit status 1 (an error that is not a usage error), a token is
// shown once and listed without its secret, a disabled user is shown as such.
func TestCLIAccounts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	t.Setenv("PULSO_DB", "")
	t.Setenv("PULSO_PASSWORD", "kx7#mq2!vp9z-lima")
	if _, err := run(t, "user", "add", "ana@acme.mx", "--db", db, "--role", "analyst", "--countries", "MX"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PULSO_PASSWORD", "1234567890")
	_, err := run(t, "user", "passwd", "ana@acme.mx", "--db", db)
	var ue usageError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "password: must be at least 12 characters") {
		t.Fatalf("a weak password: %v, want an error (exit 1) naming the rule", err)
	}
	t.Setenv("PULSO_PASSWORD", "Mercadolibre2026!")
	if _, err := run(t, "user", "passwd", "ana@acme.mx", "--db", db); err == nil || !strings.Contains(err.Error(), "attackers try first") {
		t.Fatalf("a common password: %v", err)
	}
	t.Setenv("PULSO_PASSWORD", "purple tapir dances")
	if out, err := run(t, "user", "passwd", "ANA@acme.mx", "--db", db); err != nil || !strings.Contains(out, "password of ana@acme.mx changed") {
		t.Fatalf("a good password: %q %v", out, err)
	}

	secret, err := run(t, "token", "create", "--db", db, "--user", "ana@acme.mx", "--name", "Power BI", "--expires", "90d")
	if err != nil {
		t.Fatal(err)
	}
	secret, _, _ = strings.Cut(secret, "\n") // the note after it goes to standard error
	if !strings.HasPrefix(secret, "pulso_") || len(secret) != len("pulso_")+43 {
		t.Fatalf("token create printed %q, want pulso_ and 43 characters", secret)
	}
	if _, err := run(t, "token", "create", "--db", db, "--user", "ana@acme.mx", "--name", "x", "--expires", "soon"); !errors.As(err, &ue) {
		t.Errorf("--expires soon: %v, want a usage error", err)
	}
	out, err := run(t, "token", "list", "--db", db, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, secret) || strings.Contains(out, secret[len("pulso_"):len("pulso_")+10]) {
		t.Fatalf("token list shows the secret: %s", out)
	}
	var toks []struct {
		ID, Name, Login string
		ExpiresAt       *string `json:"expires_at"`
		RevokedAt       *string `json:"revoked_at"`
	}
	if err := json.Unmarshal([]byte(out), &toks); err != nil || len(toks) != 1 || toks[0].Name != "Power BI" || toks[0].Login != "ana@acme.mx" ||
		toks[0].ExpiresAt == nil || toks[0].RevokedAt != nil {
		t.Fatalf("token list: %s (%v)", out, err)
	}
	if out, err := run(t, "token", "revoke", toks[0].ID, "--db", db); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %q %v", out, err)
	}
	if _, err := run(t, "token", "revoke", "nope", "--db", db); err == nil {
		t.Error("revoking an unknown token succeeded")
	}
	out, _ = run(t, "token", "list", "--db", db, "--format", "json")
	if err := json.Unmarshal([]byte(out), &toks); err != nil || len(toks) != 1 || toks[0].RevokedAt == nil {
		t.Errorf("token list after revoke: %s", out)
	}

	if out, err := run(t, "user", "disable", "ana@acme.mx", "--db", db); err != nil || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %q %v", out, err)
	}
	out, err = run(t, "user", "list", "--db", db, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var users []struct {
		Login    string
		Role     string
		Disabled bool
	}
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users) != 1 || users[0].Login != "ana@acme.mx" || !users[0].Disabled || users[0].Role != "analyst" {
		t.Fatalf("user list: %s (%v)", out, err)
	}
	if strings.Contains(out, "argon2") || strings.Contains(out, "purple tapir") {
		t.Errorf("user list shows the password or its hash: %s", out)
	}
	out, _ = run(t, "user", "list", "--db", db)
	if !strings.Contains(out, "ana@acme.mx") || !strings.Contains(out, "disabled") || !strings.Contains(out, "countries=MX") {
		t.Errorf("user list table: %s", out)
	}
	if out, err := run(t, "user", "enable", "ana@acme.mx", "--db", db); err != nil || !strings.Contains(out, "enabled") {
		t.Errorf("enable: %q %v", out, err)
	}
	if _, err := run(t, "user", "disable", "nobody", "--db", db); err == nil {
		t.Error("disabling an unknown login succeeded")
	}
}
