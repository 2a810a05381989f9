package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"pulso/internal/auth"
	"pulso/internal/i18n"
	"pulso/internal/record"
)

//go:embed templates
var templateFS embed.FS

// templates holds one parsed template set per page: the layout, the partials and the page.
type templates struct {
	pages map[string]*template.Template
}

// parseTemplates parses every page at start; an unknown function, a syntax error or an asset
// that does not exist fails here.
func parseTemplates(a *assets) (*templates, error) {
	funcs := template.FuncMap{
		"asset":     a.URL,
		"sparkline": sparkline,
		"pct":       func(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) },
		"add":       func(a, b int) int { return a + b },
		"deref":     func(v *float64) float64 { return *v },
		"derefInt":  func(v *int64) int64 { return *v },
		"ptr":       func(v float64) *float64 { return &v },
	}
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(templateFS, f); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		if clone.Lookup("main") == nil {
			return nil, fmt.Errorf("web: template %s: no \"main\" block", name)
		}
		t.pages[name] = clone
	}
	return t, nil
}

// render executes a page into a buffer (so a failing template never sends half a page) and
// writes it. An htmx request that targets #main gets the main block alone.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, view any) {
	t, ok := s.tmpl.pages[name]
	if !ok {
		s.log.Error("no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	block := "layout"
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Target") == "main" {
		block = "main"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, view); err != nil {
		s.log.Error("render failed", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "HX-Request, HX-Target, Accept-Language, Cookie")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// page is what every view carries: the language, the user, the CSRF token and the helpers
// that templates call to translate and format.
type page struct {
	Lang     string
	Locale   string // numbers and charts: the language in the reader's region (es-MX, pt-BR, ...)
	User     *User
	CSRF     string
	Path     string
	URI      string
	TitleKey string
	Title    string // the page's own title (a KPI's name), shown instead of TitleKey's text
	Charts   bool   // the page draws charts (loads ECharts)
	Langs    []langOption
	Nav      []navItem
	loc      *i18n.Localizer
	printer  *message.Printer
	zone     *time.Location // where the reader's times are told
}

type langOption struct {
	Code, Name string
	Current    bool
}

type navItem struct {
	Href, Key string
	Current   bool
}

// langNames are the languages' own names (shown the same in every language).
var langNames = map[string]string{"zh-CN": "中文", "es": "Español", "pt-BR": "Português", "en": "English"}

func (s *server) newPage(r *http.Request, c *reqctx, titleKey string) *page {
	p := &page{Lang: c.lang, Locale: numberLocale(r, c), User: c.user, CSRF: c.csrf, Path: r.URL.Path, URI: r.URL.RequestURI(), TitleKey: titleKey,
		loc: c.loc, printer: message.NewPrinter(language.MustParse(c.lang)), zone: readerZone(c.user, c.lang)}
	for _, l := range i18n.Languages {
		p.Langs = append(p.Langs, langOption{Code: l, Name: langNames[l], Current: l == c.lang})
	}
	if c.user != nil {
		items := []navItem{{"/", "nav.board", false}, {"/alerts", "nav.alerts", false}, {"/sources", "nav.sources", false}}
		if c.user.Can(auth.Import) {
			items = append(items, navItem{"/import", "nav.import", false})
		}
		items = append(items, navItem{"/targets", "nav.targets", false}, navItem{"/settings", "nav.settings", false})
		for i := range items {
			items[i].Current = items[i].Href == r.URL.Path || (items[i].Href == "/" && strings.HasPrefix(r.URL.Path, "/kpi/"))
		}
		p.Nav = items
	}
	return p
}

// T translates a key; kv are pairs of data names and values ("Count", 3). A missing key shows
// as [key] (the locale test keeps them out).
func (p *page) T(key string, kv ...any) string {
	var data map[string]any
	if len(kv) > 0 {
		data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				data[k] = kv[i+1]
			}
		}
	}
	return p.loc.MustT(key, data)
}

// Value formats a KPI value with its unit the way the language writes it.
func (p *page) Value(unit string, v *float64) string { return formatValue(p.loc, p.printer, unit, v) }

func formatValue(l *i18n.Localizer, pr *message.Printer, unit string, v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return "—"
	}
	switch unit {
	case "money":
		return pr.Sprint(currency.Symbol(currency.USD.Amount(math.Round(*v*100) / 100)))
	case "hours":
		return l.MustT("unit.hours", map[string]any{"Count": l.Number(*v, 1)})
	case "days":
		return l.MustT("unit.days", map[string]any{"Count": l.Number(*v, 1)})
	case "ratio", "points":
		return l.Number(*v, 2)
	}
	return l.Value(unit, v)
}

// Num formats a number with the language's separators.
func (p *page) Num(v float64, decimals int) string { return p.loc.Number(v, decimals) }

// Int formats a whole count.
func (p *page) Int(v int64) string { return p.loc.Number(float64(v), 0) }

// Date formats a calendar date (a time or "YYYY-MM-DD") the way the language writes it.
func (p *page) Date(d any) string { return formatDate(p.loc, d) }

func formatDate(l *i18n.Localizer, d any) string {
	var t time.Time
	switch v := d.(type) {
	case time.Time:
		t = v
	case *time.Time:
		if v == nil {
			return "—"
		}
		t = *v
	case string:
		var err error
		if t, err = time.Parse(time.DateOnly, v); err != nil {
			return v
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.Format(l.MustT("format.date", nil))
}

// countryZones are the contract's country time zones.
var countryZones = record.NewZones()

// shanghai is the zone of head offices in China (Chinese readers with every country).
var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("UTC+8", 8*3600)
}()

// readerZone is where a reader's times are told: their one country's zone, China's for a
// Chinese reader of several countries (head office), else UTC.
func readerZone(u *User, lang string) *time.Location {
	if c := readerCountry(u); c != "" {
		return countryZones.For(c)
	}
	if lang == "zh-CN" {
		return shanghai
	}
	return time.UTC
}

// Time formats an instant in the reader's zone with the language's date, and names the zone
// ("Nov 26, 2026 07:00 UTC-3").
func (p *page) Time(t any) string {
	var v time.Time
	switch x := t.(type) {
	case time.Time:
		v = x
	case *time.Time:
		if x == nil {
			return "—"
		}
		v = *x
	}
	if v.IsZero() {
		return "—"
	}
	if p.zone == nil {
		p.zone = time.UTC
	}
	v = v.In(p.zone)
	return formatDate(p.loc, v) + " " + v.Format("15:04") + " " + i18n.ZoneLabel(v)
}

// Country is a country's name; Module, Dim, Status and Kind translate the code lists.
func (p *page) Country(code string) string { return p.tOr("country."+code, code) }
func (p *page) Module(id string) string    { return p.tOr("module."+id, id) }
func (p *page) Dim(d string) string        { return p.tOr("dim."+d, d) }
func (p *page) Status(st string) string    { return p.tOr("status."+st, st) }
func (p *page) Kind(k string) string       { return p.tOr("kind."+k, k) }
func (p *page) Grain(g string) string      { return p.tOr("grain."+g, g) }
func (p *page) Role(r auth.Role) string    { return p.tOr("role."+string(r), string(r)) }

// tOr translates codes that data may extend (a country or dimension value without a message
// shows as itself rather than as a missing key).
func (p *page) tOr(key, fallback string) string {
	if s, err := p.loc.T(key, nil); err == nil {
		return s
	}
	return fallback
}

// Can tells the templates whether the user's role allows an action (auth.Action names:
// "export", "import", "ack_alert", "silence", "edit_targets", "manage_users", ...).
func (p *page) Can(action string) bool { return p.User != nil && p.User.Can(auth.Action(action)) }

// sparkline draws a series as an inline SVG polyline (no script, no style attribute); gaps are
// left where there is no value.
func sparkline(points []*float64) template.HTML {
	const w, h = 100.0, 24.0
	lo, hi := math.Inf(1), math.Inf(-1)
	n := 0
	for _, p := range points {
		if p != nil && !math.IsNaN(*p) && !math.IsInf(*p, 0) {
			lo, hi = math.Min(lo, *p), math.Max(hi, *p)
			n++
		}
	}
	if n == 0 || len(points) < 2 {
		return template.HTML(`<svg class="spark" viewBox="0 0 100 24" aria-hidden="true"></svg>`)
	}
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	var b strings.Builder
	b.WriteString(`<svg class="spark" viewBox="0 0 100 24" preserveAspectRatio="none" aria-hidden="true">`)
	var seg []string
	flush := func() {
		if len(seg) > 1 {
			b.WriteString(`<polyline points="` + strings.Join(seg, " ") + `"/>`)
		} else if len(seg) == 1 {
			xy := strings.Split(seg[0], ",")
			b.WriteString(`<circle r="1.5" cx="` + xy[0] + `" cy="` + xy[1] + `"/>`)
		}
		seg = seg[:0]
	}
	for i, p := range points {
		if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
			flush()
			continue
		}
		x := w * float64(i) / float64(len(points)-1)
		y := h - 2 - (h-4)*(*p-lo)/(hi-lo)
		seg = append(seg, strconv.FormatFloat(x, 'f', 1, 64)+","+strconv.FormatFloat(y, 'f', 1, 64))
	}
	flush()
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from formatted numbers only
}
