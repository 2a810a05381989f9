package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"pulso/internal/alert"
	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/store"
)

// alertStates are the states the alerts page lists, in order.
var alertStates = []alert.State{alert.Firing, alert.Acknowledged, alert.Resolved}

// alertItem is an alert with what the page shows beside it.
type alertItem struct {
	alert.Alert
	Name string `json:"name"`
	Unit string `json:"unit"`
	row  store.AlertRow
	// Filled by describeAlerts for the pages: the grain of its periods, its owner's name
	// (the alerting configuration's contact), and why it is red: the values of breakdown By
	// that moved the KPI in its breaching periods.
	Grain     string        `json:"-"`
	OwnerName string        `json:"-"`
	RuleType  string        `json:"-"`
	By        string        `json:"-"`
	Why       *whyGroup     `json:"-"`
	WhyLine   template.HTML `json:"-"` // Why's worst breakdown value, rendered on one line
}

// loadAlerts lists the tenant's alerts in the given states that the user may see: KPIs of the
// user's modules, scopes inside the user's.
func (s *server) loadAlerts(ctx context.Context, u *User, lang string, states ...alert.State) ([]alertItem, error) {
	e, err := s.engine(ctx, u.Tenant)
	if err != nil {
		return nil, err
	}
	ss := make([]string, len(states))
	for i, st := range states {
		ss[i] = string(st)
	}
	rows, err := s.cfg.Store.Alerts(ctx, u.Tenant, ss...)
	if err != nil {
		return nil, err
	}
	var out []alertItem
	for _, row := range rows {
		var a alert.Alert
		if err := json.Unmarshal([]byte(row.Body), &a); err != nil {
			return nil, fmt.Errorf("alert %s: %w", row.ID, err)
		}
		a.ID = row.ID
		if !visibleAlert(u, e.Catalog, &a) {
			continue
		}
		it := alertItem{Alert: a, Name: a.KPI, row: row}
		if d, err := e.Catalog.Get(a.KPI); err == nil {
			it.Name, it.Unit = d.Name(lang), d.Unit
		}
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.State != b.State {
			return slices.Index(alertStates, a.State) < slices.Index(alertStates, b.State)
		}
		return a.Since > b.Since
	})
	return out, nil
}

// visibleAlert: the KPI's module is the user's and the alert's scope is inside the user's (an
// alert without a country is not shown to a user restricted to countries).
func visibleAlert(u *User, cat *metric.Catalog, a *alert.Alert) bool {
	module := "data"
	if d, err := cat.Get(a.KPI); err == nil {
		module = d.Module
	}
	return u.Scopes.AllowsKPI(module) && u.Scopes.AllowsScope(a.Scope)
}

// findAlert returns one alert the user may see, or errNotFound.
func (s *server) findAlert(ctx context.Context, u *User, lang, id string) (alertItem, error) {
	items, err := s.loadAlerts(ctx, u, lang, alertStates...)
	if err != nil {
		return alertItem{}, err
	}
	for _, it := range items {
		if it.ID == id {
			return it, nil
		}
	}
	return alertItem{}, errNotFound
}

func scopeString(sc map[string]string) string {
	keys := make([]string, 0, len(sc))
	for k := range sc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = sc[k]
	}
	return strings.Join(parts, " · ")
}

// describeAlerts fills what the alert pages show beside each alert: the grain of its periods
// and its owner's name from the tenant's alerting configuration and, for the alerts in the
// states given, why it is red. Breakdowns are queried once per KPI, grain and scope
// dimensions, inside the user's scopes.
func (s *server) describeAlerts(ctx context.Context, u *User, items []alertItem, explainStates ...alert.State) error {
	if len(items) == 0 {
		return nil
	}
	e, err := s.engine(ctx, u.Tenant)
	if err != nil {
		return err
	}
	cfg, err := monitor.LoadConfig(ctx, s.cfg.Store, u.Tenant, e.Catalog)
	if err != nil {
		// a stored configuration that no longer checks: the alerts still show, without owners
		s.log.Warn("alerting configuration", "tenant", u.Tenant, "err", err)
		cfg = monitor.Config{}
	}
	// Alerts are explained in groups that share a grain, scope dimensions and breakdown: one
	// query for their wholes and one for their parts, every KPI of the group at once (KPIs
	// that read the same records share their statements).
	type groupKey struct{ grain, dims, by string }
	groups := map[groupKey][]int{}
	var order []groupKey
	for i := range items {
		it := &items[i]
		d, _ := e.Catalog.Get(it.KPI)
		module := ""
		if d != nil {
			module = d.Module
		}
		it.Grain = "day"
		if r := cfg.Rule(it.Rule); r != nil {
			it.RuleType = r.Type
			if r.Grain != "" {
				it.Grain = r.Grain
			}
		}
		if d != nil && d.Grain == "quarter" && it.Grain == "day" {
			it.Grain = "90d" // as the monitor reads it
		}
		owner := it.Owner
		if owner == "" {
			owner = cfg.OwnerOf(it.KPI, module, it.Scope, it.Rule)
		}
		if owner != "" {
			it.OwnerName = cfg.ContactName(owner)
		}
		if d == nil || it.RuleType == alert.Freshness || len(it.Periods) == 0 || !slices.Contains(explainStates, it.State) {
			continue
		}
		dims := slices.Sorted(maps.Keys(it.Scope))
		skip := map[string]bool{}
		for _, dim := range dims {
			skip[dim] = true
		}
		by := defaultBreakdown(d, skip)
		if by == "" {
			continue
		}
		k := groupKey{it.Grain, strings.Join(dims, ","), by}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	if len(order) == 0 {
		return nil
	}
	j, err := s.judge(ctx, u.Tenant, e.Catalog)
	if err != nil {
		return err
	}
	f := filters(u, nil)
	for _, k := range order {
		g, err := metric.ParseGrain(k.grain)
		if err != nil {
			continue
		}
		var dims []string
		if k.dims != "" {
			dims = strings.Split(k.dims, ",")
		}
		var kpis []string
		var from, to, partsFrom time.Time
		for _, i := range groups[k] {
			it := items[i]
			if !slices.Contains(kpis, it.KPI) {
				kpis = append(kpis, it.KPI)
			}
			first, err1 := time.Parse(time.DateOnly, it.Periods[0])
			last, err2 := time.Parse(time.DateOnly, it.Periods[len(it.Periods)-1])
			if err1 != nil || err2 != nil {
				continue
			}
			last = g.Periods(last, last)[0].To // a calendar period's last day (a rolling window ends on its label)
			d, _ := e.Catalog.Get(it.KPI)
			need := firstNeeded(g, d.ContributionMethod(it.Target != nil), first)
			if from.IsZero() || first.Before(from) {
				from = first
			}
			if partsFrom.IsZero() || need.Before(partsFrom) {
				partsFrom = need
			}
			if last.After(to) {
				to = last
			}
		}
		if from.IsZero() {
			continue
		}
		// read only the alerts' scopes (their values are inside the user's: visibleAlert)
		gf := cloneFilters(f)
		for _, dim := range dims {
			var vals []string
			for _, i := range groups[k] {
				if v := items[i].Scope[dim]; !slices.Contains(vals, v) {
					vals = append(vals, v)
				}
			}
			if allowed, ok := gf[dim]; ok {
				vals = slices.DeleteFunc(vals, func(v string) bool { return !slices.Contains(allowed, v) })
			}
			gf[dim] = vals
		}
		q := metric.Query{Tenant: u.Tenant, KPIs: kpis, Grain: g, From: from, To: to, By: dims, Filters: cloneFilters(gf), AsOf: s.today()}
		wholes, err := e.Eval(ctx, q)
		if err != nil {
			return err
		}
		wholes = keepRows(u, wholes, gf)
		j.rows(wholes, f) // judged as the monitor and the KPI page judge them: by their own scope
		q.From, q.By, q.Filters = partsFrom, append(slices.Clone(dims), k.by), cloneFilters(gf)
		parts, err := e.Eval(ctx, q)
		if err != nil {
			return err
		}
		parts = keepRows(u, parts, gf)
		wholeOf, partsOf := map[string][]metric.Row{}, map[string][]metric.Row{}
		for _, r := range wholes {
			wholeOf[r.KPI] = append(wholeOf[r.KPI], r)
		}
		for _, r := range parts {
			partsOf[r.KPI] = append(partsOf[r.KPI], r)
		}
		for _, i := range groups[k] {
			it := &items[i]
			d, _ := e.Catalog.Get(it.KPI)
			why := explain(d, g, k.by, wholeOf[it.KPI], partsOf[it.KPI], map[string][]string{scopeKey(it.Scope): it.Periods})
			if len(why) == 1 {
				it.Why, it.By = &why[0], k.by
			}
		}
	}
	return nil
}
