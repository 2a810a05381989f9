package expr

import (
	"fmt"
	"slices"
	"strings"

	"pulso/internal/record"
)

const functionList = "abs, coalesce, days_between, hours_between, local_date"

type checker struct {
	cols  Columns
	enums EnumColumns
	used  map[string]bool
}

func typeOf(t record.Type) (Type, bool) {
	switch t {
	case record.Text, record.Enum, record.Country, record.Currency:
		return Text, true
	case record.Timestamp:
		return Timestamp, true
	case record.Date:
		return Date, true
	case record.Decimal, record.Int:
		return Number, true
	case record.Bool:
		return Bool, true
	}
	return 0, false
}

// settle gives a null literal (or a coalesce of null literals) the type its context needs.
func settle(n *node, t Type) {
	if n.typ != typeNull {
		return
	}
	n.typ = t
	if n.kind == nCall {
		for _, a := range n.args {
			settle(a, t)
		}
	}
}

func (c *checker) column(n *node, name string) Type {
	var rt record.Type
	ok := false
	if c.cols != nil {
		rt, ok = c.cols.ColumnType(name)
	}
	if !ok {
		fail(n.pos, "unknown column %q", short(name))
	}
	t, ok := typeOf(rt)
	if !ok {
		fail(n.pos, "column %q has a type expressions cannot use", name)
	}
	n.rtype = rt
	c.used[name] = true
	return t
}

// check sets the type of n and its children and returns it.
func (c *checker) check(n *node) Type {
	n.typ = c.typeOf(n)
	return n.typ
}

func (c *checker) typeOf(n *node) Type {
	switch n.kind {
	case nNum:
		return Number
	case nStr:
		return Text
	case nBool:
		return Bool
	case nDate:
		return Date
	case nNull:
		return typeNull
	case nCol:
		return c.column(n, n.name)
	case nNeg:
		if t := c.check(n.args[0]); t != Number && t != typeNull {
			fail(n.pos, "cannot negate %s", t)
		}
		settle(n.args[0], Number)
		return Number
	case nArith:
		for _, a := range n.args {
			t := c.check(a)
			switch {
			case t == typeNull || t == Number:
				settle(a, Number)
			case n.op == "-" && (t == Timestamp || t == Date):
				fail(n.pos, "cannot subtract %ss: use hours_between or days_between", t)
			default:
				fail(n.pos, "cannot use %s on %s", n.op, t)
			}
		}
		return Number
	case nCmp:
		l, r := n.args[0], n.args[1]
		lt, rt := c.check(l), c.check(r)
		if lt == typeNull || rt == typeNull {
			switch n.op {
			case "=":
				fail(n.pos, "cannot compare with null: test a missing value with is null")
			case "!=", "<>":
				fail(n.pos, "cannot compare with null: test a present value with is not null")
			}
			fail(n.pos, "cannot compare with null")
		}
		if lt != rt {
			hint := ""
			if lt == Timestamp && rt == Date || lt == Date && rt == Timestamp {
				hint = " (local_date(x) is the local date of timestamp x)"
			}
			fail(n.pos, "cannot compare %s with %s%s", lt, rt, hint)
		}
		if lt == Bool && n.op != "=" && n.op != "!=" && n.op != "<>" {
			fail(n.pos, "cannot use %s on bool", n.op)
		}
		c.literal(l, r)
		c.literal(r, l)
		return Bool
	case nAnd, nOr, nNot:
		op := map[nodeKind]string{nAnd: "and", nOr: "or", nNot: "not"}[n.kind]
		for _, a := range n.args {
			if t := c.check(a); t != Bool && t != typeNull {
				fail(a.pos, "%s needs conditions (bool), found %s", op, t)
			}
			settle(a, Bool)
		}
		return Bool
	case nIsNull:
		if c.check(n.args[0]) == typeNull {
			fail(n.args[0].pos, "cannot tell the type of null here")
		}
		return Bool
	case nIn:
		x := n.args[0]
		xt := c.check(x)
		if xt == typeNull {
			fail(x.pos, "cannot tell the type of null here")
		}
		for _, a := range n.args[1:] {
			t := c.check(a)
			if t == typeNull {
				fail(a.pos, "null is not allowed in an in list: use is null")
			}
			if t != xt {
				fail(a.pos, "cannot compare %s with %s", xt, t)
			}
			c.literal(x, a)
		}
		return Bool
	case nCall:
		return c.call(n)
	}
	panic(fmt.Sprintf("expr: unknown node kind %d", n.kind)) // programming error
}

func nargs(n *node, want int) {
	if len(n.args) != want {
		s := "s"
		if want == 1 {
			s = ""
		}
		fail(n.pos, "%s needs %d argument%s, found %d", n.name, want, s, len(n.args))
	}
}

func (c *checker) call(n *node) Type {
	switch n.name {
	case "hours_between":
		nargs(n, 2)
		for i, a := range n.args {
			if t := c.check(a); t != Timestamp && t != typeNull {
				fail(a.pos, "hours_between needs timestamps, argument %d is %s", i+1, t)
			}
			settle(a, Timestamp)
		}
		return Number
	case "days_between":
		nargs(n, 2)
		a, b := n.args[0], n.args[1]
		at, bt := c.check(a), c.check(b)
		t := at
		if t == typeNull {
			t = bt
		}
		if t == typeNull {
			t = Timestamp
		}
		for i, x := range n.args {
			if x.typ != Timestamp && x.typ != Date && x.typ != typeNull {
				fail(x.pos, "days_between needs timestamps or dates, argument %d is %s", i+1, x.typ)
			}
		}
		if at != typeNull && bt != typeNull && at != bt {
			fail(b.pos, "days_between needs two timestamps or two dates, found %s and %s", at, bt)
		}
		settle(a, t)
		settle(b, t)
		return Number
	case "local_date":
		nargs(n, 1)
		a := n.args[0]
		if a.kind != nCol {
			fail(a.pos, "local_date needs a timestamp column, e.g. local_date(created_at)")
		}
		var rt record.Type
		ok := false
		if c.cols != nil {
			rt, ok = c.cols.ColumnType(a.name)
		}
		if !ok {
			fail(a.pos, "unknown column %q", short(a.name))
		}
		if rt != record.Timestamp {
			fail(a.pos, "local_date needs a timestamp column, %s is %s", a.name, rt)
		}
		local := record.LocalDateColumn(a.name)
		if lt, ok := c.cols.ColumnType(local); !ok || lt != record.Date {
			fail(a.pos, "column %s has no local date", a.name)
		}
		a.rtype, a.typ = rt, Timestamp
		c.used[local] = true
		return Date
	case "coalesce":
		if len(n.args) < 2 {
			fail(n.pos, "coalesce needs at least 2 arguments, found %d", len(n.args))
		}
		t := typeNull
		for _, a := range n.args {
			at := c.check(a)
			switch {
			case at == typeNull:
			case t == typeNull:
				t = at
			case at != t:
				fail(a.pos, "coalesce needs arguments of one type, found %s and %s", t, at)
			}
		}
		if t != typeNull {
			for _, a := range n.args {
				settle(a, t)
			}
		}
		return t
	case "abs":
		nargs(n, 1)
		if t := c.check(n.args[0]); t != Number && t != typeNull {
			fail(n.args[0].pos, "abs needs a number, found %s", t)
		}
		settle(n.args[0], Number)
		return Number
	}
	fail(n.pos, "unknown function %q (functions: %s)", short(n.name), functionList)
	return 0
}

// literal checks a string literal compared with a column whose values it cannot match.
func (c *checker) literal(col, lit *node) {
	if col.kind != nCol || lit.kind != nStr {
		return
	}
	switch col.rtype {
	case record.Enum:
		if c.enums == nil {
			return
		}
		vals := c.enums.EnumValues(col.name)
		if len(vals) > 0 && !slices.Contains(vals, lit.str) {
			fail(lit.pos, "%s is not a value of %s (%s)", quoteStr(lit.str), col.name, strings.Join(vals, ", "))
		}
	case record.Country:
		if !upperCode(lit.str, 2) {
			fail(lit.pos, "%s is not a country code: use two upper-case letters, e.g. 'BR'", quoteStr(lit.str))
		}
	case record.Currency:
		if !upperCode(lit.str, 3) {
			fail(lit.pos, "%s is not a currency code: use three upper-case letters, e.g. 'USD'", quoteStr(lit.str))
		}
	}
}

func upperCode(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
