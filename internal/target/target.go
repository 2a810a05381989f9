// Package target holds KPI targets — per scope, versioned by effective date, optionally bound to
// a calendar event — and judges values green, yellow or red against them. Pure functions only.
package target

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Dimensions a target scope may name, in tie-break order: when two targets name the same
// number of dimensions, the one whose first differing dimension comes earlier here wins
// (a store is more specific than a category, a category more than a carrier, ...).
var Dimensions = []string{"store", "platform", "category", "warehouse", "carrier", "country"}

// Scope names dimension values; an empty scope applies everywhere.
type Scope map[string]string

// Key is the canonical text of a scope ("country=MX,platform=amazon"), "" for everywhere.
func (s Scope) Key() string {
	parts := make([]string, 0, len(s))
	for _, d := range Dimensions {
		if v, ok := s[d]; ok {
			parts = append(parts, d+"="+v)
		}
	}
	return strings.Join(parts, ",")
}

// Validate checks the dimension names.
func (s Scope) Validate() error {
	for d, v := range s {
		if !slices.Contains(Dimensions, d) {
			return fmt.Errorf("unknown scope dimension %q (use %s)", d, strings.Join(Dimensions, ", "))
		}
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("scope %s has no value", d)
		}
	}
	return nil
}

// Matches tells whether the target scope applies to a value's scope: every dimension the
// target names must be present with the same value.
func (s Scope) Matches(of Scope) bool {
	for d, v := range s {
		if of[d] != v {
			return false
		}
	}
	return true
}

// rank orders scopes from most to least specific: more dimensions first, then by the tie order.
func (s Scope) rank() []int {
	r := []int{-len(s)}
	for i, d := range Dimensions {
		if _, ok := s[d]; ok {
			r = append(r, i)
		}
	}
	return r
}

// Target is one version of a KPI's target for a scope.
type Target struct {
	KPI   string
	Scope Scope
	// Value is the target; nil retires the scope's target from EffectiveFrom on.
	Value  *float64
	Yellow float64 // margin beyond Value that is still yellow
	// EffectiveFrom is the first local date this version judges; a period is judged by the
	// version in force on its first day.
	EffectiveFrom time.Time
	// Event binds a seasonal target to a calendar event id (e.g. "buen_fin"): it applies to
	// periods that start on a day of that event, and beats the plain target of its scope.
	Event  string
	Source string // template, platform, suggest, user
	Note   string
}

// Status is a value's colour against its target.
type Status string

const (
	Green  Status = "green"
	Yellow Status = "yellow"
	Red    Status = "red"
	None   Status = "none" // no value or no target
)

// Severity orders statuses for "at or beyond" comparisons: none < green < yellow < red.
func (s Status) Severity() int {
	switch s {
	case Green:
		return 1
	case Yellow:
		return 2
	case Red:
		return 3
	}
	return 0
}

// Judge colours a value: green where it meets the target, yellow where it misses by no more
// than the yellow margin, red beyond. up tells whether higher is better.
func Judge(value *float64, t *Target, up bool) Status {
	if value == nil || t == nil || t.Value == nil || math.IsNaN(*value) {
		return None
	}
	v, goal := *value, *t.Value
	eps := 1e-9 * math.Max(1, math.Abs(goal)) // 0.06 computed as 3/50 is still "up to 6 %"
	miss := goal - v
	if !up {
		miss = v - goal
	}
	switch {
	case miss <= eps:
		return Green
	case miss <= t.Yellow+eps:
		return Yellow
	}
	return Red
}

// Set is every target version of a tenant.
type Set struct {
	byKPI map[string][]Target
}

// NewSet indexes targets by KPI.
func NewSet(ts []Target) *Set {
	s := &Set{byKPI: map[string][]Target{}}
	for _, t := range ts {
		s.byKPI[t.KPI] = append(s.byKPI[t.KPI], t)
	}
	return s
}

// Resolve returns the target that judges a KPI's value for a scope and a period starting on
// day, given the calendar events active on that day. Among the targets whose scope matches:
// the most specific scope wins (Dimensions gives the tie order); within it an event-bound
// target for an active event beats a plain one; and of the versions left, the latest
// effective on day. A retired version (nil Value) means no target.
func (s *Set) Resolve(kpi string, scope Scope, day time.Time, events []string) *Target {
	var cands []Target
	for _, t := range s.byKPI[kpi] {
		if !t.Scope.Matches(scope) || t.EffectiveFrom.After(day) {
			continue
		}
		if t.Event != "" && !slices.Contains(events, t.Event) {
			continue
		}
		cands = append(cands, t)
	}
	if len(cands) == 0 {
		return nil
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if c := slices.Compare(a.Scope.rank(), b.Scope.rank()); c != 0 {
			return c < 0
		}
		if (a.Event != "") != (b.Event != "") {
			return a.Event != ""
		}
		return a.EffectiveFrom.After(b.EffectiveFrom)
	})
	best := cands[0]
	if best.Value == nil {
		return nil
	}
	return &best
}

// Versions returns every version of a KPI's targets, by scope (in Key order) and then oldest
// first: the history a targets page or `pulso target list` shows.
func (s *Set) Versions(kpi string) []Target {
	out := append([]Target(nil), s.byKPI[kpi]...)
	sort.SliceStable(out, func(i, j int) bool {
		if ki, kj := out[i].Scope.Key(), out[j].Scope.Key(); ki != kj {
			return ki < kj
		}
		return out[i].EffectiveFrom.Before(out[j].EffectiveFrom)
	})
	return out
}
