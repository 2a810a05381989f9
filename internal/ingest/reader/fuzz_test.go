package reader

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// fuzzDrain reads r to the end checking the invariants every format shares, and returns the
// rows (fields copied).
func fuzzDrain(t *testing.T, name string, r Reader, lines bool) []got {
	t.Helper()
	var out []got
	prev := 0
	if !lines {
		prev = 1 // data rows come after the header row
	}
	for i := 0; ; i++ {
		row, fields, err := r.Next()
		if err == io.EOF {
			if _, _, err2 := r.Next(); err2 != io.EOF {
				t.Fatalf("Next after EOF: %v", err2)
			}
			return out
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if e.File != name || !strings.HasPrefix(err.Error(), name+": ") || e.Reason == "" {
				t.Fatalf("error %q does not name the file", err)
			}
			if _, _, err2 := r.Next(); err2 != err {
				t.Fatalf("error not final: %v then %v", err, err2)
			}
			return out
		}
		if row <= prev {
			t.Fatalf("row %d after %d", row, prev)
		}
		prev = row
		if lines {
			if len(fields) != len(r.Header()) {
				t.Fatalf("row %d: %d fields, header has %d", row, len(fields), len(r.Header()))
			}
		} else {
			if len(fields) == 0 || allEmpty(fields) {
				t.Fatalf("row %d: empty row returned: %q", row, fields)
			}
		}
		for _, f := range fields {
			if !utf8.ValidString(f) {
				t.Fatalf("row %d: invalid UTF-8 returned: %q", row, f)
			}
		}
		out = append(out, got{row, append([]string{}, fields...)})
		if i > 1<<20 {
			t.Fatal("runaway")
		}
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n",
		"\ufeffa,b\r\n\"x\r\ny\",2\r\n\r\n3,\"4\"\"\"\n",
		"a\n\"unterminated\n",
		"a,b\nx\"y,2\n",
		"\n\n,,\na\n \n",
		"a\n\xff\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := OpenReader("f.csv", CSV, bytes.NewReader(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Open error %T %v, want *Error", err, err)
			}
			return
		}
		defer r.Close()
		if len(r.Header()) == 0 {
			t.Fatal("empty header")
		}
		rows := fuzzDrain(t, "f.csv", r, false)

		// Differential: the same records as encoding/csv alone, without the all-empty ones,
		// numbered as a spreadsheet does: 1 + the line breaks outside quotes before them.
		text := bytes.TrimPrefix(data, []byte("\ufeff"))
		lineStart := []int{0}
		breaks := make([]int, len(text)+1) // breaks[i]: line breaks outside quotes in text[:i]
		quoted := false
		for i, c := range text {
			breaks[i+1] = breaks[i]
			switch c {
			case '"':
				quoted = !quoted
			case '\n':
				lineStart = append(lineStart, i+1)
				if !quoted {
					breaks[i+1]++
				}
			}
		}
		cr := csv.NewReader(bytes.NewReader(text))
		cr.FieldsPerRecord = -1
		var want []got
		for {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			if !allEmpty(rec) {
				line, _ := cr.FieldPos(0)
				want = append(want, got{1 + breaks[lineStart[line-1]], rec})
			}
		}
		if len(want) == 0 || !reflect.DeepEqual(want[0].Fields, r.Header()) {
			t.Fatalf("header %q, encoding/csv %+v", r.Header(), want)
		}
		want = want[1:]
		if len(rows) > len(want) {
			t.Fatalf("%d rows, encoding/csv has %d", len(rows), len(want))
		}
		for i, g := range rows {
			if !reflect.DeepEqual(g, want[i]) {
				t.Fatalf("row %+v, want %+v", g, want[i])
			}
		}
	})
}

func FuzzNDJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":"x","c":true,"d":null}` + "\n" + `{"b":2.5e3,"e":false}` + "\n",
		"\n\n{}\r\n{\"a\":\"\\u00e9\"}",
		`{"a":{"b":1}}`,
		`[{"a":1}]`,
		`{"a":1,"a":2}`,
		`{"a":1} x`,
		"{\"a\":\"\xff\"}",
		"\ufeff{\"a\":1}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := OpenReader("f.ndjson", NDJSON, bytes.NewReader(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Open error %T %v, want *Error", err, err)
			}
			return
		}
		defer r.Close()
		rows := fuzzDrain(t, "f.ndjson", r, true)
		_, _, end := r.Next()

		// Differential: a plain json.Decoder parse of each line.
		wantRows, wantHeader, errLine := refNDJSON(data)
		if errLine == 0 && end != io.EOF {
			t.Fatalf("error %v, the reference reads the whole file", end)
		}
		if errLine != 0 {
			var e *Error
			if !errors.As(end, &e) || e.Row != errLine {
				t.Fatalf("error %v, the reference fails on line %d", end, errLine)
			}
		}
		if !reflect.DeepEqual(rows, wantRows) && (len(rows) != 0 || len(wantRows) != 0) {
			t.Fatalf("rows\n got %+v\nwant %+v", rows, wantRows)
		}
		if errLine == 0 && !reflect.DeepEqual(r.Header(), wantHeader) && (len(wantHeader) != 0 || len(r.Header()) != 0) {
			t.Fatalf("header %q, want %q", r.Header(), wantHeader)
		}
		seen := map[string]bool{}
		for _, k := range r.Header() {
			if seen[k] {
				t.Fatalf("key %q twice in the header %q", k, r.Header())
			}
			seen[k] = true
		}
	})
}

// FuzzXLSX fuzzes the first sheet's XML inside a valid workbook that has a date style
// (random zip bytes almost never get past the zip checksums). Besides the shared
// invariants, every field must be excelize's own raw value for that cell (GetRows), or a
// date converted from a numeric one: the scanner and excelize stay aligned.
func FuzzXLSX(f *testing.F) {
	var dateStyle int
	template := workbook(f, func(x *excelize.File) {
		dateStyle, _ = x.NewStyle(&excelize.Style{NumFmt: 14})
		dt, _ := x.NewStyle(&excelize.Style{CustomNumFmt: strp("dd/mm/yyyy hh:mm")})
		_ = x.SetSheetRow("Sheet1", "A1", &[]any{"a", "b", "c"})
		_ = x.SetSheetRow("Sheet1", "A2", &[]any{"x", 46083.5, true})
		_ = x.SetCellStyle("Sheet1", "B2", "B2", dateStyle)
		_ = x.SetSheetRow("Sheet1", "B4", &[]any{"y", 46083.25})
		_ = x.SetCellStyle("Sheet1", "C4", "C4", dt)
	})
	const sheet = "xl/worksheets/sheet1.xml"
	zr, err := zip.NewReader(bytes.NewReader(template), int64(len(template)))
	if err != nil {
		f.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name == sheet {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			f.Add(b)
		}
	}
	const head = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	f.Add([]byte(head + `<row><c t="inlineStr"><is><t>a</t></is></c><c s="1" t="n"><v>1</v></c></row><row><c s="1"><v>46083</v></c><c/><c s="2"><v>2</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(head + `<row r="3"><c r="B3" s="1"><v>60</v></c></row><row r="2"><c r="A2"><v>1</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(head + `<!-- x --><row r="1"><c r="A1" s="1"><v>1e400</v></c><c r="Z1" s="3"><f>A1</f><v>-1</v></c></row><row r="1048577"/></sheetData></worksheet>`))

	// Bombs (issue 8): a cell past Excel's 32767 characters, a run of whitespace, deep nesting.
	f.Add([]byte(head + `<row><c t="inlineStr"><is><t>` + strings.Repeat("é", 32768) + `</t></is></c></row></sheetData></worksheet>`))
	f.Add([]byte(head + `<row><c><v>1</v></c></row>` + strings.Repeat(" ", 40000) + `</sheetData></worksheet>`))
	f.Add([]byte(head + `<row>` + strings.Repeat("<c><x>", 100) + `</row></sheetData></worksheet>`))

	bigRow := regexp.MustCompile(`\d{5}`)
	f.Fuzz(func(t *testing.T, xml []byte) {
		if bigRow.Match(xml) {
			// A row number like r="99999" makes excelize yield that many empty rows: slow,
			// and nothing new for the reader.
			return
		}
		data := replacePart(t, template, sheet, xml)
		r, err := OpenReader("f.xlsx", XLSX, bytes.NewReader(data))
		if err != nil {
			return
		}
		defer r.Close()
		rows := fuzzDrain(t, "f.xlsx", r, false)

		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("excelize cannot open what the reader opened: %v", err)
		}
		defer x.Close()
		want, _ := x.GetRows("Sheet1", excelize.Options{RawCellValue: true})
		check := func(row int, fields []string) {
			var raw []string
			if row-1 < len(want) {
				raw = want[row-1]
			}
			for len(raw) < len(fields) {
				raw = append(raw, "")
			}
			for i, v := range fields {
				if v == raw[i] {
					continue
				}
				if _, ok := serialToDate(raw[i], kindDateTime, false); !ok {
					t.Fatalf("row %d column %d: %q, excelize has %q", row, i+1, v, raw[i])
				}
				if len(v) != 10 && len(v) != 19 {
					t.Fatalf("row %d column %d: %q is not a date (excelize has %q)", row, i+1, v, raw[i])
				}
			}
		}
		hrow := 1 // the header is the first row that is not all empty
		for hrow <= len(want) && allEmpty(want[hrow-1]) {
			hrow++
		}
		check(hrow, r.Header())
		for _, g := range rows {
			check(g.Row, g.Fields)
		}
	})
}

// replacePart returns a copy of a zip archive with one part's content replaced.
func replacePart(t testing.TB, data []byte, part string, content []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == part {
			w.Write(content)
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(w, rc)
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// refNDJSON is a slow reference NDJSON reader with json.Decoder: it returns the rows up to
// the first bad line, the header, and the number of the bad line (0 if none).
func refNDJSON(data []byte) (rows []got, header []string, errLine int) {
	index := map[string]int{}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, line := range lines {
		n := i + 1
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.Trim(line, " \t\r")) == 0 {
			continue
		}
		if !utf8.Valid(line) {
			return rows, header, n
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return rows, header, n
		}
		fields := make([]string, len(header))
		set := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return rows, header, n
			}
			v, err := dec.Token()
			if err != nil {
				return rows, header, n
			}
			key := k.(string)
			var val string
			switch v := v.(type) {
			case string:
				val = v
			case json.Number:
				val = string(v)
			case bool:
				val = strconv.FormatBool(v)
			case nil:
			default:
				return rows, header, n
			}
			if set[key] {
				return rows, header, n
			}
			set[key] = true
			j, ok := index[key]
			if !ok {
				j = len(header)
				index[key] = j
				header = append(header, key)
				fields = append(fields, "")
			}
			fields[j] = val
		}
		if _, err := dec.Token(); err != nil {
			return rows, header, n
		}
		if _, err := dec.Token(); err != io.EOF {
			return rows, header, n
		}
		rows = append(rows, got{n, fields})
	}
	return rows, header, 0
}
