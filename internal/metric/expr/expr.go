// Package expr is the small expression language of KPI definitions: the filters (conditions)
// and measured values that a KPI's YAML names, written by the product team and by sellers.
// An expression is parsed, type-checked against the columns of one record kind and compiled
// to a SQL fragment that is valid for DuckDB and PostgreSQL. Every value written in an
// expression (number, string, boolean, date) becomes a query argument; the only text of a
// definition that reaches the SQL is a checked column name, and that passes through the
// caller's qualify function (which quotes it).
//
// # Syntax
//
// An expression is at most 4096 bytes of UTF-8. Spaces, tabs and newlines separate tokens and
// are otherwise ignored. Names and keywords are lower-case; and, or, not, in, is, null, true
// and false are reserved. The grammar (EBNF; {} repeats, [] is optional):
//
//	expr    = and { "or" and } .
//	and     = not { "and" not } .
//	not     = "not" not | compare .
//	compare = sum [ op sum
//	              | "is" [ "not" ] "null"
//	              | [ "not" ] "in" "(" expr { "," expr } ")" ] .
//	op      = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" .
//	sum     = product { ( "+" | "-" ) product } .
//	product = unary { ( "*" | "/" ) unary } .
//	unary   = "-" unary | primary .
//	primary = number | string | "true" | "false" | "null" | "date" string
//	        | name "(" [ expr { "," expr } ] ")" | name | "(" expr ")" .
//	number  = digit { digit } [ "." digit { digit } ] .
//	string  = "'" { any character but ' and control characters | "''" } "'" .
//	name    = ( "a"…"z" | "_" ) { "a"…"z" | "0"…"9" | "_" } .
//
// So or binds loosest, then and, then not, then the comparisons, then + and -, then * and
// /, then unary minus; + - * / group from the left. Comparisons do not chain: write
// a < b and b < c. Parentheses group and may nest 64 deep.
//
// Literals:
//
//	48   0.5   -2      numbers (no exponent, no leading "."; -2 is unary minus applied to 2)
//	'seller'  'it''s'  strings in single quotes; two quotes ('') stand for one quote
//	true  false        booleans
//	null               the missing value; see "Null" below
//	date '2026-01-01'  a calendar date (YYYY-MM-DD); "date" not followed by a string is a
//	                   column name (ads, traffic, inventory have a date column)
//
// A name not followed by "(" is a column: a column of the record kind (see
// contract/records.md), or the stored local date x_local of a timestamp column x (the date of
// x in the record's country). Any other name is an error.
//
// Functions:
//
//	hours_between(a, b)  (b - a) in hours, fractional, for timestamps a and b
//	days_between(a, b)   (b - a) in days: hours_between / 24 for timestamps (fractional,
//	                     wall-clock); for two dates the whole number of days between them
//	local_date(x)        the local date of timestamp column x in the record's country
//	                     (the stored column x_local); x must be a timestamp column
//	coalesce(a, b, ...)  the first argument that is not null; at least two arguments,
//	                     all of one type
//	abs(x)               absolute value of a number
//
// Operators: + - * / on numbers; a / b is computed in floating point and is null when b is
// 0. x in (v, ...) is x = v or ...; x not in (...) its negation; the list is not empty and its
// values have x's type. x is null and x is not null test for a missing value.
//
// Examples (kinds orders, shipments, tickets):
//
//	shipped_at > handling_deadline
//	cancel_by = 'seller'
//	local_date(delivered_at) <= local_date(estimated_delivery_at)
//	hours_between(coalesce(paid_at, created_at), shipped_at) <= 48
//	customs_cleared_at is not null and not coalesce(customs_held, false)
//	channel in ('chat', 'question', 'whatsapp') and led_to_order
//	(gross_amount - coalesce(cogs, 0)) / gross_amount
//
// # Types
//
// Every expression has one of the types number, text, bool, date and timestamp. Columns map
// as: decimal and int → number; text, enum, country and currency → text; bool, date and
// timestamp as named. Rules:
//
//   - arithmetic and abs take numbers; hours_between takes timestamps; days_between two
//     timestamps or two dates; local_date a timestamp column.
//   - comparisons take two values of the same type: numbers, texts, dates or timestamps
//     (any operator), bools (= != <> only). A timestamp is not a date: compare
//     local_date(x) with a date.
//   - and, or, not take conditions (bool). A bool column is a condition by itself:
//     customs_held, not is_dispute.
//   - comparing an enum column with a string that is not one of its values is an error
//     (cancel_by = 'sellr'), and so is comparing country or currency with a string that is
//     not an upper-case code ('BR', 'USD'), because such a comparison is never true.
//
// # Null
//
// A column that a record leaves empty is null. A comparison or arithmetic with null is
// null (unknown); not, and and or follow SQL's three-valued logic; and a filter keeps a
// record only when its condition is true: hours_between(created_at, delivered_at) <= 72 leaves out
// orders not delivered. Test for a missing value with x is null / x is not null (x = null is
// an error), and give a default with coalesce(x, false). The null literal takes its type from
// the other operand or arguments (coalesce(cogs, null, 0) is a number); where there is none
// (null is null) it is an error, and it is not allowed in comparisons and in lists.
//
// # Errors
//
// Errors are *Error values with the byte offset and the line:column (1-based, counting
// characters) of the offending token, e.g. "expr: 1:12: cannot compare timestamp with number".
// Semicolons, comments (-- and /*), double quotes, unknown names and functions, and nesting
// deeper than 64 levels (parentheses, function calls, not, unary minus, or an expression tree
// deeper than 64, such as a chain of more than 64 terms joined by + - * /) are rejected.
package expr

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"pulso/internal/record"
)

// Type is the type of an expression.
type Type int

const (
	Number    Type = iota // decimal and int columns, numeric literals, arithmetic
	Text                  // text, enum, country and currency columns, strings
	Bool                  // conditions
	Date                  // date columns, x_local columns, local_date(x), date literals
	Timestamp             // timestamp columns

	typeNull Type = -1 // a null literal whose type is not settled yet
)

func (t Type) String() string {
	switch t {
	case Number:
		return "number"
	case Text:
		return "text"
	case Bool:
		return "bool"
	case Date:
		return "date"
	case Timestamp:
		return "timestamp"
	case typeNull:
		return "null"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// sqlType is the SQL type name of t, valid for DuckDB and PostgreSQL.
func (t Type) sqlType() string {
	switch t {
	case Number:
		return "DOUBLE PRECISION"
	case Text:
		return "TEXT"
	case Bool:
		return "BOOLEAN"
	case Date:
		return "DATE"
	default:
		return "TIMESTAMPTZ"
	}
}

// Columns tells the checker which columns exist and their record.Type.
type Columns interface {
	ColumnType(name string) (record.Type, bool)
}

// EnumColumns is optionally implemented by a Columns: it lists the allowed values of an Enum
// column, so that a comparison with a string that is not one of them is an error.
type EnumColumns interface {
	EnumValues(name string) []string
}

// KindColumns adapts a *record.Kind: its columns, and the stored DATE column x_local of every
// timestamp column x. It implements EnumColumns.
func KindColumns(k *record.Kind) Columns { return kindColumns{k} }

type kindColumns struct{ k *record.Kind }

func (c kindColumns) ColumnType(name string) (record.Type, bool) {
	if c.k == nil {
		return 0, false
	}
	if col, ok := c.k.Column(name); ok {
		return col.Type, true
	}
	if ts, ok := strings.CutSuffix(name, "_local"); ok && record.LocalDateColumn(ts) == name {
		if col, ok := c.k.Column(ts); ok && col.Type == record.Timestamp {
			return record.Date, true
		}
	}
	return 0, false
}

func (c kindColumns) EnumValues(name string) []string {
	if c.k == nil {
		return nil
	}
	if col, ok := c.k.Column(name); ok && col.Type == record.Enum {
		return slices.Clone(col.Values)
	}
	return nil
}

// Error is a syntax or type error in an expression.
type Error struct {
	Pos  int // byte offset in the source, from 0
	Line int // 1-based line of Pos
	Col  int // 1-based column of Pos, in characters
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 { // built without a source
		return fmt.Sprintf("expr: byte %d: %s", e.Pos, e.Msg)
	}
	return fmt.Sprintf("expr: %d:%d: %s", e.Line, e.Col, e.Msg)
}

func newError(src string, pos int, msg string) *Error {
	if pos < 0 {
		pos = 0
	}
	if pos > len(src) {
		pos = len(src)
	}
	line, col := 1, 1
	for _, r := range src[:pos] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &Error{Pos: pos, Line: line, Col: col, Msg: msg}
}

// Expr is a parsed and type-checked expression.
type Expr struct {
	src  string
	root *node
	cols []string
}

// MaxLen is the longest expression accepted, in bytes.
const MaxLen = 4096

// MaxDepth is the deepest nesting accepted.
const MaxDepth = 64

// Parse parses src and checks it against cols.
func Parse(src string, cols Columns) (e *Expr, err error) {
	if len(src) > MaxLen {
		return nil, newError(src, 0, fmt.Sprintf("expression is too long (more than %d bytes)", MaxLen))
	}
	if !utf8.ValidString(src) {
		i := 0
		for i < len(src) {
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return nil, newError(src, i, "invalid UTF-8")
	}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			e, err = nil, newError(src, b.pos, b.msg)
		}
	}()
	toks := lex(src)
	p := &parser{toks: toks}
	root := p.parseTop()
	c := &checker{cols: cols, used: map[string]bool{}}
	if ec, ok := cols.(EnumColumns); ok {
		c.enums = ec
	}
	if c.check(root) == typeNull {
		fail(root.pos, "cannot tell the type of null here")
	}
	names := make([]string, 0, len(c.used))
	for n := range c.used {
		names = append(names, n)
	}
	slices.Sort(names)
	return &Expr{src: src, root: root, cols: names}, nil
}

// Type is the expression's type.
func (e *Expr) Type() Type { return e.root.typ }

// Columns lists the stored columns the compiled SQL references (local_date(x) references
// x_local), sorted, without duplicates.
func (e *Expr) Columns() []string { return slices.Clone(e.cols) }

// String returns the source text.
func (e *Expr) String() string { return e.src }

// Dialect holds the SQL differences between the stores that the compiler needs.
type Dialect interface {
	// Epoch returns the SQL for the seconds since 1970-01-01 UTC of a timestamp:
	// "epoch(x)" for DuckDB, "extract(epoch from x)" for PostgreSQL.
	Epoch(sqlExpr string) string
}

// bail is the panic value that carries an error out of the lexer, parser and checker.
type bail struct {
	pos int
	msg string
}

func fail(pos int, format string, args ...any) {
	panic(bail{pos: pos, msg: fmt.Sprintf(format, args...)})
}
