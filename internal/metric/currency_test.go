package metric_test

import (
	"errors"
	"testing"

	"pulso/internal/metric"
)

// Reporting currencies: an amount already in the reporting currency is used as is; any other
// goes through fx_rates (units per USD) of the record's local date, or the latest earlier one.

// brlOnly has BRL amounts and no fx_rates at all.
var brlOnly = dataset{tenant: "brl", files: []file{{"orders", `
	order_id,platform,country,store,created_at,currency,gross_amount,cogs
	B1,mercadolibre,BR,s1,2026-03-02 10:00:00,BRL,100,40
	B2,mercadolibre,BR,s1,2026-03-02 11:00:00,BRL,30.5,
	B3,mercadolibre,BR,s1,2026-03-03 10:00:00,BRL,70,
`}}}

// fxGap has a BRL order the day before the first BRL rate, and no CNY rates.
var fxGap = dataset{tenant: "fxgap", files: []file{
	{"orders", `
		order_id,platform,country,store,created_at,currency,gross_amount
		G1,mercadolibre,BR,s1,2026-03-01 10:00:00,BRL,10
		G2,mercadolibre,BR,s1,2026-03-02 10:00:00,BRL,20
	`},
	{"fx_rates", `
		date,currency,per_usd
		2026-03-02,BRL,5
	`},
}}

func TestReportingCurrency(t *testing.T) {
	st := openDuck(t)
	load(t, st, brlOnly, fxGap, fxData)
	e := newEngine(t, st)

	t.Run("BRL on BRL data without rates", func(t *testing.T) {
		qu := q(t, "brl", "day", "2026-03-02", "2026-03-03", "gmv", "gross_margin", "average_order_value")
		qu.Currency = "BRL"
		check(t, nil, eval(t, e, qu), true, wants(
			// 100 + 30.5 BRL as is; 03-03: 70.
			days("gmv", "", "2026-03-02", val(130.5), val(70)),
			// (130.5 - 40) / 130.5
			days("gross_margin", "", "2026-03-02", val(90.5/130.5), val(1)),
			days("average_order_value", "", "2026-03-02", frac(130.5, 2), frac(70, 1)),
		)...)
	})

	t.Run("KPIs without amounts need no rates", func(t *testing.T) {
		qu := q(t, "brl", "day", "2026-03-02", "2026-03-02", "orders")
		check(t, nil, eval(t, e, qu), true, at("orders", "2026-03-02", "", val(2)))
	})

	errCases := []struct {
		name, tenant, currency, from, to, want string
	}{
		{"USD from BRL without rates", "brl", "USD", "2026-03-02", "2026-03-02",
			"no FX rate for BRL on or before 2026-03-02 (needed to report in USD): import fx_rates for BRL"},
		// G1 is dated 03-01; the first BRL rate is of 03-02, which is later.
		{"USD before the first rate", "fxgap", "USD", "2026-03-01", "2026-03-02",
			"no FX rate for BRL on or before 2026-03-01 (needed to report in USD): import fx_rates for BRL"},
		// BRL has a rate on 03-02, CNY has none.
		{"CNY without CNY rates", "fxgap", "CNY", "2026-03-02", "2026-03-02",
			"no FX rate for CNY on or before 2026-03-02 (needed to report in CNY): import fx_rates for CNY"},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			qu := q(t, c.tenant, "day", c.from, c.to, "gmv")
			qu.Currency = c.currency
			_, err := e.Eval(t.Context(), qu)
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v,\nwant %s", err, c.want)
			}
			var fx *metric.FXMissingError // pages tell it apart from a fault (a 422, not a 500)
			if !errors.As(err, &fx) {
				t.Errorf("error %T is not a *metric.FXMissingError", err)
			}
		})
	}

	t.Run("USD with a missing day", func(t *testing.T) {
		// The rate of 03-03 is missing: 03-02's 5 applies. 03-02: 100 / 5 = 20;
		// 03-03: 50 / 5 + 15 USD = 25; 03-04: 60 / 4 = 15; the week: 60.
		qu := q(t, "fx", "day", "2026-03-02", "2026-03-04", "gmv")
		check(t, nil, eval(t, e, qu), true, days("gmv", "", "2026-03-02", val(20), val(25), val(15))...)
		qu = q(t, "fx", "week", "2026-03-02", "2026-03-04", "gmv")
		check(t, nil, eval(t, e, qu), true, at("gmv", "2026-03-02", "", val(60)))
	})

	t.Run("CNY through USD", func(t *testing.T) {
		// amount / per_usd(currency) * per_usd(CNY), CNY 7 from 03-01, 7.2 from 03-04:
		// 03-02: 100 / 5 * 7 = 140; 03-03: 50 / 5 * 7 + 15 / 1 * 7 = 70 + 105 = 175;
		// 03-04: 60 / 4 * 7.2 = 108. Margin 03-02: (140 - 40 / 5 * 7) / 140 = 84 / 140.
		qu := q(t, "fx", "day", "2026-03-02", "2026-03-04", "gmv", "average_order_value", "gross_margin")
		qu.Currency = "CNY"
		check(t, nil, eval(t, e, qu), true, wants(
			days("gmv", "", "2026-03-02", val(140), val(175), val(108)),
			days("average_order_value", "", "2026-03-02", frac(140, 1), frac(175, 2), frac(108, 1)),
			days("gross_margin", "", "2026-03-02", val(84.0/140), val(1), val(1)),
		)...)
		qu = q(t, "fx", "month", "2026-03-02", "2026-03-04", "gmv")
		qu.Currency = "CNY"
		// 140 + 175 + 108
		check(t, nil, eval(t, e, qu), true, at("gmv", "2026-03-01", "", val(423)))
	})

	t.Run("BRL from USD", func(t *testing.T) {
		// BRL amounts as is; F4's 15 USD * 5 (03-02's BRL rate, 03-03 has none) = 75.
		qu := q(t, "fx", "day", "2026-03-02", "2026-03-04", "gmv")
		qu.Currency = "BRL"
		check(t, nil, eval(t, e, qu), true, days("gmv", "", "2026-03-02", val(100), val(50+75), val(60))...)
	})
}
