package expr

import (
	"strings"

	"pulso/internal/record"
)

// SQL compiles the expression to a SQL fragment for d. qualify turns a column name (one of
// Columns) into its SQL reference; the caller quotes it and prefixes a table alias. arg
// appends a value to the query's arguments and returns its placeholder ("$3"); values are
// string, float64, bool and time.Time (a date: midnight UTC). Every placeholder is cast to
// its type, every operation is parenthesised, and the fragment holds no literal text from
// the source, so it can be embedded anywhere an SQL value expression can.
func (e *Expr) SQL(d Dialect, qualify func(col string) string, arg func(v any) string) string {
	c := &compiler{d: d, qualify: qualify, arg: arg}
	var b strings.Builder
	c.write(&b, e.root)
	return b.String()
}

type compiler struct {
	d       Dialect
	qualify func(string) string
	arg     func(any) string
}

func (c *compiler) sql(n *node) string {
	var b strings.Builder
	c.write(&b, n)
	return b.String()
}

// isDouble tells whether n's SQL is already DOUBLE PRECISION.
func isDouble(n *node) bool {
	switch n.kind {
	case nNum, nNull:
		return true
	case nNeg:
		return isDouble(n.args[0])
	case nArith:
		return n.op == "/" || isDouble(n.args[0]) && isDouble(n.args[1])
	case nCall:
		switch n.name {
		case "hours_between", "days_between":
			return true
		case "abs", "coalesce":
			for _, a := range n.args {
				if !isDouble(a) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// double is n's SQL as DOUBLE PRECISION.
func (c *compiler) double(n *node) string {
	if isDouble(n) {
		return c.sql(n)
	}
	return "CAST(" + c.sql(n) + " AS DOUBLE PRECISION)"
}

func (c *compiler) cast(v any, t Type) string {
	return "CAST(" + c.arg(v) + " AS " + t.sqlType() + ")"
}

var sqlOps = map[string]string{"=": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

func (c *compiler) write(b *strings.Builder, n *node) {
	switch n.kind {
	case nNum:
		b.WriteString(c.cast(n.num, Number))
	case nStr:
		b.WriteString(c.cast(n.str, Text))
	case nBool:
		b.WriteString(c.cast(n.b, Bool))
	case nDate:
		b.WriteString(c.cast(n.date, Date))
	case nNull:
		b.WriteString("CAST(NULL AS " + n.typ.sqlType() + ")")
	case nCol:
		b.WriteString(c.qualify(n.name))
	case nNeg:
		b.WriteString("(- ")
		c.write(b, n.args[0])
		b.WriteString(")")
	case nArith:
		if n.op == "/" {
			b.WriteString("(" + c.double(n.args[0]) + " / NULLIF(" + c.double(n.args[1]) + ", 0))")
			return
		}
		b.WriteString("(")
		c.write(b, n.args[0])
		b.WriteString(" " + n.op + " ")
		c.write(b, n.args[1])
		b.WriteString(")")
	case nCmp:
		b.WriteString("(")
		c.write(b, n.args[0])
		b.WriteString(" " + sqlOps[n.op] + " ")
		c.write(b, n.args[1])
		b.WriteString(")")
	case nAnd, nOr:
		sep := " AND "
		if n.kind == nOr {
			sep = " OR "
		}
		b.WriteString("(")
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(sep)
			}
			c.write(b, a)
		}
		b.WriteString(")")
	case nNot:
		b.WriteString("(NOT ")
		c.write(b, n.args[0])
		b.WriteString(")")
	case nIsNull:
		b.WriteString("(")
		c.write(b, n.args[0])
		if n.neg {
			b.WriteString(" IS NOT NULL)")
		} else {
			b.WriteString(" IS NULL)")
		}
	case nIn:
		b.WriteString("(")
		c.write(b, n.args[0])
		if n.neg {
			b.WriteString(" NOT IN (")
		} else {
			b.WriteString(" IN (")
		}
		for i, a := range n.args[1:] {
			if i > 0 {
				b.WriteString(", ")
			}
			c.write(b, a)
		}
		b.WriteString("))")
	case nCall:
		c.call(b, n)
	}
}

func (c *compiler) call(b *strings.Builder, n *node) {
	switch n.name {
	case "hours_between", "days_between":
		from, to := n.args[0], n.args[1]
		if from.typ == Date { // days_between of two dates: whole days
			b.WriteString("CAST(" + c.sql(to) + " - " + c.sql(from) + " AS DOUBLE PRECISION)")
			return
		}
		secs := "3600"
		if n.name == "days_between" {
			secs = "86400"
		}
		b.WriteString("(CAST(" + c.d.Epoch(c.sql(to)) + " - " + c.d.Epoch(c.sql(from)) + " AS DOUBLE PRECISION) / " + secs + ")")
	case "local_date":
		b.WriteString(c.qualify(record.LocalDateColumn(n.args[0].name)))
	case "coalesce":
		b.WriteString("COALESCE(")
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(", ")
			}
			c.write(b, a)
		}
		b.WriteString(")")
	case "abs":
		b.WriteString("ABS(")
		c.write(b, n.args[0])
		b.WriteString(")")
	}
}
