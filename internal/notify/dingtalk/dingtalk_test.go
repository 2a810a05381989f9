package dingtalk_test

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
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pulso/internal/notify/core"
	"pulso/internal/notify/dingtalk"
)

const (
	token  = "a1b2c3d4e5f6-access-token"
	secret = "SEC0123456789abcdef-signing-secret"
)

// robot is a DingTalk custom robot endpoint that checks requests as DingTalk documents them.
type robot struct {
	mu      sync.Mutex
	reply   func(w http.ResponseWriter)
	got     []map[string]any
	rawURLs []string
	fail    []string // what the server found wrong
}

func (r *robot) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rawURLs = append(r.rawURLs, req.URL.String())
	bad := func(f string, a ...any) { r.fail = append(r.fail, fmt.Sprintf(f, a...)) }
	if req.Method != http.MethodPost || req.URL.Path != "/robot/send" {
		bad("%s %s", req.Method, req.URL.Path)
	}
	if ct := req.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		bad("content type %q", ct)
	}
	q := req.URL.Query()
	if q.Get("access_token") != token {
		bad("access_token %q", q.Get("access_token"))
	}
	// The signature, recomputed here from DingTalk's documentation: HmacSHA256 keyed by the
	// secret over timestamp+"\n"+secret, Base64, then URL-encoded into the query.
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil || time.Since(time.UnixMilli(ts)).Abs() > time.Hour {
		bad("timestamp %q is not milliseconds within an hour", q.Get("timestamp"))
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(q.Get("timestamp") + "\n" + secret))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if q.Get("sign") != want {
		bad("sign %q, want %q", q.Get("sign"), want)
	}
	if strings.ContainsAny(rawParam(req.URL.RawQuery, "sign"), "+/=") {
		bad("sign is not URL-encoded in %q", req.URL.RawQuery)
	}
	body, _ := io.ReadAll(req.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		bad("body is not JSON: %v", err)
	}
	r.got = append(r.got, m)
	if r.reply != nil {
		r.reply(w)
		return
	}
	io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
}

func rawParam(rawQuery, name string) string {
	for _, kv := range strings.Split(rawQuery, "&") {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v
		}
	}
	return ""
}

func (r *robot) last(t *testing.T) map[string]any {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.fail) > 0 {
		t.Fatalf("server rejected the request: %v", r.fail)
	}
	if len(r.got) == 0 {
		t.Fatal("server got nothing")
	}
	return r.got[len(r.got)-1]
}

func start(t *testing.T) (*robot, string) {
	r := &robot{}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv.URL + "/robot/send?access_token=" + token
}

var message = core.Message{
	ID: "alert-7", Tenant: "acme", Channel: "ops", Lang: "zh-CN",
	Title: "墨西哥 取消率 连续3天红灯", Text: "取消率 **4.2%**,目标 2%。\nTaxa de cancelamento acima da meta.",
	Mentions: []string{"13800001111", "manager01", "13800001111"},
	Link:     "https://pulso.example/kpi/cancel_rate?country=MX",
	Fields:   map[string]string{"国家": "MX", "KPI": "cancel_rate"},
}

func TestMarkdownSignedWithMentions(t *testing.T) {
	r, url := start(t)
	n, err := dingtalk.New(dingtalk.Config{URL: url, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(context.Background(), message)
	if err != nil || retry {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	got := r.last(t)
	if got["msgtype"] != "markdown" {
		t.Fatalf("msgtype %v", got["msgtype"])
	}
	md := got["markdown"].(map[string]any)
	text := md["text"].(string)
	if md["title"] != message.Title {
		t.Errorf("title %q", md["title"])
	}
	for _, want := range []string{"### " + message.Title, "**4.2%**", "Taxa de cancelamento", "- **国家**: MX",
		"[查看详情](" + message.Link + ")", "@13800001111", "@manager01"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	at := got["at"].(map[string]any)
	if fmt.Sprint(at["atMobiles"]) != "[13800001111]" || fmt.Sprint(at["atUserIds"]) != "[manager01]" || at["isAtAll"] != false {
		t.Errorf("at = %v", at)
	}
}

func TestText(t *testing.T) {
	r, url := start(t)
	n, err := dingtalk.New(dingtalk.Config{URL: url, Secret: secret, MsgType: "text"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Notify(context.Background(), message); err != nil {
		t.Fatal(err)
	}
	got := r.last(t)
	content := got["text"].(map[string]any)["content"].(string)
	if got["msgtype"] != "text" || !strings.HasPrefix(content, message.Title+"\n\n") || !strings.Contains(content, "@13800001111") {
		t.Fatalf("payload %v", got)
	}
}

func TestFailuresAreClassifiedAndRedacted(t *testing.T) {
	refused := func() string { // an address nothing listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}()
	cases := []struct {
		name      string
		reply     func(w http.ResponseWriter)
		url       string
		retry     bool
		errSubstr string
	}{
		{"sign mismatch", func(w http.ResponseWriter) {
			io.WriteString(w, `{"errcode":310000,"errmsg":"sign not match, more: [https://oapi.dingtalk.com/robot/send?access_token=`+token+`]"}`)
		}, "", false, "errcode 310000"},
		{"too fast", func(w http.ResponseWriter) { io.WriteString(w, `{"errcode":130101,"errmsg":"send too fast"}`) }, "", true, "errcode 130101"},
		{"throttled by redirect", func(w http.ResponseWriter) {
			w.Header().Set("Location", "https://example.com/limited")
			w.WriteHeader(http.StatusFound)
		}, "", true, "HTTP 302"},
		{"server error", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, "", true, "HTTP 502"},
		{"bad request", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadRequest) }, "", false, "HTTP 400"},
		{"not json", func(w http.ResponseWriter) { io.WriteString(w, "<html>proxy</html>") }, "", false, "unexpected answer"},
		{"refused", nil, "http://" + refused + "/robot/send?access_token=" + token, true, "refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, url := start(t)
			r.reply = c.reply
			if c.url != "" {
				url = c.url
			}
			n, err := dingtalk.New(dingtalk.Config{URL: url, Secret: secret})
			if err != nil {
				t.Fatal(err)
			}
			retry, err := n.Notify(context.Background(), message)
			if err == nil || retry != c.retry || !strings.Contains(err.Error(), c.errSubstr) {
				t.Fatalf("Notify = %v, %v; want retry=%v and %q", retry, err, c.retry, c.errSubstr)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows a secret: %v", err)
			}
		})
	}
}

func TestConfigRedaction(t *testing.T) {
	c := dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send?access_token=" + token, Secret: secret}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("cfg", "dingtalk", c)
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), logs.String(), fmt.Sprint(&c)} {
		if strings.Contains(s, token) || strings.Contains(s, secret) {
			t.Fatalf("secret shown: %s", s)
		}
	}
	if !strings.Contains(c.String(), "access_token=REDACTED") {
		t.Fatalf("String() = %s", c.String())
	}
	for _, bad := range []dingtalk.Config{
		{URL: ""},
		{URL: "https://oapi.dingtalk.com/robot/send"},
		{URL: "http://oapi.dingtalk.com/robot/send?access_token=x"},
		{URL: "https://oapi.dingtalk.com/robot/send?access_token=x", MsgType: "card"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%v) passed", bad)
		} else if strings.Contains(err.Error(), "access_token=x") {
			t.Errorf("Validate error shows the token: %v", err)
		}
	}
}
