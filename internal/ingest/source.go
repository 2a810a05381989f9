package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"

	"pulso/internal/ingest/reader"
	"pulso/internal/record"
)

// chunkRows is how many raw rows travel together from the reader to a parser.
const chunkRows = 512

// chunk is a run of raw rows of one file, parsed by one worker, consumed in order.
type chunk struct {
	file   string
	header []string // the header these rows follow (NDJSON may grow it)
	hv     int      // header version: changes with the file and when the header grows
	nums   []int
	raw    [][]string
	out    [][]any
	errs   []error // per row: a *record.RowError or another parse error
	err    error   // a reader error after the rows (ends the batch)
	done   chan struct{}
}

// source streams parsed rows of the inputs, in order, as a store.RowSource. Reading runs in
// one goroutine and parsing in several; rows come out in file order, so the last row of a key
// stays last.
type source struct {
	im     *Importer
	opt    Options
	kind   *record.Kind
	secret []byte

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	order  chan *chunk

	cur       *chunk
	i         int
	read, rej int64
	failed    error

	mu      sync.Mutex
	dropped map[string]int64 // personal values dropped per column, summed over the workers' parsers

	rejects     *csv.Writer
	rejectFile  *os.File
	rejectName  string
	rejectPaths []string
}

func newSource(ctx context.Context, im *Importer, opt Options, kind *record.Kind, secret []byte, inputs []Input) *source {
	ctx, cancel := context.WithCancel(ctx)
	s := &source{im: im, opt: opt, kind: kind, secret: secret, ctx: ctx, cancel: cancel}
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	work := make(chan *chunk, workers*2)
	s.order = make(chan *chunk, workers*4)
	s.wg.Add(1 + workers)
	go func() {
		defer s.wg.Done()
		defer close(work)
		defer close(s.order)
		s.produce(inputs, work)
	}()
	for range workers {
		go func() {
			defer s.wg.Done()
			parsers := map[int]*record.Parser{}
			for c := range work {
				s.parse(c, parsers)
			}
			s.addDropped(parsers)
		}()
	}
	return s
}

// produce reads the files in order and hands out chunks of raw rows.
func (s *source) produce(inputs []Input, work chan<- *chunk) {
	send := func(c *chunk) bool {
		select {
		case s.order <- c:
		case <-s.ctx.Done():
			return false
		}
		if c.err != nil && len(c.raw) == 0 {
			close(c.done) // nothing to parse
			return true
		}
		select {
		case work <- c:
			return true
		case <-s.ctx.Done():
			close(c.done)
			return false
		}
	}
	hv := 0
	for _, in := range inputs {
		hv++
		rd, body, err := s.open(in)
		if err != nil {
			send(&chunk{file: in.Name, err: err, done: make(chan struct{})})
			return
		}
		header := RenameHeader(rd.Header(), s.opt.Rename)
		c := &chunk{file: in.Name, header: header, hv: hv, done: make(chan struct{})}
		rows := 0
		for {
			row, fields, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				c.err = err
				send(c)
				rd.Close()
				body.Close()
				return
			}
			if h := rd.Header(); len(h) != len(header) { // NDJSON met a new key
				if len(c.raw) > 0 && !send(c) {
					rd.Close()
					body.Close()
					return
				}
				header, hv = RenameHeader(h, s.opt.Rename), hv+1
				c = &chunk{file: in.Name, header: header, hv: hv, done: make(chan struct{})}
			}
			rows++
			c.nums = append(c.nums, row)
			c.raw = append(c.raw, append([]string(nil), fields...)) // the reader reuses fields
			if len(c.raw) == chunkRows {
				if !send(c) {
					rd.Close()
					body.Close()
					return
				}
				c = &chunk{file: in.Name, header: header, hv: hv, done: make(chan struct{})}
			}
		}
		rd.Close()
		if err := body.Close(); err != nil {
			send(&chunk{file: in.Name, err: fmt.Errorf("%s: %w", in.Name, err), done: make(chan struct{})})
			return
		}
		if rows == 0 {
			// A header without rows is a mistake (the wrong sheet, a filter left on), not an
			// import: applying it would log an import and make the source look fresh.
			send(&chunk{file: in.Name, err: &reader.Error{File: in.Name, Reason: "no rows to import"}, done: make(chan struct{})})
			return
		}
		if len(c.raw) > 0 && !send(c) {
			return
		}
	}
}

func (s *source) open(in Input) (reader.Reader, io.Closer, error) {
	body, size, err := in.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", in.Name, err)
	}
	var r io.Reader = body
	if s.opt.Wrap != nil {
		r = s.opt.Wrap(in.Name, size, body)
	}
	var rd reader.Reader
	rd, err = reader.OpenReader(in.Name, in.Format, r)
	if err != nil {
		body.Close()
		return nil, nil, err
	}
	rd = WithoutRejectNotes(in.Name, rd)
	// Check the header now, so that a missing column is reported before any row.
	if _, err := record.NewParserWith(s.kind, RenameHeader(rd.Header(), s.opt.Rename), s.im.Zones, s.secret, s.parseOptions()); err != nil {
		rd.Close()
		body.Close()
		return nil, nil, fmt.Errorf("%s: %w", in.Name, err)
	}
	return rd, body, nil
}

// parse parses a chunk with a parser of its header (one parser per worker and header).
func (s *source) parse(c *chunk, parsers map[int]*record.Parser) {
	defer close(c.done)
	if len(c.header) == 0 {
		return
	}
	key := c.hv
	p := parsers[key]
	if p == nil {
		var err error
		p, err = record.NewParserWith(s.kind, c.header, s.im.Zones, s.secret, s.parseOptions())
		if err != nil {
			c.err = fmt.Errorf("%s: %w", c.file, err)
			c.raw, c.nums = nil, nil
			return
		}
		parsers[key] = p
	}
	c.out = make([][]any, len(c.raw))
	c.errs = make([]error, len(c.raw))
	for i, fields := range c.raw {
		c.out[i], c.errs[i] = p.Parse(c.nums[i], fields)
		if c.errs[i] != nil { // the row may go to a reject file: without what is not stored either
			c.raw[i] = p.Redact(fields)
		}
	}
}

func (s *source) parseOptions() record.ParseOptions {
	return record.ParseOptions{Pseudonymise: s.opt.Pseudonymise}
}

// addDropped adds a worker's parsers' dropped personal values to the import's.
func (s *source) addDropped(parsers map[int]*record.Parser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range parsers {
		for _, d := range p.Dropped() {
			if s.dropped == nil {
				s.dropped = map[string]int64{}
			}
			s.dropped[d.Column] += d.Values
		}
	}
}

// droppedColumns returns the dropped personal values by column name, once the workers are done.
func (s *source) droppedColumns() []record.Dropped {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]record.Dropped, 0, len(s.dropped))
	for c, n := range s.dropped {
		out = append(out, record.Dropped{Column: c, Values: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Column < out[j].Column })
	if len(out) == 0 {
		return nil
	}
	return out
}

func (s *source) Read() int64     { return s.read }
func (s *source) Rejected() int64 { return s.rej }

// Next implements store.RowSource.
func (s *source) Next() ([]any, error) {
	if s.failed != nil {
		return nil, s.failed
	}
	for {
		if s.cur == nil || s.i >= len(s.cur.raw) {
			if s.cur != nil && s.cur.err != nil {
				return nil, s.fail(s.cur.err)
			}
			var ok bool
			select {
			case s.cur, ok = <-s.order:
			case <-s.ctx.Done():
				return nil, s.fail(s.ctx.Err())
			}
			if !ok {
				if err := s.closeRejects(); err != nil {
					return nil, s.fail(err)
				}
				return nil, io.EOF
			}
			<-s.cur.done
			s.i = 0
			continue
		}
		c, i := s.cur, s.i
		s.i++
		s.read++
		if c.errs[i] == nil {
			return c.out[i], nil
		}
		var re *record.RowError
		if !s.opt.SkipInvalid || !errors.As(c.errs[i], &re) {
			return nil, s.fail(fmt.Errorf("%s: %w", c.file, c.errs[i]))
		}
		s.rej++
		if err := s.reject(c, c.nums[i], c.raw[i], re); err != nil {
			return nil, s.fail(err)
		}
	}
}

func (s *source) fail(err error) error {
	s.failed = err
	s.cancel()
	return err
}

// close stops the reader and parsers and closes the reject file.
func (s *source) close() error {
	s.cancel()
	for range s.order { // unblock the producer
	}
	s.wg.Wait()
	return s.closeRejects()
}

func (s *source) closeRejects() error {
	if s.rejects == nil {
		return nil
	}
	s.rejects.Flush()
	err := s.rejects.Error()
	if cerr := s.rejectFile.Close(); err == nil {
		err = cerr
	}
	s.rejects, s.rejectFile = nil, nil
	if err != nil {
		return fmt.Errorf("write reject file: %w", err)
	}
	return nil
}

func (s *source) discardRejects() {
	for _, p := range s.rejectPaths {
		os.Remove(p)
	}
	s.rejectPaths = nil
}

// reject writes a rejected row to FILE.rejects.csv: the row number, the row as read, the reason.
func (s *source) reject(c *chunk, row int, fields []string, re *record.RowError) error {
	if s.rejects == nil || s.rejectName != c.file {
		if err := s.closeRejects(); err != nil {
			return err
		}
		dir := s.opt.RejectDir
		if dir == "" {
			dir = filepath.Dir(c.file)
		}
		path := filepath.Join(dir, filepath.Base(c.file)+".rejects.csv")
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("create reject file: %w", err)
		}
		s.rejectFile, s.rejects, s.rejectName = f, csv.NewWriter(f), c.file
		s.rejectPaths = append(s.rejectPaths, path)
		header := append([]string{"row"}, c.header...)
		if err := s.rejects.Write(append(header, "reason")); err != nil {
			return fmt.Errorf("write reject file: %w", err)
		}
	}
	rec := make([]string, 0, len(c.header)+2)
	rec = append(rec, strconv.Itoa(row))
	rec = append(rec, fields...)
	for len(rec) < len(c.header)+1 {
		rec = append(rec, "")
	}
	if err := s.rejects.Write(append(rec, re.Reason())); err != nil {
		return fmt.Errorf("write reject file: %w", err)
	}
	return nil
}
