package notify_test

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"pulso/internal/notify"
	"pulso/internal/secret"
)

func decodeChannels(t *testing.T) []notify.ChannelConfig {
	t.Helper()
	var cfgs []notify.ChannelConfig
	if err := yaml.Unmarshal([]byte(channelsYAML), &cfgs); err != nil {
		t.Fatal(err)
	}
	return cfgs
}

func TestSecretsListsEverySecretField(t *testing.T) {
	want := map[string][]string{
		"ops-dingtalk": {"dingtalk.url", "dingtalk.secret"},
		"br-feishu":    {"feishu.url", "feishu.secret"},
		"cn-wecom":     {"wecom.url"},
		"hq-slack":     {"slack.url"},
		"mail":         {"email.password"},
		"erp":          {"webhook.url", "webhook.secret", "webhook.headers.Authorization"},
	}
	var values []string
	for _, c := range decodeChannels(t) {
		var fields []string
		for _, s := range c.Secrets() {
			fields = append(fields, s.Field)
			if strings.Join(s.Path, ".") != s.Field {
				t.Errorf("%s: path %v does not spell field %s", c.Name, s.Path, s.Field)
			}
			values = append(values, s.Value)
		}
		if !slices.Equal(fields, want[c.Name]) {
			t.Errorf("%s: secret fields %v, want %v", c.Name, fields, want[c.Name])
		}
	}
	for _, s := range secrets { // every secret of the test file is in some listed value
		if !slices.ContainsFunc(values, func(v string) bool { return strings.Contains(v, s) }) {
			t.Errorf("secret %s is in no field Secrets lists", s)
		}
	}
}

func TestMaskedShowsLastFourOnly(t *testing.T) {
	cfgs := decodeChannels(t)
	var masked []notify.ChannelConfig
	for _, c := range cfgs {
		masked = append(masked, c.Masked())
	}
	out, err := yaml.Marshal(masked)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(out), s) {
			t.Errorf("masked channels show %s:\n%s", s, out)
		}
	}
	if got := masked[0].DingTalk.Secret; got != "••••0002" {
		t.Errorf("masked dingtalk.secret = %q, want ••••0002", got)
	}
	if got := masked[5].Webhook.Headers["Authorization"]; got != "••••0010" {
		t.Errorf("masked header = %q, want ••••0010", got)
	}
	if got := masked[4].Email.Username; got != "alerts@example.com" {
		t.Errorf("masking changed a field that is not secret: username %q", got)
	}
	// the original is untouched (blocks and the header map were copied)
	if cfgs[0].DingTalk.Secret != "SECdt-secret-0002" || cfgs[5].Webhook.Headers["Authorization"] != "Bearer wh-header-0010" {
		t.Errorf("Masked changed its receiver: %q %q", cfgs[0].DingTalk.Secret, cfgs[5].Webhook.Headers["Authorization"])
	}
}

func TestSealedChannelChecksButDoesNotBuild(t *testing.T) {
	k, err := secret.ParseKey(strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	keys := secret.NewKeyring(k)
	bind := func(c notify.ChannelConfig, s notify.Secret) secret.Binding {
		return secret.Binding{Tenant: "acme", Field: c.Name + "/" + s.Field}
	}
	for _, c := range decodeChannels(t) {
		sealed, err := c.MapSecrets(func(s notify.Secret) (string, error) { return keys.Seal(s.Value, bind(c, s)) })
		if err != nil {
			t.Fatal(err)
		}
		if !sealed.Sealed() || c.Sealed() {
			t.Fatalf("%s: Sealed() = %v after sealing, %v before", c.Name, sealed.Sealed(), c.Sealed())
		}
		if err := sealed.Validate(); err != nil {
			t.Errorf("%s: a sealed channel does not check: %v", c.Name, err)
		}
		first := c.Secrets()[0].Field
		if _, err := notify.Build(sealed); err == nil || !strings.Contains(err.Error(), first+" is sealed") {
			t.Errorf("%s: Build of a sealed channel = %v, want %q", c.Name, err, first+" is sealed")
		}
		opened, err := sealed.MapSecrets(func(s notify.Secret) (string, error) { return keys.Open(s.Value, bind(c, s)) })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := notify.Build(opened); err != nil {
			t.Errorf("%s: opened channel does not build: %v", c.Name, err)
		}
	}
	bad := decodeChannels(t)[0]
	bad.DingTalk.Secret = "enc:v1:nothex!!:AAAA"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "dingtalk.secret is not a well-formed sealed value") {
		t.Errorf("malformed sealed value: %v", err)
	}
}
