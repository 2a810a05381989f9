package calendar

import (
	"math"
	"time"
)

// juneSolstice is the instant (UTC) of the June solstice of year y, by Meeus, Astronomical
// Algorithms, ch. 27 (mean instant plus the 24 periodic terms; a minute or so of error for
// 1000–3000), with ΔT taken as 69 s (its value in the 2020s). Chile's Día de los Pueblos Indígenas
// is the date of this instant.
func juneSolstice(y int) time.Time {
	Y := (float64(y) - 2000) / 1000
	jde0 := 2451716.56767 + 365241.62603*Y + 0.00325*Y*Y + 0.00888*Y*Y*Y - 0.00030*Y*Y*Y*Y
	t := (jde0 - 2451545.0) / 36525
	rad := math.Pi / 180
	w := (35999.373*t - 2.47) * rad
	dl := 1 + 0.0334*math.Cos(w) + 0.0007*math.Cos(2*w)
	terms := [24][3]float64{
		{485, 324.96, 1934.136}, {203, 337.23, 32964.467}, {199, 342.08, 20.186},
		{182, 27.85, 445267.112}, {156, 73.14, 45036.886}, {136, 171.52, 22518.443},
		{77, 222.54, 65928.934}, {74, 296.72, 3034.906}, {70, 243.58, 9037.513},
		{58, 119.81, 33718.147}, {52, 297.17, 150.678}, {50, 21.02, 2281.226},
		{45, 247.54, 29929.562}, {44, 325.15, 31555.956}, {29, 60.93, 4443.417},
		{18, 155.12, 67555.328}, {17, 288.79, 4562.452}, {16, 198.04, 62894.029},
		{14, 199.76, 31436.921}, {12, 95.39, 14577.848}, {12, 287.11, 31931.756},
		{12, 320.81, 34777.259}, {9, 227.73, 1222.114}, {8, 15.45, 16859.074},
	}
	s := 0.0
	for _, a := range terms {
		s += a[0] * math.Cos((a[1]+a[2]*t)*rad)
	}
	jde := jde0 + 0.00001*s/dl
	const deltaT = 69 * time.Second
	// Julian day 2440587.5 is 1970-01-01T00:00Z.
	unix := (jde - 2440587.5) * 86400
	return time.Unix(0, int64(unix*1e9)).UTC().Add(-deltaT)
}
