package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"pulso/internal/alert"
	"pulso/internal/auth"
	"pulso/internal/calendar"
	"pulso/internal/i18n"
	"pulso/internal/ingest"
	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/record"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

func fptr(v float64) *float64 { return &v }

func nearly(a *float64, b float64) bool { return a != nil && math.Abs(*a-b) < 1e-9 }

func showF(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// explain on rows worked out by hand: parcel loss (lower is better) against 0.5 % in Mexico,
// by carrier.
//
//	day    whole            A (estafeta)   B (dhl)
//	11-01  3 of 20, red     3 of 10        0 of 10
//	11-02  1 of 10, red     1 of 5         0 of 5
//	11-03  0 of 10, green   0 of 5         0 of 5
//	11-04  4 of 10, red but provisional
func TestExplainHandComputed(t *testing.T) {
	cat, err := metric.Standard(record.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := cat.Get("parcel_loss_rate")
	g, _ := metric.ParseGrain("day")
	mx := map[string]string{"country": "MX"}
	row := func(period string, scope map[string]string, n, w float64, status string, prov bool) metric.Row {
		r := metric.Row{KPI: d.ID, Grain: "day", Period: period, Scope: scope, Numerator: fptr(n), Denominator: fptr(w), Weight: fptr(w),
			Status: status, Target: fptr(0.005), Provisional: prov}
		if w > 0 {
			r.Value = fptr(n / w)
		}
		return r
	}
	a := map[string]string{"country": "MX", "carrier": "estafeta"}
	b := map[string]string{"country": "MX", "carrier": "dhl"}
	wholes := []metric.Row{row("2026-11-01", mx, 3, 20, "red", false), row("2026-11-02", mx, 1, 10, "red", false),
		row("2026-11-03", mx, 0, 10, "green", false), row("2026-11-04", mx, 4, 10, "red", true)}
	parts := []metric.Row{row("2026-11-01", a, 3, 10, "red", false), row("2026-11-01", b, 0, 10, "green", false),
		row("2026-11-02", a, 1, 5, "red", false), row("2026-11-02", b, 0, 5, "green", false),
		row("2026-11-03", a, 0, 5, "green", false), row("2026-11-03", b, 0, 5, "green", false),
		row("2026-11-04", a, 4, 5, "red", true), row("2026-11-04", b, 0, 5, "green", true)}

	groups := explain(d, g, "carrier", wholes, parts, nil)
	if len(groups) != 1 {
		t.Fatalf("%d groups", len(groups))
	}
	gr := groups[0]
	// the breaching settled days are 11-01 and 11-02 (11-04 is provisional, 11-03 green)
	if !gr.Breaching || len(gr.Periods) != 2 || gr.First().Period != "2026-11-01" || gr.Last().Period != "2026-11-02" {
		t.Fatalf("periods %+v breaching %v", gr.Periods, gr.Breaching)
	}
	// pooled: 4 lost of 30; estafeta (3 − 0.005·10 + 1 − 0.005·5) / 30 = 3.925 / 30,
	// dhl (0 − 0.05 + 0 − 0.025) / 30 = −0.075 / 30; together 3.85 / 30 = 4/30 − 0.005.
	// Shares 15/30 each; estafeta's value 4 of 15.
	if !nearly(gr.Value, 4.0/30) || !nearly(gr.Total, 3.85/30) {
		t.Errorf("value %s total %s", showF(gr.Value), showF(gr.Total))
	}
	want := []struct {
		name          string
		c, share, val float64
	}{{"estafeta", 3.925 / 30, 0.5, 4.0 / 15}, {"dhl", -0.075 / 30, 0.5, 0}}
	if len(gr.Parts) != 2 {
		t.Fatalf("parts %+v", gr.Parts)
	}
	for i, w := range want {
		p := gr.Parts[i]
		if p.Name != w.name || !nearly(p.Contribution, w.c) || !nearly(p.Share, w.share) || !nearly(p.Value, w.val) {
			t.Errorf("part %d: %s %s %s %s, want %s %v %v %v", i, p.Name, showF(p.Contribution), showF(p.Share), showF(p.Value), w.name, w.c, w.share, w.val)
		}
	}

	// Nothing breaching in view: the last settled day is explained, for reference.
	calm := []metric.Row{wholes[2], wholes[3]}
	groups = explain(d, g, "carrier", calm, parts, nil)
	if len(groups) != 1 || groups[0].Breaching || len(groups[0].Periods) != 1 || groups[0].Last().Period != "2026-11-03" {
		t.Fatalf("reference: %+v", groups)
	}
	if !nearly(groups[0].Total, -0.005) { // 0 lost against 0.5 %: better by the whole target
		t.Errorf("reference total %s", showF(groups[0].Total))
	}

	// An alert names its periods: only its scope, only those periods.
	other := row("2026-11-01", map[string]string{"country": "BR"}, 9, 10, "red", false)
	groups = explain(d, g, "carrier", append([]metric.Row{other}, wholes...), parts, map[string][]string{scopeKey(mx): {"2026-11-02"}})
	if len(groups) != 1 || groups[0].Key != scopeKey(mx) || len(groups[0].Periods) != 1 {
		t.Fatalf("focus: %+v", groups)
	}
	// 11-02 alone: estafeta (1 − 0.025) / 10 = 0.0975, dhl −0.025 / 10
	if p := groups[0].Parts[0]; p.Name != "estafeta" || !nearly(p.Contribution, 0.0975) {
		t.Errorf("focus: %s %s", p.Name, showF(p.Contribution))
	}

	// A breakdown by thousands of values keeps the worst hundred; the total counts them all:
	// 150 SKUs, SKU i lost i of 1000 on 11-01 (whole: Σi = 150·151/2 = 11325 of 150000).
	var many []metric.Row
	for i := 1; i <= 150; i++ {
		many = append(many, row("2026-11-01", map[string]string{"country": "MX", "sku": fmt.Sprintf("s%03d", i)}, float64(i), 1000, "red", false))
	}
	groups = explain(d, g, "sku", []metric.Row{row("2026-11-01", mx, 11325, 150000, "red", false)}, many, nil)
	if gr := groups[0]; len(gr.Parts) != maxParts || gr.Omitted != 50 || gr.Parts[0].Name != "s150" || !nearly(gr.Total, 11325.0/150000-0.005) {
		t.Errorf("many: %d parts, %d omitted, first %s, total %s", len(gr.Parts), gr.Omitted, gr.Parts[0].Name, showF(gr.Total))
	}

	// A sum changes from the day before: tax bills sent back (lower is better), per carrier
	// 10-31: A 1, B 1; 11-01: A 1, B 2 (3); 11-02: A 7, B 1 (8). Means over 11-01 and 11-02:
	// A (0 + 6) / 2 = 3, B (1 − 1) / 2 = 0; together 3, the mean change ((3−2) + (8−3)) / 2.
	tax, _ := cat.Get("tax_bill_returns")
	sum := func(period string, scope map[string]string, v float64, status string) metric.Row {
		return metric.Row{KPI: tax.ID, Period: period, Scope: scope, Value: fptr(v), Status: status, Target: fptr(0)}
	}
	twholes := []metric.Row{sum("2026-11-01", mx, 3, "yellow"), sum("2026-11-02", mx, 8, "red")}
	tparts := []metric.Row{sum("2026-10-31", a, 1, ""), sum("2026-10-31", b, 1, ""), sum("2026-11-01", a, 1, ""), sum("2026-11-01", b, 2, ""),
		sum("2026-11-02", a, 7, ""), sum("2026-11-02", b, 1, "")}
	groups = explain(tax, g, "carrier", twholes, tparts, nil)
	if len(groups) != 1 || groups[0].Method != metric.ContribChange || len(groups[0].Periods) != 2 {
		t.Fatalf("change: %+v", groups)
	}
	if p := groups[0].Parts; p[0].Name != "estafeta" || !nearly(p[0].Contribution, 3) || !nearly(p[1].Contribution, 0) || !nearly(groups[0].Total, 3) {
		t.Errorf("change: %s %s, %s %s, total %s", p[0].Name, showF(p[0].Contribution), p[1].Name, showF(p[1].Contribution), showF(groups[0].Total))
	}
}

// whyShipments are two Mexican weeks of shipments by two carriers (the metric package's
// contribution fixture; the arithmetic is in the test below).
const whyShipments = `shipment_id,platform,store,country,carrier,service,customs_submitted_at,customs_cleared_at,customs_held,tax_bill_returns,delivery_attempts,delivered_at,lost_at,returned_to_sender_at
A1,mercadolibre,s1,MX,estafeta,std,2026-03-02 08:00:00,2026-03-03 08:00:00,,1,1,2026-03-04 12:00:00,,
A2,mercadolibre,s1,MX,estafeta,std,2026-03-02 08:00:00,2026-03-03 08:00:00,,0,1,2026-03-04 12:00:00,,
A3,mercadolibre,s1,MX,estafeta,std,2026-03-02 08:00:00,2026-03-03 08:00:00,,0,1,2026-03-04 12:00:00,,
A4,mercadolibre,s1,MX,estafeta,std,2026-03-02 08:00:00,2026-03-03 08:00:00,,0,1,2026-03-04 12:00:00,,
B1,mercadolibre,s1,MX,dhl,std,2026-03-02 08:00:00,2026-03-03 20:00:00,,1,1,,2026-03-05 12:00:00,
B2,mercadolibre,s1,MX,dhl,std,2026-03-02 08:00:00,2026-03-03 20:00:00,,1,1,2026-03-05 12:00:00,,
B3,mercadolibre,s1,MX,dhl,std,2026-03-02 08:00:00,2026-03-03 20:00:00,,0,1,2026-03-05 12:00:00,,
B4,mercadolibre,s1,MX,dhl,std,2026-03-02 08:00:00,2026-03-03 20:00:00,,0,1,2026-03-05 12:00:00,,
A5,mercadolibre,s1,MX,estafeta,std,2026-03-03 12:00:00,2026-03-11 20:00:00,,0,1,,2026-03-12 12:00:00,
A6,mercadolibre,s1,MX,estafeta,std,2026-03-03 08:00:00,2026-03-13 08:00:00,,0,1,,2026-03-13 12:00:00,
A7,mercadolibre,s1,MX,estafeta,std,2026-03-10 08:00:00,,,7,1,2026-03-12 12:00:00,,
A8,mercadolibre,s1,MX,estafeta,std,,,,,1,2026-03-12 12:00:00,,
B5,mercadolibre,s1,MX,dhl,std,2026-03-09 08:00:00,2026-03-10 08:00:00,,1,1,2026-03-12 12:00:00,,
B6,mercadolibre,s1,MX,dhl,std,2026-03-09 08:00:00,2026-03-10 20:00:00,,0,1,2026-03-12 12:00:00,,
B7,mercadolibre,s1,MX,dhl,std,2026-03-09 08:00:00,2026-03-11 08:00:00,,0,1,2026-03-12 12:00:00,,
B8,mercadolibre,s1,MX,dhl,std,,,,,1,2026-03-12 12:00:00,,
B9,mercadolibre,s1,MX,dhl,std,,,,,1,2026-03-13 12:00:00,,
B10,mercadolibre,s1,MX,dhl,std,,,,,1,,,2026-03-13 12:00:00
`

// whyAlerting: weekly parcel loss red twice in a row fires; Mexico's alerts go to its team.
const whyAlerting = `channels:
  - {name: mx-hook, type: webhook, webhook: {url: "http://127.0.0.1:9/hook"}}
contacts:
  - {id: mx-ops, name: Operaciones MX, lang: es, channel: mx-hook}
owners:
  - {contact: mx-ops, scope: {country: [MX]}}
rules:
  - {id: loss-weekly, type: consecutive, kpis: [parcel_loss_rate], grain: week, periods: 2}
`

// whyEnv is a server over a store of either engine holding whyShipments, with an alert
// evaluated on 2026-03-16 under whyAlerting, and users in and out of Mexico.
func whyEnv(t *testing.T, st store.Store) *testEnv {
	t.Helper()
	ctx := t.Context()
	in := ingest.Input{Name: "shipments.csv", Format: "csv", Open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(strings.NewReader(whyShipments)), int64(len(whyShipments)), nil
	}}
	if _, err := ingest.New(st).Import(ctx, ingest.Options{Tenant: "default", Kind: "shipments"}, in); err != nil {
		t.Fatal(err)
	}
	svc := auth.New(st)
	svc.Now = func() time.Time { return demoNow }
	svc.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	e := &testEnv{dir: t.TempDir(), st: st, auth: svc, sessions: map[string]string{}, tokens: map[string]string{}}
	for _, u := range []auth.User{{Login: "admin", Role: auth.Admin}, {Login: "mx", Role: auth.Viewer, Lang: "es", Scopes: auth.Scopes{Countries: []string{"MX"}}},
		{Login: "br", Role: auth.Viewer, Scopes: auth.Scopes{Countries: []string{"BR"}}}} {
		u.Tenant = "default"
		if _, err := svc.CreateUser(ctx, u, testPassword); err != nil {
			t.Fatal(err)
		}
		sess, _, err := svc.Login(ctx, "default", u.Login, testPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		e.sessions[u.Login] = string(sess.Token)
	}
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := testEngine(ctx, st, "default")
	if err != nil {
		t.Fatal(err)
	}
	exists := func(id string) bool { _, err := eng.Catalog.Get(id); return err == nil }
	cfg, err := monitor.ParseConfig([]byte(whyAlerting), exists)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutSetting(ctx, "default", monitor.SettingName, whyAlerting, "test"); err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)
	eng.Now = func() time.Time { return asOf }
	m := &monitor.Monitor{Store: st, Engine: eng, Targets: monitor.TargetSet(eng.Catalog, nil), Bundle: bundle,
		Now: func() time.Time { return asOf.Add(8 * time.Hour) }}
	if res, err := m.Evaluate(ctx, "default", cfg, asOf); err != nil || res.Fired != 1 {
		t.Fatalf("evaluate: %+v %v", res, err)
	}
	srv, err := newServer(Config{Store: st, Engine: testEngine, Auth: svc, Bundle: bundle, Calendar: cal, UploadDir: filepath.Join(e.dir, "uploads"),
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Now: func() time.Time { return demoNow }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv, e.h = srv, secureHeaders(false, srv.routes())
	return e
}

// bothEngines runs a test on a DuckDB file and on a fresh PostgreSQL schema.
func bothEngines(t *testing.T, run func(t *testing.T, st store.Store)) {
	t.Run("duckdb", func(t *testing.T) {
		st, err := duckdb.Open(t.Context(), filepath.Join(t.TempDir(), "why.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		run(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), storetest.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		run(t, st)
	})
}

var (
	whyRow   = regexp.MustCompile(`<tr class="(worse|better)">\s*<th scope="row">([^<]*)</th>\s*<td class="num contrib">([^<]*)</td><td class="num">([^<]*)</td>\s*<td class="num">([^<]*)</td>`)
	whyTotal = regexp.MustCompile(`<tfoot><tr><th>[^<]*</th><td class="num">([^<]*)</td>`)
)

// whyTable reads the breakdown rows of a page: name, contribution, share, value.
func whyTable(body string) [][]string {
	var out [][]string
	for _, m := range whyRow.FindAllStringSubmatch(body, -1) {
		out = append(out, []string{html.UnescapeString(m[2]), html.UnescapeString(m[3]), m[4], html.UnescapeString(m[5])})
	}
	return out
}

// The KPI page and the alert say why Mexico's parcel loss is red: estafeta, with numbers
// worked out by hand, on both engines.
func TestWhyIsItRed(t *testing.T) {
	bothEngines(t, func(t *testing.T, st store.Store) {
		e := whyEnv(t, st)
		page := "/kpi/parcel_loss_rate?country=MX&grain=week&from=2026-03-02&to=2026-03-15"
		rec := e.get(t, "admin", page)
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %.300s", rec.Code, body)
		}
		if !strings.Contains(body, "<title>Parcel loss rate · Mexico · Pulso</title>") {
			t.Errorf("title: %s", regexp.MustCompile(`<title>[^<]*</title>`).FindString(body))
		}
		// Both weeks are red: 1 lost of 8, then 2 of 10 — 3 of 18 pooled, against 0.5 %.
		// estafeta: (0 − 0.005·4 + 2 − 0.005·4) / 18 = 1.96/18 = 10.9 pp, share 8/18, 2 of 8;
		// dhl: (1 − 0.005·4 + 0 − 0.005·6) / 18 = 0.95/18 = 5.3 pp, share 10/18, 1 of 10;
		// together 2.91/18 = 16.2 pp = 16.67 % − 0.5 %. The default breakdown is the carrier.
		got := whyTable(body)
		want := [][]string{{"estafeta", "+10.9 pp", "44%", "25.00%"}, {"dhl", "+5.3 pp", "56%", "10.00%"}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("breakdown %v, want %v", got, want)
		}
		if m := whyTotal.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != "+16.2 pp" {
			t.Errorf("total %v", m)
		}
		for _, label := range []string{"week 2026-W10", "week 2026-W11", "settled periods off target: 2"} {
			if !strings.Contains(body, label) {
				t.Errorf("no %q on the page", label)
			}
		}
		// an average: customs clearance is red in week 11 only (109.6 h against 72 h):
		// estafeta 2/5 × (220 − 72) = +59.2 h, dhl 3/5 × (36 − 72) = −21.6 h, together 37.6 h
		body = e.get(t, "admin", "/kpi/customs_clearance_hours?country=MX&grain=week&from=2026-03-02&to=2026-03-15").Body.String()
		want = [][]string{{"estafeta", "+59.2 h", "40%", "220.0 h"}, {"dhl", "−21.6 h", "60%", "36.0 h"}}
		if got := whyTable(body); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("clearance breakdown %v, want %v", got, want)
		}
		if m := whyTotal.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != "+37.6 h" {
			t.Errorf("clearance total %v", m)
		}
		if !strings.Contains(body, "settled periods off target: 1") || !strings.Contains(body, "week 2026-W11") {
			t.Error("clearance: the breaching week is not named")
		}
		// one line per carrier: estafeta lost 0 of 4, then 2 of 4; dhl 1 of 4, then 0 of 6
		body = e.get(t, "admin", page+"&lines=by").Body.String()
		m := regexp.MustCompile(`data-chart="([^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no chart")
		}
		var spec chartSpec
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &spec); err != nil {
			t.Fatal(err)
		}
		lines := map[string]string{}
		for _, sr := range spec.Series {
			lines[sr.Name] = showF(sr.Values[0]) + " " + showF(sr.Values[1])
		}
		if fmt.Sprint(lines) != "map[dhl:0.25 0 estafeta:0 0.5]" || spec.Band == nil {
			t.Errorf("lines %v, band %v", lines, spec.Band != nil)
		}
		// no breakdown asked: no answer; another country's user may not look
		if body := e.get(t, "admin", page+"&by=none").Body.String(); strings.Contains(body, `id="why"`) {
			t.Error("by=none still explains")
		}
		if rec := e.get(t, "br", page); rec.Code != http.StatusForbidden {
			t.Errorf("a Brazil user on Mexico: %d", rec.Code)
		}

		// The alert: owner from the alerting configuration, since week 10, 2 weeks, the
		// values of each week and the same breakdown.
		var list struct {
			Alerts []alertItem `json:"alerts"`
		}
		if err := json.Unmarshal(e.get(t, "mx", "/api/v1/alerts").Body.Bytes(), &list); err != nil || len(list.Alerts) != 1 {
			t.Fatalf("alerts %v %v", list, err)
		}
		a := list.Alerts[0]
		if a.State != alert.Firing || a.Since != "2026-03-02" || len(a.Periods) != 2 {
			t.Fatalf("alert %+v", a.Alert)
		}
		body = html.UnescapeString(e.get(t, "mx", "/alerts").Body.String())
		for _, s := range []string{"Operaciones MX", "semana 2026-W10", "semana 2026-W11: <b>", "periodos cerrados fuera de meta: 2", "<strong>estafeta</strong> +10"} {
			if !strings.Contains(body, s) {
				t.Errorf("alerts page (es): no %q", s)
			}
		}
		if !strings.Contains(e.get(t, "admin", "/alerts").Body.String(), "week 2026-W10: <b>12.50%</b> · week 2026-W11: <b>20.00%</b>") {
			t.Error("alerts page: the values are not named by their weeks")
		}
		if rec := e.get(t, "mx", "/alerts/"+a.ID); rec.Code != http.StatusOK ||
			!strings.Contains(rec.Body.String(), "<title>Tasa de paquetes perdidos · México · Pulso</title>") {
			t.Errorf("alert page (es): %d %s", rec.Code, regexp.MustCompile(`<title>[^<]*</title>`).FindString(rec.Body.String()))
		}
		rec = e.get(t, "admin", "/alerts/"+a.ID)
		body = rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("alert page: %d %.300s", rec.Code, body)
		}
		want = [][]string{{"estafeta", "+10.9 pp", "44%", "25.00%"}, {"dhl", "+5.3 pp", "56%", "10.00%"}}
		if got := whyTable(body); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("alert breakdown %v, want %v", got, want)
		}
		for _, s := range []string{`id="alert-owner">Operaciones MX`, "week 2026-W10 · settled periods off target: 2", "loss-weekly",
			"<td>week 2026-W10</td><td class=\"num\">12.50%</td>", "<td>week 2026-W11</td><td class=\"num\">20.00%</td>"} {
			if !strings.Contains(body, s) {
				t.Errorf("alert page: no %q", s)
			}
		}
		// a sum changes: tax bills sent back, by week of submission, are 3 then 8 (yellow then red
		// against 0 with a margin of 5); per carrier estafeta 0 → 1 → 7, dhl 0 → 2 → 1. Mean
		// changes: estafeta (1 + 6) / 2 = 3.5, dhl (2 − 1) / 2 = 0.5, together 4; mean shares
		// (1/3 + 7/8) / 2 = 60 % and (2/3 + 1/8) / 2 = 40 %; mean values 4 and 1.5.
		body = e.get(t, "admin", "/kpi/tax_bill_returns?country=MX&grain=week&from=2026-03-02&to=2026-03-15").Body.String()
		want = [][]string{{"estafeta", "+3.5", "60%", "4"}, {"dhl", "+0.5", "40%", "2"}}
		if got := whyTable(body); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("tax bills breakdown %v, want %v", got, want)
		}
		if m := whyTotal.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != "+4.0" {
			t.Errorf("tax bills total %v", m)
		}
		if !strings.Contains(e.get(t, "admin", "/kpi/parcel_loss_rate?grain=7d&from=2026-03-08&to=2026-03-15").Body.String(), "7 days to Mar 15, 2026") {
			t.Error("a rolling window is not named by its days")
		}
		// every language: no missing message on the KPI page, the alerts and the alert's page
		for _, lang := range []string{"zh-CN", "es", "pt-BR", "en"} {
			for _, p := range []string{page, page + "&lines=by", "/kpi/tax_bill_returns?country=MX&grain=week&from=2026-03-02&to=2026-03-15",
				"/kpi/parcel_loss_rate?grain=7d&from=2026-03-08&to=2026-03-15", "/alerts", "/alerts/" + a.ID} {
				rec := e.request(t, "admin", http.MethodGet, p, nil, map[string]string{"Cookie": langCookie + "=" + lang})
				if rec.Code != http.StatusOK {
					t.Errorf("%s %s: %d", lang, p, rec.Code)
				}
				checkRendered(t, lang+" "+p, rec.Body.String())
			}
		}
		// the export names the owner and the period of the last value
		csv := e.get(t, "admin", "/alerts?format=csv").Body.String()
		if !strings.Contains(csv, "firing,parcel_loss_rate,MX,2026-03-02,2026-03-09,0.2,0.005,Operaciones MX,") {
			t.Errorf("alerts CSV:\n%s", csv)
		}
		if rec := e.get(t, "br", "/alerts/"+a.ID); rec.Code != http.StatusNotFound {
			t.Errorf("a Brazil user on a Mexican alert: %d", rec.Code)
		}
	})
}
