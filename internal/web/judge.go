package web

import (
	"context"
	"time"

	"pulso/internal/calendar"
	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/target"
)

// judge colours KPI values against the tenant's targets (template defaults and stored
// versions), with the calendar's events for seasonal targets.
type judge struct {
	cat  *metric.Catalog
	set  *target.Set
	cal  *calendar.Calendar
	seen map[string][]string // events by country and day: the calendar computes them from rules
}

func (s *server) judge(ctx context.Context, tenant string, cat *metric.Catalog) (*judge, error) {
	stored, err := s.cfg.Store.Targets(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return &judge{cat: cat, set: monitor.TargetSet(cat, stored), cal: s.cfg.Calendar, seen: map[string][]string{}}, nil
}

// events lists the calendar events active in a country on a day. A judge is used by one
// goroutine at a time.
func (j *judge) events(country string, day time.Time) []string {
	key := country + day.Format(time.DateOnly)
	if ids, ok := j.seen[key]; ok {
		return ids
	}
	var ids []string
	for _, d := range j.cal.Active(country, day) {
		ids = append(ids, d.ID)
	}
	j.seen[key] = ids
	return ids
}

// rows fills Status and Target.
func (j *judge) rows(rows []metric.Row, f map[string][]string) {
	monitor.Judge(rows, j.cat, j.set, j.events, f)
}

// band returns the target of a row and the edge of its yellow margin (nil when no target).
func (j *judge) band(r metric.Row, f map[string][]string) (tgt, edge *float64) {
	d, err := j.cat.Get(r.KPI)
	if err != nil {
		return nil, nil
	}
	scope := monitor.ScopeOf(r, f)
	day, err := time.Parse(time.DateOnly, r.Period)
	if err != nil {
		return nil, nil
	}
	var ev []string
	if scope["country"] != "" {
		ev = j.events(scope["country"], day)
	}
	t := j.set.Resolve(r.KPI, scope, day, ev)
	if t == nil || t.Value == nil {
		return nil, nil
	}
	v := *t.Value
	e := v - t.Yellow
	if d.Direction == "down" {
		e = v + t.Yellow
	}
	return &v, &e
}
