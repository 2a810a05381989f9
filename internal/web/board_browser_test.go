package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pulso/internal/demo"
)

// boardBrowser starts the 180-day demo's board on a real HTTP server and a headless Chromium.
func boardBrowser(t *testing.T) (context.Context, string) {
	t.Helper()
	needChromium(t)
	return startBrowser(t, fullDemo(t).h, 1440)
}

// TestBoardAtFirstSight: each of the demo's four users, at 1440 and 390 px, signs in and
// finds on top the summary naming exactly their injected problems in red; no provisional
// value is coloured; no value, target or summary line is cut; nothing scrolls sideways; no
// script error or blocked resource. PULSO_SCREENSHOTS=dir keeps a screenshot of each.
func TestBoardAtFirstSight(t *testing.T) {
	browser, base := boardBrowser(t)
	want := map[string][]string{} // country → injected KPIs
	for _, p := range demo.Problems(fullDemoCfg) {
		want[p.Country] = append(want[p.Country], p.KPIs...)
	}
	users := []struct {
		login     string
		countries []string
		heat      bool
	}{
		{"hq@demo.pulso", []string{"BR", "CO", "MX"}, true},
		{"mx@demo.pulso", []string{"MX"}, false},
		{"br@demo.pulso", []string{"BR"}, false},
		{"viewer@demo.pulso", []string{"BR", "CO", "MX"}, true},
	}
	shots := os.Getenv("PULSO_SCREENSHOTS")
	for _, u := range users {
		ctx := tab(t, browser)
		signIn(t, ctx, base, u.login)
		for _, width := range []int64{1440, 390} {
			name := fmt.Sprintf("%s at %d px", u.login, width)
			if err := chromedp.Do(timeout(ctx, t), chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatal(err)
			}
			navigate(t, ctx, base+"/")
			waitFor(t, ctx, "board", `document.readyState === 'complete' && !!document.querySelector('#board')`)

			var named []string
			for _, s := range eval[[]string](t, ctx, `[...document.querySelectorAll('.sum-item')].flatMap(i =>
				[...i.querySelectorAll('.sum-kpis a.st-red')].map(a => i.dataset.country + '/' + a.dataset.kpi))`) {
				named = append(named, s)
			}
			var expect []string
			for _, c := range u.countries {
				for _, k := range want[c] {
					expect = append(expect, c+"/"+k)
				}
			}
			sort.Strings(named)
			sort.Strings(expect)
			if strings.Join(named, " ") != strings.Join(expect, " ") {
				t.Errorf("%s: the summary names red %v, want the injected %v", name, named, expect)
			}
			// the summary comes before the KPIs
			if !eval[bool](t, ctx, `(() => { const s = document.querySelector('.summary'), b = document.querySelector('#board');
				return !!s && !!b && (s.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) > 0; })()`) {
				t.Errorf("%s: no summary above the board", name)
			}
			if got := eval[bool](t, ctx, `!!document.querySelector('table.heat')`); got != u.heat {
				t.Errorf("%s: heat map %v", name, got)
			}
			if got := eval[bool](t, ctx, `!!document.querySelector('table.ctable')`); got != (len(u.countries) == 1) {
				t.Errorf("%s: compact table %v", name, got)
			}
			checkNotCut(t, ctx, name)
			clean(t, ctx, name)
			h := eval[int](t, ctx, `document.scrollingElement.scrollHeight`)
			t.Logf("%s: page %d px tall", name, h)
			if shots != "" {
				who := map[string]string{"hq": "zh-CN", "mx": "es-MX", "br": "pt-BR", "viewer": "en"}[strings.SplitN(u.login, "@", 2)[0]]
				if img, err := chromedp.Run(timeout(ctx, t), chromedp.CaptureScreenshot()); err == nil { // the first screen
					os.WriteFile(filepath.Join(shots, fmt.Sprintf("board-%s-%d.png", who, width)), img, 0o644)
				}
				if img, err := chromedp.Run(timeout(ctx, t), chromedp.FullScreenshot(100)); err == nil {
					os.WriteFile(filepath.Join(shots, fmt.Sprintf("board-%s-%d-full.png", who, width)), img, 0o644)
				}
			}

			// the current period: its values provisional, none red, yellow or green
			navigate(t, ctx, base+"/?view=current&period=week")
			waitFor(t, ctx, "current board", `document.readyState === 'complete' && !!document.querySelector('#board')`)
			// (a 90-day window ends on yesterday: it is settled, and judged, in every view)
			n := eval[map[string]int](t, ctx, `(() => { const o = {}; for (const el of document.querySelectorAll('#board [data-status]')) {
				const s = el.dataset.status, k = el.closest('[data-kpi]').dataset.kpi;
				const key = (s === 'provisional' || s === 'none' || k === 'inventory_turnover') ? s : 'judged ' + k + ' ' + s;
				o[key] = (o[key] || 0) + 1; } return o; })()`)
			if n["provisional"] == 0 {
				t.Errorf("%s, current week: no provisional value", name)
			}
			for k := range n {
				if strings.HasPrefix(k, "judged ") {
					t.Errorf("%s, current week: %s", name, k)
				}
			}
			bg := eval[[]string](t, ctx, `[...new Set([...document.querySelectorAll('#board [data-status=provisional]')].map(e => getComputedStyle(e).backgroundColor))]`)
			for _, c := range bg {
				if c == "rgb(252, 232, 230)" || c == "rgb(230, 244, 234)" || c == "rgb(254, 247, 224)" {
					t.Errorf("%s: a provisional value is coloured %s", name, c)
				}
			}
			checkNotCut(t, ctx, name+" (current week)")
			clean(t, ctx, name+" (current week)")
		}
	}
}

// checkNotCut fails on a value, target, status or summary line whose text does not fit its
// box, and on a page wider than the window.
func checkNotCut(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	cut := eval[[]string](t, ctx, `[...document.querySelectorAll('.tile .val, .tile .tgt, .tile .st, .tile .per, .ctable td, .sum-head, .sum-kpis a, .heat td a, .totals .tot')]
		.filter(e => { const r = e.getBoundingClientRect(), box = e.parentElement.closest('.tile, td, li, .totals');
			return e.scrollWidth > e.clientWidth + 1 || r.right > innerWidth + 0.5 || (box && r.right > box.getBoundingClientRect().right + 0.5); })
		.slice(0, 5).map(e => e.className + ' "' + e.textContent.trim().slice(0, 40) + '" ' + e.scrollWidth + '>' + e.clientWidth)`)
	if len(cut) > 0 {
		t.Errorf("%s: cut or outside the window: %v", where, cut)
	}
	if !eval[bool](t, ctx, `document.scrollingElement.scrollWidth <= window.innerWidth`) {
		t.Errorf("%s: the page scrolls sideways", where)
	}
}

// TestBoardPickers: choosing a day shows that day's period; the currency picker remembers the
// choice and the board shows each country's own money; a chart writes its axis as the page
// does (a comma in Portuguese, a point in Mexico).
func TestBoardPickers(t *testing.T) {
	browser, base := boardBrowser(t)
	ctx := tab(t, browser)
	signIn(t, ctx, base, "viewer@demo.pulso")

	eval[bool](t, ctx, `(() => { const d = document.querySelector('#board-date'); d.value = '2026-11-20'; d.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	waitFor(t, ctx, "the chosen day's board", `location.search.includes('view=date') && location.search.includes('date=2026-11-20') &&
		document.querySelector('#board-period').dataset.from === '2026-11-20'`)
	clean(t, ctx, "board of a chosen day")

	navigate(t, ctx, base+"/")
	eval[bool](t, ctx, `(() => { const s = document.querySelector('.currency-pick select'); s.value = 'local'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	waitFor(t, ctx, "money in each country's currency", `!!document.querySelector('.currency-pick option[value=local][selected]')`)
	money := eval[map[string]string](t, ctx, `(() => { const o = {}; for (const t of document.querySelectorAll('[data-kpi=gmv] .tile')) o[t.dataset.country] = t.querySelector('.val').textContent; return o; })()`)
	for c, sym := range map[string]string{"BR": "R$\u00a0", "MX": "MX$\u00a0", "CO": "COL$\u00a0", "CL": "CLP$\u00a0", "AR": "AR$\u00a0"} {
		if !strings.HasPrefix(money[c], sym) {
			t.Errorf("%s GMV in local money: %q, want it to start with %q", c, money[c], sym)
		}
	}
	clean(t, ctx, "board in local money")
	navigate(t, ctx, base+"/") // remembered, not only in the address
	if got := eval[string](t, ctx, `document.querySelector('.currency-pick select').value`); got != "local" {
		t.Errorf("the currency picker forgot the choice: %q", got)
	}
	eval[bool](t, ctx, `(() => { const s = document.querySelector('.currency-pick select'); s.value = 'USD'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	waitFor(t, ctx, "back to dollars", `!!document.querySelector('.currency-pick option[value=USD][selected]')`)

	for _, l := range []struct{ lang, want string }{{"pt-BR", "10,9%"}, {"en", "10.9%"}} { // en last: the viewer's own
		lang, want := l.lang, l.want
		c := tab(t, browser)
		signIn(t, c, base, "viewer@demo.pulso")
		eval[bool](t, c, fmt.Sprintf(`(() => { const s = document.querySelector('#lang-picker'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, lang))
		waitFor(t, c, lang, fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		navigate(t, c, base+"/kpi/parcel_loss_rate?country=MX")
		waitFor(t, c, "chart", `!!document.querySelector('.chart[data-ready] canvas')`)
		got := eval[string](t, c, `echarts.getInstanceByDom(document.querySelector('.chart')).getOption().yAxis[0].axisLabel.formatter(0.1094)`)
		if got != want {
			t.Errorf("%s: the chart's axis writes 0.1094 as %q, want %q", lang, got, want)
		}
		clean(t, c, "KPI chart in "+lang)
	}
}
