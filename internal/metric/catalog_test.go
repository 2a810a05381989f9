package metric_test

import (
	"slices"
	"testing"
)

// The standard template's ids are the dictionary's (kpi-dictionary.md v1), in its order.
var dictionaryIDs = []string{
	"procurement_cycle_days", "first_leg_transit_days", "inbound_on_time_rate", "stockout_rate",
	"order_handling_hours", "order_handling_hours_p90", "late_shipment_rate", "inventory_turnover",
	"days_of_inventory", "return_processing_days", "parcel_loss_rate", "last_mile_success_rate",
	"first_attempt_delivery_rate", "on_time_delivery_rate", "delivery_days", "delivered_within_72h_rate",
	"fulfillment_cost_per_order", "customs_clearance_rate", "customs_hold_rate", "customs_clearance_hours",
	"tax_bill_returns", "orders", "gmv", "average_order_value", "conversion_rate", "seller_cancellation_rate",
	"return_rate", "roas", "acos", "average_rating", "negative_review_rate", "first_response_hours",
	"reply_within_48h_rate", "dispute_rate", "dispute_close_rate", "csat", "nps", "chat_conversion_rate",
	"gross_margin", "contribution_margin", "cac", "cost_per_order", "data_freshness_hours",
}

func TestStandardIDs(t *testing.T) {
	var ids []string
	for _, d := range standard(t).All() {
		ids = append(ids, d.ID)
	}
	if !slices.Equal(ids, dictionaryIDs) {
		t.Errorf("standard template ids:\n%v\nwant the dictionary's:\n%v", ids, dictionaryIDs)
	}
}

func TestDefinitionKinds(t *testing.T) {
	cat := standard(t)
	cases := []struct {
		id    string
		kinds []string // in measure-name order
	}{
		{"orders", []string{"orders"}},
		{"return_rate", []string{"orders", "returns"}},          // delivered, returns
		{"cac", []string{"orders", "ads"}},                      // new_buyers, spend
		{"inventory_turnover", []string{"orders", "inventory"}}, // cogs_shipped, stock_days, stock_value
		{"data_freshness_hours", nil},                           // reads the import log, no record kind
	}
	for _, c := range cases {
		d, err := cat.Get(c.id)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Kinds(); !slices.Equal(got, c.kinds) {
			t.Errorf("%s: Kinds() = %v, want %v", c.id, got, c.kinds)
		}
	}
	if _, err := cat.Get("no_such_kpi"); err == nil || err.Error() != "unknown kpi \"no_such_kpi\" (see `pulso kpi list`)" {
		t.Errorf("Get(no_such_kpi): %v", err)
	}
}
