package metric

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// fxTable converts amounts by the contract's rule: an amount in the reporting currency is used
// as is; any other goes through fx_rates (units per USD) of the record's local date, or the
// latest earlier rate; no rate at all is an error naming the currency and date.
type fxTable struct {
	db     Querier
	tenant string
	report string
	until  time.Time
	rates  map[string][]fxRate
	loaded bool
}

type fxRate struct {
	date time.Time
	rate float64
}

func (f *fxTable) load(ctx context.Context) error {
	rows, err := f.db.QueryContext(ctx, `SELECT currency, date, per_usd FROM fx_rates WHERE tenant_id = $1 AND date <= CAST($2 AS DATE) ORDER BY currency, date`,
		f.tenant, f.until.Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("read fx_rates: %w", err)
	}
	defer rows.Close()
	f.rates = map[string][]fxRate{}
	for rows.Next() {
		var c string
		var r fxRate
		if err := rows.Scan(&c, &r.date, &r.rate); err != nil {
			return fmt.Errorf("read fx_rates: %w", err)
		}
		f.rates[c] = append(f.rates[c], r)
	}
	f.loaded = true
	return rows.Err()
}

// perUSD returns the rate of currency c in force on day d.
func (f *fxTable) perUSD(ctx context.Context, c string, d time.Time) (float64, error) {
	if c == "USD" {
		return 1, nil
	}
	if !f.loaded {
		if err := f.load(ctx); err != nil {
			return 0, err
		}
	}
	rs := f.rates[c]
	i := sort.Search(len(rs), func(i int) bool { return rs[i].date.After(d) })
	if i == 0 {
		return 0, &FXMissingError{Currency: c, Day: d, Report: f.report}
	}
	return rs[i-1].rate, nil
}

func (f *fxTable) convert(ctx context.Context, amount float64, c string, d time.Time) (float64, error) {
	if c == f.report {
		return amount, nil
	}
	from, err := f.perUSD(ctx, c, d)
	if err != nil {
		return 0, err
	}
	to, err := f.perUSD(ctx, f.report, d)
	if err != nil {
		return 0, err
	}
	return amount / from * to, nil
}

// FXMissingError: an amount cannot be reported in Report because fx_rates has no rate for
// Currency on or before Day. It is the seller's data to fix, not a fault of the program.
type FXMissingError struct {
	Currency, Report string
	Day              time.Time
}

func (e *FXMissingError) Error() string {
	return fmt.Sprintf("no FX rate for %s on or before %s (needed to report in %s): import fx_rates for %s",
		e.Currency, e.Day.Format(time.DateOnly), e.Report, e.Currency)
}
