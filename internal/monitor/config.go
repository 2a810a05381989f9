// Package monitor evaluates alert rules over KPI series: it judges values against targets,
// moves alerts through their lifecycle, and queues messages to their owners.
package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"pulso/internal/alert"
	"pulso/internal/i18n"
	"pulso/internal/metric"
	"pulso/internal/notify"
	"pulso/internal/secret"
	"pulso/internal/store"
	"pulso/internal/target"
)

// SettingName is the settings document that holds a tenant's alerting configuration.
const SettingName = "alerting"

// Config is a tenant's alerting: where messages go, who owns what, the rules and silences.
type Config struct {
	// Link is the board's base URL, used in messages (e.g. https://pulso.example.com).
	Link     string                 `yaml:"link,omitempty"`
	Channels []notify.ChannelConfig `yaml:"channels,omitempty"`
	Contacts []Contact              `yaml:"contacts,omitempty"`
	Owners   []Owner                `yaml:"owners,omitempty"`
	Rules    []alert.Rule           `yaml:"rules,omitempty"`
	Silences []alert.Silence        `yaml:"silences,omitempty"`
}

// Contact is a person or group that receives messages in one language on one channel. A
// contact without a channel owns KPIs (the board and alerts name them) but is sent nothing.
type Contact struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Lang     string   `yaml:"lang"`
	Channel  string   `yaml:"channel"`
	Mentions []string `yaml:"mentions,omitempty"` // mobiles or user ids to @ in group chats
}

// Owner assigns KPIs (by id or module) in a scope to a contact; the most specific entry wins
// (more scope dimensions, then a KPI list, then a module list, then file order).
type Owner struct {
	Contact string              `yaml:"contact"`
	KPIs    []string            `yaml:"kpis,omitempty"`
	Modules []string            `yaml:"modules,omitempty"`
	Scope   map[string][]string `yaml:"scope,omitempty"`
}

// Default is the configuration of a tenant that has none: red on 3 consecutive settled days
// per country for every KPI with a target, and no data for 26 hours; no contacts yet, so
// alerts are recorded and shown but not sent.
func Default() Config {
	return Config{Rules: []alert.Rule{
		{ID: "red-3-days", Type: alert.Consecutive},
		{ID: "stale-data", Type: alert.Freshness},
	}}
}

// ParseConfig reads and checks an alerting YAML document. Errors name the entry and field.
func ParseConfig(src []byte, kpiExists func(string) bool) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("alerting: %w", err)
	}
	if err := c.Validate(kpiExists); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate fills defaults and checks every part.
func (c *Config) Validate(kpiExists func(string) bool) error {
	channels := map[string]bool{}
	for _, ch := range c.Channels {
		if channels[ch.Name] {
			return fmt.Errorf("alerting: channel %s: defined twice", ch.Name)
		}
		channels[ch.Name] = true
		check := func() error { _, err := notify.Build(ch); return err }
		if ch.Sealed() { // checked in clear when applied, and again when opened for sending
			check = ch.Validate
		}
		if err := check(); err != nil {
			return fmt.Errorf("alerting: channel %s: %w", ch.Name, err)
		}
	}
	contacts := map[string]bool{}
	for _, ct := range c.Contacts {
		switch {
		case ct.ID == "":
			return fmt.Errorf("alerting: contact without id")
		case contacts[ct.ID]:
			return fmt.Errorf("alerting: contact %s: defined twice", ct.ID)
		case ct.Channel != "" && !channels[ct.Channel]:
			return fmt.Errorf("alerting: contact %s: channel: unknown channel %q", ct.ID, ct.Channel)
		case !slices.Contains(i18n.Languages, ct.Lang):
			return fmt.Errorf("alerting: contact %s: lang: use %s", ct.ID, strings.Join(i18n.Languages, ", "))
		}
		contacts[ct.ID] = true
	}
	has := func(id string) bool { return contacts[id] }
	for i, o := range c.Owners {
		if !contacts[o.Contact] {
			return fmt.Errorf("alerting: owners[%d]: contact: unknown contact %q", i, o.Contact)
		}
		for _, k := range o.KPIs {
			if !kpiExists(k) {
				return fmt.Errorf("alerting: owners[%d]: kpis: unknown kpi %q", i, k)
			}
		}
		for d := range o.Scope {
			if !slices.Contains(target.Dimensions, d) {
				return fmt.Errorf("alerting: owners[%d]: scope: unknown dimension %q", i, d)
			}
		}
	}
	ids := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		r.Defaults()
		if ids[r.ID] {
			return fmt.Errorf("alerting: rule %s: defined twice", r.ID)
		}
		ids[r.ID] = true
		if err := r.Validate(kpiExists, has); err != nil {
			return fmt.Errorf("alerting: %w", err)
		}
	}
	for i, s := range c.Silences {
		if !s.To.After(s.From) {
			return fmt.Errorf("alerting: silences[%d] %s: to must be after from", i, s.ID)
		}
	}
	return nil
}

// owner returns the contact that owns a KPI of a module in a scope, or fallback.
func (c *Config) owner(kpi, module string, scope map[string]string, fallback string) string {
	best, bestRank := fallback, -1
	for _, o := range c.Owners {
		if len(o.KPIs) > 0 && !slices.Contains(o.KPIs, kpi) {
			continue
		}
		if len(o.Modules) > 0 && !slices.Contains(o.Modules, module) {
			continue
		}
		ok := true
		for d, vals := range o.Scope {
			if !slices.Contains(vals, scope[d]) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		rank := len(o.Scope) * 4
		switch {
		case len(o.KPIs) > 0:
			rank += 2
		case len(o.Modules) > 0:
			rank++
		}
		if rank > bestRank {
			best, bestRank = o.Contact, rank
		}
	}
	return best
}

func (c *Config) contact(id string) (Contact, bool) {
	for _, ct := range c.Contacts {
		if ct.ID == id {
			return ct, true
		}
	}
	return Contact{}, false
}

// Redacted returns the configuration with every channel secret masked (notify.Masked:
// "••••abcd" for an opened secret, "••••" for a sealed one), for display.
func (c Config) Redacted() Config {
	out := c
	out.Channels = make([]notify.ChannelConfig, len(c.Channels))
	for i, ch := range c.Channels {
		out.Channels[i] = ch.Masked()
	}
	return out
}

// LoadOpenConfig is LoadConfig with the channels' secrets opened with keys, for sending: the
// opened secrets live in memory only. A stored document written before secrets were sealed
// loads without any key.
func LoadOpenConfig(ctx context.Context, st store.Store, tenant string, cat *metric.Catalog, keys *secret.Keyring) (Config, error) {
	exists := func(id string) bool { _, err := cat.Get(id); return err == nil }
	body, err := st.Setting(ctx, tenant, SettingName)
	if errors.Is(err, store.ErrNotFound) {
		c := Default()
		return c, c.Validate(exists)
	}
	if err != nil {
		return Config{}, err
	}
	opened, err := OpenSecrets([]byte(body), tenant, keys)
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(opened, exists)
}

// SecretError names the tenant, channel and field whose secret could not be sealed or
// opened, and why (secret.ErrUnknownKey, secret.ErrOpen, ...). It never holds the value.
type SecretError struct {
	Tenant, Channel, Field string
	Err                    error
}

func (e *SecretError) Error() string {
	return fmt.Sprintf("alerting of tenant %s: channel %s: %s: %v", e.Tenant, e.Channel, e.Field, e.Err)
}

func (e *SecretError) Unwrap() error { return e.Err }

// binding ties a channel secret to its tenant, channel and field, so that a sealed value
// copied to another tenant, channel or field does not open. The channel's name (not its
// position) is used: reordering channels keeps their secrets valid.
func binding(tenant, channel string, s notify.Secret) secret.Binding {
	return secret.Binding{Tenant: tenant, Field: SettingName + "/channels/" + channel + "/" + strings.Join(s.Path, "/")}
}

// SealSecrets returns the alerting document src with every channel secret sealed under the
// current key for tenant. A value in clear is sealed; one sealed under an old key is opened
// and sealed again under the current key; one already under the current key is checked and
// kept. The rest of the document (comments, order, other fields) stays as written. Any
// failure returns no document, so the stored one is left as it was.
func SealSecrets(src []byte, tenant string, keys *secret.Keyring) ([]byte, error) {
	current := keys.Current()
	return editSecrets(src, tenant, func(b secret.Binding, v string) (string, error) {
		if !secret.IsSealed(v) {
			return keys.Seal(v, b)
		}
		plain, err := keys.Open(v, b)
		if err != nil {
			return "", err
		}
		if id, _ := secret.KeyID(v); id == current {
			return v, nil
		}
		return keys.Seal(plain, b)
	})
}

// OpenSecrets returns src with every sealed channel secret opened (values in clear stay).
// The result holds secrets in clear: parse it for sending, never store, log or show it.
func OpenSecrets(src []byte, tenant string, keys *secret.Keyring) ([]byte, error) {
	return editSecrets(src, tenant, func(b secret.Binding, v string) (string, error) {
		if !secret.IsSealed(v) {
			return v, nil
		}
		return keys.Open(v, b)
	})
}

// SecretCount says how a document's channel secrets are stored: how many in clear, and how
// many sealed under each key id.
type SecretCount struct {
	Plain int
	ByKey map[string]int
}

// CountSecrets counts the channel secrets of an alerting document.
func CountSecrets(src []byte, tenant string) (SecretCount, error) {
	n := SecretCount{ByKey: map[string]int{}}
	_, err := editSecrets(src, tenant, func(_ secret.Binding, v string) (string, error) {
		if !secret.IsSealed(v) {
			n.Plain++
			return v, nil
		}
		id, err := secret.KeyID(v)
		if err != nil {
			return "", err
		}
		n.ByKey[id]++
		return v, nil
	})
	return n, err
}

// editSecrets replaces every channel secret of the document by what fn returns for it. The
// document is edited as a YAML tree, so that only those values change; when none does, src
// comes back as it was.
func editSecrets(src []byte, tenant string, fn func(b secret.Binding, v string) (string, error)) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("alerting: %w", err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return src, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("alerting: the document is not a mapping")
	}
	list := mapValue(root, "channels")
	if list == nil || list.Kind != yaml.SequenceNode {
		return src, nil // no channels, or a shape ParseConfig reports
	}
	changed := false
	for i, item := range list.Content {
		var ch notify.ChannelConfig
		if err := item.Decode(&ch); err != nil {
			return nil, fmt.Errorf("alerting: channels[%d]: %w", i, err)
		}
		for _, s := range ch.Secrets() {
			n := item
			for _, k := range s.Path {
				if n != nil && (n.Kind == yaml.AliasNode || n.Anchor != "") {
					n = nil
				}
				n = mapValue(n, k)
			}
			if n == nil || n.Kind != yaml.ScalarNode || n.Anchor != "" {
				return nil, &SecretError{Tenant: tenant, Channel: ch.Name, Field: s.Field,
					Err: errors.New("a secret must be written in place, not through a YAML anchor, alias or merge")}
			}
			v, err := fn(binding(tenant, ch.Name, s), n.Value)
			if err != nil {
				return nil, &SecretError{Tenant: tenant, Channel: ch.Name, Field: s.Field, Err: err}
			}
			if v != n.Value {
				n.Value, n.Tag, n.Style = v, "!!str", 0
				changed = true
			}
		}
	}
	if !changed {
		return src, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("alerting: write the document: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("alerting: write the document: %w", err)
	}
	return b.Bytes(), nil
}

// mapValue returns the value of key in a mapping node, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
