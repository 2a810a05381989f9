package reader

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// serial is the 1900-system serial number of a time.
func serial(t time.Time) float64 {
	return t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
}

// workbook builds an .xlsx in memory.
func workbook(t testing.TB, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func style(t testing.TB, f *excelize.File, s *excelize.Style) int {
	t.Helper()
	id, err := f.NewStyle(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func strp(s string) *string { return &s }

func TestXLSX(t *testing.T) {
	mar2 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		build   func(t *testing.T, f *excelize.File)
		header  []string
		rows    []got
		err     string
		noDates bool // the workbook has no date style
	}{
		{
			name: "first sheet not named Sheet1, dates and raw numbers",
			build: func(t *testing.T, f *excelize.File) {
				// "Ventas" becomes the only original sheet, stored as sheet2.xml.
				_, err := f.NewSheet("Ventas")
				must(t, err)
				must(t, f.DeleteSheet("Sheet1"))
				_, err = f.NewSheet("Notas")
				must(t, err)
				must(t, f.SetCellValue("Notas", "A1", "not this one"))

				s := "Ventas"
				must(t, f.SetSheetRow(s, "A1", &[]any{"order_id", "created_at", "gross_amount", "note",
					"paid_at", "units", "big_id", "fmt_amount", "time_only", "text_date", "duration"}))
				date := style(t, f, &excelize.Style{NumFmt: 14})
				dateTime := style(t, f, &excelize.Style{CustomNumFmt: strp("dd/mm/yyyy hh:mm")})
				money := style(t, f, &excelize.Style{NumFmt: 4})
				clock := style(t, f, &excelize.Style{NumFmt: 20})
				iso := style(t, f, &excelize.Style{CustomNumFmt: strp(`yyyy\-mm\-dd;@`)})
				elapsed := style(t, f, &excelize.Style{CustomNumFmt: strp("[h]:mm")})

				must(t, f.SetCellValue(s, "A2", "A-1"))
				must(t, f.SetCellFloat(s, "B2", serial(mar2), -1, 64))
				must(t, f.SetCellStyle(s, "B2", "B2", date))
				must(t, f.SetCellFloat(s, "C2", 1234.5, -1, 64))
				// D2 empty
				must(t, f.SetCellFloat(s, "E2", serial(mar2.Add(14*time.Hour+3*time.Minute)), -1, 64))
				must(t, f.SetCellStyle(s, "E2", "E2", dateTime))
				must(t, f.SetCellInt(s, "F2", 3))
				must(t, f.SetCellInt(s, "G2", 2000003508419013))
				must(t, f.SetCellFloat(s, "H2", 1234.5, -1, 64))
				must(t, f.SetCellStyle(s, "H2", "H2", money))
				must(t, f.SetCellFloat(s, "I2", 0.5, -1, 64))
				must(t, f.SetCellStyle(s, "I2", "I2", clock))
				must(t, f.SetCellValue(s, "J2", "2026-03-02"))
				must(t, f.SetCellStyle(s, "J2", "J2", date))
				must(t, f.SetCellFloat(s, "K2", 1.5, -1, 64))
				must(t, f.SetCellStyle(s, "K2", "K2", elapsed))

				// row 3: styled but empty -> skipped, still counted
				must(t, f.SetCellStyle(s, "A3", "C3", date))

				must(t, f.SetCellValue(s, "A4", "A-2"))
				must(t, f.SetCellFloat(s, "B4", serial(mar2)+1.75, -1, 64)) // date-only format: the day shown
				must(t, f.SetCellStyle(s, "B4", "B4", date))
				must(t, f.SetCellBool(s, "D4", true))
				must(t, f.SetCellFloat(s, "E4", serial(mar2)+0.99999999, -1, 64)) // rounds to the next second
				must(t, f.SetCellStyle(s, "E4", "E4", dateTime))
				must(t, f.SetCellFloat(s, "J4", serial(mar2), -1, 64))
				must(t, f.SetCellStyle(s, "J4", "J4", iso))

				must(t, f.SetCellValue(s, "A6", "A-3"))
			},
			header: []string{"order_id", "created_at", "gross_amount", "note", "paid_at", "units",
				"big_id", "fmt_amount", "time_only", "text_date", "duration"},
			rows: []got{
				{2, []string{"A-1", "2026-03-02", "1234.5", "", "2026-03-02 14:03:00", "3",
					"2000003508419013", "1234.5", "0.5", "2026-03-02", "1.5"}},
				{4, []string{"A-2", "2026-03-03", "", "1", "2026-03-03 00:00:00", "", "", "", "", "2026-03-02"}},
				{6, []string{"A-3"}},
			},
		},
		{
			name: "no date styles",
			build: func(t *testing.T, f *excelize.File) {
				must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"a", "b", "c"}))
				must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"x", 46083, 0.1}))
				must(t, f.SetCellStyle("Sheet1", "C2", "C2", style(t, f, &excelize.Style{NumFmt: 10})))
			},
			header:  []string{"a", "b", "c"},
			rows:    []got{{2, []string{"x", "46083", "0.1"}}},
			noDates: true,
		},
		{
			name: "1904 date system",
			build: func(t *testing.T, f *excelize.File) {
				yes := true
				must(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}))
				must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"d"}))
				must(t, f.SetCellFloat("Sheet1", "A2", 1, -1, 64))
				must(t, f.SetCellStyle("Sheet1", "A2", "A2", style(t, f, &excelize.Style{NumFmt: 14})))
			},
			header: []string{"d"},
			rows:   []got{{2, []string{"1904-01-02"}}},
		},
		{
			name: "header below empty rows, gap rows",
			build: func(t *testing.T, f *excelize.File) {
				must(t, f.SetSheetRow("Sheet1", "B3", &[]any{"a", "b"}))
				must(t, f.SetSheetRow("Sheet1", "B10", &[]any{"1", "2"}))
			},
			header:  []string{"", "a", "b"},
			rows:    []got{{10, []string{"", "1", "2"}}},
			noDates: true,
		},
		{
			name: "header only",
			build: func(t *testing.T, f *excelize.File) {
				must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"a"}))
			},
			header:  []string{"a"},
			noDates: true,
		},
		{
			name:  "empty workbook",
			build: func(t *testing.T, f *excelize.File) {},
			err:   "f.xlsx: empty file, no header row",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := workbook(t, func(f *excelize.File) { tt.build(t, f) })
			r, err := OpenReader("f.xlsx", XLSX, bytes.NewReader(data))
			if err != nil {
				if tt.header != nil {
					t.Fatalf("Open: %v", err)
				}
				wantErr(t, err, tt.err)
				return
			}
			defer r.Close()
			if dates := r.(*xlsxReader).scan.styles != nil; dates == tt.noDates {
				t.Errorf("date styles found = %v", dates)
			}
			if !reflect.DeepEqual(r.Header(), tt.header) {
				t.Fatalf("header %q, want %q", r.Header(), tt.header)
			}
			rows, err := drain(t, r)
			wantErr(t, err, tt.err)
			if !reflect.DeepEqual(rows, tt.rows) {
				t.Fatalf("rows\n got %+v\nwant %+v", rows, tt.rows)
			}
		})
	}
}

func TestXLSXOpenFileAndTempCleanup(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	data := workbook(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"a"}))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"x"}))
	})

	// From disk.
	path := filepath.Join(t.TempDir(), "book.xlsx")
	must(t, os.WriteFile(path, data, 0o600))
	r, err := Open(path, XLSX)
	must(t, err)
	rows, err := drain(t, r)
	if err != nil || len(rows) != 1 || rows[0].Fields[0] != "x" {
		t.Fatal(rows, err)
	}
	must(t, r.Close())

	// From a reader: buffered to a temp file, removed by Close.
	r, err = OpenReader("up.xlsx", XLSX, bytes.NewReader(data))
	must(t, err)
	if m, _ := filepath.Glob(filepath.Join(tmp, "pulso-upload-*")); len(m) != 1 {
		t.Fatalf("temp files while open: %v", m)
	}
	must(t, r.Close())
	if m, _ := filepath.Glob(filepath.Join(tmp, "pulso-upload-*")); len(m) != 0 {
		t.Fatalf("temp files left after Close: %v", m)
	}

	// Not a workbook: error, and no temp file left.
	_, err = OpenReader("bad.xlsx", XLSX, strings.NewReader("order_id,store\n1,2\n"))
	wantErr(t, err, "bad.xlsx: not an .xlsx workbook")
	if m, _ := filepath.Glob(filepath.Join(tmp, "pulso-upload-*")); len(m) != 0 {
		t.Fatalf("temp files left after a failed open: %v", m)
	}
	if _, err := Open(filepath.Join(tmp, "missing.xlsx"), XLSX); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestFormatKind(t *testing.T) {
	tests := []struct {
		code string
		want uint8
	}{
		{"General", kindNone},
		{"0.00", kindNone},
		{"#,##0.00", kindNone},
		{`"R$" #,##0.00`, kindNone},
		{`[$USD] #,##0.00`, kindNone},
		{"0%", kindNone},
		{"0.00E+00", kindNone},
		{"@", kindNone},
		{"yyyy-mm-dd", kindDate},
		{`yyyy\-mm\-dd;@`, kindDate},
		{"dd/mm/yyyy", kindDate},
		{"[$-409]d-mmm-yy;@", kindDate},
		{`d "de" mmmm "de" yyyy`, kindDate},
		{"mmmm", kindDate},
		{"mmm-yy", kindDate},
		{`yyyy"年"m"月"d"日"`, kindDate},
		{"dd/mm/yyyy hh:mm", kindDateTime},
		{"yyyy-mm-dd hh:mm:ss.000", kindDateTime},
		{"m/d/yy h:mm AM/PM", kindDateTime},
		{"[Red]dd/mm/yyyy", kindDate},
		{"hh:mm", kindNone},
		{"h:mm AM/PM", kindNone},
		{"mm:ss", kindNone},
		{"[h]:mm:ss", kindNone},
		{"[mm]:ss", kindNone},
		{`"day"`, kindNone},
		{`0 "days"`, kindNone},
		{"", kindNone},
		{`"unterminated`, kindNone},
		{"[unterminated", kindNone},
	}
	for _, tt := range tests {
		if got := formatKind(tt.code); got != tt.want {
			t.Errorf("formatKind(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
	for id, want := range map[int]uint8{0: kindNone, 2: kindNone, 14: kindDate, 17: kindDate, 18: kindNone,
		21: kindNone, 22: kindDateTime, 31: kindDate, 32: kindNone, 45: kindNone, 49: kindNone, 57: kindDate, 164: kindNone} {
		if got := builtinKind(id); got != want {
			t.Errorf("builtinKind(%d) = %d, want %d", id, got, want)
		}
	}
}

func TestSerialToDate(t *testing.T) {
	tests := []struct {
		v    string
		kind uint8
		d04  bool
		want string // "" = not converted
	}{
		{"46083", kindDate, false, "2026-03-02"},
		{"46083.75", kindDate, false, "2026-03-02"},
		{"46083.75", kindDateTime, false, "2026-03-02 18:00:00"},
		{"46083.999999999", kindDateTime, false, "2026-03-03 00:00:00"},
		{"4.6083E4", kindDate, false, "2026-03-02"},
		{"1", kindDate, false, "1900-01-01"},
		{"59", kindDate, false, "1900-02-28"},
		{"60", kindDate, false, ""},
		{"61", kindDate, false, "1900-03-01"},
		{"0", kindDate, false, ""},
		{"0.5", kindDateTime, false, ""},
		{"-1", kindDate, false, ""},
		{"2958465", kindDate, false, "9999-12-31"},
		{"2958466", kindDate, false, ""},
		{"0", kindDate, true, "1904-01-01"},
		{"44621", kindDate, true, "2026-03-02"},
		{"abc", kindDate, false, ""},
		{"NaN", kindDate, false, ""},
		{"Inf", kindDate, false, ""},
	}
	for _, tt := range tests {
		got, ok := serialToDate(tt.v, tt.kind, tt.d04)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("serialToDate(%q, %d, %v) = %q, want %q", tt.v, tt.kind, tt.d04, got, tt.want)
		}
	}
}

// rezip rewrites one part of a zip archive.
func rezip(t *testing.T, data []byte, part string, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		must(t, err)
		rc.Close()
		if f.Name == part {
			b = []byte(edit(string(b)))
			found = true
		}
		w, err := zw.Create(f.Name)
		must(t, err)
		_, err = w.Write(b)
		must(t, err)
	}
	must(t, zw.Close())
	if !found {
		t.Fatalf("part %s not found", part)
	}
	return out.Bytes()
}

func TestXLSXMalformedSheet(t *testing.T) {
	for _, dates := range []bool{false, true} {
		data := workbook(t, func(f *excelize.File) {
			must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"a", "b"}))
			for i := 2; i <= 5; i++ {
				must(t, f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i), &[]any{fmt.Sprint("r", i), 46083}))
			}
			if dates {
				must(t, f.SetCellStyle("Sheet1", "B2", "B5", style(t, f, &excelize.Style{NumFmt: 14})))
			}
		})
		// A control character is not allowed in XML 1.0.
		data = rezip(t, data, "xl/worksheets/sheet1.xml", func(s string) string {
			return strings.Replace(s, `<row r="4"`, "<row r=\"4\" x=\"\x01\"", 1)
		})
		r, err := OpenReader("m.xlsx", XLSX, bytes.NewReader(data))
		must(t, err)
		rows, err := drain(t, r)
		r.Close()
		// excelize's Rows stops silently at malformed XML; the scanner reports it.
		wantErr(t, err, "m.xlsx: row 4: malformed sheet: rows from 4 on could not be read")
		if len(rows) != 2 {
			t.Errorf("dates=%v: %d rows before the bad one, want 2", dates, len(rows))
		}
	}
}
