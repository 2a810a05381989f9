package i18n

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones resolve on machines without a zoneinfo database
)

// The expected strings are written by hand from each region's conventions (CLDR, and what a
// reader in that country writes): a decimal point in Mexico, Peru, China and English, a comma
// in Colombia, Chile, Argentina, Brazil and Spain.
func TestNumbersPerLocale(t *testing.T) {
	cases := []struct {
		locale string
		got    func(n *Numbers) string
		want   string
	}{
		{"en", func(n *Numbers) string { return n.Number(1234.5, 2) }, "1,234.50"},
		{"es-MX", func(n *Numbers) string { return n.Number(1234.5, 2) }, "1,234.50"},
		{"es-PE", func(n *Numbers) string { return n.Number(1234.5, 2) }, "1,234.50"},
		{"es-CO", func(n *Numbers) string { return n.Number(1234.5, 2) }, "1.234,50"},
		{"es-CL", func(n *Numbers) string { return n.Number(1234.5, 2) }, "1.234,50"},
		{"es-AR", func(n *Numbers) string { return n.Number(1234.5, 2) }, "1.234,50"},
		{"pt-BR", func(n *Numbers) string { return n.Number(1234.5, 2) }, "1.234,50"},
		{"zh-CN", func(n *Numbers) string { return n.Number(1234.5, 2) }, "1,234.50"},
		{"es", func(n *Numbers) string { return n.Number(1234.5, 2) }, "1234,50"},
		{"es", func(n *Numbers) string { return n.Number(12345.5, 2) }, "12.345,50"},
		{"en", func(n *Numbers) string { return n.Number(1234567.891, 2) }, "1,234,567.89"},
		{"pt-BR", func(n *Numbers) string { return n.Number(1234567.891, 2) }, "1.234.567,89"},
		{"en", func(n *Numbers) string { return n.Number(-0.001, 2) }, "0.00"},
		{"es-CO", func(n *Numbers) string { return n.Number(-1234.5, 1) }, "-1.234,5"},
		{"en", func(n *Numbers) string { return n.Number(999.999, 2) }, "1,000.00"},

		// counts are whole numbers, never "14,00"
		{"pt-BR", func(n *Numbers) string { return n.Int(14) }, "14"},
		{"es-CO", func(n *Numbers) string { return n.Int(14.4) }, "14"},
		{"en", func(n *Numbers) string { return n.Int(1234567) }, "1,234,567"},
		{"es-AR", func(n *Numbers) string { return n.Int(1234567) }, "1.234.567"},
		{"zh-CN", func(n *Numbers) string { return n.Int(2134) }, "2,134"},

		{"en", func(n *Numbers) string { return n.Percent(0.1094, 2) }, "10.94%"},
		{"es-MX", func(n *Numbers) string { return n.Percent(0.1094, 2) }, "10.94%"},
		{"es-CO", func(n *Numbers) string { return n.Percent(0.1094, 2) }, "10,94%"},
		{"pt-BR", func(n *Numbers) string { return n.Percent(0.85, 1) }, "85,0%"},

		{"en", func(n *Numbers) string { return n.Compact(4000, 0) }, "4 k"},
		{"en", func(n *Numbers) string { return n.Compact(145300, 0) }, "145 k"},
		{"en", func(n *Numbers) string { return n.Compact(2.3e9, 0) }, "2.3 B"},
		{"es-MX", func(n *Numbers) string { return n.Compact(2.3e9, 0) }, "2.3 mil M"},
		{"pt-BR", func(n *Numbers) string { return n.Compact(2.3e9, 0) }, "2,3 bi"},
		{"zh-CN", func(n *Numbers) string { return n.Compact(2.3e9, 0) }, "23亿"},
		{"zh-CN", func(n *Numbers) string { return n.Compact(9999, 0) }, "9,999"},
		{"en", func(n *Numbers) string { return n.Compact(999, 1) }, "999.0"},

		// money: the symbol says which currency; compact from a thousand (ten thousand in Chinese)
		{"en", func(n *Numbers) string { return n.Money(4215.37, "USD") }, "US$ 4.2 k"},
		{"es-MX", func(n *Numbers) string { return n.Money(4215.37, "USD") }, "US$ 4.2 k"},
		{"es-CO", func(n *Numbers) string { return n.Money(4215.37, "USD") }, "US$ 4,2 k"},
		{"pt-BR", func(n *Numbers) string { return n.Money(4215.37, "USD") }, "US$ 4,2 mil"},
		{"zh-CN", func(n *Numbers) string { return n.Money(4215.37, "USD") }, "US$ 4,215"},
		{"zh-CN", func(n *Numbers) string { return n.Money(999.5, "USD") }, "US$ 999.50"},
		{"zh-CN", func(n *Numbers) string { return n.Money(14523, "USD") }, "US$ 1.5万"},
		{"en", func(n *Numbers) string { return n.Money(14523, "USD") }, "US$ 14.5 k"},
		{"en", func(n *Numbers) string { return n.Money(3.55, "USD") }, "US$ 3.55"},
		{"es-MX", func(n *Numbers) string { return n.Money(3.55, "MXN") }, "MX$ 3.55"},
		{"pt-BR", func(n *Numbers) string { return n.Money(1234567, "BRL") }, "R$ 1,2 mi"},
		{"es-CL", func(n *Numbers) string { return n.Money(13500, "CLP") }, "CLP$ 13,5 k"},
		{"es-CL", func(n *Numbers) string { return n.Money(850.4, "CLP") }, "CLP$ 850"},
		{"es-CO", func(n *Numbers) string { return n.Money(150000, "COP") }, "COL$ 150 k"},
		{"es-PE", func(n *Numbers) string { return n.Money(120.5, "PEN") }, "S/ 120.50"},
		{"es-AR", func(n *Numbers) string { return n.Money(999950, "ARS") }, "AR$ 1 M"},
		{"zh-CN", func(n *Numbers) string { return n.Money(88.2, "CNY") }, "¥ 88.20"},
		{"en", func(n *Numbers) string { return n.Money(88.2, "CNY") }, "CN¥ 88.20"},
		{"en", func(n *Numbers) string { return n.Money(-4215, "USD") }, "-US$ 4.2 k"},
		{"es-CO", func(n *Numbers) string { return n.MoneyFull(1234.5, "USD") }, "US$ 1.234,50"},
	}
	for _, c := range cases {
		got := strings.ReplaceAll(c.got(NumbersFor(c.locale)), "\u00a0", " ")
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.locale, got, c.want)
		}
	}
}

func TestMoneyKeepsSymbolAndNumberTogether(t *testing.T) {
	if s := NumbersFor("en").Money(4215, "USD"); !strings.Contains(s, "US$\u00a04.2\u00a0k") {
		t.Errorf("%q: the symbol, number and unit are not joined by no-break spaces", s)
	}
}

func TestRegionLocale(t *testing.T) {
	cases := []struct{ lang, country, want string }{
		{"es", "MX", "es-MX"}, {"es", "PE", "es-PE"}, {"es", "CO", "es-CO"}, {"es", "CL", "es-CL"}, {"es", "AR", "es-AR"},
		{"es", "BR", "es"}, {"es", "", "es"}, {"pt-BR", "BR", "pt-BR"}, {"pt-BR", "", "pt-BR"},
		{"zh-CN", "MX", "zh-CN"}, {"en", "CO", "en"}, {"fr", "", "en"},
	}
	for _, c := range cases {
		if got := RegionLocale(c.lang, c.country); got != c.want {
			t.Errorf("RegionLocale(%q, %q) = %q, want %q", c.lang, c.country, got, c.want)
		}
	}
	for _, c := range []struct{ lang, country, accept, want string }{
		{"es", "", "es-MX,es;q=0.9", "es-MX"}, {"es", "", "es-CO", "es-CO"}, {"es", "", "es", "es"},
		{"es", "CL", "es-MX", "es-CL"}, // the reader's one country wins over the browser
		{"es", "", "en-US,es-AR;q=0.5", "es-AR"}, {"pt-BR", "", "pt-PT", "pt-BR"}, {"en", "", "es-MX", "en"},
	} {
		if got := LocaleFor(c.lang, c.country, c.accept); got != c.want {
			t.Errorf("LocaleFor(%q, %q, %q) = %q, want %q", c.lang, c.country, c.accept, got, c.want)
		}
	}
	if NumbersFor("es-UY").Locale != "es" || NumbersFor("xx").Locale != "en" {
		t.Error("unknown locales do not fall back to their language, then English")
	}
}

func TestZoneLabel(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	cases := []struct{ zone, want string }{
		{"UTC", "UTC"}, {"America/Sao_Paulo", "UTC-3"}, {"America/Mexico_City", "UTC-6"}, {"Asia/Shanghai", "UTC+8"},
		{"Asia/Kolkata", "UTC+5:30"}, {"America/Santiago", "UTC-3"}, // Chile is on summer time in November
	}
	for _, c := range cases {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := ZoneLabel(at.In(loc)); got != c.want {
			t.Errorf("%s: %q, want %q", c.zone, got, c.want)
		}
	}
	if CountryCurrency("CO") != "COP" || CountryCurrency("XX") != "" {
		t.Error("country currencies")
	}
}
