package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// On a phone (390 × 844) a KPI page answers first and stays short: the "why" block starts on
// the first screen, the filter bar is folded, the periods are a pivot with "more", and the
// whole page is at most four screens (it was 25 000–33 000 px: one card per period × country).
// On a desktop the filter bar stays open. No page scrolls sideways or reports a script error.
func TestBrowserKPIPagePhone(t *testing.T) {
	browser, base := browserEnv(t)
	ctx := tab(t, browser)
	signIn(t, ctx, base, "viewer")
	if err := chromedp.Do(timeout(ctx, t), chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	const screen = 844
	for _, url := range []string{"/kpi/parcel_loss_rate", "/kpi/late_shipment_rate?by=carrier", "/kpi/customs_clearance_hours?country=BR",
		"/kpi/csat?grain=week", "/kpi/gmv", "/kpi/parcel_loss_rate?lines=by"} {
		navigate(t, ctx, base+url)
		waitFor(t, ctx, "chart", `document.readyState === 'complete' && !!document.querySelector('.chart canvas')`)
		m := eval[map[string]float64](t, ctx, `(() => {
			const why = document.querySelector('#why');
			return {height: document.scrollingElement.scrollHeight, width: document.scrollingElement.scrollWidth,
				why: why ? why.getBoundingClientRect().top + scrollY : -1,
				filtersOpen: document.querySelector('details.filterbar').open ? 1 : 0,
				periods: document.querySelectorAll('#periods tbody tr, table.periods:not(details table) tbody tr').length};
		})()`)
		where := url + " at 390 px"
		if m["height"] > 4*screen {
			t.Errorf("%s: %.0f px tall (more than four screens)", where, m["height"])
		}
		if m["width"] > 390 {
			t.Errorf("%s: %.0f px wide", where, m["width"])
		}
		if m["why"] < 0 || m["why"] > screen {
			t.Errorf("%s: the why block starts at %.0f px (not on the first screen)", where, m["why"])
		}
		if m["filtersOpen"] != 0 {
			t.Errorf("%s: the filter bar is open", where)
		}
		if m["periods"] == 0 || m["periods"] > shownPeriods {
			t.Errorf("%s: %.0f periods shown before more", where, m["periods"])
		}
		clean(t, ctx, where)
	}
	// "more" opens the earlier periods
	navigate(t, ctx, base+"/kpi/parcel_loss_rate")
	waitFor(t, ctx, "page", `document.readyState === 'complete'`)
	shown := eval[int](t, ctx, `(() => { const d = document.querySelector('details.more'); d.open = true;
		return [...d.querySelectorAll('tbody tr')].filter(r => r.getBoundingClientRect().height > 0).length; })()`)
	if shown < 10 {
		t.Errorf("more: %d earlier periods visible", shown)
	}
	// the header's country tabs scroll sideways inside themselves, the page does not
	if w := eval[float64](t, ctx, `document.scrollingElement.scrollWidth`); w > 390 {
		t.Errorf("with more open: %.0f px wide", w)
	}

	if err := chromedp.Do(timeout(ctx, t), chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, base+"/kpi/parcel_loss_rate?country=MX")
	waitFor(t, ctx, "page", `document.readyState === 'complete'`)
	if !eval[bool](t, ctx, `document.querySelector('details.filterbar').open`) {
		t.Error("desktop: the filter bar is folded")
	}
	title := eval[string](t, ctx, `document.title`)
	if !strings.HasPrefix(title, "Parcel loss rate · Mexico") {
		t.Errorf("title %q", title)
	}
	text := eval[string](t, ctx, `document.querySelector('#why').innerText`)
	if !strings.Contains(text, "estafeta") {
		t.Errorf("why: %.300s", text)
	}
	clean(t, ctx, "KPI page at 1440 px")

	// the alerts: each value named by its period, the worst carrier, the alert's own page
	navigate(t, ctx, base+"/alerts")
	waitFor(t, ctx, "alerts", `document.readyState === 'complete'`)
	row := eval[string](t, ctx, `(() => { const r = [...document.querySelectorAll('section[data-state=firing] tbody tr')].find(r => r.dataset.country === 'MX' && r.innerText.includes('estafeta')); return r ? r.innerText : ''; })()`)
	if row == "" {
		t.Fatal("no firing Mexican alert names estafeta")
	}
	link := eval[string](t, ctx, `[...document.querySelectorAll('section[data-state=firing] tbody tr')].find(r => r.dataset.country === 'MX' && r.innerText.includes('estafeta')).querySelector('a').getAttribute('href')`)
	navigate(t, ctx, base+link)
	waitFor(t, ctx, "alert page", `document.readyState === 'complete' && !!document.querySelector('#alert-values')`)
	values := eval[int](t, ctx, `document.querySelectorAll('#alert-values tbody tr').length`)
	since := eval[string](t, ctx, `document.querySelector('#alert-since').innerText`)
	if values < 3 || !strings.Contains(since, fmt.Sprint(values)) {
		t.Errorf("alert page: %d values, since %q", values, since)
	}
	if !strings.Contains(eval[string](t, ctx, `document.querySelector('#why').innerText`), "estafeta") {
		t.Error("alert page: no estafeta")
	}
	clean(t, ctx, "alert page")
}
