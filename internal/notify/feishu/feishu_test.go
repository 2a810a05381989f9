package feishu_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pulso/internal/notify/core"
	"pulso/internal/notify/feishu"
)

const (
	hookToken = "5e3d587e-d78e-4a07-bd07-265f269f86fd"
	secret    = "nIMtb7r3N9pkXyXdtAbx6e-feishu"
)

// bot is a Feishu custom bot endpoint that checks requests as Feishu documents them.
type bot struct {
	mu    sync.Mutex
	reply func(w http.ResponseWriter)
	got   []map[string]any
	fail  []string
}

func (b *bot) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bad := func(f string, a ...any) { b.fail = append(b.fail, fmt.Sprintf(f, a...)) }
	if req.Method != http.MethodPost || req.URL.Path != "/open-apis/bot/v2/hook/"+hookToken {
		bad("%s %s", req.Method, req.URL.Path)
	}
	body, _ := io.ReadAll(req.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		bad("body is not JSON: %v", err)
	}
	// The signature, recomputed from Feishu's documentation: timestamp+"\n"+secret is the
	// HmacSHA256 KEY, the message is empty, the result Base64; both in the body.
	tsStr, _ := m["timestamp"].(string)
	ts, err := strconv.ParseInt(tsStr, 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Hour {
		bad("timestamp %v is not a string of seconds within an hour", m["timestamp"])
	}
	mac := hmac.New(sha256.New, []byte(tsStr+"\n"+secret))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if m["sign"] != want {
		bad("sign %v, want %s", m["sign"], want)
	}
	b.got = append(b.got, m)
	if b.reply != nil {
		b.reply(w)
		return
	}
	io.WriteString(w, `{"code":0,"data":{},"msg":"success"}`)
}

func (b *bot) last(t *testing.T) map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.fail) > 0 {
		t.Fatalf("server rejected the request: %v", b.fail)
	}
	if len(b.got) == 0 {
		t.Fatal("server got nothing")
	}
	return b.got[len(b.got)-1]
}

func start(t *testing.T) (*bot, string) {
	b := &bot{}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	return b, srv.URL + "/open-apis/bot/v2/hook/" + hookToken
}

var message = core.Message{
	ID: "alert-9", Tenant: "acme", Channel: "ops", Lang: "es-MX",
	Title: "México: tasa de cancelación en rojo", Text: "Cancelación **4.2%** (meta 2%)\n取消率超标",
	Mentions: []string{"ou_7d8a6e6df7621556ce0d21922b676706", "ana@acme.example"},
	Link:     "https://pulso.example/kpi/cancel_rate",
	Fields:   map[string]string{"país": "MX"},
}

func TestCardSignedWithMentions(t *testing.T) {
	b, url := start(t)
	n, err := feishu.New(feishu.Config{URL: url, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if retry, err := n.Notify(context.Background(), message); err != nil || retry {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	got := b.last(t)
	if got["msg_type"] != "interactive" {
		t.Fatalf("msg_type %v", got["msg_type"])
	}
	card := got["card"].(map[string]any)
	title := card["header"].(map[string]any)["title"].(map[string]any)
	if title["tag"] != "plain_text" || title["content"] != message.Title {
		t.Errorf("header %v", title)
	}
	els := card["elements"].([]any)
	div := els[0].(map[string]any)["text"].(map[string]any)
	md := div["content"].(string)
	if div["tag"] != "lark_md" {
		t.Errorf("div %v", div)
	}
	for _, want := range []string{"Cancelación **4.2%**", "取消率超标", "**país**: MX",
		"<at id=ou_7d8a6e6df7621556ce0d21922b676706></at>", "<at email=ana@acme.example></at>"} {
		if !strings.Contains(md, want) {
			t.Errorf("card text lacks %q:\n%s", want, md)
		}
	}
	btn := els[1].(map[string]any)["actions"].([]any)[0].(map[string]any)
	if btn["tag"] != "button" || btn["url"] != message.Link || btn["text"].(map[string]any)["content"] != "Abrir en Pulso" {
		t.Errorf("button %v", btn)
	}
}

func TestText(t *testing.T) {
	b, url := start(t)
	n, err := feishu.New(feishu.Config{URL: url, Secret: secret, MsgType: "text"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Notify(context.Background(), message); err != nil {
		t.Fatal(err)
	}
	got := b.last(t)
	text := got["content"].(map[string]any)["text"].(string)
	if got["msg_type"] != "text" || !strings.HasPrefix(text, message.Title) || !strings.Contains(text, `<at user_id="ou_7d8a6e6df7621556ce0d21922b676706"></at>`) {
		t.Fatalf("payload %v", got)
	}
}

func TestFailures(t *testing.T) {
	cases := []struct {
		name  string
		reply func(w http.ResponseWriter)
		retry bool
		want  string
	}{
		{"sign mismatch", func(w http.ResponseWriter) {
			io.WriteString(w, `{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`)
		}, false, "code 19021"},
		{"frequency limited on 400", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":11232,"data":{},"msg":"frequency limited"}`)
		}, true, "code 11232"},
		{"too many requests", func(w http.ResponseWriter) { io.WriteString(w, `{"code":9499,"msg":"Too Many Request"}`) }, true, "code 9499"},
		{"bad hook echoing its URL", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "no hook /open-apis/bot/v2/hook/"+hookToken)
		}, false, "HTTP 404"},
		{"unavailable", func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, true, "HTTP 503"},
		{"legacy ok", func(w http.ResponseWriter) {
			io.WriteString(w, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`)
		}, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, url := start(t)
			b.reply = c.reply
			n, err := feishu.New(feishu.Config{URL: url, Secret: secret})
			if err != nil {
				t.Fatal(err)
			}
			retry, err := n.Notify(context.Background(), message)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || retry != c.retry || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Notify = %v, %v; want retry=%v and %q", retry, err, c.retry, c.want)
			}
			if strings.Contains(err.Error(), hookToken) || strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows a secret: %v", err)
			}
		})
	}
}

func TestConfigRedaction(t *testing.T) {
	c := feishu.Config{URL: "https://open.feishu.cn/open-apis/bot/v2/hook/" + hookToken, Secret: secret}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "feishu", c)
	for _, s := range []string{fmt.Sprintf("%v %+v %#v", c, c, c), logs.String()} {
		if strings.Contains(s, hookToken) || strings.Contains(s, secret) {
			t.Fatalf("secret shown: %s", s)
		}
	}
	if want := "https://open.feishu.cn/open-apis/bot/v2/hook/REDACTED"; !strings.Contains(c.String(), want) {
		t.Fatalf("String() = %s", c)
	}
	if err := (feishu.Config{URL: "https://open.feishu.cn/"}).Validate(); err == nil {
		t.Fatal("a URL without a hook token passed")
	}
}
