// Package wecom delivers notifications to a WeCom (企业微信) group through a group robot
// webhook. WeCom robots are not signed: the key in the webhook URL is the only credential,
// so it is treated as a secret.
package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"pulso/internal/notify/core"
)

// Name is the channel type.
const Name = "wecom"

// Config is one WeCom group robot.
type Config struct {
	// URL is the robot's webhook: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...
	URL string `yaml:"url" json:"url"`
	// MsgType is "markdown" (default) or "text". WeCom markdown can mention user ids
	// (<@userid>) but not phone numbers, so a markdown message that must mention a phone
	// number is sent as text, with mentioned_mobile_list: the mention is what makes the
	// alert reach its owner.
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
	if u.Query().Get("key") == "" {
		return fmt.Errorf("%s: url %s has no key", Name, core.RedactURL(c.URL, -1))
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
	return fmt.Sprintf("wecom{url=%s msg_type=%s timeout=%s}", core.RedactURL(c.URL, -1), c.msgType(), c.Timeout)
}

// GoString is String, so that %#v shows no secret either.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", Name),
		slog.String("url", core.RedactURL(c.URL, -1)),
		slog.String("msg_type", c.msgType()),
	)
}

// Notifier sends to one robot.
type Notifier struct {
	cfg    Config
	poster core.Poster
}

var _ core.Notifier = (*Notifier)(nil)

// New validates cfg and returns its notifier.
func New(cfg Config) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Notifier{cfg: cfg, poster: core.Poster{
		Client:  core.NewHTTPClient(cfg.Timeout),
		Channel: Name,
		SafeURL: core.RedactURL(cfg.URL, -1),
		Secrets: core.URLSecrets(cfg.URL, -1),
	}}, nil
}

// String describes the notifier without secrets.
func (n *Notifier) String() string { return n.cfg.String() }

// Payload is the JSON body WeCom takes.
type Payload struct {
	MsgType  string    `json:"msgtype"`
	Text     *Text     `json:"text,omitempty"`
	Markdown *Markdown `json:"markdown,omitempty"`
}

// Text is a text message with its mentions.
type Text struct {
	Content             string   `json:"content"`
	MentionedList       []string `json:"mentioned_list,omitempty"`
	MentionedMobileList []string `json:"mentioned_mobile_list,omitempty"`
}

// Markdown is a markdown message; mentions are <@userid> in the content.
type Markdown struct {
	Content string `json:"content"`
}

// WeCom's limits: text content 2048 bytes, markdown 4096 bytes.
const (
	maxText     = 2048
	maxMarkdown = 4096
)

// Build returns the payload of m. Mentions that are phone numbers go to
// mentioned_mobile_list (text), others are WeCom user ids.
func Build(m core.Message, msgType string) Payload {
	mobiles, ids := core.SplitMentions(m.Mentions)
	if msgType == "markdown" && len(mobiles) == 0 {
		var tags string
		for _, id := range ids {
			tags += "<@" + strings.NewReplacer("<", "", ">", "").Replace(id) + ">"
		}
		if tags != "" {
			tags = "\n" + tags
		}
		content := core.Truncate(core.Markdown(m, "## "), maxMarkdown-len(tags)) + tags
		return Payload{MsgType: "markdown", Markdown: &Markdown{Content: content}}
	}
	return Payload{MsgType: "text", Text: &Text{
		Content:             core.Truncate(core.Plain(m), maxText),
		MentionedList:       ids,
		MentionedMobileList: mobiles,
	}}
}

type reply struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// retryCodes are WeCom errcodes worth retrying: -1 system busy, 45009 API frequency over
// limit (a robot takes 20 messages a minute), 45033 too many concurrent calls.
var retryCodes = map[int]bool{-1: true, 45009: true, 45033: true}

// Notify implements core.Notifier.
func (n *Notifier) Notify(ctx context.Context, m core.Message) (bool, error) {
	body, err := json.Marshal(Build(m, n.cfg.msgType()))
	if err != nil {
		return core.Fail(core.Errorf(Name, false, nil, "encode message %s: %v", m.ID, err))
	}
	resp, serr := n.poster.Post(ctx, n.cfg.URL, body, nil)
	if serr != nil {
		return core.Fail(serr)
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
