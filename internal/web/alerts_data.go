package web

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"pulso/internal/alert"
	"pulso/internal/metric"
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
