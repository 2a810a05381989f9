package expr

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// safeSQL tells whether a compiled fragment holds no literal text and uses exactly the
// placeholders $1..$nargs.
func safeSQL(sql string, nargs int) bool {
	for _, bad := range []string{"'", ";", "--", "/*", "*/", "\\"} {
		if strings.Contains(sql, bad) {
			return false
		}
	}
	if strings.Count(sql, "(") != strings.Count(sql, ")") {
		return false
	}
	for i := 1; i <= nargs; i++ {
		if !strings.Contains(sql, fmt.Sprintf("$%d)", i)) && !strings.Contains(sql, fmt.Sprintf("$%d ", i)) {
			return false
		}
	}
	return !strings.Contains(sql, fmt.Sprintf("$%d", nargs+1))
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"hours_between(coalesce(paid_at, created_at), shipped_at) <= 48",
		"shipped_at > handling_deadline",
		"cancel_by = 'seller' and status != 'cancelled'",
		"local_date(delivered_at) <= local_date(estimated_delivery_at)",
		"days_between(local_date(created_at), delivered_at_local) > 1.5",
		"status in ('paid', 'shipped') or not (units / 0 > -1)",
		"coalesce(cogs, null, 0) * abs(-units) is not null",
		"created_at_local >= date '2026-01-01'",
		"store = 'it''s' or sku not in ('a', '')",
		"status = 'x'; drop table orders --",
		"units /* */ > 'unterminated",
		"((((((units))))))",
		"not not not null",
		"\"x\" = 1e5",
		"1 < 2 < 3",
		"date",
		"local_date(created_at, 1)",
		"status = 'paid'\n and units > 'x'",
	} {
		f.Add(s)
	}
	cols := kindCols(f, "orders")
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src, cols)
		if err != nil {
			var xe *Error
			if !errors.As(err, &xe) {
				t.Fatalf("%q: error %T %v", src, err, err)
			}
			if xe.Pos < 0 || xe.Pos > len(src) || xe.Line < 1 || xe.Col < 1 || xe.Msg == "" {
				t.Fatalf("%q: bad error %+v", src, *xe)
			}
			return
		}
		if e.Type() < Number || e.Type() > Timestamp {
			t.Fatalf("%q: type %v", src, e.Type())
		}
		names := e.Columns()
		if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
			t.Fatalf("%q: columns %q", src, names)
		}
		for _, n := range names {
			if _, ok := cols.ColumnType(n); !ok {
				t.Fatalf("%q: column %q is not a column", src, n)
			}
		}
		for _, d := range []Dialect{duckDialect{}, pgDialect{}} {
			var used []string
			sql, args := compileUsing(e, d, &used)
			if !safeSQL(sql, len(args)) {
				t.Fatalf("%q: unsafe SQL %s", src, sql)
			}
			for _, u := range used {
				if !slices.Contains(names, u) {
					t.Fatalf("%q: SQL uses %q, Columns() says %q", src, u, names)
				}
			}
		}
	})
}

func compileUsing(e *Expr, d Dialect, used *[]string) (string, []any) {
	var args []any
	sql := e.SQL(d, func(col string) string { *used = append(*used, col); return `"` + col + `"` },
		func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) })
	return sql, args
}
