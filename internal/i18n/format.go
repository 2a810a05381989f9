package i18n

import (
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Region locales for numbers: the language alone decides the words, the region the separators
// (a decimal point in Mexico and Peru, a comma in Colombia, Chile, Argentina and Brazil).
var Locales = []string{"en", "es", "es-MX", "es-CO", "es-CL", "es-AR", "es-PE", "pt-BR", "zh-CN"}

// nbsp keeps a number and its unit or symbol on one line.
const nbsp = "\u00a0"

// Numbers formats numbers, money and percentages for one region locale. Build it with
// NumbersFor; it is safe for concurrent use.
type Numbers struct {
	Locale    string
	dec, grp  string
	minGroup  int           // fewest integer digits that get grouped (Spanish of Spain: 5)
	steps     []compactStep // compact forms, largest first
	compactAt float64       // the smallest magnitude money is written compact from
}

type compactStep struct {
	scale  float64
	suffix string // with its leading space, if the language puts one
}

var (
	stepsEN = []compactStep{{1e9, nbsp + "B"}, {1e6, nbsp + "M"}, {1e3, nbsp + "k"}}
	stepsES = []compactStep{{1e9, nbsp + "mil" + nbsp + "M"}, {1e6, nbsp + "M"}, {1e3, nbsp + "k"}}
	stepsPT = []compactStep{{1e9, nbsp + "bi"}, {1e6, nbsp + "mi"}, {1e3, nbsp + "mil"}}
	stepsZH = []compactStep{{1e8, "亿"}, {1e4, "万"}}
)

var numbers = map[string]*Numbers{
	"en":    {Locale: "en", dec: ".", grp: ",", minGroup: 4, steps: stepsEN, compactAt: 1e3},
	"es":    {Locale: "es", dec: ",", grp: ".", minGroup: 5, steps: stepsES, compactAt: 1e3},
	"es-MX": {Locale: "es-MX", dec: ".", grp: ",", minGroup: 4, steps: stepsES, compactAt: 1e3},
	"es-PE": {Locale: "es-PE", dec: ".", grp: ",", minGroup: 4, steps: stepsES, compactAt: 1e3},
	"es-CO": {Locale: "es-CO", dec: ",", grp: ".", minGroup: 4, steps: stepsES, compactAt: 1e3},
	"es-CL": {Locale: "es-CL", dec: ",", grp: ".", minGroup: 4, steps: stepsES, compactAt: 1e3},
	"es-AR": {Locale: "es-AR", dec: ",", grp: ".", minGroup: 4, steps: stepsES, compactAt: 1e3},
	"pt-BR": {Locale: "pt-BR", dec: ",", grp: ".", minGroup: 4, steps: stepsPT, compactAt: 1e3},
	"zh-CN": {Locale: "zh-CN", dec: ".", grp: ",", minGroup: 4, steps: stepsZH, compactAt: 1e4},
}

// regional are the countries whose Spanish has its own number locale.
var regional = map[string]bool{"MX": true, "CO": true, "CL": true, "AR": true, "PE": true}

// RegionLocale is the number locale of a language (one of Languages) read in a country ("" when
// the reader has no one country): es with MX gives es-MX; pt-BR, zh-CN and en stay themselves.
func RegionLocale(lang, country string) string {
	lang = Match(lang)
	if lang == "es" && regional[country] {
		return "es-" + country
	}
	return lang
}

// LocaleFor is a reader's number locale: the language in the reader's one country, else in
// the region the browser asks for in that language (Accept-Language "es-MX" gives es-MX).
func LocaleFor(lang, country, acceptLanguage string) string {
	if country == "" && acceptLanguage != "" {
		lb, _ := language.Make(Match(lang)).Base()
		if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil {
			for _, t := range tags {
				b, _ := t.Base()
				r, conf := t.Region()
				if b == lb && conf == language.Exact {
					country = r.String()
					break
				}
			}
		}
	}
	return RegionLocale(lang, country)
}

// NumbersFor returns the formats of a region locale (one of Locales); an unknown one gets its
// language's, then English.
func NumbersFor(locale string) *Numbers {
	if n, ok := numbers[locale]; ok {
		return n
	}
	if n, ok := numbers[Match(locale)]; ok {
		return n
	}
	return numbers[Default]
}

// Number writes v with exactly decimals digits after the separator.
func (n *Numbers) Number(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	neg := v < 0 && strings.Trim(s, "0.") != "" // no "-0.00"
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if len(whole) >= n.minGroup {
		first := len(whole) % 3
		if first == 0 {
			first = 3
		}
		b.WriteString(whole[:first])
		for i := first; i < len(whole); i += 3 {
			b.WriteString(n.grp)
			b.WriteString(whole[i : i+3])
		}
	} else {
		b.WriteString(whole)
	}
	if frac != "" {
		b.WriteString(n.dec)
		b.WriteString(frac)
	}
	return b.String()
}

// Int writes a count: rounded to a whole number, grouped, never with decimals.
func (n *Numbers) Int(v float64) string { return n.Number(math.Round(v), 0) }

// Percent writes a ratio (0.1094) as a percentage with decimals digits ("10.94%").
func (n *Numbers) Percent(ratio float64, decimals int) string {
	return n.Number(ratio*100, decimals) + "%"
}

// Compact writes v shortly when it is large: one decimal under 100 of the unit ("4.2 k",
// "14.5 k"), none above ("145 k"), trailing zeros dropped ("4 k"); below the smallest step,
// the number with decimals digits.
func (n *Numbers) Compact(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	a := math.Abs(v)
	for i, st := range n.steps {
		if a < st.scale {
			continue
		}
		x := v / st.scale
		d := 1
		if math.Abs(x) >= 100 {
			d = 0
		}
		r := round(x, d)
		if math.Abs(r) >= 1000 && i > 0 { // 999,950 is 1 M, not 1,000 k
			prev := n.steps[i-1]
			r = round(v/prev.scale, 1)
			st = prev
			d = 1
		}
		s := n.Number(r, d)
		if d > 0 {
			s = strings.TrimSuffix(strings.TrimRight(s, "0"), n.dec)
		}
		return s + st.suffix
	}
	return n.Number(v, decimals)
}

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// Money writes an amount with an unambiguous symbol (US$, R$, MX$, COL$, CLP$, AR$, S/, CN¥
// or ¥ in Chinese): compact from a thousand (ten thousand in Chinese), whole from a thousand,
// else with the currency's decimals.
func (n *Numbers) Money(v float64, cur string) string {
	sym := CurrencySymbol(cur, n.Locale)
	sep := nbsp
	num := ""
	switch a := math.Abs(v); {
	case a >= n.compactAt:
		num = n.Compact(v, 0)
	case a >= 1000:
		num = n.Number(v, 0)
	default:
		num = n.Number(v, CurrencyDecimals(cur))
	}
	if strings.HasPrefix(num, "-") {
		return "-" + sym + sep + num[1:]
	}
	return sym + sep + num
}

// MoneyFull writes an amount with its symbol and every decimal of the currency, never compact.
func (n *Numbers) MoneyFull(v float64, cur string) string {
	num := n.Number(v, CurrencyDecimals(cur))
	sym := CurrencySymbol(cur, n.Locale)
	if strings.HasPrefix(num, "-") {
		return "-" + sym + nbsp + num[1:]
	}
	return sym + nbsp + num
}

// currencySymbols are symbols nobody in Latin America or China reads as another currency.
var currencySymbols = map[string]string{
	"USD": "US$", "BRL": "R$", "MXN": "MX$", "COP": "COL$", "CLP": "CLP$", "ARS": "AR$", "PEN": "S/", "CNY": "CN¥", "EUR": "€",
}

// CurrencySymbol is the symbol of an ISO 4217 code in a locale: the yuan is ¥ in Chinese and
// CN¥ elsewhere; a code without a symbol is written as the code.
func CurrencySymbol(cur, locale string) string {
	if cur == "CNY" && strings.HasPrefix(locale, "zh") {
		return "¥"
	}
	if s, ok := currencySymbols[cur]; ok {
		return s
	}
	return cur
}

// CurrencyDecimals is how many decimals amounts in a currency are written with (pesos of
// Chile and Colombia have none in practice).
func CurrencyDecimals(cur string) int {
	switch cur {
	case "CLP", "COP":
		return 0
	}
	return 2
}

// countryCurrencies are the currencies of the contract's countries.
var countryCurrencies = map[string]string{"BR": "BRL", "MX": "MXN", "CO": "COP", "CL": "CLP", "AR": "ARS", "PE": "PEN"}

// CountryCurrency is a country's currency ("" for a country Pulso does not know).
func CountryCurrency(country string) string { return countryCurrencies[country] }

// ZoneLabel names the offset of an instant's zone: "UTC", "UTC-3", "UTC+8", "UTC+5:30".
func ZoneLabel(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return "UTC"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := "UTC" + sign + strconv.Itoa(off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += ":" + strconv.Itoa(m/10) + strconv.Itoa(m%10)
	}
	return s
}
