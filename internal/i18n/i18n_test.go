package i18n

import (
	"strings"
	"testing"
)

// Every locale has every key (New checks it) and renders it without a missing-key marker.
func TestLocalesComplete(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"KPI": "k", "Scope": "s", "Count": 2, "Values": "v", "Target": "t", "Since": "d", "Owner": "o", "Kind": "orders", "Source": "x", "Hours": 30,
		"Period": "p", "Red": 1, "Yellow": 2, "Green": 3, "Date": "d"}
	for k, v := range map[string]any{"Min": 1, "Max": 5, "Limit": "10", "Fields": 6, "Header": 5, "Position": 2, "Column": "c", "Columns": "c, d"} {
		data[k] = v // the arguments of import errors (record.Code)
	}
	for k, v := range map[string]any{"Currency": "BRL", "Day": "2026-11-20", "Report": "CNY"} {
		data[k] = v // a missing exchange rate (error.fx_missing)
	}
	for k, v := range map[string]any{"Dim": "carrier", "Value": "1"} {
		data[k] = v // the KPI page's and the alerts' breakdown
	}
	for _, lang := range Languages {
		l := b.For(lang)
		for _, k := range b.Keys() {
			s, err := l.T(k, data)
			if err != nil || s == "" || strings.Contains(s, "<no value>") {
				t.Errorf("%s %s: %q %v", lang, k, s, err)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	cases := map[string]string{
		"pt-BR,pt;q=0.9": "pt-BR", "pt": "pt-BR", "es-MX": "es", "zh": "zh-CN", "zh-TW": "zh-CN",
		"en-US": "en", "de-DE": "en", "": "en", "fr, es;q=0.5": "es",
	}
	for in, want := range cases {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestNumbers(t *testing.T) {
	b, _ := New()
	v := 1234.5
	cases := map[string]string{"en": "1,234.50", "es": "1.234,50", "pt-BR": "1.234,50", "zh-CN": "1,234.50"}
	for lang, want := range cases {
		if got := b.For(lang).Number(v, 2); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	p := 0.0425
	if got := b.For("pt-BR").Value("percent", &p); got != "4,25%" {
		t.Errorf("percent pt-BR: %q", got)
	}
	if got := b.For("en").Value("hours", nil); got != "—" {
		t.Errorf("nil: %q", got)
	}
}
