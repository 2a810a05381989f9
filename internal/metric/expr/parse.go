package expr

import (
	"time"

	"pulso/internal/record"
)

type nodeKind int

const (
	nNum    nodeKind = iota // num
	nStr                    // str
	nBool                   // b
	nDate                   // date
	nNull                   // null literal
	nCol                    // name
	nCall                   // name(args...)
	nNeg                    // -args[0]
	nArith                  // args[0] op args[1], op one of + - * /
	nCmp                    // args[0] op args[1], op one of = != <> < <= > >=
	nAnd                    // args[0] and args[1] and ...
	nOr                     // args[0] or args[1] or ...
	nNot                    // not args[0]
	nIsNull                 // args[0] is [not] null
	nIn                     // args[0] [not] in (args[1:]...)
)

type node struct {
	kind  nodeKind
	pos   int
	op    string
	name  string
	args  []*node
	num   float64
	str   string
	b     bool
	date  time.Time
	neg   bool        // nIsNull: is not null; nIn: not in
	typ   Type        // set by the checker
	rtype record.Type // nCol: the column's record type
	depth int
}

var keywords = map[string]bool{"and": true, "or": true, "not": true, "in": true, "is": true, "null": true, "true": true, "false": true}

type parser struct {
	toks  []token
	i     int
	depth int // nesting of parentheses, function calls and prefix operators
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tWord && t.text == w
}

func (p *parser) isOp(ops ...string) bool {
	t := p.peek()
	if t.kind != tOp {
		return false
	}
	for _, op := range ops {
		if t.text == op {
			return true
		}
	}
	return false
}

func (p *parser) expect(k tokKind, what string) token {
	t := p.peek()
	if t.kind != k {
		fail(t.pos, "expected %s, found %s", what, t)
	}
	return p.next()
}

func (p *parser) enter(pos int) {
	p.depth++
	if p.depth > MaxDepth {
		fail(pos, "expression is nested too deeply (more than %d levels)", MaxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// mk builds a node and enforces the depth limit on the tree.
func mk(kind nodeKind, pos int, args ...*node) *node {
	n := &node{kind: kind, pos: pos, args: args, depth: 1}
	for _, a := range args {
		n.depth = max(n.depth, a.depth+1)
	}
	if n.depth > MaxDepth {
		fail(pos, "expression is nested too deeply (more than %d levels)", MaxDepth)
	}
	return n
}

func (p *parser) parseTop() *node {
	if p.peek().kind == tEOF {
		fail(0, "empty expression")
	}
	n := p.parseExpr()
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			fail(t.pos, "unbalanced ')'")
		}
		fail(t.pos, "unexpected %s", t)
	}
	return n
}

func (p *parser) parseExpr() *node { return p.parseOr() }

func (p *parser) parseOr() *node {
	first := p.parseAnd()
	if !p.isWord("or") {
		return first
	}
	args := []*node{first}
	for p.isWord("or") {
		p.next()
		args = append(args, p.parseAnd())
	}
	return mk(nOr, first.pos, args...)
}

func (p *parser) parseAnd() *node {
	first := p.parseNot()
	if !p.isWord("and") {
		return first
	}
	args := []*node{first}
	for p.isWord("and") {
		p.next()
		args = append(args, p.parseNot())
	}
	return mk(nAnd, first.pos, args...)
}

func (p *parser) parseNot() *node {
	if !p.isWord("not") {
		return p.parseCmp()
	}
	t := p.next()
	p.enter(t.pos)
	x := p.parseNot()
	p.leave()
	return mk(nNot, t.pos, x)
}

func (p *parser) parseCmp() *node {
	l := p.parseSum()
	t := p.peek()
	var n *node
	switch {
	case p.isOp("=", "!=", "<>", "<", "<=", ">", ">="):
		p.next()
		r := p.parseSum()
		n = mk(nCmp, t.pos, l, r)
		n.op = t.text
	case p.isWord("is"):
		p.next()
		neg := false
		if p.isWord("not") {
			p.next()
			neg = true
		}
		if !p.isWord("null") {
			fail(p.peek().pos, "expected null after is, found %s", p.peek())
		}
		p.next()
		n = mk(nIsNull, t.pos, l)
		n.neg = neg
	case p.isWord("in") || p.isWord("not") && p.toks[p.i+1].kind == tWord && p.toks[p.i+1].text == "in":
		neg := p.isWord("not")
		if neg {
			p.next()
		}
		p.next()
		open := p.expect(tLParen, "'(' after in")
		if p.peek().kind == tRParen {
			fail(p.peek().pos, "empty list after in")
		}
		p.enter(open.pos)
		args := []*node{l}
		for {
			args = append(args, p.parseExpr())
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
		p.expect(tRParen, "',' or ')' in the list")
		p.leave()
		n = mk(nIn, t.pos, args...)
		n.neg = neg
	default:
		return l
	}
	if p.isOp("=", "!=", "<>", "<", "<=", ">", ">=") || p.isWord("is") || p.isWord("in") {
		fail(p.peek().pos, "comparisons cannot be chained: join them with and")
	}
	return n
}

func (p *parser) parseSum() *node {
	l := p.parseProd()
	for p.isOp("+", "-") {
		t := p.next()
		r := p.parseProd()
		l = mk(nArith, t.pos, l, r)
		l.op = t.text
	}
	return l
}

func (p *parser) parseProd() *node {
	l := p.parseUnary()
	for p.isOp("*", "/") {
		t := p.next()
		r := p.parseUnary()
		l = mk(nArith, t.pos, l, r)
		l.op = t.text
	}
	return l
}

func (p *parser) parseUnary() *node {
	if !p.isOp("-") {
		return p.parsePrimary()
	}
	t := p.next()
	p.enter(t.pos)
	x := p.parseUnary()
	p.leave()
	if x.kind == nNum { // fold -48 into a literal
		x.num, x.pos = -x.num, t.pos
		return x
	}
	return mk(nNeg, t.pos, x)
}

func (p *parser) parsePrimary() *node {
	t := p.next()
	switch t.kind {
	case tNum:
		n := mk(nNum, t.pos)
		n.num = t.num
		return n
	case tStr:
		n := mk(nStr, t.pos)
		n.str = t.text
		return n
	case tLParen:
		p.enter(t.pos)
		x := p.parseExpr()
		p.expect(tRParen, "')'")
		p.leave()
		return x
	case tWord:
		switch t.text {
		case "true", "false":
			n := mk(nBool, t.pos)
			n.b = t.text == "true"
			return n
		case "null":
			return mk(nNull, t.pos)
		case "date":
			if s := p.peek(); s.kind == tStr {
				p.next()
				d, err := time.Parse(time.DateOnly, s.text)
				if err != nil {
					fail(s.pos, "invalid date %s (want 'YYYY-MM-DD')", quoteStr(s.text))
				}
				n := mk(nDate, t.pos)
				n.date = d
				return n
			}
		}
		if keywords[t.text] {
			fail(t.pos, "unexpected %s", t)
		}
		if p.peek().kind == tLParen {
			open := p.next()
			p.enter(open.pos)
			var args []*node
			if p.peek().kind != tRParen {
				for {
					args = append(args, p.parseExpr())
					if p.peek().kind != tComma {
						break
					}
					p.next()
				}
			}
			p.expect(tRParen, "',' or ')' after a function argument")
			p.leave()
			n := mk(nCall, t.pos, args...)
			n.name = t.text
			return n
		}
		n := mk(nCol, t.pos)
		n.name = t.text
		return n
	case tEOF:
		fail(t.pos, "unexpected end of expression")
	}
	if t.kind == tRParen {
		fail(t.pos, "unexpected ')'")
	}
	fail(t.pos, "unexpected %s", t)
	return nil
}
