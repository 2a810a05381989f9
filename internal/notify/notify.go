// Package notify delivers Pulso's notifications to the team's chat and mail. Like
// Alertmanager's notifiers it has one tiny interface (Notifier), one subpackage per channel
// (dingtalk, feishu, wecom, slack, email, webhook) and one composition root (Build).
//
// A notifier sends one already localised Message and says whether a failure is worth
// retrying. It never puts a secret (webhook token, signing secret, SMTP password) in an
// error, and its configuration prints and logs without them. Delivery with retries, backoff
// and exactly-once bookkeeping is package outbox's job.
package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"

	"pulso/internal/notify/core"
	"pulso/internal/notify/dingtalk"
	"pulso/internal/notify/email"
	"pulso/internal/notify/feishu"
	"pulso/internal/notify/slack"
	"pulso/internal/notify/webhook"
	"pulso/internal/notify/wecom"
	"pulso/internal/secret"
)

// Message is one notification, already localised; ID is its idempotency key.
type Message = core.Message

// Notifier delivers a message to one channel; retry says whether a failure is transient.
type Notifier = core.Notifier

// SendError is the (redacted) error notifiers return.
type SendError = core.SendError

// Channel types.
const (
	DingTalk = dingtalk.Name
	Feishu   = feishu.Name
	WeCom    = wecom.Name
	Slack    = slack.Name
	Email    = email.Name
	Webhook  = webhook.Name
)

// Types lists the channel types Build knows.
var Types = []string{DingTalk, Feishu, WeCom, Slack, Email, Webhook}

// ChannelConfig names one channel and configures it: Type says which of the blocks is used,
// and exactly that block must be set.
type ChannelConfig struct {
	// Name is what messages and outbox rows refer to (Message.Channel).
	Name     string           `yaml:"name" json:"name"`
	Type     string           `yaml:"type" json:"type"`
	DingTalk *dingtalk.Config `yaml:"dingtalk,omitempty" json:"dingtalk,omitempty"`
	Feishu   *feishu.Config   `yaml:"feishu,omitempty" json:"feishu,omitempty"`
	WeCom    *wecom.Config    `yaml:"wecom,omitempty" json:"wecom,omitempty"`
	Slack    *slack.Config    `yaml:"slack,omitempty" json:"slack,omitempty"`
	Email    *email.Config    `yaml:"email,omitempty" json:"email,omitempty"`
	Webhook  *webhook.Config  `yaml:"webhook,omitempty" json:"webhook,omitempty"`
}

var channelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$`)

// Validate checks the name, the type, that exactly the type's block is set, and the block.
func (c ChannelConfig) Validate() error {
	if !channelName.MatchString(c.Name) {
		return fmt.Errorf("notify: channel name %q must be 1-128 characters of letters, digits and _ . : / -", c.Name)
	}
	blocks := map[string]bool{
		DingTalk: c.DingTalk != nil, Feishu: c.Feishu != nil, WeCom: c.WeCom != nil,
		Slack: c.Slack != nil, Email: c.Email != nil, Webhook: c.Webhook != nil,
	}
	set, known := blocks[c.Type]
	if !known {
		return fmt.Errorf("notify: channel %s: type %q is not one of %v", c.Name, c.Type, Types)
	}
	if !set {
		return fmt.Errorf("notify: channel %s: type %s needs a %s block", c.Name, c.Type, c.Type)
	}
	for t, isSet := range blocks {
		if isSet && t != c.Type {
			return fmt.Errorf("notify: channel %s: type %s has a %s block too", c.Name, c.Type, t)
		}
	}
	if c.Sealed() {
		// The block was checked in clear before it was sealed, and is checked again once
		// opened for sending; here only the sealed values' form can be checked.
		for _, s := range c.Secrets() {
			if _, err := secret.KeyID(s.Value); secret.IsSealed(s.Value) && err != nil {
				return fmt.Errorf("notify: channel %s: %s %w", c.Name, s.Field, err)
			}
		}
		return nil
	}
	if err := c.block().Validate(); err != nil {
		return fmt.Errorf("notify: channel %s: %w", c.Name, err)
	}
	return nil
}

// Secret is one secret value of a channel.
type Secret struct {
	// Field names it under the channel as the YAML does: "dingtalk.url", "email.password",
	// "webhook.headers.Authorization".
	Field string
	// Path is Field as YAML keys: ["webhook", "headers", "Authorization"].
	Path  []string
	Value string
}

// slot is where one secret lives in a ChannelConfig.
type slot struct {
	path []string
	get  func() string
	set  func(string)
}

func field(p *string, path ...string) slot {
	return slot{path: path, get: func() string { return *p }, set: func(v string) { *p = v }}
}

// slots lists the secret fields of c's block: the webhook URLs (their query or path holds the
// token), the signing secrets, the SMTP password and the webhook's header values. This is the
// one list of what is secret in a channel; a new secret field goes here.
func (c *ChannelConfig) slots() []slot {
	switch {
	case c.Type == DingTalk && c.DingTalk != nil:
		return []slot{field(&c.DingTalk.URL, DingTalk, "url"), field(&c.DingTalk.Secret, DingTalk, "secret")}
	case c.Type == Feishu && c.Feishu != nil:
		return []slot{field(&c.Feishu.URL, Feishu, "url"), field(&c.Feishu.Secret, Feishu, "secret")}
	case c.Type == WeCom && c.WeCom != nil:
		return []slot{field(&c.WeCom.URL, WeCom, "url")}
	case c.Type == Slack && c.Slack != nil:
		return []slot{field(&c.Slack.URL, Slack, "url")}
	case c.Type == Email && c.Email != nil:
		return []slot{field(&c.Email.Password, Email, "password")}
	case c.Type == Webhook && c.Webhook != nil:
		w := c.Webhook
		out := []slot{field(&w.URL, Webhook, "url"), field(&w.Secret, Webhook, "secret")}
		for _, k := range slices.Sorted(maps.Keys(w.Headers)) {
			out = append(out, slot{path: []string{Webhook, "headers", k},
				get: func() string { return w.Headers[k] }, set: func(v string) { w.Headers[k] = v }})
		}
		return out
	}
	return nil
}

// Secrets lists the channel's secret values that are set, in a fixed order.
func (c ChannelConfig) Secrets() []Secret {
	var out []Secret
	for _, s := range c.slots() {
		if v := s.get(); v != "" {
			out = append(out, Secret{Field: strings.Join(s.path, "."), Path: s.path, Value: v})
		}
	}
	return out
}

// Sealed tells whether any of the channel's secrets is sealed (secret.IsSealed): such a
// channel cannot send until its secrets are opened.
func (c ChannelConfig) Sealed() bool {
	for _, s := range c.Secrets() {
		if secret.IsSealed(s.Value) {
			return true
		}
	}
	return false
}

// MapSecrets returns a copy of c in which every set secret is replaced by what f returns
// for it (to seal, open or mask them). c itself is not changed; the first error stops.
func (c ChannelConfig) MapSecrets(f func(Secret) (string, error)) (ChannelConfig, error) {
	out := c.clone()
	for _, s := range out.slots() {
		v := s.get()
		if v == "" {
			continue
		}
		nv, err := f(Secret{Field: strings.Join(s.path, "."), Path: s.path, Value: v})
		if err != nil {
			return c, err
		}
		s.set(nv)
	}
	return out, nil
}

// Masked returns c with every secret shown as secret.Mask shows it ("••••abcd", or "••••"
// for a sealed or short one): what a settings page may display.
func (c ChannelConfig) Masked() ChannelConfig {
	out, _ := c.MapSecrets(func(s Secret) (string, error) { return secret.Mask(s.Value), nil })
	return out
}

// clone copies the blocks and the header map, so that changing the copy's secrets leaves c
// as it was.
func (c ChannelConfig) clone() ChannelConfig {
	out := c
	if c.DingTalk != nil {
		v := *c.DingTalk
		out.DingTalk = &v
	}
	if c.Feishu != nil {
		v := *c.Feishu
		out.Feishu = &v
	}
	if c.WeCom != nil {
		v := *c.WeCom
		out.WeCom = &v
	}
	if c.Slack != nil {
		v := *c.Slack
		out.Slack = &v
	}
	if c.Email != nil {
		v := *c.Email
		v.To = slices.Clone(c.Email.To)
		out.Email = &v
	}
	if c.Webhook != nil {
		v := *c.Webhook
		v.Headers = maps.Clone(c.Webhook.Headers)
		out.Webhook = &v
	}
	return out
}

type validator interface {
	Validate() error
	String() string
	LogValue() slog.Value
}

func (c ChannelConfig) block() validator {
	switch c.Type {
	case DingTalk:
		if c.DingTalk != nil {
			return *c.DingTalk
		}
	case Feishu:
		if c.Feishu != nil {
			return *c.Feishu
		}
	case WeCom:
		if c.WeCom != nil {
			return *c.WeCom
		}
	case Slack:
		if c.Slack != nil {
			return *c.Slack
		}
	case Email:
		if c.Email != nil {
			return *c.Email
		}
	case Webhook:
		if c.Webhook != nil {
			return *c.Webhook
		}
	}
	return nil
}

// String shows the channel without secrets.
func (c ChannelConfig) String() string {
	if b := c.block(); b != nil {
		return c.Name + "=" + b.String()
	}
	return fmt.Sprintf("%s=%s{}", c.Name, c.Type)
}

// GoString is String, so that %#v shows no secret either.
func (c ChannelConfig) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without secrets.
func (c ChannelConfig) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("name", c.Name), slog.String("type", c.Type)}
	if b := c.block(); b != nil {
		attrs = append(attrs, slog.Any("config", b.LogValue()))
	}
	return slog.GroupValue(attrs...)
}

// Build validates cfg and returns the notifier of its type.
func Build(cfg ChannelConfig) (Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, s := range cfg.Secrets() {
		if secret.IsSealed(s.Value) {
			return nil, fmt.Errorf("notify: channel %s: %s is sealed: it must be opened with the secret key before sending", cfg.Name, s.Field)
		}
	}
	var (
		n   Notifier
		err error
	)
	switch cfg.Type {
	case DingTalk:
		n, err = dingtalk.New(*cfg.DingTalk)
	case Feishu:
		n, err = feishu.New(*cfg.Feishu)
	case WeCom:
		n, err = wecom.New(*cfg.WeCom)
	case Slack:
		n, err = slack.New(*cfg.Slack)
	case Email:
		n, err = email.New(*cfg.Email)
	case Webhook:
		n, err = webhook.New(*cfg.Webhook)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: channel %s: %w", cfg.Name, err)
	}
	return n, nil
}

// BuildAll builds every channel, keyed by name (what outbox.Dispatcher.Notifiers takes).
// Names must be unique; all errors are reported together.
func BuildAll(cfgs []ChannelConfig) (map[string]Notifier, error) {
	out := make(map[string]Notifier, len(cfgs))
	var errs []error
	seen := map[string]bool{}
	for _, c := range cfgs {
		if seen[c.Name] {
			errs = append(errs, fmt.Errorf("notify: channel %s is configured twice", c.Name))
			continue
		}
		seen[c.Name] = true
		n, err := Build(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[c.Name] = n
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
