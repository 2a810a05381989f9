package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.yaml.in/yaml/v3"

	"pulso/internal/monitor"
	"pulso/internal/store"
)

// TestBrowserChannelForm: in a real browser an administrator adds a signed webhook channel on
// the settings page — the form shows only the chosen type's fields (CSS, no script) — sees its
// secrets masked, and sends a test message that a real receiver verifies; no CSP violation or
// script error, and at 390 px nothing scrolls sideways.
func TestBrowserChannelForm(t *testing.T) {
	browser, base := browserEnv(t)
	e := sharedEnv(t)
	ctx := t.Context()
	before, err := e.st.Setting(ctx, "default", monitor.SettingName)
	if errors.Is(err, store.ErrNotFound) {
		b, _ := yaml.Marshal(monitor.Default())
		before, err = string(b), nil
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.PutSetting(ctx, "default", monitor.SettingName, before, "test") })

	const token, signing = "browser-hook-token-5d1e", "browser-hook-sign-77a0"
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(signing))
		mac.Write(body)
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Query().Get("token") != token || r.Header.Get("X-Pulso-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			w.WriteHeader(http.StatusUnauthorized)
			got = append(got, "refused")
			return
		}
		got = append(got, "ok")
	}))
	t.Cleanup(hook.Close)

	tb := tab(t, browser)
	signIn(t, tb, base, "admin")
	navigate(t, tb, base+"/settings/channels/edit")
	waitFor(t, tb, "channel form", `!!document.querySelector('#channel-type')`)
	visible := func() []string {
		return eval[[]string](t, tb, `[...document.querySelectorAll('.channel-block')].filter(b => getComputedStyle(b).display !== 'none').map(b => b.dataset.type)`)
	}
	if v := visible(); len(v) != 1 || v[0] != "dingtalk" {
		t.Errorf("blocks shown at first: %v, want [dingtalk]", v)
	}
	err = chromedp.Do(timeout(tb, t),
		chromedp.SetValue(chromedp.CSS(`#channel-type`), "webhook"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "browser-hook"),
		chromedp.SendKeys(chromedp.CSS(`input[name="webhook.url"]`), hook.URL+"/in?token="+token),
		chromedp.SendKeys(chromedp.CSS(`input[name="webhook.secret"]`), signing),
	)
	if err != nil {
		t.Fatal(err)
	}
	if v := visible(); len(v) != 1 || v[0] != "webhook" {
		t.Errorf("blocks shown for a webhook: %v, want [webhook]", v)
	}
	clean(t, tb, "channel form")
	if err := chromedp.Do(timeout(tb, t), chromedp.Click(chromedp.CSS(`#channel-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tb, "saved", `!!document.querySelector('#channel-list') && document.body.innerText.includes('browser-hook')`)
	text := eval[string](t, tb, `document.querySelector('#channel-list').innerText`)
	if !strings.Contains(text, "••••"+token[len(token)-4:]) || !strings.Contains(text, "••••"+signing[len(signing)-4:]) ||
		strings.Contains(text, token) || strings.Contains(text, signing) {
		t.Errorf("the channel list: %q", text)
	}
	clean(t, tb, "settings after save")

	// The row's test button: the receiver checks token and signature.
	eval[bool](t, tb, `(() => { const row = [...document.querySelectorAll('#channel-list tbody tr')].find(r => r.cells[0].innerText.trim() === 'browser-hook');
		row.querySelector('form button').click(); return true; })()`)
	// the save left a flash naming the channel too: wait for the receiver, then for the page
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
	}
	waitFor(t, tb, "test result", `document.readyState === 'complete' && !!document.querySelector('.flash.ok') && document.querySelector('.flash.ok').innerText.includes('browser-hook')`)
	mu.Lock()
	if strings.Join(got, ",") != "ok" {
		t.Errorf("the receiver saw %v, want one signed message", got)
	}
	mu.Unlock()
	clean(t, tb, "test message")

	if err := chromedp.Do(timeout(tb, t), chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"/settings", "/settings/channels/edit?name=browser-hook", "/settings/channels/edit?type=email"} {
		navigate(t, tb, base+url)
		waitFor(t, tb, "layout", `document.readyState === 'complete'`)
		if !eval[bool](t, tb, `document.scrollingElement.scrollWidth <= window.innerWidth`) {
			t.Errorf("%s scrolls sideways at 390 px", url)
		}
		clean(t, tb, url+" at 390 px")
	}
}
