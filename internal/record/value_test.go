package record

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func mustUTC(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func TestParseTimestamp(t *testing.T) {
	z := NewZones()
	cases := []struct {
		in, country string
		want        string // UTC instant, worked out by hand from the zone rules
		local       string // local date
		dateOnly    bool
	}{
		// São Paulo is UTC-3 all year (no DST since 2019): local midnight is 03:00Z.
		{"2026-03-02 23:30:00", "BR", "2026-03-03T02:30:00Z", "2026-03-02", false},
		{"2026-03-03 00:10:00", "BR", "2026-03-03T03:10:00Z", "2026-03-03", false},
		{"2026-03-02T23:59:59", "BR", "2026-03-03T02:59:59Z", "2026-03-02", false},
		{"2026-03-02 23:59", "BR", "2026-03-03T02:59:00Z", "2026-03-02", false},
		{"2026-03-02 23:59:59.5", "BR", "2026-03-03T02:59:59.5Z", "2026-03-02", false},
		// With an offset the offset rules; the local date is still the country's.
		{"2026-03-03T01:30:00+00:00", "BR", "2026-03-03T01:30:00Z", "2026-03-02", false},
		{"2026-03-03T01:30:00Z", "BR", "2026-03-03T01:30:00Z", "2026-03-02", false},
		{"2026-03-02T14:05:00-03:00", "BR", "2026-03-02T17:05:00Z", "2026-03-02", false},
		{"2026-03-02T14:05-03:00", "BR", "2026-03-02T17:05:00Z", "2026-03-02", false},
		// Chile falls back at 2026-04-05 00:00 (-03) to 2026-04-04 23:00 (-04): 23:30 occurs twice,
		// the earlier instant (-03) is meant.
		{"2026-04-04 23:30:00", "CL", "2026-04-05T02:30:00Z", "2026-04-04", false},
		{"2026-04-04 22:59:00", "CL", "2026-04-05T01:59:00Z", "2026-04-04", false},
		{"2026-04-05 00:30:00", "CL", "2026-04-05T04:30:00Z", "2026-04-05", false},
		// Chile springs forward at 2026-09-06 00:00 (-04) to 01:00 (-03): 00:30 does not exist and
		// is shifted forward by the hour-long gap to 01:30 (-03).
		{"2026-09-06 00:30:00", "CL", "2026-09-06T04:30:00Z", "2026-09-06", false},
		{"2026-09-06 01:30:00", "CL", "2026-09-06T04:30:00Z", "2026-09-06", false},
		{"2026-09-05 23:30:00", "CL", "2026-09-06T03:30:00Z", "2026-09-05", false},
		// Mexico City has had no DST since 2022.
		{"2026-07-01 00:00:00", "MX", "2026-07-01T06:00:00Z", "2026-07-01", false},
		{"2026-07-01 00:00:00", "CO", "2026-07-01T05:00:00Z", "2026-07-01", false},
		{"2026-07-01 00:00:00", "AR", "2026-07-01T03:00:00Z", "2026-07-01", false},
		{"2026-07-01 00:00:00", "PE", "2026-07-01T05:00:00Z", "2026-07-01", false},
		// A country without a configured zone is read in UTC.
		{"2026-07-01 00:00:00", "US", "2026-07-01T00:00:00Z", "2026-07-01", false},
		// Date-only: that local date (local midnight).
		{"2026-03-02", "BR", "2026-03-02T03:00:00Z", "2026-03-02", true},
	}
	for _, c := range cases {
		got, dateOnly, err := ParseTimestamp(c.in, z.For(c.country))
		if err != nil {
			t.Errorf("%s %s: %v", c.country, c.in, err)
			continue
		}
		if !got.Equal(mustUTC(t, c.want)) {
			t.Errorf("%s %s: got %s, want %s", c.country, c.in, got.UTC().Format(time.RFC3339Nano), c.want)
		}
		if l := got.In(z.For(c.country)).Format(time.DateOnly); l != c.local {
			t.Errorf("%s %s: local date %s, want %s", c.country, c.in, l, c.local)
		}
		if dateOnly != c.dateOnly {
			t.Errorf("%s %s: dateOnly %v", c.country, c.in, dateOnly)
		}
	}
}

func TestParseTimestampErrors(t *testing.T) {
	for _, in := range []string{"", "yesterday", "2026-13-01", "2026-02-30 10:00:00", "2026-03-02 25:00:00",
		"02/03/2026 10:00", "2026-03-02T10:00:00+25:00", "2026-03-02X10:00:00", "2026-3-2"} {
		if _, _, err := ParseTimestamp(in, time.UTC); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestParseValues(t *testing.T) {
	bools := map[string]bool{"true": true, "TRUE": true, "1": true, "yes": true, "Sí": true, "sim": true, "SIM": true,
		"false": false, "0": false, "no": false, "NÃO": false, "não": false}
	for in, want := range bools {
		got, err := ParseBool(in)
		if err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseBool("maybe"); err == nil {
		t.Error("ParseBool(maybe): no error")
	}
	decs := map[string]float64{"1234.56": 1234.56, "-3": -3, "+0.5": 0.5, ".5": 0.5, "1e3": 1000, "0": 0}
	for in, want := range decs {
		got, err := ParseDecimal(in)
		if err != nil || got != want {
			t.Errorf("ParseDecimal(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"1,234.56", "12,5", "abc", "1.2.3", "-", ".", "NaN", "Inf", "1e999", "R$ 10"} {
		if _, err := ParseDecimal(in); err == nil {
			t.Errorf("ParseDecimal(%q): no error", in)
		}
	}
	ints := map[string]int64{"3": 3, "3.0": 3, "-2": -2}
	for in, want := range ints {
		got, err := ParseInt(in)
		if err != nil || got != want {
			t.Errorf("ParseInt(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"3.5", "x", ""} {
		if _, err := ParseInt(in); err == nil {
			t.Errorf("ParseInt(%q): no error", in)
		}
	}
	for in, want := range map[string]string{"BR": "BR", "mx": "MX", "US": "US"} {
		if got, err := ParseCountry(in); err != nil || got != want {
			t.Errorf("ParseCountry(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"XX", "ZZ", "Brasil", "B", "", "001", "EU"} {
		if _, err := ParseCountry(in); err == nil {
			t.Errorf("ParseCountry(%q): no error", in)
		}
	}
	for in, want := range map[string]string{"BRL": "BRL", "mxn": "MXN", "CNY": "CNY"} {
		if got, err := ParseCurrency(in); err != nil || got != want {
			t.Errorf("ParseCurrency(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"XXX", "ABC", "R$", "REAL"} {
		if _, err := ParseCurrency(in); err == nil {
			t.Errorf("ParseCurrency(%q): no error", in)
		}
	}
}

func orders(t *testing.T) *Kind {
	t.Helper()
	k, err := NewCatalog().Kind("orders")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParserRow(t *testing.T) {
	k := orders(t)
	header := []string{"\uFEFFOrder_ID", "platform", "country", "store", "created_at", "shipped_at", "currency", "gross_amount", "buyer_ref", "channel_note"}
	secret := []byte("0123456789abcdef0123456789abcdef")
	p, err := NewParser(k, header, NewZones(), secret)
	if err != nil {
		t.Fatal(err)
	}
	row, err := p.Parse(2, []string{"A-1", "MercadoLibre", "br", "ml-br-1", "2026-03-02 23:30:00", "2026-03-03T10:00:00-03:00", "brl", "120.50", "buyer-77", "gift"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(col string) any { return row[indexOf(k.Stored(), col)] }
	if get("platform") != "mercadolibre" || get("country") != "BR" || get("currency") != "BRL" {
		t.Errorf("normalised values: %v %v %v", get("platform"), get("country"), get("currency"))
	}
	if got := get("created_at").(time.Time); !got.Equal(mustUTC(t, "2026-03-03T02:30:00Z")) {
		t.Errorf("created_at %v", got)
	}
	if got := get("created_at_local").(time.Time).Format(time.DateOnly); got != "2026-03-02" {
		t.Errorf("created_at_local %v", got)
	}
	if got := get("shipped_at_local").(time.Time).Format(time.DateOnly); got != "2026-03-03" {
		t.Errorf("shipped_at_local %v", got)
	}
	if get("status") != "shipped" {
		t.Errorf("derived status %v", get("status"))
	}
	if get("units") != int64(1) {
		t.Errorf("default units %v", get("units"))
	}
	if get("gross_amount") != 120.5 {
		t.Errorf("gross %v", get("gross_amount"))
	}
	ref := get("buyer_ref").(string)
	if ref == "buyer-77" || len(ref) != 32 || strings.Contains(ref, "77") && ref == "buyer-77" {
		t.Errorf("buyer_ref not pseudonymised: %q", ref)
	}
	if get("attrs") != `{"channel_note":"gift"}` {
		t.Errorf("attrs %v", get("attrs"))
	}
	if get("paid_at") != nil || get("paid_at_local") != nil {
		t.Error("empty timestamp stored a value")
	}
}

func indexOf(cols []StoredColumn, name string) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	panic(name)
}

func TestParserErrors(t *testing.T) {
	k := orders(t)
	header := []string{"order_id", "platform", "country", "store", "created_at", "gross_amount", "currency", "cancel_by"}
	p, err := NewParser(k, header, NewZones(), []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fields []string
		want   string
	}{
		{[]string{"A", "amazon", "BR", "s", "not a time", "", "", ""}, `row 7, column created_at: not a timestamp`},
		{[]string{"A", "amazon", "XX", "s", "2026-03-02 10:00:00", "", "", ""}, `row 7, column country: unknown country code`},
		{[]string{"A", "amazon", "BR", "s", "2026-03-02 10:00:00", "ten", "BRL", ""}, `row 7, column gross_amount: not a decimal number`},
		{[]string{"A", "amazon", "BR", "s", "2026-03-02 10:00:00", "10", "", ""}, `row 7, column currency: required when an amount is present`},
		{[]string{"A", "ebay", "BR", "s", "2026-03-02 10:00:00", "", "", ""}, `row 7, column platform: not one of mercadolibre`},
		{[]string{"A", "amazon", "BR", "", "2026-03-02 10:00:00", "", "", ""}, `row 7, column store: required value is empty`},
		{[]string{"A", "amazon", "BR", "s", "2026-03-02 10:00:00", "", "", "sellr"}, `row 7, column cancel_by: not one of buyer, seller, platform (value "sellr")`},
		{[]string{"A", "amazon", "BR", "s", "2026-03-02 10:00:00", "", "", "", "extra"}, `row 7: has 9 fields, the header has 8`},
	}
	for _, c := range cases {
		_, err := p.Parse(7, c.fields)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.fields, err, c.want)
		}
	}
	if _, err := NewParser(k, []string{"order_id", "platform", "store", "created_at"}, NewZones(), nil); err == nil ||
		err.Error() != "header: missing required column country for kind orders" {
		t.Errorf("missing column: %v", err)
	}
	if _, err := NewParser(k, []string{"order_id", "order_id"}, NewZones(), nil); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("duplicate column: %v", err)
	}
}

func TestPseudonymise(t *testing.T) {
	a, b := []byte("tenant-a-secret"), []byte("tenant-b-secret")
	if Pseudonymise(a, "buyer-1") != Pseudonymise(a, "buyer-1") {
		t.Error("not stable within a tenant")
	}
	if Pseudonymise(a, "buyer-1") == Pseudonymise(b, "buyer-1") {
		t.Error("same ref across tenants")
	}
	if Pseudonymise(a, "buyer-1") == Pseudonymise(a, "buyer-2") {
		t.Error("different buyers collide")
	}
}

func TestKindsKeysRequired(t *testing.T) {
	// Kinds() panics on a key column that is not required; building it is the test.
	if n := len(Kinds()); n != 13 {
		t.Fatalf("contract v1 has 13 kinds, got %d", n)
	}
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2026-03-02 23:30:00", "2026-04-04 23:30:00", "2026-03-02T14:05:00-03:00", "2026-03-02", "2026-09-06T00:30"} {
		f.Add(s, "CL")
	}
	z := NewZones()
	f.Fuzz(func(t *testing.T, s, country string) {
		loc := z.For(country)
		got, _, err := ParseTimestamp(s, loc)
		if err != nil {
			return
		}
		// A second reading of the same instant, written with its offset, must agree.
		again, _, err := ParseTimestamp(got.In(loc).Format(time.RFC3339Nano), loc)
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q -> %v; re-read %v, %v", s, got, again, err)
		}
	})
}

func FuzzParser(f *testing.F) {
	f.Add("A,amazon,BR,s,2026-03-02 10:00:00,10.5,BRL,seller,b1")
	f.Add("A,amazon,CL,s,2026-04-04 23:30:00,,,,")
	k := NewCatalog().All()[0]
	header := []string{"order_id", "platform", "country", "store", "created_at", "gross_amount", "currency", "cancel_by", "buyer_ref"}
	p, err := NewParser(k, header, NewZones(), []byte("k"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		row, err := p.Parse(2, strings.Split(line, ","))
		if err == nil && len(row) != len(k.Stored()) {
			t.Fatalf("row has %d values", len(row))
		}
	})
}

// Finding 5 of issue 8: 1.7e308 was accepted and two of them summed to +Inf. Every decimal
// is bounded by 1e13 and every whole number by 1e12; the row error names the column.
func TestNumbersAreFiniteAndBounded(t *testing.T) {
	for in, want := range map[string]float64{"1e13": 1e13, "-1e13": -1e13, "9999999999999.99": 9999999999999.99, "1e-400": 0} {
		if got, err := ParseDecimal(in); err != nil || got != want {
			t.Errorf("ParseDecimal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"NaN": "not a finite number", "nan": "not a finite number", "+Inf": "not a finite number",
		"-inf": "not a finite number", "Infinity": "not a finite number",
		"1e400": "too large", "-1e400": "too large", "1.7e308": "too large", "10000000000000.01": "too large",
		"179769313486231570000000000000000000000": "too large",
	} {
		if _, err := ParseDecimal(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDecimal(%q): %v, want %q", in, err, want)
		}
	}
	if got, err := ParseInt("1000000000000"); err != nil || got != 1_000_000_000_000 {
		t.Errorf("ParseInt(1e12 written out) = %v, %v", got, err)
	}
	for in, want := range map[string]string{
		"1000000000001": "too large", "-1000000000001": "too large", "9223372036854775807": "too large",
		"99999999999999999999": "too large", "1e13": "too large", "NaN": "not a finite number",
	} {
		if _, err := ParseInt(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseInt(%q): %v, want %q", in, err, want)
		}
	}

	k := orders(t)
	p, err := NewParser(k, []string{"order_id", "platform", "country", "store", "created_at", "currency", "gross_amount", "units"}, NewZones(), []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	for fields, want := range map[[2]string]string{
		{"1.7e308", "1"}: `row 4, column gross_amount: too large: the magnitude must be at most 1e+13 (value "1.7e308")`,
		{"NaN", "1"}:     `row 4, column gross_amount: not a finite number (NaN and infinities are not values) (value "NaN")`,
		{"+Inf", "1"}:    `row 4, column gross_amount: not a finite number (NaN and infinities are not values) (value "+Inf")`,
		{"10", "1e15"}:   `row 4, column units: too large: the magnitude must be at most 1000000000000 (value "1e15")`,
	} {
		_, err := p.Parse(4, []string{"A", "amazon", "BR", "s", "2026-03-02 10:00:00", "BRL", fields[0], fields[1]})
		if err == nil || err.Error() != want {
			t.Errorf("%v: got %v\nwant %s", fields, err, want)
		}
	}
}

// Finding 10 of issue 8: negative gross amounts were stored. Amounts paid, prices and costs
// cannot be negative; platform fees (reversals) and refunds can.
func TestNegativeAmounts(t *testing.T) {
	cat := NewCatalog()
	nonNegative := map[string][]string{
		"orders":          {"gross_amount", "shipping_cost", "cogs", "ad_cost"},
		"order_items":     {"unit_price"},
		"shipments":       {"shipping_cost"},
		"ads":             {"spend", "attributed_sales"},
		"inventory":       {"unit_cost"},
		"purchase_orders": {"amount"},
	}
	signed := map[string][]string{"orders": {"platform_fee"}, "returns": {"refund_amount"}}
	for _, k := range cat.All() {
		for _, c := range k.Columns {
			if !c.Money {
				continue
			}
			want := slices.Contains(nonNegative[k.Name], c.Name)
			if !want && !slices.Contains(signed[k.Name], c.Name) {
				t.Errorf("%s.%s: money column in neither list", k.Name, c.Name)
			}
			if got := c.Min != nil && *c.Min == 0; got != want {
				t.Errorf("%s.%s: non-negative %v, want %v", k.Name, c.Name, got, want)
			}
		}
	}
	k := orders(t)
	p, err := NewParser(k, []string{"order_id", "platform", "country", "store", "created_at", "currency", "gross_amount", "platform_fee"}, NewZones(), []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Parse(3, []string{"A", "amazon", "BR", "s", "2026-03-02 10:00:00", "BRL", "-10", "-2"})
	want := `row 3, column gross_amount: must not be negative: it is an amount paid, a price or a cost (fee reversals belong in platform_fee, refunds in returns) (value "-10")`
	if err == nil || err.Error() != want {
		t.Errorf("negative gross: %v", err)
	}
	row, err := p.Parse(3, []string{"A", "amazon", "BR", "s", "2026-03-02 10:00:00", "BRL", "0", "-2.5"})
	if err != nil || row[k.Col("platform_fee")] != -2.5 || row[k.Col("gross_amount")] != 0.0 {
		t.Errorf("zero gross and a fee reversal: %v, %v", row, err)
	}
}
