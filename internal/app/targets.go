package app

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"time"

	"pulso/internal/calendar"
	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/store"
	"pulso/internal/target"
)

func toRows(ts []target.Target, by string) []store.TargetRow {
	rows := make([]store.TargetRow, len(ts))
	for i, t := range ts {
		rows[i] = store.TargetRow{KPI: t.KPI, Scope: t.Scope, Event: t.Event, Value: t.Value, Yellow: t.Yellow,
			EffectiveFrom: t.EffectiveFrom, Source: t.Source, Note: t.Note, CreatedBy: by}
	}
	return rows
}

func eventIDs(cal *calendar.Calendar) map[string]bool {
	ids := map[string]bool{}
	for _, c := range calendar.Countries() {
		for _, d := range cal.Days(c, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)) {
			ids[d.ID] = true
		}
	}
	return ids
}

// ApplyTargets adds the target versions of a YAML file (docs/targets.md) to the tenant's.
func ApplyTargets(ctx context.Context, dsn, tenant, path, by string, today time.Time) (int, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	cat, err := Catalog(ctx, st, tenant)
	if err != nil {
		return 0, err
	}
	cal, err := calendar.New()
	if err != nil {
		return 0, err
	}
	ids := eventIDs(cal)
	ts, err := target.ParseFile(src, today, func(id string) bool { _, err := cat.Get(id); return err == nil }, func(e string) bool { return ids[e] })
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return len(ts), st.AddTargets(ctx, tenant, toRows(ts, by))
}

// ApplyPlatformTemplate adds the platform reputation lines as targets scoped to platform and
// country (from today on).
func ApplyPlatformTemplate(ctx context.Context, dsn, tenant, platform, by string, today time.Time) (int, error) {
	rs, err := target.Reputations()
	if err != nil {
		return 0, err
	}
	var pick []target.Reputation
	for _, r := range rs {
		if platform == "all" || r.Platform == platform {
			pick = append(pick, r)
		}
	}
	if len(pick) == 0 {
		return 0, fmt.Errorf("no reputation lines for platform %q (use mercadolibre, amazon, shopee or all)", platform)
	}
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	ts := target.Template(pick, today)
	return len(ts), st.AddTargets(ctx, tenant, toRows(ts, by))
}

// TargetLine is one row of `pulso target list`.
type TargetLine struct {
	KPI           string            `json:"kpi"`
	Scope         map[string]string `json:"scope"`
	Event         string            `json:"event,omitempty"`
	Target        *float64          `json:"target"`
	Yellow        float64           `json:"yellow"`
	EffectiveFrom string            `json:"effective_from"`
	Source        string            `json:"source"`
	Note          string            `json:"note,omitempty"`
	Unit          string            `json:"unit"`
}

// ListTargets lists the template's targets and every stored version, by KPI.
func ListTargets(ctx context.Context, dsn, tenant, kpi string) ([]TargetLine, error) {
	st, err := OpenReader(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	cat, err := Catalog(ctx, st, tenant)
	if err != nil {
		return nil, err
	}
	stored, err := st.Targets(ctx, tenant)
	if err != nil {
		return nil, err
	}
	set := monitor.TargetSet(cat, stored)
	var out []TargetLine
	for _, d := range cat.All() {
		if kpi != "" && d.ID != kpi {
			continue
		}
		for _, t := range set.Versions(d.ID) {
			out = append(out, TargetLine{KPI: d.ID, Scope: t.Scope, Event: t.Event, Target: t.Value, Yellow: t.Yellow,
				EffectiveFrom: t.EffectiveFrom.Format(time.DateOnly), Source: t.Source, Note: t.Note, Unit: d.Unit})
		}
	}
	if kpi != "" && len(out) == 0 {
		if _, err := cat.Get(kpi); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SuggestTargets proposes a baseline per scope from the last weeks' values of a KPI.
func SuggestTargets(ctx context.Context, dsn, tenant, kpi string, weeks int, by []string, asOf time.Time) ([]target.Suggestion, *metric.Definition, error) {
	st, err := OpenReader(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	e, err := NewEngine(ctx, st, tenant)
	if err != nil {
		return nil, nil, err
	}
	d, err := e.Catalog.Get(kpi)
	if err != nil {
		return nil, nil, err
	}
	// The last complete ISO weeks before asOf.
	lastSunday := asOf.AddDate(0, 0, -int(asOf.Weekday()))
	if asOf.Weekday() == time.Sunday {
		lastSunday = asOf.AddDate(0, 0, -7)
	}
	from := lastSunday.AddDate(0, 0, 1-7*weeks)
	rows, err := e.Eval(ctx, metric.Query{Tenant: tenant, KPIs: []string{kpi}, Grain: metric.Grain{Name: "week"},
		From: from, To: lastSunday, By: by, AsOf: asOf})
	if err != nil {
		return nil, nil, err
	}
	vals := map[string][]float64{}
	scopes := map[string]map[string]string{}
	for _, r := range rows {
		if r.Value == nil || r.Provisional {
			continue
		}
		k := scopeKey(r.Scope)
		vals[k] = append(vals[k], *r.Value)
		scopes[k] = r.Scope
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []target.Suggestion
	for _, k := range keys {
		s, ok := target.Suggest(vals[k], d.Direction == "up")
		if ok {
			s.Scope = scopes[k]
			digits := 2.0 // a suggestion is a round number a person can own
			if d.Unit == "percent" {
				digits = 4
			}
			p := math.Pow(10, digits)
			s.Target, s.YellowEdge = math.Round(s.Target*p)/p, math.Round(s.YellowEdge*p)/p
			out = append(out, s)
		}
	}
	return out, d, nil
}

func scopeKey(s map[string]string) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for _, k := range keys {
		out += k + "=" + s[k] + ","
	}
	return out
}

// Standing is one line of `pulso reputation`.
type Standing struct {
	Platform, Country, Metric, KPI, Window string
	Value                                  *float64
	target.Standing
	// Reported is what the platform itself last reported for the metric (platform_scores),
	// per store, shown beside Pulso's own figure.
	Reported map[string]float64
}

// reported reads the platform's own latest figures before asOf: country → metric → store → value.
func reported(ctx context.Context, st store.Store, tenant, platform string, asOf time.Time) (map[string]map[string]map[string]float64, error) {
	rows, err := st.DB().QueryContext(ctx, `SELECT country, metric, store, value FROM platform_scores
		WHERE tenant_id = $1 AND platform = $2 AND date = (SELECT max(date) FROM platform_scores
			WHERE tenant_id = $1 AND platform = $2 AND date < CAST($3 AS DATE))`, tenant, platform, asOf.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("read platform_scores: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]map[string]float64{}
	for rows.Next() {
		var c, m, s string
		var v float64
		if err := rows.Scan(&c, &m, &s, &v); err != nil {
			return nil, err
		}
		if out[c] == nil {
			out[c] = map[string]map[string]float64{}
		}
		if out[c][m] == nil {
			out[c][m] = map[string]float64{}
		}
		out[c][m][s] = v
	}
	return out, rows.Err()
}

// Reputation computes each platform's account-health metrics over their windows ending the
// day before asOf, and where each stands among the platform's levels.
func Reputation(ctx context.Context, dsn, tenant string, asOf time.Time) ([]Standing, error) {
	rs, err := target.Reputations()
	if err != nil {
		return nil, err
	}
	st, err := OpenReader(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	e, err := NewEngine(ctx, st, tenant)
	if err != nil {
		return nil, err
	}
	day := asOf.AddDate(0, 0, -1)
	var out []Standing
	for _, r := range rs {
		rep, err := reported(ctx, st, tenant, r.Platform, asOf)
		if err != nil {
			return nil, err
		}
		for _, m := range r.Metrics {
			g, err := metric.ParseGrain(r.WindowOf(m))
			if err != nil {
				return nil, err
			}
			rows, err := e.Eval(ctx, metric.Query{Tenant: tenant, KPIs: []string{m.KPI}, Grain: g, From: day, To: day,
				By: []string{"country"}, Filters: map[string][]string{"platform": {r.Platform}}, AsOf: asOf})
			if err != nil {
				return nil, err
			}
			for _, row := range rows {
				bounds, ok := r.Sites[row.Scope["country"]][m.Metric]
				if !ok || row.Value == nil {
					continue
				}
				said := rep[row.Scope["country"]][m.Metric] // the platform's name, or with _rate
				if said == nil {
					said = rep[row.Scope["country"]][m.Metric+"_rate"]
				}
				out = append(out, Standing{Platform: r.Platform, Country: row.Scope["country"], Metric: m.Metric, KPI: m.KPI,
					Window: r.WindowOf(m), Value: row.Value, Standing: target.Stand(r.Levels, bounds, *row.Value), Reported: said})
			}
		}
	}
	return out, nil
}
