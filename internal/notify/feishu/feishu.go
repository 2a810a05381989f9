// Package feishu delivers notifications to a Feishu / Lark group through a custom bot
// webhook, signed when the bot has signature verification (签名校验) on.
//
// Signing, as Feishu documents it: string_to_sign = timestamp + "\n" + secret, where
// timestamp is the current time in seconds; sign = base64(HmacSHA256(key=string_to_sign,
// message="")) — the string is the HMAC key and the message is empty; timestamp (as a
// string) and sign go in the JSON body.
package feishu

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pulso/internal/notify/core"
)

// Name is the channel type.
const Name = "feishu"

// Config is one Feishu / Lark custom bot.
type Config struct {
	// URL is the bot's webhook: https://open.feishu.cn/open-apis/bot/v2/hook/<token> (or
	// open.larksuite.com for Lark). The last path segment is a secret.
	URL string `yaml:"url" json:"url"`
	// Secret is the signing secret, if signature verification is on.
	Secret string `yaml:"secret,omitempty" json:"secret,omitempty"`
	// MsgType is "interactive" (a card; default) or "text".
	MsgType string `yaml:"msg_type,omitempty" json:"msg_type,omitempty"`
	// Timeout bounds one delivery (default core.DefaultTimeout).
	Timeout time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := core.CheckWebhookURL(Name, c.URL); err != nil {
		return err
	}
	if keep(c.URL) < 0 {
		return fmt.Errorf("%s: url %s has no hook token in its path", Name, core.RedactURL(c.URL, 0))
	}
	switch c.MsgType {
	case "", "interactive", "text":
	default:
		return fmt.Errorf("%s: msg_type %q is not interactive or text", Name, c.MsgType)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%s: timeout must not be negative", Name)
	}
	return nil
}

// keep is how many path segments of u are not secret: all but the last (the hook token).
func keep(raw string) int {
	u, err := url.Parse(raw)
	if err != nil {
		return -1
	}
	p := strings.Trim(u.Path, "/")
	if p == "" {
		return -1
	}
	return strings.Count(p, "/")
}

func (c Config) msgType() string {
	if c.MsgType == "" {
		return "interactive"
	}
	return c.MsgType
}

func (c Config) safeURL() string { return core.RedactURL(c.URL, max(keep(c.URL), 0)) }

// String shows the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("feishu{url=%s secret=%s msg_type=%s timeout=%s}", c.safeURL(), redacted(c.Secret), c.msgType(), c.Timeout)
}

// GoString is String, so that %#v shows no secret either.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", Name),
		slog.String("url", c.safeURL()),
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

// Notifier sends to one bot.
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
	return &Notifier{
		cfg: cfg,
		poster: core.Poster{
			Client:  core.NewHTTPClient(cfg.Timeout),
			Channel: Name,
			SafeURL: cfg.safeURL(),
			Secrets: append(core.URLSecrets(cfg.URL, keep(cfg.URL)), cfg.Secret),
		},
		now: time.Now,
	}, nil
}

// String describes the notifier without secrets.
func (n *Notifier) String() string { return n.cfg.String() }

// Sign returns Feishu's signature of timestamp (seconds) with secret.
func Sign(timestamp int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(timestamp, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Payload is the JSON body Feishu takes.
type Payload struct {
	Timestamp string   `json:"timestamp,omitempty"`
	Sign      string   `json:"sign,omitempty"`
	MsgType   string   `json:"msg_type"`
	Content   *Content `json:"content,omitempty"`
	Card      *Card    `json:"card,omitempty"`
}

// Content is a text message's content.
type Content struct {
	Text string `json:"text"`
}

// Card is an interactive message card.
type Card struct {
	Config   CardConfig `json:"config"`
	Header   *Header    `json:"header,omitempty"`
	Elements []Element  `json:"elements"`
}

// CardConfig is the card's layout.
type CardConfig struct {
	WideScreenMode bool `json:"wide_screen_mode"`
}

// Header is the card's title bar.
type Header struct {
	Title PlainText `json:"title"`
}

// PlainText is a plain_text element.
type PlainText struct {
	Tag     string `json:"tag"` // "plain_text"
	Content string `json:"content"`
}

// Element is a card element: a div of lark_md text, or an action row of buttons.
type Element struct {
	Tag     string   `json:"tag"`
	Text    *LarkMD  `json:"text,omitempty"`
	Actions []Button `json:"actions,omitempty"`
}

// Button is a link button in an action row.
type Button struct {
	Tag  string    `json:"tag"` // "button"
	Text PlainText `json:"text"`
	URL  string    `json:"url"`
	Type string    `json:"type"` // "primary"
}

// LarkMD is Feishu's markdown text.
type LarkMD struct {
	Tag     string `json:"tag"` // "lark_md"
	Content string `json:"content"`
}

// maxContent keeps a request under Feishu's 20 KB limit.
const maxContent = 16000

// Build returns the payload of m (unsigned). Mentions are Feishu open_id / user_id values, or
// e-mail addresses (cards only).
func Build(m core.Message, msgType string) Payload {
	var ids, emails []string
	seen := map[string]bool{}
	for _, x := range m.Mentions {
		x = strings.TrimSpace(x)
		if x == "" || seen[x] {
			continue
		}
		seen[x] = true
		if strings.Contains(x, "@") {
			emails = append(emails, x)
		} else {
			ids = append(ids, x)
		}
	}
	if msgType == "text" {
		text := core.Truncate(core.Plain(m), maxContent)
		var tags []string
		for _, id := range ids {
			tags = append(tags, fmt.Sprintf(`<at user_id="%s"></at>`, attr(id)))
		}
		if len(tags) > 0 {
			text += "\n" + strings.Join(tags, " ")
		}
		return Payload{MsgType: "text", Content: &Content{Text: text}}
	}
	body := m
	body.Title, body.Link = "", ""
	md := core.Truncate(core.Markdown(body, ""), maxContent)
	var tags []string
	for _, id := range ids {
		tags = append(tags, "<at id="+attr(id)+"></at>")
	}
	for _, e := range emails {
		tags = append(tags, "<at email="+attr(e)+"></at>")
	}
	if len(tags) > 0 {
		md += "\n" + strings.Join(tags, " ")
	}
	card := &Card{Config: CardConfig{WideScreenMode: true}}
	if m.Title != "" {
		card.Header = &Header{Title: PlainText{Tag: "plain_text", Content: core.Truncate(m.Title, 300)}}
	}
	card.Elements = append(card.Elements, Element{Tag: "div", Text: &LarkMD{Tag: "lark_md", Content: md}})
	if m.Link != "" {
		card.Elements = append(card.Elements, Element{Tag: "action", Actions: []Button{{
			Tag: "button", Text: PlainText{Tag: "plain_text", Content: core.LinkLabel(m.Lang)}, URL: m.Link, Type: "primary",
		}}})
	}
	return Payload{MsgType: "interactive", Card: card}
}

// attr keeps a mention from breaking out of its tag.
func attr(s string) string {
	return strings.NewReplacer(`"`, "", "<", "", ">", "", " ", "").Replace(s)
}

type reply struct {
	Code       *int   `json:"code"`
	Msg        string `json:"msg"`
	StatusCode *int   `json:"StatusCode"` // older answers
	StatusMsg  string `json:"StatusMessage"`
}

// retryCodes are Feishu codes worth retrying: 9499 too many requests, 11232 frequency
// limited, 230020 chat rate limit.
var retryCodes = map[int]bool{9499: true, 11232: true, 230020: true}

// Notify implements core.Notifier.
func (n *Notifier) Notify(ctx context.Context, m core.Message) (bool, error) {
	p := Build(m, n.cfg.msgType())
	if n.cfg.Secret != "" {
		ts := n.now().Unix()
		p.Timestamp = strconv.FormatInt(ts, 10)
		p.Sign = Sign(ts, n.cfg.Secret)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return core.Fail(core.Errorf(Name, false, nil, "encode message %s: %v", m.ID, err))
	}
	resp, serr := n.poster.Post(ctx, n.cfg.URL, body, nil)
	if serr != nil {
		return core.Fail(serr)
	}
	if core.RetryStatus(resp.Status) {
		return core.Fail(n.poster.StatusError(resp))
	}
	var r reply
	_ = json.Unmarshal(resp.Body, &r) // Feishu answers 4xx with a JSON code too
	code, msg := r.Code, r.Msg
	if code == nil {
		code, msg = r.StatusCode, r.StatusMsg
	}
	if code != nil && *code != 0 {
		e := core.Errorf(Name, retryCodes[*code], n.poster.Secrets, "code %d: %s", *code, core.Truncate(msg, 200))
		e.Status, e.Code = resp.Status, *code
		return core.Fail(e)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return core.Fail(n.poster.StatusError(resp))
	}
	if code == nil {
		return core.Fail(core.Errorf(Name, false, n.poster.Secrets, "POST %s: unexpected answer%s", n.poster.SafeURL, core.Excerpt(resp.Body)))
	}
	return false, nil
}
