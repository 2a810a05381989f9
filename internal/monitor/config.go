// Package monitor evaluates alert rules over KPI series: it judges values against targets,
// moves alerts through their lifecycle, and queues messages to their owners.
package monitor

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"pulso/internal/alert"
	"pulso/internal/i18n"
	"pulso/internal/notify"
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

// Contact is a person or group that receives messages in one language on one channel.
type Contact struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Lang     string   `yaml:"lang"`
	Channel  string   `yaml:"channel"`
	Mentions []string `yaml:"mentions,omitempty"` // mobiles or user ids to @ in group chats
}

// Owner assigns KPIs (by id or module) in a scope to a contact; the most specific entry wins
// (more scope dimensions, then a KPI list over a module list, then file order).
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
		if _, err := notify.Build(ch); err != nil {
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
		case !channels[ct.Channel]:
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
		rank := len(o.Scope) * 2
		if len(o.KPIs) > 0 {
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
