package email_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"pulso/internal/notify/core"
	"pulso/internal/notify/email"
)

const (
	user     = "alerts@acme.example"
	password = "s3cr3t-smtp-Pa55!"
)

// ---- a real SMTP submission server (go-smtp) with STARTTLS and AUTH PLAIN ----------------------

type received struct {
	from      string
	rcpts     []string
	data      []byte
	authTLS   bool // AUTH came after STARTTLS
	user, pwd string
}

type backend struct {
	mu       sync.Mutex
	mails    []received
	auths    int      // AUTH attempts
	commands []string // MAIL / RCPT / AUTH, in order
	rcptErr  *smtp.SMTPError
	echoPwd  bool // reject AUTH with a reply that quotes the password
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) { return &session{b: b, c: c}, nil }

type session struct {
	b    *backend
	c    *smtp.Conn
	cur  received
	auth bool
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	_, tlsOn := s.c.TLSConnectionState()
	return sasl.NewPlainServer(func(identity, username, pwd string) error {
		s.b.mu.Lock()
		s.b.auths++
		s.b.commands = append(s.b.commands, "AUTH")
		echo := s.b.echoPwd
		s.b.mu.Unlock()
		if echo || username != user || pwd != password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials " + username + " " + pwd}
		}
		s.auth, s.cur.authTLS, s.cur.user, s.cur.pwd = true, tlsOn, username, pwd
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.b.mu.Lock()
	s.b.commands = append(s.b.commands, "MAIL")
	s.b.mu.Unlock()
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.b.rcptErr != nil {
		return s.b.rcptErr
	}
	s.cur.rcpts = append(s.cur.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
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

func (s *session) Reset()        { s.cur = received{authTLS: s.cur.authTLS, user: s.cur.user, pwd: s.cur.pwd} }
func (s *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pulso test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// startServer runs a go-smtp server on 127.0.0.1; withTLS offers STARTTLS (and AUTH only
// after it), without it the server offers AUTH in clear text.
func startServer(t *testing.T, withTLS bool) (*backend, int, *x509.CertPool) {
	t.Helper()
	be := &backend{}
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.ErrorLog = nopLogger{}
	cert, pool := selfSigned(t)
	if withTLS {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	} else {
		s.AllowInsecureAuth = true
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return be, l.Addr().(*net.TCPAddr).Port, pool
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

func config(port int, pool *x509.CertPool) email.Config {
	return email.Config{
		Host: "127.0.0.1", Port: port, Username: user, Password: password,
		From: "Pulso 告警 <alerts@acme.example>", To: []string{"ops@acme.example", "Equipe Brasil <br@acme.example>"},
		RootCAs: pool, Timeout: 10 * time.Second,
	}
}

var message = core.Message{
	ID: "mail-1", Tenant: "acme", Lang: "pt-BR",
	Title:    "巴西 Mercado Livre: taxa de cancelamento acima da meta (ação necessária)",
	Text:     "Cancelamentos em São Paulo: **4,2%** (meta 2%).\n取消率连续三天超标,请跟进。\nAção: revisar estoque — ñ é opcional.",
	Mentions: []string{"ana.souza@acme.example", "13800001111", "ops@acme.example"},
	Link:     "https://pulso.example/kpi/cancel_rate?country=BR",
	Fields:   map[string]string{"país": "BR", "responsável": "Ana"},
}

func TestSendOverSTARTTLSWithAuthPlain(t *testing.T) {
	be, port, pool := startServer(t, true)
	n, err := email.New(config(port, pool))
	if err != nil {
		t.Fatal(err)
	}
	if retry, err := n.Notify(context.Background(), message); err != nil || retry {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.mails) != 1 {
		t.Fatalf("server got %d mails", len(be.mails))
	}
	got := be.mails[0]
	if !got.authTLS || got.user != user || got.pwd != password {
		t.Fatalf("auth: tls=%v user=%q", got.authTLS, got.user)
	}
	if got.from != "alerts@acme.example" {
		t.Errorf("MAIL FROM %q", got.from)
	}
	// The configured recipients and the mention that is an address (once), not the phone.
	if fmt.Sprint(got.rcpts) != "[ops@acme.example br@acme.example ana.souza@acme.example]" {
		t.Errorf("RCPT TO %v", got.rcpts)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got.data)))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != message.Title {
		t.Errorf("Subject %q (%v)", subject, err)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || from[0].Name != "Pulso 告警" || from[0].Address != "alerts@acme.example" {
		t.Errorf("From %v (%v)", from, err)
	}
	to, _ := msg.Header.AddressList("To")
	cc, _ := msg.Header.AddressList("Cc")
	if len(to) != 2 || to[1].Name != "Equipe Brasil" || len(cc) != 1 || cc[0].Address != "ana.souza@acme.example" {
		t.Errorf("To %v Cc %v", to, cc)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" || msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Errorf("Content-Type %q", ct)
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<pulso.") || !strings.HasSuffix(id, "@acme.example>") {
		t.Errorf("Message-ID %q", id)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Cancelamentos em São Paulo: **4,2%**", "取消率连续三天超标,请跟进。", "ñ é opcional",
		"país: BR", "responsável: Ana", "Abrir no Pulso: " + message.Link} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	for _, line := range strings.Split(string(got.data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d bytes", len(line))
		}
	}
}

func TestRefusesWithoutSTARTTLS(t *testing.T) {
	be, port, pool := startServer(t, false)
	n, err := email.New(config(port, pool))
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(context.Background(), message)
	if err == nil || retry || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if be.auths != 0 || len(be.commands) != 0 || len(be.mails) != 0 {
		t.Fatalf("the client went on in clear text: %v", be.commands)
	}
}

func TestUntrustedCertificate(t *testing.T) {
	be, port, _ := startServer(t, true)
	cfg := config(port, nil) // system roots: the self-signed certificate is unknown
	n, err := email.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(context.Background(), message)
	if err == nil || retry || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	if be.auths != 0 {
		t.Fatal("password sent to an unverified server")
	}
}

func TestFailuresKeepThePasswordOut(t *testing.T) {
	be, port, pool := startServer(t, true)
	be.echoPwd = true // the server quotes the password in its 535 reply
	n, err := email.New(config(port, pool))
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(context.Background(), message)
	if err == nil || retry || !strings.Contains(err.Error(), "535") {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	if strings.Contains(err.Error(), password) {
		t.Fatalf("error shows the password: %v", err)
	}
	var se *core.SendError
	if !errors.As(err, &se) || se.Status != 535 {
		t.Fatalf("SendError %+v", se)
	}

	// A temporary refusal of a recipient is retried.
	be.mu.Lock()
	be.echoPwd = false
	be.rcptErr = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	be.mu.Unlock()
	if retry, err := n.Notify(context.Background(), message); err == nil || !retry || !strings.Contains(err.Error(), "451") {
		t.Fatalf("451: %v, %v", retry, err)
	}
	be.mu.Lock()
	be.rcptErr = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	be.mu.Unlock()
	if retry, err := n.Notify(context.Background(), message); err == nil || retry {
		t.Fatalf("550: %v, %v", retry, err)
	}

	// Nothing listening: retried, no password.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := l.Addr().(*net.TCPAddr).Port
	l.Close()
	n2, _ := email.New(config(dead, pool))
	retry, err = n2.Notify(context.Background(), message)
	if err == nil || !retry || strings.Contains(err.Error(), password) {
		t.Fatalf("refused: %v, %v", retry, err)
	}

	cfg := config(port, pool)
	if s := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg); strings.Contains(s, password) || !strings.Contains(s, "password=REDACTED") {
		t.Fatalf("config shows %s", s)
	}
}

func TestHeaderInjection(t *testing.T) {
	be, port, pool := startServer(t, true)
	n, err := email.New(config(port, pool))
	if err != nil {
		t.Fatal(err)
	}
	m := message
	m.Title = "Alert\r\nBcc: attacker@evil.example"
	if _, err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	msg, err := mail.ReadMessage(strings.NewReader(string(be.mails[0].data)))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" || strings.Contains(fmt.Sprint(be.mails[0].rcpts), "evil") {
		t.Fatalf("header injected: %v", msg.Header)
	}
}
