package demo

import (
	"math"
	"strconv"
	"time"
	_ "time/tzdata" // the country zones must resolve on machines without a zoneinfo database

	"pulso/internal/record"
)

// Calendar days are counted as days since 1970-01-01 ("day numbers"); instants are Unix seconds.

const (
	secPerDay  = 86400
	secPerHour = 3600
	noTime     = int64(0) // an absent timestamp (the epoch is never a real event here)
)

// dayNumber returns the day number of a civil date.
func dayNumber(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secPerDay)
}

// civil converts a day number to its civil date (Howard Hinnant's days → civil algorithm).
func civil(dn int) (y, m, d int) {
	z := int64(dn) + 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mp >= 10 {
		mm = mp - 9
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}

// weekday of a day number, 0 = Sunday.
func weekday(dn int) int { return ((dn+4)%7 + 7) % 7 }

// dateOf returns the civil date of a day number as a UTC midnight time (how record keeps dates).
func dateOf(dn int) time.Time { return time.Unix(int64(dn)*secPerDay, 0).UTC() }

func appendDate(b []byte, dn int) []byte {
	y, m, d := civil(dn)
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, d)
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func appendClock(b []byte, sec int64) []byte {
	b = append2(b, int(sec/3600))
	b = append(b, ':')
	b = append2(b, int(sec/60%60))
	b = append(b, ':')
	return append2(b, int(sec%60))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// zone converts instants to a country's wall clock quickly: the zone's periods (UTC offset
// between transitions) are listed once for the generated range.
type zone struct {
	loc     *time.Location
	periods []zperiod
}

type zperiod struct {
	start    int64 // first instant of the period
	off      int64 // UTC offset in seconds
	ambigEnd int64 // instants in [start, ambigEnd) have a wall clock that also occurred just before
}

func newZone(name string, lo, hi int64) (*zone, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	z := &zone{loc: loc}
	t := time.Unix(lo, 0).In(loc)
	prevOff := int64(math.MinInt32)
	for {
		start, end := t.ZoneBounds()
		_, off := t.Zone()
		p := zperiod{start: math.MinInt64, off: int64(off)}
		if len(z.periods) > 0 {
			p.start = start.Unix()
			p.ambigEnd = p.start
			if prevOff > p.off {
				p.ambigEnd = p.start + prevOff - p.off
			}
		}
		z.periods = append(z.periods, p)
		prevOff = p.off
		if end.IsZero() || end.Unix() > hi {
			break
		}
		t = end.In(loc)
	}
	return z, nil
}

func (z *zone) period(t int64) *zperiod {
	for i := len(z.periods) - 1; i > 0; i-- {
		if t >= z.periods[i].start {
			return &z.periods[i]
		}
	}
	return &z.periods[0]
}

// localDay is the day number of the instant's local date.
func (z *zone) localDay(t int64) int { return int(floorDiv(t+z.period(t).off, secPerDay)) }

// midnight is the first instant of a local date, by the contract's rule for local times
// (a midnight that does not exist moves forward by the gap, as it does when the record
// package reads a date-only value).
func (z *zone) midnight(dn int) int64 {
	y, m, d := civil(dn)
	return record.LocalTime(y, time.Month(m), d, 0, 0, 0, 0, z.loc).Unix()
}

// Timestamp styles: how one row writes its timestamps.
const (
	styleNaive  = iota // 2026-03-02 14:05:00, local time of the country
	styleOffset        // 2026-03-02T14:05:00-03:00
	styleUTC           // 2026-03-02T17:05:00Z
)

// appendTS writes an instant in a style. A naive wall clock that occurs twice (when clocks go
// back) means the earlier instant, so the later one is written with its offset instead.
func (z *zone) appendTS(b []byte, t int64, style int) []byte {
	if style == styleUTC {
		b = appendDate(b, int(floorDiv(t, secPerDay)))
		b = append(b, 'T')
		b = appendClock(b, t-floorDiv(t, secPerDay)*secPerDay)
		return append(b, 'Z')
	}
	p := z.period(t)
	if style == styleNaive && t < p.ambigEnd {
		style = styleOffset
	}
	w := t + p.off
	day := floorDiv(w, secPerDay)
	b = appendDate(b, int(day))
	if style == styleNaive {
		b = append(b, ' ')
	} else {
		b = append(b, 'T')
	}
	b = appendClock(b, w-day*secPerDay)
	if style == styleNaive {
		return b
	}
	off := p.off
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	b = append2(b, int(off/3600))
	b = append(b, ':')
	return append2(b, int(off/60%60))
}

// appendMoney writes an amount with the currency's usual decimals (none for COP and CLP).
func appendMoney(b []byte, v float64, decimals int) []byte {
	return strconv.AppendFloat(b, v, 'f', decimals, 64)
}
