package web

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sync"
	"time"

	"pulso/internal/metric"
)

// boardPeriods are the periods the board's picker offers.
var boardPeriods = []string{"day", "week", "month", "7d", "28d"}

// sparkDays is how many days a tile's sparkline covers.
const sparkDays = 14

// boardQuery is what the board shows: a period ending on (or containing) a day, and filters.
type boardQuery struct {
	Period   string    `json:"period"`
	Date     time.Time `json:"-"`
	Platform string    `json:"platform,omitempty"`
	Store    string    `json:"store,omitempty"`
	Category string    `json:"category,omitempty"`
}

func (q boardQuery) asked() map[string]string {
	return map[string]string{"platform": q.Platform, "store": q.Store, "category": q.Category}
}

// parseBoardQuery reads period, date, platform, store and category; the default is the
// rolling 7 days to yesterday.
func (s *server) parseBoardQuery(v url.Values) (boardQuery, error) {
	q := boardQuery{Period: v.Get("period"), Platform: v.Get("platform"), Store: v.Get("store"), Category: v.Get("category")}
	if q.Period == "" {
		q.Period = "day"
	}
	if !slices.Contains(boardPeriods, q.Period) {
		return q, badRequest("error.bad_param", map[string]any{"Source": "period"}, nil)
	}
	q.Date = s.today().AddDate(0, 0, -1)
	if d := v.Get("date"); d != "" {
		t, err := parseDay("date", d)
		if err != nil {
			return q, err
		}
		q.Date = t
	}
	return q, nil
}

// board is the board's data: countries side by side for every KPI of every module.
type board struct {
	Query      boardQuery    `json:"query"`
	Date       string        `json:"date"`
	From       string        `json:"from"`
	To         string        `json:"to"`
	Countries  []string      `json:"countries"`
	Modules    []boardModule `json:"modules"`
	Platforms  []string      `json:"-"`
	Stores     []string      `json:"-"`
	Categories []string      `json:"-"`
}

type boardModule struct {
	ID   string     `json:"module"`
	KPIs []boardKPI `json:"kpis"`
}

type boardKPI struct {
	Def   *metric.Definition `json:"-"`
	ID    string             `json:"kpi"`
	Name  string             `json:"name"`
	Unit  string             `json:"unit"`
	Cells []boardCell        `json:"countries"` // aligned with board.Countries
}

type boardCell struct {
	Country     string     `json:"country"`
	Value       *float64   `json:"value"`
	Status      string     `json:"status"`
	Target      *float64   `json:"target"`
	Provisional bool       `json:"provisional"`
	Period      string     `json:"period"`
	Spark       []*float64 `json:"sparkline"`
}

// loadBoard evaluates every visible KPI that breaks down by country, per country, for the
// chosen period, and its daily values of the last 14 days for the sparklines.
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
	f := filters(u, q.asked())
	b := &board{Query: q, Date: q.Date.Format(time.DateOnly)}
	var plain, windowed []string
	for _, d := range visibleKPIs(u, e.Catalog) {
		if !slices.Contains(d.Breakdowns, "country") {
			continue
		}
		if d.Grain == "" {
			plain = append(plain, d.ID)
		} else {
			windowed = append(windowed, d.ID) // e.g. turnover reads a quarter: 90 days to the day
		}
	}
	grain, err := metric.ParseGrain(q.Period)
	if err != nil {
		return nil, badRequest("error.bad_param", map[string]any{"Source": "period"}, err)
	}
	per := grain.Periods(q.Date, q.Date)[0]
	b.From, b.To = per.From.Format(time.DateOnly), per.To.Format(time.DateOnly)
	asOf := s.today()
	sparkFrom := q.Date.AddDate(0, 0, 1-sparkDays)
	type key struct{ kpi, country string }
	cells := map[key]*boardCell{}
	countries := map[string]bool{}
	cell := func(r metric.Row) *boardCell {
		c := r.Scope["country"]
		k := key{r.KPI, c}
		if cells[k] == nil {
			cells[k] = &boardCell{Country: c, Status: "none", Spark: make([]*float64, sparkDays)}
		}
		return cells[k]
	}
	// The tile values, the sparklines (plain and windowed KPIs) and the filter lists are
	// independent queries: run them at once (DuckDB and PostgreSQL each serve several).
	base := metric.Query{Tenant: u.Tenant, By: []string{"country"}, Filters: f, AsOf: asOf}
	type job struct {
		q           metric.Query
		spark, tile bool
		rows        []metric.Row
	}
	var jobs []*job
	// A rolling period's tile is the last point of its sparkline (one query); a calendar
	// period's sparkline is daily, its tile another query.
	add := func(ids []string, g, sparkGrain metric.Grain) {
		if len(ids) == 0 {
			return
		}
		sq := base
		sq.KPIs, sq.Grain, sq.From, sq.To, sq.Filters = ids, sparkGrain, sparkFrom, q.Date, cloneFilters(f)
		jobs = append(jobs, &job{q: sq, spark: true, tile: g == sparkGrain})
		if g != sparkGrain {
			tq := base
			tq.KPIs, tq.Grain, tq.From, tq.To, tq.Filters = ids, g, q.Date, q.Date, cloneFilters(f)
			jobs = append(jobs, &job{q: tq, tile: true})
		}
	}
	sparkGrain := metric.Grain{Name: "day"}
	if grain.Rolling > 0 {
		sparkGrain = grain // the sparkline of a rolling period shows that window, day by day
	}
	add(plain, grain, sparkGrain)
	add(windowed, metric.Grain{Name: "90d", Rolling: 90}, metric.Grain{Name: "90d", Rolling: 90})
	tasks := make([]func() error, 0, len(jobs)+1)
	for _, jb := range jobs {
		tasks = append(tasks, func() (err error) {
			jb.rows, err = e.Eval(ctx, jb.q)
			return err
		})
	}
	if withOptions {
		tasks = append(tasks, func() error { return s.dimensionOptions(ctx, e, u, q.Date, b) })
	}
	if err := parallel(tasks...); err != nil {
		return nil, err
	}
	day := q.Date.Format(time.DateOnly)
	for _, jb := range jobs {
		rows := keepRows(u, jb.rows, f)
		if jb.tile {
			tiles := rows
			if jb.spark { // judge the board's day only
				tiles = nil
				for _, r := range rows {
					if r.Period == day {
						tiles = append(tiles, r)
					}
				}
			}
			j.rows(tiles, f)
			for _, r := range tiles {
				c := cell(r)
				c.Value, c.Status, c.Target, c.Provisional, c.Period = r.Value, r.Status, r.Target, r.Provisional, r.Period
				if c.Status == "" {
					c.Status = "none"
				}
				if r.Value != nil {
					countries[c.Country] = true
				}
			}
		}
		if !jb.spark {
			continue
		}
		for _, r := range rows {
			d, err := time.Parse(time.DateOnly, r.Period)
			if err != nil {
				continue
			}
			if i := int(d.Sub(sparkFrom).Hours() / 24); i >= 0 && i < sparkDays {
				cell(r).Spark[i] = r.Value
			}
		}
	}
	for c := range countries {
		if c != metric.Unknown {
			b.Countries = append(b.Countries, c)
		}
	}
	slices.Sort(b.Countries)
	if len(b.Countries) == 0 && len(u.Scopes.Countries) > 0 {
		b.Countries = slices.Sorted(slices.Values(u.Scopes.Countries))
	}
	for _, m := range metric.Modules {
		bm := boardModule{ID: m}
		for _, d := range e.Catalog.All() {
			if d.Module != m || (!slices.Contains(plain, d.ID) && !slices.Contains(windowed, d.ID)) {
				continue
			}
			bk := boardKPI{Def: d, ID: d.ID, Name: d.Name(lang), Unit: d.Unit}
			for _, c := range b.Countries {
				if p := cells[key{d.ID, c}]; p != nil {
					bk.Cells = append(bk.Cells, *p)
				} else {
					bk.Cells = append(bk.Cells, boardCell{Country: c, Status: "none", Spark: make([]*float64, sparkDays)})
				}
			}
			bm.KPIs = append(bm.KPIs, bk)
		}
		if len(bm.KPIs) > 0 {
			b.Modules = append(b.Modules, bm)
		}
	}
	return b, nil
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
