package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pulso/internal/secret"
)

// TestSecretCommands: apply seals and says with which key, status counts by key id, rotate
// moves everything to a new current key, keygen prints a key, and no output shows a secret.
func TestSecretCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.duckdb")
	keyFile := filepath.Join(dir, "conf", "pulso.key")
	t.Setenv(secret.EnvKey, "")
	t.Setenv(secret.EnvOldKeys, "")
	t.Setenv(secret.EnvKeyFile, keyFile)
	cfg := writeFile(t, dir, "alerting.yaml", `channels:
  - {name: hq, type: dingtalk, dingtalk: {url: "https://oapi.dingtalk.com/robot/send?access_token=tok-abcdef123456", secret: "SECsecret-9999"}}
  - {name: mail, type: email, email: {host: smtp.example.com, username: a, password: "pw-77778888", from: a@example.com, to: [b@example.com]}}
`)
	var all strings.Builder
	out, err := run(t, "alert", "apply", "--db", db, "--tenant", "acme", cfg)
	all.WriteString(out)
	if err != nil || !strings.Contains(out, "created key file "+keyFile) || !strings.Contains(out, "3 channel secret(s) stored sealed with key ") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	out, err = run(t, "secret", "keygen")
	all.WriteString(out)
	newKey := strings.Fields(out)[0]
	k, perr := secret.ParseKey(newKey)
	if err != nil || perr != nil {
		t.Fatalf("keygen: %v %v\n%s", err, perr, out)
	}
	t.Setenv(secret.EnvKeyFile, "")
	t.Setenv(secret.EnvKey, newKey)
	out, err = run(t, "secret", "status", "--db", db)
	all.WriteString(out)
	if err != nil || !strings.Contains(out, "current "+k.ID()+"; old none") || !strings.Contains(out, "(key not configured)") {
		t.Fatalf("status with only the new key: %v\n%s", err, out)
	}
	out, err = run(t, "secret", "rotate", "--db", db)
	all.WriteString(out)
	if err == nil || !strings.Contains(err.Error(), "tenant acme") {
		t.Fatalf("rotate without the old key: %v\n%s", err, out)
	}
	t.Setenv(secret.EnvKey, "")
	t.Setenv(secret.EnvKeyFile, keyFile)
	t.Setenv(secret.EnvOldKeys, "")
	old, err := secret.Source{Getenv: func(string) string { return "" }, DefaultFile: keyFile}.Load()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(secret.EnvKeyFile, "")
	t.Setenv(secret.EnvKey, newKey)
	t.Setenv(secret.EnvOldKeys, strings.TrimSpace(lastLine(t, keyFile)))
	out, err = run(t, "secret", "rotate", "--db", db, "--tenant", "acme")
	all.WriteString(out)
	want := "acme 0 " + k.ID() + "×3 3" // tenant, in clear, sealed by key, rotated
	if err != nil || !strings.Contains(oneSpace(out), want) || !strings.Contains(out, "old "+old.Current()) {
		t.Fatalf("rotate: %v\n%s\nwant a line %q", err, out, want)
	}
	for _, s := range []string{"tok-abcdef123456", "SECsecret-9999", "pw-77778888"} {
		if strings.Contains(all.String(), s) {
			t.Errorf("the commands printed the secret %s", s)
		}
	}
}

func lastLine(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func oneSpace(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	return strings.Join(lines, "\n")
}
