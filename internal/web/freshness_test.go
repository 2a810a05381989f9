package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"pulso/internal/auth"
	"pulso/internal/calendar"
	"pulso/internal/i18n"
	"pulso/internal/ingest"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// The board says which data is stale: a banner lists the sources that delivered nothing for
// longer than the freshness limit (26 hours by default), and the KPIs that read them are marked
// for periods that reach past their last import; /api/v1/board says the same in "stale".

// staleAnswer is the "stale" part of /api/v1/board.
type staleAnswer struct {
	StaleAfterHours float64 `json:"stale_after_hours"`
	Sources         []struct {
		Kind         string    `json:"kind"`
		Source       string    `json:"source"`
		LastImportAt time.Time `json:"last_import_at"`
		AgeHours     float64   `json:"age_hours"`
	} `json:"sources"`
	KPIs map[string]struct {
		Kinds        []string  `json:"kinds"`
		LastImportAt time.Time `json:"last_import_at"`
	} `json:"kpis"`
}

func boardStale(t *testing.T, h http.Handler, token, target string) (staleAnswer, []string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", target, rec.Code, rec.Body)
	}
	var body struct {
		Stale   *staleAnswer `json:"stale"`
		Modules []struct {
			KPIs []struct {
				ID string `json:"kpi"`
			} `json:"kpis"`
		} `json:"modules"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Stale == nil {
		t.Fatalf("GET %s: no \"stale\" field", target)
	}
	var ids []string
	for _, m := range body.Modules {
		for _, k := range m.KPIs {
			ids = append(ids, k.ID)
		}
	}
	return *body.Stale, ids
}

func pageBody(t *testing.T, h http.Handler, token, target string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", target, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// An hour after the demo seller's last import nothing is stale: no banner, no badge, an
// empty "stale" in the API.
func TestBoardFreshWhenDataIsRecent(t *testing.T) {
	env := sharedEnv(t)
	_, newest := demoImports(t, env)
	h := fixtureAt(t, env, newest.Add(time.Hour))
	st, _ := boardStale(t, h, env.sessions["admin"], "/api/v1/board?date="+newest.Format(time.DateOnly))
	if st.StaleAfterHours != 26 || len(st.Sources) != 0 || len(st.KPIs) != 0 {
		t.Fatalf("stale an hour after the import: %+v", st)
	}
	if body := pageBody(t, h, env.sessions["admin"], "/?date="+newest.Format(time.DateOnly)); strings.Contains(body, "stale-banner") || strings.Contains(body, "stale-badge") {
		t.Fatal("the board shows stale data marks though everything is an hour old")
	}
}

// demoImports reads when the fixture imported each kind and source (the store stamps imports
// with the real clock when the fixture is built): kind/source → last import, and the newest.
func demoImports(t *testing.T, env *testEnv) (map[string]time.Time, time.Time) {
	t.Helper()
	srcs, err := env.st.Sources(t.Context(), "default")
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]time.Time{}
	var newest time.Time
	for _, s := range srcs {
		if s.LastImportAt == nil {
			continue
		}
		at := s.LastImportAt.UTC()
		last[s.Kind+"/"+s.Source] = at
		if at.After(newest) {
			newest = at
		}
	}
	if len(last) == 0 {
		t.Fatal("the fixture has no imports")
	}
	return last, newest
}

// fixtureAt serves the shared fixture's store with the clock at now.
func fixtureAt(t *testing.T, env *testEnv, now time.Time) http.Handler {
	t.Helper()
	srv, err := newServer(Config{Store: env.st, Engine: testEngine, Auth: env.auth, Bundle: env.srv.cfg.Bundle, Calendar: env.srv.cfg.Calendar,
		UploadDir: filepath.Join(t.TempDir(), "uploads"), Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return secureHeaders(false, srv.routes())
}

// Two days after the demo seller's last import nothing new has arrived: every source is stale.
func TestBoardStaleDemoSeller(t *testing.T) {
	env := sharedEnv(t)
	last, newest := demoImports(t, env)
	first := newest
	for _, at := range last {
		if at.Before(first) {
			first = at
		}
	}
	later := newest.Add(48 * time.Hour)
	h := fixtureAt(t, env, later)
	after := newest.AddDate(0, 0, 1).Format(time.DateOnly)  // a period that reaches past the imports
	before := first.AddDate(0, 0, -1).Format(time.DateOnly) // one that ended before them

	st, ids := boardStale(t, h, env.sessions["admin"], "/api/v1/board?date="+after)
	kinds := map[string]bool{}
	for _, s := range st.Sources {
		at, ok := last[s.Kind+"/"+s.Source]
		if !ok || s.Source != "demo" || !s.LastImportAt.Equal(at) || math.Abs(s.AgeHours-later.Sub(at).Hours()) > 1e-6 {
			t.Errorf("stale source %+v; want source demo, its last import %v, %.4f hours old", s, at, later.Sub(at).Hours())
		}
		kinds[s.Kind] = true
	}
	for _, k := range []string{"orders", "shipments", "tickets", "ads", "inventory"} {
		if !kinds[k] {
			t.Errorf("%s is not listed as stale: %v", k, kinds)
		}
	}
	if len(ids) == 0 {
		t.Fatal("the board shows no KPI")
	}
	for _, id := range ids { // every KPI on the board reads some kind
		m, ok := st.KPIs[id]
		if !ok || len(m.Kinds) == 0 || m.LastImportAt.Before(first) || m.LastImportAt.After(newest) {
			t.Errorf("KPI %s: %+v, %v; want it marked stale since its kinds' last import", id, m, ok)
		}
	}
	// A period that ended before the imports was complete when they came: the banner still
	// lists the stale sources, no KPI is marked.
	if st, _ := boardStale(t, h, env.sessions["admin"], "/api/v1/board?date="+before); len(st.Sources) != len(kinds) || len(st.KPIs) != 0 {
		t.Errorf("a period before the last import: %d stale sources, %d stale KPIs; want %d and none", len(st.Sources), len(st.KPIs), len(kinds))
	}
	// A viewer of the service module sees the sources of its KPIs only: tickets, NPS, and
	// orders (dispute_rate reads orders and tickets).
	st, _ = boardStale(t, h, env.sessions["mx-service"], "/api/v1/board?date="+after)
	var got []string
	for _, s := range st.Sources {
		got = append(got, s.Kind)
	}
	slices.Sort(got)
	if want := []string{"nps_responses", "orders", "tickets"}; !slices.Equal(got, want) {
		t.Errorf("stale sources shown to a service viewer: %v, want %v", got, want)
	}
}

// TestBoardStaleKinds: of two kinds one has a source that stopped (orders from one report,
// 50 hours ago) while another source of the same kind and a second kind are fresh. Only the
// KPIs that read orders are marked, only for periods that reach past that import, on the
// API and on the page, in the reader's language; on DuckDB and PostgreSQL.
func TestBoardStaleKinds(t *testing.T) {
	for _, e := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"duckdb", func(t *testing.T) store.Store {
			st, err := duckdb.Open(t.Context(), filepath.Join(t.TempDir(), "fresh.duckdb"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
		{"postgres", func(t *testing.T) store.Store {
			st, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
	} {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)
			t.Cleanup(func() { st.Close() })
			staleKinds(t, st)
		})
	}
}

func staleKinds(t *testing.T, st store.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	stopped := now.Add(-50 * time.Hour) // 2026-11-24 08:00
	dir := t.TempDir()
	imports := []struct {
		kind, source string
		at           time.Time
		body         string
	}{
		{"orders", "ml-orders", stopped, "order_id,platform,country,store,created_at,shipped_at,handling_deadline,currency,gross_amount\n" +
			"M1,mercadolibre,BR,s1,2026-11-20 10:00:00,2026-11-21 09:00:00,2026-11-21 12:00:00,USD,100\n" +
			"M2,mercadolibre,BR,s1,2026-11-23 10:00:00,2026-11-24 07:00:00,2026-11-24 12:00:00,USD,80\n"},
		{"orders", "amazon-orders", now.Add(-3 * time.Hour), "order_id,platform,country,store,created_at,currency,gross_amount\n" +
			"A1,amazon,BR,s2,2026-11-25 10:00:00,USD,40\n"},
		{"shipments", "carrier-feed", now.Add(-2 * time.Hour), "shipment_id,country,carrier,handed_over_at,delivered_at\n" +
			"S1,BR,correios,2026-11-21 10:00:00,2026-11-25 10:00:00\n"},
	}
	for i, im := range imports {
		in, err := ingest.FileInput(writeTemp(t, dir, fmt.Sprintf("%d-%s.csv", i, im.kind), im.body))
		if err != nil {
			t.Fatal(err)
		}
		ing := ingest.New(st)
		at := im.at
		if _, err := ing.Import(ctx, ingest.Options{Tenant: "default", Kind: im.kind, Source: im.source}, in); err != nil {
			t.Fatalf("import %s: %v", im.kind, err)
		}
		// The store stamps an import with the real clock; move it to the test's.
		if _, err := st.DB().ExecContext(ctx, `UPDATE imports SET started_at = $1, finished_at = $1 WHERE tenant_id = 'default' AND source = $2`,
			at, im.source); err != nil {
			t.Fatal(err)
		}
	}
	svc := auth.New(st)
	svc.Now = func() time.Time { return now }
	svc.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	tokens := map[string]string{}
	for _, u := range []auth.User{{Login: "ana", Role: auth.Viewer, Lang: "en"}, {Login: "rosa", Role: auth.Viewer, Lang: "es"}} {
		u.Tenant = "default"
		if _, err := svc.CreateUser(ctx, u, testPassword); err != nil {
			t.Fatal(err)
		}
		sess, _, err := svc.Login(ctx, "default", u.Login, testPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.Login] = string(sess.Token)
	}
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(Config{Store: st, Engine: testEngine, Auth: svc, Bundle: bundle, Calendar: cal, UploadDir: filepath.Join(dir, "uploads"),
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	h := secureHeaders(false, srv.routes())

	// The KPIs of the standard catalogue that read orders (internal/metric/standard.yaml).
	readOrders := []string{"average_order_value", "cac", "contribution_margin", "conversion_rate", "cost_per_order", "days_of_inventory",
		"delivered_within_72h_rate", "delivery_days", "dispute_rate", "fulfillment_cost_per_order", "gmv", "gross_margin", "inventory_turnover",
		"late_shipment_rate", "on_time_delivery_rate", "order_handling_hours", "order_handling_hours_p90", "orders", "return_rate",
		"seller_cancellation_rate"}

	for _, c := range []struct {
		date   string
		marked bool
	}{
		{"2026-11-23", false}, // ended before the import of 11-24 08:00
		{"2026-11-24", true},  // the import came during that day
		{"2026-11-25", true},
	} {
		st, ids := boardStale(t, h, tokens["ana"], "/api/v1/board?date="+c.date)
		if st.StaleAfterHours != 26 || len(st.Sources) != 1 || st.Sources[0].Kind != "orders" || st.Sources[0].Source != "ml-orders" ||
			!st.Sources[0].LastImportAt.Equal(stopped) || st.Sources[0].AgeHours != 50 {
			t.Fatalf("%s: stale sources %+v, want orders from ml-orders, last import %v, 50 hours old", c.date, st.Sources, stopped)
		}
		var want []string
		if c.marked {
			for _, id := range ids {
				if slices.Contains(readOrders, id) {
					want = append(want, id)
				}
			}
			if !slices.Contains(want, "late_shipment_rate") || !slices.Contains(ids, "parcel_loss_rate") {
				t.Fatalf("%s: the board shows %v", c.date, ids)
			}
		}
		var got []string
		for id, m := range st.KPIs {
			got = append(got, id)
			if !slices.Equal(m.Kinds, []string{"orders"}) || !m.LastImportAt.Equal(stopped) {
				t.Errorf("%s: KPI %s marked %+v, want kinds [orders] since %v", c.date, id, m, stopped)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: stale KPIs %v\nwant %v", c.date, got, want)
		}
	}

	// The page: a banner naming the source, its last import and age; a badge on the KPIs that
	// read orders and none on those that read shipments only.
	body := pageBody(t, h, tokens["ana"], "/?date=2026-11-25")
	banner := regexp.MustCompile(`(?s)<section class="stale-banner".*?</section>`).FindString(body)
	if banner == "" {
		t.Fatal("no stale banner on the board")
	}
	text := html.UnescapeString(banner)
	for _, w := range []string{"Some data is out of date", "Orders (ml-orders): last import Nov 24, 2026 08:00 UTC, 50 hours ago", "26 hours"} {
		if !strings.Contains(text, w) {
			t.Errorf("the banner does not say %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "amazon-orders") || strings.Contains(text, "carrier-feed") {
		t.Errorf("the banner lists a fresh source:\n%s", text)
	}
	rowOf := func(body, kpi string) string {
		return regexp.MustCompile(`(?s)<(?:tr|div) class="[^"]*"[^>]*data-kpi="` + kpi + `".*?</(?:tr|div)>`).FindString(body)
	}
	for kpi, stale := range map[string]bool{"late_shipment_rate": true, "gmv": true, "parcel_loss_rate": false, "customs_clearance_hours": false} {
		row := rowOf(body, kpi)
		if row == "" {
			t.Fatalf("no row for %s on the board", kpi)
		}
		if got := strings.Contains(row, `class="stale-badge"`); got != stale {
			t.Errorf("%s: stale badge %v, want %v:\n%s", kpi, got, stale, row)
		}
		if stale && !strings.Contains(html.UnescapeString(row), "stale: data to Nov 24, 2026") {
			t.Errorf("%s: the badge does not give the last import's date:\n%s", kpi, row)
		}
	}
	// In Spanish.
	body = html.UnescapeString(pageBody(t, h, tokens["rosa"], "/?date=2026-11-25"))
	for _, w := range []string{"Algunos datos están desactualizados", "Pedidos (ml-orders): última importación 24/11/2026 08:00 UTC, hace 50 horas", "desactualizado: datos hasta 24/11/2026"} {
		if !strings.Contains(body, w) {
			t.Errorf("the Spanish board does not say %q", w)
		}
	}
}

func writeTemp(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
