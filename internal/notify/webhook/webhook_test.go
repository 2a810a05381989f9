package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pulso/internal/notify/core"
	"pulso/internal/notify/webhook"
)

const (
	secret    = "whsec_7d9f0c2a55"
	authValue = "Bearer api-token-c0ffee"
	urlToken  = "q-token-8812"
)

type endpoint struct {
	mu     sync.Mutex
	status int
	body   string
	got    []webhook.Payload
	fail   []string
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	bad := func(f string, a ...any) { e.fail = append(e.fail, fmt.Sprintf(f, a...)) }
	body, _ := io.ReadAll(req.Body)
	// The signature, recomputed here: hex HMAC-SHA256 of the raw body keyed by the secret.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := req.Header.Get("X-Pulso-Signature"); !hmac.Equal([]byte(got), []byte(want)) {
		bad("signature %q, want %q", got, want)
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		bad("body: %v", err)
	}
	ts, err := strconv.ParseInt(req.Header.Get("X-Pulso-Timestamp"), 10, 64)
	if err != nil || ts != p.Timestamp || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		bad("timestamp header %q, body %d", req.Header.Get("X-Pulso-Timestamp"), p.Timestamp)
	}
	if req.Header.Get("X-Pulso-Message-Id") != p.ID || req.Header.Get("Authorization") != authValue || req.URL.Query().Get("token") != urlToken {
		bad("headers %v, query %s", req.Header, req.URL.RawQuery)
	}
	e.got = append(e.got, p)
	if e.status != 0 {
		w.WriteHeader(e.status)
		io.WriteString(w, e.body)
	}
}

func start(t *testing.T) (*endpoint, webhook.Config) {
	e := &endpoint{}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, webhook.Config{URL: srv.URL + "/pulso/in?token=" + urlToken, Secret: secret, Headers: map[string]string{"Authorization": authValue}}
}

var message = core.Message{
	ID: "w1", Tenant: "acme", Channel: "erp", Lang: "zh-CN", Title: "库存周转 红灯", Text: "Estoque parado há 60 dias",
	Mentions: []string{"+5511999990000"}, Link: "https://pulso.example/kpi/dio", Fields: map[string]string{"warehouse": "GRU-1"},
}

func TestSignedDelivery(t *testing.T) {
	e, cfg := start(t)
	n, err := webhook.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if retry, err := n.Notify(context.Background(), message); err != nil || retry {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.fail) > 0 {
		t.Fatalf("server rejected: %v", e.fail)
	}
	p := e.got[0]
	if p.ID != "w1" || p.Tenant != "acme" || p.Title != message.Title || p.Text != message.Text || p.Fields["warehouse"] != "GRU-1" ||
		len(p.Mentions) != 1 || p.Link != message.Link || p.Lang != "zh-CN" {
		t.Fatalf("payload %+v", p)
	}
}

func TestFailures(t *testing.T) {
	e, cfg := start(t)
	n, err := webhook.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		status int
		retry  bool
	}{{500, true}, {503, true}, {429, true}, {408, true}, {410, false}, {401, false}, {302, false}} {
		e.mu.Lock()
		e.status, e.body = c.status, "denied "+authValue+" "+urlToken
		e.mu.Unlock()
		retry, err := n.Notify(context.Background(), message)
		if err == nil || retry != c.retry || !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", c.status)) {
			t.Fatalf("%d: Notify = %v, %v", c.status, retry, err)
		}
		for _, s := range []string{secret, "api-token-c0ffee", urlToken} {
			if strings.Contains(err.Error(), s) {
				t.Fatalf("error shows %q: %v", s, err)
			}
		}
	}
	var se *core.SendError
	_, err = n.Notify(context.Background(), message)
	if !errors.As(err, &se) || se.Status != 302 {
		t.Fatalf("SendError %+v", se)
	}
	s := fmt.Sprintf("%v %#v", cfg, cfg)
	for _, x := range []string{secret, "api-token-c0ffee", urlToken} {
		if strings.Contains(s, x) {
			t.Fatalf("config shows %q: %s", x, s)
		}
	}
	if !strings.Contains(s, "[Authorization]") {
		t.Fatalf("config hides header names: %s", s)
	}
	if err := (webhook.Config{URL: "https://x.example/", Headers: map[string]string{"X-Pulso-Signature": "forged"}}).Validate(); err == nil {
		t.Fatal("a header overriding Pulso's passed")
	}
}

func TestCanceled(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	n, err := webhook.New(webhook.Config{URL: srv.URL, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	retry, err := n.Notify(ctx, message)
	if !retry || err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("errors.Is(err, DeadlineExceeded) = false for %v", err)
	}
}
