// Package webhook delivers notifications as signed JSON to any HTTP endpoint.
//
// The request is a POST of Payload as JSON with these headers:
//
//	X-Pulso-Timestamp:  Unix seconds, also in the body as "timestamp" (so it is signed)
//	X-Pulso-Signature:  sha256=<hex HMAC-SHA256 of the exact body bytes, keyed by the secret>
//	X-Pulso-Message-Id: the message id; with the body's tenant, the idempotency key
//
// A receiver checks the signature over the raw body with a constant-time comparison, checks
// that the timestamp is recent (say five minutes) and equals the header, and ignores a
// (tenant, id) it has seen. Any 2xx is success; 408, 425, 429 and 5xx are retried (honouring
// Retry-After); other statuses are final.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"pulso/internal/notify/core"
)

// Name is the channel type.
const Name = "webhook"

// Header names.
const (
	HeaderSignature = "X-Pulso-Signature"
	HeaderTimestamp = "X-Pulso-Timestamp"
	HeaderMessageID = "X-Pulso-Message-Id"
)

// Config is one endpoint.
type Config struct {
	// URL is the endpoint (http or https). Its user info, path and query are treated as
	// secret in errors and logs.
	URL string `yaml:"url" json:"url"`
	// Secret keys the HMAC signature; without it requests are not signed.
	Secret string `yaml:"secret,omitempty" json:"secret,omitempty"`
	// Headers are added to every request (e.g. an Authorization); their values are secret.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Timeout bounds one delivery (default core.DefaultTimeout).
	Timeout time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.URL == "" {
		return fmt.Errorf("%s: url is required", Name)
	}
	u, err := url.Parse(c.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%s: url %s is not an absolute http(s) URL", Name, core.RedactURL(c.URL, 0))
	}
	for k := range c.Headers {
		if !validHeaderName(k) {
			return fmt.Errorf("%s: header name %q is not valid", Name, k)
		}
		if strings.HasPrefix(http.CanonicalHeaderKey(k), "X-Pulso-") {
			return fmt.Errorf("%s: header %s is set by Pulso", Name, k)
		}
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%s: timeout must not be negative", Name)
	}
	return nil
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}

func (c Config) headerNames() []string {
	names := make([]string, 0, len(c.Headers))
	for k := range c.Headers {
		names = append(names, http.CanonicalHeaderKey(k))
	}
	sort.Strings(names)
	return names
}

// String shows the configuration without its secrets (header names are shown, not values).
func (c Config) String() string {
	return fmt.Sprintf("webhook{url=%s secret=%s headers=%v timeout=%s}", core.RedactURL(c.URL, 0), redacted(c.Secret), c.headerNames(), c.Timeout)
}

// GoString is String, so that %#v shows no secret either.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", Name),
		slog.String("url", core.RedactURL(c.URL, 0)),
		slog.String("secret", redacted(c.Secret)),
		slog.Any("headers", c.headerNames()),
	)
}

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return core.Redacted
}

// Notifier posts to one endpoint.
type Notifier struct {
	cfg    Config
	poster core.Poster
	now    func() time.Time
}

var _ core.Notifier = (*Notifier)(nil)

// New validates cfg and returns its notifier.
func New(cfg Config) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	secrets := append(core.URLSecrets(cfg.URL, 0), cfg.Secret)
	for _, v := range cfg.Headers {
		secrets = append(secrets, v)
	}
	return &Notifier{cfg: cfg, now: time.Now, poster: core.Poster{
		Client:  core.NewHTTPClient(cfg.Timeout),
		Channel: Name,
		SafeURL: core.RedactURL(cfg.URL, 0),
		Secrets: secrets,
	}}, nil
}

// String describes the notifier without secrets.
func (n *Notifier) String() string { return n.cfg.String() }

// Payload is the JSON body.
type Payload struct {
	ID        string            `json:"id"`
	Tenant    string            `json:"tenant"`
	Channel   string            `json:"channel"`
	Lang      string            `json:"lang,omitempty"`
	Title     string            `json:"title"`
	Text      string            `json:"text"`
	Mentions  []string          `json:"mentions,omitempty"`
	Link      string            `json:"link,omitempty"`
	Fields    map[string]string `json:"fields,omitempty"`
	Timestamp int64             `json:"timestamp"`
}

// Sign returns the X-Pulso-Signature value of body: "sha256=" + hex HMAC-SHA256.
func Sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signature header against body in constant time (for receivers and tests).
func Verify(body []byte, secret, signature string) bool {
	return hmac.Equal([]byte(Sign(body, secret)), []byte(signature))
}

// Notify implements core.Notifier.
func (n *Notifier) Notify(ctx context.Context, m core.Message) (bool, error) {
	ts := n.now().Unix()
	body, err := json.Marshal(Payload{
		ID: m.ID, Tenant: m.Tenant, Channel: m.Channel, Lang: m.Lang, Title: m.Title, Text: m.Text,
		Mentions: m.Mentions, Link: m.Link, Fields: m.Fields, Timestamp: ts,
	})
	if err != nil {
		return core.Fail(core.Errorf(Name, false, nil, "encode message %s: %v", m.ID, err))
	}
	h := http.Header{}
	for k, v := range n.cfg.Headers {
		h.Set(k, v)
	}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderMessageID, m.ID)
	if n.cfg.Secret != "" {
		h.Set(HeaderSignature, Sign(body, n.cfg.Secret))
	}
	resp, serr := n.poster.Post(ctx, n.cfg.URL, body, h)
	if serr != nil {
		return core.Fail(serr)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return core.Fail(n.poster.StatusError(resp))
	}
	return false, nil
}
