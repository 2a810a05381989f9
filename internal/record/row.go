package record

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// StoredColumn is one column of a kind's table as the stores keep it (without the
// bookkeeping columns tenant_id, batch_id and ingested_at that each store adds).
type StoredColumn struct {
	Name string
	Type Type // LocalDate columns are Date; Attrs is Text
}

// AttrsColumn keeps the source's extra columns as a JSON object of strings.
const AttrsColumn = "attrs"

// Stored lists the stored columns: the contract's columns in order, then the local date of
// every timestamp (computed once at ingest so that buckets never convert zones at query
// time), then the attributes.
func (k *Kind) Stored() []StoredColumn {
	out := make([]StoredColumn, 0, len(k.Columns)+8)
	for _, c := range k.Columns {
		out = append(out, StoredColumn{Name: c.Name, Type: c.Type})
	}
	for _, ts := range k.Timestamps() {
		out = append(out, StoredColumn{Name: LocalDateColumn(ts), Type: Date})
	}
	return append(out, StoredColumn{Name: AttrsColumn, Type: Text})
}

// FieldError is a value that cannot be stored. Row counts from 1 at the header row, so it is
// the row number a spreadsheet shows (for NDJSON: the line number).
type FieldError struct {
	Row    int
	Column string
	Value  string
	Reason string
	// Code and Args say Reason again for a translation (see Code); Error does not use them.
	Code Code
	Args map[string]string
}

func (e *FieldError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
	}
	if e.Value == "" {
		return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Reason)
	}
	return fmt.Sprintf("row %d, column %s: %s (value %q)", e.Row, e.Column, e.Reason, shorten(e.Value))
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:40]) + "…"
}

// RowError holds every field error of one row.
type RowError struct {
	Row    int
	Fields []*FieldError
}

func (e *RowError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return strings.Join(parts, "; ")
}

// Reason is the row's errors without the row number, for a reject file's reason column.
func (e *RowError) Reason() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		g := *f
		parts[i] = strings.TrimPrefix(g.Error(), fmt.Sprintf("row %d, ", f.Row))
		parts[i] = strings.TrimPrefix(parts[i], fmt.Sprintf("row %d: ", f.Row))
	}
	return strings.Join(parts, "; ")
}

// HeaderError is a problem with the header row (missing or duplicated columns).
type HeaderError struct {
	Reason string
	Code   Code // Reason again, for a translation (see Code)
	Args   map[string]string
}

func (e *HeaderError) Error() string { return "header: " + e.Reason }

// Parser turns raw rows of one kind, in the order of a header, into stored rows.
type Parser struct {
	kind   *Kind
	zones  *Zones
	secret []byte
	pos    []int       // header position of each kind column, -1 if absent
	extra  []int       // header positions of the extra columns (attributes)
	mode   []extraMode // per extra column: kept, dropped (personal) or pseudonymised
	drops  []int64     // per extra column: values dropped as personal data
	names  []string    // the header, normalised
	stored int

	mac       hash.Hash // HMAC-SHA256 under secret, reset per value
	sum       []byte
	countries map[string]countryZone // raw country value → code and zone
}

type countryZone struct {
	code string
	loc  *time.Location
	err  error
}

func (p *Parser) country(v string) countryZone {
	if cz, ok := p.countries[v]; ok {
		return cz
	}
	cz := countryZone{loc: time.UTC}
	cz.code, cz.err = ParseCountry(v)
	if cz.err == nil {
		cz.loc = p.zones.For(cz.code)
	}
	if len(p.countries) < 1024 {
		p.countries[v] = cz
	}
	return cz
}

func (p *Parser) pseudonymise(raw string) string {
	p.mac.Reset()
	p.mac.Write([]byte(raw))
	p.sum = p.mac.Sum(p.sum[:0])
	return hex.EncodeToString(p.sum[:16])
}

// NormalizeHeader trims a header cell (and a UTF-8 BOM) and lower-cases it.
func NormalizeHeader(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
}

// extraMode is what happens to an extra column's values.
type extraMode uint8

const (
	extraCheck  extraMode = iota // kept, each value checked (PersonalValue)
	extraDrop                    // its header names personal data: every value dropped
	extraPseudo                  // kept as a pseudonym (ParseOptions.Pseudonymise)
)

// ParseOptions change how a Parser treats extra columns.
type ParseOptions struct {
	// Pseudonymise names extra columns (normalised, see NormalizeHeader) kept as identifiers:
	// their values are stored as the tenant's keyed hash, as buyer_ref is, instead of being
	// dropped when they look personal. Names not in the header are ignored; a contract
	// column is an error.
	Pseudonymise []string
}

// Dropped is an extra column whose values were not stored because they looked like
// personal data.
type Dropped struct {
	Column string
	Values int64 // how many values were dropped
}

// NewParser checks the header against the kind. secret keys the pseudonymisation of
// buyer references; it must be the tenant's own.
func NewParser(k *Kind, header []string, zones *Zones, secret []byte) (*Parser, error) {
	return NewParserWith(k, header, zones, secret, ParseOptions{})
}

// NewParserWith is NewParser with options.
func NewParserWith(k *Kind, header []string, zones *Zones, secret []byte, opt ParseOptions) (*Parser, error) {
	pseudo := map[string]bool{}
	for _, c := range opt.Pseudonymise {
		n := NormalizeHeader(c)
		if col, ok := k.Column(n); ok && !col.Pseudo {
			return nil, headerErr(CodeHeaderPseudo, fmt.Sprintf("column %s is a contract column of %s and cannot be pseudonymised", n, k.Name), "Column", n, "Kind", k.Name)
		}
		pseudo[n] = true
	}
	p := &Parser{kind: k, zones: zones, secret: secret, pos: make([]int, len(k.Columns)), stored: len(k.Stored()),
		mac: hmac.New(sha256.New, secret), countries: map[string]countryZone{}}
	for i := range p.pos {
		p.pos[i] = -1
	}
	seen := map[string]bool{}
	for i, h := range header {
		n := NormalizeHeader(h)
		p.names = append(p.names, n)
		if n == "" {
			return nil, headerErr(CodeHeaderUnnamed, fmt.Sprintf("column %d has no name", i+1), "Position", strconv.Itoa(i+1))
		}
		if seen[n] {
			return nil, headerErr(CodeHeaderTwice, fmt.Sprintf("column %s appears twice", n), "Column", n)
		}
		seen[n] = true
		if ci := k.Col(n); ci >= 0 {
			p.pos[ci] = i
		} else {
			mode := extraCheck
			switch {
			case pseudo[n]:
				mode = extraPseudo
			case PersonalHeader(n):
				mode = extraDrop
			}
			p.extra = append(p.extra, i)
			p.mode = append(p.mode, mode)
		}
	}
	var missing []string
	for ci, c := range k.Columns {
		if c.Required && p.pos[ci] < 0 {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) > 0 {
		return nil, missingColumns(k.Name, missing)
	}
	p.drops = make([]int64, len(p.extra))
	return p, nil
}

// Dropped lists, by header order, the extra columns of which this parser dropped values as
// personal data so far, with how many. A Parser is not safe for concurrent use; callers that
// parse in parallel add up their parsers' counts.
func (p *Parser) Dropped() []Dropped {
	var out []Dropped
	for j, n := range p.drops {
		if n > 0 {
			out = append(out, Dropped{Column: p.names[p.extra[j]], Values: n})
		}
	}
	return out
}

// Kind returns the parser's kind.
func (p *Parser) Kind() *Kind { return p.kind }

// Parse converts one raw row (fields in header order) into a stored row aligned to
// Kind.Stored. row is the number reported in errors.
func (p *Parser) Parse(row int, fields []string) ([]any, error) {
	k := p.kind
	out := make([]any, p.stored)
	var errs []*FieldError
	fail := func(col, val string, err error) {
		code, args := codeOf(err)
		errs = append(errs, &FieldError{Row: row, Column: col, Value: val, Reason: err.Error(), Code: code, Args: args})
	}
	if len(fields) > len(p.names) {
		return nil, &RowError{Row: row, Fields: []*FieldError{{Row: row, Reason: fmt.Sprintf("has %d fields, the header has %d", len(fields), len(p.names)),
			Code: CodeFieldCount, Args: args("Fields", strconv.Itoa(len(fields)), "Header", strconv.Itoa(len(p.names)))}}}
	}
	raw := func(ci int) string {
		if i := p.pos[ci]; i >= 0 && i < len(fields) {
			return strings.TrimSpace(fields[i])
		}
		return ""
	}
	loc := time.UTC
	if ci := k.Col("country"); ci >= 0 {
		if v := raw(ci); v != "" {
			loc = p.country(v).loc
		}
	}
	tsIndex := len(k.Columns)
	hasMoney := false
	for ci, c := range k.Columns {
		v := raw(ci)
		if v == "" {
			if c.Required {
				fail(c.Name, "", errRequired)
			} else if c.Default != nil {
				out[ci] = c.Default
			}
			if c.Type == Timestamp {
				tsIndex++
			}
			continue
		}
		if strings.IndexByte(v, 0) >= 0 {
			fail(c.Name, "", errNUL)
			continue
		}
		switch c.Type {
		case Text:
			if c.Pseudo {
				v = p.pseudonymise(v)
			}
			out[ci] = v
		case Enum:
			lv := strings.ToLower(v)
			if !slices.Contains(c.Values, lv) {
				list := strings.Join(c.Values, ", ")
				fail(c.Name, v, valueErr(CodeEnum, "not one of "+list, "Values", list))
				continue
			}
			out[ci] = lv
		case Country:
			cz := p.country(v)
			if cz.err != nil {
				fail(c.Name, v, cz.err)
				continue
			}
			out[ci] = cz.code
		case Currency:
			cur, err := ParseCurrency(v)
			if err != nil {
				fail(c.Name, v, err)
				continue
			}
			out[ci] = cur
		case Timestamp:
			t, _, err := ParseTimestamp(v, loc)
			if err != nil {
				fail(c.Name, v, err)
				tsIndex++
				continue
			}
			out[ci] = t.UTC()
			local := t.In(loc) // a date-only value is that date's local midnight
			out[tsIndex] = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
			tsIndex++
		case Date:
			d, err := ParseDate(v)
			if err != nil {
				fail(c.Name, v, err)
				continue
			}
			out[ci] = d
		case Decimal:
			f, err := ParseDecimal(v)
			if err != nil {
				fail(c.Name, v, err)
				continue
			}
			if err := bounds(c, f); err != nil {
				fail(c.Name, v, err)
				continue
			}
			out[ci] = f
			hasMoney = hasMoney || c.Money
		case Int:
			n, err := ParseInt(v)
			if err != nil {
				fail(c.Name, v, err)
				continue
			}
			if err := bounds(c, float64(n)); err != nil {
				fail(c.Name, v, err)
				continue
			}
			out[ci] = n
		case Bool:
			b, err := ParseBool(v)
			if err != nil {
				fail(c.Name, v, err)
				continue
			}
			out[ci] = b
		}
	}
	if ci := k.Col("currency"); hasMoney && ci >= 0 && out[ci] == nil && raw(ci) == "" {
		fail("currency", "", errCurrencyNeeded)
	}
	if len(errs) > 0 {
		return nil, &RowError{Row: row, Fields: errs}
	}
	if k.derive != nil {
		k.derive(k, out)
	}
	if len(p.extra) > 0 {
		attrs := make(map[string]string, len(p.extra))
		for j, i := range p.extra {
			if i >= len(fields) || fields[i] == "" {
				continue
			}
			v := fields[i]
			switch p.mode[j] {
			case extraPseudo:
				v = p.pseudonymise(strings.TrimSpace(v))
			case extraDrop:
				p.drops[j]++
				continue
			default:
				if PersonalValue(v) {
					p.drops[j]++
					continue
				}
			}
			attrs[p.names[i]] = v
		}
		if len(attrs) > 0 {
			b, _ := json.Marshal(attrs) // a map of strings always marshals
			out[len(out)-1] = string(b)
		}
	}
	return out, nil
}

var (
	errRequired       = valueErr(CodeRequired, "required value is empty")
	errNUL            = valueErr(CodeNUL, "contains a NUL character")
	errCurrencyNeeded = valueErr(CodeCurrencyNeeded, "required when an amount is present")
	errNegativeAmount = valueErr(CodeNegativeAmount, "must not be negative: it is an amount paid, a price or a cost (fee reversals belong in platform_fee, refunds in returns)")
	errNegative       = valueErr(CodeNegative, "must not be negative")
	errNotPositive    = valueErr(CodeNotPositive, "must be greater than 0")
)

// bounds checks a number against its column's bounds (nil: within them).
func bounds(c Column, f float64) error {
	switch {
	case c.Min != nil && f < *c.Min && *c.Min == 0 && c.Money:
		return errNegativeAmount
	case c.Min != nil && f < *c.Min && *c.Min == 0:
		return errNegative
	case c.Min != nil && f < *c.Min && *c.Min < 1e-9 && *c.Min > 0:
		return errNotPositive
	case c.Min != nil && c.Max != nil && (f < *c.Min || f > *c.Max):
		return valueErr(CodeBetween, fmt.Sprintf("must be between %g and %g", *c.Min, *c.Max), "Min", number(*c.Min), "Max", number(*c.Max))
	case c.Min != nil && f < *c.Min:
		return valueErr(CodeAtLeast, fmt.Sprintf("must be at least %g", *c.Min), "Min", number(*c.Min))
	}
	return nil
}

// Pseudonymise returns the keyed hash (HMAC-SHA256, first 128 bits, hex) of a buyer reference.
func Pseudonymise(secret []byte, raw string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(raw))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// KeyOf returns the key values of a stored row, joined, for de-duplication.
func (k *Kind) KeyOf(row []any) string {
	var b strings.Builder
	for i, name := range k.Key {
		if i > 0 {
			b.WriteByte(0)
		}
		switch v := row[k.Col(name)].(type) {
		case time.Time:
			b.WriteString(v.Format(time.DateOnly))
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}

// Redact returns a copy of a raw row (fields in header order) with the values this parser
// would drop as personal data blanked: every value of an extra column whose header names
// personal data, and each extra value that looks personal. Contract columns and columns kept
// as pseudonyms are left as read. Reject files and previews write rows through it, so that
// what Pulso refuses to store does not end up on its disk either.
func (p *Parser) Redact(fields []string) []string {
	out := slices.Clone(fields)
	for j, i := range p.extra {
		if i >= len(out) {
			continue
		}
		switch p.mode[j] {
		case extraDrop:
			out[i] = ""
		case extraCheck:
			if PersonalValue(out[i]) {
				out[i] = ""
			}
		}
	}
	return out
}
