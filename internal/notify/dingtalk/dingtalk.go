// Package dingtalk delivers notifications to a DingTalk (钉钉) group through a custom robot
// webhook, signed (加签) when the robot has a secret.
//
// Signing, as DingTalk documents it: string_to_sign = timestamp + "\n" + secret, where
// timestamp is the current time in milliseconds; sign = base64(HmacSHA256(key=secret,
// string_to_sign)); both go in the query string (URL-encoded) beside access_token.
package dingtalk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pulso/internal/notify/core"
)

// Name is the channel type.
const Name = "dingtalk"

// Config is one DingTalk robot.
type Config struct {
	// URL is the robot's webhook as DingTalk shows it:
	// https://oapi.dingtalk.com/robot/send?access_token=... (the token is a secret).
	URL string `yaml:"url" json:"url"`
	// Secret is the signing secret (SEC...) of a robot secured by 加签; empty for a robot
	// secured by keywords or IP ranges only.
	Secret string `yaml:"secret,omitempty" json:"secret,omitempty"`
	// MsgType is "markdown" (default) or "text".
	MsgType string `yaml:"msg_type,omitempty" json:"msg_type,omitempty"`
	// Timeout bounds one delivery (default core.DefaultTimeout).
	Timeout time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := core.CheckWebhookURL(Name, c.URL); err != nil {
		return err
	}
	u, _ := url.Parse(c.URL)
	if u.Query().Get("access_token") == "" {
		return fmt.Errorf("%s: url %s has no access_token", Name, core.RedactURL(c.URL, -1))
	}
	switch c.MsgType {
	case "", "markdown", "text":
	default:
		return fmt.Errorf("%s: msg_type %q is not markdown or text", Name, c.MsgType)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%s: timeout must not be negative", Name)
	}
	return nil
}

func (c Config) msgType() string {
	if c.MsgType == "" {
		return "markdown"
	}
	return c.MsgType
}

// String shows the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("dingtalk{url=%s secret=%s msg_type=%s timeout=%s}",
		core.RedactURL(c.URL, -1), redacted(c.Secret), c.msgType(), c.Timeout)
}

// GoString is String, so that %#v shows no secret either.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", Name),
		slog.String("url", core.RedactURL(c.URL, -1)),
		slog.String("secret", redacted(c.Secret)),
		slog.String("msg_type", c.msgType()),
	)
}

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return core.Redacted
}

// Notifier sends to one robot.
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
	secrets := append(core.URLSecrets(cfg.URL, -1), cfg.Secret)
	return &Notifier{
		cfg: cfg,
		poster: core.Poster{
			Client:  core.NewHTTPClient(cfg.Timeout),
			Channel: Name,
			SafeURL: core.RedactURL(cfg.URL, -1),
			Secrets: secrets,
		},
		now: time.Now,
	}, nil
}

// String describes the notifier without secrets.
func (n *Notifier) String() string { return n.cfg.String() }

// Sign returns DingTalk's signature of timestamp (milliseconds) with secret.
func Sign(timestamp int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Payload is the JSON body DingTalk takes.
type Payload struct {
	MsgType  string    `json:"msgtype"`
	Text     *Text     `json:"text,omitempty"`
	Markdown *Markdown `json:"markdown,omitempty"`
	At       At        `json:"at"`
}

// Text is a text message.
type Text struct {
	Content string `json:"content"`
}

// Markdown is a markdown message; Title is what the chat list shows.
type Markdown struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// At says whom the message mentions. DingTalk only notifies a mention that also appears as
// "@mobile" / "@userid" in the content.
type At struct {
	AtMobiles []string `json:"atMobiles,omitempty"`
	AtUserIds []string `json:"atUserIds,omitempty"`
	IsAtAll   bool     `json:"isAtAll"`
}

// maxContent keeps a message under DingTalk's size limit (20,000 bytes).
const maxContent = 18000

// Build returns the payload of m. Mentions that are phone numbers go to atMobiles, others
// (DingTalk user ids) to atUserIds.
func Build(m core.Message, msgType string) Payload {
	mobiles, ids := core.SplitMentions(m.Mentions)
	var tags []string
	for _, x := range append(append([]string{}, mobiles...), ids...) {
		tags = append(tags, "@"+x)
	}
	p := Payload{MsgType: msgType, At: At{AtMobiles: mobiles, AtUserIds: ids}}
	if msgType == "text" {
		content := core.Truncate(core.Plain(m), maxContent)
		if len(tags) > 0 {
			content += "\n" + strings.Join(tags, " ")
		}
		p.Text = &Text{Content: content}
		return p
	}
	text := core.Truncate(core.Markdown(m, "### "), maxContent)
	if len(tags) > 0 {
		text += "\n\n" + strings.Join(tags, " ")
	}
	title := m.Title
	if title == "" {
		title, _, _ = strings.Cut(m.Text, "\n")
	}
	p.Markdown = &Markdown{Title: core.Truncate(title, 200), Text: text}
	return p
}

type reply struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// retryCodes are DingTalk errcodes worth retrying: -1 system busy, 130101 sending too fast
// (more than 20 a minute), 410100 rate limited.
var retryCodes = map[int]bool{-1: true, 130101: true, 410100: true}

// Notify implements core.Notifier.
func (n *Notifier) Notify(ctx context.Context, m core.Message) (bool, error) {
	body, err := json.Marshal(Build(m, n.cfg.msgType()))
	if err != nil {
		return core.Fail(core.Errorf(Name, false, nil, "encode message %s: %v", m.ID, err))
	}
	target := n.cfg.URL
	if n.cfg.Secret != "" {
		u, _ := url.Parse(n.cfg.URL) // Validate parsed it
		ts := n.now().UnixMilli()
		q := u.Query()
		q.Set("timestamp", strconv.FormatInt(ts, 10))
		q.Set("sign", Sign(ts, n.cfg.Secret))
		u.RawQuery = q.Encode()
		target = u.String()
	}
	resp, serr := n.poster.Post(ctx, target, body, nil)
	if serr != nil {
		return core.Fail(serr)
	}
	if resp.Status == http.StatusFound { // DingTalk redirects a robot it throttles
		e := n.poster.StatusError(resp)
		e.Retry = true
		return core.Fail(e)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return core.Fail(n.poster.StatusError(resp))
	}
	var r reply
	if err := json.Unmarshal(resp.Body, &r); err != nil || r.ErrCode == nil {
		return core.Fail(core.Errorf(Name, false, n.poster.Secrets, "POST %s: unexpected answer%s", n.poster.SafeURL, core.Excerpt(resp.Body)))
	}
	if *r.ErrCode != 0 {
		e := core.Errorf(Name, retryCodes[*r.ErrCode], n.poster.Secrets, "errcode %d: %s", *r.ErrCode, core.Truncate(r.ErrMsg, 200))
		e.Status, e.Code = resp.Status, *r.ErrCode
		return core.Fail(e)
	}
	return false, nil
}
