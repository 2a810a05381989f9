package core

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRedactURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		keep int
		want string
	}{
		{"https://oapi.dingtalk.com/robot/send?access_token=abc123", -1, "https://oapi.dingtalk.com/robot/send?access_token=REDACTED"},
		{"https://hooks.slack.com/services/T0/B0/xyz", 1, "https://hooks.slack.com/services/REDACTED"},
		{"https://open.feishu.cn/open-apis/bot/v2/hook/uuid-1", 4, "https://open.feishu.cn/open-apis/bot/v2/hook/REDACTED"},
		{"https://user:pw@erp.example/in/tok?a=1&b=2#frag", 0, "https://REDACTED@erp.example/REDACTED?a=REDACTED&b=REDACTED"},
		{"https://erp.example/", 0, "https://erp.example/"},
		{"not a url", 0, "[REDACTED URL]"},
	} {
		if got := RedactURL(c.in, c.keep); got != c.want {
			t.Errorf("RedactURL(%q, %d) = %q, want %q", c.in, c.keep, got, c.want)
		}
	}
}

func TestScrub(t *testing.T) {
	raw := "https://x.example/hook/s3cr3t-path?token=tok+en/1"
	secrets := URLSecrets(raw, 1)
	text := "POST " + raw + " failed; token tok%2Ben%2F1, path s3cr3t-path, ok"
	got := Scrub(text, secrets...)
	for _, s := range []string{"s3cr3t-path", "tok+en/1", "tok%2Ben%2F1"} {
		if strings.Contains(got, s) {
			t.Errorf("Scrub left %q in %q", s, got)
		}
	}
	if !strings.HasSuffix(got, ", ok") || Scrub("ok", "ok") != "ok" {
		t.Errorf("Scrub over-reached: %q", got)
	}
	if got := ScrubURLs(`Post "https://a.example/robot?access_token=zz9": EOF`); got != `Post "https://a.example/REDACTED?access_token=REDACTED": EOF` {
		t.Errorf("ScrubURLs = %q", got)
	}
}

func TestTruncateAndMentions(t *testing.T) {
	s := strings.Repeat("取", 10) // 3 bytes each
	for max := 0; max < 35; max++ {
		got := Truncate(s, max)
		if !utf8.ValidString(got) || (len(got) > max && max >= 3) {
			t.Fatalf("Truncate(%d) = %q (%d bytes)", max, got, len(got))
		}
	}
	mobiles, ids := SplitMentions([]string{"+55 11 99999-0000", "13800001111", "ou_abc", "", "13800001111", "U024"})
	if strings.Join(mobiles, ",") != "+55 11 99999-0000,13800001111" || strings.Join(ids, ",") != "ou_abc,U024" {
		t.Fatalf("mobiles %v ids %v", mobiles, ids)
	}
}
