package reader

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ndjsonReader streams NDJSON: one flat JSON object per line (LF or CRLF), blank lines are
// skipped but counted, so row numbers are 1-based physical line numbers.
//
// Header (streaming-friendly, lazy union): Open reads the first object, and the header is
// its keys in order. A later object with a key not seen before does not fail: the key is
// appended to the header (the header is the union of keys in order of first appearance, as
// far as the file has been read), and that row's fields are longer than the header the
// caller saw before. So a caller that gets len(fields) > len(header) should call Header()
// again: for NDJSON the new names are there. Producers that omit empty keys (omitempty)
// therefore work. A key twice in one object is an error.
//
// Values: strings as they are, numbers as their literal text (as json.Number would give
// them), true/false as "true"/"false", null as "". A nested object or array is an error
// naming the line and key, and so is anything but one object on a line (a top-level array
// is explained as such). The fields slice always has the header's length at that point.
type ndjsonReader struct {
	name   string
	br     *bufio.Reader
	closer io.Closer
	header []string
	index  map[string]int

	line    int      // last line read
	buf     []byte   // line assembly for lines longer than the bufio buffer
	fields  []string // reused between rows
	seen    []uint32 // seen[i] == gen: column i already set in this object
	gen     uint32
	pending bool // the first row was parsed by Open and not returned yet
	prow    int
	err     error
	closed  bool
}

func newNDJSON(name string, r io.Reader, closer io.Closer) (*ndjsonReader, error) {
	n := &ndjsonReader{
		name:   name,
		br:     bufio.NewReaderSize(r, 64<<10),
		closer: closer,
		header: []string{},
		index:  map[string]int{},
	}
	if b, _ := n.br.Peek(3); len(b) == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		n.br.Discard(3)
	}
	row, _, err := n.next()
	if err == io.EOF {
		err = &Error{File: name, Reason: reasonEmpty}
	}
	if err != nil {
		n.err = err
		return nil, err
	}
	n.pending, n.prow = true, row
	return n, nil
}

func (n *ndjsonReader) Header() []string { return n.header[:len(n.header):len(n.header)] }

func (n *ndjsonReader) Next() (int, []string, error) {
	if n.err != nil {
		return 0, nil, n.err
	}
	if n.pending {
		n.pending = false
		return n.prow, n.fields, nil
	}
	row, fields, err := n.next()
	if err != nil {
		n.err = err
		return 0, nil, err
	}
	return row, fields, nil
}

func (n *ndjsonReader) fail(reason string, err error) *Error {
	return &Error{File: n.name, Row: n.line, Reason: reason, line: true, err: err}
}

// readLine returns the next line without its line end, or io.EOF.
func (n *ndjsonReader) readLine() ([]byte, error) {
	line, err := n.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		n.buf = append(n.buf[:0], line...)
		for err == bufio.ErrBufferFull && len(n.buf) <= maxRecordBytes {
			line, err = n.br.ReadSlice('\n')
			n.buf = append(n.buf, line...)
		}
		if len(n.buf) > maxRecordBytes {
			n.line++
			return nil, n.fail(fmt.Sprintf("line longer than %d MiB", maxRecordBytes>>20), errTooLarge)
		}
		line = n.buf
	}
	if err != nil && err != io.EOF {
		n.line++
		return nil, n.fail("read error: "+err.Error(), err)
	}
	if err == io.EOF && len(line) == 0 {
		return nil, io.EOF
	}
	n.line++
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// next reads lines until an object, and parses it into n.fields.
func (n *ndjsonReader) next() (int, []string, error) {
	var line []byte
	for {
		l, err := n.readLine()
		if err != nil {
			return 0, nil, err
		}
		if !isBlank(l) {
			line = l
			break
		}
	}
	if !utf8.Valid(line) {
		return 0, nil, n.fail("invalid UTF-8 (the file must be UTF-8)", nil)
	}
	if err := n.parse(line); err != nil {
		return 0, nil, err
	}
	return n.line, n.fields, nil
}

// parse parses one line into n.fields. The line is first checked with json.Valid (the
// encoding/json scanner: the same syntax as json.Decoder); a valid line is then walked by
// hand, which keeps the order of the keys, numbers as their literal text and costs one
// string allocation per row (the values are substrings of it) instead of several per value
// with json.Decoder.Token. Strings with escapes are decoded by json.Unmarshal.
func (n *ndjsonReader) parse(line []byte) error {
	i := skipWS(line, 0)
	if i < len(line) && line[i] == '[' {
		return n.fail("a JSON array is not supported: write one JSON object per line (NDJSON)", nil)
	}
	if !json.Valid(line) {
		var v any
		err := json.Unmarshal(line, &v)
		if err == nil { // cannot happen
			err = errors.New("invalid JSON")
		}
		msg := err.Error()
		switch {
		case strings.Contains(msg, "after top-level value"):
			return n.fail("unexpected data after the JSON object (one object per line)", err)
		case strings.Contains(msg, "unexpected end of JSON input"):
			return n.fail("invalid JSON: the object is not complete on this line", err)
		}
		return n.fail("invalid JSON: "+strings.TrimPrefix(msg, "json: "), err)
	}
	if line[i] != '{' {
		return n.fail("expected a JSON object", nil)
	}

	n.gen++
	if n.gen == 0 { // wrapped: reset
		clear(n.seen)
		n.gen = 1
	}
	fields := n.fields[:0]
	for range n.header {
		fields = append(fields, "")
	}
	str := string(line) // values are substrings of it
	bad := func() error { return n.fail("invalid JSON", nil) }

	ok := false
	i = skipWS(line, i+1)
	for i < len(line) && line[i] != '}' {
		if line[i] == ',' {
			i = skipWS(line, i+1)
		}
		if i >= len(line) || line[i] != '"' {
			return bad()
		}
		ks, ke, esc := scanString(line, i)
		if ke < 0 {
			return bad()
		}
		key := str[ks:ke]
		if esc {
			if key, ok = unquote(line[ks-1 : ke+1]); !ok {
				return bad()
			}
		}
		i = skipWS(line, ke+1)
		if i >= len(line) || line[i] != ':' {
			return bad()
		}
		i = skipWS(line, i+1)
		if i >= len(line) {
			return bad()
		}
		var val string
		switch c := line[i]; c {
		case '"':
			vs, ve, esc := scanString(line, i)
			if ve < 0 {
				return bad()
			}
			val = str[vs:ve]
			if esc {
				if val, ok = unquote(line[vs-1 : ve+1]); !ok {
					return bad()
				}
			}
			i = ve + 1
		case '{', '[':
			what := "an object"
			if c == '[' {
				what = "an array"
			}
			return n.fail(fmt.Sprintf("key %q: value is %s; only strings, numbers, booleans and null are allowed", key, what), nil)
		case 't':
			val, i = "true", i+4
		case 'f':
			val, i = "false", i+5
		case 'n':
			val, i = "", i+4
		default: // a number: its literal text
			j := i
			for j < len(line) && !isDelim(line[j]) {
				j++
			}
			val, i = str[i:j], j
		}
		idx, ok := n.index[key]
		if !ok {
			idx = len(n.header)
			n.index[key] = idx
			n.header = append(n.header, key)
			fields = append(fields, "")
		}
		for len(n.seen) <= idx {
			n.seen = append(n.seen, 0)
		}
		if n.seen[idx] == n.gen {
			return n.fail(fmt.Sprintf("key %q appears twice", key), nil)
		}
		n.seen[idx] = n.gen
		fields[idx] = val
		i = skipWS(line, i)
	}
	n.fields = fields
	return nil
}

// unquote decodes a JSON string with escapes (quotes included).
func unquote(b []byte) (string, bool) {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", false
	}
	return s, true
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func isDelim(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// scanString finds the JSON string starting at b[i] == '"': its content is b[start:end]
// (end is the closing quote's index, -1 if there is none); esc reports a backslash in it.
func scanString(b []byte, i int) (start, end int, esc bool) {
	start = i + 1
	for j := start; j < len(b); j++ {
		switch b[j] {
		case '\\':
			esc = true
			j++
		case '"':
			return start, j, esc
		}
	}
	return start, -1, esc
}

func (n *ndjsonReader) Close() error {
	if n.closed {
		return nil
	}
	n.closed = true
	if n.err == nil {
		n.err = &Error{File: n.name, Reason: "reader is closed"}
	}
	if n.closer != nil {
		return n.closer.Close()
	}
	return nil
}
