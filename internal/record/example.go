package record

// examples are one plausible record of each kind (a Mexican Mercado Libre order and what
// follows from it), by column; a column left out is empty in the example. Import templates
// show them under the header; a test parses each one.
var examples = map[string]map[string]string{
	"orders": {"order_id": "2000012345", "platform": "mercadolibre", "country": "MX", "store": "ml-mx-1",
		"created_at": "2026-03-02 14:05:00", "paid_at": "2026-03-02 14:07:00", "handling_deadline": "2026-03-04 23:59:00",
		"shipped_at": "2026-03-03 10:20:00", "estimated_delivery_at": "2026-03-09 18:00:00", "delivered_at": "2026-03-08 12:30:00",
		"status": "delivered", "currency": "MXN", "gross_amount": "1299.00", "platform_fee": "194.85", "shipping_cost": "89.00",
		"cogs": "420.00", "ad_cost": "65.00", "buyer_ref": "8841203", "fulfillment": "full", "warehouse": "mx-cdmx-1",
		"carrier": "Estafeta", "sku": "CASE-01", "category": "phone_accessories", "units": "2"},
	"order_items": {"order_id": "2000012345", "platform": "mercadolibre", "store": "ml-mx-1", "country": "MX", "line": "1",
		"sku": "CASE-01", "category": "phone_accessories", "units": "2", "unit_price": "649.50", "currency": "MXN"},
	"shipments": {"shipment_id": "EST-7781234", "order_id": "2000012345", "platform": "mercadolibre", "store": "ml-mx-1",
		"country": "MX", "carrier": "Estafeta", "service": "express", "handed_over_at": "2026-03-03 10:20:00",
		"departed_origin_at": "2026-03-03 18:00:00", "arrived_destination_at": "2026-03-05 07:00:00",
		"customs_submitted_at": "2026-03-05 08:00:00", "customs_cleared_at": "2026-03-06 11:00:00", "customs_held": "false",
		"tax_bill_returns": "0", "out_for_delivery_at": "2026-03-08 08:15:00", "delivery_attempts": "1",
		"delivered_at": "2026-03-08 12:30:00", "shipping_cost": "89.00", "currency": "MXN"},
	"returns": {"return_id": "RT-55120", "order_id": "2000012345", "platform": "mercadolibre", "store": "ml-mx-1", "country": "MX",
		"sku": "CASE-01", "category": "phone_accessories", "reason": "defective", "reason_text": "cracked case",
		"requested_at": "2026-03-10 09:00:00", "received_at": "2026-03-14 16:00:00", "processed_at": "2026-03-15 10:00:00",
		"refund_amount": "649.50", "currency": "MXN", "resolution": "refund"},
	"tickets": {"ticket_id": "TK-90311", "platform": "mercadolibre", "store": "ml-mx-1", "country": "MX", "order_id": "2000012345",
		"channel": "question", "created_at": "2026-03-04 11:00:00", "first_response_at": "2026-03-04 11:40:00",
		"resolved_at": "2026-03-04 12:10:00", "is_dispute": "false", "csat": "5", "agent": "agent-07", "led_to_order": "true"},
	"reviews": {"review_id": "RV-33310", "platform": "mercadolibre", "store": "ml-mx-1", "country": "MX", "order_id": "2000012345",
		"sku": "CASE-01", "category": "phone_accessories", "rating": "5", "created_at": "2026-03-09 20:00:00"},
	"nps_responses": {"response_id": "NPS-1201", "platform": "mercadolibre", "store": "ml-mx-1", "country": "MX", "score": "9",
		"responded_at": "2026-03-12 10:00:00"},
	"ads": {"date": "2026-03-02", "platform": "mercadolibre", "store": "ml-mx-1", "country": "MX", "campaign": "cases-march",
		"currency": "MXN", "spend": "350.00", "attributed_sales": "2598.00", "impressions": "12000", "clicks": "340", "attributed_orders": "4"},
	"traffic": {"date": "2026-03-02", "platform": "mercadolibre", "store": "ml-mx-1", "country": "MX", "visits": "1850"},
	"inventory": {"date": "2026-03-02", "warehouse": "mx-cdmx-1", "country": "MX", "sku": "CASE-01", "category": "phone_accessories",
		"on_hand_units": "240", "unit_cost": "210.00", "currency": "MXN", "inbound_units": "500"},
	"purchase_orders": {"po_id": "PO-2026-031", "supplier": "Shenzhen Case Co.", "country": "MX", "warehouse": "mx-cdmx-1",
		"created_at": "2026-01-10 09:00:00", "supplier_shipped_at": "2026-01-20 09:00:00", "first_leg_departed_at": "2026-01-22 12:00:00",
		"first_leg_arrived_at": "2026-02-20 08:00:00", "received_at": "2026-02-25 15:00:00", "expected_received_at": "2026-02-24 00:00:00",
		"units": "500", "currency": "USD", "amount": "2150.00"},
	"platform_scores": {"date": "2026-03-02", "platform": "mercadolibre", "store": "ml-mx-1", "country": "MX", "metric": "claims_rate",
		"value": "0.012"},
	"fx_rates": {"date": "2026-03-02", "currency": "MXN", "per_usd": "17.05"},
}

// Example returns one example record of the kind, aligned to its columns ("" where the
// example leaves a column empty).
func (k *Kind) Example() []string {
	ex := examples[k.Name]
	out := make([]string, len(k.Columns))
	for i, c := range k.Columns {
		out[i] = ex[c.Name]
	}
	return out
}

// Header returns the kind's column names, in contract order: the header of a file of the kind.
func (k *Kind) Header() []string {
	out := make([]string, len(k.Columns))
	for i, c := range k.Columns {
		out[i] = c.Name
	}
	return out
}
