package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"sort"
	"strings"
	"time"

	"pulso/internal/target"
)

// State is an alert's place in its lifecycle.
type State string

const (
	Pending      State = "pending"      // breaching, not yet for enough periods
	Firing       State = "firing"       // breaching for enough periods: the owner is told
	Acknowledged State = "acknowledged" // an owner took it: no repeats, no escalation
	Resolved     State = "resolved"     // good again for ResolveAfter periods
)

// Point is one period of a KPI series for one scope.
type Point struct {
	Period      string // first local day, YYYY-MM-DD
	Value       *float64
	Target      *float64
	Status      target.Status
	Provisional bool
	Base        *float64 // change rules: the value compared against (previous period, or a year ago)
}

// Series is what a rule judges: one KPI in one scope, oldest period first.
type Series struct {
	KPI    string
	Scope  map[string]string
	Up     bool // higher is better
	Points []Point
}

// Alert is the state of one rule × KPI × scope.
type Alert struct {
	ID          string            `json:"id"`
	Fingerprint string            `json:"fingerprint"`
	Rule        string            `json:"rule"`
	KPI         string            `json:"kpi"`
	Scope       map[string]string `json:"scope"`
	State       State             `json:"state"`
	Since       string            `json:"since"`   // first breaching period
	Periods     []string          `json:"periods"` // the breaching periods
	Values      []*float64        `json:"values"`
	Target      *float64          `json:"target"`
	Owner       string            `json:"owner"`
	FiredAt     time.Time         `json:"fired_at,omitzero"`
	NotifiedAt  time.Time         `json:"notified_at,omitzero"`
	Escalated   bool              `json:"escalated,omitempty"`
	AckBy       string            `json:"acknowledged_by,omitempty"`
	AckAt       time.Time         `json:"acknowledged_at,omitzero"`
	ResolvedAt  time.Time         `json:"resolved_at,omitzero"`
	Silenced    bool              `json:"silenced,omitempty"`
}

// Fingerprint identifies an alert across evaluations: the same rule, KPI and scope.
func Fingerprint(rule, kpi string, scope map[string]string) string {
	keys := make([]string, 0, len(scope))
	for k := range scope {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(rule + "\x00" + kpi)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + scope[k])
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:12])
}

// Event is something to tell a contact.
type Event string

const (
	EventFired     Event = "fired"
	EventRepeat    Event = "repeat"
	EventEscalated Event = "escalated"
	EventResolved  Event = "resolved"
)

// assess returns the breaching points at the end of the series and the number of good
// settled periods at its end. Provisional periods never count; periods without a value
// (status none) neither break nor extend a run.
func assess(r *Rule, s Series) (breach []Point, good int) {
	bad := func(p Point) (isBad, known bool) {
		switch r.Type {
		case Consecutive, Freshness:
			if p.Status == target.None {
				return false, false
			}
			return p.Status.Severity() >= target.Status(r.Status).Severity(), true
		case Change:
			if p.Value == nil || p.Base == nil || *p.Base == 0 {
				return false, false
			}
			delta := (*p.Value - *p.Base) / math.Abs(*p.Base) * 100
			if s.Up {
				delta = -delta
			}
			return delta >= r.Percent, true
		}
		return false, false
	}
	counting := 0 // 0 undecided, 1 counting breaches, 2 counting good periods
	for i := len(s.Points) - 1; i >= 0; i-- {
		p := s.Points[i]
		if p.Provisional {
			continue
		}
		isBad, known := bad(p)
		if !known {
			continue
		}
		switch {
		case counting == 0 && isBad, counting == 1 && isBad:
			counting = 1
			breach = append(breach, p)
		case counting == 0 && !isBad, counting == 2 && !isBad:
			counting = 2
			good++
		default:
			i = -1 // the run at the end is over
		}
	}
	for i, j := 0, len(breach)-1; i < j; i, j = i+1, j-1 {
		breach[i], breach[j] = breach[j], breach[i]
	}
	return breach, good
}

// Step moves an alert through its lifecycle for one evaluation at instant now. prev is the
// stored alert (nil if none); the result is nil when nothing is to be kept.
func Step(prev *Alert, r *Rule, s Series, now time.Time) (*Alert, []Event) {
	breach, good := assess(r, s)
	active := len(breach) >= r.Periods
	fp := Fingerprint(r.ID, s.KPI, s.Scope)
	fill := func(a *Alert) {
		if len(breach) == 0 {
			return
		}
		a.Since = breach[0].Period
		a.Periods, a.Values = nil, nil
		for _, p := range breach {
			a.Periods = append(a.Periods, p.Period)
			a.Values = append(a.Values, p.Value)
		}
		a.Target = breach[len(breach)-1].Target
	}
	switch {
	case prev == nil || prev.State == Resolved:
		if len(breach) == 0 {
			return prev, nil
		}
		a := &Alert{Fingerprint: fp, Rule: r.ID, KPI: s.KPI, Scope: s.Scope, Owner: r.Owner, State: Pending}
		fill(a)
		if !active {
			return a, nil
		}
		a.State, a.FiredAt, a.NotifiedAt = Firing, now, now
		return a, []Event{EventFired}
	case prev.State == Pending:
		if len(breach) == 0 {
			return nil, nil
		}
		a := *prev
		fill(&a)
		if !active {
			return &a, nil
		}
		a.State, a.FiredAt, a.NotifiedAt = Firing, now, now
		return &a, []Event{EventFired}
	}
	// Firing or acknowledged.
	a := *prev
	if len(breach) > 0 {
		periods := a.Since
		fill(&a)
		if periods != "" && periods < a.Since {
			a.Since = periods // the alert started earlier; keep its start
		}
	}
	if good >= r.ResolveAfter {
		a.State, a.ResolvedAt = Resolved, now
		return &a, []Event{EventResolved}
	}
	if a.State != Firing {
		return &a, nil
	}
	var ev []Event
	if r.RepeatHours > 0 && now.Sub(a.NotifiedAt) >= time.Duration(r.RepeatHours*float64(time.Hour)) {
		a.NotifiedAt = now
		ev = append(ev, EventRepeat)
	}
	if r.Escalate != "" && !a.Escalated && now.Sub(a.FiredAt) >= time.Duration(r.EscalateIn*float64(time.Hour)) {
		a.Escalated = true
		ev = append(ev, EventEscalated)
	}
	return &a, ev
}

// Acknowledge marks a firing alert as taken by who.
func Acknowledge(a *Alert, who string, now time.Time) bool {
	if a.State != Firing {
		return false
	}
	a.State, a.AckBy, a.AckAt = Acknowledged, who, now
	return true
}
