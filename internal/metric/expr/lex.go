package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tNum
	tStr
	tWord
	tOp
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	pos  int
	text string  // source text; for tStr the value (quotes removed, '' unescaped)
	num  float64 // tNum
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tNum:
		return "number " + t.text
	case tStr:
		return "string " + quoteStr(t.text)
	case tWord:
		return strconv.Quote(short(t.text))
	}
	return "'" + t.text + "'"
}

// quoteStr writes s as a string literal of the language, shortened for messages.
func quoteStr(s string) string {
	return "'" + strings.ReplaceAll(short(s), "'", "''") + "'"
}

func short(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isWordStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isWordChar(c byte) bool  { return isWordStart(c) || isDigit(c) }

// lex splits src (valid UTF-8) into tokens, ending with tEOF.
func lex(src string) []token {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isDigit(c):
			for i < len(src) && isDigit(src[i]) {
				i++
			}
			if i < len(src) && src[i] == '.' && i+1 < len(src) && isDigit(src[i+1]) {
				i++
				for i < len(src) && isDigit(src[i]) {
					i++
				}
			}
			if i < len(src) && (isWordChar(src[i]) || src[i] == '.') {
				for i < len(src) && (isWordChar(src[i]) || src[i] == '.') {
					i++
				}
				fail(start, "invalid number %q", short(src[start:i]))
			}
			f, err := strconv.ParseFloat(src[start:i], 64)
			if err != nil || math.IsInf(f, 0) {
				fail(start, "number %s is out of range", short(src[start:i]))
			}
			toks = append(toks, token{kind: tNum, pos: start, text: src[start:i], num: f})
		case isWordStart(c):
			for i < len(src) && isWordChar(src[i]) {
				i++
			}
			w := src[start:i]
			if lw := strings.ToLower(w); lw != w {
				fail(start, "names are lower-case: write %q, not %q", short(lw), short(w))
			}
			toks = append(toks, token{kind: tWord, pos: start, text: w})
		case c == '\'':
			var b strings.Builder
			i++
			for {
				if i >= len(src) {
					fail(start, "unterminated string")
				}
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				if src[i] < 0x20 || src[i] == 0x7f {
					fail(i, "control character in a string")
				}
				b.WriteByte(src[i])
				i++
			}
			toks = append(toks, token{kind: tStr, pos: start, text: b.String()})
		case c == '(':
			toks = append(toks, token{kind: tLParen, pos: i, text: "("})
			i++
		case c == ')':
			toks = append(toks, token{kind: tRParen, pos: i, text: ")"})
			i++
		case c == ',':
			toks = append(toks, token{kind: tComma, pos: i, text: ","})
			i++
		default:
			op := ""
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			switch {
			case two == "--" || two == "/*":
				fail(i, "comments are not allowed")
			case two == "==":
				fail(i, "use = to compare, not ==")
			case two == "!=" || two == "<>" || two == "<=" || two == ">=":
				op = two
			case strings.IndexByte("+-*/=<>", c) >= 0:
				op = src[i : i+1]
			case c == '.' && i+1 < len(src) && isDigit(src[i+1]):
				fail(i, "invalid number: write 0.5, not .5")
			case c == '"':
				fail(i, "unexpected character '\"' (strings are in single quotes: 'text')")
			default:
				r, _ := utf8.DecodeRuneInString(src[i:])
				fail(i, "unexpected character %s", fmt.Sprintf("%q", r))
			}
			toks = append(toks, token{kind: tOp, pos: i, text: op})
			i += len(op)
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)})
}
