package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

const chromium = "/usr/bin/chromium"

// watchScript runs before every page: it records CSP violations and script errors, which
// the tests then require to be none.
const watchScript = `window.__problems = [];
document.addEventListener('securitypolicyviolation', e => window.__problems.push('CSP ' + e.violatedDirective + ' ' + e.blockedURI));
window.addEventListener('error', e => window.__problems.push('error ' + e.message));`

// browserEnv starts the web handler on a real HTTP server and a headless Chromium. Without
// Chromium the test is skipped, except in CI (CI=true), where that is a failure.
func browserEnv(t *testing.T) (ctx context.Context, base string) {
	t.Helper()
	needChromium(t)
	return startBrowser(t, sharedEnv(t).h, 1280)
}

// needChromium skips a test without Chromium, or fails it in CI (CI=true).
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no %s: %v", chromium, err)
		}
		t.Skipf("no %s", chromium)
	}
}

// startBrowser serves h on a real HTTP server and starts a headless Chromium with a window
// width px wide; both stop when the test ends.
func startBrowser(t *testing.T, h http.Handler, width int) (context.Context, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx); err != nil { // start the browser
		t.Fatal(err)
	}
	return bctx, srv.URL
}

// tab opens a tab in its own browser context (its own cookies) that watches every page.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: watchScript})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func timeout(ctx context.Context, t *testing.T) context.Context {
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func signIn(t *testing.T, ctx context.Context, base, login string) {
	t.Helper()
	err := chromedp.Do(timeout(ctx, t),
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#board`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", login, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(timeout(ctx, t), chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor evaluates js until it is true; it survives the navigations a form submit causes.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(timeout(ctx, t), chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 500) : ''`))
	t.Fatalf("waiting for %s: %v\npage: %s", what, last, body)
}

func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(timeout(ctx, t), chromedp.Navigate(url)); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

// clean fails on any CSP violation or script error of the current page.
func clean(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if p := eval[[]string](t, ctx, `window.__problems || []`); len(p) > 0 {
		t.Errorf("%s: %v", where, p)
	}
}

func TestBrowser(t *testing.T) {
	browser, base := browserEnv(t)
	ctx := tab(t, browser)
	signIn(t, ctx, base, "browser")

	t.Run("board has coloured tiles", func(t *testing.T) {
		n := eval[map[string]int](t, ctx, `(() => { const o = {}; for (const s of ['green','yellow','red','none']) o[s] = document.querySelectorAll('.tile.st-' + s).length; return o; })()`)
		if n["green"] == 0 || n["red"] == 0 {
			t.Errorf("tiles by status: %v", n)
		}
		colours := eval[[]string](t, ctx, `['.tile.st-green', '.tile.st-red'].map(s => getComputedStyle(document.querySelector(s)).backgroundColor)`)
		if colours[0] == colours[1] || colours[0] == "rgba(0, 0, 0, 0)" {
			t.Errorf("green and red tiles look alike: %v", colours)
		}
		countries := eval[[]string](t, ctx, `[...new Set([...document.querySelectorAll('.tile')].map(e => e.dataset.country))]`)
		if len(countries) < 5 {
			t.Errorf("countries side by side: %v", countries)
		}
		clean(t, ctx, "board")
	})

	t.Run("language switch translates", func(t *testing.T) {
		for _, c := range []struct{ lang, title, module string }{
			{"pt-BR", "Painel de KPIs", "Alfândega"}, {"zh-CN", "KPI 看板", "清关"}, {"en", "KPI board", "Customs"},
		} {
			eval[bool](t, ctx, fmt.Sprintf(`(() => { const s = document.querySelector('#lang-picker'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, c.lang))
			waitFor(t, ctx, c.lang+" title", fmt.Sprintf(`document.documentElement.lang === %q && document.querySelector('h1').textContent === %q`, c.lang, c.title))
			if body := eval[string](t, ctx, `document.body.innerText`); !strings.Contains(body, c.module) {
				t.Errorf("%s: no module title %q", c.lang, c.module)
			}
			clean(t, ctx, "board in "+c.lang)
		}
	})

	t.Run("KPI page draws its chart", func(t *testing.T) {
		navigate(t, ctx, base+"/kpi/customs_hold_rate?country=BR")
		waitFor(t, ctx, "chart canvas", `!!document.querySelector('.chart canvas')`)
		painted := eval[int](t, ctx, `(() => { const c = document.querySelector('.chart canvas');
			if (!c || !c.width || !c.height) return 0;
			const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()`)
		if painted < 1000 {
			t.Errorf("chart canvas has %d painted pixels", painted)
		}
		if rows := eval[int](t, ctx, `document.querySelectorAll('table.table tbody tr').length`); rows < 20 {
			t.Errorf("period table: %d rows", rows)
		}
		clean(t, ctx, "KPI page")
		// htmx partial update: changing the grain redraws the chart in place
		eval[bool](t, ctx, `(() => { const s = document.querySelector('select[name=grain]'); s.value = 'week'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
		waitFor(t, ctx, "weekly chart", `location.search.includes('grain=week') && !!document.querySelector('.chart[data-ready] canvas')`)
		clean(t, ctx, "KPI page after htmx")
	})

	t.Run("upload with a bad row shows the row", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "traffic.csv")
		if err := os.WriteFile(path, []byte(trafficCSV), 0o644); err != nil {
			t.Fatal(err)
		}
		navigate(t, ctx, base+"/import")
		err := chromedp.Do(timeout(ctx, t),
			chromedp.WaitVisible(chromedp.CSS(`input[type=file]`)),
			chromedp.SetValue(chromedp.CSS(`select[name=kind]`), "traffic"),
			chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{path}),
			chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#import-problems`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		row := eval[string](t, ctx, `document.querySelector('#import-problems tr[data-row]').innerText`)
		if !strings.Contains(row, "3") || !strings.Contains(row, "visits") || !strings.Contains(row, "abc") {
			t.Errorf("problem row: %q", row)
		}
		if eval[bool](t, ctx, `!!document.querySelector('#import-commit')`) {
			t.Error("a file with a bad row can be committed")
		}
		clean(t, ctx, "import report")
	})

	t.Run("Mexico-only user never sees Brazil", func(t *testing.T) {
		mx := tab(t, browser)
		signIn(t, mx, base, "mx-viewer")
		countries := eval[[]string](t, mx, `[...new Set([...document.querySelectorAll('[data-country]')].map(e => e.dataset.country))]`)
		if len(countries) != 1 || countries[0] != "MX" {
			t.Errorf("board countries: %v", countries)
		}
		for _, url := range []string{"/", "/alerts", "/kpi/customs_hold_rate", "/targets", "/api/v1/board", "/api/v1/alerts"} {
			navigate(t, mx, base+url)
			text := eval[string](t, mx, `document.body.innerText`)
			if leak := countryLeaks("BR").find(text); leak != "" {
				t.Errorf("%s shows Brazil: %s", url, leak)
			}
		}
		navigate(t, mx, base+"/kpi/customs_hold_rate?country=BR")
		if text := eval[string](t, mx, `document.body.innerText`); !strings.Contains(text, "You do not have access") {
			t.Errorf("direct URL to Brazil: %.200s", text)
		}
		navigate(t, mx, base+"/api/v1/kpis/customs_hold_rate/series?country=BR")
		if text := eval[string](t, mx, `document.body.innerText`); !strings.Contains(text, `"forbidden"`) {
			t.Errorf("direct API URL to Brazil: %.200s", text)
		}
	})

	t.Run("390 px wide: nothing scrolls sideways", func(t *testing.T) {
		if err := chromedp.Do(timeout(ctx, t), chromedp.EmulateViewport(390, 844)); err != nil {
			t.Fatal(err)
		}
		for _, url := range []string{"/", "/?period=week&platform=mercadolibre", "/kpi/late_shipment_rate?by=carrier", "/kpi/customs_hold_rate?country=BR",
			"/kpi/seller_cancellation_rate/records?from=2026-11-01&to=2026-11-25&country=MX", "/alerts", "/sources", "/import",
			"/targets", "/settings"} {
			navigate(t, ctx, base+url)
			waitFor(t, ctx, "layout", `document.readyState === 'complete'`)
			if url == "/kpi/customs_hold_rate?country=BR" {
				waitFor(t, ctx, "chart", `!!document.querySelector('.chart canvas')`)
			}
			fits := eval[bool](t, ctx, `document.scrollingElement.scrollWidth <= window.innerWidth`)
			if !fits {
				wide := eval[string](t, ctx, `(() => { const w = innerWidth; const out = [];
					for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect(); if (r.right > w + 0.5) out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right)); }
					return document.scrollingElement.scrollWidth + ' > ' + w + ': ' + out.slice(0, 8).join(', '); })()`)
				t.Errorf("%s scrolls sideways at 390 px: %s", url, wide)
			}
			clean(t, ctx, url+" at 390 px")
		}
	})
}
