package demo

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"pulso/internal/record"
)

// sink writes one kind's CSV file, one row at a time, in the column order of record.Kinds().
type sink struct {
	kind  string
	path  string
	f     *os.File
	w     *bufio.Writer
	ncol  int
	rows  int
	b     []byte
	nf    int
	style int // timestamp style of the current row
}

func newSink(dir string, k *record.Kind) (*sink, error) {
	path := filepath.Join(dir, k.Name+".csv")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	s := &sink{kind: k.Name, path: path, f: f, w: bufio.NewWriterSize(f, 256<<10), ncol: len(k.Columns)}
	names := make([]string, len(k.Columns))
	for i, c := range k.Columns {
		names[i] = c.Name
	}
	if _, err := s.w.WriteString(strings.Join(names, ",") + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *sink) close() error {
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// begin starts a row whose timestamps are written in style.
func (s *sink) begin(style int) {
	s.b = s.b[:0]
	s.nf = 0
	s.style = style
}

func (s *sink) sep() {
	if s.nf > 0 {
		s.b = append(s.b, ',')
	}
	s.nf++
}

func (s *sink) str(v string) {
	s.sep()
	if needsQuote(v) {
		s.b = append(s.b, '"')
		s.b = append(s.b, strings.ReplaceAll(v, `"`, `""`)...)
		s.b = append(s.b, '"')
		return
	}
	s.b = append(s.b, v...)
}

func (s *sink) empty() { s.sep() }

func (s *sink) int(n int64) {
	s.sep()
	s.b = strconv.AppendInt(s.b, n, 10)
}

func (s *sink) num(v float64, decimals int) {
	s.sep()
	s.b = appendMoney(s.b, v, decimals)
}

// ts writes an instant in the row's style, or nothing when t is noTime.
func (s *sink) ts(z *zone, t int64) {
	s.sep()
	if t != noTime {
		s.b = z.appendTS(s.b, t, s.style)
	}
}

func (s *sink) date(dn int) {
	s.sep()
	s.b = appendDate(s.b, dn)
}

func (s *sink) boolean(v bool) {
	s.sep()
	if v {
		s.b = append(s.b, "true"...)
	} else {
		s.b = append(s.b, "false"...)
	}
}

func (s *sink) end() {
	if s.nf != s.ncol {
		panic(fmt.Sprintf("demo: %s row has %d fields, want %d", s.kind, s.nf, s.ncol))
	}
	s.b = append(s.b, '\n')
	s.w.Write(s.b) // a write error is sticky in bufio and reported by close
	s.rows++
}

func needsQuote(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ',', '"', '\n', '\r':
			return true
		}
	}
	return false
}
