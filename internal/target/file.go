package target

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"go.yaml.in/yaml/v3"
)

// Entry is one target version as written in a targets YAML file.
type Entry struct {
	KPI           string            `yaml:"kpi"`
	Scope         map[string]string `yaml:"scope,omitempty"`
	Target        *float64          `yaml:"target"` // null retires the scope's target
	Yellow        float64           `yaml:"yellow"`
	EffectiveFrom string            `yaml:"effective_from,omitempty"` // YYYY-MM-DD, default: today
	Event         string            `yaml:"event,omitempty"`
	Note          string            `yaml:"note,omitempty"`
}

// ParseFile reads a YAML list of target entries. Errors name the entry and field.
func ParseFile(src []byte, today time.Time, kpiExists, eventExists func(string) bool) ([]Target, error) {
	var es []Entry
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&es); err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	out := make([]Target, 0, len(es))
	for i, e := range es {
		bad := func(field, format string, args ...any) error {
			return fmt.Errorf("targets: entry %d (%s): %s: %s", i+1, e.KPI, field, fmt.Sprintf(format, args...))
		}
		if !kpiExists(e.KPI) {
			return nil, bad("kpi", "unknown kpi %q", e.KPI)
		}
		if err := Scope(e.Scope).Validate(); err != nil {
			return nil, bad("scope", "%v", err)
		}
		if e.Target != nil && (math.IsNaN(*e.Target) || math.IsInf(*e.Target, 0)) {
			return nil, bad("target", "must be a finite number, got %v", *e.Target)
		}
		if math.IsNaN(e.Yellow) || math.IsInf(e.Yellow, 0) {
			return nil, bad("yellow", "must be a finite number, got %v", e.Yellow)
		}
		if e.Yellow < 0 {
			return nil, bad("yellow", "must not be negative")
		}
		from := today
		if e.EffectiveFrom != "" {
			d, err := time.Parse(time.DateOnly, e.EffectiveFrom)
			if err != nil {
				return nil, bad("effective_from", "want YYYY-MM-DD, got %q", e.EffectiveFrom)
			}
			from = d
		}
		if e.Event != "" && !eventExists(e.Event) {
			return nil, bad("event", "unknown calendar event %q", e.Event)
		}
		out = append(out, Target{KPI: e.KPI, Scope: Scope(e.Scope), Value: e.Target, Yellow: e.Yellow,
			EffectiveFrom: from, Event: e.Event, Source: "user", Note: e.Note})
	}
	return out, nil
}
