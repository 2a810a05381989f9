package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pulso/internal/monitor"
	"pulso/internal/notify"
	"pulso/internal/outbox"
	"pulso/internal/secret"
	"pulso/internal/store"
	"pulso/internal/store/storetest"
)

// The secrets of the test's alerting file: none may reach the settings row, a log line or
// the outbox.
const (
	dtToken     = "dt-token-5a1f0c9e77"
	dtSecret    = "SECdt-signing-3b9d42e1"
	smtpPass    = "smtp-pass-8c2e61fa"
	hookToken   = "hook-url-token-71d0"
	hookBearer  = "hook-bearer-0e4c93"
	otherHexKey = "0707070707070707070707070707070707070707070707070707070707070707"
)

var e2eSecrets = []string{dtToken, dtSecret, smtpPass, hookToken, hookBearer}

// dingTalkServer is a DingTalk robot endpoint that checks the token and the 加签 signature
// the way DingTalk does, and records what it accepted.
type dingTalkServer struct {
	*httptest.Server
	mu       sync.Mutex
	accepted []string // markdown titles
	refused  int
}

func newDingTalk(t *testing.T) *dingTalkServer {
	s := &dingTalkServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q := r.URL.Query()
		// sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), per DingTalk's docs
		mac := hmac.New(sha256.New, []byte(dtSecret))
		mac.Write([]byte(q.Get("timestamp") + "\n" + dtSecret))
		if q.Get("access_token") != dtToken || q.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
			s.refused++
			fmt.Fprint(w, `{"errcode":310000,"errmsg":"sign not match"}`)
			return
		}
		var p struct {
			Markdown struct{ Title string } `json:"markdown"`
		}
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			s.refused++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.accepted = append(s.accepted, p.Markdown.Title)
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *dingTalkServer) got() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.accepted...), s.refused
}

// echoServer fails every request and quotes it back, secrets included, as a careless
// endpoint would: what it answers must not reach logs or the outbox in clear.
func echoServer(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "cannot handle %s with %s", r.URL.String(), r.Header.Get("Authorization"))
	}))
	t.Cleanup(s.Close)
	return s
}

func alertingFile(t *testing.T, dingURL, hookURL string) string {
	doc := fmt.Sprintf(`# channels of the e2e test
channels:
  - name: ops-dingtalk
    type: dingtalk
    dingtalk:
      url: %s/robot/send?access_token=%s
      secret: %s
  - name: mail
    type: email
    email:
      host: smtp.example.com
      username: alerts@example.com
      password: %s
      from: Pulso <alerts@example.com>
      to: [ops@example.com]
  - name: erp
    type: webhook
    webhook:
      url: %s/hooks?token=%s
      headers: {Authorization: "Bearer %s"}
contacts:
  - {id: ops, name: Ops, lang: zh-CN, channel: ops-dingtalk}
`, dingURL, dtToken, dtSecret, smtpPass, hookURL, hookToken, hookBearer)
	path := filepath.Join(t.TempDir(), "alerting.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer collects log output from the dispatcher.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range e2eSecrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds the secret %s:\n%s", where, s, text)
		}
	}
}

func withStore(t *testing.T, dsn string, f func(st store.Store)) {
	t.Helper()
	st, err := OpenStore(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f(st)
}

func settingsRow(t *testing.T, dsn, tenant string) string {
	t.Helper()
	var body string
	withStore(t, dsn, func(st store.Store) {
		err := st.DB().QueryRowContext(context.Background(), `SELECT body FROM settings WHERE tenant_id = $1 AND name = $2`, tenant, monitor.SettingName).Scan(&body)
		if err != nil {
			t.Fatal(err)
		}
	})
	return body
}

// TestSecretsAtRestEndToEnd applies an alerting file through the app layer into each engine,
// reads the stored row with SQL, delivers through a real DingTalk-like server, and rotates.
func TestSecretsAtRestEndToEnd(t *testing.T) {
	engines := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"duckdb", func(t *testing.T) string { return filepath.Join(t.TempDir(), "pulso.duckdb") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresSchema(t) }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { secretsEndToEnd(t, e.dsn(t)) })
	}
}

func secretsEndToEnd(t *testing.T, dsn string) {
	ctx := context.Background()
	keyFile := filepath.Join(t.TempDir(), "conf", "pulso.key")
	t.Setenv(secret.EnvKey, "")
	t.Setenv(secret.EnvOldKeys, "")
	t.Setenv(secret.EnvKeyFile, keyFile)
	ding, echo := newDingTalk(t), echoServer(t)
	path := alertingFile(t, ding.URL, echo.URL)

	// apply: a key file is made (0600), the five secret values are stored sealed
	res, err := ApplyAlerting(ctx, dsn, "acme", path, "test")
	if err != nil {
		t.Fatal(err)
	}
	if res.KeyCreated != keyFile || res.Sealed != 5 || len(res.Channels) != 3 {
		t.Fatalf("apply: created %q sealed %d channels %d; want %s, 5, 3", res.KeyCreated, res.Sealed, len(res.Channels), keyFile)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	row := settingsRow(t, dsn, "acme")
	assertNoSecret(t, "the settings row", row)
	if n := strings.Count(row, "enc:v1:"+res.KeyID+":"); n != 5 {
		t.Errorf("the settings row has %d values sealed with %s, want 5:\n%s", n, res.KeyID, row)
	}
	if !strings.Contains(row, "# channels of the e2e test") {
		t.Errorf("the stored document lost its comment:\n%s", row)
	}

	// deliver: the token and signing secret are opened in memory and DingTalk accepts the
	// message; the failing webhook's echo of its secrets reaches neither log nor outbox.
	var logs syncBuffer
	lg := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	withStore(t, dsn, func(st store.Store) {
		msgs := []notify.Message{
			{ID: "m1", Tenant: "acme", Channel: "ops-dingtalk", Lang: "zh-CN", Title: "GMV 红色", Text: "MX GMV below target"},
			{ID: "m2", Tenant: "acme", Channel: "erp", Title: "to the ERP", Text: "x"},
		}
		if err := outbox.Enqueue(ctx, st.DB(), msgs...); err != nil {
			t.Fatal(err)
		}
		sent, failed, err := deliverQueued(ctx, st, "acme", secretKeys(), lg)
		if err != nil || sent != 1 || failed != 1 {
			t.Fatalf("deliver: sent %d failed %d err %v; want 1, 1, nil", sent, failed, err)
		}
		var lastErr string
		if err := st.DB().QueryRowContext(ctx, `SELECT last_error FROM outbox WHERE tenant_id = $1 AND message_id = $2`, "acme", "m2").Scan(&lastErr); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(lastErr, "HTTP 500") {
			t.Errorf("the webhook's failure was not recorded: %q", lastErr)
		}
		assertNoSecret(t, "the outbox's last_error", lastErr)
	})
	if got, refused := ding.got(); len(got) != 1 || got[0] != "GMV 红色" || refused != 0 {
		t.Fatalf("DingTalk accepted %v, refused %d; want [GMV 红色], 0", got, refused)
	}
	if !strings.Contains(logs.String(), "will retry") {
		t.Errorf("the dispatcher logged nothing about the failing webhook:\n%s", logs.String())
	}
	assertNoSecret(t, "the log", logs.String())

	// a wrong key: eval stops with the tenant, channel and field named, and changes nothing
	t.Setenv(secret.EnvKeyFile, "")
	t.Setenv(secret.EnvKey, otherHexKey)
	_, err = Evaluate(ctx, dsn, "acme", time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	if !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("eval with another key: %v; want ErrUnknownKey", err)
	}
	for _, want := range []string{"tenant acme", "channel ops-dingtalk", "dingtalk.url", res.KeyID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	assertNoSecret(t, "the error", err.Error())
	withStore(t, dsn, func(st store.Store) {
		var alerts int
		if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE tenant_id = $1`, "acme").Scan(&alerts); err != nil || alerts != 0 {
			t.Errorf("eval without the key stored %d alerts (%v)", alerts, err)
		}
	})
	// ... and so does apply: a file holding another tenant's sealed values does not check
	if _, err := ApplyAlerting(ctx, dsn, "globex", writeTemp(t, row), "test"); !errors.Is(err, secret.ErrUnknownKey) {
		t.Errorf("apply of sealed values without their key: %v", err)
	}
	if after := settingsRow(t, dsn, "acme"); after != row {
		t.Error("a failed eval changed the stored document")
	}

	// rotation: the new key first, the old one after it; then the old one removed
	t.Setenv(secret.EnvKey, "")
	oldKey := strings.TrimSpace(lastLine(t, keyFile))
	newKey, err := secret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(newKey+"\n"+oldKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(secret.EnvKeyFile, keyFile)
	rep, err := RotateSecrets(ctx, dsn, "acme", "test")
	if err != nil {
		t.Fatal(err)
	}
	nk, _ := secret.ParseKey(newKey)
	if len(rep.Tenants) != 1 || rep.Tenants[0].Rotated != 5 || rep.Tenants[0].ByKey[nk.ID()] != 5 || len(rep.Tenants[0].ByKey) != 1 || rep.Current != nk.ID() {
		t.Fatalf("rotate: %+v; want 5 rotated to %s", rep, nk.ID())
	}
	rotated := settingsRow(t, dsn, "acme")
	assertNoSecret(t, "the rotated row", rotated)
	if strings.Contains(rotated, res.KeyID) {
		t.Errorf("the rotated row still names the old key %s", res.KeyID)
	}
	if err := os.WriteFile(keyFile, []byte(newKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := SecretStatus(ctx, dsn, "acme")
	if err != nil || strings.Join(st.Keys, ",") != nk.ID() || st.Tenants[0].ByKey[nk.ID()] != 5 {
		t.Fatalf("status after removing the old key: %+v, %v", st, err)
	}
	withStore(t, dsn, func(st store.Store) {
		if err := outbox.Enqueue(ctx, st.DB(), notify.Message{ID: "m3", Tenant: "acme", Channel: "ops-dingtalk", Title: "after rotation", Text: "y"}); err != nil {
			t.Fatal(err)
		}
		if sent, _, err := deliverQueued(ctx, st, "acme", secretKeys(), lg); err != nil || sent != 1 {
			t.Fatalf("deliver after rotation: sent %d, %v", sent, err)
		}
	})
	if got, _ := ding.got(); len(got) != 2 || got[1] != "after rotation" {
		t.Fatalf("DingTalk accepted %v after rotation", got)
	}
	assertNoSecret(t, "the log", logs.String())
}

// TestPlainDocumentsMigrate: a document stored in clear before sealing existed still sends
// without any key, and `pulso secret rotate` seals it (creating the key file).
func TestPlainDocumentsMigrate(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "pulso.duckdb")
	keyFile := filepath.Join(t.TempDir(), "pulso.key")
	t.Setenv(secret.EnvKey, "")
	t.Setenv(secret.EnvOldKeys, "")
	t.Setenv(secret.EnvKeyFile, keyFile)
	ding, echo := newDingTalk(t), echoServer(t)
	src, err := os.ReadFile(alertingFile(t, ding.URL, echo.URL))
	if err != nil {
		t.Fatal(err)
	}
	withStore(t, dsn, func(st store.Store) {
		if err := st.PutSetting(ctx, "legacy", monitor.SettingName, string(src), "old pulso"); err != nil {
			t.Fatal(err)
		}
		if err := outbox.Enqueue(ctx, st.DB(), notify.Message{ID: "m1", Tenant: "legacy", Channel: "ops-dingtalk", Title: "still works", Text: "z"}); err != nil {
			t.Fatal(err)
		}
		if sent, _, err := deliverQueued(ctx, st, "legacy", secretKeys(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil || sent != 1 {
			t.Fatalf("a document in clear without any key: sent %d, %v", sent, err)
		}
	})
	if _, err := os.Stat(keyFile); err == nil {
		t.Fatal("sending from a document in clear created a key")
	}
	st, err := SecretStatus(ctx, dsn, "") // every tenant with stored channels, imports or not
	if err != nil || len(st.Tenants) != 1 || st.Tenants[0].Tenant != "legacy" || st.Tenants[0].Plain != 5 || st.Current != "" {
		t.Fatalf("status before the migration: %+v, %v", st, err)
	}
	rep, err := RotateSecrets(ctx, dsn, "", "test")
	if err != nil || rep.Created != keyFile || rep.Tenants[0].Rotated != 5 || rep.Tenants[0].Plain != 0 {
		t.Fatalf("rotate of a document in clear: %+v, %v", rep, err)
	}
	assertNoSecret(t, "the migrated row", settingsRow(t, dsn, "legacy"))
}

func writeTemp(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "alerting.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func lastLine(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
