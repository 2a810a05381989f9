package metric

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// formula is the arithmetic that combines a KPI's measures: names, numbers, period_days,
// + - * / and parentheses. A missing operand or a zero divisor gives no value.
type formula struct {
	op          byte // 0 for leaves
	left, right *formula
	name        string
	num         float64
}

const maxFormulaDepth = 32

func parseFormula(src string, names []string) (*formula, error) {
	p := &formulaParser{src: src, names: names}
	p.next()
	f, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if p.tok != "" {
		return nil, fmt.Errorf("unexpected %q at %d", p.tok, p.pos)
	}
	return f, nil
}

type formulaParser struct {
	src   string
	i     int
	tok   string
	pos   int
	names []string
}

func (p *formulaParser) next() {
	for p.i < len(p.src) && p.src[p.i] == ' ' {
		p.i++
	}
	p.pos = p.i + 1
	if p.i >= len(p.src) {
		p.tok = ""
		return
	}
	c := rune(p.src[p.i])
	start := p.i
	switch {
	case strings.ContainsRune("+-*/()", c):
		p.i++
	case unicode.IsDigit(c) || c == '.':
		for p.i < len(p.src) && (unicode.IsDigit(rune(p.src[p.i])) || p.src[p.i] == '.') {
			p.i++
		}
	case c == '_' || c >= 'a' && c <= 'z':
		for p.i < len(p.src) && (p.src[p.i] == '_' || p.src[p.i] >= 'a' && p.src[p.i] <= 'z' || unicode.IsDigit(rune(p.src[p.i]))) {
			p.i++
		}
	default:
		p.i++
	}
	p.tok = p.src[start:p.i]
}

func (p *formulaParser) expr(depth int) (*formula, error) {
	l, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	for p.tok == "+" || p.tok == "-" {
		op := p.tok[0]
		p.next()
		r, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		l = &formula{op: op, left: l, right: r}
	}
	return l, nil
}

func (p *formulaParser) term(depth int) (*formula, error) {
	l, err := p.factor(depth)
	if err != nil {
		return nil, err
	}
	for p.tok == "*" || p.tok == "/" {
		op := p.tok[0]
		p.next()
		r, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		l = &formula{op: op, left: l, right: r}
	}
	return l, nil
}

func (p *formulaParser) factor(depth int) (*formula, error) {
	if depth > maxFormulaDepth {
		return nil, fmt.Errorf("nested too deeply at %d", p.pos)
	}
	tok, pos := p.tok, p.pos
	switch {
	case tok == "":
		return nil, fmt.Errorf("unexpected end")
	case tok == "(":
		p.next()
		f, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok != ")" {
			return nil, fmt.Errorf("missing ) at %d", p.pos)
		}
		p.next()
		return f, nil
	case tok == "-":
		p.next()
		f, err := p.factor(depth + 1)
		if err != nil {
			return nil, err
		}
		return &formula{op: '-', left: &formula{}, right: f}, nil
	case unicode.IsDigit(rune(tok[0])) || tok[0] == '.':
		n, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q at %d", tok, pos)
		}
		p.next()
		return &formula{num: n}, nil
	case tok == "period_days" || slices.Contains(p.names, tok):
		p.next()
		return &formula{name: tok}, nil
	case tok[0] == '_' || tok[0] >= 'a' && tok[0] <= 'z':
		return nil, fmt.Errorf("unknown measure %q at %d (measures: %s)", tok, pos, strings.Join(p.names, ", "))
	}
	return nil, fmt.Errorf("unexpected %q at %d", tok, pos)
}

// eval computes the formula; vars maps names to values (absent = no value).
// eval computes the formula; a value that is not a finite number (a ratio of huge sums, a
// variable that overflowed) is no value rather than ±Inf or NaN on the board.
func (f *formula) eval(vars map[string]float64) (float64, bool) {
	v, ok := f.calc(vars)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

func (f *formula) calc(vars map[string]float64) (float64, bool) {
	if f.op == 0 {
		if f.name == "" {
			return f.num, true
		}
		v, ok := vars[f.name]
		return v, ok
	}
	l, ok := f.left.eval(vars)
	if !ok {
		return 0, false
	}
	r, ok := f.right.eval(vars)
	if !ok {
		return 0, false
	}
	switch f.op {
	case '+':
		return l + r, true
	case '-':
		return l - r, true
	case '*':
		return l * r, true
	default:
		if r == 0 {
			return 0, false
		}
		return l / r, true
	}
}
