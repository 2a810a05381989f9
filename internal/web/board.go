package web

import (
	"math"
	"net/http"
	"net/url"
	"time"

	"pulso/internal/i18n"
)

type boardView struct {
	*page
	Board      *board
	Fresh      *freshness // the stale data behind the board (freshness.go)
	Periods    []string
	Views      []string
	Currencies []currencyOption
	// HQ: the user sees every country, so the heat map of modules × countries is shown;
	// Compact: one country, so KPIs are a table rather than tiles.
	HQ, Compact bool
	ExportCSV   string
	ExportXLSX  string
	nums        *i18n.Numbers
}

type currencyOption struct {
	Code, Label string
	Current     bool
}

// readerCountry is the one country a user is restricted to ("" for none or several).
func readerCountry(u *User) string {
	if u != nil && len(u.Scopes.Countries) == 1 {
		return u.Scopes.Countries[0]
	}
	return ""
}

// numberLocale is the request's number locale: the language in the user's one country, else
// in the browser's region.
func numberLocale(r *http.Request, c *reqctx) string {
	return i18n.LocaleFor(c.lang, readerCountry(c.user), r.Header.Get("Accept-Language"))
}

func (s *server) boardPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	q, err := s.parseBoardQuery(r.URL.Query(), c.user)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	b, err := s.loadBoard(r.Context(), c.user, c.lang, q, format == "")
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if format != "" {
		if err := writeTable(w, format, boardTable(c, b)); err != nil {
			s.log.Warn("export failed", "err", err)
		}
		return
	}
	fresh, err := s.boardFreshness(r.Context(), c.user, b)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	v := &boardView{page: s.newPage(r, c, "board.title"), Board: b, Periods: boardPeriods, Views: boardViews, Fresh: fresh,
		HQ: len(c.user.Scopes.Countries) == 0 && len(b.Countries) > 1, Compact: len(b.Countries) == 1}
	v.nums = i18n.NumbersFor(v.page.Locale)
	for _, code := range []string{"USD", "CNY", "local"} {
		v.Currencies = append(v.Currencies, currencyOption{Code: code, Label: v.currencyLabel(code), Current: code == q.Currency})
	}
	v.ExportCSV, v.ExportXLSX = exportLinks(r)
	s.render(w, r, http.StatusOK, "board", v)
}

// currencyLabel names a currency choice: its symbol and code, or the country's own.
func (v *boardView) currencyLabel(code string) string {
	if code == "local" {
		if cc := readerCountry(v.User); i18n.CountryCurrency(cc) != "" {
			cur := i18n.CountryCurrency(cc)
			return i18n.CurrencySymbol(cur, v.nums.Locale) + " (" + cur + ")"
		}
		return v.T("board.currency_local")
	}
	return i18n.CurrencySymbol(code, v.nums.Locale) + " (" + code + ")"
}

// BoardURL is the board with the current query changed by pairs of name and value ("" drops
// a parameter).
func (v *boardView) BoardURL(kv ...string) string {
	p := v.Board.Query.params()
	if cur := v.Board.Query.Currency; cur != curOr(v.User.Currency) {
		p.Set("currency", cur) // chosen in the address, not remembered: links keep it
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			p.Del(kv[i])
		} else {
			p.Set(kv[i], kv[i+1])
		}
	}
	if len(p) == 0 {
		return "/"
	}
	return "/?" + p.Encode()
}

// TileURL links a KPI to its page for a country ("" for all), ending on the board's period.
func (v *boardView) TileURL(kpi, country string) string { return v.kpiURL(kpi, country, v.Board.To) }

// CellURL links a cell to its KPI page, ending on the cell's own period.
func (v *boardView) CellURL(kpi string, c boardCell) string {
	to := c.To
	if to == "" {
		to = v.Board.To
	}
	return v.kpiURL(kpi, c.Country, to)
}

func (v *boardView) kpiURL(kpi, country, to string) string {
	q := url.Values{}
	for k, val := range v.Board.Query.asked() {
		if val != "" {
			q.Set(k, val)
		}
	}
	if country != "" {
		q.Set("country", country)
	}
	q.Set("grain", kpiGrainFor(v.Board.Query.Period))
	if t, err := time.Parse(time.DateOnly, to); err == nil && v.Board.Query.View != "settled" && t.After(v.Board.Query.Date) {
		to = v.Board.Query.Date.Format(time.DateOnly) // the current period: its days so far
	}
	q.Set("to", to)
	return "/kpi/" + url.PathEscape(kpi) + "?" + q.Encode()
}

// kpiGrainFor is the KPI page's grain for a board period.
func kpiGrainFor(period string) string {
	switch period {
	case "week", "month", "7d", "28d":
		return period
	}
	return "day"
}

// asDays tells whether hours read better as days: from three days up.
func asDays(unit string, v *float64) bool {
	return unit == "hours" && v != nil && math.Abs(*v) >= 72
}

// Show writes a cell's value shortly: compact money with its symbol, whole counts, percent
// with one decimal, long durations in days.
func (v *boardView) Show(unit string, c boardCell) string {
	return v.short(unit, c.Value, c.Currency, asDays(unit, c.Value))
}

// ShowTarget writes a cell's target in the unit its value is written in.
func (v *boardView) ShowTarget(unit string, c boardCell) string {
	return v.short(unit, c.Target, c.TargetCur, asDays(unit, c.Value))
}

// Exact writes a cell's value in full (for the tile's title and the compact table).
func (v *boardView) Exact(unit string, c boardCell) string {
	if c.Value == nil || math.IsNaN(*c.Value) || math.IsInf(*c.Value, 0) {
		return "—"
	}
	n := v.nums
	switch unit {
	case "money":
		return n.MoneyFull(*c.Value, curOr(c.Currency))
	case "percent":
		return n.Percent(*c.Value, 2)
	case "count":
		return n.Int(*c.Value)
	case "hours":
		return v.T("unit.hours", "Count", n.Number(*c.Value, 1))
	case "days":
		return v.T("unit.days", "Count", n.Number(*c.Value, 1))
	}
	return n.Number(*c.Value, 2)
}

func curOr(c string) string {
	if c == "" {
		return "USD"
	}
	return c
}

func (v *boardView) short(unit string, x *float64, cur string, days bool) string {
	if x == nil || math.IsNaN(*x) || math.IsInf(*x, 0) {
		return "—"
	}
	n := v.nums
	switch unit {
	case "money":
		return n.Money(*x, curOr(cur))
	case "percent":
		return n.Percent(*x, 1)
	case "count":
		if math.Abs(*x) >= 1e5 {
			return n.Compact(*x, 0)
		}
		return n.Int(*x)
	case "hours":
		if days {
			return v.T("unit.days", "Count", n.Number(*x/24, 1))
		}
		return v.T("unit.hours", "Count", n.Number(*x, 1))
	case "days":
		return v.T("unit.days", "Count", n.Number(*x, 1))
	}
	return n.Number(*x, 2)
}

// Count writes a whole number in the reader's locale.
func (v *boardView) Count(n int) string { return v.nums.Int(float64(n)) }

// Icon is a status's sign, so that status never rests on colour alone.
func (v *boardView) Icon(status string) string {
	switch status {
	case "red":
		return "✖"
	case "yellow":
		return "▲"
	case "green":
		return "✔"
	case "provisional":
		return "◔"
	}
	return "○"
}

// StatusLabel names a shown status (provisional included).
func (v *boardView) StatusLabel(status string) string {
	if status == "provisional" {
		return v.T("board.provisional")
	}
	return v.Status(status)
}

// PeriodText names a period: one day, a 90-day window by its last day, or its first and last
// days.
func (v *boardView) PeriodText(from, to string) string {
	if from == to || from == "" {
		return v.Date(to)
	}
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 == nil && err2 == nil && t.Sub(f) == 89*24*time.Hour {
		return v.T("board.window", "Count", 90, "Date", v.Date(to))
	}
	return v.Date(from) + " – " + v.Date(to)
}

// ModuleOpen tells whether a module's KPIs start unfolded: the modules with a red value; if
// nothing is red, those with a yellow one; if nothing is either, all (nothing to point at).
func (v *boardView) ModuleOpen(m boardModule) bool {
	s := v.Board.Summary
	switch {
	case s.Red > 0:
		return m.Red > 0
	case s.Yellow > 0:
		return m.Problems > 0
	}
	return true
}

// RedItems and YellowItems split the summary: places with a red value (worst first), then
// places only near target.
func (v *boardView) RedItems() []summaryItem {
	var out []summaryItem
	for _, it := range v.Board.Summary.Items {
		if it.Red > 0 {
			out = append(out, it)
		}
	}
	return out
}

func (v *boardView) YellowItems() []summaryItem {
	var out []summaryItem
	for _, it := range v.Board.Summary.Items {
		if it.Red == 0 {
			out = append(out, it)
		}
	}
	return out
}

// OwnPeriod tells whether a cell shows another period than the board's (a KPI that settles
// later, or a 90-day window).
func (v *boardView) OwnPeriod(c boardCell) bool {
	return c.To != "" && (c.From != v.Board.From || c.To != v.Board.To)
}

func boardTable(c *reqctx, b *board) table {
	t := table{Name: "pulso-board-" + b.Date, Columns: []string{c.loc.MustT("col.module", nil), c.loc.MustT("col.kpi", nil),
		c.loc.MustT("col.unit", nil), c.loc.MustT("col.country", nil), c.loc.MustT("col.period", nil), c.loc.MustT("col.value", nil),
		c.loc.MustT("col.target", nil), c.loc.MustT("col.status", nil), c.loc.MustT("col.provisional", nil), c.loc.MustT("col.currency", nil)}}
	for _, m := range b.Modules {
		for _, k := range m.KPIs {
			for _, cell := range k.Cells {
				t.Rows = append(t.Rows, []any{m.ID, k.ID, k.Unit, cell.Country, cell.Period, cell.Value, cell.Target, cell.Status, cell.Provisional, cell.Currency})
			}
		}
	}
	return t
}
