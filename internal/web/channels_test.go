package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"pulso/internal/auth"
	"pulso/internal/monitor"
	"pulso/internal/store"
)

// The secrets the channel forms are given: none may reach the stored row, a page, the audit
// log or an error.
const (
	dtToken    = "dt-token-9c41e07b2f"
	dtSecret   = "SECdt-sign-51aa09c3e7"
	dtSecret2  = "SECdt-sign-other-7720"
	slackPath  = "T0PULSO/B0TEST/slack-path-3e8d1c"
	hookToken  = "hook-token-4f02ab"
	hookSecret = "hook-sign-8b31d5e0"
	hookBearer = "hook-bearer-c05e17"
	smtpUser   = "alerts@acme.example"
	smtpPass   = "smtp-pass-66de2a0f"
)

var channelSecrets = []string{dtToken, dtSecret, dtSecret2, slackPath, hookToken, hookSecret, hookBearer, smtpPass}

func noSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range channelSecrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds the secret %s", where, s)
		}
	}
}

// receiver is a chat or webhook endpoint on 127.0.0.1 that checks what the vendor checks and
// records what it accepted.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	accepted []string // titles (or texts) of accepted messages
	refused  []string // why requests were refused
}

func (rc *receiver) got() (accepted, refused []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.accepted...), append([]string(nil), rc.refused...)
}

func newReceiver(t *testing.T, check func(r *http.Request, body []byte) (title string, why string), answer func(w http.ResponseWriter, ok bool, why string)) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		title, why := check(r, body)
		rc.mu.Lock()
		if why == "" {
			rc.accepted = append(rc.accepted, title)
		} else {
			rc.refused = append(rc.refused, why)
		}
		rc.mu.Unlock()
		answer(w, why == "", why)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// dingTalkReceiver checks the access token and the 加签 signature as DingTalk documents them:
// sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
func dingTalkReceiver(t *testing.T, signingSecret string) *receiver {
	return newReceiver(t, func(r *http.Request, body []byte) (string, string) {
		q := r.URL.Query()
		mac := hmac.New(sha256.New, []byte(signingSecret))
		mac.Write([]byte(q.Get("timestamp") + "\n" + signingSecret))
		switch {
		case r.URL.Path != "/robot/send" || q.Get("access_token") != dtToken:
			return "", "token"
		case q.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)):
			return "", "sign"
		}
		var p struct {
			MsgType  string `json:"msgtype"`
			Markdown struct{ Title string }
			Text     struct{ Content string }
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return "", "body"
		}
		if p.MsgType == "text" {
			return "text:" + p.Text.Content, ""
		}
		return p.Markdown.Title, ""
	}, func(w http.ResponseWriter, ok bool, why string) {
		if ok {
			fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
			return
		}
		fmt.Fprintf(w, `{"errcode":310000,"errmsg":"sign not match (%s)"}`, why)
	})
}

// slackReceiver accepts posts to its one webhook path.
func slackReceiver(t *testing.T) *receiver {
	return newReceiver(t, func(r *http.Request, body []byte) (string, string) {
		if r.URL.Path != "/services/"+slackPath {
			return "", "path"
		}
		var p struct{ Text string }
		if err := json.Unmarshal(body, &p); err != nil {
			return "", "body"
		}
		return p.Text, ""
	}, func(w http.ResponseWriter, ok bool, _ string) {
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "no_service")
			return
		}
		fmt.Fprint(w, "ok")
	})
}

// webhookReceiver checks the token in the URL, the bearer header and X-Pulso-Signature:
// "sha256=" + hex HMAC-SHA256 of the body under the shared secret.
func webhookReceiver(t *testing.T) *receiver {
	return newReceiver(t, func(r *http.Request, body []byte) (string, string) {
		mac := hmac.New(sha256.New, []byte(hookSecret))
		mac.Write(body)
		switch {
		case r.URL.Query().Get("token") != hookToken:
			return "", "token"
		case r.Header.Get("Authorization") != "Bearer "+hookBearer:
			return "", "authorization"
		case r.Header.Get("X-Pulso-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)):
			return "", "signature"
		}
		var p struct{ Title string }
		if err := json.Unmarshal(body, &p); err != nil {
			return "", "body"
		}
		return p.Title, ""
	}, func(w http.ResponseWriter, ok bool, why string) {
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
}

// echoReceiver fails every request and quotes it back, secrets included, as a careless
// endpoint would: none of it may reach the page.
func echoReceiver(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "cannot handle %s with %s", r.URL.String(), r.Header.Get("Authorization"))
	}))
	t.Cleanup(s.Close)
	return s
}

// ---- a real SMTP submission server (go-smtp): STARTTLS, then AUTH PLAIN ----

type smtpMail struct {
	from, user string
	rcpts      []string
	data       []byte
}

type smtpBackend struct {
	mu    sync.Mutex
	mails []smtpMail
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{b: b, c: c}, nil
}

type smtpSession struct {
	b   *smtpBackend
	c   *smtp.Conn
	cur smtpMail
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if _, tlsOn := s.c.TLSConnectionState(); !tlsOn || user != smtpUser || pass != smtpPass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials " + user + " " + pass}
		}
		s.cur.user = user
		return nil
	}), nil
}
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.cur.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.rcpts = append(s.cur.rcpts, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.b.mu.Lock()
	s.b.mails = append(s.b.mails, s.cur)
	s.b.mu.Unlock()
	return nil
}
func (s *smtpSession) Reset()        { s.cur = smtpMail{user: s.cur.user} }
func (s *smtpSession) Logout() error { return nil }

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

// smtpServer starts the server on 127.0.0.1 with a self-signed certificate, and writes that
// certificate to a PEM file the channel's ca_file names.
func smtpServer(t *testing.T) (be *smtpBackend, port int, caFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pulso web test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	be = &smtpBackend{}
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.ErrorLog = quietLog{}
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return be, l.Addr().(*net.TCPAddr).Port, caFile
}

// settingsRow is the stored alerting document, read with SQL.
func settingsRow(t *testing.T, st store.Store, tenant string) string {
	t.Helper()
	var body string
	err := st.DB().QueryRowContext(t.Context(), `SELECT body FROM settings WHERE tenant_id = $1 AND name = $2`, tenant, monitor.SettingName).Scan(&body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestChannelSettings: an administrator adds DingTalk, Slack, webhook and e-mail channels on
// the settings page of a server over each engine; the stored row holds every secret sealed;
// pages show them masked (•••• and the last 4); a test message goes through each channel to a
// real server that checks token, signature and password; an edit with empty secret fields
// keeps the stored ones; a bad form is refused with the field named and nothing stored;
// every change is audited without secrets.
func TestChannelSettings(t *testing.T) {
	for _, eng := range bareEngines {
		t.Run(eng.name, func(t *testing.T) { channelSettings(t, newBareEnv(t, eng.open(t), testKeys)) })
	}
}

func channelSettings(t *testing.T, e *bareEnv) {
	ctx := t.Context()
	const tenant = "acme"
	if _, err := e.auth.CreateUser(ctx, auth.User{Tenant: tenant, Login: "boss", Role: auth.Admin, Lang: "es"}, testPassword); err != nil {
		t.Fatal(err)
	}
	sess, _, err := e.auth.Login(ctx, tenant, "boss", testPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	admin := string(sess.Token)
	post := func(path string, kv ...string) *httptest.ResponseRecorder {
		t.Helper()
		rec := e.do(t, admin, http.MethodPost, path, formString(kv...), nil)
		if rec.Code >= 500 {
			t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body.String())
		}
		noSecret(t, "the answer to POST "+path, rec.Body.String())
		return rec
	}
	page := func(path string) string {
		t.Helper()
		rec := e.do(t, admin, http.MethodGet, path, "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
		noSecret(t, "the page "+path, rec.Body.String())
		return rec.Body.String()
	}

	ding := dingTalkReceiver(t, dtSecret)
	dingURL := ding.URL + "/robot/send?access_token=" + dtToken

	// A form without its webhook URL is refused with the field named (in Spanish, the
	// admin's language), and nothing is stored.
	rec := post("/settings/channels/save", "name", "ops-dingtalk", "type", "dingtalk", "dingtalk.secret", dtSecret)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Falta URL del webhook") {
		t.Errorf("a DingTalk channel without URL: %d\n%s", rec.Code, excerpt(rec.Body.String(), "flash"))
	}
	// A URL without DingTalk's access token: the channel's own check refuses it.
	rec = post("/settings/channels/save", "name", "ops-dingtalk", "type", "dingtalk", "dingtalk.url", ding.URL+"/robot/send")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "has no access_token") {
		t.Errorf("a DingTalk URL without token: %d\n%s", rec.Code, excerpt(rec.Body.String(), "flash"))
	}
	if _, err := e.st.Setting(ctx, tenant, monitor.SettingName); err == nil {
		t.Fatal("a refused form stored an alerting document")
	}

	// Add a DingTalk channel: stored sealed, the default rules kept.
	rec = post("/settings/channels/save", "name", "ops-dingtalk", "type", "dingtalk", "dingtalk.url", dingURL,
		"dingtalk.secret", dtSecret, "dingtalk.msg_type", "markdown", "dingtalk.timeout", "10s")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Canal ops-dingtalk añadido") {
		t.Fatalf("add DingTalk: %d\n%s", rec.Code, excerpt(rec.Body.String(), "flash"))
	}
	row := settingsRow(t, e.st, tenant)
	noSecret(t, "the settings row", row)
	if n := strings.Count(row, "enc:v1:"); n != 2 {
		t.Errorf("the row holds %d sealed values, want 2 (url and secret):\n%s", n, row)
	}
	for _, want := range []string{"id: red-3-days", "id: stale-data", "timeout: 10s"} {
		if !strings.Contains(row, want) {
			t.Errorf("the row lacks %q:\n%s", want, row)
		}
	}

	// The settings page and the edit form show the secrets masked: •••• and the last 4.
	body := page("/settings")
	for _, want := range []string{"••••" + dtToken[len(dtToken)-4:], "••••" + dtSecret[len(dtSecret)-4:], "DingTalk"} {
		if !strings.Contains(body, want) {
			t.Errorf("the settings page does not show %q", want)
		}
	}
	form := page("/settings/channels/edit?name=ops-dingtalk")
	if !strings.Contains(form, `placeholder="••••`+dtToken[len(dtToken)-4:]+`"`) || !strings.Contains(form, `value="10s"`) {
		t.Errorf("the edit form: %s", excerpt(form, "channel-form"))
	}

	// A test of a channel that does not exist is not found, and sends nothing.
	if rec = post("/settings/channels/test", "name", "no-such-channel"); rec.Code != http.StatusNotFound {
		t.Errorf("test of an unknown channel: %d, want 404", rec.Code)
	}
	// Send a test message: DingTalk checks the token and the signature; the message is in
	// the admin's language.
	rec = post("/settings/channels/test", "name", "ops-dingtalk")
	if !strings.Contains(rec.Body.String(), "Mensaje de prueba enviado por ops-dingtalk") {
		t.Errorf("test DingTalk: %d\n%s", rec.Code, excerpt(rec.Body.String(), "flash"))
	}
	if acc, ref := ding.got(); len(acc) != 1 || acc[0] != "Mensaje de prueba de Pulso" || len(ref) != 0 {
		t.Fatalf("DingTalk accepted %q, refused %q", acc, ref)
	}

	// Edit with the secret fields empty: the stored token and secret are kept (the robot
	// still accepts the signature), the message format changes.
	rec = post("/settings/channels/save", "editing", "ops-dingtalk", "dingtalk.url", "", "dingtalk.secret", "", "dingtalk.msg_type", "text")
	if rec.Code != http.StatusOK {
		t.Fatalf("edit keeping secrets: %d\n%s", rec.Code, excerpt(rec.Body.String(), "flash"))
	}
	post("/settings/channels/test", "name", "ops-dingtalk")
	if acc, ref := ding.got(); len(acc) != 2 || !strings.HasPrefix(acc[1], "text:") || len(ref) != 0 {
		t.Fatalf("after an edit keeping the secrets, DingTalk accepted %q, refused %q", acc, ref)
	}
	// A new signing secret the robot does not know: the test shows DingTalk's refusal,
	// without any secret.
	post("/settings/channels/save", "editing", "ops-dingtalk", "dingtalk.secret", dtSecret2)
	rec = post("/settings/channels/test", "name", "ops-dingtalk")
	if !strings.Contains(rec.Body.String(), "falló") || !strings.Contains(rec.Body.String(), "310000") {
		t.Errorf("a test DingTalk refuses: %s", excerpt(rec.Body.String(), "flash"))
	}
	if _, ref := ding.got(); len(ref) != 1 || ref[0] != "sign" {
		t.Errorf("DingTalk refused %q, want one bad signature", ref)
	}
	post("/settings/channels/save", "editing", "ops-dingtalk", "dingtalk.secret", dtSecret)

	// Slack, a signed webhook with a bearer header, and e-mail over STARTTLS with a password.
	sl, hook, echo := slackReceiver(t), webhookReceiver(t), echoReceiver(t)
	mail, port, caFile := smtpServer(t)
	for _, kv := range [][]string{
		{"name", "team-slack", "type", "slack", "slack.url", sl.URL + "/services/" + slackPath},
		{"name", "erp", "type", "webhook", "webhook.url", hook.URL + "/in?token=" + hookToken, "webhook.secret", hookSecret,
			"webhook.headers", "Authorization: Bearer " + hookBearer},
		{"name", "careless", "type", "webhook", "webhook.url", echo.URL + "/in?token=" + hookToken,
			"webhook.headers", "Authorization: Bearer " + hookBearer},
		{"name", "mail", "type", "email", "email.host", "127.0.0.1", "email.port", fmt.Sprint(port), "email.username", smtpUser,
			"email.password", smtpPass, "email.from", "Pulso <alerts@acme.example>", "email.to", "ops@acme.example, br@acme.example",
			"email.ca_file", caFile},
	} {
		if rec := post("/settings/channels/save", kv...); rec.Code != http.StatusOK {
			t.Fatalf("add %s: %d\n%s", kv[1], rec.Code, excerpt(rec.Body.String(), "flash"))
		}
	}
	for _, name := range []string{"team-slack", "erp", "mail", "careless"} {
		post("/settings/channels/test", "name", name)
	}
	if acc, ref := sl.got(); len(acc) != 1 || !strings.Contains(acc[0], "Mensaje de prueba de Pulso") || len(ref) != 0 {
		t.Errorf("Slack accepted %q, refused %q", acc, ref)
	}
	if acc, ref := hook.got(); len(acc) != 1 || acc[0] != "Mensaje de prueba de Pulso" || len(ref) != 0 {
		t.Errorf("the webhook accepted %q, refused %q", acc, ref)
	}
	mail.mu.Lock()
	if len(mail.mails) != 1 || mail.mails[0].user != smtpUser || strings.Join(mail.mails[0].rcpts, ",") != "ops@acme.example,br@acme.example" {
		t.Errorf("the SMTP server received %+v", mail.mails)
	} else if subj := regexp.MustCompile(`(?m)^Subject: (.*)\r$`).FindStringSubmatch(string(mail.mails[0].data)); subj == nil {
		t.Errorf("no subject in %s", mail.mails[0].data)
	} else if dec, _ := new(mime.WordDecoder).DecodeHeader(subj[1]); dec != "Mensaje de prueba de Pulso" {
		t.Errorf("mail subject %q", dec)
	}
	mail.mu.Unlock()
	// The careless endpoint's echo of the URL and header reaches the page redacted.
	rec = post("/settings/channels/test", "name", "careless")
	if !strings.Contains(rec.Body.String(), "HTTP 500") {
		t.Errorf("a failing webhook: %s", excerpt(rec.Body.String(), "flash"))
	}

	// The row: every secret sealed — 2 DingTalk, 1 Slack, 3 + 2 webhook, 1 e-mail.
	row = settingsRow(t, e.st, tenant)
	noSecret(t, "the settings row", row)
	if n := strings.Count(row, "enc:v1:"); n != 9 {
		t.Errorf("the row holds %d sealed values, want 9:\n%s", n, row)
	}
	noSecret(t, "the settings page", page("/settings"))

	// Delete a channel; the rest stays.
	if rec := post("/settings/channels/delete", "name", "careless"); rec.Code != http.StatusOK {
		t.Errorf("delete: %d", rec.Code)
	}
	row = settingsRow(t, e.st, tenant)
	if strings.Contains(row, "careless") || !strings.Contains(row, "name: erp") {
		t.Errorf("after the delete:\n%s", row)
	}

	// Every change and test is audited, without a secret.
	audit, err := e.st.AuditLog(ctx, tenant, 200)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range audit {
		count[a.Action]++
		noSecret(t, "the audit log", a.Object+" "+a.Detail)
	}
	if count["channel.create"] != 5 || count["channel.update"] != 3 || count["channel.test"] != 8 || count["channel.delete"] != 1 {
		t.Errorf("audit counts: %v", count)
	}
}

// excerpt is the part of a page around the first occurrence of marker, for failure messages.
func excerpt(s, marker string) string {
	i := strings.Index(s, marker)
	if i < 0 {
		return short(s)
	}
	return short(s[max(0, i-100):])
}

// channelTestView is the channel page with every kind of field, for the rendering tests: the
// add form (all types), or the edit form of an e-mail channel with stored secrets.
func channelTestView(p *page, editing bool) *channelView {
	v := &channelView{page: p, Types: []string{"dingtalk", "feishu", "wecom", "slack", "email", "webhook"}, Type: "email", Flash: "f", Error: "e"}
	for _, typ := range v.Types {
		if editing && typ != "webhook" {
			continue
		}
		b := channelBlock{Type: typ}
		for _, f := range channelFields[typ] {
			fv := channelFieldView{chField: f, Form: typ + "." + f.Key, Secret: f.isSecret(), Value: "v"}
			if editing && fv.Secret {
				fv.Value, fv.Stored = "", "••••abcd"
			}
			b.Fields = append(b.Fields, fv)
		}
		v.Blocks = append(v.Blocks, b)
	}
	if editing {
		v.Editing, v.Type, v.Contacts = "ops", "webhook", []string{"ops"}
	}
	return v
}
