package metric_test

import (
	"database/sql"
	"slices"
	"testing"
	"time"

	"pulso/internal/metric"
	"pulso/internal/store"
)

// Every KPI of the standard template, computed on the fixtures of fixtures_test.go and
// compared with values worked out by hand (the arithmetic is in the comments).

// valueCase is one query on one fixture tenant and the rows it must return.
type valueCase struct {
	name    string
	tenant  string
	kpis    []string
	grain   string
	from    string
	to      string
	by      []string
	filters map[string][]string
	asOf    string // default 2026-12-31: nothing provisional
	// exact: the query returns exactly the expected rows for these KPIs, no more.
	exact bool
	wants []want
}

func (c valueCase) query(t testing.TB) metric.Query {
	qu := q(t, c.tenant, c.grain, c.from, c.to, c.kpis...)
	qu.By, qu.Filters = c.by, c.filters
	if c.asOf != "" {
		qu.AsOf = day(c.asOf)
	}
	return qu
}

var salesKPIs = []string{"orders", "gmv", "average_order_value", "conversion_rate", "seller_cancellation_rate",
	"roas", "acos", "gross_margin", "contribution_margin", "cac", "cost_per_order", "dispute_rate"}

var valueCases = []valueCase{
	// ------------------------------------------------------------------ sales and finance
	{
		name: "sales by day", tenant: "sales", kpis: salesKPIs, grain: "day", from: "2026-03-02", to: "2026-03-04", exact: true,
		wants: wants(
			// 03-02 local: S1 S2 (23:50) S3 S4 S5 S6 S7 (01:30Z = 22:30 local); S4 S5 cancelled.
			// orders not cancelled: S1 S2 S3 S6 S7 = 5; 03-03: S8; 03-04: none.
			days("orders", "", "2026-03-02", val(5), val(1), val(0)),
			// gmv 03-02: S1 100 + S2 50 + S3 200 + S7 30 (S6 has no amount; S4 80 and S5 60
			// cancelled) = 380; 03-03: S8 40; 03-04: nothing, a sum of no rows is 0.
			days("gmv", "", "2026-03-02", val(380), val(40), val(0)),
			// 380 over the 4 orders not cancelled that have an amount (S6 has none) = 95.
			days("average_order_value", "", "2026-03-02", frac(380, 4), frac(40, 1), frac(0, 0)),
			// all orders (cancelled too) over visits: 7 / (300 BR + 50 MX) = 0.02; 03-03: 1
			// order, no traffic: no value; 03-04: 0 orders / 100 visits = 0.
			days("conversion_rate", "", "2026-03-02", frac(7, 350), frac(1, 0), frac(0, 100)),
			// S4 cancelled by the seller, of all 7 orders.
			days("seller_cancellation_rate", "", "2026-03-02", frac(1, 7), frac(0, 1), frac(0, 0)),
			// ads 03-02: sales 100 + 30 = 130, spend 25 + 15 = 40; 03-03: 20 / 10.
			days("roas", "", "2026-03-02", frac(130, 40), frac(20, 10), frac(0, 0)),
			days("acos", "", "2026-03-02", frac(40, 130), frac(10, 20), frac(0, 0)),
			// (gross - cogs) / gross; cogs 03-02: 40 + 20 + 90 + 10 = 160 -> 220 / 380;
			// 03-03: (40 - 15) / 40 = 0.625; 03-04: 0 / 0, no value.
			days("gross_margin", "", "2026-03-02", val(220.0/380), val(0.625), val(none)),
			// 03-02: fees 10+5+20+3 = 38, shipping 5+5+10+2 = 22, cogs 160, ads 5+0+10+1 = 16:
			// (380 - 38 - 22 - 160 - 16) / 380 = 144 / 380; 03-03: (40-4-2-15-1)/40 = 0.45.
			days("contribution_margin", "", "2026-03-02", val(144.0/380), val(0.45), val(none)),
			// new buyers 03-02: b1 (S1 and S6, once), b2, b3, b4 (cancelled still a first
			// order); S5 has no buyer; b6 ordered on 02-10, before the range: not new. 40 / 4.
			// 03-03: b7: 10 / 1.
			days("cac", "", "2026-03-02", frac(40, 4), frac(10, 1), frac(0, 0)),
			days("cost_per_order", "", "2026-03-02", frac(40, 5), frac(10, 1), frac(0, 0)),
			// disputes T1 and T3 (T2 false, T4 unknown) over the 5 orders not cancelled.
			days("dispute_rate", "", "2026-03-02", frac(2, 5), frac(0, 1), frac(0, 0)),
		),
	},
	{
		name: "sales by country", tenant: "sales", grain: "day", from: "2026-03-02", to: "2026-03-03", by: []string{"country"}, exact: true,
		kpis: []string{"orders", "gmv", "average_order_value", "conversion_rate", "seller_cancellation_rate", "roas",
			"gross_margin", "contribution_margin", "cac", "cost_per_order", "dispute_rate"},
		wants: wants(
			// BR 03-02: S1 S2 S6 S7 (S4 cancelled); MX: S3 (S5 cancelled). 03-03: S8 (BR).
			days("orders", "country=BR", "2026-03-02", val(4), val(1)),
			days("orders", "country=MX", "2026-03-02", val(1), val(0)),
			// BR 100 + 50 + 30 = 180; MX 200.
			days("gmv", "country=BR", "2026-03-02", val(180), val(40)),
			days("gmv", "country=MX", "2026-03-02", val(200), val(0)),
			days("average_order_value", "country=BR", "2026-03-02", frac(180, 3), frac(40, 1)),
			days("average_order_value", "country=MX", "2026-03-02", frac(200, 1), frac(0, 0)),
			// BR: S1 S2 S4 S6 S7 over 300 visits; MX: S3 S5 over 50.
			days("conversion_rate", "country=BR", "2026-03-02", frac(5, 300), frac(1, 0)),
			days("conversion_rate", "country=MX", "2026-03-02", frac(2, 50), frac(0, 0)),
			days("seller_cancellation_rate", "country=BR", "2026-03-02", frac(1, 5), frac(0, 1)),
			days("seller_cancellation_rate", "country=MX", "2026-03-02", frac(0, 2), frac(0, 0)),
			days("roas", "country=BR", "2026-03-02", frac(100, 25), frac(20, 10)),
			days("roas", "country=MX", "2026-03-02", frac(30, 15), frac(0, 0)),
			// BR: (180 - (40 + 20 + 10)) / 180 = 110 / 180; MX: (200 - 90) / 200 = 0.55.
			days("gross_margin", "country=BR", "2026-03-02", val(110.0/180), val(0.625)),
			days("gross_margin", "country=MX", "2026-03-02", val(0.55), val(none)),
			// BR: 180 - 18 fees - 12 shipping - 70 cogs - 6 ads = 74; MX: 200-20-10-90-10 = 70.
			days("contribution_margin", "country=BR", "2026-03-02", val(74.0/180), val(0.45)),
			days("contribution_margin", "country=MX", "2026-03-02", val(70.0/200), val(none)),
			// new buyers BR: b1 b2 b4 (b6 is not new); MX: b3 (S5 has no buyer).
			days("cac", "country=BR", "2026-03-02", frac(25, 3), frac(10, 1)),
			days("cac", "country=MX", "2026-03-02", frac(15, 1), frac(0, 0)),
			days("cost_per_order", "country=BR", "2026-03-02", frac(25, 4), frac(10, 1)),
			days("cost_per_order", "country=MX", "2026-03-02", frac(15, 1), frac(0, 0)),
			days("dispute_rate", "country=BR", "2026-03-02", frac(1, 4), frac(0, 1)),
			days("dispute_rate", "country=MX", "2026-03-02", frac(1, 1), frac(0, 0)),
		),
	},
	{
		// S2 has no category: its own "unknown" group, and still in the total (sales by day).
		name: "sales by category", tenant: "sales", grain: "day", from: "2026-03-02", to: "2026-03-02", by: []string{"category"}, exact: true,
		kpis: []string{"orders", "gmv", "average_order_value"},
		wants: wants(
			// shoes: S1 100, S6 (no amount), S7 30 (S4 cancelled); unknown: S2 50; bags: S3 200.
			days("orders", "category=shoes", "2026-03-02", val(3)),
			days("orders", "category=unknown", "2026-03-02", val(1)),
			days("orders", "category=bags", "2026-03-02", val(1)),
			days("gmv", "category=shoes", "2026-03-02", val(130)),
			days("gmv", "category=unknown", "2026-03-02", val(50)),
			days("gmv", "category=bags", "2026-03-02", val(200)),
			days("average_order_value", "category=shoes", "2026-03-02", frac(130, 2)),
			days("average_order_value", "category=unknown", "2026-03-02", frac(50, 1)),
			days("average_order_value", "category=bags", "2026-03-02", frac(200, 1)),
		),
	},
	{
		name: "ads by campaign", tenant: "sales", grain: "day", from: "2026-03-02", to: "2026-03-02", by: []string{"campaign"}, exact: true,
		kpis: []string{"roas", "acos"},
		wants: wants(
			days("roas", "campaign=c1", "2026-03-02", frac(100, 25)),
			days("roas", "campaign=c2", "2026-03-02", frac(30, 15)),
			days("acos", "campaign=c1", "2026-03-02", frac(25, 100)),
			days("acos", "campaign=c2", "2026-03-02", frac(15, 30)),
		),
	},
	{
		name: "sales by week", tenant: "sales", grain: "week", from: "2026-03-04", to: "2026-03-09", exact: true,
		kpis: []string{"orders", "gmv", "average_order_value", "conversion_rate", "seller_cancellation_rate", "roas", "cac", "cost_per_order"},
		wants: wants(
			// Whole ISO weeks overlapping 03-04..03-09: 03-02..03-08 and 03-09..03-15.
			// week 1: 5 + 1 orders; gmv 380 + 40; week 2: S9 120.
			series("orders", "", "2026-03-02", 7, val(6), val(1)),
			series("gmv", "", "2026-03-02", 7, val(420), val(120)),
			series("average_order_value", "", "2026-03-02", 7, frac(420, 5), frac(120, 1)),
			// week 1: 7 + 1 orders over 300 + 50 + 100 visits; week 2: 1 order, no traffic.
			series("conversion_rate", "", "2026-03-02", 7, frac(8, 450), frac(1, 0)),
			series("seller_cancellation_rate", "", "2026-03-02", 7, frac(1, 8), frac(0, 1)),
			series("roas", "", "2026-03-02", 7, frac(150, 50), frac(48, 12)),
			// week 1: spend 25 + 15 + 10 over new buyers b1 b2 b3 b4 b7; week 2: spend 12, S9
			// is b3's second order: no new buyer, no value.
			series("cac", "", "2026-03-02", 7, frac(50, 5), frac(12, 0)),
			series("cost_per_order", "", "2026-03-02", 7, frac(50, 6), frac(12, 1)),
		),
	},
	{
		name: "sales by month", tenant: "sales", grain: "month", from: "2026-03-02", to: "2026-03-09", exact: true,
		kpis: []string{"orders", "gmv", "average_order_value", "cac"},
		wants: []want{
			// March: S1..S9 but S4 S5 = 7 orders; gmv 380 + 40 + 120 = 540 over 6 with amounts.
			at("orders", "2026-03-01", "", val(7)),
			at("gmv", "2026-03-01", "", val(540)),
			at("average_order_value", "2026-03-01", "", frac(540, 6)),
			// spend 40 + 10 + 12 = 62; new in March: b1 b2 b3 b4 b7 (b6 first ordered in Feb).
			at("cac", "2026-03-01", "", frac(62, 5)),
		},
	},
	{
		name: "sales by quarter", tenant: "sales", grain: "quarter", from: "2026-03-02", to: "2026-03-09", exact: true,
		kpis: []string{"orders", "gmv", "cac"},
		wants: []want{
			// Q1 adds S0 (02-10, 20): 8 orders, gmv 560; b6 is new in Q1: 6 new buyers.
			at("orders", "2026-01-01", "", val(8)),
			at("gmv", "2026-01-01", "", val(560)),
			at("cac", "2026-01-01", "", frac(62, 6)),
		},
	},
	{
		name: "sales 7d rolling", tenant: "sales", grain: "7d", from: "2026-03-08", to: "2026-03-09", exact: true,
		kpis: []string{"orders", "gmv", "average_order_value", "cac"},
		wants: wants(
			// ending 03-08: 03-02..03-08 = week 1; ending 03-09: 03-03..03-09 = S8 and S9.
			days("orders", "", "2026-03-08", val(6), val(2)),
			days("gmv", "", "2026-03-08", val(420), val(160)),
			days("average_order_value", "", "2026-03-08", frac(420, 5), frac(160, 2)),
			// ending 03-09: spend 10 + 12; new: b7 only (b3 first ordered on 03-02).
			days("cac", "", "2026-03-08", frac(50, 5), frac(22, 1)),
		),
	},
	{
		// seller_cancellation_rate settles after 7 days; orders after 0. As of 03-09, 03-02's
		// cancellation rate is still provisional (03-02 + 7 = 03-09 is not over).
		name: "provisional as of 03-09", tenant: "sales", grain: "day", from: "2026-03-02", to: "2026-03-03", asOf: "2026-03-09", exact: true,
		kpis: []string{"seller_cancellation_rate", "orders"},
		wants: wants(
			days("seller_cancellation_rate", "", "2026-03-02", frac(1, 7).provisional(), frac(0, 1).provisional()),
			days("orders", "", "2026-03-02", val(5), val(1)),
		),
	},
	{
		name: "provisional as of 03-10", tenant: "sales", grain: "day", from: "2026-03-02", to: "2026-03-03", asOf: "2026-03-10", exact: true,
		kpis:  []string{"seller_cancellation_rate"},
		wants: days("seller_cancellation_rate", "", "2026-03-02", frac(1, 7), frac(0, 1).provisional()),
	},
	{
		// A settles-0 KPI is provisional only on the as-of day itself.
		name: "provisional today", tenant: "sales", grain: "day", from: "2026-03-02", to: "2026-03-03", asOf: "2026-03-03", exact: true,
		kpis:  []string{"orders"},
		wants: days("orders", "", "2026-03-02", val(5), val(1).provisional()),
	},
	{
		name: "filter country", tenant: "sales", grain: "day", from: "2026-03-02", to: "2026-03-02", exact: true,
		filters: map[string][]string{"country": {"MX"}},
		kpis:    []string{"orders", "gmv", "cac", "conversion_rate"},
		wants: []want{
			at("orders", "2026-03-02", "", val(1)),
			at("gmv", "2026-03-02", "", val(200)),
			at("cac", "2026-03-02", "", frac(15, 1)),
			at("conversion_rate", "2026-03-02", "", frac(2, 50)),
		},
	},
	{
		// A filter on a dimension that one of the KPI's kinds lacks (orders have no campaign)
		// leaves that measure without a value, and so the KPI: cac's spend is campaign c1's
		// 25, its new buyers have none. roas reads ads only.
		name: "filter a kind lacks", tenant: "sales", grain: "day", from: "2026-03-02", to: "2026-03-02", exact: true,
		filters: map[string][]string{"campaign": {"c1"}},
		kpis:    []string{"cac", "roas"},
		wants: []want{
			at("cac", "2026-03-02", "", want{value: none, num: 25, den: none}),
			at("roas", "2026-03-02", "", frac(100, 25)),
		},
	},

	// ------------------------------------------------------------------ local days
	{
		name: "local midnight and Chile DST", tenant: "edges", grain: "day", from: "2026-03-02", to: "2026-03-03", by: []string{"country"}, exact: true,
		kpis: []string{"orders"},
		wants: wants(
			// BR 03-02: E1 (naive 23:50), E2 (01:30Z), E3 (23:59-03:00); 03-03: E4, E5.
			days("orders", "country=BR", "2026-03-02", val(3), val(2)),
			// MX 03-02: E6 (23:30-06:00 is 05:30Z on 03-03).
			days("orders", "country=MX", "2026-03-02", val(1), val(0)),
		),
	},
	{
		name: "Chile fall-back", tenant: "edges", grain: "day", from: "2026-04-04", to: "2026-04-05", exact: true,
		kpis: []string{"orders"},
		// 04-04: E7 (naive 23:30, the first), E8 (03:30Z, the second 23:30); 04-05: E9, E10.
		wants: days("orders", "", "2026-04-04", val(2), val(2)),
	},

	// ------------------------------------------------------------------ fulfilment
	{
		name: "fulfilment by day", tenant: "ship", grain: "day", from: "2026-03-02", to: "2026-03-06", exact: true,
		kpis: []string{"order_handling_hours", "order_handling_hours_p90", "late_shipment_rate", "fulfillment_cost_per_order",
			"on_time_delivery_rate", "delivery_days", "delivered_within_72h_rate", "return_rate", "return_processing_days"},
		wants: wants(
			// shipped 03-02 (local): H1 H2 H3 H4 H5 (02:30Z is 23:30 local); 03-03: H6.
			// hours from coalesce(paid, created) to shipped: H1 12:00 -> 12:00 next day = 24;
			// H2 (not paid) 03-01 08:00 -> 03-02 14:00 = 30; H3 06:00 -> 18:00 = 12;
			// H4 02-27 10:00 -> 03-02 10:00 = 72; H5 09:00 -> 23:30 = 14.5.
			// avg (24 + 30 + 12 + 72 + 14.5) / 5 = 152.5 / 5 = 30.5; H6: 0.
			days("order_handling_hours", "", "2026-03-02", val(30.5), val(0), val(none), val(none), val(none)),
			// sorted 12 14.5 24 30 72: rank 0.9 * 4 = 3.6 -> 30 + 0.6 * (72 - 30) = 55.2.
			days("order_handling_hours_p90", "", "2026-03-02", val(55.2), val(0), val(none), val(none), val(none)),
			// late: H2 (14:00 > 08:00), H4 (03-02 > 03-01); H1 H5 on time; H3 has no deadline
			// and is left out: 2 of 4. 03-03: H6 09:00 > 08:00: 1 of 1.
			days("late_shipment_rate", "", "2026-03-02", frac(2, 4), frac(1, 1), frac(0, 0), frac(0, 0), frac(0, 0)),
			// shipping cost 4 + 6 + 5 + 5 + 3 = 23 over 5 shipped; 03-03: 2 over 1.
			days("fulfillment_cost_per_order", "", "2026-03-02", frac(23, 5), frac(2, 1), frac(0, 0), frac(0, 0), frac(0, 0)),
			// delivered 03-04: H1 (promised 03-05: on time) and H3 (no estimate, left out);
			// 03-05: H2 (promised 03-04: late); 03-06: H4 at 23:00 on the promised day 03-06.
			days("on_time_delivery_rate", "", "2026-03-02", frac(0, 0), frac(0, 0), frac(1, 1), frac(0, 1), frac(1, 1)),
			// created -> delivered: H1 03-01 10:00 -> 03-04 10:00 = 3 days; H3 = 2 days;
			// H2 03-01 08:00 -> 03-05 09:00 = 97 h; H4 02-27 10:00 -> 03-06 23:00 = 7 d 13 h = 181 h.
			days("delivery_days", "", "2026-03-02", val(none), val(none), val(2.5), val(97.0/24), val(181.0/24)),
			// H1 exactly 72 h counts (<= 72), H3 48 h; H2 97 h and H4 181 h do not.
			days("delivered_within_72h_rate", "", "2026-03-02", frac(0, 0), frac(0, 0), frac(2, 2), frac(0, 1), frac(0, 1)),
			// returns requested 03-04 (R1), 03-05 (R2) over orders delivered those days.
			days("return_rate", "", "2026-03-02", frac(0, 0), frac(0, 0), frac(1, 2), frac(1, 1), frac(0, 1)),
			// processed 03-07 and 03-09: none in range.
			days("return_processing_days", "", "2026-03-02", val(none), val(none), val(none), val(none), val(none)),
		),
	},
	{
		name: "fulfilment by week", tenant: "ship", grain: "week", from: "2026-03-02", to: "2026-03-09", exact: true,
		kpis: []string{"order_handling_hours", "order_handling_hours_p90", "late_shipment_rate", "fulfillment_cost_per_order",
			"on_time_delivery_rate", "delivery_days", "delivered_within_72h_rate", "return_rate", "return_processing_days"},
		wants: wants(
			// week 03-02: the five of 03-02 and H6: 152.5 / 6.
			series("order_handling_hours", "", "2026-03-02", 7, val(152.5/6), val(none)),
			// sorted 0 12 14.5 24 30 72: rank 0.9 * 5 = 4.5 -> 30 + 0.5 * 42 = 51.
			series("order_handling_hours_p90", "", "2026-03-02", 7, val(51), val(none)),
			series("late_shipment_rate", "", "2026-03-02", 7, frac(3, 5), frac(0, 0)),
			series("fulfillment_cost_per_order", "", "2026-03-02", 7, frac(25, 6), frac(0, 0)),
			series("on_time_delivery_rate", "", "2026-03-02", 7, frac(2, 3), frac(0, 0)),
			// (72 + 48 + 97 + 181) h / 4 / 24 = 398 / 96 days.
			series("delivery_days", "", "2026-03-02", 7, val(398.0/96), val(none)),
			series("delivered_within_72h_rate", "", "2026-03-02", 7, frac(2, 4), frac(0, 0)),
			// R1 R2 R3 (03-07) over H1 H3 H2 H4.
			series("return_rate", "", "2026-03-02", 7, frac(3, 4), frac(0, 0)),
			// R1 received 03-06 10:00, processed 03-07 16:00 = 30 h = 1.25 d; R2 03-07 08:00
			// -> 03-09 08:00 = 2 d.
			series("return_processing_days", "", "2026-03-02", 7, val(1.25), val(2)),
		),
	},
	{
		name: "p90 7d rolling", tenant: "ship", grain: "7d", from: "2026-03-08", to: "2026-03-09", exact: true,
		kpis: []string{"order_handling_hours_p90"},
		// ending 03-08: same six values as week 1 -> 51; ending 03-09 (03-03..03-09): H6 alone.
		wants: days("order_handling_hours_p90", "", "2026-03-08", val(51), val(0)),
	},
	{
		name: "late shipments by category", tenant: "ship", grain: "day", from: "2026-03-02", to: "2026-03-02", by: []string{"category"}, exact: true,
		kpis: []string{"late_shipment_rate"},
		wants: wants(
			// shoes: H1 on time, H3 no deadline; unknown: H2 late; bags: H4 late, H5 on time.
			days("late_shipment_rate", "category=shoes", "2026-03-02", frac(0, 1)),
			days("late_shipment_rate", "category=unknown", "2026-03-02", frac(1, 1)),
			days("late_shipment_rate", "category=bags", "2026-03-02", frac(1, 2)),
		),
	},
	{
		name: "handling by carrier", tenant: "ship", grain: "day", from: "2026-03-02", to: "2026-03-02", by: []string{"carrier"}, exact: true,
		kpis: []string{"order_handling_hours", "order_handling_hours_p90"},
		wants: wants(
			// correios: H1 24, H2 30, H5 14.5; loggi: H3 12, H4 72.
			days("order_handling_hours", "carrier=correios", "2026-03-02", val(68.5/3)),
			days("order_handling_hours", "carrier=loggi", "2026-03-02", val(42)),
			// correios sorted 14.5 24 30: rank 1.8 -> 24 + 0.8 * 6 = 28.8; loggi 12 72: rank
			// 0.9 -> 12 + 0.9 * 60 = 66.
			days("order_handling_hours_p90", "carrier=correios", "2026-03-02", val(28.8)),
			days("order_handling_hours_p90", "carrier=loggi", "2026-03-02", val(66)),
		),
	},
	{
		name: "returns by category", tenant: "ship", grain: "day", from: "2026-03-04", to: "2026-03-05", by: []string{"category"}, exact: true,
		kpis: []string{"return_rate"},
		wants: wants(
			// 03-04: R1 (shoes) over H1 H3 (shoes); 03-05: R2 (bags) with no bags delivered, H2
			// (no category) delivered with no return.
			days("return_rate", "category=shoes", "2026-03-04", frac(1, 2), frac(0, 0)),
			days("return_rate", "category=bags", "2026-03-04", frac(0, 0), frac(1, 0)),
			days("return_rate", "category=unknown", "2026-03-04", frac(0, 0), frac(0, 1)),
		),
	},
	{
		// Durations are instants apart: H9 was created 04-04 22:00 -03 (01:00Z) and shipped
		// 04-05 02:00 -04 (06:00Z): 5 hours, though the wall clock moved 4.
		name: "handling across Chile's fall-back", tenant: "ship", grain: "day", from: "2026-04-04", to: "2026-04-05", exact: true,
		kpis: []string{"order_handling_hours", "order_handling_hours_p90", "late_shipment_rate"},
		wants: wants(
			// 04-04: H7 paid 22:00 -03 (01:00Z), shipped naive 23:30 = the earlier instant
			// 02:30Z: 1.5 h; H8 created 00:00Z, shipped 03:30Z (23:30 -04): 3.5 h. avg 2.5.
			days("order_handling_hours", "", "2026-04-04", val(2.5), val(5)),
			// 1.5 3.5: rank 0.9 -> 1.5 + 0.9 * 2 = 3.3.
			days("order_handling_hours_p90", "", "2026-04-04", val(3.3), val(5)),
			days("late_shipment_rate", "", "2026-04-04", frac(0, 0), frac(0, 0)),
		),
	},

	// ------------------------------------------------------------------ shipments and customs
	{
		name: "shipments by day", tenant: "logistics", grain: "day", from: "2026-03-01", to: "2026-03-06", exact: true,
		kpis: []string{"parcel_loss_rate", "last_mile_success_rate", "first_attempt_delivery_rate", "customs_clearance_rate",
			"customs_hold_rate", "customs_clearance_hours", "tax_bill_returns"},
		wants: wants(
			// closed 03-05: P1 P2 P4 delivered, P3 lost, P5 returned; 03-06: P6 delivered.
			days("parcel_loss_rate", "", "2026-03-01", frac(0, 0), frac(0, 0), frac(0, 0), frac(0, 0), frac(1, 5), frac(0, 1)),
			days("last_mile_success_rate", "", "2026-03-01", frac(0, 0), frac(0, 0), frac(0, 0), frac(0, 0), frac(3, 5), frac(1, 1)),
			// delivered 03-05: P1 (1 attempt), P2 (2), P4 (none recorded = 0); 03-06: P6 (1).
			days("first_attempt_delivery_rate", "", "2026-03-01", frac(0, 0), frac(0, 0), frac(0, 0), frac(0, 0), frac(2, 3), frac(1, 1)),
			// submitted 03-01: P1 cleared never held; P2 held; P3 held, not cleared -> 1 of 3;
			// 03-02: P4 cleared, held unknown (not held), P5 cleared, not held -> 2 of 2.
			days("customs_clearance_rate", "", "2026-03-01", frac(1, 3), frac(2, 2), frac(0, 0), frac(0, 0), frac(0, 0), frac(0, 0)),
			days("customs_hold_rate", "", "2026-03-01", frac(2, 3), frac(0, 2), frac(0, 0), frac(0, 0), frac(0, 0), frac(0, 0)),
			// cleared 03-02: P1 24 h, P5 12 h -> 18; 03-03: P2 60 h, P4 (MX) 12 h -> 36.
			days("customs_clearance_hours", "", "2026-03-01", val(none), val(18), val(36), val(none), val(none), val(none)),
			// by submission: 0 + 2 + 1; P4 none recorded, P5 0.
			days("tax_bill_returns", "", "2026-03-01", val(3), val(0), val(0), val(0), val(0), val(0)),
		),
	},
	{
		name: "customs 7d rolling", tenant: "logistics", grain: "7d", from: "2026-03-02", to: "2026-03-02", exact: true,
		kpis: []string{"customs_clearance_rate", "customs_hold_rate", "tax_bill_returns", "customs_clearance_hours"},
		wants: []want{
			// 02-24..03-02: P1..P5 submitted; passed P1 P4 P5; held P2 P3; returns 3.
			at("customs_clearance_rate", "2026-03-02", "", frac(3, 5)),
			at("customs_hold_rate", "2026-03-02", "", frac(2, 5)),
			at("tax_bill_returns", "2026-03-02", "", val(3)),
			// cleared by 03-02: P1 24, P5 12.
			at("customs_clearance_hours", "2026-03-02", "", val(18)),
		},
	},
	{
		name: "parcel loss by carrier", tenant: "logistics", grain: "day", from: "2026-03-05", to: "2026-03-05", by: []string{"carrier"}, exact: true,
		kpis: []string{"parcel_loss_rate"},
		wants: wants(
			days("parcel_loss_rate", "carrier=correios", "2026-03-05", frac(0, 3)),
			days("parcel_loss_rate", "carrier=loggi", "2026-03-05", frac(1, 1)),
			days("parcel_loss_rate", "carrier=estafeta", "2026-03-05", frac(0, 1)),
		),
	},
	{
		name: "last mile by service", tenant: "logistics", grain: "day", from: "2026-03-05", to: "2026-03-06", by: []string{"service"}, exact: true,
		kpis: []string{"last_mile_success_rate"},
		wants: wants(
			// std: P1 P2 P4 delivered, P5 returned; exp: P3 lost; P6 has no service.
			days("last_mile_success_rate", "service=std", "2026-03-05", frac(3, 4), frac(0, 0)),
			days("last_mile_success_rate", "service=exp", "2026-03-05", frac(0, 1), frac(0, 0)),
			days("last_mile_success_rate", "service=unknown", "2026-03-05", frac(0, 0), frac(1, 1)),
		),
	},
	{
		// customs_hold_rate settles after 10 days: as of 03-11, 03-01 + 10 = 03-11 is not
		// over yet; customs_clearance_hours settles after 0.
		name: "customs provisional as of 03-11", tenant: "logistics", grain: "day", from: "2026-03-01", to: "2026-03-02", asOf: "2026-03-11", exact: true,
		kpis: []string{"customs_hold_rate", "customs_clearance_hours"},
		wants: wants(
			days("customs_hold_rate", "", "2026-03-01", frac(2, 3).provisional(), frac(0, 2).provisional()),
			days("customs_clearance_hours", "", "2026-03-01", val(none), val(18)),
		),
	},
	{
		name: "customs provisional as of 03-12", tenant: "logistics", grain: "day", from: "2026-03-01", to: "2026-03-02", asOf: "2026-03-12", exact: true,
		kpis:  []string{"customs_hold_rate"},
		wants: days("customs_hold_rate", "", "2026-03-01", frac(2, 3), frac(0, 2).provisional()),
	},
	{
		name: "customs provisional as of 03-13", tenant: "logistics", grain: "day", from: "2026-03-01", to: "2026-03-02", asOf: "2026-03-13", exact: true,
		kpis:  []string{"customs_hold_rate"},
		wants: days("customs_hold_rate", "", "2026-03-01", frac(2, 3), frac(0, 2)),
	},

	// ------------------------------------------------------------------ supply chain and stock
	{
		name: "purchase orders", tenant: "supply", grain: "day", from: "2026-03-10", to: "2026-03-11", exact: true,
		kpis: []string{"procurement_cycle_days"},
		// shipped 03-11: PO1 03-01 10:00 -> 03-11 10:00 = 10 d; PO2 02-20 00:00 -> 03-11
		// 12:00 = 19.5 d; avg 14.75.
		wants: days("procurement_cycle_days", "", "2026-03-10", val(none), val(14.75)),
	},
	{
		name: "first leg and inbound", tenant: "supply", grain: "day", from: "2026-04-01", to: "2026-04-03", exact: true,
		kpis: []string{"first_leg_transit_days", "inbound_on_time_rate"},
		wants: wants(
			// arrived 04-01: PO1 03-12 00:00 -> 04-01 12:00 = 20.5 d; PO2 03-13 -> 04-01 = 19 d.
			days("first_leg_transit_days", "", "2026-04-01", val(19.75), val(none), val(none)),
			// received 04-03: PO1 before its expected 04-05; PO2 after 04-02; PO3 has no
			// expected date: not on time, still received.
			days("inbound_on_time_rate", "", "2026-04-01", frac(0, 0), frac(0, 0), frac(1, 3)),
		),
	},
	{
		name: "inbound by warehouse", tenant: "supply", grain: "day", from: "2026-04-03", to: "2026-04-03", by: []string{"warehouse"}, exact: true,
		kpis: []string{"inbound_on_time_rate"},
		wants: wants(
			days("inbound_on_time_rate", "warehouse=w1", "2026-04-03", frac(1, 2)),
			days("inbound_on_time_rate", "warehouse=w2", "2026-04-03", frac(0, 1)),
		),
	},
	{
		name: "stock by day", tenant: "supply", grain: "day", from: "2026-03-01", to: "2026-03-04", exact: true,
		kpis: []string{"stockout_rate", "inventory_turnover", "days_of_inventory"},
		wants: wants(
			// SKU-days at 0: 03-01 B; 03-03 A and B.
			days("stockout_rate", "", "2026-03-01", frac(1, 2), frac(0, 2), frac(2, 2), frac(0, 2)),
			// cogs shipped / (stock value / days): 03-01 0 / 50 = 0; 03-02 90 / 80 = 1.125;
			// 03-03 40 / 0: no value; 03-04 0 / 70 = 0.
			days("inventory_turnover", "", "2026-03-01", val(0), val(1.125), val(none), val(0)),
			// stock value per day / (cogs / period_days = 1): 03-01 50 / 0: no value;
			// 03-02 80 / 90; 03-03 0 / 40 = 0; 03-04 70 / 0: no value.
			days("days_of_inventory", "", "2026-03-01", val(none), val(80.0/90), val(0), val(none)),
		),
	},
	{
		name: "stock by quarter", tenant: "supply", grain: "quarter", from: "2026-03-01", to: "2026-04-01", exact: true,
		kpis: []string{"stockout_rate", "inventory_turnover", "days_of_inventory"},
		wants: wants(
			// Q1: 3 SKU-days at 0 of 8; Q2: no snapshots.
			[]want{at("stockout_rate", "2026-01-01", "", frac(3, 8)), at("stockout_rate", "2026-04-01", "", frac(0, 0))},
			// Q1: stock value 50 + 80 + 0 + 70 = 200 over 4 days = 50 a day; cogs shipped
			// 90 + 40 = 130 (O3 ships in Q2): turnover 130 / 50 = 2.6. Q2: O3's 1000 over no
			// stock: no value.
			[]want{at("inventory_turnover", "2026-01-01", "", val(2.6)), at("inventory_turnover", "2026-04-01", "", val(none))},
			// Q1 has 31 + 28 + 31 = 90 days: 50 / (130 / 90) = 4500 / 130.
			[]want{at("days_of_inventory", "2026-01-01", "", val(4500.0/130)), at("days_of_inventory", "2026-04-01", "", val(none))},
		),
	},
	{
		name: "stock by sku", tenant: "supply", grain: "quarter", from: "2026-03-01", to: "2026-03-31", by: []string{"sku"}, exact: true,
		kpis: []string{"stockout_rate", "inventory_turnover", "days_of_inventory"},
		wants: []want{
			// A: 0 on 03-03 of 4 days; B: 0 on 03-01 and 03-03.
			at("stockout_rate", "2026-01-01", "sku=A", frac(1, 4)),
			at("stockout_rate", "2026-01-01", "sku=B", frac(2, 4)),
			// A: (50 + 40 + 0 + 30) / 4 = 30 a day, cogs 90: turnover 3, days 30 / (90 / 90) = 30.
			at("inventory_turnover", "2026-01-01", "sku=A", val(3)),
			at("days_of_inventory", "2026-01-01", "sku=A", val(30)),
			// B: (0 + 40 + 0 + 40) / 4 = 20 a day, cogs 40: turnover 2, days 20 / (40 / 90) = 45.
			at("inventory_turnover", "2026-01-01", "sku=B", val(2)),
			at("days_of_inventory", "2026-01-01", "sku=B", val(45)),
		},
	},
	{
		name: "stock 7d rolling", tenant: "supply", grain: "7d", from: "2026-03-04", to: "2026-03-04", exact: true,
		kpis: []string{"inventory_turnover", "days_of_inventory"},
		wants: []want{
			// 02-26..03-04: 130 / (200 / 4) = 2.6; days: 50 / (130 / 7) = 350 / 130.
			at("inventory_turnover", "2026-03-04", "", val(2.6)),
			at("days_of_inventory", "2026-03-04", "", val(350.0/130)),
		},
	},

	// ------------------------------------------------------------------ service
	{
		name: "service by day", tenant: "service", grain: "day", from: "2026-03-02", to: "2026-03-05", exact: true,
		kpis: []string{"first_response_hours", "reply_within_48h_rate", "dispute_close_rate", "csat", "chat_conversion_rate",
			"average_rating", "negative_review_rate", "nps", "dispute_rate"},
		wants: wants(
			// 03-02: K1 2 h, K2 50 h, K3 6 h, K5 0.5 h (K4 unanswered, left out): 58.5 / 4;
			// 03-03: K6 48 h.
			days("first_response_hours", "", "2026-03-02", val(14.625), val(48), val(none), val(none)),
			// 03-02: K1 K3 K5 within 48 h; K2 (50 h) and K4 (none) not: 3 of 5; K6 48 h counts.
			days("reply_within_48h_rate", "", "2026-03-02", frac(3, 5), frac(1, 1), frac(0, 0), frac(0, 0)),
			// disputes K3 (resolved) and K4 (open).
			days("dispute_close_rate", "", "2026-03-02", frac(1, 2), frac(0, 0), frac(0, 0), frac(0, 0)),
			// by resolution day: 03-02 K1 5; 03-04 K2 3 (K5 unrated); 03-05 K3 4, K6 2.
			days("csat", "", "2026-03-02", frac(1, 1), frac(0, 0), frac(0, 1), frac(1, 2)),
			// pre-sale K1 (chat, converted), K2 (question), K5 (whatsapp, unknown = no).
			days("chat_conversion_rate", "", "2026-03-02", frac(1, 3), frac(0, 0), frac(0, 0), frac(0, 0)),
			// (5 + 4 + 2 + 1 + 3) / 5 = 3; 03-03: 5.
			days("average_rating", "", "2026-03-02", val(3), val(5), val(none), val(none)),
			days("negative_review_rate", "", "2026-03-02", frac(2, 5), frac(0, 1), frac(0, 0), frac(0, 0)),
			// 03-02: promoters 10 9 10 9 = 4, detractors 6 2 = 2, of 8: 100 * 2 / 8 = 25;
			// 03-03: scores 5 3: 100 * (0 - 2) / 2 = -100; no responses: no value.
			days("nps", "", "2026-03-02", val(25), val(-100), val(none), val(none)),
			// two disputes, no orders in this tenant: no value.
			days("dispute_rate", "", "2026-03-02", frac(2, 0), frac(0, 0), frac(0, 0), frac(0, 0)),
		),
	},
	{
		name: "service by week", tenant: "service", grain: "week", from: "2026-03-02", to: "2026-03-08", exact: true,
		kpis: []string{"first_response_hours", "reply_within_48h_rate", "csat", "average_rating", "negative_review_rate", "nps"},
		wants: []want{
			// (2 + 50 + 6 + 0.5 + 48) / 5 = 106.5 / 5.
			at("first_response_hours", "2026-03-02", "", val(21.3)),
			at("reply_within_48h_rate", "2026-03-02", "", frac(4, 6)),
			at("csat", "2026-03-02", "", frac(2, 4)),
			at("average_rating", "2026-03-02", "", val(20.0/6)),
			at("negative_review_rate", "2026-03-02", "", frac(2, 6)),
			// 4 promoters, 4 detractors of 10: 0 points (a value, not a missing one).
			at("nps", "2026-03-02", "", val(0)),
		},
	},
	{
		name: "nps by country", tenant: "service", grain: "day", from: "2026-03-02", to: "2026-03-02", by: []string{"country"}, exact: true,
		kpis: []string{"nps"},
		wants: []want{
			// BR: 10 9 10 promoters, 6 detractor, of 6: 100 * 2 / 6; MX: 9 and 2: 0.
			at("nps", "2026-03-02", "country=BR", val(100*2.0/6)),
			at("nps", "2026-03-02", "country=MX", val(0)),
		},
	},
	{
		name: "chat conversion by channel", tenant: "service", grain: "day", from: "2026-03-02", to: "2026-03-02", by: []string{"channel"}, exact: true,
		kpis: []string{"chat_conversion_rate"},
		wants: []want{
			at("chat_conversion_rate", "2026-03-02", "channel=chat", frac(1, 1)),
			at("chat_conversion_rate", "2026-03-02", "channel=question", frac(0, 1)),
			at("chat_conversion_rate", "2026-03-02", "channel=whatsapp", frac(0, 1)),
			// a claim is not a pre-sale ticket: 0 of 0.
			at("chat_conversion_rate", "2026-03-02", "channel=claim", frac(0, 0)),
		},
	},
	{
		name: "reviews by category", tenant: "service", grain: "day", from: "2026-03-02", to: "2026-03-02", by: []string{"category"}, exact: true,
		kpis: []string{"average_rating", "negative_review_rate"},
		wants: []want{
			at("average_rating", "2026-03-02", "category=shoes", val(4.5)),
			at("average_rating", "2026-03-02", "category=bags", val(2.5)),
			at("average_rating", "2026-03-02", "category=unknown", val(1)),
			at("negative_review_rate", "2026-03-02", "category=shoes", frac(0, 2)),
			at("negative_review_rate", "2026-03-02", "category=bags", frac(1, 2)),
			at("negative_review_rate", "2026-03-02", "category=unknown", frac(1, 1)),
		},
	},
	{
		// first_response_hours settles after 2 days.
		name: "service provisional", tenant: "service", grain: "day", from: "2026-03-02", to: "2026-03-03", asOf: "2026-03-05", exact: true,
		kpis:  []string{"first_response_hours"},
		wants: days("first_response_hours", "", "2026-03-02", val(14.625), val(48).provisional()),
	},

	// ------------------------------------------------------------------ currency
	{
		// BRL rates on 03-02 (5) and 03-04 (4); 03-03 has none and uses 03-02's.
		name: "fx to USD", tenant: "fx", grain: "day", from: "2026-03-02", to: "2026-03-04", exact: true,
		kpis: []string{"gmv", "average_order_value", "gross_margin"},
		wants: wants(
			// F1 100 / 5 = 20; F2 50 / 5 + F4 15 USD = 25; F3 60 / 4 = 15.
			days("gmv", "", "2026-03-02", val(20), val(25), val(15)),
			days("average_order_value", "", "2026-03-02", frac(20, 1), frac(25, 2), frac(15, 1)),
			// (20 - 40 / 5) / 20 = 0.6; no cogs on 03-03 and 03-04.
			days("gross_margin", "", "2026-03-02", val(0.6), val(1), val(1)),
		),
	},
}

func TestEveryKPIHasHandComputedValues(t *testing.T) {
	covered := map[string]bool{"data_freshness_hours": true} // TestDataFreshness
	for _, c := range valueCases {
		for _, w := range c.wants {
			if !slices.Contains(c.kpis, w.kpi) {
				t.Errorf("case %q expects %s, which it does not query", c.name, w.kpi)
			}
			covered[w.kpi] = true
		}
	}
	for _, d := range standard(t).All() {
		if !covered[d.ID] {
			t.Errorf("%s has no hand-computed value", d.ID)
		}
	}
	if n := len(standard(t).All()); n != 43 {
		t.Errorf("the standard template has %d KPIs, the dictionary 43", n)
	}
}

func runValueCases(t *testing.T, st store.Store) {
	load(t, st, allData...)
	e := newEngine(t, st)
	for _, c := range valueCases {
		t.Run(c.name, func(t *testing.T) {
			rows := eval(t, e, c.query(t))
			check(t, c.by, rows, c.exact, c.wants...)
		})
	}
}

func TestKPIValues(t *testing.T) { runValueCases(t, openDuck(t)) }

func TestKPIValuesPostgres(t *testing.T) { runValueCases(t, openPostgres(t)) }

// Re-importing a file that changes one record replaces it: values follow, counts do not
// double; importing the same file again changes nothing.
func TestReimportUpdatesValues(t *testing.T) {
	st := openDuck(t)
	load(t, st, salesData)
	e := newEngine(t, st)
	qu := q(t, "sales", "day", "2026-03-02", "2026-03-02", "orders", "gmv", "average_order_value", "gross_margin", "cac")
	before := []want{
		at("orders", "2026-03-02", "", val(5)),
		at("gmv", "2026-03-02", "", val(380)),
		at("average_order_value", "2026-03-02", "", frac(380, 4)),
		at("gross_margin", "2026-03-02", "", val(220.0/380)),
		at("cac", "2026-03-02", "", frac(40, 4)),
	}
	check(t, nil, eval(t, e, qu), true, before...)

	// S3's amount goes from 200 to 260: gmv 380 + 60 = 440; cogs stay 160.
	after := []want{
		at("orders", "2026-03-02", "", val(5)),
		at("gmv", "2026-03-02", "", val(440)),
		at("average_order_value", "2026-03-02", "", frac(440, 4)),
		at("gross_margin", "2026-03-02", "", val(280.0/440)),
		at("cac", "2026-03-02", "", frac(40, 4)),
	}
	res := importCSV(t, st, "sales", "orders", salesUpdate)
	if res.Counts.Updated != 1 || res.Counts.Inserted != 0 {
		t.Errorf("update import: %+v, want 1 updated, 0 inserted", res.Counts)
	}
	check(t, nil, eval(t, e, qu), true, after...)

	res = importCSV(t, st, "sales", "orders", salesUpdate)
	if res.Counts.Unchanged != 1 || res.Counts.Updated != 0 || res.Counts.Inserted != 0 {
		t.Errorf("second update import: %+v, want 1 unchanged", res.Counts)
	}
	check(t, nil, eval(t, e, qu), true, after...)
}

// Data freshness is the hours from the newest import of each kind and source to now (the
// engine's clock), on the period that holds the as-of date.
func TestDataFreshness(t *testing.T) {
	for _, open := range []struct {
		name string
		fn   func(testing.TB) store.Store
	}{{"duckdb", openDuck}, {"postgres", openPostgres}} {
		t.Run(open.name, func(t *testing.T) {
			st := open.fn(t)
			insertImports(t, st.DB())
			e := newEngine(t, st)
			e.Now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
			qu := func(by ...string) metric.Query {
				x := q(t, "fresh", "day", "2026-03-08", "2026-03-10", "data_freshness_hours")
				x.AsOf, x.By = time.Time{}, by // as of the engine's today, 03-10
				return x
			}
			// orders/upload newest 03-10 02:00: 10 h; orders/mercadolibre 03-09 20:00: 16 h;
			// tickets/upload 03-10 08:00: 4 h (the 13:00 import is after now). The total is
			// the worst, 16. Days other than the as-of day have no value.
			check(t, nil, eval(t, e, qu()), true,
				days("data_freshness_hours", "", "2026-03-08", val(none), val(none), val(16).provisional())...)
			check(t, []string{"kind", "source"}, eval(t, e, qu("kind", "source")), false,
				at("data_freshness_hours", "2026-03-10", "kind=orders,source=upload", val(10).provisional()),
				at("data_freshness_hours", "2026-03-10", "kind=orders,source=mercadolibre", val(16).provisional()),
				at("data_freshness_hours", "2026-03-10", "kind=tickets,source=upload", val(4).provisional()),
				at("data_freshness_hours", "2026-03-09", "kind=tickets,source=upload", val(none)),
			)
			check(t, []string{"kind"}, eval(t, e, qu("kind")), false,
				at("data_freshness_hours", "2026-03-10", "kind=orders", val(16).provisional()),
				at("data_freshness_hours", "2026-03-10", "kind=tickets", val(4).provisional()),
			)
			// As of 03-09 the clock stops at the end of 03-09 (03-10 00:00Z): orders/upload
			// 03-09 00:00 is 24 h old, orders/mercadolibre 03-09 20:00 4 h, tickets none yet.
			past := qu()
			past.AsOf = day("2026-03-09")
			check(t, nil, eval(t, e, past), true,
				days("data_freshness_hours", "", "2026-03-08", val(none), val(24).provisional(), val(none).provisional())...)
		})
	}
}

// insertImports writes bookkeeping rows with known times (a real import is stamped with the
// wall clock, which a test cannot pin).
func insertImports(t testing.TB, db *sql.DB) {
	t.Helper()
	rows := []struct{ tenant, id, kind, source, finished string }{
		{"fresh", "i1", "orders", "upload", "2026-03-09T00:00:00Z"},
		{"fresh", "i2", "orders", "upload", "2026-03-10T02:00:00Z"},
		{"fresh", "i3", "orders", "mercadolibre", "2026-03-09T20:00:00Z"},
		{"fresh", "i4", "tickets", "upload", "2026-03-10T08:00:00Z"},
		{"fresh", "i5", "tickets", "upload", "2026-03-10T13:00:00Z"},
		{"other", "i6", "orders", "upload", "2026-03-01T00:00:00Z"}, // another tenant
	}
	for _, r := range rows {
		_, err := db.ExecContext(t.Context(), `INSERT INTO imports (tenant_id, import_id, kind, source, file, started_at,
			finished_at, rows_read, inserted, updated, unchanged, rejected)
			VALUES ($1, $2, $3, $4, 'f.csv', CAST($5 AS TIMESTAMPTZ), CAST($5 AS TIMESTAMPTZ), 1, 1, 0, 0, 0)`,
			r.tenant, r.id, r.kind, r.source, r.finished)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Real imports are stamped by the store; with the clock pinned 3 hours after the newest
// import of orders, orders are 3 hours old.
func TestDataFreshnessAfterImport(t *testing.T) {
	st := openDuck(t)
	load(t, st, salesData)
	var newest time.Time
	if err := st.DB().QueryRowContext(t.Context(),
		`SELECT max(finished_at) FROM imports WHERE tenant_id = 'sales' AND kind = 'orders'`).Scan(&newest); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, st)
	now := newest.Add(3 * time.Hour)
	e.Now = func() time.Time { return now }
	today := now.UTC().Format(time.DateOnly)
	qu := q(t, "sales", "day", today, today, "data_freshness_hours")
	qu.AsOf, qu.By = time.Time{}, []string{"kind"}
	check(t, qu.By, eval(t, e, qu), false, at("data_freshness_hours", today, "kind=orders", val(3).provisional()))
}

// The first order of a buyer is the first ever, whatever the periods asked: b6 ordered on
// 02-10, so S7 (03-02) is not a first order. DuckDB used to push the period join into the
// DISTINCT ON that picked first orders and answer 5 new buyers (b6 included) in about two
// runs of three, so the query is repeated.
func TestFirstPerIsFirstEver(t *testing.T) {
	for _, open := range []struct {
		name string
		fn   func(testing.TB) store.Store
	}{{"duckdb", openDuck}, {"postgres", openPostgres}} {
		t.Run(open.name, func(t *testing.T) {
			st := open.fn(t)
			load(t, st, salesData)
			e := newEngine(t, st)
			total := q(t, "sales", "day", "2026-03-02", "2026-03-02", "cac")
			byCountry := total
			byCountry.By = []string{"country"}
			for range 15 {
				// b1 b2 b3 b4: 40 / 4; BR b1 b2 b4: 25 / 3, MX b3: 15 / 1.
				check(t, nil, eval(t, e, total), true, at("cac", "2026-03-02", "", frac(40, 4)))
				check(t, byCountry.By, eval(t, e, byCountry), true,
					at("cac", "2026-03-02", "country=BR", frac(25, 3)),
					at("cac", "2026-03-02", "country=MX", frac(15, 1)))
				if t.Failed() {
					break
				}
			}
		})
	}
}
