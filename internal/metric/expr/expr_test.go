package expr

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"pulso/internal/record"
)

// The real dialects live with the stores; these two are what the compiler needs of them.
type duckDialect struct{}

func (duckDialect) Epoch(x string) string { return "epoch(" + x + ")" }

type pgDialect struct{}

func (pgDialect) Epoch(x string) string { return "extract(epoch from " + x + ")" }

func kindCols(t testing.TB, name string) Columns {
	t.Helper()
	k, err := record.NewCatalog().Kind(name)
	if err != nil {
		t.Fatal(err)
	}
	return KindColumns(k)
}

func compile(e *Expr, d Dialect) (string, []any) {
	var args []any
	sql := e.SQL(d, func(col string) string { return `"` + col + `"` },
		func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) })
	return sql, args
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestCompile(t *testing.T) {
	const hoursPG = `((CAST(extract(epoch from "shipped_at") - extract(epoch from COALESCE("paid_at", "created_at")) AS DOUBLE PRECISION) / 3600) <= CAST($1 AS DOUBLE PRECISION))`
	tests := []struct {
		kind, src string
		typ       Type
		sql       string // PostgreSQL dialect
		args      []any
		cols      []string
	}{
		{"orders", "hours_between(coalesce(paid_at, created_at), shipped_at) <= 48", Bool, hoursPG,
			[]any{48.0}, []string{"created_at", "paid_at", "shipped_at"}},
		{"orders", "shipped_at > handling_deadline", Bool, `("shipped_at" > "handling_deadline")`, nil,
			[]string{"handling_deadline", "shipped_at"}},
		{"orders", "cancel_by = 'seller'", Bool, `("cancel_by" = CAST($1 AS TEXT))`, []any{"seller"}, []string{"cancel_by"}},
		{"orders", "status != 'cancelled'", Bool, `("status" <> CAST($1 AS TEXT))`, []any{"cancelled"}, []string{"status"}},
		{"orders", "status <> 'cancelled'", Bool, `("status" <> CAST($1 AS TEXT))`, []any{"cancelled"}, []string{"status"}},
		{"orders", "local_date(delivered_at) <= local_date(estimated_delivery_at)", Bool,
			`("delivered_at_local" <= "estimated_delivery_at_local")`, nil,
			[]string{"delivered_at_local", "estimated_delivery_at_local"}},
		{"orders", "hours_between(created_at, delivered_at) <= 72", Bool,
			`((CAST(extract(epoch from "delivered_at") - extract(epoch from "created_at") AS DOUBLE PRECISION) / 3600) <= CAST($1 AS DOUBLE PRECISION))`,
			[]any{72.0}, []string{"created_at", "delivered_at"}},
		{"orders", "days_between(created_at, delivered_at)", Number,
			`(CAST(extract(epoch from "delivered_at") - extract(epoch from "created_at") AS DOUBLE PRECISION) / 86400)`,
			nil, []string{"created_at", "delivered_at"}},
		{"orders", "days_between(local_date(created_at), delivered_at_local)", Number,
			`CAST("delivered_at_local" - "created_at_local" AS DOUBLE PRECISION)`, nil,
			[]string{"created_at_local", "delivered_at_local"}},
		{"shipments", "customs_cleared_at is not null and not coalesce(customs_held, false)", Bool,
			`(("customs_cleared_at" IS NOT NULL) AND (NOT COALESCE("customs_held", CAST($1 AS BOOLEAN))))`,
			[]any{false}, []string{"customs_cleared_at", "customs_held"}},
		{"shipments", "delivery_attempts <= 1", Bool, `("delivery_attempts" <= CAST($1 AS DOUBLE PRECISION))`,
			[]any{1.0}, []string{"delivery_attempts"}},
		{"shipments", "customs_held", Bool, `"customs_held"`, nil, []string{"customs_held"}},
		{"shipments", "customs_held = true", Bool, `("customs_held" = CAST($1 AS BOOLEAN))`, []any{true}, []string{"customs_held"}},
		{"tickets", "channel in ('chat','question','whatsapp') ", Bool,
			`("channel" IN (CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS TEXT)))`,
			[]any{"chat", "question", "whatsapp"}, []string{"channel"}},
		{"tickets", "channel not in ('chat')", Bool, `("channel" NOT IN (CAST($1 AS TEXT)))`, []any{"chat"}, []string{"channel"}},
		{"tickets", "is_dispute or led_to_order and not is_dispute", Bool,
			`("is_dispute" OR ("led_to_order" AND (NOT "is_dispute")))`, nil, []string{"is_dispute", "led_to_order"}},
		{"tickets", "(is_dispute or led_to_order) and csat >= 4", Bool,
			`(("is_dispute" OR "led_to_order") AND ("csat" >= CAST($1 AS DOUBLE PRECISION)))`, []any{4.0},
			[]string{"csat", "is_dispute", "led_to_order"}},
		{"reviews", "rating <= 2", Bool, `("rating" <= CAST($1 AS DOUBLE PRECISION))`, []any{2.0}, []string{"rating"}},
		{"nps_responses", "score >= 9", Bool, `("score" >= CAST($1 AS DOUBLE PRECISION))`, []any{9.0}, []string{"score"}},
		{"orders", "gross_amount", Number, `"gross_amount"`, nil, []string{"gross_amount"}},
		{"orders", "gross_amount / units", Number,
			`(CAST("gross_amount" AS DOUBLE PRECISION) / NULLIF(CAST("units" AS DOUBLE PRECISION), 0))`, nil,
			[]string{"gross_amount", "units"}},
		{"orders", "(gross_amount - cogs) / gross_amount", Number,
			`(CAST(("gross_amount" - "cogs") AS DOUBLE PRECISION) / NULLIF(CAST("gross_amount" AS DOUBLE PRECISION), 0))`, nil,
			[]string{"cogs", "gross_amount"}},
		{"orders", "1 / 0", Number,
			`(CAST($1 AS DOUBLE PRECISION) / NULLIF(CAST($2 AS DOUBLE PRECISION), 0))`, []any{1.0, 0.0}, []string{}},
		{"orders", "hours_between(created_at, shipped_at) / 24", Number,
			`((CAST(extract(epoch from "shipped_at") - extract(epoch from "created_at") AS DOUBLE PRECISION) / 3600) / NULLIF(CAST($1 AS DOUBLE PRECISION), 0))`,
			[]any{24.0}, []string{"created_at", "shipped_at"}},
		{"orders", "-units * 2", Number, `((- "units") * CAST($1 AS DOUBLE PRECISION))`, []any{2.0}, []string{"units"}},
		{"orders", "-2 * units", Number, `(CAST($1 AS DOUBLE PRECISION) * "units")`, []any{-2.0}, []string{"units"}},
		{"orders", "units - -1", Number, `("units" - CAST($1 AS DOUBLE PRECISION))`, []any{-1.0}, []string{"units"}},
		{"orders", "- - units", Number, `(- (- "units"))`, nil, []string{"units"}},
		{"orders", "units + 1 * 2 = 3", Bool,
			`(("units" + (CAST($1 AS DOUBLE PRECISION) * CAST($2 AS DOUBLE PRECISION))) = CAST($3 AS DOUBLE PRECISION))`,
			[]any{1.0, 2.0, 3.0}, []string{"units"}},
		{"orders", "abs(days_between(created_at, delivered_at)) > 0.5", Bool,
			`(ABS((CAST(extract(epoch from "delivered_at") - extract(epoch from "created_at") AS DOUBLE PRECISION) / 86400)) > CAST($1 AS DOUBLE PRECISION))`,
			[]any{0.5}, []string{"created_at", "delivered_at"}},
		{"orders", "created_at_local >= date '2026-01-01'", Bool, `("created_at_local" >= CAST($1 AS DATE))`,
			[]any{day("2026-01-01")}, []string{"created_at_local"}},
		{"ads", "date >= date '2026-01-01' and spend > 0", Bool,
			`(("date" >= CAST($1 AS DATE)) AND ("spend" > CAST($2 AS DOUBLE PRECISION)))`,
			[]any{day("2026-01-01"), 0.0}, []string{"date", "spend"}},
		{"orders", "coalesce(cogs, null, 0)", Number,
			`COALESCE("cogs", CAST(NULL AS DOUBLE PRECISION), CAST($1 AS DOUBLE PRECISION))`, []any{0.0}, []string{"cogs"}},
		{"orders", "coalesce(shipped_at, null) is null", Bool,
			`(COALESCE("shipped_at", CAST(NULL AS TIMESTAMPTZ)) IS NULL)`, nil, []string{"shipped_at"}},
		{"orders", "store = 'it''s' or sku = ''", Bool, `(("store" = CAST($1 AS TEXT)) OR ("sku" = CAST($2 AS TEXT)))`,
			[]any{"it's", ""}, []string{"sku", "store"}},
		{"orders", "store = 'Eletrônicos; --'", Bool, `("store" = CAST($1 AS TEXT))`, []any{"Eletrônicos; --"}, []string{"store"}},
		{"orders", "country in ('BR', 'MX') and currency = 'USD'", Bool,
			`(("country" IN (CAST($1 AS TEXT), CAST($2 AS TEXT))) AND ("currency" = CAST($3 AS TEXT)))`,
			[]any{"BR", "MX", "USD"}, []string{"country", "currency"}},
		{"orders", "status = 'paid'\n  or status = 'shipped'", Bool,
			`(("status" = CAST($1 AS TEXT)) OR ("status" = CAST($2 AS TEXT)))`, []any{"paid", "shipped"}, []string{"status"}},
		{"orders", "not not (shipped_at is null)", Bool, `(NOT (NOT ("shipped_at" IS NULL)))`, nil, []string{"shipped_at"}},
		{"orders", "not status = 'paid'", Bool, `(NOT ("status" = CAST($1 AS TEXT)))`, []any{"paid"}, []string{"status"}},
		{"orders", "cancel_by < 'seller' and 'buyer' = cancel_by", Bool,
			`(("cancel_by" < CAST($1 AS TEXT)) AND (CAST($2 AS TEXT) = "cancel_by"))`, []any{"seller", "buyer"}, []string{"cancel_by"}},
		{"orders", "(((units)))", Number, `"units"`, nil, []string{"units"}},
		{"orders", "date '2026-03-02' < local_date(shipped_at)", Bool, `(CAST($1 AS DATE) < "shipped_at_local")`,
			[]any{day("2026-03-02")}, []string{"shipped_at_local"}},
	}
	for _, tc := range tests {
		t.Run(tc.kind+"/"+tc.src, func(t *testing.T) {
			e, err := Parse(tc.src, kindCols(t, tc.kind))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if e.Type() != tc.typ {
				t.Errorf("type %v, want %v", e.Type(), tc.typ)
			}
			if got := e.Columns(); !reflect.DeepEqual(got, tc.cols) && !(len(got) == 0 && len(tc.cols) == 0) {
				t.Errorf("columns %q, want %q", got, tc.cols)
			}
			sql, args := compile(e, pgDialect{})
			if sql != tc.sql {
				t.Errorf("sql\n got %s\nwant %s", sql, tc.sql)
			}
			if !reflect.DeepEqual(args, tc.args) {
				t.Errorf("args %#v, want %#v", args, tc.args)
			}
			// DuckDB differs only in the epoch function.
			dsql, dargs := compile(e, duckDialect{})
			want := epochPG.ReplaceAllString(tc.sql, "epoch($1)")
			if dsql != want {
				t.Errorf("duckdb sql\n got %s\nwant %s", dsql, want)
			}
			if !reflect.DeepEqual(dargs, tc.args) {
				t.Errorf("duckdb args %#v, want %#v", dargs, tc.args)
			}
		})
	}
}

// epochPG matches the PostgreSQL epoch of a column or a one-level call.
var epochPG = regexp.MustCompile(`extract\(epoch from ((?:[^()]|\([^()]*\))*)\)`)

func TestDuckDBEpoch(t *testing.T) {
	e, err := Parse("hours_between(coalesce(paid_at, created_at), shipped_at) <= 48", kindCols(t, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	sql, _ := compile(e, duckDialect{})
	want := `((CAST(epoch("shipped_at") - epoch(COALESCE("paid_at", "created_at")) AS DOUBLE PRECISION) / 3600) <= CAST($1 AS DOUBLE PRECISION))`
	if sql != want {
		t.Errorf("got  %s\nwant %s", sql, want)
	}
}

func TestErrors(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("(", n) + "units" + strings.Repeat(")", n) }
	sum := func(n int) string { return strings.TrimSuffix(strings.Repeat("units + ", n), " + ") }
	tests := []struct{ kind, src, want string }{
		{"orders", "shipped_at > 48", "expr: 1:12: cannot compare timestamp with number"},
		{"orders", "cancel_by = 'sellr'", "expr: 1:13: 'sellr' is not a value of cancel_by (buyer, seller, platform)"},
		{"orders", "status = 'Cancelled'", "expr: 1:10: 'Cancelled' is not a value of status (pending, paid, shipped, delivered, cancelled, returned)"},
		{"orders", "status in ('paid', 'shiped')", "expr: 1:20: 'shiped' is not a value of status (pending, paid, shipped, delivered, cancelled, returned)"},
		{"tickets", "channel in ('chat', 'sms')", "expr: 1:21: 'sms' is not a value of channel (chat, message, question, claim, email, whatsapp, phone)"},
		{"orders", "'sellr' = cancel_by", "expr: 1:1: 'sellr' is not a value of cancel_by (buyer, seller, platform)"},
		{"orders", "country = 'br'", "expr: 1:11: 'br' is not a country code: use two upper-case letters, e.g. 'BR'"},
		{"orders", "currency = 'usd'", "expr: 1:12: 'usd' is not a currency code: use three upper-case letters, e.g. 'USD'"},
		{"orders", "foo > 1", `expr: 1:1: unknown column "foo"`},
		{"orders", "shiped_at is null", `expr: 1:1: unknown column "shiped_at"`},
		{"orders", "units > null_count", `expr: 1:9: unknown column "null_count"`},
		{"orders", "attrs = 'x'", `expr: 1:1: unknown column "attrs"`},
		{"orders", "units_local = 1", `expr: 1:1: unknown column "units_local"`},
		{"orders", "sleep(10)", `expr: 1:1: unknown function "sleep" (functions: abs, coalesce, days_between, hours_between, local_date)`},
		{"orders", "units > pg_sleep(10)", `expr: 1:9: unknown function "pg_sleep" (functions: abs, coalesce, days_between, hours_between, local_date)`},
		{"orders", "status = 'x'; drop table orders", "expr: 1:13: unexpected character ';'"},
		{"orders", "units -- 1", "expr: 1:7: comments are not allowed"},
		{"orders", "units /* x */", "expr: 1:7: comments are not allowed"},
		{"orders", "status = 'cancelled", "expr: 1:10: unterminated string"},
		{"orders", "status = 'it''", "expr: 1:10: unterminated string"},
		{"orders", `status = "cancelled"`, `expr: 1:10: unexpected character '"' (strings are in single quotes: 'text')`},
		{"orders", "units > $1", "expr: 1:9: unexpected character '$'"},
		{"orders", "créated_at > 1", "expr: 1:3: unexpected character 'é'"},
		{"orders", "status = '\xff'", "expr: 1:11: invalid UTF-8"},
		{"orders", "status = 'a\x00b'", "expr: 1:12: control character in a string"},
		{"orders", "units\x00", `expr: 1:6: unexpected character '\x00'`},
		{"orders", deep(64 + 1), "expr: 1:65: expression is nested too deeply (more than 64 levels)"},
		{"orders", strings.Repeat("not ", 65) + "customs_held", "expr: 1:257: expression is nested too deeply (more than 64 levels)"},
		{"orders", sum(65), "expr: 1:511: expression is nested too deeply (more than 64 levels)"},
		{"orders", strings.Repeat("abs(", 65) + "1" + strings.Repeat(")", 65), "expr: 1:260: expression is nested too deeply (more than 64 levels)"},
		{"orders", strings.Repeat("1+", 3000) + "1", "expr: 1:1: expression is too long (more than 4096 bytes)"},
		{"orders", "", "expr: 1:1: empty expression"},
		{"orders", "  \n ", "expr: 1:1: empty expression"},
		{"orders", "units >", "expr: 1:8: unexpected end of expression"},
		{"orders", "status = 'paid' or", "expr: 1:19: unexpected end of expression"},
		{"orders", "(units > 1", "expr: 1:11: expected ')', found end of expression"},
		{"orders", "units > 1)", "expr: 1:10: unbalanced ')'"},
		{"orders", "units 1", "expr: 1:7: unexpected number 1"},
		{"orders", "units > 1 status", `expr: 1:11: unexpected "status"`},
		{"orders", "units > and", `expr: 1:9: unexpected "and"`},
		{"orders", "48abc", `expr: 1:1: invalid number "48abc"`},
		{"orders", "units > 1.5.5", `expr: 1:9: invalid number "1.5.5"`},
		{"orders", "units > 1.", `expr: 1:9: invalid number "1."`},
		{"orders", "units > .5", "expr: 1:9: invalid number: write 0.5, not .5"},
		{"orders", "units > 1" + strings.Repeat("0", 400), "expr: 1:9: number 1000000000000000000000000000000000000000… is out of range"},
		{"orders", "units == 1", "expr: 1:7: use = to compare, not =="},
		{"orders", "units ! 1", "expr: 1:7: unexpected character '!'"},
		{"orders", "STATUS = 'paid'", `expr: 1:1: names are lower-case: write "status", not "STATUS"`},
		{"orders", "status = 'paid' AND units > 1", `expr: 1:17: names are lower-case: write "and", not "AND"`},
		{"orders", "status = null", "expr: 1:8: cannot compare with null: test a missing value with is null"},
		{"orders", "status != null", "expr: 1:8: cannot compare with null: test a present value with is not null"},
		{"orders", "null < units", "expr: 1:6: cannot compare with null"},
		{"orders", "null", "expr: 1:1: cannot tell the type of null here"},
		{"orders", "null is null", "expr: 1:1: cannot tell the type of null here"},
		{"orders", "coalesce(null, null)", "expr: 1:1: cannot tell the type of null here"},
		{"orders", "units in (1, null)", "expr: 1:14: null is not allowed in an in list: use is null"},
		{"orders", "units in (1, 'a')", "expr: 1:14: cannot compare number with text"},
		{"orders", "units in ()", "expr: 1:11: empty list after in"},
		{"orders", "units in 1", "expr: 1:10: expected '(' after in, found number 1"},
		{"orders", "units in (1, 2", "expr: 1:15: expected ',' or ')' in the list, found end of expression"},
		{"orders", "units is 1", "expr: 1:10: expected null after is, found number 1"},
		{"orders", "units not null", `expr: 1:7: unexpected "not"`},
		{"orders", "1 < 2 < 3", "expr: 1:7: comparisons cannot be chained: join them with and"},
		{"orders", "units = 1 is null", "expr: 1:11: comparisons cannot be chained: join them with and"},
		{"orders", "hours_between(created_at)", "expr: 1:1: hours_between needs 2 arguments, found 1"},
		{"orders", "hours_between(created_at_local, shipped_at)", "expr: 1:15: hours_between needs timestamps, argument 1 is date"},
		{"orders", "days_between(created_at, 3)", "expr: 1:26: days_between needs timestamps or dates, argument 2 is number"},
		{"orders", "days_between(created_at, created_at_local)", "expr: 1:26: days_between needs two timestamps or two dates, found timestamp and date"},
		{"orders", "local_date(created_at_local)", "expr: 1:12: local_date needs a timestamp column, created_at_local is date"},
		{"orders", "local_date(coalesce(paid_at, created_at))", "expr: 1:12: local_date needs a timestamp column, e.g. local_date(created_at)"},
		{"orders", "local_date(nope)", `expr: 1:12: unknown column "nope"`},
		{"orders", "local_date(created_at, paid_at)", "expr: 1:1: local_date needs 1 argument, found 2"},
		{"orders", "coalesce(paid_at)", "expr: 1:1: coalesce needs at least 2 arguments, found 1"},
		{"orders", "coalesce(paid_at, 1)", "expr: 1:19: coalesce needs arguments of one type, found timestamp and number"},
		{"orders", "abs()", "expr: 1:1: abs needs 1 argument, found 0"},
		{"orders", "abs(1,)", "expr: 1:7: unexpected ')'"},
		{"orders", "abs(status)", "expr: 1:5: abs needs a number, found text"},
		{"orders", "shipped_at - created_at > 1", "expr: 1:12: cannot subtract timestamps: use hours_between or days_between"},
		{"orders", "'a' + 1", "expr: 1:5: cannot use + on text"},
		{"orders", "-status", "expr: 1:1: cannot negate text"},
		{"orders", "units and status = 'paid'", "expr: 1:1: and needs conditions (bool), found number"},
		{"orders", "not units", "expr: 1:5: not needs conditions (bool), found number"},
		{"orders", "status = 'paid' or gross_amount", "expr: 1:20: or needs conditions (bool), found number"},
		{"shipments", "customs_held < true", "expr: 1:14: cannot use < on bool"},
		{"orders", "local_date(shipped_at) > shipped_at", "expr: 1:24: cannot compare date with timestamp (local_date(x) is the local date of timestamp x)"},
		{"orders", "created_at > date '2026-01-01'", "expr: 1:12: cannot compare timestamp with date (local_date(x) is the local date of timestamp x)"},
		{"orders", "created_at_local > date '2026-02-30'", "expr: 1:25: invalid date '2026-02-30' (want 'YYYY-MM-DD')"},
		{"orders", "created_at_local > date '1/2/2026'", "expr: 1:25: invalid date '1/2/2026' (want 'YYYY-MM-DD')"},
		{"orders", "date > 1", `expr: 1:1: unknown column "date"`},
		{"orders", "status = 'paid'\n  and units > 'x'", "expr: 2:13: cannot compare number with text"},
		{"orders", "true = 1", "expr: 1:6: cannot compare bool with number"},
		{"orders", "units > (select 1)", "expr: 1:17: expected ')', found number 1"},
		{"orders", "units > 1 union select 1", `expr: 1:11: unexpected "union"`},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			e, err := Parse(tc.src, kindCols(t, tc.kind))
			if err == nil {
				sql, _ := compile(e, pgDialect{})
				t.Fatalf("no error; compiled to %s", sql)
			}
			var xe *Error
			if !errors.As(err, &xe) {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error\n got %s\nwant %s", got, tc.want)
			}
			if xe.Pos < 0 || xe.Pos > len(tc.src) {
				t.Errorf("Pos %d outside the source", xe.Pos)
			}
		})
	}
}

func TestErrorPos(t *testing.T) {
	_, err := Parse("status = 'paid'\n  and units > 'x'", kindCols(t, "orders"))
	var xe *Error
	if !errors.As(err, &xe) {
		t.Fatal(err)
	}
	if xe.Pos != 28 || xe.Line != 2 || xe.Col != 13 || xe.Msg != "cannot compare number with text" {
		t.Errorf("%+v", *xe)
	}
}

func TestErrorWithoutLine(t *testing.T) {
	if got := (&Error{Pos: 3, Msg: "x"}).Error(); got != "expr: byte 3: x" {
		t.Error(got)
	}
}

func TestNilColumns(t *testing.T) {
	if _, err := Parse("units > 1", nil); err == nil || err.Error() != `expr: 1:1: unknown column "units"` {
		t.Errorf("got %v", err)
	}
	if _, err := Parse("local_date(units)", nil); err == nil {
		t.Error("no error")
	}
	e, err := Parse("1 + 2 > 2", nil)
	if err != nil || e.Type() != Bool || len(e.Columns()) != 0 {
		t.Errorf("got %v, %v", e, err)
	}
}

func TestKindColumns(t *testing.T) {
	cols := kindCols(t, "orders")
	for name, want := range map[string]record.Type{
		"created_at": record.Timestamp, "created_at_local": record.Date, "units": record.Int,
		"gross_amount": record.Decimal, "status": record.Enum, "country": record.Country,
	} {
		if got, ok := cols.ColumnType(name); !ok || got != want {
			t.Errorf("%s: %v %v, want %v", name, got, ok, want)
		}
	}
	for _, name := range []string{"units_local", "status_local", "attrs", "_local", "nope", ""} {
		if _, ok := cols.ColumnType(name); ok {
			t.Errorf("%s: found", name)
		}
	}
	if got := cols.(EnumColumns).EnumValues("cancel_by"); !reflect.DeepEqual(got, []string{"buyer", "seller", "platform"}) {
		t.Errorf("enum values %q", got)
	}
	if got := cols.(EnumColumns).EnumValues("store"); got != nil {
		t.Errorf("enum values of a text column %q", got)
	}
	if _, ok := KindColumns(nil).ColumnType("units"); ok {
		t.Error("nil kind has columns")
	}
}

// dictionary is every filter, measured value and duration of kpi-dictionary.md written in
// the language, with the kind it counts.
var dictionary = []struct {
	kpi, kind, src string
	typ            Type
}{
	{"procurement_cycle_days", "purchase_orders", "days_between(created_at, supplier_shipped_at)", Number},
	{"first_leg_transit_days", "purchase_orders", "days_between(first_leg_departed_at, first_leg_arrived_at)", Number},
	{"inbound_on_time_rate", "purchase_orders", "received_at <= expected_received_at", Bool},
	{"inbound_on_time_rate", "purchase_orders", "received_at is not null", Bool},
	{"stockout_rate", "inventory", "on_hand_units = 0", Bool},
	{"order_handling_hours", "orders", "hours_between(coalesce(paid_at, created_at), shipped_at)", Number},
	{"order_handling_hours_p90", "orders", "hours_between(coalesce(paid_at, created_at), shipped_at)", Number},
	{"late_shipment_rate", "orders", "shipped_at > handling_deadline", Bool},
	{"late_shipment_rate", "orders", "shipped_at is not null and handling_deadline is not null", Bool},
	{"inventory_turnover", "orders", "cogs", Number},
	{"inventory_turnover", "inventory", "on_hand_units * unit_cost", Number},
	{"days_of_inventory", "inventory", "on_hand_units * unit_cost", Number},
	{"return_processing_days", "returns", "days_between(received_at, processed_at)", Number},
	{"parcel_loss_rate", "shipments", "lost_at is not null", Bool},
	{"parcel_loss_rate", "shipments", "delivered_at is not null or lost_at is not null or returned_to_sender_at is not null", Bool},
	{"parcel_loss_rate", "shipments", "coalesce(delivered_at, lost_at, returned_to_sender_at)", Timestamp},
	{"last_mile_success_rate", "shipments", "delivered_at is not null", Bool},
	{"first_attempt_delivery_rate", "shipments", "delivery_attempts <= 1", Bool},
	{"on_time_delivery_rate", "orders", "local_date(delivered_at) <= local_date(estimated_delivery_at)", Bool},
	{"on_time_delivery_rate", "orders", "delivered_at is not null and estimated_delivery_at is not null", Bool},
	{"delivery_days", "orders", "days_between(created_at, delivered_at)", Number},
	{"delivered_within_72h_rate", "orders", "hours_between(created_at, delivered_at) <= 72", Bool},
	{"fulfillment_cost_per_order", "orders", "shipping_cost", Number},
	{"customs_clearance_rate", "shipments", "customs_cleared_at is not null and not coalesce(customs_held, false)", Bool},
	{"customs_clearance_rate", "shipments", "customs_submitted_at is not null", Bool},
	{"customs_hold_rate", "shipments", "customs_held", Bool},
	{"customs_clearance_hours", "shipments", "hours_between(customs_submitted_at, customs_cleared_at)", Number},
	{"tax_bill_returns", "shipments", "tax_bill_returns", Number},
	{"orders", "orders", "status != 'cancelled'", Bool},
	{"gmv", "orders", "gross_amount", Number},
	{"average_order_value", "orders", "status != 'cancelled' and gross_amount is not null", Bool},
	{"conversion_rate", "traffic", "visits", Number},
	{"seller_cancellation_rate", "orders", "cancel_by = 'seller'", Bool},
	{"return_rate", "orders", "delivered_at is not null", Bool},
	{"roas", "ads", "attributed_sales / spend", Number},
	{"acos", "ads", "spend / attributed_sales", Number},
	{"average_rating", "reviews", "rating", Number},
	{"negative_review_rate", "reviews", "rating <= 2", Bool},
	{"first_response_hours", "tickets", "hours_between(created_at, first_response_at)", Number},
	{"reply_within_48h_rate", "tickets", "hours_between(created_at, first_response_at) <= 48", Bool},
	{"dispute_rate", "tickets", "is_dispute", Bool},
	{"dispute_close_rate", "tickets", "is_dispute and resolved_at is not null", Bool},
	{"csat", "tickets", "csat >= 4", Bool},
	{"csat", "tickets", "csat is not null", Bool},
	{"nps", "nps_responses", "score >= 9", Bool},
	{"nps", "nps_responses", "score <= 6", Bool},
	{"chat_conversion_rate", "tickets", "channel in ('chat','question','whatsapp') ", Bool},
	{"chat_conversion_rate", "tickets", "channel in ('chat', 'question', 'whatsapp') and led_to_order", Bool},
	{"gross_margin", "orders", "gross_amount - coalesce(cogs, 0)", Number},
	{"contribution_margin", "orders", "gross_amount - platform_fee - shipping_cost - cogs - ad_cost", Number},
	{"cac", "ads", "spend", Number},
	{"cost_per_order", "ads", "spend", Number},
}

// TestDictionary checks the dictionary's expressions against their kinds.
func TestDictionary(t *testing.T) {
	for _, tc := range dictionary {
		e, err := Parse(tc.src, kindCols(t, tc.kind))
		if err != nil {
			t.Errorf("%s (%s): %s: %v", tc.kpi, tc.kind, tc.src, err)
			continue
		}
		if e.Type() != tc.typ {
			t.Errorf("%s: %s: type %v, want %v", tc.kpi, tc.src, e.Type(), tc.typ)
		}
		for _, d := range []Dialect{duckDialect{}, pgDialect{}} {
			if sql, args := compile(e, d); !safeSQL(sql, len(args)) {
				t.Errorf("%s: %s: unsafe SQL %s", tc.kpi, tc.src, sql)
			}
		}
	}
}

func TestTypeString(t *testing.T) {
	for ty, want := range map[Type]string{Number: "number", Text: "text", Bool: "bool", Date: "date", Timestamp: "timestamp", Type(42): "Type(42)"} {
		if ty.String() != want {
			t.Errorf("%d: %s", int(ty), ty)
		}
	}
}
