package monitor_test

import (
	"errors"
	"strings"
	"testing"

	"pulso/internal/monitor"
	"pulso/internal/secret"
)

const alertingYAML = `# the team's channels
link: https://pulso.example.com
channels:
  - name: ops-dingtalk
    type: dingtalk
    dingtalk:
      url: https://oapi.dingtalk.com/robot/send?access_token=dt-token-0001 # from the robot page
      secret: SECdt-secret-0002
  - name: mail
    type: email
    email:
      host: smtp.example.com
      username: alerts@example.com
      password: "smtp-pass-0007"
      from: Pulso <alerts@example.com>
      to: [ops@example.com]
  - name: erp
    type: webhook
    webhook:
      url: https://erp.example.com/hooks/pulso
      headers: {Authorization: "Bearer wh-header-0010"}
contacts:
  - {id: ops, name: Ops, lang: zh-CN, channel: ops-dingtalk}
`

var docSecrets = []string{"dt-token-0001", "SECdt-secret-0002", "smtp-pass-0007", "wh-header-0010", "erp.example.com/hooks/pulso"}

func ring(t *testing.T, hexes ...string) *secret.Keyring {
	t.Helper()
	var keys []secret.Key
	for _, h := range hexes {
		k, err := secret.ParseKey(strings.Repeat(h, 32))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return secret.NewKeyring(keys[0], keys[1:]...)
}

func anyKPI(string) bool { return true }

func TestSealSecretsKeepsTheDocumentAndOpensBack(t *testing.T) {
	keys := ring(t, "11")
	sealed, err := monitor.SealSecrets([]byte(alertingYAML), "acme", keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range docSecrets {
		if strings.Contains(string(sealed), s) {
			t.Errorf("sealed document holds %s:\n%s", s, sealed)
		}
	}
	// five secret values: dingtalk url and secret, the SMTP password, the webhook url and header
	if n := strings.Count(string(sealed), "enc:v1:"+keys.Current()+":"); n != 5 {
		t.Errorf("%d sealed values, want 5:\n%s", n, sealed)
	}
	for _, keep := range []string{"# the team's channels", "# from the robot page", "username: alerts@example.com", "link: https://pulso.example.com"} {
		if !strings.Contains(string(sealed), keep) {
			t.Errorf("sealing lost %q:\n%s", keep, sealed)
		}
	}
	n, err := monitor.CountSecrets(sealed, "acme")
	if err != nil || n.Plain != 0 || n.ByKey[keys.Current()] != 5 || len(n.ByKey) != 1 {
		t.Errorf("CountSecrets = %+v, %v; want 5 under %s", n, err, keys.Current())
	}
	// The sealed document still checks (the web page reads it without keys) and masks.
	cfg, err := monitor.ParseConfig(sealed, anyKPI)
	if err != nil {
		t.Fatalf("the sealed document does not check: %v", err)
	}
	if !cfg.Channels[0].Sealed() || cfg.Redacted().Channels[0].DingTalk.URL != "••••" {
		t.Errorf("sealed channel: Sealed %v, redacted url %q", cfg.Channels[0].Sealed(), cfg.Redacted().Channels[0].DingTalk.URL)
	}
	opened, err := monitor.OpenSecrets(sealed, "acme", keys)
	if err != nil {
		t.Fatal(err)
	}
	got, err := monitor.ParseConfig(opened, anyKPI)
	if err != nil {
		t.Fatal(err)
	}
	if u := got.Channels[0].DingTalk.URL; u != "https://oapi.dingtalk.com/robot/send?access_token=dt-token-0001" {
		t.Errorf("opened dingtalk url %q", u)
	}
	if got.Channels[0].DingTalk.Secret != "SECdt-secret-0002" || got.Channels[1].Email.Password != "smtp-pass-0007" ||
		got.Channels[2].Webhook.Headers["Authorization"] != "Bearer wh-header-0010" {
		t.Errorf("opened secrets differ: %q %q %q", got.Channels[0].DingTalk.Secret, got.Channels[1].Email.Password, got.Channels[2].Webhook.Headers["Authorization"])
	}
	if r := got.Redacted().Channels[0].DingTalk.Secret; r != "••••0002" {
		t.Errorf("redacted opened secret %q, want ••••0002", r)
	}
	if got.Channels[0].DingTalk.Secret != "SECdt-secret-0002" {
		t.Error("Redacted changed the configuration it was called on")
	}
}

func TestOpenSecretsErrorsNameTenantChannelField(t *testing.T) {
	keys := ring(t, "11")
	sealed, err := monitor.SealSecrets([]byte(alertingYAML), "acme", keys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		doc    string
		tenant string
		keys   *secret.Keyring
		is     error
		want   []string
	}{
		{"another tenant's document", string(sealed), "globex", keys, secret.ErrOpen, []string{"tenant globex", "channel ops-dingtalk", "dingtalk.url"}},
		{"no key", string(sealed), "acme", &secret.Keyring{}, secret.ErrNoKey, []string{"tenant acme", "channel ops-dingtalk", "dingtalk.url", keys.Current()}},
		{"another key", string(sealed), "acme", ring(t, "22"), secret.ErrUnknownKey, []string{"tenant acme", "channel ops-dingtalk", "dingtalk.url", keys.Current()}},
		{"copied to another channel", strings.Replace(string(sealed), "name: mail", "name: mail2", 1), "acme", keys, secret.ErrOpen, []string{"channel mail2", "email.password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := monitor.OpenSecrets([]byte(tt.doc), tt.tenant, tt.keys)
			var se *monitor.SecretError
			if !errors.Is(err, tt.is) || !errors.As(err, &se) || out != nil {
				t.Fatalf("OpenSecrets = %v (%d bytes); want %v as a *SecretError and no document", err, len(out), tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// Sealing (apply, rotate) fails the same way, and without a current key says so.
	if _, err := monitor.SealSecrets(sealed, "globex", keys); !errors.Is(err, secret.ErrOpen) {
		t.Errorf("SealSecrets of another tenant's sealed values = %v", err)
	}
	if _, err := monitor.SealSecrets([]byte(alertingYAML), "acme", &secret.Keyring{}); !errors.Is(err, secret.ErrNoKey) {
		t.Errorf("SealSecrets without keys = %v", err)
	}
}

func TestSealSecretsRotatesToTheCurrentKey(t *testing.T) {
	old, both, onlyNew := ring(t, "11"), ring(t, "22", "11"), ring(t, "22")
	first, err := monitor.SealSecrets([]byte(alertingYAML), "acme", old)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := monitor.SealSecrets(first, "acme", both)
	if err != nil {
		t.Fatal(err)
	}
	n, err := monitor.CountSecrets(rotated, "acme")
	if err != nil || n.Plain != 0 || n.ByKey[both.Current()] != 5 || len(n.ByKey) != 1 {
		t.Fatalf("after rotation %+v, %v; want 5 under %s only", n, err, both.Current())
	}
	again, err := monitor.SealSecrets(rotated, "acme", both)
	if err != nil || string(again) != string(rotated) {
		t.Errorf("sealing a document already under the current key changed it (err %v)", err)
	}
	if _, err := monitor.OpenSecrets(rotated, "acme", onlyNew); err != nil {
		t.Errorf("after rotation the old key is not needed: %v", err)
	}
	if _, err := monitor.OpenSecrets(first, "acme", onlyNew); !errors.Is(err, secret.ErrUnknownKey) {
		t.Errorf("the unrotated document opened without its key: %v", err)
	}
}

func TestPlainDocumentsStillWork(t *testing.T) {
	out, err := monitor.OpenSecrets([]byte(alertingYAML), "acme", &secret.Keyring{})
	if err != nil || string(out) != alertingYAML {
		t.Fatalf("a document in clear needs no key: %v", err)
	}
	n, err := monitor.CountSecrets([]byte(alertingYAML), "acme")
	if err != nil || n.Plain != 5 || len(n.ByKey) != 0 {
		t.Fatalf("CountSecrets = %+v, %v; want 5 in clear", n, err)
	}
	for _, doc := range []string{"", "rules: []\n", "channels: []\n"} {
		if out, err := monitor.SealSecrets([]byte(doc), "acme", &secret.Keyring{}); err != nil || string(out) != doc {
			t.Errorf("a document without secrets needs no key: %q, %v", out, err)
		}
	}
}

func TestSecretsThroughAnchorsAreRefused(t *testing.T) {
	doc := `x-token: &tok https://oapi.dingtalk.com/robot/send?access_token=dt-token-0001
channels:
  - name: a
    type: dingtalk
    dingtalk: {url: *tok}
`
	_, err := monitor.SealSecrets([]byte(doc), "acme", ring(t, "11"))
	var se *monitor.SecretError
	if !errors.As(err, &se) || se.Channel != "a" || se.Field != "dingtalk.url" || !strings.Contains(err.Error(), "in place") {
		t.Fatalf("SealSecrets through an alias = %v", err)
	}
	if strings.Contains(err.Error(), "dt-token-0001") {
		t.Error("the error shows the secret")
	}
}

func FuzzSealSecrets(f *testing.F) {
	f.Add([]byte(alertingYAML))
	f.Add([]byte("channels: [{name: a, type: webhook, webhook: {url: x, headers: {h: v}}}]"))
	f.Add([]byte("channels: {a: b}"))
	keys := secret.NewKeyring(mustKey(f))
	f.Fuzz(func(t *testing.T, doc []byte) {
		sealed, err := monitor.SealSecrets(doc, "acme", keys)
		if err != nil {
			return
		}
		if _, err := monitor.OpenSecrets(sealed, "acme", keys); err != nil {
			t.Fatalf("a document SealSecrets wrote does not open: %v\n%s", err, sealed)
		}
	})
}

func mustKey(t testing.TB) secret.Key {
	k, err := secret.ParseKey(strings.Repeat("33", 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
