package calendar

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed events.yaml
var shippedYAML []byte

// Event is one occurrence of a holiday or event as data: the entries of events.yaml, and what a
// user gives New to add or correct one. Its key is Country, ID and Year.
type Event struct {
	Country   string            // "MX"
	ID        string            // "hot_sale": lower case letters, digits and "_"
	Year      int               // the year the event starts in
	From, To  time.Time         // first and last day, inclusive (only the calendar dates count); To zero: one day
	Kind      Kind              // "" keeps the kind of what it replaces (retail for a new id)
	Names     map[string]string // by locale; may be left out when it replaces a known id
	Estimated bool              // a guess, not the organiser's announcement
}

func keyOf(e Event) eventKey { return eventKey{strings.ToUpper(e.Country), e.ID, e.Year} }

// maxSpanDays bounds an event's length: anything longer is taken for a typo.
const maxSpanDays = 60

// EventError is what is wrong with one entry of an events file or of New's events.
type EventError struct {
	Index int    // position of the entry, from 1
	Line  int    // line of the entry in the YAML, or 0
	Key   string // "MX/hot_sale/2026", as far as the entry says
	Field string // "to"; "" for the entry as a whole
	Msg   string
}

func (e *EventError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "calendar: event %d", e.Index)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, " %s", e.Key)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// Shipped returns the events of the embedded events.yaml.
func Shipped() ([]Event, error) {
	evs, err := LoadEvents(bytes.NewReader(shippedYAML))
	if err != nil {
		return nil, fmt.Errorf("calendar: shipped events.yaml: %w", err)
	}
	return evs, nil
}

// LoadEvents reads an events file (the format of events.yaml: a mapping with one key, "events",
// holding a list of entries) and checks every entry. The error lists every problem found, each an
// *EventError (errors.As finds the first) that names the entry and the field.
func LoadEvents(r io.Reader) ([]Event, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(r).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file
		}
		return nil, fmt.Errorf("calendar: events file: %w", err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("calendar: events file: line %d: want a mapping with the key \"events\"", root.Line)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "events" {
			return nil, fmt.Errorf("calendar: events file: line %d: unknown key %q (want \"events\")", k.Line, k.Value)
		}
		list = v
	}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("calendar: events file: line %d: \"events\" must be a list", list.Line)
	}
	var (
		out  []Event
		errs []error
		seen = make(map[eventKey]int) // key → index of its first entry
	)
	for i, node := range list.Content {
		e, fe := parseEntry(node)
		if node.Kind == yaml.MappingNode {
			parsed := len(fe)
			for _, v := range validate(e) { // a field that did not parse is reported once
				if !slices.ContainsFunc(fe[:parsed], func(f fieldError) bool { return f.field == v.field }) {
					fe = append(fe, v)
				}
			}
		}
		if len(fe) == 0 {
			if first, dup := seen[keyOf(e)]; dup {
				fe = append(fe, fieldError{"id", fmt.Sprintf("repeats event %d (same country, id and year)", first)})
			} else {
				seen[keyOf(e)] = i + 1
			}
		}
		if len(fe) > 0 {
			errs = append(errs, entryErrors(i+1, node.Line, e, fe)...)
			continue
		}
		e.Country = strings.ToUpper(e.Country)
		if e.To.IsZero() {
			e.To = e.From
		}
		out = append(out, e)
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return out, nil
}

type fieldError struct{ field, msg string }

// parseEntry reads one entry's fields, each on its own so that a bad one is named.
func parseEntry(node *yaml.Node) (Event, []fieldError) {
	var e Event
	if node.Kind != yaml.MappingNode {
		return e, []fieldError{{"", "want a mapping (country, id, year, from, to…)"}}
	}
	var fe []fieldError
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i].Value, node.Content[i+1]
		scalar := func() (string, bool) {
			if v.Kind != yaml.ScalarNode {
				fe = append(fe, fieldError{k, "want a single value"})
				return "", false
			}
			return v.Value, true
		}
		switch k {
		case "country":
			e.Country, _ = scalar()
		case "id":
			e.ID, _ = scalar()
		case "year":
			if err := v.Decode(&e.Year); err != nil {
				fe = append(fe, fieldError{k, fmt.Sprintf("%q is not a year", v.Value)})
			}
		case "from", "to":
			s, ok := scalar()
			if !ok {
				continue
			}
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				fe = append(fe, fieldError{k, fmt.Sprintf("%q is not a date YYYY-MM-DD", s)})
				continue
			}
			if k == "from" {
				e.From = d
			} else {
				e.To = d
			}
		case "kind":
			s, _ := scalar()
			e.Kind = Kind(s)
		case "estimated":
			if err := v.Decode(&e.Estimated); err != nil {
				fe = append(fe, fieldError{k, fmt.Sprintf("%q is not true or false", v.Value)})
			}
		case "names":
			if err := v.Decode(&e.Names); err != nil {
				fe = append(fe, fieldError{k, "want a mapping of locale to name (zh-CN, es, pt-BR, en)"})
			}
		case "note": // free text for the people who keep the file
		default:
			fe = append(fe, fieldError{k, "unknown field (want country, id, year, from, to, kind, estimated, names, note)"})
		}
	}
	return e, fe
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// validate checks an event's fields (dates already parsed).
func validate(e Event) []fieldError {
	var fe []fieldError
	bad := func(field, format string, args ...any) {
		fe = append(fe, fieldError{field, fmt.Sprintf(format, args...)})
	}
	switch c := strings.ToUpper(e.Country); {
	case e.Country == "":
		bad("country", "missing")
	case !slices.Contains(Countries(), c):
		bad("country", "%q is not one of %s", e.Country, strings.Join(Countries(), ", "))
	}
	switch {
	case e.ID == "":
		bad("id", "missing")
	case !idPattern.MatchString(e.ID):
		bad("id", "%q must be lower case letters, digits and _ (like hot_sale)", e.ID)
	}
	switch {
	case e.Year == 0:
		bad("year", "missing")
	case e.Year < 1900 || e.Year > 2199:
		bad("year", "%d is out of range", e.Year)
	}
	from, to := dateOf(e.From), dateOf(e.To)
	switch {
	case from.IsZero():
		bad("from", "missing")
	case e.Year != 0 && from.Year() != e.Year:
		bad("from", "%s is not in year %d", from.Format(time.DateOnly), e.Year)
	}
	if !to.IsZero() && !from.IsZero() {
		days := int(to.Sub(from).Hours()/24) + 1
		switch {
		case to.Before(from):
			bad("to", "%s is before from (%s)", to.Format(time.DateOnly), from.Format(time.DateOnly))
		case days > maxSpanDays:
			bad("to", "the event lasts %d days; at most %d", days, maxSpanDays)
		}
	}
	switch e.Kind {
	case "", KindHoliday, KindOptional, KindRetail:
	default:
		bad("kind", "%q is not one of holiday, optional, retail", e.Kind)
	}
	langs := make([]string, 0, len(e.Names))
	for l := range e.Names {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		switch {
		case !slices.Contains(Languages(), l):
			bad("names", "unknown locale %q (want %s)", l, strings.Join(Languages(), ", "))
		case strings.TrimSpace(e.Names[l]) == "":
			bad("names", "the %s name is empty", l)
		}
	}
	return fe
}

func entryErrors(index, line int, e Event, fe []fieldError) []error {
	key := ""
	if e.Country != "" || e.ID != "" || e.Year != 0 {
		year := "?"
		if e.Year != 0 {
			year = strconv.Itoa(e.Year)
		}
		key = cmp.Or(strings.ToUpper(e.Country), "?") + "/" + cmp.Or(e.ID, "?") + "/" + year
	}
	out := make([]error, 0, len(fe))
	for _, f := range fe {
		out = append(out, &EventError{Index: index, Line: line, Key: key, Field: f.field, Msg: f.msg})
	}
	return out
}

// joinErrors joins errs, one per line; errors.As finds the first *EventError.
func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
