package monitor

import (
	"time"

	"pulso/internal/metric"
	"pulso/internal/store"
	"pulso/internal/target"
)

// templateFrom is when the template's targets take effect: before any data.
var templateFrom = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// TargetSet joins the template's default targets (kpi-dictionary, with its country overrides)
// and the tenant's stored versions, which win by being more specific or newer.
func TargetSet(cat *metric.Catalog, stored []store.TargetRow) *target.Set {
	var ts []target.Target
	for _, d := range cat.All() {
		if d.Target == nil || d.Target.Value == nil {
			continue
		}
		v := *d.Target.Value
		ts = append(ts, target.Target{KPI: d.ID, Value: &v, Yellow: d.Target.Yellow, EffectiveFrom: templateFrom, Source: "template"})
		for c, cv := range d.Target.Countries {
			cv := cv
			ts = append(ts, target.Target{KPI: d.ID, Scope: target.Scope{"country": c}, Value: &cv, Yellow: d.Target.Yellow,
				EffectiveFrom: templateFrom, Source: "template"})
		}
	}
	for _, r := range stored {
		ts = append(ts, target.Target{KPI: r.KPI, Scope: r.Scope, Value: r.Value, Yellow: r.Yellow,
			EffectiveFrom: r.EffectiveFrom, Event: r.Event, Source: r.Source, Note: r.Note})
	}
	return target.NewSet(ts)
}

// EventsFunc lists the calendar events active in a country on a day (ids, e.g. "buen_fin").
type EventsFunc func(country string, day time.Time) []string

// Judge fills Status and Target of KPI rows. filters with one value count as scope (a query
// filtered to Mexico is judged by Mexico's targets).
func Judge(rows []metric.Row, cat *metric.Catalog, set *target.Set, events EventsFunc, filters map[string][]string) {
	for i := range rows {
		r := &rows[i]
		d, err := cat.Get(r.KPI)
		if err != nil {
			continue
		}
		scope := ScopeOf(*r, filters)
		day, err := time.Parse(time.DateOnly, r.Period)
		if err != nil {
			continue
		}
		var ev []string
		if events != nil && scope["country"] != "" {
			ev = events(scope["country"], day)
		}
		t := set.Resolve(r.KPI, scope, day, ev)
		r.Status = string(target.Judge(r.Value, t, d.Direction == "up"))
		if t != nil {
			v := *t.Value
			r.Target = &v
		}
	}
}

// ScopeOf is the scope a row's target is resolved in: its breakdown values, plus every filter
// that keeps one value.
func ScopeOf(r metric.Row, filters map[string][]string) target.Scope {
	scope := target.Scope{}
	for k, vals := range filters {
		if len(vals) == 1 {
			scope[k] = vals[0]
		}
	}
	for k, v := range r.Scope {
		scope[k] = v
	}
	return scope
}
