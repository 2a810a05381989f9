package monitor_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pulso/internal/alert"
	"pulso/internal/calendar"
	"pulso/internal/demo"
	"pulso/internal/i18n"
	"pulso/internal/ingest"
	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/record"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
)

// seller imports a demo seller (End pinned) into a fresh DuckDB file.
func seller(t *testing.T, cfg demo.Config) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "demo.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	files, err := demo.Generate(cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	im := ingest.New(st)
	for _, f := range files {
		in, err := ingest.FileInput(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.Import(ctx, ingest.Options{Tenant: "default", Kind: f.Kind, Source: "demo"}, in); err != nil {
			t.Fatalf("import %s: %v", f.Kind, err)
		}
	}
	return st
}

func newMonitor(t *testing.T, st store.Store, now time.Time) (*monitor.Monitor, *metric.Catalog) {
	t.Helper()
	cat, err := metric.Standard(record.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	e := &metric.Engine{Catalog: cat, DB: st.DB(), Dialect: metric.DuckDB}
	m := &monitor.Monitor{Store: st, Engine: e, Targets: monitor.TargetSet(cat, nil), Bundle: b, Now: func() time.Time { return now },
		Events: func(country string, day time.Time) []string {
			var ids []string
			for _, d := range cal.Active(country, day) {
				ids = append(ids, d.ID)
			}
			return ids
		}}
	return m, cat
}

// On the demo seller, exactly the injected problems alert: each problem's KPIs in its
// country, and nothing else anywhere.
func TestDemoProblemsAlertAndNothingElse(t *testing.T) {
	for _, end := range []time.Time{time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), mustDay("2026-06-30"), mustDay("2026-09-15"), mustDay("2027-01-20")} {
		t.Run(end.Format(time.DateOnly), func(t *testing.T) { testDemoAlerts(t, end) })
	}
}

func testDemoAlerts(t *testing.T, end time.Time) {
	cfg := demo.Config{Seed: 1, Days: 75, End: end}
	st := seller(t, cfg)
	asOf := end.AddDate(0, 0, 1)
	// Now is the real clock: the imports just happened, so the data is fresh whatever asOf is.
	m, cat := newMonitor(t, st, time.Now())
	conf := monitor.Default()
	if err := conf.Validate(func(id string) bool { _, err := cat.Get(id); return err == nil }); err != nil {
		t.Fatal(err)
	}
	res, err := m.Evaluate(context.Background(), "default", conf, asOf)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range demo.Problems(cfg) {
		for _, k := range p.KPIs {
			want = append(want, p.Country+" "+k)
		}
	}
	sort.Strings(want)
	got := firing(t, st)
	if !slices.Equal(got, want) {
		t.Fatalf("firing alerts:\n got %v\nwant %v", got, want)
	}
	if res.Fired != len(want) || res.Open != len(want) {
		t.Fatalf("result %+v, want %d fired", res, len(want))
	}
	// The same evaluation again changes nothing.
	res, err = m.Evaluate(context.Background(), "default", conf, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fired != 0 || res.Open != len(want) || !slices.Equal(firing(t, st), want) {
		t.Fatalf("second evaluation: %+v", res)
	}
}

func firing(t *testing.T, st store.Store) []string {
	t.Helper()
	rows, err := st.Alerts(context.Background(), "default", string(alert.Firing))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		var a alert.Alert
		if err := json.Unmarshal([]byte(r.Body), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a.Scope["country"]+" "+a.KPI)
	}
	sort.Strings(out)
	return out
}

// Messages go to each owner in the owner's language, one per contact, and name the KPI,
// scope, breach values, target and owner.
func TestDemoMessagesInOwnersLanguage(t *testing.T) {
	end := time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)
	st := seller(t, demo.Config{Seed: 1, Days: 45, End: end})
	asOf := end.AddDate(0, 0, 1)
	m, cat := newMonitor(t, st, asOf.Add(8*time.Hour))
	conf, err := monitor.ParseConfig([]byte(`
link: https://pulso.example.com
channels:
  - {name: hq, type: webhook, webhook: {url: "http://127.0.0.1:9/hook", secret: s3cret}}
  - {name: br, type: webhook, webhook: {url: "http://127.0.0.1:9/br", secret: s3cret}}
contacts:
  - {id: hq-ops, name: 总部运营, lang: zh-CN, channel: hq}
  - {id: br-log, name: Ana (logística BR), lang: pt-BR, channel: br}
owners:
  - {contact: hq-ops}
  - {contact: br-log, scope: {country: [BR]}, modules: [customs, warehouse_logistics]}
rules:
  - {id: red-3-days, type: consecutive}
`), func(id string) bool { _, err := cat.Get(id); return err == nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Evaluate(context.Background(), "default", conf, asOf); err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB().Query(`SELECT channel, lang, title, body FROM outbox ORDER BY channel`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string][3]string{}
	for rows.Next() {
		var ch string
		var lang, title, body sql.NullString
		if err := rows.Scan(&ch, &lang, &title, &body); err != nil {
			t.Fatal(err)
		}
		got[ch] = [3]string{lang.String, title.String, body.String}
	}
	if len(got) != 2 {
		t.Fatalf("messages for %d channels, want 2: %v", len(got), got)
	}
	br := got["br"]
	if br[0] != "pt-BR" || !strings.Contains(br[2], "Taxa de retenção aduaneira no vermelho em BR") ||
		!strings.Contains(br[2], "Meta: 2,00%") || !strings.Contains(br[2], "Responsável: Ana (logística BR)") ||
		!strings.Contains(br[2], "https://pulso.example.com/kpi/customs_hold_rate?country=BR") {
		t.Errorf("BR message:\n%s", br[2])
	}
	hq := got["hq"]
	if hq[0] != "zh-CN" || !strings.Contains(hq[2], "MX：包裹丢失率 持续红灯") || !strings.Contains(hq[2], "负责人：总部运营") ||
		strings.Contains(hq[2], "海关扣货率") {
		t.Errorf("HQ message (BR customs belongs to br-log):\n%s", hq[2])
	}
}

func mustDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// A silence over Brazil keeps Brazil's alerts (marked silenced) but sends nothing about them;
// an unacknowledged alert escalates to the second contact once, after the delay.
func TestSilenceAndEscalation(t *testing.T) {
	end := time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)
	st := seller(t, demo.Config{Seed: 1, Days: 45, End: end})
	asOf := end.AddDate(0, 0, 1)
	now := asOf.Add(8 * time.Hour)
	m, cat := newMonitor(t, st, now)
	m.Now = func() time.Time { return now }
	conf, err := monitor.ParseConfig([]byte(`
channels:
  - {name: ops, type: webhook, webhook: {url: "http://127.0.0.1:9/ops", secret: s3cret}}
  - {name: boss, type: webhook, webhook: {url: "http://127.0.0.1:9/boss", secret: s3cret}}
contacts:
  - {id: ops, name: Ops, lang: en, channel: ops}
  - {id: boss, name: Boss, lang: es, channel: boss}
owners:
  - {contact: ops}
rules:
  - {id: red-3-days, type: consecutive, escalate: boss, escalate_after_hours: 48, repeat_hours: -1}
silences:
  - {id: br-strike, scope: {country: [BR]}, from: 2026-04-01T00:00:00Z, to: 2026-06-01T00:00:00Z}
`), func(id string) bool { _, err := cat.Get(id); return err == nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := m.Evaluate(ctx, "default", conf, asOf)
	if err != nil {
		t.Fatal(err)
	}
	// 10 alerts fire; the 5 in Brazil are silenced: one message to ops about MX and CO.
	if res.Fired != 10 || res.Silenced != 5 || res.Messages != 1 {
		t.Fatalf("first evaluation: %+v", res)
	}
	body := outboxBodies(t, st, "ops")
	if len(body) != 1 || strings.Contains(body[0], "BR") || !strings.Contains(body[0], "MX") || !strings.Contains(body[0], "CO") {
		t.Fatalf("ops message: %q", body)
	}
	// Two days later, nobody acknowledged: each alert escalates to boss once (BR still silenced).
	now = now.Add(49 * time.Hour)
	res, err = m.Evaluate(ctx, "default", conf, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if res.Escalated != 10 || res.Messages != 1 || len(outboxBodies(t, st, "boss")) != 1 {
		t.Fatalf("escalation: %+v", res)
	}
	res, err = m.Evaluate(ctx, "default", conf, asOf)
	if err != nil || res.Escalated != 0 || res.Messages != 0 {
		t.Fatalf("escalated twice: %+v %v", res, err)
	}
}

func outboxBodies(t *testing.T, st store.Store, channel string) []string {
	t.Helper()
	rows, err := st.DB().Query(`SELECT body FROM outbox WHERE channel = $1`, channel)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// A contact without a channel owns KPIs: its alerts name it as owner, and nothing is queued
// for it, while a contact with a channel still gets its message.
func TestOwnerWithoutChannelIsNamedNotMessaged(t *testing.T) {
	end := time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)
	st := seller(t, demo.Config{Seed: 1, Days: 45, End: end})
	asOf := end.AddDate(0, 0, 1)
	m, cat := newMonitor(t, st, asOf.Add(8*time.Hour))
	conf, err := monitor.ParseConfig([]byte(`
channels:
  - {name: hq, type: webhook, webhook: {url: "http://127.0.0.1:9/hook", secret: s3cret}}
contacts:
  - {id: hq-ops, name: 总部运营, lang: zh-CN, channel: hq}
  - {id: br-log, name: Ana (logística BR), lang: pt-BR}
owners:
  - {contact: hq-ops}
  - {contact: br-log, scope: {country: [BR]}}
rules:
  - {id: red-3-days, type: consecutive}
`), func(id string) bool { _, err := cat.Get(id); return err == nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Evaluate(context.Background(), "default", conf, asOf); err != nil {
		t.Fatal(err)
	}
	alerts, err := st.Alerts(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]string{} // country → owner of its firing alerts
	for _, row := range alerts {
		var a alert.Alert
		if err := json.Unmarshal([]byte(row.Body), &a); err != nil {
			t.Fatal(err)
		}
		if prev, ok := owners[a.Scope["country"]]; ok && prev != a.Owner {
			t.Errorf("%s has alerts owned by %s and %s", a.Scope["country"], prev, a.Owner)
		}
		owners[a.Scope["country"]] = a.Owner
	}
	if owners["BR"] != "br-log" || owners["MX"] != "hq-ops" {
		t.Errorf("owners by country %v, want BR br-log and MX hq-ops", owners)
	}
	var channels []string
	rows, err := st.DB().Query(`SELECT DISTINCT channel FROM outbox`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ch string
		if err := rows.Scan(&ch); err != nil {
			t.Fatal(err)
		}
		channels = append(channels, ch)
	}
	if !slices.Equal(channels, []string{"hq"}) {
		t.Errorf("messages queued for channels %v, want only hq", channels)
	}
	if _, err := monitor.ParseConfig([]byte("contacts:\n  - {id: x, name: X, lang: es, channel: nope}\n"), func(string) bool { return true }); err == nil ||
		!strings.Contains(err.Error(), `contact x: channel: unknown channel "nope"`) {
		t.Errorf("a contact naming an unknown channel: %v", err)
	}
}
