package metric

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Grain is a calendar period (day, week, month, quarter) or a rolling window of N days that
// ends on each evaluated day.
type Grain struct {
	Name    string // day, week, month, quarter, 7d, 28d, 60d, 90d
	Rolling int    // window length in days; 0 for calendar grains
}

// Grains lists the grains a query may use.
var Grains = []string{"day", "week", "month", "quarter", "7d", "28d", "60d", "90d"}

// ParseGrain reads a grain name.
func ParseGrain(s string) (Grain, error) {
	switch s {
	case "day", "week", "month", "quarter":
		return Grain{Name: s}, nil
	case "7d", "28d", "60d", "90d":
		var n int
		fmt.Sscanf(s, "%dd", &n)
		return Grain{Name: s, Rolling: n}, nil
	}
	return Grain{}, fmt.Errorf("unknown grain %q (use %s)", s, strings.Join(Grains, ", "))
}

// Period is one evaluated period: local dates From..To inclusive, labelled by Start.
type Period struct {
	Start    time.Time // first local day of the period (for rolling windows: the evaluated day)
	From, To time.Time // the days it covers
}

// Days is the number of days the period covers.
func (p Period) Days() int { return int(p.To.Sub(p.From).Hours()/24) + 1 }

// Label is the period's name in output: YYYY-MM-DD of its first local day (evaluated day for
// rolling windows).
func (p Period) Label() string { return p.Start.Format(time.DateOnly) }

// truncate returns the first day of the calendar period containing d.
func (g Grain) truncate(d time.Time) time.Time {
	switch g.Name {
	case "week":
		off := (int(d.Weekday()) + 6) % 7 // ISO weeks start on Monday
		return d.AddDate(0, 0, -off)
	case "month":
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		m := time.Month((int(d.Month())-1)/3*3 + 1)
		return time.Date(d.Year(), m, 1, 0, 0, 0, 0, time.UTC)
	}
	return d
}

func (g Grain) end(start time.Time) time.Time {
	switch g.Name {
	case "week":
		return start.AddDate(0, 0, 6)
	case "month":
		return start.AddDate(0, 1, -1)
	case "quarter":
		return start.AddDate(0, 3, -1)
	}
	return start
}

// Periods lists the periods of a date range: calendar periods that overlap from..to (whole
// periods), or one rolling window per day from..to.
func (g Grain) Periods(from, to time.Time) []Period {
	var out []Period
	if g.Rolling > 0 {
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			out = append(out, Period{Start: d, From: d.AddDate(0, 0, 1-g.Rolling), To: d})
		}
		return out
	}
	for s := g.truncate(from); !s.After(to); s = g.end(s).AddDate(0, 0, 1) {
		out = append(out, Period{Start: s, From: s, To: g.end(s)})
	}
	return out
}

// Query asks for KPI values.
type Query struct {
	Tenant   string
	KPIs     []string
	Grain    Grain
	From, To time.Time // local dates, inclusive
	By       []string  // breakdowns
	// Filters keep only records whose dimension is one of the values (e.g. a user's countries).
	Filters  map[string][]string
	Currency string    // reporting currency, default USD
	AsOf     time.Time // the date that decides provisional periods (default: today)
}

// Row is one KPI value: the JSON shape of `pulso kpi eval`.
type Row struct {
	KPI         string            `json:"kpi"`
	Grain       string            `json:"grain"`
	Period      string            `json:"period"`
	Scope       map[string]string `json:"scope"`
	Value       *float64          `json:"value"`
	Numerator   *float64          `json:"numerator,omitempty"`
	Denominator *float64          `json:"denominator,omitempty"`
	Provisional bool              `json:"provisional"`
	// Weight is what the value is a weighted mean over: the denominator of a ratio, the
	// number of records of an average (nil for other KPIs). Contributions use it.
	Weight *float64 `json:"-"`
	// Status and Target are filled by the caller that judges values (green, yellow, red, none).
	Status string   `json:"status,omitempty"`
	Target *float64 `json:"target"`
}

// Unknown is the breakdown value of records that leave the dimension empty.
const Unknown = "unknown"

func (q *Query) normalise() error {
	if q.Currency == "" {
		q.Currency = "USD"
	}
	if q.Grain.Name == "" {
		q.Grain = Grain{Name: "day"}
	}
	if q.From.IsZero() || q.To.IsZero() {
		return fmt.Errorf("--from and --to are required")
	}
	if q.To.Before(q.From) {
		return fmt.Errorf("--to %s is before --from %s", q.To.Format(time.DateOnly), q.From.Format(time.DateOnly))
	}
	if q.To.Sub(q.From) > 3*366*24*time.Hour {
		return fmt.Errorf("date range longer than 3 years")
	}
	seen := map[string]bool{}
	for _, b := range q.By {
		if seen[b] {
			return fmt.Errorf("--by: %q given twice", b)
		}
		seen[b] = true
		if !slices.Contains(Dimensions, b) {
			return fmt.Errorf("--by: unknown breakdown %q (use %s)", b, strings.Join(Dimensions, ", "))
		}
	}
	for dim := range q.Filters {
		if !slices.Contains(Dimensions, dim) {
			return fmt.Errorf("filter: unknown dimension %q", dim)
		}
	}
	return nil
}
