package monitor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"pulso/internal/alert"
	"pulso/internal/i18n"
	"pulso/internal/metric"
	"pulso/internal/notify"
	"pulso/internal/outbox"
	"pulso/internal/store"
	"pulso/internal/target"
)

// Monitor evaluates one tenant's rules.
type Monitor struct {
	Store   store.Store
	Engine  *metric.Engine
	Targets *target.Set
	Events  EventsFunc
	Bundle  *i18n.Bundle
	Now     func() time.Time
	Log     *slog.Logger
}

// Result sums up one evaluation.
type Result struct {
	Fired, Resolved, Repeated, Escalated int
	Open                                 int // firing or acknowledged after the evaluation
	Pending                              int
	Messages                             int // queued in the outbox
	Silenced                             int // events not sent because a silence covers them
}

// LoadConfig returns the tenant's alerting configuration, or the default.
func LoadConfig(ctx context.Context, st store.Store, tenant string, cat *metric.Catalog) (Config, error) {
	body, err := st.Setting(ctx, tenant, SettingName)
	if errors.Is(err, store.ErrNotFound) {
		c := Default()
		return c, c.Validate(func(id string) bool { _, err := cat.Get(id); return err == nil })
	}
	if err != nil {
		return Config{}, err
	}
	return ParseConfig([]byte(body), func(id string) bool { _, err := cat.Get(id); return err == nil })
}

func (m *Monitor) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

type pending struct {
	alert  *alert.Alert
	rule   *alert.Rule
	events []alert.Event
	unit   string
}

// Evaluate runs every rule for the tenant as of a date (the evaluation day: periods up to
// the day before are judged, and provisional ones never count), stores the alerts and queues
// the messages. Evaluating again for the same date changes nothing and sends nothing twice.
func (m *Monitor) Evaluate(ctx context.Context, tenant string, cfg Config, asOf time.Time) (Result, error) {
	var res Result
	now := m.now()
	open, err := m.Store.Alerts(ctx, tenant, string(alert.Pending), string(alert.Firing), string(alert.Acknowledged))
	if err != nil {
		return res, err
	}
	prev := map[string]*alert.Alert{}
	for _, row := range open {
		var a alert.Alert
		if err := json.Unmarshal([]byte(row.Body), &a); err != nil {
			return res, fmt.Errorf("alert %s: %w", row.ID, err)
		}
		a.ID = row.ID
		prev[a.Fingerprint] = &a
	}
	var out []pending
	var drop []string
	seen := map[string]bool{}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		series, units, err := m.series(ctx, tenant, r, asOf)
		if err != nil {
			return res, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		for _, s := range series {
			fp := alert.Fingerprint(r.ID, s.KPI, s.Scope)
			seen[fp] = true
			p := prev[fp]
			a, ev := alert.Step(p, r, s, now)
			switch {
			case a == nil && p == nil:
				continue
			case a == nil: // a pending alert whose breach cleared
				drop = append(drop, p.ID)
				continue
			case p == nil: // a new alert instance
				a.ID = a.Fingerprint + "-" + a.Since
				a.Owner = cfg.owner(s.KPI, m.module(s.KPI), s.Scope, r.Owner)
			}
			out = append(out, pending{alert: a, rule: r, events: ev, unit: units[s.KPI]})
		}
	}
	var save []store.AlertRow
	var msgs []notify.Message
	groups := map[string][]pending{}
	for _, p := range out {
		a := p.alert
		muted := false
		for _, s := range cfg.Silences {
			if s.Mutes(a.KPI, a.Scope, now) {
				muted = true
			}
		}
		a.Silenced = muted
		for _, ev := range p.events {
			switch ev {
			case alert.EventFired:
				res.Fired++
			case alert.EventResolved:
				res.Resolved++
			case alert.EventRepeat:
				res.Repeated++
			case alert.EventEscalated:
				res.Escalated++
			}
			if muted {
				res.Silenced++
				continue
			}
			to := a.Owner
			if ev == alert.EventEscalated {
				to = p.rule.Escalate
			}
			if to != "" {
				groups[to] = append(groups[to], pending{alert: a, rule: p.rule, events: []alert.Event{ev}, unit: p.unit})
			}
		}
		body, err := json.Marshal(a)
		if err != nil {
			return res, err
		}
		save = append(save, store.AlertRow{ID: a.ID, Fingerprint: a.Fingerprint, State: string(a.State), KPI: a.KPI, Body: string(body)})
		switch a.State {
		case alert.Firing, alert.Acknowledged:
			res.Open++
		case alert.Pending:
			res.Pending++
		}
	}
	// Open alerts whose series vanished (a rule or KPI removed) are left as they are.
	for fp, a := range prev {
		if !seen[fp] && (a.State == alert.Firing || a.State == alert.Acknowledged) {
			res.Open++
		}
	}
	contacts := make([]string, 0, len(groups))
	for c := range groups {
		contacts = append(contacts, c)
	}
	sort.Strings(contacts)
	for _, c := range contacts {
		msg, ok := m.message(tenant, cfg, c, groups[c])
		if ok {
			msgs = append(msgs, msg)
		}
	}
	// The alerts and the messages about them commit together: an alert stored as fired
	// without its message would never be told (the next evaluation sees it fired already).
	tx, err := m.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("store alerts: begin: %w", err)
	}
	defer tx.Rollback()
	if err := store.SaveAlertsTx(ctx, tx, tenant, save, drop); err != nil {
		return res, err
	}
	if len(msgs) > 0 {
		if err := outbox.Enqueue(ctx, tx, msgs...); err != nil {
			return res, fmt.Errorf("queue messages: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("store alerts and messages: %w", err)
	}
	res.Messages = len(msgs)
	return res, nil
}

func (m *Monitor) module(kpi string) string {
	if d, err := m.Engine.Catalog.Get(kpi); err == nil {
		return d.Module
	}
	return ""
}

// series builds the rule's series: every watched KPI, per scope, daily (or weekly) up to the
// day before asOf.
func (m *Monitor) series(ctx context.Context, tenant string, r *alert.Rule, asOf time.Time) ([]alert.Series, map[string]string, error) {
	units := map[string]string{}
	if r.Type == alert.Freshness {
		return m.freshness(ctx, tenant, r, asOf), map[string]string{"data_freshness_hours": "hours"}, nil
	}
	byGrain := map[string][]string{}
	for _, d := range m.Engine.Catalog.All() {
		if !r.Watches(d.ID) || d.Unit == "" {
			continue
		}
		if r.Type == alert.Consecutive && d.Target == nil && !m.hasStoredTarget(d.ID) {
			continue
		}
		ok := true
		for _, b := range r.By {
			if !slices.Contains(d.Breakdowns, b) {
				ok = false
			}
		}
		for dim := range r.Scope {
			if !slices.Contains(d.Breakdowns, dim) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		grain := r.Grain
		if d.Grain == "quarter" && r.Grain == "day" {
			grain = "90d" // read over its natural window, ending on each day
		}
		byGrain[grain] = append(byGrain[grain], d.ID)
		units[d.ID] = d.Unit
	}
	var out []alert.Series
	grains := make([]string, 0, len(byGrain))
	for g := range byGrain {
		grains = append(grains, g)
	}
	sort.Strings(grains)
	for _, gname := range grains {
		g, err := metric.ParseGrain(gname)
		if err != nil {
			return nil, nil, err
		}
		to := asOf.AddDate(0, 0, -1)
		from := to.AddDate(0, 0, -lookback(r))
		if gname == "week" {
			from = to.AddDate(0, 0, -7*lookback(r))
		}
		q := metric.Query{Tenant: tenant, KPIs: byGrain[gname], Grain: g, From: from, To: to, By: r.By, Filters: r.Scope, AsOf: asOf}
		rows, err := m.Engine.Eval(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		Judge(rows, m.Engine.Catalog, m.Targets, m.Events, r.Scope)
		var base map[string]*float64
		if r.Type == alert.Change && r.Compare == "year_ago" {
			q.From, q.To = from.AddDate(0, 0, -364), to.AddDate(0, 0, -364)
			ago, err := m.Engine.Eval(ctx, q)
			if err != nil {
				return nil, nil, err
			}
			base = map[string]*float64{}
			for _, a := range ago {
				p, _ := time.Parse(time.DateOnly, a.Period)
				base[a.KPI+"|"+scopeKey(a.Scope, ",")+"|"+p.AddDate(0, 0, 364).Format(time.DateOnly)] = a.Value
			}
		}
		idx := map[string]int{}
		for _, row := range rows {
			key := row.KPI + "|" + scopeKey(row.Scope, ",")
			i, ok := idx[key]
			if !ok {
				d, _ := m.Engine.Catalog.Get(row.KPI)
				i = len(out)
				idx[key] = i
				out = append(out, alert.Series{KPI: row.KPI, Scope: row.Scope, Up: d.Direction == "up"})
			}
			p := alert.Point{Period: row.Period, Value: row.Value, Target: row.Target, Status: target.Status(row.Status), Provisional: row.Provisional}
			if r.Type == alert.Change {
				if base != nil {
					p.Base = base[key+"|"+row.Period]
				} else if n := len(out[i].Points); n > 0 {
					p.Base = out[i].Points[n-1].Value
				}
			}
			out[i].Points = append(out[i].Points, p)
		}
	}
	return out, units, nil
}

// lookback is how many periods a rule reads: enough settled periods for the longest
// settling KPI (14 days), the run it looks for and the good periods that resolve it.
func lookback(r *alert.Rule) int { return 14 + r.Periods + r.ResolveAfter + 7 }

func (m *Monitor) hasStoredTarget(kpi string) bool {
	return m.Targets != nil && len(m.Targets.Versions(kpi)) > 0
}

// freshness builds one single-point series per kind and source that has ever delivered.
func (m *Monitor) freshness(ctx context.Context, tenant string, r *alert.Rule, asOf time.Time) []alert.Series {
	srcs, err := m.Store.Sources(ctx, tenant)
	if err != nil {
		if m.Log != nil {
			m.Log.Warn("freshness: read sources", "err", err)
		}
		return nil
	}
	now := m.now()
	limit := r.Hours
	var out []alert.Series
	for _, s := range srcs {
		if s.LastImportAt == nil || s.Rows == 0 {
			continue
		}
		age := now.Sub(*s.LastImportAt).Hours()
		status := target.Green
		if age > limit {
			status = target.Red
		}
		out = append(out, alert.Series{KPI: "data_freshness_hours", Scope: map[string]string{"kind": s.Kind, "source": s.Source},
			Points: []alert.Point{{Period: asOf.Format(time.DateOnly), Value: &age, Target: &limit, Status: status}}})
	}
	return out
}

// scopeKey is a scope as "dim=value" pairs in dimension order, joined with sep.
func scopeKey(s map[string]string, sep string) string {
	keys := slices.Sorted(maps.Keys(s))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + s[k]
	}
	return strings.Join(parts, sep)
}

// message renders one contact's events as one message in the contact's language.
func (m *Monitor) message(tenant string, cfg Config, contactID string, ps []pending) (notify.Message, bool) {
	c, ok := cfg.contact(contactID)
	if !ok || c.Channel == "" { // an owner without a channel is named, not messaged
		return notify.Message{}, false
	}
	l := m.Bundle.For(c.Lang)
	var lines, ids []string
	for _, p := range ps {
		a := p.alert
		d, _ := m.Engine.Catalog.Get(a.KPI)
		name := a.KPI
		if d != nil {
			name = d.Name(l.Lang)
		}
		scope := scopeText(a.Scope, l)
		ev := p.events[0]
		ids = append(ids, a.Fingerprint+"|"+string(ev)+"|"+a.Since+"|"+a.NotifiedAt.UTC().Format(time.RFC3339))
		head := l.MustT("alert."+string(ev), map[string]any{"KPI": name, "Scope": scope})
		var vals []string
		for i, v := range a.Values {
			vals = append(vals, a.Periods[i]+" "+l.Value(p.unit, v))
		}
		lines = append(lines, "**"+head+"**")
		if len(vals) > 0 {
			lines = append(lines, l.MustT("alert.values", map[string]any{"Values": l.Join(vals)}))
		}
		if a.Target != nil {
			lines = append(lines, l.MustT("alert.target", map[string]any{"Target": l.Value(p.unit, a.Target)}))
		}
		lines = append(lines, l.MustT("alert.since", map[string]any{"Since": a.Since}))
		owner := a.Owner
		if oc, ok := cfg.contact(a.Owner); ok && oc.Name != "" {
			owner = oc.Name
		}
		if owner != "" {
			lines = append(lines, l.MustT("alert.owner", map[string]any{"Owner": owner}))
		}
		if cfg.Link != "" {
			lines = append(lines, "["+l.MustT("alert.open", nil)+"]("+strings.TrimRight(cfg.Link, "/")+"/kpi/"+url.PathEscape(a.KPI)+"?"+scopeQuery(a.Scope)+")")
		}
		lines = append(lines, "")
	}
	sum := sha256.Sum256([]byte(contactID + "\x00" + strings.Join(ids, "\x00")))
	msg := notify.Message{
		ID:       hex.EncodeToString(sum[:16]),
		Tenant:   tenant,
		Channel:  c.Channel,
		Lang:     l.Lang,
		Title:    l.MustT("alert.group_title", map[string]any{"Count": len(ps)}),
		Text:     strings.TrimSpace(strings.Join(lines, "\n")),
		Mentions: c.Mentions,
		Link:     cfg.Link,
	}
	return msg, true
}

func scopeText(s map[string]string, l *i18n.Localizer) string {
	if len(s) == 0 {
		return l.MustT("scope.all", nil)
	}
	keys := slices.Sorted(maps.Keys(s))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = s[k]
	}
	return strings.Join(parts, " · ")
}

func scopeQuery(s map[string]string) string {
	q := url.Values{}
	for k, v := range s {
		q.Set(k, v)
	}
	return q.Encode()
}
