package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"pulso/internal/i18n"
	"pulso/internal/ingest"
	"pulso/internal/ingest/reader"
	"pulso/internal/record"
)

// Limits of the check report.
const (
	maxReportedRows = 100
	previewRows     = 10 // the first rows, shown whether good or bad
	previewBadRows  = 20 // bad rows shown in the preview, the first rows' included
)

// checkReport is what the import check finds: how many rows, which are bad and why, and a
// preview of the first rows and of the bad ones (personal columns left out).
type checkReport struct {
	Kind      string       `json:"kind"`
	File      string       `json:"file"`
	Rows      int          `json:"rows"`
	BadRows   int          `json:"bad_rows"`
	Problems  []rowProblem `json:"problems"`
	Truncated bool         `json:"truncated"` // more problems than listed
	// FileError is why the file as a whole cannot be imported (its format, its header, a
	// refused workbook), as the reader or parser says it; FileProblem is the same for the
	// page, in the user's language when it has a code.
	FileError   string     `json:"file_error,omitempty"`
	FileProblem rowProblem `json:"-"`
	// Dropped are the extra columns whose values look like personal data and will not be
	// stored; Pseudonymised the ones the user keeps as keyed hashes instead.
	Dropped       []droppedColumn `json:"dropped,omitempty"`
	Pseudonymised []string        `json:"pseudonymised,omitempty"`
	// ScopeRows are rows outside the user's countries or platforms: skipping bad rows does
	// not skip them (the store refuses the whole batch).
	ScopeRows int          `json:"-"`
	Columns   []string     `json:"-"`
	Preview   []previewRow `json:"-"`
	// Header is the file's header as read and Mapping the names its columns are read as (file
	// column, normalised → contract column); Suggested is what the header synonyms propose
	// before the user chose; Fields are the kind's columns to map to.
	Header        []string          `json:"-"`
	Mapping       map[string]string `json:"-"`
	Suggested     map[string]string `json:"-"`
	Fields        []string          `json:"-"`
	HeaderProblem bool              `json:"-"`
}

type droppedColumn struct {
	Column string `json:"column"`
	Values int64  `json:"values"`
}

// previewRow is one row of the preview: its number, its cells (the kind's columns the file
// has) and, when bad, its problems that no shown cell holds.
type previewRow struct {
	Row   int
	Gap   bool // rows were left out before this one
	Bad   bool
	Cells []previewCell
	Other []rowProblem
}

// previewCell is a value exactly as the file has it, with its problem if it is wrong.
type previewCell struct {
	Value   string
	Bad     bool
	Problem rowProblem
}

// MappedTo is the contract column a file column is read as ("" keeps it as an attribute):
// the user's choice, else its own name, else the synonyms' suggestion.
func (r *checkReport) MappedTo(fileColumn string) string {
	n := record.NormalizeHeader(fileColumn)
	if r.Mapping != nil {
		return r.Mapping[n]
	}
	if slices.Contains(r.Fields, n) {
		return n
	}
	return r.Suggested[n]
}

// IsSuggested tells whether a file column's mapping is a suggestion the user has not confirmed.
func (r *checkReport) IsSuggested(fileColumn string) bool {
	_, ok := r.Suggested[record.NormalizeHeader(fileColumn)]
	return ok && r.Mapping == nil
}

// OfferMapping tells whether the page shows the mapping step: the header does not fit the
// kind, or some of its columns look like contract columns under another name.
func (r *checkReport) OfferMapping() bool {
	return r.Header != nil && (r.HeaderProblem || (r.Mapping == nil && len(r.Suggested) > 0))
}

// Skippable tells whether the valid rows may be applied without the bad ones.
func (r *checkReport) Skippable() bool {
	return r.FileError == "" && r.BadRows > 0 && r.ScopeRows == 0 && r.Rows > r.BadRows
}

// PreviewWidth is the preview's number of columns: the row number, the kind's columns, and
// the problems no shown cell holds, when there are such.
func (r *checkReport) PreviewWidth() int {
	n := len(r.Columns) + 1
	if r.PreviewOther() {
		n++
	}
	return n
}

// PreviewOther tells whether a row of the preview has a problem that no shown cell holds
// (a row with too many fields, a column the file lacks).
func (r *checkReport) PreviewOther() bool {
	for _, p := range r.Preview {
		if len(p.Other) > 0 {
			return true
		}
	}
	return false
}

// PreviewGaps tells whether the preview shows bad rows past the first ones.
func (r *checkReport) PreviewGaps() bool {
	for _, p := range r.Preview {
		if p.Gap {
			return true
		}
	}
	return false
}

// rowProblem is one bad value: the row a spreadsheet shows, the column, the value as the file
// writes it, and the reason (English, as the command line says it) with its code and
// arguments, which the page and the API say in the user's language.
type rowProblem struct {
	Row     int               `json:"row"`
	Column  string            `json:"column,omitempty"`
	Value   string            `json:"value,omitempty"`
	Reason  string            `json:"reason"`
	Code    string            `json:"code,omitempty"`
	Args    map[string]string `json:"args,omitempty"`
	Message string            `json:"message,omitempty"` // Reason in the user's language (API)
	Key     string            `json:"-"`                 // i18n key of a reason the web layer gives
}

// problemText says a problem in the user's language: the web layer's own reasons by key, the
// parser's by code, and the English reason when neither is known. The API says it so, with the
// contract's names (columns, allowed values) as they are.
func problemText(loc *i18n.Localizer, p *rowProblem) string { return problemSay(loc, p, false) }

// problemHTML is problemText for a page: the contract's names it quotes (a column the header
// lacks, the values a column allows) are code, each after its name in the user's language.
func problemHTML(loc *i18n.Localizer, p *rowProblem) template.HTML {
	return template.HTML(problemSay(loc, p, true))
}

func problemSay(loc *i18n.Localizer, p *rowProblem, page bool) string {
	esc := func(s string) string {
		if page {
			return html.EscapeString(s)
		}
		return s
	}
	if p.Key != "" {
		return esc(loc.MustT(p.Key, nil))
	}
	if p.Code != "" {
		data := make(map[string]any, len(p.Args))
		var marks []string // on a page: each argument as HTML, at its mark in the message
		for k, v := range p.Args {
			if f, err := strconv.ParseFloat(v, 64); err == nil && k == "Limit" {
				v = loc.Number(f, 0)
			}
			if !page {
				data[k] = v
				continue
			}
			arg := html.EscapeString(v)
			switch {
			case k == "Columns" && p.Code == string(record.CodeHeaderMissing):
				var names []string
				for c := range strings.SplitSeq(v, ", ") {
					names = append(names, identHTML(loc, "column."+c, c))
				}
				arg = loc.Join(names)
			case k == "Column":
				arg = identHTML(loc, "column."+v, v)
			case k == "Values" && p.Code == string(record.CodeEnum):
				var names []string
				for c := range strings.SplitSeq(v, ", ") {
					names = append(names, identHTML(loc, "enum."+p.Column+"."+c, c))
				}
				arg = loc.Join(names)
			}
			data[k] = "\ue000" + strconv.Itoa(len(marks)) + "\ue001"
			marks = append(marks, arg)
		}
		if s, err := loc.T("import.err."+p.Code, data); err == nil {
			if !page {
				return s
			}
			s = html.EscapeString(s)
			for i, m := range marks {
				s = strings.Replace(s, "\ue000"+strconv.Itoa(i)+"\ue001", m, 1)
			}
			return s
		}
	}
	return esc(p.Reason)
}

// identHTML is a name of the contract as a page shows it: its message (key) in the user's
// language, then the name as code; the name alone when it has no message.
func identHTML(loc *i18n.Localizer, key, name string) string {
	code := `<code class="ident">` + html.EscapeString(name) + `</code>`
	if s, err := loc.T(key, nil); err == nil && s != name {
		return html.EscapeString(s) + " " + code
	}
	return code
}

// translate fills each problem's Message in the user's language (for the API's report).
func (r *checkReport) translate(loc *i18n.Localizer) {
	if r == nil {
		return
	}
	for i := range r.Problems {
		r.Problems[i].Message = problemText(loc, &r.Problems[i])
	}
}

// OK tells whether the file can be committed.
func (r *checkReport) OK() bool { return r.FileError == "" && r.BadRows == 0 && r.Rows > 0 }

// checkOptions are the user's choices a file is checked (and later imported) with.
type checkOptions struct {
	Mapping      map[string]string
	Pseudonymise []string
}

// checkFile reads a whole file of a kind the way ingest will, without storing anything: it
// reports every bad row (up to a limit) instead of stopping at the first, and refuses rows
// outside the user's countries and platforms.
func (s *server) checkFile(ctx context.Context, u *User, kind *record.Kind, name string, f reader.Format, path string, opt checkOptions) (*checkReport, error) {
	rep := &checkReport{Kind: kind.Name, File: name, Mapping: opt.Mapping}
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
	opened, err := reader.OpenReader(name, f, fh)
	if err != nil {
		rep.refuse(err)
		return rep, nil
	}
	defer opened.Close()
	rd := ingest.WithoutRejectNotes(name, opened) // a fixed reject file checks as it imports
	secret, err := s.cfg.Store.TenantSecret(ctx, u.Tenant)
	if err != nil {
		return nil, err
	}
	rep.Header = slices.Clone(rd.Header())
	if opt.Mapping == nil {
		rep.Suggested = record.SuggestMapping(kind, rep.Header)
	}
	header := ingest.RenameHeader(rep.Header, opt.Mapping)
	parseOpt := record.ParseOptions{Pseudonymise: opt.Pseudonymise}
	p, err := record.NewParserWith(kind, header, record.NewZones(), secret, parseOpt)
	if err != nil {
		rep.refuse(err)
		var he *record.HeaderError
		rep.HeaderProblem = errors.As(err, &he)
		return rep, nil
	}
	for _, c := range opt.Pseudonymise {
		if slices.ContainsFunc(header, func(h string) bool { return record.NormalizeHeader(h) == record.NormalizeHeader(c) }) {
			rep.Pseudonymised = append(rep.Pseudonymised, record.NormalizeHeader(c))
		}
	}
	// The preview shows the kind's columns as the file has them, never personal ones.
	var show []int
	at := map[string]int{}  // contract column → its position in the preview
	pos := map[string]int{} // contract column → its position in the file
	for i, h := range header {
		c, ok := kind.Column(record.NormalizeHeader(h))
		if !ok {
			continue
		}
		pos[c.Name] = i
		if !c.Pseudo {
			at[c.Name] = len(show)
			show = append(show, i)
			rep.Columns = append(rep.Columns, c.Name)
		}
	}
	scope := u.Scopes.Filters()
	ci, pi := kind.Col("country"), kind.Col("platform")
	parsers := []*record.Parser{p}
	lastShown := 1 // the header's row
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
				rep.refuse(err)
				return rep, nil
			}
			return nil, err
		}
		if len(rd.Header()) > len(header) { // NDJSON met a new key: ingest reads on with the grown header
			header = ingest.RenameHeader(rd.Header(), opt.Mapping)
			if p, err = record.NewParserWith(kind, header, record.NewZones(), secret, parseOpt); err != nil {
				rep.refuse(err)
				return rep, nil
			}
			parsers = append(parsers, p)
		}
		rep.Rows++
		vals, err := p.Parse(row, fields)
		var problems []rowProblem
		var rowErr *record.RowError
		switch {
		case errors.As(err, &rowErr):
			for _, fe := range rowErr.Fields {
				pr := rowProblem{Row: fe.Row, Column: fe.Column, Value: fe.Value, Reason: fe.Reason, Code: string(fe.Code), Args: fe.Args}
				if i, ok := pos[fe.Column]; ok && i < len(fields) && fe.Value != "" {
					pr.Value = fields[i] // as the file writes it, spaces and all
				}
				pr.Value = shorten(pr.Value)
				problems = append(problems, pr)
			}
		case err != nil:
			problems = append(problems, rowProblem{Row: row, Reason: err.Error()})
		default:
			scoped := false
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
					raw := v
					if i, ok := pos[chk.dim]; ok && i < len(fields) {
						raw = fields[i]
					}
					problems = append(problems, rowProblem{Row: row, Column: chk.dim, Value: shorten(raw), Key: "import.out_of_scope",
						Reason: fmt.Sprintf("outside your scope (%v)", allowed)})
					scoped = true
				}
			}
			if scoped {
				rep.ScopeRows++
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
		if rep.Rows <= previewRows || (len(problems) > 0 && rep.previewBad() < previewBadRows) {
			pr := previewRow{Row: row, Gap: row > lastShown+1, Bad: len(problems) > 0, Cells: make([]previewCell, len(show))}
			for j, i := range show {
				if i < len(fields) {
					pr.Cells[j].Value = fields[i]
				}
			}
			for k := range problems {
				if j, ok := at[problems[k].Column]; ok && !pr.Cells[j].Bad {
					pr.Cells[j].Bad, pr.Cells[j].Problem = true, problems[k]
				} else {
					pr.Other = append(pr.Other, problems[k])
				}
			}
			rep.Preview = append(rep.Preview, pr)
			lastShown = row
		}
	}
	if rep.Rows == 0 {
		// as ingest refuses it: the wrong sheet or a filter left on, not an import
		rep.FileError = name + ": no rows to import"
		rep.FileProblem = rowProblem{Reason: rep.FileError, Key: "import.no_rows"}
	}
	var dropped map[string]int64
	for _, p := range parsers {
		for _, d := range p.Dropped() {
			if dropped == nil {
				dropped = map[string]int64{}
			}
			dropped[d.Column] += d.Values
		}
	}
	for _, h := range header { // in the file's order
		if n := record.NormalizeHeader(h); dropped[n] > 0 {
			rep.Dropped = append(rep.Dropped, droppedColumn{Column: n, Values: dropped[n]})
		}
	}
	return rep, nil
}

// previewBad counts the bad rows in the preview.
func (r *checkReport) previewBad() int {
	n := 0
	for _, p := range r.Preview {
		if p.Bad {
			n++
		}
	}
	return n
}

// refuse records why the file as a whole cannot be imported.
func (r *checkReport) refuse(err error) {
	r.FileError = err.Error()
	r.FileProblem = rowProblem{Reason: err.Error()}
	var he *record.HeaderError
	if errors.As(err, &he) {
		r.FileProblem.Code, r.FileProblem.Args = string(he.Code), he.Args
	}
}

func shorten(s string) string {
	r := []rune(s)
	if len(r) <= 40 {
		return s
	}
	return string(r[:40]) + "…"
}
