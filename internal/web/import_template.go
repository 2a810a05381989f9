package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"pulso/internal/i18n"
	"pulso/internal/record"
)

// apiTemplate sends a file of one record kind to fill in and import: its header and one
// example row (format=csv, the default, or xlsx).
func (s *server) apiTemplate(w http.ResponseWriter, r *http.Request, c *reqctx) {
	kind, err := record.NewCatalog().Kind(r.PathValue("kind"))
	if err != nil {
		s.apiFail(w, r, c, errNotFound)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "xlsx" {
		s.apiFail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "format"}, nil))
		return
	}
	if err := writeTable(w, format, templateTable(kind, c.user, format)); err != nil {
		s.log.Error("write template", "kind", kind.Name, "err", err)
	}
}

// templateTable is a kind's template: its columns and its example record. The example is a
// Mexican Mercado Libre record; for a user who may not import those, it is moved to the
// user's first country (with its currency) and platform, so that it imports as it is.
// Numbers are numbers in a workbook, so that a spreadsheet does not flag them as text.
func templateTable(k *record.Kind, u *User, format string) table {
	row := k.Example()
	set := func(col, v string) {
		if i := k.Col(col); i >= 0 && row[i] != "" && v != "" {
			row[i] = v
		}
	}
	if cs := u.Scopes.Countries; len(cs) > 0 && !slices.Contains(cs, "MX") {
		if i := k.Col("currency"); i >= 0 && row[i] == "MXN" {
			set("currency", i18n.CountryCurrency(cs[0]))
		}
		set("country", cs[0])
	}
	if ps := u.Scopes.Platforms; len(ps) > 0 && !slices.Contains(ps, "mercadolibre") {
		set("platform", ps[0])
	}
	cells := make([]any, len(row))
	for i, c := range k.Columns {
		cells[i] = row[i]
		if format == "xlsx" && row[i] != "" && (c.Type == record.Decimal || c.Type == record.Int) {
			if f, err := strconv.ParseFloat(row[i], 64); err == nil {
				cells[i] = f
			}
		}
	}
	return table{Name: "pulso-template-" + k.Name, Columns: k.Header(), Rows: [][]any{cells}}
}

// attachment is a Content-Disposition header for a download named after a user's file: a
// plain-ASCII name for old clients and the exact one (RFC 5987) for the rest.
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == ';' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, strings.ReplaceAll(url.QueryEscape(name), "+", "%20"))
}
