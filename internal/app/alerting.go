package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"pulso/internal/alert"
	"pulso/internal/calendar"
	"pulso/internal/i18n"
	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/notify"
	"pulso/internal/outbox"
	"pulso/internal/store"
)

// events adapts the calendar to the monitor: ids of the events active in a country on a day.
func events(cal *calendar.Calendar) monitor.EventsFunc {
	return func(country string, day time.Time) []string {
		var ids []string
		for _, d := range cal.Active(country, day) {
			ids = append(ids, d.ID)
		}
		return ids
	}
}

// newMonitor wires a monitor for one tenant over an open store.
func newMonitor(ctx context.Context, st store.Store, tenant string) (*monitor.Monitor, monitor.Config, error) {
	e, err := NewEngine(ctx, st, tenant)
	if err != nil {
		return nil, monitor.Config{}, err
	}
	stored, err := st.Targets(ctx, tenant)
	if err != nil {
		return nil, monitor.Config{}, err
	}
	cal, err := calendar.New()
	if err != nil {
		return nil, monitor.Config{}, err
	}
	b, err := i18n.New()
	if err != nil {
		return nil, monitor.Config{}, err
	}
	cfg, err := monitor.LoadConfig(ctx, st, tenant, e.Catalog)
	if err != nil {
		return nil, monitor.Config{}, err
	}
	m := &monitor.Monitor{Store: st, Engine: e, Targets: monitor.TargetSet(e.Catalog, stored), Events: events(cal), Bundle: b,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	return m, cfg, nil
}

// EvalResult is what `pulso eval` reports.
type EvalResult struct {
	monitor.Result
	Sent, Failed int
}

// Evaluate runs the tenant's alert rules once as of a date and delivers the queued messages.
func Evaluate(ctx context.Context, dsn, tenant string, asOf time.Time) (EvalResult, error) {
	var r EvalResult
	if err := store.ValidTenant(tenant); err != nil {
		return r, err
	}
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return r, err
	}
	defer st.Close()
	m, cfg, err := newMonitor(ctx, st, tenant)
	if err != nil {
		return r, err
	}
	if r.Result, err = m.Evaluate(ctx, tenant, cfg, asOf); err != nil {
		return r, err
	}
	notifiers, err := notify.BuildAll(cfg.Channels)
	if err != nil {
		return r, err
	}
	d := &outbox.Dispatcher{DB: st.DB(), Tenant: tenant, Notifiers: notifiers, Log: m.Log}
	r.Sent, r.Failed, err = d.RunOnce(ctx)
	return r, err
}

// Alerts lists the tenant's alerts in the given states (all when none).
func Alerts(ctx context.Context, dsn, tenant string, states ...string) ([]alert.Alert, error) {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rows, err := st.Alerts(ctx, tenant, states...)
	if err != nil {
		return nil, err
	}
	out := make([]alert.Alert, 0, len(rows))
	for _, row := range rows {
		var a alert.Alert
		if err := json.Unmarshal([]byte(row.Body), &a); err != nil {
			return nil, fmt.Errorf("alert %s: %w", row.ID, err)
		}
		a.ID = row.ID
		out = append(out, a)
	}
	return out, nil
}

// Acknowledge marks a firing alert as taken.
func Acknowledge(ctx context.Context, dsn, tenant, id, who string) error {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Alerts(ctx, tenant, string(alert.Firing))
	if err != nil {
		return err
	}
	for _, row := range rows {
		if row.ID != id {
			continue
		}
		var a alert.Alert
		if err := json.Unmarshal([]byte(row.Body), &a); err != nil {
			return err
		}
		a.ID = row.ID
		alert.Acknowledge(&a, who, time.Now().UTC())
		body, _ := json.Marshal(a)
		row.State, row.Body = string(a.State), string(body)
		return st.SaveAlerts(ctx, tenant, []store.AlertRow{row}, nil)
	}
	return fmt.Errorf("no firing alert %q for tenant %s (see `pulso alerts --state firing`)", id, tenant)
}

// ApplyAlerting checks and stores the tenant's alerting YAML (channels, contacts, owners,
// rules, silences).
func ApplyAlerting(ctx context.Context, dsn, tenant, path, by string) (monitor.Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return monitor.Config{}, err
	}
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return monitor.Config{}, err
	}
	defer st.Close()
	cat, err := Catalog(ctx, st, tenant)
	if err != nil {
		return monitor.Config{}, err
	}
	cfg, err := monitor.ParseConfig(src, func(id string) bool { _, err := cat.Get(id); return err == nil })
	if err != nil {
		return monitor.Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, st.PutSetting(ctx, tenant, monitor.SettingName, string(src), by)
}

// JudgeRows adds status and target to KPI rows (for `pulso kpi eval`).
func JudgeRows(ctx context.Context, st store.Store, e *metric.Engine, q metric.Query, rows []metric.Row) error {
	stored, err := st.Targets(ctx, q.Tenant)
	if err != nil {
		return err
	}
	cal, err := calendar.New()
	if err != nil {
		return err
	}
	monitor.Judge(rows, e.Catalog, monitor.TargetSet(e.Catalog, stored), events(cal), q.Filters)
	return nil
}
