// Package ingest reads files of canonical records and applies them to the store as one atomic
// batch, reporting bad rows by file, row, column and reason.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"pulso/internal/ingest/reader"
	"pulso/internal/metric"
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
	// Rename maps a file's column names (normalised, see record.NormalizeHeader) to contract
	// columns, for exports whose headers differ ("pedido" → order_id). Unmapped columns keep
	// their names.
	Rename map[string]string
	// Pseudonymise names extra columns (after Rename) to keep as identifiers: their values are
	// stored as the tenant's keyed hash (as buyer_ref is) instead of being dropped when the
	// column looks like personal data. See record.ParseOptions.
	Pseudonymise []string
	// Guard, if set, keeps the batch inside a restricted writer's countries and platforms,
	// judged on the stored records the rows would replace as well as on the rows.
	Guard *store.WriteGuard
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
	// Dropped lists the extra columns whose values were not stored because they looked like
	// personal data (e-mails, phones, tax ids, names, addresses), by column name, with how
	// many values each lost. Empty when nothing was dropped.
	Dropped []record.Dropped
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
	s := fmt.Sprintf("%s: read %d, inserted %d, updated %d, unchanged %d, rejected %d, %.2f s, %.0f rows/s",
		r.Kind, c.Read, c.Inserted, c.Updated, c.Unchanged, c.Rejected, r.Elapsed.Seconds(), r.RowsPerSecond())
	if len(r.Dropped) > 0 {
		// Appended only: scripts read the part before.
		names := make([]string, len(r.Dropped))
		var n int64
		for i, d := range r.Dropped {
			names[i] = d.Column
			n += d.Values
		}
		s += fmt.Sprintf("; dropped personal columns: %s (%d values)", strings.Join(names, ", "), n)
	}
	return s
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
	src := newSource(ctx, im, opt, kind, secret, inputs)
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
	counts, err := im.Store.Apply(ctx, store.Batch{Tenant: opt.Tenant, Kind: kind, Source: opt.Source, File: names, Guard: opt.Guard,
		AfterMerge: metric.KeepRollups(im.Store.Engine())}, src)
	res := Result{Kind: kind.Name, Counts: counts, Elapsed: im.Now().Sub(start)}
	if cerr := src.close(); err == nil && cerr != nil {
		err = cerr
	}
	res.Dropped = src.droppedColumns()
	if err != nil {
		src.discardRejects()
		return res, err
	}
	res.RejectFiles = src.rejectPaths
	return res, nil
}

// RenameHeader applies a column mapping to a file's header.
func RenameHeader(header []string, rename map[string]string) []string {
	out := make([]string, len(header))
	for i, h := range header {
		out[i] = h
		if to, ok := rename[record.NormalizeHeader(h)]; ok && to != "" {
			out[i] = to
		}
	}
	return out
}
