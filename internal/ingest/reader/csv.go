package reader

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// csvReader streams a CSV file with encoding/csv (comma separated, RFC 4180 quoting, CRLF or
// LF line ends, LazyQuotes off, any number of fields per record).
//
// Row numbers: a row is one CSV *record*, not one physical line: a quoted field may contain
// line breaks, so a record can span several lines, and it still is one spreadsheet row. A
// blank line is an empty record: encoding/csv skips it, but it is counted (as Excel and
// LibreOffice show it as an empty row), so that row numbers match what the user sees when
// opening the file in a spreadsheet. Numbering is derived from the line where each record
// starts and ends (csv.Reader.FieldPos plus the line breaks inside the last field).
//
// Performance: ReuseRecord is on, so the fields slice is reused between calls (csv.Reader
// allocates one string per record and slices the fields out of it).
type csvReader struct {
	name   string
	cr     *csv.Reader
	guard  *sizeGuard
	closer io.Closer
	header []string

	lastRow int   // row number of the last record read (0 before the header)
	lastEnd int   // physical line on which the last record ended
	base    int64 // bytes before csv.Reader's input (the BOM)
	err     error
	closed  bool
}

// sizeGuard fails a read once more than maxRecordBytes have been read past the end of the
// last complete record: one record (an unclosed quote, a file without line breaks) would
// otherwise be buffered whole.
type sizeGuard struct {
	r    io.Reader
	n    int64 // bytes read so far
	mark int64 // offset of the end of the last complete record
}

func (g *sizeGuard) Read(p []byte) (int, error) {
	if g.n-g.mark > maxRecordBytes {
		return 0, errTooLarge
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

func newCSV(name string, r io.Reader, closer io.Closer) (*csvReader, error) {
	g := &sizeGuard{r: r}
	br := bufio.NewReaderSize(g, 64<<10)
	c := &csvReader{name: name, guard: g, closer: closer}
	if b, _ := br.Peek(3); len(b) == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		br.Discard(3)
		c.base = 3
	}
	cr := csv.NewReader(br) // uses br as is (it is a *bufio.Reader of at least 4 KiB)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false
	cr.ReuseRecord = true
	c.cr = cr

	_, h, err := c.next()
	if err == io.EOF {
		err = &Error{File: name, Reason: reasonEmpty}
	}
	if err != nil {
		c.err = err
		return nil, err
	}
	c.header = slices.Clone(h)
	return c, nil
}

func (c *csvReader) Header() []string { return c.header[:len(c.header):len(c.header)] }

func (c *csvReader) Next() (int, []string, error) {
	if c.err != nil {
		return 0, nil, c.err
	}
	row, fields, err := c.next()
	if err != nil {
		c.err = err
		return 0, nil, err
	}
	return row, fields, nil
}

// next returns the next record that is not all empty, with its row number.
func (c *csvReader) next() (int, []string, error) {
	for {
		fields, err := c.cr.Read()
		if err != nil {
			return 0, nil, c.readError(err)
		}
		n := len(fields)
		if n == 0 { // csv.Reader never does this; be safe with FieldPos
			continue
		}
		start, _ := c.cr.FieldPos(0)
		end, _ := c.cr.FieldPos(n - 1)
		end += strings.Count(fields[n-1], "\n")
		row := c.lastRow + start - c.lastEnd
		c.lastRow, c.lastEnd = row, end
		c.guard.mark = c.base + c.cr.InputOffset()

		empty := true
		for i, f := range fields {
			if f == "" {
				continue
			}
			empty = false
			if !utf8.ValidString(f) {
				return 0, nil, &Error{File: c.name, Row: row, Reason: fmt.Sprintf(
					"invalid UTF-8 in column %d (the file must be UTF-8; in Excel use \"Save as: CSV UTF-8\")", i+1)}
			}
		}
		if empty {
			continue
		}
		return row, fields, nil
	}
}

func (c *csvReader) readError(err error) error {
	if err == io.EOF {
		return io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		// StartLine is the line on which the bad record starts; its row follows the last
		// good one, plus any blank lines in between.
		row := c.lastRow + pe.StartLine - c.lastEnd
		if row <= c.lastRow {
			row = c.lastRow + 1
		}
		return &Error{File: c.name, Row: row, err: err,
			Reason: fmt.Sprintf("%v (at line %d, byte %d)", pe.Err, pe.Line, pe.Column)}
	}
	if errors.Is(err, errTooLarge) {
		return &Error{File: c.name, Row: c.lastRow + 1, err: err,
			Reason: fmt.Sprintf("record larger than %d MiB (an unclosed quote?)", maxRecordBytes>>20)}
	}
	return &Error{File: c.name, Row: c.lastRow + 1, err: err, Reason: "read error: " + err.Error()}
}

func (c *csvReader) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	if c.err == nil {
		c.err = &Error{File: c.name, Reason: "reader is closed"}
	}
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}
