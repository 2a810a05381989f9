package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"pulso/internal/ingest"
	"pulso/internal/ingest/reader"
	"pulso/internal/record"
)

// Limits of the check report.
const (
	maxReportedRows = 100
	previewRows     = 10
)

// checkReport is what the import check finds: how many rows, which are bad and why, and a
// preview of the first rows (personal columns left out).
type checkReport struct {
	Kind      string       `json:"kind"`
	File      string       `json:"file"`
	Rows      int          `json:"rows"`
	BadRows   int          `json:"bad_rows"`
	Problems  []rowProblem `json:"problems"`
	Truncated bool         `json:"truncated"` // more problems than listed
	FileError string       `json:"file_error,omitempty"`
	Columns   []string     `json:"-"`
	Preview   [][]string   `json:"-"`
	// Header is the file's header as read and Mapping the names its columns are read as (file
	// column, normalised → contract column); Fields are the kind's columns to map to.
	Header        []string          `json:"-"`
	Mapping       map[string]string `json:"-"`
	Fields        []string          `json:"-"`
	HeaderProblem bool              `json:"-"`
}

// MappedTo is the contract column a file column is read as ("" keeps it as an attribute).
func (r *checkReport) MappedTo(fileColumn string) string {
	n := record.NormalizeHeader(fileColumn)
	if to, ok := r.Mapping[n]; ok {
		return to
	}
	if slices.Contains(r.Fields, n) {
		return n
	}
	return ""
}

// rowProblem is one bad value: the row a spreadsheet shows, the column and the reason.
type rowProblem struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
	Key    string `json:"-"` // i18n key of a reason the web layer gives (else Reason, from the parser)
}

// OK tells whether the file can be committed.
func (r *checkReport) OK() bool { return r.FileError == "" && r.BadRows == 0 && r.Rows > 0 }

// checkFile reads a whole file of a kind the way ingest will, without storing anything: it
// reports every bad row (up to a limit) instead of stopping at the first, and refuses rows
// outside the user's countries and platforms.
func (s *server) checkFile(ctx context.Context, u *User, kind *record.Kind, name string, f reader.Format, path string, mapping map[string]string) (*checkReport, error) {
	rep := &checkReport{Kind: kind.Name, File: name, Mapping: mapping}
	for _, c := range kind.Columns {
		if !c.Pseudo {
			rep.Fields = append(rep.Fields, c.Name)
		}
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	rd, err := reader.OpenReader(name, f, fh)
	if err != nil {
		rep.FileError = err.Error()
		return rep, nil
	}
	defer rd.Close()
	secret, err := s.cfg.Store.TenantSecret(ctx, u.Tenant)
	if err != nil {
		return nil, err
	}
	rep.Header = slices.Clone(rd.Header())
	header := ingest.RenameHeader(rep.Header, mapping)
	p, err := record.NewParser(kind, header, record.NewZones(), secret)
	if err != nil {
		rep.FileError = err.Error()
		var he *record.HeaderError
		rep.HeaderProblem = errors.As(err, &he)
		return rep, nil
	}
	// The preview shows the kind's columns as the file has them, never personal ones.
	var show []int
	for i, h := range header {
		c, ok := kind.Column(record.NormalizeHeader(h))
		if ok && !c.Pseudo {
			show = append(show, i)
			rep.Columns = append(rep.Columns, c.Name)
		}
	}
	scope := u.Scopes.Filters()
	ci, pi := kind.Col("country"), kind.Col("platform")
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		row, fields, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *reader.Error
			if errors.As(err, &re) {
				rep.FileError = err.Error()
				return rep, nil
			}
			return nil, err
		}
		rep.Rows++
		if len(rep.Preview) < previewRows {
			cells := make([]string, len(show))
			for j, i := range show {
				if i < len(fields) {
					cells[j] = fields[i]
				}
			}
			rep.Preview = append(rep.Preview, cells)
		}
		vals, err := p.Parse(row, fields)
		var problems []rowProblem
		var rowErr *record.RowError
		switch {
		case errors.As(err, &rowErr):
			for _, fe := range rowErr.Fields {
				problems = append(problems, rowProblem{Row: fe.Row, Column: fe.Column, Value: shorten(fe.Value), Reason: fe.Reason})
			}
		case err != nil:
			problems = append(problems, rowProblem{Row: row, Reason: err.Error()})
		default:
			for _, chk := range []struct {
				col int
				dim string
			}{{ci, "country"}, {pi, "platform"}} {
				allowed, restricted := scope[chk.dim]
				if chk.col < 0 || !restricted {
					continue
				}
				v, _ := vals[chk.col].(string)
				if !slices.Contains(allowed, v) {
					problems = append(problems, rowProblem{Row: row, Column: chk.dim, Value: v, Key: "import.out_of_scope",
						Reason: fmt.Sprintf("outside your scope (%v)", allowed)})
				}
			}
		}
		if len(problems) > 0 {
			rep.BadRows++
			for _, pr := range problems {
				if len(rep.Problems) >= maxReportedRows {
					rep.Truncated = true
					break
				}
				rep.Problems = append(rep.Problems, pr)
			}
		}
	}
	return rep, nil
}

func shorten(s string) string {
	r := []rune(s)
	if len(r) <= 40 {
		return s
	}
	return string(r[:40]) + "…"
}
