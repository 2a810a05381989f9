package monitor

import (
	"context"
	"log/slog"
	"sort"
	"time"
)

// Run is one scheduled evaluation: a country's morning.
type Run struct {
	Country string
	At      time.Time // the instant to run (Hour o'clock local time)
	AsOf    time.Time // the country's local date at that instant (UTC midnight of it)
}

// NextRuns returns, for each country, its next Hour o'clock local time after now, soonest first.
func NextRuns(now time.Time, countries []string, hour int, zone func(country string) *time.Location) []Run {
	out := make([]Run, 0, len(countries))
	for _, c := range countries {
		loc := zone(c)
		l := now.In(loc)
		at := time.Date(l.Year(), l.Month(), l.Day(), hour, 0, 0, 0, loc)
		if !at.After(now) {
			at = time.Date(l.Year(), l.Month(), l.Day()+1, hour, 0, 0, 0, loc)
		}
		d := at.In(loc)
		out = append(out, Run{Country: c, At: at, AsOf: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// ForCountry narrows a configuration to one country: rules that evaluate by country keep only
// that country's scope; freshness rules are kept as they are.
func (c Config) ForCountry(country string) Config {
	out := c
	out.Rules = nil
	for _, r := range c.Rules {
		if r.Type != "freshness" {
			r.Scope = mergeScope(r.Scope, "country", country)
			if vals, ok := r.Scope["country"]; ok && len(vals) == 0 {
				continue // the rule watches other countries only
			}
		}
		out.Rules = append(out.Rules, r)
	}
	return out
}

func mergeScope(s map[string][]string, dim, value string) map[string][]string {
	out := make(map[string][]string, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	if vals, ok := s[dim]; ok {
		keep := []string{}
		for _, v := range vals {
			if v == value {
				keep = append(keep, v)
			}
		}
		out[dim] = keep
		return out
	}
	out[dim] = []string{value}
	return out
}

// Schedule runs fn at Hour o'clock in each country's local time until ctx ends. now and sleep
// are injectable for tests; fn errors are logged, not fatal.
type Schedule struct {
	Countries func(ctx context.Context) []string
	Zone      func(country string) *time.Location
	Hour      int
	Now       func() time.Time
	Sleep     func(ctx context.Context, d time.Duration) bool // false when ctx ended
	Log       *slog.Logger
}

// Loop blocks until ctx ends.
func (s *Schedule) Loop(ctx context.Context, fn func(ctx context.Context, r Run) error) {
	for {
		runs := NextRuns(s.Now(), s.Countries(ctx), s.Hour, s.Zone)
		if len(runs) == 0 {
			if !s.Sleep(ctx, time.Hour) {
				return
			}
			continue
		}
		next := runs[0]
		if !s.Sleep(ctx, next.At.Sub(s.Now())) {
			return
		}
		if err := fn(ctx, next); err != nil && s.Log != nil {
			s.Log.Error("scheduled evaluation failed", "country", next.Country, "as_of", next.AsOf.Format(time.DateOnly), "err", err)
		}
	}
}

// SleepCtx sleeps for d or until ctx ends.
func SleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
