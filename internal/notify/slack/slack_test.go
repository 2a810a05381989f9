package slack_test

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
	"time"

	"pulso/internal/notify/core"
	"pulso/internal/notify/slack"
)

const hookPath = "/services/T0001/B0002/XXXXXXXXsecretXXXXXXXX"

type hook struct {
	mu     sync.Mutex
	status int
	header map[string]string
	body   string
	got    []slack.Payload
	fail   []string
}

func (h *hook) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.Method != http.MethodPost || req.URL.Path != hookPath || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		h.fail = append(h.fail, fmt.Sprintf("%s %s %s", req.Method, req.URL.Path, req.Header.Get("Content-Type")))
	}
	var p slack.Payload
	if err := json.NewDecoder(req.Body).Decode(&p); err != nil {
		h.fail = append(h.fail, "body is not JSON")
	}
	h.got = append(h.got, p)
	for k, v := range h.header {
		w.Header().Set(k, v)
	}
	if h.status != 0 {
		w.WriteHeader(h.status)
		io.WriteString(w, h.body)
		return
	}
	io.WriteString(w, "ok")
}

func start(t *testing.T) (*hook, string) {
	h := &hook{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv.URL + hookPath
}

var message = core.Message{
	ID: "s1", Tenant: "acme", Lang: "pt-BR", Title: "Brasil: taxa de entrega no vermelho",
	Text:     "Entrega **91%** < meta 95% & caindo — ver [o painel](https://pulso.example/board?c=BR&p=ml)\n妥投率下降",
	Mentions: []string{"U024BE7LH", "<@W123>"},
	Link:     "https://pulso.example/kpi/delivery_rate",
	Fields:   map[string]string{"país": "BR", "plataforma": "Mercado Livre"},
}

func TestBlocksAndMentions(t *testing.T) {
	h, url := start(t)
	n, err := slack.New(slack.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	if retry, err := n.Notify(context.Background(), message); err != nil || retry {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.fail) > 0 || len(h.got) != 1 {
		t.Fatalf("server: %v, %d requests", h.fail, len(h.got))
	}
	p := h.got[0]
	if !strings.Contains(p.Text, message.Title) || !strings.Contains(p.Text, "<@U024BE7LH> <@W123>") {
		t.Errorf("fallback text %q", p.Text)
	}
	if p.Blocks[0].Type != "header" || p.Blocks[0].Text.Type != "plain_text" || p.Blocks[0].Text.Text != message.Title {
		t.Errorf("header %+v", p.Blocks[0])
	}
	sec := p.Blocks[1].Text
	for _, want := range []string{"Entrega *91%* &lt; meta 95% &amp; caindo", "<https://pulso.example/board?c=BR&p=ml|o painel>",
		"妥投率下降", "<" + message.Link + "|Abrir no Pulso>", "<@U024BE7LH> <@W123>"} {
		if !strings.Contains(sec.Text, want) {
			t.Errorf("section lacks %q:\n%s", want, sec.Text)
		}
	}
	if sec.Type != "mrkdwn" {
		t.Errorf("section type %s", sec.Type)
	}
	if f := p.Blocks[2].Fields; len(f) != 2 || f[0].Text != "*país*\nBR" || f[1].Text != "*plataforma*\nMercado Livre" {
		t.Errorf("fields %+v", f)
	}
}

func TestFailures(t *testing.T) {
	h, url := start(t)
	n, err := slack.New(slack.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	h.status, h.header, h.body = http.StatusTooManyRequests, map[string]string{"Retry-After": "30"}, "rate_limited"
	retry, err := n.Notify(context.Background(), message)
	if !retry || err == nil || core.RetryAfterOf(err) != 30*time.Second {
		t.Fatalf("429: %v, %v (retry after %v)", retry, err, core.RetryAfterOf(err))
	}
	h.status, h.header, h.body = http.StatusNotFound, nil, "no_service "+hookPath
	retry, err = n.Notify(context.Background(), message)
	if retry || err == nil || !strings.Contains(err.Error(), "HTTP 404: no_service") {
		t.Fatalf("404: %v, %v", retry, err)
	}
	if strings.Contains(err.Error(), "XXXXXXXXsecretXXXXXXXX") || strings.Contains(err.Error(), "B0002") {
		t.Fatalf("error shows the hook: %v", err)
	}
	if !strings.Contains(err.Error(), "/services/REDACTED") {
		t.Fatalf("error: %v", err)
	}
	h.status = http.StatusInternalServerError
	if retry, _ = n.Notify(context.Background(), message); !retry {
		t.Fatal("500 not retried")
	}
	c := slack.Config{URL: "https://hooks.slack.com" + hookPath}
	if s := fmt.Sprintf("%v|%#v", c, c); strings.Contains(s, "secret") || !strings.Contains(s, "https://hooks.slack.com/services/REDACTED") {
		t.Fatalf("config shows %s", s)
	}
}
