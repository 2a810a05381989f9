package web

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"pulso/internal/auth"
	"pulso/internal/calendar"
	"pulso/internal/demo"
	"pulso/internal/i18n"
	"pulso/internal/store/duckdb"
)

// The demo as `pulso demo --end 2026-11-30` builds it (180 days, the default seed), read the
// morning after its last day, with its four logins: the board's acceptance data.
var (
	fullDemoEnd = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	fullDemoNow = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	fullDemoCfg = demo.Config{Seed: 1, Days: 180, End: fullDemoEnd}
	// the demo's logins (app.DemoUsers; app imports web, so they are written out here)
	fullDemoUsers = []auth.User{
		{Login: "hq@demo.pulso", Role: auth.Admin, Lang: "zh-CN"},
		{Login: "mx@demo.pulso", Role: auth.Manager, Lang: "es", Scopes: auth.Scopes{Countries: []string{"MX"}}},
		{Login: "br@demo.pulso", Role: auth.Analyst, Lang: "pt-BR", Scopes: auth.Scopes{Countries: []string{"BR"}}},
		{Login: "viewer@demo.pulso", Role: auth.Viewer, Lang: "en"},
	}
	fullOnce sync.Once
	fullEnv  *testEnv
	fullErr  error
)

func fullDemo(t *testing.T) *testEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the 180-day demo")
	}
	fullOnce.Do(func() { fullEnv, fullErr = buildFullDemo() })
	if fullErr != nil {
		t.Fatal(fullErr)
	}
	return fullEnv
}

func buildFullDemo() (*testEnv, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pulso-board-demo-")
	if err != nil {
		return nil, err
	}
	env := &testEnv{dir: dir, sessions: map[string]string{}, tokens: map[string]string{}}
	st, err := duckdb.Open(ctx, filepath.Join(dir, "demo.duckdb"))
	if err != nil {
		return nil, err
	}
	env.st = st
	if err := importDemo(ctx, st, fullDemoCfg, filepath.Join(dir, "csv"), fullDemoNow.Add(-2*time.Hour)); err != nil {
		return nil, err
	}
	cal, err := calendar.New()
	if err != nil {
		return nil, err
	}
	bundle, err := i18n.New()
	if err != nil {
		return nil, err
	}
	svc := auth.New(st)
	svc.Now = func() time.Time { return fullDemoNow }
	svc.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	env.auth = svc
	for _, u := range fullDemoUsers {
		u.Tenant = "default"
		if _, err := svc.CreateUser(ctx, u, testPassword); err != nil {
			return nil, err
		}
		sess, _, err := svc.Login(ctx, "default", u.Login, testPassword, "192.0.2.1")
		if err != nil {
			return nil, err
		}
		env.sessions[u.Login] = string(sess.Token)
	}
	srv, err := newServer(Config{Store: st, Engine: testEngine, Auth: svc, Bundle: bundle, Calendar: cal, UploadDir: filepath.Join(dir, "uploads"),
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Now: func() time.Time { return fullDemoNow }})
	if err != nil {
		return nil, err
	}
	env.srv, env.h = srv, secureHeaders(false, srv.routes())
	return env, nil
}

// TestSummaryNamesTheInjectedProblems: on the demo's default board (the last settled day) and
// its weekly board (the last settled week), the KPIs the summary names red are exactly the
// injected problems' KPIs, each in its country; nothing provisional is counted.
func TestSummaryNamesTheInjectedProblems(t *testing.T) {
	e := fullDemo(t)
	injected := map[string]bool{}
	for _, p := range demo.Problems(fullDemoCfg) {
		for _, k := range p.KPIs {
			injected[p.Country+"/"+k] = true
		}
	}
	if len(injected) != 10 {
		t.Fatalf("the demo injects %d KPI problems; this test was written for 10", len(injected))
	}
	for _, q := range []string{"", "?period=week"} {
		for _, login := range []string{"hq@demo.pulso", "viewer@demo.pulso"} {
			b := boardJSON(t, e, login, q)
			red := map[string]bool{}
			var yellow []string
			for i, it := range b.Summary.Items {
				for _, k := range it.KPIs {
					if k.Status == "red" {
						red[it.Country+"/"+k.ID] = true
						if i >= 4 {
							t.Errorf("%q: red %s/%s is item %d, after the yellow-only ones", q, it.Country, k.ID, i)
						}
					} else {
						yellow = append(yellow, it.Country+"/"+k.ID)
					}
					if k.Cell.Provisional {
						t.Errorf("%q: provisional %s/%s counted", q, it.Country, k.ID)
					}
				}
			}
			for k := range injected {
				if !red[k] {
					t.Errorf("%q as %s: injected %s is not named red", q, login, k)
				}
			}
			for k := range red {
				if !injected[k] {
					t.Errorf("%q as %s: %s is named red, outside the injected problems", q, login, k)
				}
			}
			sort.Strings(yellow)
			t.Logf("%q: near target (yellow), not injected: %v", q, yellow)
		}
	}
	// each restricted user sees the problem of their own country only
	for login, want := range map[string]int{"mx@demo.pulso": 2, "br@demo.pulso": 5} {
		b := boardJSON(t, e, login, "")
		n := 0
		for _, it := range b.Summary.Items {
			n += it.Red
		}
		if n != want {
			t.Errorf("%s: %d red, want %d", login, n, want)
		}
	}
}
