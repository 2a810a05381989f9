// Package alert turns KPI statuses into alerts: rules (consecutive, change, freshness), a
// lifecycle (pending → firing → acknowledged → resolved), silences, repeats and escalation.
// It decides; storing and sending are done by its callers.
package alert

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"pulso/internal/target"
)

// Rule types.
const (
	Consecutive = "consecutive" // status at or beyond a level for N settled periods in a row
	Change      = "change"      // worse by X % than the previous period or the same period a year ago
	Freshness   = "freshness"   // no new data for a kind and source for H hours
)

// Rule is one alert rule as written in the alerting YAML.
type Rule struct {
	ID   string `yaml:"id"`
	Type string `yaml:"type"`
	// KPIs the rule watches ("*" or empty: every KPI that has a target; for change rules, every KPI).
	KPIs []string `yaml:"kpis,omitempty"`
	// By lists the dimensions the rule evaluates apart (default [country]); Scope keeps only
	// matching values (e.g. {country: [MX]}).
	By    []string            `yaml:"by,omitempty"`
	Scope map[string][]string `yaml:"scope,omitempty"`
	Grain string              `yaml:"grain,omitempty"` // day (default) or week

	Status  string `yaml:"status,omitempty"`  // consecutive: red (default) or yellow, meaning "at or beyond"
	Periods int    `yaml:"periods,omitempty"` // consecutive: N (default 3); change: 1

	Percent float64 `yaml:"percent,omitempty"` // change: how much worse, in percent
	Compare string  `yaml:"compare,omitempty"` // change: previous (default) or year_ago

	Hours float64 `yaml:"hours,omitempty"` // freshness: age limit (default 26)

	ResolveAfter int     `yaml:"resolve_after,omitempty"` // good periods before resolving (default 2)
	Owner        string  `yaml:"owner,omitempty"`         // contact id
	Escalate     string  `yaml:"escalate,omitempty"`      // contact id to notify when not acknowledged in time
	EscalateIn   float64 `yaml:"escalate_after_hours,omitempty"`
	RepeatHours  float64 `yaml:"repeat_hours,omitempty"` // re-notify a firing alert (default 24; 0 keeps the default, -1 never)
}

var ruleID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Defaults fills the documented defaults.
func (r *Rule) Defaults() {
	if len(r.By) == 0 && r.Type != Freshness {
		r.By = []string{"country"}
	}
	if r.Grain == "" {
		r.Grain = "day"
	}
	if r.Type == Consecutive {
		if r.Status == "" {
			r.Status = string(target.Red)
		}
		if r.Periods == 0 {
			r.Periods = 3
		}
	}
	if r.Type == Change {
		if r.Periods == 0 {
			r.Periods = 1
		}
		if r.Compare == "" {
			r.Compare = "previous"
		}
	}
	if r.Type == Freshness {
		if r.Hours == 0 {
			r.Hours = 26
		}
		r.Status, r.Periods = string(target.Red), 1
		if r.ResolveAfter == 0 {
			r.ResolveAfter = 1
		}
	}
	if r.ResolveAfter == 0 {
		r.ResolveAfter = 2
	}
	if r.RepeatHours == 0 {
		r.RepeatHours = 24
	}
}

// Validate checks a rule after Defaults; errors name the rule and the field.
func (r *Rule) Validate(kpiExists func(string) bool, contactExists func(string) bool) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("rule %s: %s: %s", r.ID, field, fmt.Sprintf(format, args...))
	}
	if !ruleID.MatchString(r.ID) {
		return fmt.Errorf("rule %q: id: lower-case letters, digits, - and _", r.ID)
	}
	switch r.Type {
	case Consecutive:
		if r.Status != string(target.Red) && r.Status != string(target.Yellow) {
			return bad("status", "red or yellow, not %q", r.Status)
		}
		if r.Periods < 1 || r.Periods > 90 {
			return bad("periods", "1-90")
		}
	case Change:
		if r.Percent <= 0 {
			return bad("percent", "must be more than 0")
		}
		if r.Compare != "previous" && r.Compare != "year_ago" {
			return bad("compare", "previous or year_ago, not %q", r.Compare)
		}
		if r.Periods < 1 || r.Periods > 90 {
			return bad("periods", "1-90")
		}
	case Freshness:
		if r.Hours <= 0 {
			return bad("hours", "must be more than 0")
		}
	default:
		return bad("type", "consecutive, change or freshness, not %q", r.Type)
	}
	if r.Grain != "day" && r.Grain != "week" {
		return bad("grain", "day or week, not %q", r.Grain)
	}
	for _, k := range r.KPIs {
		if k != "*" && !kpiExists(k) {
			return bad("kpis", "unknown kpi %q", k)
		}
	}
	for _, b := range r.By {
		if !slices.Contains(target.Dimensions, b) {
			return bad("by", "unknown dimension %q (use %s)", b, strings.Join(target.Dimensions, ", "))
		}
	}
	for d := range r.Scope {
		if !slices.Contains(target.Dimensions, d) {
			return bad("scope", "unknown dimension %q", d)
		}
	}
	if r.ResolveAfter < 1 || r.ResolveAfter > 90 {
		return bad("resolve_after", "1-90")
	}
	if r.Owner != "" && !contactExists(r.Owner) {
		return bad("owner", "unknown contact %q", r.Owner)
	}
	if r.Escalate != "" && !contactExists(r.Escalate) {
		return bad("escalate", "unknown contact %q", r.Escalate)
	}
	if r.Escalate != "" && r.EscalateIn <= 0 {
		return bad("escalate_after_hours", "must be more than 0 when escalate is set")
	}
	return nil
}

// Watches tells whether the rule covers a KPI.
func (r *Rule) Watches(kpi string) bool {
	return len(r.KPIs) == 0 || slices.Contains(r.KPIs, "*") || slices.Contains(r.KPIs, kpi)
}

// Silence mutes notifications for alerts whose scope matches, between From and To.
type Silence struct {
	ID      string              `yaml:"id"`
	KPIs    []string            `yaml:"kpis,omitempty"`
	Scope   map[string][]string `yaml:"scope,omitempty"`
	From    time.Time           `yaml:"from"`
	To      time.Time           `yaml:"to"`
	Comment string              `yaml:"comment,omitempty"`
	By      string              `yaml:"created_by,omitempty"`
}

// Mutes tells whether the silence covers an alert at instant now.
func (s *Silence) Mutes(kpi string, scope map[string]string, now time.Time) bool {
	if now.Before(s.From) || !now.Before(s.To) {
		return false
	}
	if len(s.KPIs) > 0 && !slices.Contains(s.KPIs, kpi) {
		return false
	}
	return matchScope(s.Scope, scope)
}

func matchScope(sel map[string][]string, scope map[string]string) bool {
	for d, vals := range sel {
		if !slices.Contains(vals, scope[d]) {
			return false
		}
	}
	return true
}
