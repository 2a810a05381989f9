package web

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"slices"
	"sort"
	"sync"
	"time"

	"pulso/internal/auth"
	"pulso/internal/i18n"
	"pulso/internal/metric"
)

// boardPeriods are the periods the board's picker offers.
var boardPeriods = []string{"day", "week", "month", "7d", "28d"}

// boardViews say which period the board shows: the last settled one of each KPI (the
// default), the current one (provisional values), or the one containing a chosen day.
var boardViews = []string{"settled", "current", "date"}

// sparkDays is how many days a tile's sparkline covers.
const sparkDays = 14

// boardQuery is what the board shows: a period of a grain, chosen by view, filters, the
// currency of money and whether only red and yellow KPIs are listed.
type boardQuery struct {
	Period   string    `json:"period"`
	View     string    `json:"view"`
	Date     time.Time `json:"-"` // current and date views: the day whose period every KPI shows
	Country  string    `json:"country,omitempty"`
	Module   string    `json:"module,omitempty"`
	Platform string    `json:"platform,omitempty"`
	Store    string    `json:"store,omitempty"`
	Category string    `json:"category,omitempty"`
	Currency string    `json:"currency"` // USD, CNY or local (each country's own)
	Problems bool      `json:"problems"` // only the KPIs that are red or yellow somewhere
}

func (q boardQuery) asked() map[string]string {
	return map[string]string{"country": q.Country, "platform": q.Platform, "store": q.Store, "category": q.Category}
}

// params are the query's URL parameters (the defaults left out), for links that keep it.
func (q boardQuery) params() url.Values {
	v := url.Values{}
	if q.Period != "day" {
		v.Set("period", q.Period)
	}
	if q.View != "settled" {
		v.Set("view", q.View)
	}
	if q.View == "date" {
		v.Set("date", q.Date.Format(time.DateOnly))
	}
	for k, val := range q.asked() {
		if val != "" {
			v.Set(k, val)
		}
	}
	if q.Module != "" {
		v.Set("module", q.Module)
	}
	if q.Problems {
		v.Set("problems", "1")
	}
	return v
}

// parseBoardQuery reads period, view, date, country, module, platform, store, category,
// currency and problems. The default is the last settled day; a date alone means that day's
// period; the currency defaults to the user's remembered one.
func (s *server) parseBoardQuery(v url.Values, u *User) (boardQuery, error) {
	q := boardQuery{Period: v.Get("period"), View: v.Get("view"), Country: v.Get("country"), Module: v.Get("module"),
		Platform: v.Get("platform"), Store: v.Get("store"), Category: v.Get("category"), Currency: v.Get("currency")}
	bad := func(p string, err error) error {
		return badRequest("error.bad_param", map[string]any{"Source": p}, err)
	}
	if q.Period == "" {
		q.Period = "day"
	}
	if !slices.Contains(boardPeriods, q.Period) {
		return q, bad("period", nil)
	}
	if q.View == "" {
		q.View = "settled"
		if v.Get("date") != "" {
			q.View = "date"
		}
	}
	if !slices.Contains(boardViews, q.View) {
		return q, bad("view", nil)
	}
	q.Date = s.today().AddDate(0, 0, -1)
	if d := v.Get("date"); d != "" && q.View == "date" {
		t, err := parseDay("date", d)
		if err != nil {
			return q, err
		}
		q.Date = t
	}
	if q.Module != "" {
		if !slices.Contains(metric.Modules, q.Module) {
			return q, bad("module", nil)
		}
		if !u.Scopes.AllowsKPI(q.Module) {
			return q, errForbidden
		}
	}
	if q.Currency == "" {
		q.Currency = u.Currency
	}
	if q.Currency == "" {
		q.Currency = "USD"
	}
	if !slices.Contains(auth.Currencies, q.Currency) {
		return q, bad("currency", nil)
	}
	switch v.Get("problems") {
	case "", "0", "false":
	case "1", "true", "on":
		q.Problems = true
	default:
		return q, bad("problems", nil)
	}
	return q, nil
}

// board is the board's data: countries side by side for every KPI of every module, and the
// summary of what is red and yellow.
type board struct {
	Query boardQuery `json:"query"`
	// Date, From and To are the board's period: the one KPIs that settle at once show. A KPI
	// that settles later shows its own last settled period (its cells' from and to).
	Date      string        `json:"date"`
	From      string        `json:"from"`
	To        string        `json:"to"`
	Countries []string      `json:"countries"`
	Modules   []boardModule `json:"modules"`
	Summary   boardSummary  `json:"summary"`
	// Currency is the currency money is shown in (local: each country's own); FXMissing says
	// that an exchange rate was missing, so money stayed in US dollars.
	Currency   string   `json:"currency"`
	FXMissing  bool     `json:"fx_missing,omitempty"`
	Platforms  []string `json:"-"`
	Stores     []string `json:"-"`
	Categories []string `json:"-"`
}

type boardModule struct {
	ID   string     `json:"module"`
	KPIs []boardKPI `json:"kpis"`
	// Problems counts the module's settled red and yellow values (Red the red ones), Values
	// those with a value.
	Problems int `json:"-"`
	Red      int `json:"-"`
	Values   int `json:"-"`
}

type boardKPI struct {
	Def   *metric.Definition `json:"-"`
	ID    string             `json:"kpi"`
	Name  string             `json:"name"`
	Unit  string             `json:"unit"`
	Cells []boardCell        `json:"countries"` // aligned with board.Countries
}

// boardCell is one KPI in one country. Status is the judgement against the target; a
// provisional value is never final, so the board shows it neutral and the summary leaves it
// out whatever its status.
type boardCell struct {
	Country     string     `json:"country"`
	Value       *float64   `json:"value"`
	Status      string     `json:"status"`
	Target      *float64   `json:"target"`
	Provisional bool       `json:"provisional"`
	Period      string     `json:"period"`
	From        string     `json:"from"`
	To          string     `json:"to"`
	Currency    string     `json:"currency,omitempty"`        // money: the currency of value and sparkline
	TargetCur   string     `json:"target_currency,omitempty"` // money: the currency of target
	Spark       []*float64 `json:"sparkline"`
}

// Problem tells whether the cell counts as red or yellow: judged so and settled.
func (c boardCell) Problem() bool {
	return !c.Provisional && (c.Status == "red" || c.Status == "yellow")
}

// Shown is the status the board colours the cell with: provisional values are neutral.
func (c boardCell) Shown() string {
	if c.Provisional && c.Value != nil {
		return "provisional"
	}
	return c.Status
}

// boardSummary counts settled red and yellow values per country and module, worst first, and
// gives the heat map of modules × countries.
type boardSummary struct {
	Red         int           `json:"red"`
	Yellow      int           `json:"yellow"`
	Green       int           `json:"green"`
	Provisional int           `json:"provisional"`
	Items       []summaryItem `json:"items"`
	Heat        []heatRow     `json:"heat"`
}

type summaryItem struct {
	Country string       `json:"country"`
	Module  string       `json:"module"`
	Red     int          `json:"red"`
	Yellow  int          `json:"yellow"`
	KPIs    []summaryKPI `json:"kpis"` // red first, then yellow, in catalogue order
}

type summaryKPI struct {
	ID     string    `json:"kpi"`
	Name   string    `json:"name"`
	Unit   string    `json:"unit"`
	Status string    `json:"status"`
	Value  *float64  `json:"value"`
	Period string    `json:"period"`
	Cell   boardCell `json:"-"`
}

type heatRow struct {
	Module string     `json:"module"`
	Cells  []heatCell `json:"countries"` // aligned with board.Countries
}

type heatCell struct {
	Country string `json:"country"`
	Red     int    `json:"red"`
	Yellow  int    `json:"yellow"`
	Green   int    `json:"green"`
	KPIs    int    `json:"kpis"` // KPIs with a value
}

// Worst is the heat cell's colour: red, yellow, green or none.
func (h heatCell) Worst() string {
	switch {
	case h.Red > 0:
		return "red"
	case h.Yellow > 0:
		return "yellow"
	case h.Green > 0:
		return "green"
	}
	return "none"
}

// lastSettled is the latest period of a grain whose value no longer changes on asOf: it
// ended more than settles days before asOf (a period is provisional until then, as the KPI
// engine marks it).
func lastSettled(g metric.Grain, asOf time.Time, settles int) metric.Period {
	x := asOf.AddDate(0, 0, -1-settles)
	p := g.Periods(x, x)[0]
	if p.To.After(x) { // the period holding x is not over by x: the one before
		y := p.From.AddDate(0, 0, -1)
		p = g.Periods(y, y)[0]
	}
	return p
}

// kpiPlan is what the board reads for one KPI: the tile's period and the sparkline's last day.
type kpiPlan struct {
	per metric.Period
	end time.Time
}

// periodFor is the period a KPI shows: its last settled one, or the one holding the day.
func (q boardQuery) periodFor(g metric.Grain, asOf time.Time, settles int) metric.Period {
	if q.View == "settled" {
		return lastSettled(g, asOf, settles)
	}
	return g.Periods(q.Date, q.Date)[0]
}

// loadBoard evaluates every visible KPI that breaks down by country, per country, for the
// period each shows, and its daily values of the 14 days to that period's end for the
// sparklines; it judges the values, converts money and sums up the red and yellow ones.
func (s *server) loadBoard(ctx context.Context, u *User, lang string, q boardQuery, withOptions bool) (*board, error) {
	if err := checkAsked(u, q.asked()); err != nil {
		return nil, err
	}
	e, err := s.engine(ctx, u.Tenant)
	if err != nil {
		return nil, err
	}
	j, err := s.judge(ctx, u.Tenant, e.Catalog)
	if err != nil {
		return nil, err
	}
	grain, err := metric.ParseGrain(q.Period)
	if err != nil {
		return nil, badRequest("error.bad_param", map[string]any{"Source": "period"}, err)
	}
	f := filters(u, q.asked())
	asOf := s.today()
	b := &board{Query: q, Currency: q.Currency}
	head := q.periodFor(grain, asOf, 0)
	b.From, b.To = head.From.Format(time.DateOnly), head.To.Format(time.DateOnly)
	b.Date = q.Date.Format(time.DateOnly)
	if q.View == "settled" {
		b.Date = b.To
	}
	window := metric.Grain{Name: "90d", Rolling: 90}
	plans := map[string]kpiPlan{}
	var plain, windowed, money []string
	for _, d := range visibleKPIs(u, e.Catalog) {
		if !slices.Contains(d.Breakdowns, "country") || (q.Module != "" && d.Module != q.Module) {
			continue
		}
		per := q.periodFor(grain, asOf, d.Settles)
		end := per.To
		if q.View != "settled" && end.After(q.Date) {
			end = q.Date // the current period's days to come have no values yet
		}
		if d.Grain == "" {
			plain = append(plain, d.ID)
		} else { // e.g. turnover reads a quarter: the 90 days to the period's end
			windowed = append(windowed, d.ID)
			per = window.Periods(end, end)[0]
		}
		plans[d.ID] = kpiPlan{per: per, end: end}
		if d.Unit == "money" {
			money = append(money, d.ID)
		}
	}

	// The tile values, the sparklines (plain and windowed KPIs), money in the reading
	// currency and the filter lists are independent queries: run them at once (DuckDB and
	// PostgreSQL each serve several).
	type job struct {
		q           metric.Query
		spark, tile bool
		cur         string // "": the judged values in US dollars; else money converted to cur
		rows        []metric.Row
		err         error
	}
	var jobs []*job
	span := func(ids []string) (from, to, sfrom, sto time.Time) {
		for i, id := range ids {
			p := plans[id]
			if i == 0 || p.per.From.Before(from) {
				from = p.per.From
			}
			if i == 0 || p.per.To.After(to) {
				to = p.per.To
			}
			if i == 0 || p.end.Before(sfrom) {
				sfrom = p.end
			}
			if i == 0 || p.end.After(sto) {
				sto = p.end
			}
		}
		return from, to, sfrom.AddDate(0, 0, 1-sparkDays), sto
	}
	// add queries ids at grain g (tiles) and sparkGrain (sparklines): a rolling period's tile
	// is a point of its sparkline (one query); a calendar period's sparkline is daily, its
	// tile another query.
	add := func(ids []string, g, sparkGrain metric.Grain, cur string, fl map[string][]string) {
		if len(ids) == 0 {
			return
		}
		from, to, sfrom, sto := span(ids)
		base := metric.Query{Tenant: u.Tenant, KPIs: ids, By: []string{"country"}, AsOf: asOf, Currency: cur}
		sq := base
		sq.Grain, sq.From, sq.To, sq.Filters = sparkGrain, sfrom, sto, cloneFilters(fl)
		jobs = append(jobs, &job{q: sq, spark: true, tile: g == sparkGrain, cur: cur})
		if g != sparkGrain {
			tq := base
			tq.Grain, tq.From, tq.To, tq.Filters = g, from, to, cloneFilters(fl)
			jobs = append(jobs, &job{q: tq, tile: true, cur: cur})
		}
	}
	sparkGrain := metric.Grain{Name: "day"}
	if grain.Rolling > 0 {
		sparkGrain = grain // the sparkline of a rolling period shows that window, day by day
	}
	both := func(ids []string, cur string, fl map[string][]string) {
		var p, w []string
		for _, id := range ids {
			if slices.Contains(windowed, id) {
				w = append(w, id)
			} else {
				p = append(p, id)
			}
		}
		add(p, grain, sparkGrain, cur, fl)
		add(w, window, window, cur, fl)
	}
	both(append(slices.Clone(plain), windowed...), "", f)
	// Money is judged in US dollars (the targets' currency) and shown in the reader's.
	nJudged := len(jobs)
	switch {
	case len(money) == 0 || q.Currency == "USD":
	case q.Currency == "local":
		for _, c := range slices.Sorted(maps.Keys(localCurrencies)) {
			if allowed, ok := f["country"]; ok && !slices.Contains(allowed, c) {
				continue
			}
			fl := cloneFilters(f)
			fl["country"] = []string{c}
			both(money, localCurrencies[c], fl)
		}
	default:
		both(money, q.Currency, f)
	}
	tasks := make([]func() error, 0, len(jobs)+1)
	for i, jb := range jobs {
		tasks = append(tasks, func() error {
			jb.rows, jb.err = e.Eval(ctx, jb.q)
			if i < nJudged {
				return jb.err
			}
			return nil // a missing exchange rate leaves money in US dollars
		})
	}
	if withOptions {
		to := head.To
		if to.After(q.Date) {
			to = q.Date
		}
		tasks = append(tasks, func() error { return s.dimensionOptions(ctx, e, u, to, b) })
	}
	if err := parallel(tasks...); err != nil {
		return nil, err
	}
	for _, jb := range jobs[nJudged:] {
		if jb.err != nil {
			s.log.Warn("board: money in the reading currency", "currency", jb.q.Currency, "err", jb.err)
			b.FXMissing, b.Currency = true, "USD"
		}
	}

	type key struct{ kpi, country string }
	cells := map[key]*boardCell{}
	countries := map[string]bool{}
	cell := func(r metric.Row) *boardCell {
		k := key{r.KPI, r.Scope["country"]}
		if cells[k] == nil {
			cells[k] = &boardCell{Country: k.country, Status: "none", Spark: make([]*float64, sparkDays)}
		}
		return cells[k]
	}
	// shown: money in the reading currency, per KPI and country
	type shown struct {
		value *float64
		cur   string
		spark []*float64
	}
	conv := map[key]*shown{}
	for ji, jb := range jobs {
		if ji >= nJudged && (b.FXMissing || jb.err != nil) {
			continue
		}
		rows := keepRows(u, jb.rows, jb.q.Filters)
		var tiles []metric.Row
		for _, r := range rows {
			p, ok := plans[r.KPI]
			if !ok {
				continue
			}
			if jb.tile && r.Period == p.per.Label() {
				tiles = append(tiles, r)
			}
			if !jb.spark {
				continue
			}
			d, err := time.Parse(time.DateOnly, r.Period)
			if err != nil {
				continue
			}
			i := int(d.Sub(p.end.AddDate(0, 0, 1-sparkDays)).Hours() / 24)
			if i < 0 || i >= sparkDays {
				continue
			}
			if ji < nJudged {
				cell(r).Spark[i] = r.Value
				continue
			}
			k := key{r.KPI, r.Scope["country"]}
			if conv[k] == nil {
				conv[k] = &shown{spark: make([]*float64, sparkDays)}
			}
			conv[k].spark[i] = r.Value
		}
		if ji >= nJudged {
			for _, r := range tiles {
				k := key{r.KPI, r.Scope["country"]}
				if conv[k] == nil {
					conv[k] = &shown{spark: make([]*float64, sparkDays)}
				}
				conv[k].value, conv[k].cur = r.Value, jb.q.Currency
			}
			continue
		}
		j.rows(tiles, jb.q.Filters)
		for _, r := range tiles {
			c := cell(r)
			p := plans[r.KPI]
			c.Value, c.Status, c.Target, c.Provisional, c.Period = r.Value, r.Status, r.Target, r.Provisional, r.Period
			c.From, c.To = p.per.From.Format(time.DateOnly), p.per.To.Format(time.DateOnly)
			if c.Status == "" {
				c.Status = "none"
			}
			if r.Value != nil {
				countries[c.Country] = true
			}
		}
	}
	for k, c := range cells {
		if !slices.Contains(money, k.kpi) {
			continue
		}
		c.Currency, c.TargetCur = "USD", "USD"
		sh := conv[k]
		if sh == nil || sh.cur == "" {
			continue
		}
		// the target is in US dollars: at the period's own rate, the one that converted the value
		if c.Target != nil && c.Value != nil && sh.value != nil && *c.Value != 0 {
			t := *c.Target * *sh.value / *c.Value
			c.Target, c.TargetCur = &t, sh.cur
		}
		c.Value, c.Spark, c.Currency = sh.value, sh.spark, sh.cur
	}

	for c := range countries {
		if c != metric.Unknown {
			b.Countries = append(b.Countries, c)
		}
	}
	slices.Sort(b.Countries)
	if len(b.Countries) == 0 && len(u.Scopes.Countries) > 0 {
		b.Countries = slices.Sorted(slices.Values(u.Scopes.Countries))
		if q.Country != "" {
			b.Countries = []string{q.Country}
		}
	}
	for _, m := range metric.Modules {
		bm := boardModule{ID: m}
		for _, d := range e.Catalog.All() {
			if d.Module != m {
				continue
			}
			p, ok := plans[d.ID]
			if !ok {
				continue
			}
			bk := boardKPI{Def: d, ID: d.ID, Name: d.Name(lang), Unit: d.Unit}
			for _, c := range b.Countries {
				if got := cells[key{d.ID, c}]; got != nil {
					bk.Cells = append(bk.Cells, *got)
					continue
				}
				empty := boardCell{Country: c, Status: "none", Period: p.per.Label(), From: p.per.From.Format(time.DateOnly),
					To: p.per.To.Format(time.DateOnly), Spark: make([]*float64, sparkDays)}
				bk.Cells = append(bk.Cells, empty)
			}
			bm.KPIs = append(bm.KPIs, bk)
		}
		if len(bm.KPIs) > 0 {
			b.Modules = append(b.Modules, bm)
		}
	}
	b.Summary = summarize(b)
	if q.Problems {
		b.Modules = onlyProblems(b.Modules)
	}
	return b, nil
}

// localCurrencies are the currencies the "local" choice shows each country's money in.
var localCurrencies = func() map[string]string {
	m := map[string]string{}
	for _, c := range []string{"AR", "BR", "CL", "CO", "MX", "PE"} {
		m[c] = i18n.CountryCurrency(c)
	}
	return m
}()

// summarize counts the settled red and yellow values per country and module (worst first:
// most red, then most yellow) and fills the heat map of modules × countries.
func summarize(b *board) boardSummary {
	var s boardSummary
	type key struct{ country, module string }
	items := map[key]*summaryItem{}
	for mi := range b.Modules {
		m := &b.Modules[mi]
		row := heatRow{Module: m.ID}
		for i, country := range b.Countries {
			h := heatCell{Country: country}
			for _, k := range m.KPIs {
				c := k.Cells[i]
				if c.Value != nil {
					h.KPIs++
					m.Values++
				}
				switch {
				case c.Provisional && c.Value != nil:
					s.Provisional++
					continue
				case c.Status == "green":
					s.Green++
					h.Green++
				case c.Status == "red":
					s.Red++
					h.Red++
				case c.Status == "yellow":
					s.Yellow++
					h.Yellow++
				}
				if !c.Problem() {
					continue
				}
				m.Problems++
				it := items[key{country, m.ID}]
				if it == nil {
					it = &summaryItem{Country: country, Module: m.ID}
					items[key{country, m.ID}] = it
				}
				if c.Status == "red" {
					it.Red++
					m.Red++
				} else {
					it.Yellow++
				}
				it.KPIs = append(it.KPIs, summaryKPI{ID: k.ID, Name: k.Name, Unit: k.Unit, Status: c.Status, Value: c.Value, Period: c.Period, Cell: c})
			}
			row.Cells = append(row.Cells, h)
		}
		s.Heat = append(s.Heat, row)
	}
	for _, it := range items {
		sort.SliceStable(it.KPIs, func(a, b int) bool { return it.KPIs[a].Status == "red" && it.KPIs[b].Status != "red" })
		s.Items = append(s.Items, *it)
	}
	sort.Slice(s.Items, func(a, c int) bool {
		x, y := s.Items[a], s.Items[c]
		if x.Red != y.Red {
			return x.Red > y.Red
		}
		if x.Yellow != y.Yellow {
			return x.Yellow > y.Yellow
		}
		if x.Country != y.Country {
			return x.Country < y.Country
		}
		return slices.Index(metric.Modules, x.Module) < slices.Index(metric.Modules, y.Module)
	})
	if s.Items == nil {
		s.Items = []summaryItem{}
	}
	return s
}

// onlyProblems keeps the KPIs with a settled red or yellow value in some country (all their
// countries stay, for comparison) and the modules that still have one.
func onlyProblems(mods []boardModule) []boardModule {
	var out []boardModule
	for _, m := range mods {
		var ks []boardKPI
		for _, k := range m.KPIs {
			if slices.ContainsFunc(k.Cells, boardCell.Problem) {
				ks = append(ks, k)
			}
		}
		if len(ks) > 0 {
			m.KPIs = ks
			out = append(out, m)
		}
	}
	return out
}

// dimensionOptions lists the platforms, stores and categories the user's orders of the 28
// days to the board's day name (through the metric layer, inside the user's scope).
func (s *server) dimensionOptions(ctx context.Context, e *metric.Engine, u *User, to time.Time, b *board) error {
	if _, err := e.Catalog.Get("orders"); err != nil {
		return nil // a catalogue without the orders KPI offers no lists
	}
	f := u.Scopes.Filters()
	rows, err := e.Eval(ctx, metric.Query{Tenant: u.Tenant, KPIs: []string{"orders"}, Grain: metric.Grain{Name: "28d", Rolling: 28},
		From: to, To: to, By: []string{"platform", "store", "category"}, Filters: cloneFilters(f), AsOf: s.today()})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	add := func(list *[]string, dim, v string) {
		if v == "" || v == metric.Unknown || seen[dim+"\x00"+v] {
			return
		}
		seen[dim+"\x00"+v] = true
		*list = append(*list, v)
	}
	for _, r := range keepRows(u, rows, f) {
		add(&b.Platforms, "platform", r.Scope["platform"])
		add(&b.Stores, "store", r.Scope["store"])
		add(&b.Categories, "category", r.Scope["category"])
	}
	slices.Sort(b.Platforms)
	slices.Sort(b.Stores)
	slices.Sort(b.Categories)
	return nil
}

// parallel runs the tasks at once and returns the first error.
func parallel(tasks ...func() error) error {
	errs := make([]error, len(tasks))
	var wg sync.WaitGroup
	for i, t := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = t()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
