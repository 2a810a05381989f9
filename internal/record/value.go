package record

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // country zones must resolve on machines without a zoneinfo database

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
)

// countryZones are the zones of contract v1; other countries are read in UTC.
var countryZones = map[string]string{
	"BR": "America/Sao_Paulo",
	"MX": "America/Mexico_City",
	"CO": "America/Bogota",
	"CL": "America/Santiago",
	"AR": "America/Argentina/Buenos_Aires",
	"PE": "America/Lima",
}

// Zones resolves country codes to time zones. The zero value is not usable; use NewZones.
type Zones struct{ locs map[string]*time.Location }

// NewZones loads the contract's country zones (from the embedded tz database).
func NewZones() *Zones {
	z := &Zones{locs: map[string]*time.Location{}}
	for c, name := range countryZones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			panic(fmt.Sprintf("record: embedded tz database lacks %s: %v", name, err))
		}
		z.locs[c] = loc
	}
	return z
}

// For returns the time zone of a country (UTC for countries without a configured zone).
func (z *Zones) For(country string) *time.Location {
	if loc, ok := z.locs[country]; ok {
		return loc
	}
	return time.UTC
}

// LocalTime resolves a wall-clock time in loc by the contract's rule: a time that occurs twice
// means the earlier instant; one that does not exist is shifted forward by the gap.
func LocalTime(y int, mo time.Month, d, h, mi, s, ns int, loc *time.Location) time.Time {
	wall := time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	if loc == time.UTC {
		return wall
	}
	_, before := wall.Add(-36 * time.Hour).In(loc).Zone()
	_, after := wall.Add(36 * time.Hour).In(loc).Zone()
	var best time.Time
	found := false
	for _, off := range []int{before, after} {
		c := wall.Add(-time.Duration(off) * time.Second)
		if _, o := c.In(loc).Zone(); o == off && (!found || c.Before(best)) {
			best, found = c, true
		}
	}
	if found {
		return best.In(loc)
	}
	// In a gap: read the wall clock with the offset in force before it, which lands the
	// instant the gap's length later on the new clock.
	return wall.Add(-time.Duration(before) * time.Second).In(loc)
}

var errNotTimestamp = valueErr(CodeTimestamp, "not a timestamp (want RFC 3339 like 2026-03-02T14:05:00-03:00, local time like 2026-03-02 14:05:00, or a date 2026-03-02)")

// ParseTimestamp reads an RFC 3339 timestamp with offset, a naive "YYYY-MM-DD[T ]hh:mm[:ss[.f]]"
// in loc, or a date-only "YYYY-MM-DD" (local midnight of that date in loc, dateOnly true).
func ParseTimestamp(s string, loc *time.Location) (t time.Time, dateOnly bool, err error) {
	t, dateOnly, err = parseTimestamp(s, loc)
	if err != nil {
		return time.Time{}, false, err
	}
	if t.Year() < minYear || t.Year() > maxYear {
		return time.Time{}, false, errYear
	}
	return t, dateOnly, nil
}

// Years outside this range are typos (or spreadsheet epochs), not business events.
const minYear, maxYear = 1970, 2199

var errYear = valueErr(CodeYear, fmt.Sprintf("year out of range (%d-%d)", minYear, maxYear), "Min", strconv.Itoa(minYear), "Max", strconv.Itoa(maxYear))

func parseTimestamp(s string, loc *time.Location) (t time.Time, dateOnly bool, err error) {
	if w, ok := fastNaive(s); ok {
		return LocalTime(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc), false, nil
	}
	if len(s) == 10 {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, false, errNotTimestamp
		}
		return LocalTime(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), true, nil
	}
	if len(s) < 16 || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') {
		return time.Time{}, false, errNotTimestamp
	}
	norm := s[:10] + "T" + s[11:]
	if hasOffset(norm) {
		t, err := time.Parse(time.RFC3339Nano, strings.Replace(norm, "z", "Z", 1))
		if err != nil {
			// RFC 3339 requires seconds; accept hh:mm with an offset too.
			if t2, err2 := time.Parse("2006-01-02T15:04Z07:00", norm); err2 == nil {
				return t2, false, nil
			}
			return time.Time{}, false, timestampErr("not a valid timestamp with offset", s, err)
		}
		return t, false, nil
	}
	layout := "2006-01-02T15:04:05"
	if len(norm) == 16 {
		layout = "2006-01-02T15:04"
	} else if len(norm) > 19 {
		layout = "2006-01-02T15:04:05.999999999"
	}
	w, err := time.Parse(layout, norm)
	if err != nil {
		return time.Time{}, false, timestampErr("not a valid local timestamp", s, err)
	}
	return LocalTime(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc), false, nil
}

func hasOffset(s string) bool {
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		return true
	}
	// an offset is ±hh:mm (or ±hhmm) after the time part
	tail := s[16:]
	return strings.ContainsAny(tail, "+-")
}

// timestampErr explains a failed time.Parse of raw (parsed as a normalised copy of the same
// length: 'T' between date and time, 'Z' for 'z'). The part that could not be read is quoted
// as the file writes it, not as the copy does.
func timestampErr(prefix, raw string, err error) *ValueError {
	var pe *time.ParseError
	if !errors.As(err, &pe) {
		return valueErr(CodeTimestamp, prefix+": "+err.Error())
	}
	if pe.Message != "" {
		msg := strings.TrimPrefix(pe.Message, ": ")
		if strings.HasSuffix(msg, "out of range") {
			return valueErr(CodeTimestampRange, prefix+": "+msg)
		}
		return valueErr(CodeTimestamp, prefix+": "+msg)
	}
	elem := pe.ValueElem
	if len(elem) <= len(raw) {
		elem = raw[len(raw)-len(elem):]
	}
	return valueErr(CodeTimestamp, fmt.Sprintf("%s: cannot read %q", prefix, elem))
}

var errNotDate = valueErr(CodeDate, "not a date (want YYYY-MM-DD)")

// ParseDate reads YYYY-MM-DD (a leading date of a timestamp is not accepted: dates are dates).
func ParseDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, errNotDate
	}
	if d.Year() < minYear || d.Year() > maxYear {
		return time.Time{}, errYear
	}
	return d, nil
}

// MaxDecimal bounds the magnitude of every decimal value (amounts, rates, scores): ten
// trillion, more than any single order, parcel or daily ad spend in any currency of the
// contract (1e13 COP is about 2.5e9 USD). With it, the sum of even 10^12 values stays below
// 1e25, far from float64's overflow (1.8e308), so no KPI can turn into +Inf, and amounts keep
// cents exactly (1e13 with two decimals is within float64's 15–16 significant digits).
const MaxDecimal = 1e13

// MaxInt bounds the magnitude of every whole number (units, counts, impressions, lines): one
// trillion, so that sums of 10^6 rows stay inside int64 (9.2e18) and every value is exact as
// a float64 (below 2^53), where KPIs divide counts.
const MaxInt = 1_000_000_000_000

var (
	errNotFinite   = valueErr(CodeNotFinite, "not a finite number (NaN and infinities are not values)")
	errTooLarge    = valueErr(CodeTooLarge, fmt.Sprintf("too large: the magnitude must be at most %g", float64(MaxDecimal)), "Limit", number(MaxDecimal))
	errIntTooLarge = valueErr(CodeTooLarge, fmt.Sprintf("too large: the magnitude must be at most %d", int64(MaxInt)), "Limit", number(MaxInt))
	errNotDecimal  = valueErr(CodeDecimal, "not a decimal number (write it like 1234.56: '.' for decimals, no thousands separators)")
	errNotWhole    = valueErr(CodeNotWhole, "not a whole number")
	errNotBool     = valueErr(CodeBool, "not a boolean (true/false, 1/0, yes/no, sí/no, sim/não)")
)

// ParseDecimal reads a decimal number written with '.' as the separator and no grouping. NaN,
// infinities and magnitudes above MaxDecimal are refused, so that stored amounts always sum to
// a finite number.
func ParseDecimal(s string) (float64, error) {
	bad := errNotDecimal
	if s == "" {
		return 0, bad
	}
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "nan", "inf", "infinity", "∞":
		return 0, errNotFinite
	}
	digits, dot := 0, false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' && !dot:
			dot = true
		case (r == '-' || r == '+') && i == 0:
		case (r == 'e' || r == 'E') && digits > 0:
			// exponent form, as JSON numbers and spreadsheets write large values
			f, err := strconv.ParseFloat(s, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return 0, bad
			}
			return finite(f)
		default:
			return 0, bad
		}
	}
	if digits == 0 {
		return 0, bad
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, bad
	}
	return finite(f)
}

// finite checks a parsed decimal against MaxDecimal (ParseFloat gives ±Inf for 1e400, and 0
// for 1e-400, which is right).
func finite(f float64) (float64, error) {
	switch {
	case math.IsNaN(f):
		return 0, errNotFinite
	case math.Abs(f) > MaxDecimal: // ±Inf included
		return 0, errTooLarge
	}
	return f, nil
}

// ParseInt reads a whole number; "3.0" (as spreadsheets write it) is accepted. Magnitudes
// above MaxInt are refused.
func ParseInt(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > MaxInt || n < -MaxInt {
			return 0, errIntTooLarge
		}
		return n, nil
	}
	f, err := ParseDecimal(s)
	if err == errNotFinite {
		return 0, errNotFinite
	}
	if err == errTooLarge || (err == nil && math.Abs(f) > MaxInt) {
		return 0, errIntTooLarge
	}
	if err != nil || f != math.Trunc(f) {
		return 0, errNotWhole
	}
	return int64(f), nil
}

// ParseBool reads the contract's boolean spellings, in any case.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1", "yes", "sí", "si", "sim", "t", "y":
		return true, nil
	case "false", "0", "no", "não", "nao", "f", "n":
		return false, nil
	}
	return false, errNotBool
}

var (
	errCountryFormat   = valueErr(CodeCountryFormat, "not an ISO 3166-1 alpha-2 country code (e.g. BR, MX, CO, CL, AR, PE)")
	errCountryUnknown  = valueErr(CodeCountryUnknown, "unknown country code (want ISO 3166-1 alpha-2, e.g. BR, MX, CO, CL, AR, PE)")
	errCurrencyFormat  = valueErr(CodeCurrencyFormat, "not an ISO 4217 currency code (e.g. BRL, MXN, USD)")
	errCurrencyUnknown = valueErr(CodeCurrencyUnknown, "unknown currency code (want ISO 4217, e.g. BRL, MXN, USD)")
)

// ParseCountry reads an ISO 3166-1 alpha-2 code (any case) and returns it upper-case.
func ParseCountry(s string) (string, error) {
	if len(s) != 2 {
		return "", errCountryFormat
	}
	r, err := language.ParseRegion(s)
	if err != nil || !r.IsCountry() {
		return "", errCountryUnknown
	}
	return r.String(), nil
}

// ParseCurrency reads an ISO 4217 code (any case) and returns it upper-case.
func ParseCurrency(s string) (string, error) {
	if len(s) != 3 {
		return "", errCurrencyFormat
	}
	u, err := currency.ParseISO(s)
	if err != nil || u.String() == "XXX" || u.String() == "XTS" {
		return "", errCurrencyUnknown
	}
	return u.String(), nil
}

// fastNaive reads the common "YYYY-MM-DD hh:mm:ss" (or with T) without time.Parse; anything
// else, or anything out of range, is left to the general path and its error messages.
func fastNaive(s string) (time.Time, bool) {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	n := func(i, w int) int {
		v := 0
		for j := i; j < i+w; j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := n(0, 4), n(5, 2), n(8, 2), n(11, 2), n(14, 2), n(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	if d > daysIn(time.Month(mo), y) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC), true
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
