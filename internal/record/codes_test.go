package record

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

// Every reason a row or a header is refused carries a code and its arguments, and the English
// reason the command line prints is the one it printed before codes existed (written out here).
func TestRefusalsCarryCodes(t *testing.T) {
	cat := NewCatalog()
	orders, _ := cat.Kind("orders")
	tickets, _ := cat.Kind("tickets")
	fx, _ := cat.Kind("fx_rates")
	traffic, _ := cat.Kind("traffic")
	ordersHead := []string{"order_id", "platform", "country", "store", "created_at", "currency", "gross_amount", "platform_fee", "units"}
	order := func(col, v string) []string {
		row := []string{"A1", "amazon", "BR", "s1", "2026-03-02 10:00:00", "BRL", "10", "1", "2"}
		for i, h := range ordersHead {
			if h == col {
				row[i] = v
			}
		}
		return row
	}
	cases := []struct {
		name   string
		kind   *Kind
		header []string
		row    []string
		column string
		reason string
		code   Code
		args   map[string]string
	}{
		{"empty required", orders, ordersHead, order("store", " "), "store", "required value is empty", CodeRequired, nil},
		{"NUL", orders, ordersHead, order("store", "a\x00b"), "store", "contains a NUL character", CodeNUL, nil},
		{"enum", orders, ordersHead, order("platform", "ebay"), "platform", "not one of mercadolibre, amazon, shopee, shein, tiktok, temu, own_site, other",
			CodeEnum, map[string]string{"Values": "mercadolibre, amazon, shopee, shein, tiktok, temu, own_site, other"}},
		{"country format", orders, ordersHead, order("country", "Brasil"), "country", "not an ISO 3166-1 alpha-2 country code (e.g. BR, MX, CO, CL, AR, PE)", CodeCountryFormat, nil},
		{"country unknown", orders, ordersHead, order("country", "XX"), "country", "unknown country code (want ISO 3166-1 alpha-2, e.g. BR, MX, CO, CL, AR, PE)", CodeCountryUnknown, nil},
		{"currency format", orders, ordersHead, order("currency", "R$"), "currency", "not an ISO 4217 currency code (e.g. BRL, MXN, USD)", CodeCurrencyFormat, nil},
		{"currency unknown", orders, ordersHead, order("currency", "XYZ"), "currency", "unknown currency code (want ISO 4217, e.g. BRL, MXN, USD)", CodeCurrencyUnknown, nil},
		{"timestamp", orders, ordersHead, order("created_at", "25/11/2026"), "created_at",
			"not a timestamp (want RFC 3339 like 2026-03-02T14:05:00-03:00, local time like 2026-03-02 14:05:00, or a date 2026-03-02)", CodeTimestamp, nil},
		// The part that cannot be read is quoted as the file writes it (a space, not the 'T'
		// the parser puts in its place).
		{"timestamp as written", orders, ordersHead, order("created_at", "11/25/2026 10:00"), "created_at",
			`not a valid local timestamp: cannot read "11/25/2026 10:00"`, CodeTimestamp, nil},
		{"timestamp with offset as written", orders, ordersHead, order("created_at", "2026-11-25 10:00:00 -0300"), "created_at",
			`not a valid timestamp with offset: cannot read " -0300"`, CodeTimestamp, nil},
		{"30 February", orders, ordersHead, order("created_at", "2026-02-30 10:00:00"), "created_at",
			"not a valid local timestamp: day out of range", CodeTimestampRange, nil},
		{"hour 25", orders, ordersHead, order("created_at", "2026-11-25T25:00:00-03:00"), "created_at",
			"not a valid timestamp with offset: hour out of range", CodeTimestampRange, nil},
		{"year", orders, ordersHead, order("created_at", "1900-01-01"), "created_at", "year out of range (1970-2199)", CodeYear,
			map[string]string{"Min": "1970", "Max": "2199"}},
		{"date", fx, []string{"date", "currency", "per_usd"}, []string{"2026-3-1", "BRL", "5"}, "date", "not a date (want YYYY-MM-DD)", CodeDate, nil},
		{"decimal", orders, ordersHead, order("gross_amount", "1.234,50"), "gross_amount",
			"not a decimal number (write it like 1234.56: '.' for decimals, no thousands separators)", CodeDecimal, nil},
		{"NaN", orders, ordersHead, order("gross_amount", "NaN"), "gross_amount", "not a finite number (NaN and infinities are not values)", CodeNotFinite, nil},
		{"too large", orders, ordersHead, order("gross_amount", "1e14"), "gross_amount", "too large: the magnitude must be at most 1e+13", CodeTooLarge,
			map[string]string{"Limit": "10000000000000"}},
		{"int too large", orders, ordersHead, order("units", "2000000000000"), "units", "too large: the magnitude must be at most 1000000000000", CodeTooLarge,
			map[string]string{"Limit": "1000000000000"}},
		{"not whole", orders, ordersHead, order("units", "2.5"), "units", "not a whole number", CodeNotWhole, nil},
		{"bool", tickets, []string{"ticket_id", "platform", "store", "country", "created_at", "is_dispute"},
			[]string{"T1", "amazon", "s1", "MX", "2026-03-02", "maybe"}, "is_dispute", "not a boolean (true/false, 1/0, yes/no, sí/no, sim/não)", CodeBool, nil},
		{"negative amount", orders, ordersHead, order("gross_amount", "-3"), "gross_amount",
			"must not be negative: it is an amount paid, a price or a cost (fee reversals belong in platform_fee, refunds in returns)", CodeNegativeAmount, nil},
		{"negative count", traffic, []string{"date", "platform", "store", "country", "visits"}, []string{"2026-03-02", "amazon", "s1", "MX", "-1"}, "visits",
			"must not be negative", CodeNegative, nil},
		{"not positive", fx, []string{"date", "currency", "per_usd"}, []string{"2026-03-01", "BRL", "0"}, "per_usd", "must be greater than 0", CodeNotPositive, nil},
		{"between", tickets, []string{"ticket_id", "platform", "store", "country", "created_at", "csat"},
			[]string{"T1", "amazon", "s1", "MX", "2026-03-02", "6"}, "csat", "must be between 1 and 5", CodeBetween, map[string]string{"Min": "1", "Max": "5"}},
		{"currency needed", orders, ordersHead, order("currency", ""), "currency", "required when an amount is present", CodeCurrencyNeeded, nil},
		{"field count", traffic, []string{"date", "platform", "store", "country", "visits"}, []string{"2026-03-02", "amazon", "s1", "MX", "1", "x"}, "",
			"has 6 fields, the header has 5", CodeFieldCount, map[string]string{"Fields": "6", "Header": "5"}},
	}
	for _, c := range cases {
		p, err := NewParser(c.kind, c.header, NewZones(), []byte("k"))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, err = p.Parse(2, c.row)
		var re *RowError
		if !errors.As(err, &re) || len(re.Fields) != 1 {
			t.Errorf("%s: %v, want one field error", c.name, err)
			continue
		}
		fe := re.Fields[0]
		if fe.Column != c.column || fe.Reason != c.reason || fe.Code != c.code || !maps.Equal(fe.Args, c.args) {
			t.Errorf("%s: column %q reason %q code %q args %v\nwant column %q reason %q code %q args %v",
				c.name, fe.Column, fe.Reason, fe.Code, fe.Args, c.column, c.reason, c.code, c.args)
		}
	}

	headers := []struct {
		name   string
		header []string
		opt    ParseOptions
		reason string
		code   Code
		args   map[string]string
	}{
		{"unnamed", []string{"date", "", "store"}, ParseOptions{}, "column 2 has no name", CodeHeaderUnnamed, map[string]string{"Position": "2"}},
		{"twice", []string{"date", "Date"}, ParseOptions{}, "column date appears twice", CodeHeaderTwice, map[string]string{"Column": "date"}},
		{"missing", []string{"date", "platform", "visits"}, ParseOptions{}, "missing required column store, country for kind traffic", CodeHeaderMissing,
			map[string]string{"Columns": "store, country", "Kind": "traffic"}},
		{"pseudonymise a contract column", []string{"date", "platform", "store", "country"}, ParseOptions{Pseudonymise: []string{"store"}},
			"column store is a contract column of traffic and cannot be pseudonymised", CodeHeaderPseudo, map[string]string{"Column": "store", "Kind": "traffic"}},
	}
	for _, c := range headers {
		_, err := NewParserWith(traffic, c.header, NewZones(), []byte("k"), c.opt)
		var he *HeaderError
		if !errors.As(err, &he) {
			t.Errorf("%s: %v, want a header error", c.name, err)
			continue
		}
		if he.Reason != c.reason || he.Code != c.code || !maps.Equal(he.Args, c.args) || !strings.HasPrefix(he.Error(), "header: ") {
			t.Errorf("%s: %q %q %v, want %q %q %v", c.name, he.Reason, he.Code, he.Args, c.reason, c.code, c.args)
		}
	}
}
