// Package demo writes a deterministic demo seller as CSV files, one per record kind, exactly as a
// seller's exports would look: a Shenzhen company selling on Mercado Libre, Amazon, Shopee and
// Shein in Brazil, Mexico, Colombia, Chile and Argentina, with local time zones, seasonality,
// retail events, a healthy baseline and three injected problems (see Problems).
//
// The app imports the files through the normal ingest path. The same Config always produces
// byte-identical files: all randomness comes from one PCG source seeded from Config.Seed, and
// nothing depends on map iteration order or the wall clock.
package demo

import (
	"errors"
	"fmt"
	"os"
	"time"

	"pulso/internal/record"
)

// Config selects the demo seller.
type Config struct {
	Seed  int64     // default 1
	Days  int       // default 180
	End   time.Time // last local day included (only its calendar date is used); required
	Scale float64   // multiplies order volume; 1 = default (about 300 orders a day in total)
}

// File is one written CSV file.
type File struct {
	Kind string
	Path string
	Rows int
}

// Problem is an injected problem: in Country, from From to To (local dates, inclusive), the
// KPIs in KPIs go red. Related KPIs are knock-on effects that may leave green (yellow or red)
// in the same country during or shortly after the window.
type Problem struct {
	Country     string
	Module      string    // KPI dictionary module of the main KPIs
	Carrier     string    // set when the problem is one carrier's
	KPIs        []string  // KPI ids (kpi-dictionary.md) expected red on 3+ consecutive settled days
	Related     []string  // KPI ids that may also degrade as a consequence
	From, To    time.Time // local dates as UTC midnights, as record keeps dates
	Description string
}

const (
	defaultSeed = 1
	defaultDays = 180
	// problem windows, in days before End
	brCustomsDays  = 20
	mxCarrierDays  = 15
	coBacklogDays  = 12
	problemCarrier = "estafeta"
)

func (c Config) normalized() (Config, error) {
	if c.Seed == 0 {
		c.Seed = defaultSeed
	}
	if c.Days == 0 {
		c.Days = defaultDays
	}
	if c.Scale == 0 {
		c.Scale = 1
	}
	if c.End.IsZero() {
		return c, errors.New("demo: Config.End (the last day to generate) is required")
	}
	if c.Days < 1 || c.Days > 3660 {
		return c, fmt.Errorf("demo: Days must be between 1 and 3660, got %d", c.Days)
	}
	if c.Scale < 0 || c.Scale > 10000 {
		return c, fmt.Errorf("demo: Scale must be between 0 and 10000, got %g", c.Scale)
	}
	return c, nil
}

// endDay is the day number of the last generated local day.
func (c Config) endDay() int {
	y, m, d := c.End.Date()
	return dayNumber(y, m, d)
}

// window is a problem's first day number, clipped to the generated days.
func (c Config) window(daysBefore int) int {
	first := c.endDay() - c.Days + 1
	return max(c.endDay()-daysBefore, first)
}

// Problems describes the injected problems of cfg (nil when cfg is invalid).
func Problems(cfg Config) []Problem {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil
	}
	end := dateOf(cfg.endDay())
	return []Problem{
		{
			Country: "BR", Module: "customs",
			KPIs:    []string{"customs_hold_rate", "customs_clearance_rate", "customs_clearance_hours", "tax_bill_returns", "on_time_delivery_rate"},
			Related: []string{"delivery_days"},
			From:    dateOf(cfg.window(brCustomsDays)), To: end,
			Description: "Brazil customs slowdown: about 20% of the cross-border parcels submitted to Brazilian customs are held " +
				"(8 to 17 days), the others take 5 to 8 days to clear instead of about 36 hours, and tax bills are sent back " +
				"10 to 20 times a day. Cross-border parcels arrive after the promised date. Clearance time and on-time delivery " +
				"turn red a few days after the start, when the slowed parcels clear and arrive.",
		},
		{
			Country: "MX", Module: "warehouse_logistics", Carrier: problemCarrier,
			KPIs:    []string{"parcel_loss_rate", "last_mile_success_rate"},
			Related: nil,
			From:    dateOf(cfg.window(mxCarrierDays)), To: end,
			Description: "Mexico: carrier estafeta, which carries about half of Mexico's parcels, loses about 22% of the parcels " +
				"it should deliver and returns about 8% to the sender, so Mexico's parcel loss rate rises to about 11% and " +
				"last-mile success falls to about 85%.",
		},
		{
			Country: "CO", Module: "service",
			KPIs:    []string{"first_response_hours", "reply_within_48h_rate", "csat"},
			Related: nil,
			From:    dateOf(cfg.window(coBacklogDays)), To: end,
			Description: "Colombia customer-service backlog: tickets wait about two days for a first answer (45% of them more " +
				"than 48 hours), and about 60% of the rated tickets score CSAT 3 or lower.",
		},
	}
}

// Generate writes <kind>.csv into dir for every kind of record.Kinds() and returns the files,
// fx_rates first, then orders, then the other kinds in contract order.
func Generate(cfg Config, dir string) ([]File, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	g, err := newGen(cfg)
	if err != nil {
		return nil, err
	}
	kinds := record.Kinds()
	order := []*record.Kind{}
	for _, name := range []string{"fx_rates", "orders"} {
		for _, k := range kinds {
			if k.Name == name {
				order = append(order, k)
			}
		}
	}
	for _, k := range kinds {
		if k.Name != "fx_rates" && k.Name != "orders" {
			order = append(order, k)
		}
	}
	sinks := make(map[string]*sink, len(order))
	var list []*sink
	closeAll := func() error {
		var first error
		for _, s := range list {
			if err := s.close(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	for _, k := range order {
		s, err := newSink(dir, k)
		if err != nil {
			closeAll()
			return nil, err
		}
		sinks[k.Name] = s
		list = append(list, s)
	}
	if err := g.bind(sinks); err != nil {
		closeAll()
		return nil, err
	}
	g.run()
	if err := closeAll(); err != nil {
		return nil, err
	}
	files := make([]File, len(list))
	for i, s := range list {
		files[i] = File{Kind: s.kind, Path: s.path, Rows: s.rows}
	}
	return files, nil
}
