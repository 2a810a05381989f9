// Package i18n holds Pulso's messages in zh-CN, es, pt-BR and en, and formats numbers, dates
// and money for each language.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

//go:embed locales/*.json
var locales embed.FS

// Languages Pulso speaks, first the fallback's order of preference.
var Languages = []string{"zh-CN", "es", "pt-BR", "en"}

// Default is the language used when nothing better is known.
const Default = "en"

// Bundle is the loaded message catalogue. Build it once with New.
type Bundle struct {
	b    *i18n.Bundle
	keys []string
}

// New loads the embedded locales; every locale must have exactly the keys of en.
func New() (*Bundle, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	keys := map[string][]string{}
	for _, lang := range Languages {
		name := path.Join("locales", lang+".json")
		data, err := fs.ReadFile(locales, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		if _, err := b.ParseMessageFileBytes(data, name); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		for k := range m {
			keys[lang] = append(keys[lang], k)
		}
		slices.Sort(keys[lang])
	}
	for _, lang := range Languages {
		if !slices.Equal(keys[lang], keys[Default]) {
			return nil, fmt.Errorf("i18n: locale %s does not have the same keys as %s", lang, Default)
		}
	}
	return &Bundle{b: b, keys: keys[Default]}, nil
}

// Keys lists every message key.
func (b *Bundle) Keys() []string { return slices.Clone(b.keys) }

// Match picks the supported language for a preference (a user setting or Accept-Language).
func Match(prefs ...string) string {
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.MustParse(l)
	}
	m := language.NewMatcher(tags)
	var want []language.Tag
	for _, p := range prefs {
		if p == "" {
			continue
		}
		if t, _, err := language.ParseAcceptLanguage(p); err == nil {
			want = append(want, t...)
		}
	}
	if len(want) == 0 {
		return Default
	}
	_, i, conf := m.Match(want...)
	if conf == language.No {
		return Default
	}
	return Languages[i]
}

// Localizer speaks one language.
type Localizer struct {
	Lang string
	l    *i18n.Localizer
	p    *message.Printer
}

// For returns a localizer for a language (unknown languages get the default).
func (b *Bundle) For(lang string) *Localizer {
	if !slices.Contains(Languages, lang) {
		lang = Match(lang)
	}
	return &Localizer{Lang: lang, l: i18n.NewLocalizer(b.b, lang), p: message.NewPrinter(language.MustParse(lang))}
}

// T renders a message; a missing key is an error, never an empty string on a page.
func (l *Localizer) T(key string, data map[string]any) (string, error) {
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil {
		return "", fmt.Errorf("i18n %s: %w", key, err)
	}
	return s, nil
}

// MustT renders a message known to exist (keys are checked by the locale test).
func (l *Localizer) MustT(key string, data map[string]any) string {
	s, err := l.T(key, data)
	if err != nil {
		return "[" + key + "]"
	}
	return s
}

// Number formats a number with the language's separators and at most decimals digits.
func (l *Localizer) Number(v float64, decimals int) string {
	return l.p.Sprint(number.Decimal(v, number.MaxFractionDigits(decimals), number.MinFractionDigits(decimals)))
}

// Value formats a KPI value of a unit: percents as %, counts whole, others with 2 decimals.
func (l *Localizer) Value(unit string, v *float64) string {
	if v == nil {
		return "—"
	}
	switch unit {
	case "percent":
		return l.Number(*v*100, 2) + "%"
	case "count":
		return l.Number(*v, 0)
	case "money":
		return l.Number(*v, 2)
	}
	return l.Number(*v, 2)
}

// Join lists values with the language's separator.
func (l *Localizer) Join(items []string) string {
	if l.Lang == "zh-CN" {
		return strings.Join(items, "、")
	}
	return strings.Join(items, ", ")
}
