// Package record holds the canonical record kinds of contract v1: their columns, keys and the
// parsing, validation and pseudonymisation of raw values.
package record

import (
	"fmt"
	"sort"
	"strings"
)

// Type is the logical type of a column.
type Type int

const (
	Text      Type = iota // free text
	Enum                  // one of Column.Values (compared lower-case)
	Timestamp             // instant; naive values are local time of the record's country
	Date                  // YYYY-MM-DD
	Decimal               // decimal number (money, rates)
	Int                   // whole number
	Bool                  // true/false, 1/0, yes/no, sí/no, sim/não
	Country               // ISO 3166-1 alpha-2
	Currency              // ISO 4217
)

func (t Type) String() string {
	return [...]string{"text", "enum", "timestamp", "date", "decimal", "int", "bool", "country", "currency"}[t]
}

// Column is one column of a record kind.
type Column struct {
	Name     string
	Type     Type
	Required bool
	Values   []string // Enum only
	Money    bool     // an amount in the row's currency: currency becomes required
	Min, Max *float64 // inclusive bounds for Int and Decimal, when set
	Default  any      // stored when the value is empty
	Pseudo   bool     // pseudonymised with the tenant's key before it is stored
}

// Kind is a canonical record kind.
type Kind struct {
	Name    string
	Key     []string
	Columns []Column
	// Derive fills derived values (e.g. an order's status) after parsing; vals is aligned to Columns.
	derive func(k *Kind, vals []any)
	index  map[string]int
}

// Col returns the column index by name, or -1.
func (k *Kind) Col(name string) int {
	if i, ok := k.index[name]; ok {
		return i
	}
	return -1
}

// Column returns the named column.
func (k *Kind) Column(name string) (Column, bool) {
	i := k.Col(name)
	if i < 0 {
		return Column{}, false
	}
	return k.Columns[i], true
}

// HasCountry tells whether the kind carries a country column (and so local dates).
func (k *Kind) HasCountry() bool { return k.Col("country") >= 0 }

// Timestamps lists the kind's timestamp columns in column order.
func (k *Kind) Timestamps() []string {
	var out []string
	for _, c := range k.Columns {
		if c.Type == Timestamp {
			out = append(out, c.Name)
		}
	}
	return out
}

// LocalDateColumn is the stored column that holds the local date of a timestamp column.
func LocalDateColumn(ts string) string { return ts + "_local" }

// Table is the table name of the kind in every store.
func (k *Kind) Table() string { return k.Name }

func rng(lo, hi float64) (*float64, *float64) { return &lo, &hi }

var (
	platforms    = []string{"mercadolibre", "amazon", "shopee", "shein", "tiktok", "temu", "own_site", "other"}
	orderStatus  = []string{"pending", "paid", "shipped", "delivered", "cancelled", "returned"}
	cancelBy     = []string{"buyer", "seller", "platform"}
	fulfillments = []string{"full", "cross_docking", "drop_off", "own_warehouse", "cross_border_direct"}
	reasons      = []string{"damaged", "defective", "not_as_described", "wrong_item", "size_fit", "changed_mind", "late_delivery", "missing_parts", "other"}
	resolutions  = []string{"refund", "replace", "reject", "partial"}
	channels     = []string{"chat", "message", "question", "claim", "email", "whatsapp", "phone"}
	outcomes     = []string{"seller_won", "buyer_won", "cancelled", "open"}
)

func req(name string, t Type) Column { return Column{Name: name, Type: t, Required: true} }
func opt(name string, t Type) Column { return Column{Name: name, Type: t} }

// money is an amount that may be negative: platform_fee nets fee reversals and credits, and
// sources write refund_amount as a debit as often as a credit.
func money(name string) Column { return Column{Name: name, Type: Decimal, Money: true} }

// gross is an amount paid, a price or a cost, which cannot be negative: a negative GMV or cost
// is a sign error in the export, and stored it would silently shrink every sum it enters.
func gross(name string) Column {
	c := money(name)
	lo := 0.0
	c.Min = &lo
	return c
}

func enum(name string, required bool, values []string) Column {
	return Column{Name: name, Type: Enum, Required: required, Values: values}
}
func count(name string) Column {
	lo := 0.0
	return Column{Name: name, Type: Int, Min: &lo}
}
func bounded(name string, t Type, lo, hi float64) Column {
	c := Column{Name: name, Type: t}
	c.Min, c.Max = rng(lo, hi)
	return c
}

// Kinds returns the record kinds of contract v1, in contract order. Each call builds fresh
// values, so callers may not change what others see.
func Kinds() []*Kind {
	units := count("units")
	units.Default = int64(1)
	buyer := opt("buyer_ref", Text)
	buyer.Pseudo = true
	ks := []*Kind{
		{Name: "orders", Key: []string{"platform", "store", "order_id"}, derive: deriveOrderStatus, Columns: []Column{
			req("order_id", Text), enum("platform", true, platforms), req("country", Country), req("store", Text),
			req("created_at", Timestamp), opt("paid_at", Timestamp), opt("handling_deadline", Timestamp),
			opt("shipped_at", Timestamp), opt("estimated_delivery_at", Timestamp), opt("delivered_at", Timestamp),
			opt("cancelled_at", Timestamp), enum("cancel_by", false, cancelBy), enum("status", false, orderStatus),
			opt("currency", Currency), gross("gross_amount"), money("platform_fee"), gross("shipping_cost"),
			gross("cogs"), gross("ad_cost"), buyer, enum("fulfillment", false, fulfillments),
			opt("warehouse", Text), opt("carrier", Text), opt("sku", Text), opt("category", Text), units,
		}},
		{Name: "order_items", Key: []string{"platform", "store", "order_id", "line"}, Columns: []Column{
			req("order_id", Text), enum("platform", true, platforms), req("store", Text), req("country", Country),
			{Name: "line", Type: Int, Required: true}, opt("sku", Text), opt("category", Text), count("units"),
			gross("unit_price"), opt("currency", Currency),
		}},
		{Name: "shipments", Key: []string{"shipment_id"}, Columns: []Column{
			req("shipment_id", Text), opt("order_id", Text), enum("platform", false, platforms), opt("store", Text),
			req("country", Country), req("carrier", Text), opt("service", Text),
			opt("handed_over_at", Timestamp), opt("departed_origin_at", Timestamp), opt("arrived_destination_at", Timestamp),
			opt("customs_submitted_at", Timestamp), opt("customs_cleared_at", Timestamp), opt("customs_held", Bool),
			count("tax_bill_returns"), opt("out_for_delivery_at", Timestamp), count("delivery_attempts"),
			opt("delivered_at", Timestamp), opt("lost_at", Timestamp), opt("returned_to_sender_at", Timestamp),
			gross("shipping_cost"), opt("currency", Currency),
		}},
		{Name: "returns", Key: []string{"platform", "store", "return_id"}, Columns: []Column{
			req("return_id", Text), opt("order_id", Text), enum("platform", true, platforms), req("store", Text),
			req("country", Country), opt("sku", Text), opt("category", Text), enum("reason", false, reasons),
			opt("reason_text", Text), req("requested_at", Timestamp), opt("received_at", Timestamp),
			opt("processed_at", Timestamp), money("refund_amount"), opt("currency", Currency),
			enum("resolution", false, resolutions),
		}},
		{Name: "tickets", Key: []string{"platform", "store", "ticket_id"}, Columns: []Column{
			req("ticket_id", Text), enum("platform", true, platforms), req("store", Text), req("country", Country),
			opt("order_id", Text), enum("channel", false, channels), req("created_at", Timestamp),
			opt("first_response_at", Timestamp), opt("resolved_at", Timestamp), opt("is_dispute", Bool),
			enum("dispute_outcome", false, outcomes), bounded("csat", Int, 1, 5), opt("agent", Text),
			opt("led_to_order", Bool),
		}},
		{Name: "reviews", Key: []string{"platform", "store", "review_id"}, Columns: []Column{
			req("review_id", Text), enum("platform", true, platforms), req("store", Text), req("country", Country),
			opt("order_id", Text), opt("sku", Text), opt("category", Text), reqBounded("rating", 1, 5),
			req("created_at", Timestamp),
		}},
		{Name: "nps_responses", Key: []string{"response_id"}, Columns: []Column{
			req("response_id", Text), enum("platform", false, platforms), opt("store", Text), req("country", Country),
			reqBounded("score", 0, 10), req("responded_at", Timestamp),
		}},
		{Name: "ads", Key: []string{"date", "platform", "store", "country", "campaign"}, Columns: []Column{
			req("date", Date), enum("platform", true, platforms), req("store", Text), req("country", Country),
			req("campaign", Text), opt("currency", Currency), gross("spend"), gross("attributed_sales"),
			count("impressions"), count("clicks"), count("attributed_orders"),
		}},
		{Name: "traffic", Key: []string{"date", "platform", "store", "country"}, Columns: []Column{
			req("date", Date), enum("platform", true, platforms), req("store", Text), req("country", Country),
			count("visits"),
		}},
		{Name: "inventory", Key: []string{"date", "warehouse", "sku"}, Columns: []Column{
			req("date", Date), req("warehouse", Text), req("country", Country), req("sku", Text), opt("category", Text),
			count("on_hand_units"), gross("unit_cost"), opt("currency", Currency), count("inbound_units"),
		}},
		{Name: "purchase_orders", Key: []string{"po_id"}, Columns: []Column{
			req("po_id", Text), opt("supplier", Text), req("country", Country), opt("warehouse", Text),
			req("created_at", Timestamp), opt("supplier_shipped_at", Timestamp), opt("first_leg_departed_at", Timestamp),
			opt("first_leg_arrived_at", Timestamp), opt("received_at", Timestamp), opt("expected_received_at", Timestamp),
			count("units"), opt("currency", Currency), gross("amount"),
		}},
		{Name: "platform_scores", Key: []string{"date", "platform", "store", "country", "metric"}, Columns: []Column{
			req("date", Date), enum("platform", true, platforms), req("store", Text), req("country", Country),
			req("metric", Text), req("value", Decimal),
		}},
		{Name: "fx_rates", Key: []string{"date", "currency"}, Columns: []Column{
			req("date", Date), req("currency", Currency), positive("per_usd"),
		}},
	}
	for _, k := range ks {
		k.index = make(map[string]int, len(k.Columns))
		for i, c := range k.Columns {
			if _, dup := k.index[c.Name]; dup {
				panic("record: duplicate column " + k.Name + "." + c.Name) // programming error in this file
			}
			k.index[c.Name] = i
		}
		for _, key := range k.Key {
			if i := k.Col(key); i < 0 || !k.Columns[i].Required {
				panic("record: key column not required: " + k.Name + "." + key)
			}
		}
	}
	return ks
}

func reqBounded(name string, lo, hi float64) Column {
	c := bounded(name, Int, lo, hi)
	c.Required = true
	return c
}

func positive(name string) Column {
	lo := 1e-12
	return Column{Name: name, Type: Decimal, Required: true, Min: &lo}
}

// deriveOrderStatus fills status from the timestamps when the source left it empty.
func deriveOrderStatus(k *Kind, vals []any) {
	si := k.Col("status")
	if vals[si] != nil {
		return
	}
	switch {
	case vals[k.Col("cancelled_at")] != nil:
		vals[si] = "cancelled"
	case vals[k.Col("delivered_at")] != nil:
		vals[si] = "delivered"
	case vals[k.Col("shipped_at")] != nil:
		vals[si] = "shipped"
	case vals[k.Col("paid_at")] != nil:
		vals[si] = "paid"
	default:
		vals[si] = "pending"
	}
}

// Catalog indexes the kinds by name.
type Catalog struct {
	byName map[string]*Kind
	order  []*Kind
}

// NewCatalog returns the contract v1 catalogue.
func NewCatalog() *Catalog {
	c := &Catalog{byName: map[string]*Kind{}}
	for _, k := range Kinds() {
		c.byName[k.Name] = k
		c.order = append(c.order, k)
	}
	return c
}

// Kind returns the named kind or an error that lists the known ones.
func (c *Catalog) Kind(name string) (*Kind, error) {
	if k, ok := c.byName[name]; ok {
		return k, nil
	}
	names := make([]string, 0, len(c.order))
	for _, k := range c.order {
		names = append(names, k.Name)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("unknown record kind %q (known: %s)", name, strings.Join(names, ", "))
}

// All returns the kinds in contract order.
func (c *Catalog) All() []*Kind { return c.order }
