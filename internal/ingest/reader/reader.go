// Package reader streams the rows of one canonical-record file (CSV, XLSX or NDJSON, see
// the contract, shared/contract/records.md). It only does syntax: it returns the header as found in
// the file and each data row's fields as strings; mapping names to columns, normalising the
// header and validating values is the caller's job.
//
// Row numbers are the numbers a user sees: for CSV and XLSX the spreadsheet row (header row
// = 1 when the file starts with it, first data row = 2), for NDJSON the 1-based line number.
//
// Empty rows (every field "") in CSV and XLSX are skipped wherever they are, but counted, so
// the numbers of the following rows stay right; the header is the first non-empty row.
//
// NDJSON header: the keys of the first object, in order; a key first seen in a later object
// is appended to the header (see ndjsonReader), so for NDJSON, Header() can grow while
// reading: when len(fields) > len(header), call Header() again.
//
// Ownership: the fields slice returned by Next is only valid until the next call of Next
// (the CSV and NDJSON readers reuse it); the strings in it are immutable and may be kept.
//
// Errors: Next returns io.EOF after the last row; every other error is a *Error naming the
// file, the row (or line) and the reason. Errors are final: after one, Next keeps returning
// the same error.
package reader

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Reader streams the rows of one file. Header is available after Open.
type Reader interface {
	Header() []string
	// Next returns the next data row's number (the number a user sees: for CSV/XLSX the
	// spreadsheet row, header = row 1, first data row = 2; for NDJSON the 1-based line number)
	// and its fields aligned to Header (missing trailing fields are "", so len(fields) <= len(Header())
	// is allowed; more fields than the header is returned as-is and the caller reports it).
	// It returns io.EOF after the last row. Any other error is a *Error.
	Next() (row int, fields []string, err error)
	Close() error
}

// Error is a syntax problem in the file; it names the file, the row (or line) and the reason.
type Error struct {
	File   string
	Row    int // 0 when the problem is not tied to a row (e.g. an empty file)
	Reason string

	line bool  // Row is a line number (NDJSON)
	err  error // underlying error (I/O, zip, ...), for errors.Is / errors.As
}

// Error formats as "FILE: row N: REASON" ("FILE: line N: REASON" for NDJSON, "FILE: REASON"
// when Row is 0).
func (e *Error) Error() string {
	switch {
	case e.Row <= 0:
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	case e.line:
		return fmt.Sprintf("%s: line %d: %s", e.File, e.Row, e.Reason)
	default:
		return fmt.Sprintf("%s: row %d: %s", e.File, e.Row, e.Reason)
	}
}

// Unwrap returns the underlying error, if any (for example an I/O error while reading).
func (e *Error) Unwrap() error { return e.err }

// Format is csv, xlsx or ndjson.
type Format string

// The supported formats.
const (
	CSV    Format = "csv"
	XLSX   Format = "xlsx"
	NDJSON Format = "ndjson"
)

// DetectFormat picks the format by the file name's extension (any case): .csv; .xlsx;
// .ndjson, .jsonl and .json (a .json file must still hold one object per line, not an
// array). Anything else, including .tsv and the legacy .xls, is an error.
func DetectFormat(name string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".csv":
		return CSV, nil
	case ".xlsx":
		return XLSX, nil
	case ".ndjson", ".jsonl", ".json":
		return NDJSON, nil
	case ".tsv", ".tab":
		return "", fmt.Errorf("%s: tab-separated files are not supported; save the file as CSV (comma separated, UTF-8)", name)
	case ".xls":
		return "", fmt.Errorf("%s: legacy .xls workbooks are not supported; save the file as .xlsx or CSV UTF-8", name)
	case "":
		return "", fmt.Errorf("%s: no file extension; use .csv, .xlsx or .ndjson", name)
	default:
		return "", fmt.Errorf("%s: unsupported file type %q; use .csv, .xlsx or .ndjson (.jsonl, .json)", name, ext)
	}
}

// Open opens a file of the given format. name is used in errors.
//
// Errors opening the file are returned as they are (*fs.PathError); problems with the
// content (empty file, bad header, not a workbook) are a *Error.
func Open(name string, f Format) (Reader, error) {
	switch f {
	case CSV, NDJSON:
		file, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		var r Reader
		if f == CSV {
			r, err = newCSV(name, file, file)
		} else {
			r, err = newNDJSON(name, file, file)
		}
		if err != nil {
			file.Close()
			return nil, err
		}
		return r, nil
	case XLSX:
		r, err := openXLSX(name, name, "")
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return r, nil
	default:
		return nil, fmt.Errorf("%s: unknown format %q", name, string(f))
	}
}

// OpenReader reads from an io.Reader (for uploads). CSV and NDJSON are streamed straight
// from r. XLSX is a zip archive that needs random access, so OpenReader first copies r to a
// temporary file (os.CreateTemp in the default temp directory, at most 256 MiB) and opens
// that; the file is removed by Close, or at once if OpenReader fails. The caller keeps ownership of r:
// neither OpenReader nor Close closes it.
func OpenReader(name string, f Format, r io.Reader) (Reader, error) {
	switch f {
	case CSV:
		c, err := newCSV(name, r, nil)
		if err != nil {
			return nil, err
		}
		return c, nil
	case NDJSON:
		n, err := newNDJSON(name, r, nil)
		if err != nil {
			return nil, err
		}
		return n, nil
	case XLSX:
		tmp, err := os.CreateTemp("", "pulso-upload-*.xlsx")
		if err != nil {
			return nil, fmt.Errorf("%s: buffering the workbook: %w", name, err)
		}
		path := tmp.Name()
		// Copy one byte more than a workbook may have, so that a larger one is refused
		// without filling the disk.
		n, err := io.Copy(tmp, io.LimitReader(r, defaultLimits.fileBytes+1))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("%s: buffering the workbook: %w", name, err)
		}
		if n > defaultLimits.fileBytes {
			os.Remove(path)
			return nil, &Error{File: name, Reason: fmt.Sprintf("the workbook is larger than %s", size(defaultLimits.fileBytes))}
		}
		rd, err := openXLSX(name, path, path)
		if err != nil {
			os.Remove(path)
			return nil, err
		}
		return rd, nil
	default:
		return nil, fmt.Errorf("%s: unknown format %q", name, string(f))
	}
}

// reasonEmpty is the reason for a file without a header row.
const reasonEmpty = "empty file, no header row"

// maxRecordBytes bounds the size of one CSV record or NDJSON line, so that an unclosed quote
// or a file without line breaks cannot make the reader buffer the whole file.
const maxRecordBytes = 16 << 20

var errTooLarge = errors.New("record too large")

// allEmpty reports whether every field is "".
func allEmpty(fields []string) bool {
	for _, f := range fields {
		if f != "" {
			return false
		}
	}
	return true
}
