// Package slack delivers notifications to a Slack channel through an incoming webhook. The
// webhook's path (/services/T…/B…/…) is its credential, so it is treated as a secret.
package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"pulso/internal/notify/core"
)

// Name is the channel type.
const Name = "slack"

// Config is one incoming webhook.
type Config struct {
	// URL is the webhook: https://hooks.slack.com/services/T…/B…/… (the path is secret).
	URL string `yaml:"url" json:"url"`
	// Timeout bounds one delivery (default core.DefaultTimeout).
	Timeout time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := core.CheckWebhookURL(Name, c.URL); err != nil {
		return err
	}
	u, _ := url.Parse(c.URL)
	if strings.Trim(u.Path, "/") == "" {
		return fmt.Errorf("%s: url %s has no path", Name, core.RedactURL(c.URL, 0))
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%s: timeout must not be negative", Name)
	}
	return nil
}

// keep is how much of the path is not secret: "/services" of a Slack hook, nothing else.
func keep(raw string) int {
	if u, err := url.Parse(raw); err == nil && strings.HasPrefix(u.Path, "/services/") {
		return 1
	}
	return 0
}

func (c Config) safeURL() string { return core.RedactURL(c.URL, keep(c.URL)) }

// String shows the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("slack{url=%s timeout=%s}", c.safeURL(), c.Timeout)
}

// GoString is String, so that %#v shows no secret either.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", Name), slog.String("url", c.safeURL()))
}

// Notifier sends to one webhook.
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
		SafeURL: cfg.safeURL(),
		Secrets: core.URLSecrets(cfg.URL, keep(cfg.URL)),
	}}, nil
}

// String describes the notifier without secrets.
func (n *Notifier) String() string { return n.cfg.String() }

// Payload is the JSON body of an incoming webhook: Text is the fallback (and what
// notifications show), Blocks the layout.
type Payload struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks,omitempty"`
}

// Block is a Block Kit block (header or section).
type Block struct {
	Type   string   `json:"type"`
	Text   *TextEl  `json:"text,omitempty"`
	Fields []TextEl `json:"fields,omitempty"`
}

// TextEl is a text object: plain_text or mrkdwn.
type TextEl struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Slack's limits: header 150 characters, section text 3000, a field 2000, 10 fields.
const (
	maxHeader  = 150
	maxSection = 3000
	maxField   = 2000
	maxFields  = 10
)

// Build returns the payload of m. Mentions are Slack user ids (U…/W…), written <@id>.
func Build(m core.Message) Payload {
	var tags []string
	seen := map[string]bool{}
	for _, x := range m.Mentions {
		x = strings.Trim(strings.TrimSpace(x), "<>@")
		if x == "" || seen[x] {
			continue
		}
		seen[x] = true
		tags = append(tags, "<@"+x+">")
	}
	mention := ""
	if len(tags) > 0 {
		mention = "\n" + strings.Join(tags, " ")
	}
	text := Mrkdwn(m.Text)
	if m.Link != "" {
		text += "\n<" + linkURL(m.Link) + "|" + escape(core.LinkLabel(m.Lang)) + ">"
	}
	fallback := escape(m.Title)
	if fallback != "" {
		fallback += "\n"
	}
	fallback = core.Truncate(fallback+Mrkdwn(m.Text), maxSection) + mention
	p := Payload{Text: fallback}
	if m.Title != "" {
		p.Blocks = append(p.Blocks, Block{Type: "header", Text: &TextEl{Type: "plain_text", Text: truncRunes(m.Title, maxHeader)}})
	}
	p.Blocks = append(p.Blocks, Block{Type: "section", Text: &TextEl{Type: "mrkdwn", Text: truncRunes(text, maxSection-len(mention)) + mention}})
	if len(m.Fields) > 0 {
		var fs []TextEl
		for _, k := range core.SortedFields(m.Fields) {
			fs = append(fs, TextEl{Type: "mrkdwn", Text: truncRunes("*"+escape(k)+"*\n"+escape(m.Fields[k]), maxField)})
		}
		for len(fs) > 0 {
			n := min(len(fs), maxFields)
			p.Blocks = append(p.Blocks, Block{Type: "section", Fields: fs[:n]})
			fs = fs[n:]
		}
	}
	return p
}

func truncRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

var (
	mdLink = regexp.MustCompile(`\[([^\]\n]+)\]\(([^)\s]+)\)`)
	mdBold = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
)

// Mrkdwn converts the message's markdown-ish text to Slack mrkdwn: &, < and > escaped,
// **bold** to *bold*, [label](url) to <url|label>.
func Mrkdwn(s string) string {
	var b strings.Builder
	last := 0
	for _, loc := range mdLink.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(plainMrkdwn(s[last:loc[0]]))
		label, link := s[loc[2]:loc[3]], s[loc[4]:loc[5]]
		b.WriteString("<" + linkURL(link) + "|" + plainMrkdwn(label) + ">")
		last = loc[1]
	}
	b.WriteString(plainMrkdwn(s[last:]))
	return b.String()
}

func plainMrkdwn(s string) string { return mdBold.ReplaceAllString(escape(s), "*$1*") }

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// linkURL keeps a URL from closing its <url|label> early.
func linkURL(s string) string {
	return strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C", " ", "%20").Replace(s)
}

// Notify implements core.Notifier. Slack answers 200 "ok", or an error status with a short
// reason (invalid_payload, no_service, channel_is_archived…); 429 carries Retry-After.
func (n *Notifier) Notify(ctx context.Context, m core.Message) (bool, error) {
	body, err := json.Marshal(Build(m))
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
	return false, nil
}
