// Package calendar says which national holidays and retail events fall on which days in each
// country Pulso serves (AR, BR, CL, CO, MX, PE).
//
// Holidays follow rules written from each country's law (BR and AR through rickar/cal, with its
// mistakes corrected in library.go); retail events whose dates an organiser announces each year
// (Hot Sale, CyberDay, El Buen Fin…) are data in the embedded events.yaml, which a user can
// override entry by entry. Years that the data does not cover fall back to a rule-based guess that
// is flagged Estimated.
package calendar

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Kind says what a day is.
type Kind string

const (
	// KindHoliday is a statutory national day off (a "feriado"/"feriado nacional").
	KindHoliday Kind = "holiday"
	// KindOptional is a day off that the state declares for its own staff and that private
	// employers may or may not give: Brazil's "ponto facultativo" (Carnaval, Corpus Christi),
	// Argentina's "día no laborable" (Jueves Santo, the tourism bridge days). Most shops, banks
	// and carriers slow down, but IsHoliday does not count it.
	KindOptional Kind = "optional"
	// KindRetail is a commercial event (Black Friday, Hot Sale, Dia das Mães…).
	KindRetail Kind = "retail"
)

// Languages lists the locales that every Day has a name in.
func Languages() []string { return []string{"zh-CN", "es", "pt-BR", "en"} }

// Countries lists the supported countries, ISO 3166-1 alpha-2.
func Countries() []string { return []string{"AR", "BR", "CL", "CO", "MX", "PE"} }

// Day is one calendar day of a holiday or event in one country. An event of several days
// (Carnaval, Hot Sale) yields one Day per date.
type Day struct {
	Date      time.Time         // UTC midnight of the local calendar date
	Country   string            // "MX"
	ID        string            // "buen_fin": stable, the key that targets bind to
	Names     map[string]string // by locale: "zh-CN", "es", "pt-BR", "en" (always all four)
	Kind      Kind
	Estimated bool // the organiser had not announced the dates when the calendar was written
}

// Name is the day's name in lang, or in English when lang is not one of the four locales.
func (d Day) Name(lang string) string {
	if n, ok := d.Names[lang]; ok {
		return n
	}
	return d.Names["en"]
}

// Calendar answers date questions for every supported country. It is built once by New and is
// safe for concurrent use (it is never modified after New).
type Calendar struct {
	rules  map[string][]rule    // by country
	events map[eventKey]Event   // shipped events.yaml merged with the caller's events
	byYear map[cyKey][]eventKey // events by country and year, sorted by id
	byID   map[string]Event     // "country/id": the event of that id added last
}

type eventKey struct {
	country, id string
	year        int
}

func (k eventKey) String() string { return fmt.Sprintf("%s/%s/%d", k.country, k.id, k.year) }

type cyKey struct {
	country string
	year    int
}

// New builds a calendar from the shipped rules, the shipped events.yaml and the caller's events.
// An event replaces whatever has the same country, id and year: a shipped event, or the date a
// rule gives for that year (so a decree that moves a holiday is one entry). Later events in extra
// replace earlier ones, so several files can be layered. An event with a new id must have at least
// one name; an event that replaces one may leave names and kind out to keep the original's.
func New(extra ...Event) (*Calendar, error) {
	shipped, err := Shipped()
	if err != nil {
		return nil, err
	}
	c := &Calendar{
		rules:  make(map[string][]rule),
		events: make(map[eventKey]Event),
		byYear: make(map[cyKey][]eventKey),
		byID:   make(map[string]Event),
	}
	for _, country := range Countries() {
		c.rules[country] = rulesFor(country)
	}
	var errs []error
	for i, e := range extra {
		if fe := validate(e); len(fe) > 0 {
			errs = append(errs, entryErrors(i+1, 0, e, fe)...)
		}
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	for _, e := range shipped {
		if err := c.add(e); err != nil {
			return nil, fmt.Errorf("calendar: shipped events.yaml: %w", err)
		}
	}
	for i, e := range extra {
		if err := c.add(e); err != nil {
			return nil, &EventError{Index: i + 1, Key: keyOf(e).String(), Field: "names", Msg: err.Error()}
		}
	}
	for k, keys := range c.byYear {
		slices.SortFunc(keys, func(a, b eventKey) int { return cmp.Compare(a.id, b.id) })
		c.byYear[k] = keys
	}
	return c, nil
}

// add stores e over anything with the same key, completing its kind and names from what it
// replaces, from the rule of the same id, or from another year's event of the same id.
func (c *Calendar) add(e Event) error {
	e.Country = strings.ToUpper(e.Country)
	e.From, e.To = dateOf(e.From), dateOf(e.To)
	if e.To.IsZero() {
		e.To = e.From
	}
	k := keyOf(e)
	baseKind, baseNames := c.base(k)
	if e.Kind == "" {
		e.Kind = cmp.Or(baseKind, KindRetail)
	}
	if len(e.Names) == 0 && baseNames == nil {
		return fmt.Errorf("missing: %s is a new event id, give it at least one name", k.id)
	}
	e.Names = completeNames(e.Names, baseNames, k.id)
	if _, dup := c.events[k]; !dup {
		cy := cyKey{k.country, k.year}
		c.byYear[cy] = append(c.byYear[cy], k)
	}
	c.events[k] = e
	c.byID[k.country+"/"+k.id] = e
	return nil
}

func (c *Calendar) base(k eventKey) (Kind, map[string]string) {
	if e, ok := c.events[k]; ok {
		return e.Kind, e.Names
	}
	for _, r := range c.rules[k.country] {
		if r.id == k.id {
			return r.kind, r.names
		}
	}
	if e, ok := c.byID[k.country+"/"+k.id]; ok {
		return e.Kind, e.Names
	}
	return "", nil
}

// completeNames fills the locales that names lacks from base, then from English, Spanish,
// Portuguese or Chinese (the first given), then from the id itself.
func completeNames(names, base map[string]string, id string) map[string]string {
	out := make(map[string]string, 4)
	maps.Copy(out, base)
	maps.Copy(out, names)
	fallback := id
	for _, l := range []string{"zh-CN", "pt-BR", "es", "en"} { // last given wins: en first
		if n := out[l]; n != "" {
			fallback = n
		}
	}
	for _, l := range Languages() {
		if out[l] == "" {
			out[l] = fallback
		}
	}
	return out
}

// occurrences lists every holiday and event of a country in year y (each once, as a span).
func (c *Calendar) occurrences(country string, y int) []Event {
	var out []Event
	for _, r := range c.rules[country] {
		if _, replaced := c.events[eventKey{country, r.id, y}]; replaced {
			continue
		}
		if from, to, ok := r.dates(y); ok {
			out = append(out, Event{Country: country, ID: r.id, Year: y, From: from, To: to,
				Kind: r.kind, Names: r.names, Estimated: r.estimated})
		}
	}
	for _, k := range c.byYear[cyKey{country, y}] {
		out = append(out, c.events[k])
	}
	return out
}

// Days lists every day of a holiday or event of country from from to to, both included (only
// their calendar dates count), sorted by date, then holidays before optional days before retail
// events, then by id. An unknown country has none.
func (c *Calendar) Days(country string, from, to time.Time) []Day {
	country = strings.ToUpper(country)
	from, to = dateOf(from), dateOf(to)
	var out []Day
	// An occurrence lasts at most maxSpanDays, so one that starts the year before can reach in.
	for y := from.Year() - 1; y <= to.Year(); y++ {
		for _, e := range c.occurrences(country, y) {
			for d := later(e.From, from); !d.After(e.To) && !d.After(to); d = d.AddDate(0, 0, 1) {
				out = append(out, Day{Date: d, Country: country, ID: e.ID, Names: maps.Clone(e.Names),
					Kind: e.Kind, Estimated: e.Estimated})
			}
		}
	}
	slices.SortFunc(out, func(a, b Day) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)),
			cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Active lists the holidays and events of country on the calendar date of d (as Days does).
func (c *Calendar) Active(country string, d time.Time) []Day { return c.Days(country, d, d) }

// IsHoliday reports whether the calendar date of d is a statutory national holiday in country
// (KindHoliday; optional days and retail events do not count).
func (c *Calendar) IsHoliday(country string, d time.Time) bool {
	for _, day := range c.Active(country, d) {
		if day.Kind == KindHoliday {
			return true
		}
	}
	return false
}

// Event gives the first and last day (UTC midnight, inclusive) of the holiday or event id of
// country in year, e.g. ("MX", "buen_fin", 2026). ok is false when it does not occur that year.
// Whether the dates are a guess is in the Estimated of the Days.
func (c *Calendar) Event(country, id string, year int) (from, to time.Time, ok bool) {
	country = strings.ToUpper(country)
	if e, found := c.events[eventKey{country, id, year}]; found {
		return e.From, e.To, true
	}
	for _, r := range c.rules[country] {
		if r.id == id {
			return r.dates(year)
		}
	}
	return time.Time{}, time.Time{}, false
}

func kindOrder(k Kind) int {
	switch k {
	case KindHoliday:
		return 0
	case KindOptional:
		return 1
	}
	return 2
}

// dateOf is the calendar date of t, as written in t's own location, at UTC midnight.
func dateOf(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
