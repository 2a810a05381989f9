package notify_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"pulso/internal/notify"
	"pulso/internal/notify/dingtalk"
	"pulso/internal/notify/email"
	"pulso/internal/notify/slack"
	"pulso/internal/notify/webhook"
)

const channelsYAML = `
- name: ops-dingtalk
  type: dingtalk
  dingtalk:
    url: https://oapi.dingtalk.com/robot/send?access_token=dt-token-0001
    secret: SECdt-secret-0002
    timeout: 5s
- name: br-feishu
  type: feishu
  feishu:
    url: https://open.feishu.cn/open-apis/bot/v2/hook/fs-hook-0003
    secret: fs-secret-0004
- name: cn-wecom
  type: wecom
  wecom:
    url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wc-key-0005
- name: hq-slack
  type: slack
  slack:
    url: https://hooks.slack.com/services/T0/B0/slack-path-0006
- name: mail
  type: email
  email:
    host: smtp.example.com
    username: alerts@example.com
    password: smtp-pass-0007
    from: Pulso <alerts@example.com>
    to: [ops@example.com]
- name: erp
  type: webhook
  webhook:
    url: https://erp.example.com/hooks/pulso?token=wh-token-0008
    secret: wh-secret-0009
    headers: {Authorization: "Bearer wh-header-0010"}
`

var secrets = []string{"dt-token-0001", "SECdt-secret-0002", "fs-hook-0003", "fs-secret-0004", "wc-key-0005",
	"slack-path-0006", "smtp-pass-0007", "wh-token-0008", "wh-secret-0009", "wh-header-0010"}

func TestBuildAllFromYAML(t *testing.T) {
	var cfgs []notify.ChannelConfig
	dec := yaml.NewDecoder(strings.NewReader(channelsYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&cfgs); err != nil {
		t.Fatal(err)
	}
	if cfgs[0].DingTalk.Timeout != 5*time.Second {
		t.Fatalf("timeout %v", cfgs[0].DingTalk.Timeout)
	}
	ns, err := notify.BuildAll(cfgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 6 {
		t.Fatalf("%d notifiers", len(ns))
	}
	if _, ok := ns["mail"].(*email.Notifier); !ok {
		t.Fatalf("mail is %T", ns["mail"])
	}
	// Printed or logged, configurations and notifiers show no secret.
	var logs bytes.Buffer
	lg := slog.New(slog.NewJSONHandler(&logs, nil))
	var printed strings.Builder
	for _, c := range cfgs {
		lg.Info("channel", "cfg", c)
		fmt.Fprintf(&printed, "%v %+v %#v %s\n", c, c, c, ns[c.Name])
	}
	fmt.Fprintf(&printed, "%v\n", cfgs)
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) || strings.Contains(printed.String(), s) {
			t.Errorf("secret %s shown:\n%s\n%s", s, logs.String(), printed.String())
		}
	}
	for _, want := range []string{"access_token=REDACTED", "hook/REDACTED", "key=REDACTED", "services/REDACTED", "password=REDACTED"} {
		if !strings.Contains(printed.String(), want) {
			t.Errorf("printed configs lack %q:\n%s", want, printed.String())
		}
	}
}

func TestValidate(t *testing.T) {
	ok := dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send?access_token=dt-token-0001"}
	for _, c := range []notify.ChannelConfig{
		{Name: "", Type: notify.DingTalk, DingTalk: &ok},
		{Name: "a b", Type: notify.DingTalk, DingTalk: &ok},
		{Name: "x", Type: "telegram"},
		{Name: "x", Type: notify.DingTalk},
		{Name: "x", Type: notify.DingTalk, DingTalk: &ok, Slack: &slack.Config{URL: "https://hooks.slack.com/services/a"}},
		{Name: "x", Type: notify.Webhook, Webhook: &webhook.Config{URL: "ftp://x/?token=wh-token-0008"}},
		{Name: "x", Type: notify.Email, Email: &email.Config{Host: "h", From: "a@b.c", To: []string{"d@e.f"}, Username: "u"}},
		{Name: "x", Type: notify.Slack, Slack: &slack.Config{URL: "http://hooks.slack.com/services/T0/B0/slack-path-0006"}},
	} {
		_, err := notify.Build(c)
		if err == nil {
			t.Errorf("Build(%v) passed", c)
			continue
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error shows %s: %v", s, err)
			}
		}
	}
	_, err := notify.BuildAll([]notify.ChannelConfig{
		{Name: "x", Type: notify.DingTalk, DingTalk: &ok},
		{Name: "x", Type: notify.DingTalk, DingTalk: &ok},
	})
	if err == nil || !strings.Contains(err.Error(), "configured twice") {
		t.Fatalf("duplicate names: %v", err)
	}
}
