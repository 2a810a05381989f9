// Package email delivers notifications by SMTP submission with STARTTLS.
//
// The client refuses to go on without STARTTLS: neither the password (AUTH PLAIN, only after
// the TLS handshake) nor the message crosses the network in clear text. The certificate is
// verified against the system roots, or against CAFile / RootCAs for a private relay.
package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"pulso/internal/notify/core"
)

// Name is the channel type.
const Name = "email"

// Config is one SMTP submission account and its recipients.
type Config struct {
	Host     string `yaml:"host" json:"host"`
	Port     int    `yaml:"port,omitempty" json:"port,omitempty"` // default 587
	Username string `yaml:"username,omitempty" json:"username,omitempty"`
	Password string `yaml:"password,omitempty" json:"password,omitempty"`
	// From is the sender, "Pulso <alerts@example.com>" or a bare address.
	From string `yaml:"from" json:"from"`
	// To are the recipients of every message; mentions that are e-mail addresses are added
	// as Cc.
	To []string `yaml:"to" json:"to"`
	// HeloName is the name given in EHLO (default "localhost").
	HeloName string `yaml:"helo_name,omitempty" json:"helo_name,omitempty"`
	// CAFile is a PEM file of CA certificates to trust instead of the system roots.
	CAFile string `yaml:"ca_file,omitempty" json:"ca_file,omitempty"`
	// RootCAs, if set, is trusted instead of the system roots and CAFile (tests, embedding).
	RootCAs *x509.CertPool `yaml:"-" json:"-"`
	// Timeout bounds one delivery (default core.DefaultTimeout).
	Timeout time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

func (c Config) port() int {
	if c.Port == 0 {
		return 587
	}
	return c.Port
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Host == "" {
		return fmt.Errorf("%s: host is required", Name)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("%s: port %d is out of range", Name, c.Port)
	}
	if (c.Username == "") != (c.Password == "") {
		return fmt.Errorf("%s: username and password go together", Name)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("%s: from %q is not an address", Name, c.From)
	}
	if len(c.To) == 0 {
		return fmt.Errorf("%s: at least one recipient (to) is required", Name)
	}
	for _, t := range c.To {
		if _, err := mail.ParseAddress(t); err != nil {
			return fmt.Errorf("%s: recipient %q is not an address", Name, t)
		}
	}
	if strings.ContainsAny(c.HeloName, " \r\n") {
		return fmt.Errorf("%s: helo_name %q is not a host name", Name, c.HeloName)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%s: timeout must not be negative", Name)
	}
	return nil
}

// String shows the configuration without its password.
func (c Config) String() string {
	return fmt.Sprintf("email{host=%s port=%d username=%s password=%s from=%s to=%v timeout=%s}",
		c.Host, c.port(), c.Username, redacted(c.Password), c.From, c.To, c.Timeout)
}

// GoString is String, so that %#v shows no secret either.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without the password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", Name),
		slog.String("host", c.Host),
		slog.Int("port", c.port()),
		slog.String("username", c.Username),
		slog.String("password", redacted(c.Password)),
		slog.String("from", c.From),
		slog.Any("to", c.To),
	)
}

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return core.Redacted
}

// Notifier sends through one SMTP server.
type Notifier struct {
	cfg     Config
	tls     *tls.Config
	from    *mail.Address
	secrets []string
	now     func() time.Time
}

var _ core.Notifier = (*Notifier)(nil)

// New validates cfg, loads CAFile if any, and returns its notifier.
func New(cfg Config) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	roots := cfg.RootCAs
	if roots == nil && cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%s: read ca_file: %w", Name, err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: ca_file %s holds no PEM certificate", Name, cfg.CAFile)
		}
	}
	from, _ := mail.ParseAddress(cfg.From)
	n := &Notifier{
		cfg:  cfg,
		tls:  &tls.Config{ServerName: cfg.Host, RootCAs: roots, MinVersion: tls.VersionTLS12},
		from: from,
		now:  time.Now,
	}
	if cfg.Password != "" {
		plain := "\x00" + cfg.Username + "\x00" + cfg.Password // what AUTH PLAIN sends
		n.secrets = []string{cfg.Password, base64.StdEncoding.EncodeToString([]byte(plain))}
	}
	return n, nil
}

// String describes the notifier without secrets.
func (n *Notifier) String() string { return n.cfg.String() }

// Recipients returns the To and Cc addresses of m: the configured recipients, and the
// mentions that are e-mail addresses (others are ignored).
func (n *Notifier) Recipients(m core.Message) (to, cc []*mail.Address) {
	seen := map[string]bool{}
	for _, t := range n.cfg.To {
		a, _ := mail.ParseAddress(t)
		if k := strings.ToLower(a.Address); !seen[k] {
			seen[k] = true
			to = append(to, a)
		}
	}
	for _, x := range m.Mentions {
		if !strings.Contains(x, "@") {
			continue
		}
		a, err := mail.ParseAddress(x)
		if err != nil {
			continue
		}
		if k := strings.ToLower(a.Address); !seen[k] {
			seen[k] = true
			cc = append(cc, a)
		}
	}
	return to, cc
}

// Compose returns the RFC 5322 message of m: UTF-8 plain text, quoted-printable, with a
// Message-ID derived from (tenant, id) so that mail clients can recognise a repeat.
func (n *Notifier) Compose(m core.Message, to, cc []*mail.Address) []byte {
	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", n.from.String())
	hdr("To", joinAddrs(to))
	if len(cc) > 0 {
		hdr("Cc", joinAddrs(cc))
	}
	hdr("Subject", mime.BEncoding.Encode("UTF-8", oneLine(m.Title)))
	hdr("Date", n.now().Format(time.RFC1123Z))
	hdr("Message-ID", messageID(m, n.from.Address))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=UTF-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	if l := oneLine(m.Lang); l != "" {
		hdr("Content-Language", l)
	}
	hdr("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(core.Plain(m), "\r\n", "\n"), "\n", "\r\n")
	_, _ = io.WriteString(qp, body)
	_ = qp.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}

func joinAddrs(as []*mail.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// oneLine keeps a header value on one line (no header injection).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func messageID(m core.Message, from string) string {
	domain := "pulso.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	h := sha256.Sum256([]byte(m.Tenant + "\x00" + m.ID))
	return "<pulso." + hex.EncodeToString(h[:16]) + "@" + domain + ">"
}

// Notify implements core.Notifier.
func (n *Notifier) Notify(ctx context.Context, m core.Message) (retry bool, err error) {
	timeout := n.cfg.Timeout
	if timeout <= 0 {
		timeout = core.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(n.cfg.Host, strconv.Itoa(n.cfg.port()))
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return core.Fail(n.fail(ctx, "connect to "+addr, err))
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) }) // cancel cuts the dialogue
	defer stop()

	c, err := smtp.NewClient(conn, n.cfg.Host)
	if err != nil {
		return core.Fail(n.fail(ctx, "greeting", err))
	}
	defer c.Close()
	helo := n.cfg.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return core.Fail(n.fail(ctx, "EHLO", err))
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return core.Fail(core.Errorf(Name, false, n.secrets, "%s does not offer STARTTLS: not sending credentials or mail in clear text", addr))
	}
	if err := c.StartTLS(n.tls); err != nil {
		return core.Fail(n.fail(ctx, "STARTTLS", err))
	}
	if n.cfg.Username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok || !hasWord(mechs, "PLAIN") {
			return core.Fail(core.Errorf(Name, false, n.secrets, "%s does not offer AUTH PLAIN after STARTTLS (offers %q)", addr, mechs))
		}
		if err := c.Auth(smtp.PlainAuth("", n.cfg.Username, n.cfg.Password, n.cfg.Host)); err != nil {
			return core.Fail(n.fail(ctx, "AUTH", err))
		}
	}
	to, cc := n.Recipients(m)
	if err := c.Mail(n.from.Address); err != nil {
		return core.Fail(n.fail(ctx, "MAIL FROM", err))
	}
	for _, a := range append(append([]*mail.Address{}, to...), cc...) {
		if err := c.Rcpt(a.Address); err != nil {
			return core.Fail(n.fail(ctx, "RCPT TO "+a.Address, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return core.Fail(n.fail(ctx, "DATA", err))
	}
	if _, err := w.Write(n.Compose(m, to, cc)); err != nil {
		return core.Fail(n.fail(ctx, "DATA", err))
	}
	if err := w.Close(); err != nil { // the server's verdict on the message
		return core.Fail(n.fail(ctx, "end of DATA", err))
	}
	_ = c.Quit() // the message is accepted; a failed goodbye changes nothing
	return false, nil
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

// fail classifies an SMTP failure: a 4xx reply is transient, a 5xx final (535 is a wrong
// password), a rejected certificate final, any other network failure transient.
func (n *Notifier) fail(ctx context.Context, step string, err error) *core.SendError {
	var te *textproto.Error
	if errors.As(err, &te) {
		e := core.Errorf(Name, te.Code >= 400 && te.Code < 500, n.secrets, "%s: %d %s", step, te.Code, core.Truncate(oneLine(te.Msg), 300))
		e.Status = te.Code
		return e
	}
	return core.Interrupted(ctx, core.Errorf(Name, !certificateError(err), n.secrets, "%s: %v", step, err))
}

func certificateError(err error) bool {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &cv)
}
