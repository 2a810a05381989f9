package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"pulso/internal/auth"
)

// The board's expectations below are worked out by hand from the fixture: the demo's data
// end on 2026-11-25 and the clock says 2026-11-26, so the asOf day is 2026-11-26. A period is
// settled once its last day plus the KPI's settling days is before asOf: its last settled day
// is 2026-11-26 − 1 − settles. 2026-11-22 is a Sunday; ISO weeks start on Monday.

func boardJSON(t *testing.T, e *testEnv, login, query string) board {
	t.Helper()
	rec := e.get(t, login, "/api/v1/board"+query)
	if rec.Code != http.StatusOK {
		t.Fatalf("/api/v1/board%s as %s: %d %s", query, login, rec.Code, rec.Body.String())
	}
	var b board
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// cellOf returns a KPI's cell in a country.
func cellOf(t *testing.T, b board, kpi, country string) boardCell {
	t.Helper()
	for _, m := range b.Modules {
		for _, k := range m.KPIs {
			if k.ID != kpi {
				continue
			}
			for _, c := range k.Cells {
				if c.Country == country {
					return c
				}
			}
		}
	}
	t.Fatalf("no cell %s/%s", kpi, country)
	return boardCell{}
}

func TestBoardDefaultPeriod(t *testing.T) {
	e := sharedEnv(t)
	type want struct{ kpi, from, to string }
	cases := []struct {
		query      string
		from, to   string
		cells      []want
		provisions bool // values of the current period are provisional
	}{
		// day: settles 0 → 2026-11-25; 2 → 11-23; 3 → 11-22; 7 → 11-18; 10 → 11-15; 14 → 11-11
		{"", "2026-11-25", "2026-11-25", []want{
			{"gmv", "2026-11-25", "2026-11-25"}, {"reply_within_48h_rate", "2026-11-23", "2026-11-23"},
			{"chat_conversion_rate", "2026-11-22", "2026-11-22"}, {"seller_cancellation_rate", "2026-11-18", "2026-11-18"},
			{"customs_clearance_rate", "2026-11-15", "2026-11-15"}, {"dispute_close_rate", "2026-11-11", "2026-11-11"},
			{"inventory_turnover", "2026-08-28", "2026-11-25"}, // read over the 90 days to its day
		}, false},
		// week: the last day must be on or before those days: settles 0 (11-25, a Wednesday) →
		// the week of 11-16..11-22; 2 (11-23, Monday) → the same; 3 (11-22, Sunday) → the same;
		// 7 (11-18) → 11-09..11-15; 10 (11-15, Sunday) → 11-09..11-15; 14 (11-11) → 11-02..11-08
		{"?period=week", "2026-11-16", "2026-11-22", []want{
			{"gmv", "2026-11-16", "2026-11-22"}, {"reply_within_48h_rate", "2026-11-16", "2026-11-22"},
			{"chat_conversion_rate", "2026-11-16", "2026-11-22"}, {"seller_cancellation_rate", "2026-11-09", "2026-11-15"},
			{"customs_clearance_rate", "2026-11-09", "2026-11-15"}, {"dispute_close_rate", "2026-11-02", "2026-11-08"},
			{"inventory_turnover", "2026-08-25", "2026-11-22"},
		}, false},
		// month: November is not over; October ended 26 days before asOf, more than 14
		{"?period=month", "2026-10-01", "2026-10-31", []want{{"gmv", "2026-10-01", "2026-10-31"}, {"dispute_close_rate", "2026-10-01", "2026-10-31"}}, false},
		// a rolling week ends on each KPI's last settled day
		{"?period=7d", "2026-11-19", "2026-11-25", []want{{"gmv", "2026-11-19", "2026-11-25"}, {"customs_clearance_rate", "2026-11-09", "2026-11-15"}}, false},
		// the current week (as before, on choice): every value in it is provisional
		{"?period=week&view=current", "2026-11-23", "2026-11-29", []want{{"gmv", "2026-11-23", "2026-11-29"}, {"dispute_close_rate", "2026-11-23", "2026-11-29"}}, true},
	}
	for _, c := range cases {
		b := boardJSON(t, e, "admin", c.query)
		if b.From != c.from || b.To != c.to {
			t.Errorf("%q: board period %s..%s, want %s..%s", c.query, b.From, b.To, c.from, c.to)
		}
		for _, w := range c.cells {
			cell := cellOf(t, b, w.kpi, "BR")
			if cell.From != w.from || cell.To != w.to {
				t.Errorf("%q: %s shows %s..%s, want %s..%s", c.query, w.kpi, cell.From, cell.To, w.from, w.to)
			}
		}
		n := 0
		for _, m := range b.Modules {
			for _, k := range m.KPIs {
				for _, cell := range k.Cells {
					if cell.Value == nil {
						continue
					}
					n++
					// a 90-day window ends on yesterday in every view: it is settled
					if cell.Provisional != (c.provisions && k.ID != "inventory_turnover") {
						t.Errorf("%q: %s/%s provisional=%v", c.query, k.ID, cell.Country, cell.Provisional)
					}
				}
			}
		}
		if n < 100 {
			t.Errorf("%q: only %d values", c.query, n)
		}
	}
	// the page says which period it shows, and offers the current one
	rec := e.get(t, "admin", "/?period=week")
	body := rec.Body.String()
	if !strings.Contains(body, `id="board-period" data-view="settled" data-from="2026-11-16" data-to="2026-11-22"`) ||
		!strings.Contains(body, "Nov 16, 2026 – Nov 22, 2026") || !strings.Contains(body, `href="/?period=week&amp;view=current"`) {
		t.Errorf("the settled week is not named, or the current one not offered:\n%s", boardExcerpt(body, "board-period"))
	}
	if !strings.Contains(body, `<option value="current">Current period (provisional)</option>`) {
		t.Error("the view picker does not offer the current period")
	}
}

func boardExcerpt(body, near string) string {
	i := strings.Index(body, near)
	if i < 0 {
		return "(no " + near + ")"
	}
	return body[max(0, i-200):min(len(body), i+600)]
}

var (
	kpiBlock = regexp.MustCompile(`(?s)<div class="kpi" data-kpi="(\w+)">(.*?)</div>\s*</div>`)
	tileRe   = regexp.MustCompile(`<a class="tile st-(\w+)"[^>]*data-country="(\w+)" data-status="(\w+)"`)
)

// tileStatuses reads the board page's tiles: KPI/country → the class it is coloured with.
func tileStatuses(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range kpiBlock.FindAllStringSubmatch(body, -1) {
		for _, tm := range tileRe.FindAllStringSubmatch(m[2], -1) {
			if tm[1] != tm[3] {
				t.Errorf("%s/%s: class st-%s, data-status %s", m[1], tm[2], tm[1], tm[3])
			}
			out[m[1]+"/"+tm[2]] = tm[1]
		}
	}
	return out
}

func TestProvisionalNeverRedOrGreen(t *testing.T) {
	e := sharedEnv(t)
	judgedRed := 0
	for _, q := range []string{"?view=current", "?period=week&view=current", "?date=2026-11-20", "?period=week&date=2026-11-22"} {
		b := boardJSON(t, e, "admin", q)
		tiles := tileStatuses(t, e.get(t, "admin", "/"+q).Body.String())
		prov := 0
		for _, m := range b.Modules {
			for _, k := range m.KPIs {
				for _, c := range k.Cells {
					shown, ok := tiles[k.ID+"/"+c.Country]
					if !ok {
						t.Errorf("%s: no tile %s/%s", q, k.ID, c.Country)
						continue
					}
					if c.Provisional && c.Value != nil {
						prov++
						if c.Status == "red" || c.Status == "green" || c.Status == "yellow" {
							judgedRed++ // the API keeps the judgement; the page must not show it
						}
						if shown != "provisional" {
							t.Errorf("%s: provisional %s/%s (judged %s) is shown %s", q, k.ID, c.Country, c.Status, shown)
						}
					} else if c.Value != nil && shown != c.Status {
						t.Errorf("%s: settled %s/%s is %s, shown %s", q, k.ID, c.Country, c.Status, shown)
					}
				}
			}
		}
		if prov == 0 {
			t.Errorf("%s: no provisional value to check", q)
		}
		if b.Summary.Provisional != prov {
			t.Errorf("%s: summary counts %d provisional values, the cells %d", q, b.Summary.Provisional, prov)
		}
	}
	if judgedRed == 0 {
		t.Error("no provisional value had a colour to hide: the check proves nothing")
	}
}

// problemsOf derives, from the API's cells alone, the settled red and yellow values per
// country and module.
func problemsOf(b board) map[string][2]int {
	out := map[string][2]int{}
	for _, m := range b.Modules {
		for _, k := range m.KPIs {
			for _, c := range k.Cells {
				if c.Provisional || c.Value == nil {
					continue
				}
				n := out[c.Country+"/"+m.ID]
				switch c.Status {
				case "red":
					n[0]++
				case "yellow":
					n[1]++
				default:
					continue
				}
				out[c.Country+"/"+m.ID] = n
			}
		}
	}
	return out
}

var sumItemRe = regexp.MustCompile(`<li class="sum-item st-(\w+)" data-country="(\w+)" data-module="(\w+)" data-red="(\d+)" data-yellow="(\d+)">`)

func TestBoardSummaryCounts(t *testing.T) {
	e := sharedEnv(t)
	for _, q := range []string{"", "?period=week", "?period=week&view=current", "?period=28d"} {
		b := boardJSON(t, e, "admin", q)
		want := problemsOf(b)
		body := e.get(t, "admin", "/"+q).Body.String()
		items := sumItemRe.FindAllStringSubmatch(body, -1)
		got := map[string][2]int{}
		prev := [2]int{1 << 30, 1 << 30}
		for _, it := range items {
			red, _ := strconv.Atoi(it[4])
			yellow, _ := strconv.Atoi(it[5])
			got[it[2]+"/"+it[3]] = [2]int{red, yellow}
			if red > prev[0] || (red == prev[0] && yellow > prev[1]) {
				t.Errorf("%q: %s/%s (%d red, %d yellow) listed after one with fewer", q, it[2], it[3], red, yellow)
			}
			prev = [2]int{red, yellow}
			if wantClass := map[bool]string{true: "red", false: "yellow"}[red > 0]; it[1] != wantClass {
				t.Errorf("%q: %s/%s has class %s", q, it[2], it[3], it[1])
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: the summary band says %v, the cells %v", q, got, want)
		}
		var red, yellow int
		for _, n := range want {
			red, yellow = red+n[0], yellow+n[1]
		}
		if b.Summary.Red != red || b.Summary.Yellow != yellow {
			t.Errorf("%q: totals %d red %d yellow, cells %d and %d", q, b.Summary.Red, b.Summary.Yellow, red, yellow)
		}
		if q == "" && len(items) == 0 {
			t.Error("the default board names no problem")
		}
		// every item links to the board filtered to its country and module, red and yellow only
		for _, it := range b.Summary.Items {
			link := fmt.Sprintf(`href="/?country=%s&amp;module=%s&amp;problems=1`, it.Country, it.Module)
			if q == "" && !strings.Contains(body, link) {
				t.Errorf("no link %s", link)
			}
		}
	}
}

func TestBoardProblemsOnly(t *testing.T) {
	e := sharedEnv(t)
	for _, q := range []string{"", "period=week"} {
		full := boardJSON(t, e, "admin", "?"+q)
		var want []string
		for _, m := range full.Modules {
			for _, k := range m.KPIs {
				for _, c := range k.Cells {
					if !c.Provisional && (c.Status == "red" || c.Status == "yellow") {
						want = append(want, k.ID)
						break
					}
				}
			}
		}
		only := boardJSON(t, e, "admin", "?problems=1&"+q)
		var got []string
		for _, m := range only.Modules {
			for _, k := range m.KPIs {
				got = append(got, k.ID)
				if len(k.Cells) != len(only.Countries) {
					t.Errorf("%s: %d cells for %d countries", k.ID, len(k.Cells), len(only.Countries))
				}
			}
		}
		if len(want) == 0 || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%q: red and yellow only lists %v, want %v", q, got, want)
		}
		if a, b := mustJSON(t, only.Summary), mustJSON(t, full.Summary); a != b {
			t.Errorf("%q: the switch changed the summary", q)
		}
		body := e.get(t, "admin", "/?problems=1&"+q).Body.String()
		var onPage []string
		for _, m := range kpiBlock.FindAllStringSubmatch(body, -1) {
			onPage = append(onPage, m[1])
		}
		if strings.Join(onPage, ",") != strings.Join(want, ",") {
			t.Errorf("%q: the page lists %v", q, onPage)
		}
		if !strings.Contains(body, `name="problems" value="1" checked`) {
			t.Errorf("%q: the switch is not shown on", q)
		}
	}
	if rec := e.get(t, "admin", "/api/v1/board?problems=maybe"); rec.Code != http.StatusBadRequest {
		t.Errorf("problems=maybe: %d", rec.Code)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBoardForOneCountryIsATable(t *testing.T) {
	e := sharedEnv(t)
	body := e.get(t, "mx-viewer", "/").Body.String()
	if !strings.Contains(body, `<table class="ctable">`) || strings.Contains(body, `class="tile `) {
		t.Error("a Mexico-only user does not get the compact table")
	}
	if strings.Contains(body, `class="heat"`) {
		t.Error("a Mexico-only user gets the heat map")
	}
	rows := regexp.MustCompile(`<tr class="st-(\w+)" data-kpi="(\w+)" data-country="(\w+)"`).FindAllStringSubmatch(body, -1)
	b := boardJSON(t, e, "mx-viewer", "")
	n := 0
	for _, m := range b.Modules {
		n += len(m.KPIs)
	}
	if len(rows) != n || n < 30 {
		t.Errorf("%d table rows for %d KPIs", len(rows), n)
	}
	for _, r := range rows {
		if r[3] != "MX" {
			t.Errorf("row %s in %s", r[2], r[3])
		}
	}
	for login, heat := range map[string]bool{"admin": true, "viewer": true, "ml-viewer": true, "br-co-viewer": false} {
		body := e.get(t, login, "/").Body.String()
		if got := strings.Contains(body, `class="heat"`); got != heat {
			t.Errorf("%s: heat map shown %v, want %v", login, got, heat)
		}
		if strings.Contains(body, `class="ctable"`) {
			t.Errorf("%s sees several countries and gets the compact table", login)
		}
	}
	// the heat map's cells count what the cells say
	b = boardJSON(t, e, "admin", "")
	want := problemsOf(b)
	for _, row := range b.Summary.Heat {
		for _, h := range row.Cells {
			if w := want[h.Country+"/"+row.Module]; h.Red != w[0] || h.Yellow != w[1] {
				t.Errorf("heat %s/%s: %d red %d yellow, cells %v", h.Country, row.Module, h.Red, h.Yellow, w)
			}
		}
	}
}

// A user of the test that changes settings (so the fixture's users stay as they are).
func newBoardUser(t *testing.T, e *testEnv, login string, u auth.User) {
	t.Helper()
	ctx := context.Background()
	u.Tenant, u.Login = "default", login
	if _, err := e.auth.CreateUser(ctx, u, testPassword); err != nil {
		if existing, err2 := findUser(ctx, e.auth, login); err2 == nil {
			existing.Currency = ""
			if _, err := e.auth.UpdateUser(ctx, existing); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Fatal(err)
		}
	}
	sess, _, err := e.auth.Login(ctx, "default", login, testPassword, "192.0.2.77")
	if err != nil {
		t.Fatal(err)
	}
	e.sessions[login] = string(sess.Token)
}

// rate reads units per US dollar of a currency on a day straight from fx_rates (the latest
// rate on or before the day, as the record contract says).
func rate(t *testing.T, e *testEnv, cur, day string) float64 {
	t.Helper()
	var r float64
	if err := e.st.DB().QueryRowContext(context.Background(), `SELECT per_usd FROM fx_rates WHERE tenant_id = 'default' AND currency = $1
		AND date <= CAST($2 AS DATE) ORDER BY date DESC LIMIT 1`, cur, day).Scan(&r); err != nil {
		t.Fatalf("rate %s %s: %v", cur, day, err)
	}
	return r
}

func TestCurrencyPreference(t *testing.T) {
	e := sharedEnv(t)
	newBoardUser(t, e, "board-money", auth.User{Role: auth.Viewer})
	usd := boardJSON(t, e, "board-money", "")
	if usd.Currency != "USD" || usd.Query.Currency != "USD" {
		t.Fatalf("default currency %s", usd.Currency)
	}
	rec := e.request(t, "board-money", http.MethodPost, "/prefs/currency", form("currency", "CNY", "next", "/?period=week"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/?period=week" {
		t.Fatalf("remember CNY: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	stored, err := findUser(context.Background(), e.auth, "board-money")
	if err != nil || stored.Currency != "CNY" {
		t.Fatalf("stored currency %q %v", stored.Currency, err)
	}
	// a new session reads the remembered currency
	newSession(t, e, "board-money")
	cny := boardJSON(t, e, "board-money", "")
	if cny.Currency != "CNY" {
		t.Fatalf("currency after remembering CNY: %s", cny.Currency)
	}
	// a day's GMV in yuan is its GMV in dollars times that day's yuan per dollar: every order
	// of the day is converted at the same day's rates
	for _, c := range []string{"BR", "MX"} {
		u, y := cellOf(t, usd, "gmv", c), cellOf(t, cny, "gmv", c)
		if y.Currency != "CNY" || u.Currency != "USD" || u.Value == nil || y.Value == nil {
			t.Fatalf("%s gmv: %+v / %+v", c, u, y)
		}
		want := *u.Value * rate(t, e, "CNY", y.To)
		if math.Abs(*y.Value-want) > 1e-6*want {
			t.Errorf("%s gmv in CNY %.4f, want %.4f", c, *y.Value, want)
		}
		if s := cellOf(t, cny, "gmv", c).Status; s != u.Status {
			t.Errorf("%s: status %s in CNY, %s in USD", c, s, u.Status)
		}
	}
	body := e.get(t, "board-money", "/").Body.String()
	if !strings.Contains(body, `<option value="CNY" selected>CN¥ (CNY)</option>`) || !strings.Contains(body, "CN¥\u00a0") {
		t.Error("the board does not show yuan as CN¥ with the picker on CNY")
	}

	// local: each country in its own currency; the target (in dollars) at the same rate
	e.request(t, "board-money", http.MethodPost, "/prefs/currency", form("currency", "local", "next", "/"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	newSession(t, e, "board-money")
	local := boardJSON(t, e, "board-money", "")
	for c, cur := range map[string]string{"BR": "BRL", "MX": "MXN", "CO": "COP", "CL": "CLP", "AR": "ARS"} {
		u, l := cellOf(t, usd, "gmv", c), cellOf(t, local, "gmv", c)
		want := *u.Value * rate(t, e, cur, l.To)
		if l.Currency != cur || math.Abs(*l.Value-want) > 1e-6*want {
			t.Errorf("%s gmv %v %s, want %.2f %s", c, l.Value, l.Currency, want, cur)
		}
		fu, fl := cellOf(t, usd, "fulfillment_cost_per_order", c), cellOf(t, local, "fulfillment_cost_per_order", c)
		if fu.Target == nil || fl.Target == nil || fl.TargetCur != cur {
			t.Errorf("%s fulfilment cost target %v %s", c, fl.Target, fl.TargetCur)
			continue
		}
		if wt := *fu.Target * rate(t, e, cur, fl.To); math.Abs(*fl.Target-wt) > 1e-6*wt {
			t.Errorf("%s fulfilment cost target %.4f %s, want %.4f", c, *fl.Target, cur, wt)
		}
	}
	// the address may ask for another currency without changing the remembered one
	if b := boardJSON(t, e, "board-money", "?currency=USD"); b.Currency != "USD" || cellOf(t, b, "gmv", "MX").Currency != "USD" {
		t.Errorf("?currency=USD gives %s", b.Currency)
	}
	if rec := e.get(t, "board-money", "/api/v1/board?currency=EUR"); rec.Code != http.StatusBadRequest {
		t.Errorf("currency=EUR: %d", rec.Code)
	}
	rec = e.request(t, "board-money", http.MethodPost, "/prefs/currency", form("currency", "XAU", "next", "/"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if rec.Code != http.StatusBadRequest {
		t.Errorf("remember XAU: %d", rec.Code)
	}
	if u, _ := findUser(context.Background(), e.auth, "board-money"); u.Currency != "local" {
		t.Errorf("after a refused currency the remembered one is %q", u.Currency)
	}
}

func newSession(t *testing.T, e *testEnv, login string) {
	t.Helper()
	sess, _, err := e.auth.Login(context.Background(), "default", login, testPassword, "192.0.2.77")
	if err != nil {
		t.Fatal(err)
	}
	e.sessions[login] = string(sess.Token)
}

// TestBoardNumbers: the page writes numbers as the reader's region does. The expected text is
// built here from the API's raw values with the region's separators, by hand.
func TestBoardNumbers(t *testing.T) {
	e := sharedEnv(t)
	b := boardJSON(t, e, "mx-viewer", "")
	loss := cellOf(t, b, "parcel_loss_rate", "MX")
	pct := strconv.FormatFloat(*loss.Value*100, 'f', 1, 64) + "%"
	cases := []struct {
		login, accept, want string
	}{
		{"mx-viewer", "es", pct},                                  // a Mexico user: a decimal point
		{"mx-viewer", "pt-BR", strings.Replace(pct, ".", ",", 1)}, // Portuguese: a comma
		{"mx-viewer", "zh-CN", pct},
		{"mx-viewer", "en", pct},
	}
	for _, c := range cases {
		body := e.request(t, c.login, http.MethodGet, "/", nil, map[string]string{"Accept-Language": c.accept}).Body.String()
		row := regexp.MustCompile(`(?s)data-kpi="parcel_loss_rate" data-country="MX".*?<td class="num val"[^>]*>([^<]*)</td>`).FindStringSubmatch(body)
		if row == nil || row[1] != c.want {
			t.Errorf("%s in %s: parcel loss %v, want %q", c.login, c.accept, row, c.want)
		}
	}
	// an unrestricted reader: the browser's region decides the separator
	all := boardJSON(t, e, "admin", "")
	co := cellOf(t, all, "parcel_loss_rate", "CO")
	dot := strconv.FormatFloat(*co.Value*100, 'f', 1, 64) + "%"
	for accept, want := range map[string]string{"es-CO": strings.Replace(dot, ".", ",", 1), "es-MX": dot, "es-PE": dot, "es-AR": strings.Replace(dot, ".", ",", 1)} {
		body := e.request(t, "admin", http.MethodGet, "/", nil, map[string]string{"Accept-Language": accept}).Body.String()
		if got := tileText(t, body, "parcel_loss_rate", "CO"); got != want {
			t.Errorf("admin in %s: %q, want %q", accept, got, want)
		}
		if !strings.Contains(body, `<meta name="pulso-locale" content="`+accept+`">`) {
			t.Errorf("%s: the page does not pass its locale to the charts", accept)
		}
	}
	// counts are whole numbers; hours of three days or more read as days
	body := e.request(t, "admin", http.MethodGet, "/", nil, map[string]string{"Accept-Language": "en"}).Body.String()
	tb := cellOf(t, all, "tax_bill_returns", "BR")
	if got := tileText(t, body, "tax_bill_returns", "BR"); got != strconv.Itoa(int(math.Round(*tb.Value))) {
		t.Errorf("a count shows as %q (value %v)", got, *tb.Value)
	}
	ch := cellOf(t, all, "customs_clearance_hours", "BR")
	if *ch.Value < 72 {
		t.Fatalf("BR clearance %v h: the injected slowdown should be days", *ch.Value)
	}
	if got, want := tileText(t, body, "customs_clearance_hours", "BR"), strconv.FormatFloat(*ch.Value/24, 'f', 1, 64)+" d"; got != want {
		t.Errorf("BR clearance %v h shows %q, want %q", *ch.Value, got, want)
	}
	// money from a thousand: thousands with one decimal, a trailing .0 dropped
	gmv := cellOf(t, all, "gmv", "BR")
	if *gmv.Value < 1000 || *gmv.Value >= 99950 {
		t.Fatalf("BR GMV of a day %v: not in the thousands", *gmv.Value)
	}
	k := strings.TrimSuffix(strconv.FormatFloat(math.Round(*gmv.Value/100)/10, 'f', 1, 64), ".0")
	if got := tileText(t, body, "gmv", "BR"); got != "US$ "+k+" k" {
		t.Errorf("BR GMV %v shows %q, want %q", *gmv.Value, got, "US$ "+k+" k")
	}
}

// tileText is the value a tile shows (no-break spaces as spaces).
func tileText(t *testing.T, body, kpi, country string) string {
	t.Helper()
	for _, m := range kpiBlock.FindAllStringSubmatch(body, -1) {
		if m[1] != kpi {
			continue
		}
		re := regexp.MustCompile(`(?s)data-country="` + country + `".*?<span class="val">([^<]*)</span>`)
		if v := re.FindStringSubmatch(m[2]); v != nil {
			return strings.ReplaceAll(v[1], "\u00a0", " ")
		}
	}
	t.Errorf("no tile %s/%s", kpi, country)
	return ""
}

func TestBoardFilterByCountryAndModule(t *testing.T) {
	e := sharedEnv(t)
	b := boardJSON(t, e, "admin", "?country=BR&module=customs")
	if strings.Join(b.Countries, ",") != "BR" || len(b.Modules) != 1 || b.Modules[0].ID != "customs" {
		t.Errorf("filtered board: %v %d modules", b.Countries, len(b.Modules))
	}
	for q, code := range map[string]int{"?country=BR": http.StatusForbidden, "?module=customs": http.StatusForbidden, "?module=nope": http.StatusBadRequest,
		"?view=nope": http.StatusBadRequest} {
		login := "mx-service"
		if q == "?module=nope" || q == "?view=nope" {
			login = "admin"
		}
		if rec := e.get(t, login, "/api/v1/board"+q); rec.Code != code {
			t.Errorf("%s as %s: %d, want %d", q, login, rec.Code, code)
		}
	}
}

// TestTimesInReaderZone: a Mexico-only reader sees times in Mexico City (UTC-6, without
// summer time since 2022), a Chinese reader of every country in China (UTC+8), anyone else in
// UTC; the zone is always named. The expected text shifts the stored instant by those fixed
// offsets by hand.
func TestTimesInReaderZone(t *testing.T) {
	e := sharedEnv(t)
	srcs, err := e.st.Sources(context.Background(), "default")
	if err != nil || len(srcs) == 0 {
		t.Fatalf("sources: %v %v", srcs, err)
	}
	for _, src := range srcs {
		if src.LastImportAt == nil {
			continue
		}
		at := src.LastImportAt.UTC()
		cases := []struct{ login, lang, want string }{
			{"mx-viewer", "en", at.Add(-6*time.Hour).Format("Jan 2, 2006 15:04") + " UTC-6"},
			{"admin", "zh-CN", at.Add(8*time.Hour).Format("2006年1月2日 15:04") + " UTC+8"},
			{"admin", "en", at.Format("Jan 2, 2006 15:04") + " UTC"},
			{"br-co-viewer", "pt-BR", at.Format("02/01/2006 15:04") + " UTC"},
		}
		for _, c := range cases {
			body := e.request(t, c.login, http.MethodGet, "/sources", nil, map[string]string{"Cookie": langCookie + "=" + c.lang}).Body.String()
			if !strings.Contains(html.UnescapeString(body), c.want) {
				t.Errorf("%s in %s: no %q in the sources page", c.login, c.lang, c.want)
			}
		}
		return
	}
	t.Fatal("no source has a last import")
}

// TestBoardAgreesWithAlerts: an alert judges settled days only, so its newest breaching day is
// a KPI's last settled day; the board's default (settled) day shows that same day and value
// for the alert's KPI and country — where the board once showed a provisional 0 %.
func TestBoardAgreesWithAlerts(t *testing.T) {
	e := sharedEnv(t)
	rows, err := e.st.Alerts(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	b := boardJSON(t, e, "admin", "")
	checked := 0
	for _, row := range rows {
		var a struct {
			KPI     string            `json:"kpi"`
			Scope   map[string]string `json:"scope"`
			State   string            `json:"state"`
			Periods []string          `json:"periods"`
			Values  []*float64        `json:"values"`
		}
		if err := json.Unmarshal([]byte(row.Body), &a); err != nil {
			t.Fatal(err)
		}
		if a.State != "firing" || len(a.Scope) != 1 || a.Scope["country"] == "" || len(a.Periods) == 0 {
			continue
		}
		c := cellOf(t, b, a.KPI, a.Scope["country"])
		last, v := a.Periods[len(a.Periods)-1], a.Values[len(a.Values)-1]
		if c.Status != "red" {
			t.Logf("%s/%s: the alert's last breach %s; the board's %s is %s", a.KPI, a.Scope["country"], last, c.Period, c.Status)
			continue
		}
		checked++
		if c.Period != last || c.Value == nil || v == nil || math.Abs(*c.Value-*v) > 1e-9 {
			t.Errorf("%s/%s: the alert says %v on %s, the board %v on %s", a.KPI, a.Scope["country"], v, last, c.Value, c.Period)
		}
		if c.Provisional {
			t.Errorf("%s/%s: the board's value is provisional", a.KPI, a.Scope["country"])
		}
	}
	if checked < 5 {
		t.Errorf("only %d firing alerts to compare", checked)
	}
}
