// Package ingest reads files of canonical records and applies them to the store as one atomic
// batch, reporting bad rows by file, row, column and reason.
package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"pulso/internal/ingest/reader"
	"pulso/internal/record"
	"pulso/internal/store"
)

// Importer applies files to a store.
type Importer struct {
	Store   store.Store
	Catalog *record.Catalog
	Zones   *record.Zones
	Now     func() time.Time
}

// New returns an importer over st.
func New(st store.Store) *Importer {
	return &Importer{Store: st, Catalog: record.NewCatalog(), Zones: record.NewZones(), Now: time.Now}
}

// Options control one import.
type Options struct {
	Tenant      string
	Kind        string
	Source      string // default "upload"
	SkipInvalid bool
	// RejectDir is where reject files go (default: next to each input file).
	RejectDir string
	// Wrap, if set, wraps each opened file (e.g. with a progress bar); size is -1 if unknown.
	Wrap func(name string, size int64, r io.Reader) io.Reader
}

// Input is one file to read.
type Input struct {
	Name   string // shown in errors
	Format reader.Format
	Open   func() (io.ReadCloser, int64, error) // the content and its size (-1 if unknown)
}

// FileInput reads a file from disk, with the format from its extension.
func FileInput(path string) (Input, error) {
	f, err := reader.DetectFormat(path)
	if err != nil {
		return Input{}, err
	}
	return Input{Name: path, Format: f, Open: func() (io.ReadCloser, int64, error) {
		fh, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		st, err := fh.Stat()
		if err != nil {
			fh.Close()
			return nil, 0, err
		}
		return fh, st.Size(), nil
	}}, nil
}

// Result is the outcome of an import.
type Result struct {
	Kind        string
	Counts      store.Counts
	Elapsed     time.Duration
	RejectFiles []string
}

// RowsPerSecond is the read rate of the import.
func (r Result) RowsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Counts.Read) / r.Elapsed.Seconds()
}

// Summary is the one-line summary `pulso import` prints.
func (r Result) Summary() string {
	c := r.Counts
	return fmt.Sprintf("%s: read %d, inserted %d, updated %d, unchanged %d, rejected %d, %.2f s, %.0f rows/s",
		r.Kind, c.Read, c.Inserted, c.Updated, c.Unchanged, c.Rejected, r.Elapsed.Seconds(), r.RowsPerSecond())
}

// Import applies all inputs as one batch: either every valid row of every file is stored, or
// (on any error without SkipInvalid) nothing is.
func (im *Importer) Import(ctx context.Context, opt Options, inputs ...Input) (Result, error) {
	start := im.Now()
	kind, err := im.Catalog.Kind(opt.Kind)
	if err != nil {
		return Result{}, err
	}
	if err := store.ValidTenant(opt.Tenant); err != nil {
		return Result{}, err
	}
	if len(inputs) == 0 {
		return Result{}, errors.New("no input files")
	}
	secret, err := im.Store.TenantSecret(ctx, opt.Tenant)
	if err != nil {
		return Result{}, err
	}
	src := &source{im: im, opt: opt, kind: kind, secret: secret, inputs: inputs}
	defer src.close()
	names := ""
	for i, in := range inputs {
		if i > 0 {
			names += ", "
		}
		names += filepath.Base(in.Name)
	}
	if opt.Source == "" {
		opt.Source = "upload"
	}
	counts, err := im.Store.Apply(ctx, store.Batch{Tenant: opt.Tenant, Kind: kind, Source: opt.Source, File: names}, src)
	res := Result{Kind: kind.Name, Counts: counts, Elapsed: im.Now().Sub(start)}
	if cerr := src.close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		src.discardRejects()
		return res, err
	}
	res.RejectFiles = src.rejectPaths
	return res, nil
}

// source streams parsed rows from the inputs in order, as a store.RowSource.
type source struct {
	im     *Importer
	opt    Options
	kind   *record.Kind
	secret []byte
	inputs []Input

	cur       int
	rd        reader.Reader
	body      io.ReadCloser
	parser    *record.Parser
	width     int // header length the parser was built for
	name      string
	read, rej int64

	rejects     *csv.Writer
	rejectFile  *os.File
	rejectPaths []string
}

func (s *source) Read() int64     { return s.read }
func (s *source) Rejected() int64 { return s.rej }

func (s *source) open(in Input) error {
	body, size, err := in.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", in.Name, err)
	}
	var r io.Reader = body
	if s.opt.Wrap != nil {
		r = s.opt.Wrap(in.Name, size, body)
	}
	rd, err := reader.OpenReader(in.Name, in.Format, r)
	if err != nil {
		body.Close()
		return err
	}
	p, err := record.NewParser(s.kind, rd.Header(), s.im.Zones, s.secret)
	if err != nil {
		rd.Close()
		body.Close()
		return fmt.Errorf("%s: %w", in.Name, err)
	}
	s.rd, s.body, s.parser, s.name, s.width = rd, body, p, in.Name, len(rd.Header())
	return nil
}

func (s *source) closeFile() error {
	var err error
	if s.rd != nil {
		err = s.rd.Close()
		s.rd = nil
	}
	if s.body != nil {
		if cerr := s.body.Close(); err == nil {
			err = cerr
		}
		s.body = nil
	}
	if s.rejects != nil {
		s.rejects.Flush()
		if ferr := s.rejects.Error(); err == nil && ferr != nil {
			err = fmt.Errorf("write reject file: %w", ferr)
		}
		if cerr := s.rejectFile.Close(); err == nil && cerr != nil {
			err = cerr
		}
		s.rejects, s.rejectFile = nil, nil
	}
	return err
}

func (s *source) close() error { return s.closeFile() }

func (s *source) discardRejects() {
	for _, p := range s.rejectPaths {
		os.Remove(p)
	}
	s.rejectPaths = nil
}

// Next implements store.RowSource.
func (s *source) Next() ([]any, error) {
	for {
		if s.rd == nil {
			if s.cur >= len(s.inputs) {
				return nil, io.EOF
			}
			if err := s.open(s.inputs[s.cur]); err != nil {
				return nil, err
			}
			s.cur++
		}
		row, fields, err := s.rd.Next()
		if err == io.EOF {
			if err := s.closeFile(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err // a *reader.Error names file and row
		}
		s.read++
		if len(fields) > s.width {
			// NDJSON learns its header as it goes: a key first seen on this line extends it.
			if h := s.rd.Header(); len(h) > s.width {
				p, err := record.NewParser(s.kind, h, s.im.Zones, s.secret)
				if err != nil {
					return nil, fmt.Errorf("%s: row %d: %w", s.name, row, err)
				}
				s.parser, s.width = p, len(h)
			}
		}
		out, perr := s.parser.Parse(row, fields)
		if perr == nil {
			return out, nil
		}
		var re *record.RowError
		if !s.opt.SkipInvalid || !errors.As(perr, &re) {
			return nil, fmt.Errorf("%s: %w", s.name, perr)
		}
		s.rej++
		if err := s.reject(row, fields, re); err != nil {
			return nil, err
		}
	}
}

func (s *source) reject(row int, fields []string, re *record.RowError) error {
	if s.rejects == nil {
		dir := s.opt.RejectDir
		if dir == "" {
			dir = filepath.Dir(s.name)
		}
		path := filepath.Join(dir, filepath.Base(s.name)+".rejects.csv")
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("create reject file: %w", err)
		}
		s.rejectFile, s.rejects = f, csv.NewWriter(f)
		s.rejectPaths = append(s.rejectPaths, path)
		header := append([]string{"row"}, s.rd.Header()...)
		if err := s.rejects.Write(append(header, "reason")); err != nil {
			return fmt.Errorf("write reject file: %w", err)
		}
	}
	rec := make([]string, 0, len(fields)+2)
	rec = append(rec, strconv.Itoa(row))
	rec = append(rec, fields...)
	for len(rec) < len(s.rd.Header())+1 {
		rec = append(rec, "")
	}
	if err := s.rejects.Write(append(rec, re.Reason())); err != nil {
		return fmt.Errorf("write reject file: %w", err)
	}
	return nil
}
