package core

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds one delivery when a channel's Config sets no Timeout.
const DefaultTimeout = 15 * time.Second

// maxResponse is how much of a response body is read.
const maxResponse = 64 << 10

// UserAgent is sent with every request.
const UserAgent = "Pulso-Notify/1"

// NewHTTPClient returns a client that never follows redirects: a webhook that redirects is
// misconfigured or throttling (DingTalk answers 302 when a robot is over its limit), and
// following would turn the POST into a GET to wherever the redirect points.
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Poster sends JSON to one webhook on behalf of one channel and reports failures without
// secrets.
type Poster struct {
	Client  *http.Client
	Channel string   // for errors: "dingtalk", ...
	SafeURL string   // the URL as errors may show it (RedactURL)
	Secrets []string // what Scrub removes from any error text
}

// Response is what a webhook answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Post sends body to target (which may carry secrets in its query). A failure to get any
// answer is a *SendError, retryable unless the server's certificate was rejected (which is
// configuration, not luck).
func (p *Poster) Post(ctx context.Context, target string, body []byte, header http.Header) (*Response, *SendError) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, Errorf(p.Channel, false, p.Secrets, "build request for %s: invalid URL", p.SafeURL)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("User-Agent", UserAgent)
	resp, err := p.Client.Do(req)
	if err != nil {
		return nil, p.transportError(ctx, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		// The server took the request; whether it acted on it is unknown. Retrying may
		// duplicate, not retrying may lose: an alert is better twice than never.
		e := p.transportError(ctx, err)
		e.Status = resp.StatusCode
		return nil, e
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

func (p *Poster) transportError(ctx context.Context, err error) *SendError {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) { // its text holds the full URL, tokens included
		inner = ue.Err
	}
	retry := !certificateError(err)
	return Interrupted(ctx, Errorf(p.Channel, retry, p.Secrets, "POST %s: %v", p.SafeURL, inner))
}

func certificateError(err error) bool {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &cv)
}

// StatusError describes a non-2xx answer: retryable for 408/425/429/5xx, with the server's
// Retry-After if any, and a short excerpt of the body (scrubbed).
func (p *Poster) StatusError(r *Response) *SendError {
	e := Errorf(p.Channel, RetryStatus(r.Status), p.Secrets, "POST %s: HTTP %d%s", p.SafeURL, r.Status, Excerpt(r.Body))
	e.Status = r.Status
	e.RetryAfter = RetryAfter(r.Header)
	return e
}

// Excerpt returns ": <first 200 bytes of body>" on one line, or "" for an empty body.
func Excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return ""
	}
	return ": " + Truncate(s, 200)
}

// RetryAfter parses a Retry-After header (seconds or an HTTP date), capped at one hour.
func RetryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	if d < 0 {
		return 0
	}
	return min(d, time.Hour)
}

// CheckWebhookURL validates a vendor webhook URL: absolute, https (plain http only to a
// loopback host, where tests and local relays live: the token in the URL must not cross a
// network in clear text).
func CheckWebhookURL(channel, raw string) error {
	if raw == "" {
		return fmt.Errorf("%s: url is required", channel)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s: url %s is not an absolute URL", channel, RedactURL(raw, 0))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !Loopback(u.Hostname()) {
			return fmt.Errorf("%s: url %s must use https", channel, RedactURL(raw, 0))
		}
	default:
		return fmt.Errorf("%s: url %s must use https", channel, RedactURL(raw, 0))
	}
	return nil
}

// Loopback tells whether host names this machine.
func Loopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}
