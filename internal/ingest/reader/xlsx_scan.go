package reader

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxColumns is Excel's column limit (XFD).
const maxColumns = 16384

// maxTag bounds one XML tag (a <row> or <c> start tag is a few dozen bytes).
const maxTag = 1 << 20

// sheetScanner is a light second reader of the first sheet's XML, run in step with
// excelize's Rows. It does two things excelize's streaming API does not:
//
//   - it reports, for each row, which columns hold a numeric cell (t absent or "n") whose
//     style (c@s) has a date or date-time number format, so that raw serial numbers can be
//     shown as dates;
//   - it checks that excelize read the whole sheet: excelize's Rows stops silently at the
//     first malformed XML token (an illegal control character, a broken tag), which would
//     lose the rest of the rows without an error. When excelize has no more rows but the
//     sheet data goes on, the reader reports it.
//
// It is not an XML parser: it looks at tags only (<row>, <c>, </sheetData>), skipping text,
// comments, CDATA and processing instructions, with a bufio.Reader over the zip entry
// (inflated a second time); it adds about 20% to excelize's reading time.
type sheetScanner struct {
	rc     io.ReadCloser
	br     *bufio.Reader
	styles []uint8 // kind per cellXfs index; nil: no date styles

	tag     []byte // the current tag, from after '<' to before '>'
	pending int    // number of a <row> whose start tag was read but not its cells
	last    int    // number of the last <row> started
	inData  bool   // inside <sheetData>
	done    bool   // end of sheetData (or of the part)
	err     error  // found while reading ahead; reported with the next row
	cells   []uint8
}

func newSheetScanner(rc io.ReadCloser, styles []uint8) *sheetScanner {
	return &sheetScanner{rc: rc, br: bufio.NewReaderSize(rc, 64<<10), styles: styles}
}

func (s *sheetScanner) close() error { return s.rc.Close() }

// row returns the date kinds of the cells of row n (index = column - 1; nil when none).
// Rows must be asked for in increasing order.
func (s *sheetScanner) row(n int) ([]uint8, error) {
	s.cells = s.cells[:0]
	if s.pending == 0 && !s.done {
		s.advance(false)
	}
	if s.pending == 0 || s.pending > n {
		// No such row in the XML (excelize fills gaps with empty rows); an error found
		// while reading ahead belongs to a later row.
		return nil, nil
	}
	if s.pending < n {
		return nil, fmt.Errorf("row %d is out of order", s.pending)
	}
	s.pending = 0
	s.advance(true)
	return s.cells, nil
}

// finish is called when excelize has no more rows: there must be no more rows in the sheet
// data, and no malformed XML where the scanner looked.
func (s *sheetScanner) finish() error {
	if s.pending == 0 && !s.done {
		s.advance(false)
	}
	switch {
	case s.pending != 0:
		return fmt.Errorf("rows from %d on could not be read (is the file damaged? open it in Excel and save it again)", s.pending)
	case s.err != nil:
		return s.err
	}
	return nil
}

// advance reads tags up to the next <row> start (setting pending) or the end of the sheet
// data, collecting the kinds of the cells on the way when collect is set. Errors are kept
// in s.err and end the scan.
func (s *sheetScanner) advance(collect bool) {
	col := 0
	for !s.done {
		kind, err := s.nextTag()
		if err != nil {
			s.done = true
			if err == io.EOF {
				if s.inData {
					s.err = errors.New("the sheet XML ends before the end of its data")
				}
				return
			}
			s.err = err
			return
		}
		name, attrs, selfClosing := splitTag(s.tag)
		switch kind {
		case '/':
			if bytes.Equal(name, []byte("sheetData")) {
				s.inData, s.done = false, true
				return
			}
		case 0:
			switch string(name) {
			case "sheetData":
				s.inData = true
				if selfClosing {
					s.inData, s.done = false, true
					return
				}
			case "row":
				n := 0
				if v, ok := attr(attrs, "r"); ok {
					n, _ = strconv.Atoi(string(v))
				}
				if n <= 0 {
					n = s.last + 1
				}
				if n <= s.last {
					s.err, s.done = fmt.Errorf("row %d is out of order", n), true
					return
				}
				s.last, s.pending = n, n
				return
			case "c":
				col++
				if ref, ok := attr(attrs, "r"); ok {
					if c := refColumn(ref); c > 0 {
						col = c
					}
				}
				if !collect || s.styles == nil || col > maxColumns {
					continue
				}
				if t, ok := attr(attrs, "t"); ok && len(t) > 0 && string(t) != "n" {
					continue
				}
				v, ok := attr(attrs, "s")
				if !ok {
					continue
				}
				si, err := strconv.Atoi(string(v))
				if err != nil || si < 0 || si >= len(s.styles) || s.styles[si] == kindNone {
					continue
				}
				for len(s.cells) < col {
					s.cells = append(s.cells, kindNone)
				}
				s.cells[col-1] = s.styles[si]
			}
		}
	}
}

// nextTag reads up to and including the next element tag and leaves its content (between
// '<' and '>', without a leading '/') in s.tag. kind is '/' for an end tag and 0 for a start
// tag. Comments, CDATA sections, processing instructions and declarations are skipped.
func (s *sheetScanner) nextTag() (kind byte, err error) {
	for {
		// Skip text up to '<'.
		for {
			_, err := s.br.ReadSlice('<')
			if err == nil {
				break
			}
			if err != bufio.ErrBufferFull {
				return 0, err
			}
		}
		c, err := s.br.ReadByte()
		if err != nil {
			return 0, unexpectedEOF(err)
		}
		switch c {
		case '!':
			if b, _ := s.br.Peek(2); string(b) == "--" {
				err = s.skipPast("-->")
			} else if b, _ := s.br.Peek(7); string(b) == "[CDATA[" {
				err = s.skipPast("]]>")
			} else {
				err = s.skipPast(">")
			}
			if err != nil {
				return 0, err
			}
			continue
		case '?':
			if err := s.skipPast("?>"); err != nil {
				return 0, err
			}
			continue
		case '/':
			kind = '/'
			s.tag = s.tag[:0]
		default:
			s.tag = append(s.tag[:0], c)
		}
		// Read to the '>' that ends the tag ('>' may appear inside a quoted value).
		var quote byte
		for {
			chunk, err := s.br.ReadSlice('>')
			if err != nil && err != bufio.ErrBufferFull {
				return 0, unexpectedEOF(err)
			}
			start := len(s.tag)
			s.tag = append(s.tag, chunk...)
			if len(s.tag) > maxTag {
				return 0, errors.New("malformed sheet XML: a tag is too long")
			}
			for _, b := range s.tag[start:] {
				switch {
				case quote == 0 && (b == '"' || b == '\''):
					quote = b
				case b == quote:
					quote = 0
				}
			}
			if err == nil && quote == 0 {
				s.tag = s.tag[:len(s.tag)-1] // drop '>'
				return kind, nil
			}
		}
	}
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return errors.New("the sheet XML ends in the middle of a tag")
	}
	return err
}

// skipPast discards input up to and including end.
func (s *sheetScanner) skipPast(end string) error {
	last := end[len(end)-1]
	var window []byte
	for {
		chunk, err := s.br.ReadSlice(last)
		if err != nil && err != bufio.ErrBufferFull {
			return unexpectedEOF(err)
		}
		window = append(window, chunk...)
		if err == nil && bytes.HasSuffix(window, []byte(end)) {
			return nil
		}
		if len(window) > len(end) {
			window = append(window[:0], window[len(window)-len(end):]...)
		}
	}
}

// splitTag splits a start tag's content into its local name (without a namespace prefix)
// and its attributes; selfClosing reports a trailing '/'.
func splitTag(tag []byte) (name, attrs []byte, selfClosing bool) {
	if n := len(tag); n > 0 && tag[n-1] == '/' {
		tag, selfClosing = tag[:n-1], true
	}
	i := bytes.IndexAny(tag, " \t\r\n")
	if i < 0 {
		name = tag
	} else {
		name, attrs = tag[:i], tag[i:]
	}
	if j := bytes.LastIndexByte(name, ':'); j >= 0 {
		name = name[j+1:]
	}
	return name, attrs, selfClosing
}

// attr returns the value of the attribute with the given local name (prefix ignored). Values
// are returned as written (entities are not decoded: cell refs, styles and types never
// need it).
func attr(attrs []byte, local string) ([]byte, bool) {
	for len(attrs) > 0 {
		attrs = bytes.TrimLeft(attrs, " \t\r\n")
		eq := bytes.IndexByte(attrs, '=')
		if eq < 0 {
			return nil, false
		}
		name := bytes.TrimRight(attrs[:eq], " \t\r\n")
		if j := bytes.LastIndexByte(name, ':'); j >= 0 {
			name = name[j+1:]
		}
		rest := bytes.TrimLeft(attrs[eq+1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return nil, false
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return nil, false
		}
		if string(name) == local {
			return rest[1 : 1+end], true
		}
		attrs = rest[end+2:]
	}
	return nil, false
}

// refColumn returns the column number of a cell reference such as "AB12" (0 if invalid).
func refColumn(ref []byte) int {
	col := 0
	for i, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a') + 1
		case c == '$' && i == 0:
			continue
		default:
			if i == 0 {
				return 0
			}
			return col
		}
		if col > maxColumns {
			return 0
		}
	}
	return col
}
