package ingest

import (
	"strings"

	"pulso/internal/ingest/reader"
)

// A reject file (FILE.rejects.csv, written by SkipInvalid) holds the rejected rows between a
// leading `row` column and a trailing `reason` column. Imported again once its rows are fixed,
// those two columns are the importer's own notes, not the seller's data: they are left out,
// rather than kept as attributes — or, for a kind with a `reason` column of its own
// (returns), refused as a column that appears twice.

// isRejectFile tells whether a file is a reject file by its name and header.
func isRejectFile(name string, header []string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".rejects.csv") && len(header) >= 3 &&
		header[0] == "row" && header[len(header)-1] == "reason"
}

// WithoutRejectNotes returns rd without the `row` and `reason` columns when name and header
// make it a reject file, else rd itself. Every reader of uploads goes through it, so that a
// file checks the way it imports.
func WithoutRejectNotes(name string, rd reader.Reader) reader.Reader {
	if isRejectFile(name, rd.Header()) {
		return newRejectsReader(rd)
	}
	return rd
}

// rejectsReader reads a reject file without its `row` and `reason` columns.
type rejectsReader struct {
	reader.Reader
	header []string
}

func newRejectsReader(rd reader.Reader) *rejectsReader {
	h := rd.Header()
	return &rejectsReader{Reader: rd, header: h[1 : len(h)-1]}
}

func (r *rejectsReader) Header() []string { return r.header }

func (r *rejectsReader) Next() (int, []string, error) {
	row, fields, err := r.Reader.Next()
	if err != nil || len(fields) == 0 {
		return row, fields, err
	}
	fields = fields[1:]
	if len(fields) > len(r.header) {
		// the reason, and any field beyond it, which the parser then reports
		extra := fields[len(r.header)+1:]
		fields = append(fields[:len(r.header):len(r.header)], extra...)
	}
	return row, fields, nil
}
