package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/xuri/excelize/v2"

	"pulso/internal/auth"
)

// table is any page's table as plain cells, for CSV and XLSX export. Cells keep numbers
// machine-readable (dot decimals, no grouping); the header is in the user's language.
type table struct {
	Name    string // file name without extension
	Columns []string
	Rows    [][]any
}

// exportFormat reads ?format=csv|xlsx ("" when the page is wanted); exporting needs the
// export right.
func exportFormat(r *http.Request, u *User) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "html":
		return "", nil
	case "csv", "xlsx":
		if !u.Can(auth.Export) {
			return "", errForbidden
		}
		return f, nil
	}
	return "", badRequest("error.bad_param", map[string]any{"Source": "format"}, nil)
}

// exportLinks are the page's own URL with format=csv and format=xlsx.
func exportLinks(r *http.Request) (csvURL, xlsxURL string) {
	q := r.URL.Query()
	q.Set("format", "csv")
	csvURL = r.URL.Path + "?" + q.Encode()
	q.Set("format", "xlsx")
	return csvURL, r.URL.Path + "?" + q.Encode()
}

func writeTable(w http.ResponseWriter, format string, t table) error {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, t.Name)
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"; filename*=UTF-8''%s.csv`, name, url.PathEscape(name)))
		w.Write([]byte("\uFEFF")) // Excel opens UTF-8 CSV correctly only with a BOM
		cw := csv.NewWriter(w)
		cw.Write(t.Columns)
		for _, row := range t.Rows {
			rec := make([]string, len(row))
			for i, c := range row {
				rec[i] = cellText(c)
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case "xlsx":
		f := excelize.NewFile()
		defer f.Close()
		sheet := "Sheet1"
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		head := make([]any, len(t.Columns))
		for i, c := range t.Columns {
			head[i] = c
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		for i, row := range t.Rows {
			cells := make([]any, len(row))
			for j, c := range row {
				cells[j] = cellValue(c)
			}
			addr, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(addr, cells); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, name))
		return f.Write(w)
	}
	return fmt.Errorf("unknown export format %q", format)
}

func cellText(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case *float64:
		if v == nil {
			return ""
		}
		return fmt.Sprint(*v)
	case string:
		// A cell that starts like a formula is quoted so a spreadsheet never runs it.
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v
		}
		return v
	}
	return fmt.Sprint(c)
}

func cellValue(c any) any {
	switch v := c.(type) {
	case *float64:
		if v == nil {
			return nil
		}
		return *v
	case string:
		return v // excelize stores strings as text, never as formulas
	}
	return c
}
