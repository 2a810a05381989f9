package wecom_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"pulso/internal/notify/core"
	"pulso/internal/notify/wecom"
)

const key = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

// robot is a WeCom group robot endpoint: the key in the query is the only credential.
type robot struct {
	mu    sync.Mutex
	reply string
	got   []map[string]any
	fail  []string
}

func (r *robot) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Method != http.MethodPost || req.URL.Path != "/cgi-bin/webhook/send" || req.URL.Query().Get("key") != key {
		r.fail = append(r.fail, fmt.Sprintf("%s %s", req.Method, req.URL))
	}
	body, _ := io.ReadAll(req.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		r.fail = append(r.fail, "body is not JSON")
	}
	r.got = append(r.got, m)
	if r.reply != "" {
		io.WriteString(w, r.reply)
		return
	}
	io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
}

func (r *robot) last(t *testing.T) map[string]any {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.fail) > 0 {
		t.Fatalf("server rejected the request: %v", r.fail)
	}
	return r.got[len(r.got)-1]
}

func start(t *testing.T) (*robot, string) {
	r := &robot{}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv.URL + "/cgi-bin/webhook/send?key=" + key
}

var message = core.Message{
	ID: "a1", Tenant: "acme", Lang: "zh", Title: "巴西 妥投率 红灯", Text: "妥投率 **91%**,目标 95%\nTaxa de entrega abaixo da meta",
	Link: "https://pulso.example/kpi/delivery_rate",
}

func TestMarkdownMentionsUserIDs(t *testing.T) {
	r, url := start(t)
	n, err := wecom.New(wecom.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	m := message
	m.Mentions = []string{"zhangsan", "lisi"}
	if retry, err := n.Notify(context.Background(), m); err != nil || retry {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	got := r.last(t)
	content := got["markdown"].(map[string]any)["content"].(string)
	if got["msgtype"] != "markdown" || !strings.HasPrefix(content, "## "+m.Title) || !strings.HasSuffix(content, "<@zhangsan><@lisi>") ||
		!strings.Contains(content, "[查看详情]("+m.Link+")") {
		t.Fatalf("payload %v", got)
	}
}

func TestPhoneMentionsGoAsText(t *testing.T) {
	r, url := start(t)
	n, err := wecom.New(wecom.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	m := message
	m.Mentions = []string{"13800001111", "wangwu"}
	if _, err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := r.last(t)
	text := got["text"].(map[string]any)
	if got["msgtype"] != "text" || fmt.Sprint(text["mentioned_mobile_list"]) != "[13800001111]" ||
		fmt.Sprint(text["mentioned_list"]) != "[wangwu]" || !strings.HasPrefix(text["content"].(string), m.Title) {
		t.Fatalf("payload %v", got)
	}
}

func TestLimits(t *testing.T) {
	m := message
	m.Text = strings.Repeat("取消率超标。", 1000)
	m.Mentions = []string{"zhangsan"}
	p := wecom.Build(m, "markdown")
	if len(p.Markdown.Content) > 4096 || !utf8.ValidString(p.Markdown.Content) || !strings.HasSuffix(p.Markdown.Content, "<@zhangsan>") {
		t.Fatalf("markdown %d bytes, valid %v", len(p.Markdown.Content), utf8.ValidString(p.Markdown.Content))
	}
	p = wecom.Build(m, "text")
	if len(p.Text.Content) > 2048 || !utf8.ValidString(p.Text.Content) {
		t.Fatalf("text %d bytes", len(p.Text.Content))
	}
}

func TestErrcodes(t *testing.T) {
	for _, c := range []struct {
		reply string
		retry bool
	}{
		{`{"errcode":45009,"errmsg":"api freq out of limit"}`, true},
		{`{"errcode":-1,"errmsg":"system busy"}`, true},
		{`{"errcode":93000,"errmsg":"invalid webhook url, hint: key=` + key + `"}`, false},
	} {
		r, url := start(t)
		r.reply = c.reply
		n, err := wecom.New(wecom.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		retry, err := n.Notify(context.Background(), message)
		if err == nil || retry != c.retry || !strings.Contains(err.Error(), "errcode") {
			t.Fatalf("%s: Notify = %v, %v", c.reply, retry, err)
		}
		if strings.Contains(err.Error(), key) {
			t.Fatalf("error shows the key: %v", err)
		}
	}
	c := wecom.Config{URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + key}
	if s := fmt.Sprintf("%v %#v", c, c); strings.Contains(s, key) || !strings.Contains(s, "key=REDACTED") {
		t.Fatalf("config shows %s", s)
	}
}
