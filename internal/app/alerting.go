package app

import (
	"context"
	"encoding/json"
	"errors"
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
	"pulso/internal/secret"
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
	// Failures say why each failed message was not sent and when it is tried again;
	// Deferred counts, per channel, the messages left for the next run because an earlier
	// one on that channel failed (outbox.Report).
	Failures []outbox.Failure
	Deferred map[string]int
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
	// The channels' secrets are opened first: without the right key nothing is evaluated,
	// stored or queued.
	notifiers, err := tenantNotifiers(ctx, st, tenant, m.Engine.Catalog, secretKeys())
	if err != nil {
		return r, err
	}
	if r.Result, err = m.Evaluate(ctx, tenant, cfg, asOf); err != nil {
		return r, err
	}
	d := &outbox.Dispatcher{DB: st.DB(), Tenant: tenant, Notifiers: notifiers, Log: m.Log}
	rep, err := d.RunOnceReport(ctx)
	r.Sent, r.Failed, r.Failures, r.Deferred = rep.Sent, rep.Failed, rep.Failures, rep.Deferred
	return r, err
}

// Alerts lists the tenant's alerts in the given states (all when none).
func Alerts(ctx context.Context, dsn, tenant string, states ...string) ([]alert.Alert, error) {
	st, err := OpenReader(ctx, dsn)
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

// AlertingApplied is what `pulso alert apply` reports: the configuration as stored (its
// secrets sealed) and how they were sealed.
type AlertingApplied = monitor.Applied

// ApplyAlerting checks and stores the tenant's alerting YAML (channels, contacts, owners,
// rules, silences), with its channel secrets sealed under the current secret key (a key file
// is created on first use when none is configured).
func ApplyAlerting(ctx context.Context, dsn, tenant, path, by string) (AlertingApplied, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return AlertingApplied{}, err
	}
	if err := store.ValidTenant(tenant); err != nil {
		return AlertingApplied{}, err
	}
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return AlertingApplied{}, err
	}
	defer st.Close()
	return applyAlerting(ctx, st, tenant, path, src, by, secretKeys())
}

func applyAlerting(ctx context.Context, st store.Store, tenant, path string, src []byte, by string, keys secret.Source) (AlertingApplied, error) {
	cat, err := Catalog(ctx, st, tenant)
	if err != nil {
		return AlertingApplied{}, err
	}
	return monitor.Apply(ctx, st, tenant, cat, path, src, by, keys)
}

// secretKeys is where the secret keys come from: $PULSO_SECRET_KEY (and
// $PULSO_SECRET_KEY_OLD), or the key file ($PULSO_SECRET_KEY_FILE, default
// $XDG_CONFIG_HOME/pulso/pulso.key).
func secretKeys() secret.Source {
	def, _ := secret.DefaultFile() // without a home directory, only the variables can name a key
	return secret.Source{Getenv: os.Getenv, DefaultFile: def}
}

// tenantNotifiers opens the tenant's channel secrets (in memory only) and builds its
// notifiers. A missing or wrong key is an error that names the tenant, channel and field.
func tenantNotifiers(ctx context.Context, st store.Store, tenant string, cat *metric.Catalog, keys secret.Source) (map[string]notify.Notifier, error) {
	kr, err := keys.Load()
	if err != nil {
		return nil, err
	}
	cfg, err := monitor.LoadOpenConfig(ctx, st, tenant, cat, kr)
	if err != nil {
		return nil, err
	}
	ns, err := notify.BuildAll(cfg.Channels)
	if err != nil {
		return nil, fmt.Errorf("alerting of tenant %s: %w", tenant, err)
	}
	return ns, nil
}

// deliverQueued sends the tenant's queued messages once, through its own channels.
func deliverQueued(ctx context.Context, st store.Store, tenant string, keys secret.Source, log *slog.Logger) (sent, failed int, err error) {
	cat, err := Catalog(ctx, st, tenant)
	if err != nil {
		return 0, 0, err
	}
	ns, err := tenantNotifiers(ctx, st, tenant, cat, keys)
	if err != nil || len(ns) == 0 {
		return 0, 0, err
	}
	d := &outbox.Dispatcher{DB: st.DB(), Tenant: tenant, Notifiers: ns, Log: log}
	return d.RunOnce(ctx)
}

// SecretsReport says where the secret keys come from and how each tenant's secrets are
// stored (`pulso secret status`), or what a rotation did (`pulso secret rotate`).
type SecretsReport struct {
	Source  string   // "$PULSO_SECRET_KEY" or "key file <path>"
	Current string   // the id of the key that seals ("" when none is configured)
	Keys    []string // every configured key id, the current one first
	Created string   // the key file a rotation created, when no key existed yet
	Tenants []TenantSecrets
}

// TenantSecrets counts one tenant's stored secrets.
type TenantSecrets struct {
	Tenant  string
	Plain   int            // stored in clear (written before sealing existed)
	ByKey   map[string]int // sealed, by key id
	Rotated int            // sealed again under the current key by this rotation
}

// SecretStatus reports which keys are configured and which ones the tenant's stored secrets
// (every tenant's, when tenant is "") are sealed with.
func SecretStatus(ctx context.Context, dsn, tenant string) (SecretsReport, error) {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return SecretsReport{}, err
	}
	defer st.Close()
	return secretStatus(ctx, st, tenant, secretKeys())
}

func secretStatus(ctx context.Context, st store.Store, tenant string, keys secret.Source) (SecretsReport, error) {
	r := SecretsReport{Source: keys.Describe()}
	kr, err := keys.Load()
	if err != nil {
		return r, err
	}
	r.Current, r.Keys = kr.Current(), kr.IDs()
	tenants, err := secretTenants(ctx, st, tenant)
	if err != nil {
		return r, err
	}
	for _, t := range tenants {
		body, err := st.Setting(ctx, t, monitor.SettingName)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return r, err
		}
		n, err := monitor.CountSecrets([]byte(body), t)
		if err != nil {
			return r, fmt.Errorf("tenant %s: %w", t, err)
		}
		r.Tenants = append(r.Tenants, TenantSecrets{Tenant: t, Plain: n.Plain, ByKey: n.ByKey})
	}
	return r, nil
}

// RotateSecrets seals every stored secret of the tenant (every tenant, when tenant is "")
// under the current key: values in clear and values under old keys. Each tenant's secrets
// live in one settings document written in one transaction, so a tenant is rotated whole or
// not at all; a tenant that fails (a key missing) is reported and the others go on.
func RotateSecrets(ctx context.Context, dsn, tenant, by string) (SecretsReport, error) {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return SecretsReport{}, err
	}
	defer st.Close()
	return rotateSecrets(ctx, st, tenant, by, secretKeys())
}

func rotateSecrets(ctx context.Context, st store.Store, tenant, by string, keys secret.Source) (SecretsReport, error) {
	r, err := secretStatus(ctx, st, tenant, keys)
	if err != nil {
		return r, err
	}
	total := 0
	for _, t := range r.Tenants {
		total += t.Plain + len(t.ByKey)
	}
	if total == 0 {
		return r, nil
	}
	kr, created, err := keys.LoadOrCreate()
	if err != nil {
		return r, err
	}
	r.Current, r.Keys, r.Created = kr.Current(), kr.IDs(), created
	var errs []error
	for i := range r.Tenants {
		t := &r.Tenants[i]
		if err := rotateTenant(ctx, st, t, kr, by); err != nil {
			errs = append(errs, err)
		}
	}
	return r, errors.Join(errs...)
}

func rotateTenant(ctx context.Context, st store.Store, t *TenantSecrets, kr *secret.Keyring, by string) error {
	body, err := st.Setting(ctx, t.Tenant, monitor.SettingName)
	if err != nil {
		return err
	}
	sealed, err := monitor.SealSecrets([]byte(body), t.Tenant, kr)
	if err != nil {
		return err
	}
	n, err := monitor.CountSecrets(sealed, t.Tenant)
	if err != nil {
		return err
	}
	if string(sealed) != body {
		if err := st.PutSetting(ctx, t.Tenant, monitor.SettingName, string(sealed), by); err != nil {
			return fmt.Errorf("tenant %s: %w", t.Tenant, err)
		}
	}
	t.Rotated = t.Plain
	for id, c := range t.ByKey {
		if id != kr.Current() {
			t.Rotated += c
		}
	}
	t.Plain, t.ByKey = n.Plain, n.ByKey
	return nil
}

// secretTenants is the one tenant asked for, or every tenant that has a document holding
// secrets (a tenant may have channels before it has imported anything).
func secretTenants(ctx context.Context, st store.Store, tenant string) ([]string, error) {
	if tenant != "" {
		return []string{tenant}, store.ValidTenant(tenant)
	}
	rows, err := st.DB().QueryContext(ctx, `SELECT DISTINCT tenant_id FROM settings WHERE name = $1 ORDER BY tenant_id`, monitor.SettingName)
	if err != nil {
		return nil, fmt.Errorf("list the tenants with settings: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("list the tenants with settings: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
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
