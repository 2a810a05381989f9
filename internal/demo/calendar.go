package demo

import (
	"math"
	"time"
)

// Demand: a local diurnal curve, a weekly pattern, a gentle upward trend, monthly seasonality and
// the retail events of platform-rules.md (whichever fall in the generated window).

var hourWeights = [24]float64{
	0.9, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2.2, 3.2, 4.0, 4.4,
	4.6, 4.3, 4.2, 4.3, 4.5, 4.6, 4.8, 5.2, 5.6, 5.5, 4.5, 2.5,
}

// weekdayFactor, Sunday first: a Monday peak and a Saturday dip.
var weekdayFactor = [7]float64{0.93, 1.08, 1.05, 1.02, 1.0, 0.97, 0.88}

var monthFactor = [13]float64{0, 0.92, 0.90, 0.97, 0.96, 1.0, 0.98, 1.0, 1.0, 0.97, 1.0, 1.08, 1.12}

func nthWeekday(y int, m time.Month, wd, n int) int {
	first := dayNumber(y, m, 1)
	return first + (wd-weekday(first)+7)%7 + 7*(n-1)
}

func lastWeekday(y int, m time.Month, wd int) int {
	last := dayNumber(y, m+1, 1) - 1
	return last - (weekday(last)-wd+7)%7
}

// event is a named retail event (for documentation and tests).
type event struct {
	country string // "" for all
	name    string
	first   int // day number
	days    int
}

// eventsOf lists the retail events of year y that the demo models.
func eventsOf(y int) []event {
	bf := nthWeekday(y, time.November, 4, 4) + 1 // Friday after the 4th Thursday
	return []event{
		{"", "11.11", dayNumber(y, time.November, 11), 1},
		{"", "black_friday", bf, 1},
		{"", "cyber_monday", bf + 3, 1},
		{"BR", "dia_das_maes", nthWeekday(y, time.May, 0, 2) - 9, 9},
		{"BR", "dia_dos_namorados", dayNumber(y, time.June, 12) - 5, 5},
		{"BR", "dia_dos_pais", nthWeekday(y, time.August, 0, 2) - 7, 7},
		{"BR", "dia_das_criancas", dayNumber(y, time.October, 12) - 7, 7},
		{"MX", "dia_de_las_madres", dayNumber(y, time.May, 10) - 6, 6},
		{"MX", "hot_sale", lastWeekday(y, time.May, 1), 9},
		{"MX", "el_buen_fin", nthWeekday(y, time.November, 1, 3) - 4, 5},
		{"CL", "cyberday", nthWeekday(y, time.June, 1, 1), 3},
		{"CL", "cybermonday", nthWeekday(y, time.October, 1, 1), 3},
		{"AR", "hot_sale", nthWeekday(y, time.May, 1, 2), 3},
		{"AR", "cybermonday", nthWeekday(y, time.November, 1, 1), 3},
	}
}

var eventBoost = map[string]float64{ // read by key only
	"11.11": 1.6, "black_friday": 1.6, "cyber_monday": 1.45,
	"dia_das_maes": 1.3, "dia_dos_namorados": 1.2, "dia_dos_pais": 1.15, "dia_das_criancas": 1.2,
	"dia_de_las_madres": 1.25, "hot_sale": 1.9, "el_buen_fin": 2.1, "cyberday": 2.4, "cybermonday": 1.9,
}

// demandCurve fills mult[i] for day number first+i: the expected orders of that day relative
// to the country's base volume.
func demandCurve(country string, first, n, windowStart, windowDays int) []float64 {
	mult := make([]float64, n)
	ev := make([]float64, n)
	for i := range ev {
		ev[i] = 1
	}
	boost := func(dn int, m float64) {
		if i := dn - first; i >= 0 && i < n {
			ev[i] *= m
		}
	}
	y0, _, _ := civil(first)
	y1, _, _ := civil(first + n)
	for y := y0 - 1; y <= y1; y++ {
		for _, e := range eventsOf(y) {
			if e.country != "" && e.country != country {
				continue
			}
			m := eventBoost[e.name]
			if e.name == "black_friday" && country == "BR" {
				m = 3.0
				boost(e.first-1, 1.6) // the Thursday before
				boost(e.first+1, 1.7)
				boost(e.first+2, 1.4)
				for d := dayNumber(y, time.November, 1); d < e.first-1; d++ {
					boost(d, 1.12) // "Black November"
				}
			}
			if e.name == "cyber_monday" && country == "BR" {
				m = 1.8
			}
			for d := 0; d < e.days; d++ {
				mm := m
				if d == 0 && e.days > 1 && m > 1.5 {
					mm = m * 1.15 // the opening day of a sale is its biggest
				}
				boost(e.first+d, mm)
			}
		}
		// Christmas shopping, and the quiet days around Christmas and New Year
		for d := dayNumber(y, time.December, 1); d <= dayNumber(y, time.December, 20); d++ {
			boost(d, 1.18)
		}
		boost(dayNumber(y, time.December, 24), 0.75)
		boost(dayNumber(y, time.December, 25), 0.55)
		boost(dayNumber(y, time.December, 31), 0.75)
		boost(dayNumber(y, time.January, 1), 0.6)
	}
	for i := range mult {
		dn := first + i
		_, m, _ := civil(dn)
		trend := math.Exp(0.28 * (float64(dn-windowStart)/float64(windowDays) - 0.5))
		mult[i] = trend * monthFactor[m] * weekdayFactor[weekday(dn)] * ev[i]
	}
	return mult
}
