package reader

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"pulso/internal/ingest/reader/xlsxbomb"
)

// Workbook bombs (finding 2 of issue 8): a 1 MB upload with one 1 GB cell took a server to
// 6.5 GB; a 2 MB sheet of whitespace took the CLI to 4.3 GB of memory and 2 GB of temp disk.
// Each bomb below is built in code, small on disk, and must be refused with an error naming
// the file, the part and the limit, having allocated little.

const nsMain = xlsxbomb.NSMain

type part = xlsxbomb.Part

func bombPart(t testing.TB, name, prefix, pattern string, n int64, suffix string) part {
	return xlsxbomb.Bomb(t, name, prefix, pattern, n, suffix)
}

func book(t testing.TB, parts ...part) []byte { return xlsxbomb.Book(t, parts...) }

func sheetXML(data string) string { return xlsxbomb.Sheet(data) }

// openLimited writes data to a file and opens it with lim, reading every row, and returns the
// first error and the bytes allocated meanwhile.
func openLimited(t *testing.T, data []byte, lim xlsxLimits) (error, uint64) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "orders.xlsx")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := openXLSXLimits("orders.xlsx", p, "", lim)
	if err == nil {
		for err == nil {
			_, _, err = r.Next()
		}
		r.Close()
		if err.Error() == "EOF" {
			err = nil
		}
	}
	runtime.ReadMemStats(&after)
	return err, after.TotalAlloc - before.TotalAlloc
}

// maxAlloc bounds what refusing a bomb may allocate: the checks hold a 64 KiB buffer, one tag
// (at most 1 MiB), a flate window per part and the zip directory; 16 MiB is far above that
// and 1/64 of the 1 GiB the largest bomb inflates to (before the fix, reading one of these
// allocated gigabytes).
const maxAlloc = 16 << 20

func TestXLSXBombs(t *testing.T) {
	const gib = 1 << 30
	small := defaultLimits
	small.cells, small.sharedStrings = 1000, 100
	tests := []struct {
		name  string
		parts []part
		lim   xlsxLimits
		want  string
	}{
		{
			name: "one 1 GiB cell",
			parts: []part{bombPart(t, "xl/worksheets/sheet1.xml",
				`<worksheet `+nsMain+`><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="B2" t="inlineStr"><is><t>`,
				"A", gib, `</t></is></c></row></sheetData></worksheet>`)},
			want: "orders.xlsx: sheet1: the part is larger than 512 MiB uncompressed",
		},
		{
			name: "one 1 GiB cell declared as 500 MiB",
			parts: []part{func() part {
				p := bombPart(t, "xl/worksheets/sheet1.xml",
					`<worksheet `+nsMain+`><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="B2" t="inlineStr"><is><t>`,
					"A", gib, `</t></is></c></row></sheetData></worksheet>`)
				p.Declared = 500 << 20
				return p
			}()},
			want: "orders.xlsx: sheet1: a cell is longer than 32767 characters (cell B2)",
		},
		{
			name: "a 400 MiB number",
			parts: []part{bombPart(t, "xl/worksheets/sheet1.xml",
				`<worksheet `+nsMain+`><sheetData><row r="1"><c r="A1"><v>`, "9", 400<<20, `</v></c></row></sheetData></worksheet>`)},
			want: "orders.xlsx: sheet1: a cell is longer than 32767 characters (cell A1)",
		},
		{
			name:  "a 400 MiB shared string",
			parts: []part{bombPart(t, "xl/sharedStrings.xml", `<sst `+nsMain+`><si><t>order_id</t></si><si><t>`, "x", 400<<20, `</t></si></sst>`)},
			want:  "orders.xlsx: sharedStrings: a shared string is longer than 32767 characters (string 2)",
		},
		{
			name: "400 MiB of whitespace between rows",
			parts: []part{bombPart(t, "xl/worksheets/sheet1.xml",
				`<worksheet `+nsMain+`><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>`, " ", 400<<20, `</sheetData></worksheet>`)},
			want: "orders.xlsx: sheet1: more than 32767 characters of text between two tags (row 1)",
		},
		{
			name:  "a 400 MiB comment",
			parts: []part{bombPart(t, "xl/worksheets/sheet1.xml", `<worksheet `+nsMain+`><!--`, "-", 400<<20, `--><sheetData/></worksheet>`)},
			want:  "orders.xlsx: sheet1: more than 32767 characters of text between two tags",
		},
		{
			name: "2 GiB of whitespace, declared",
			parts: []part{bombPart(t, "xl/worksheets/sheet1.xml",
				`<worksheet `+nsMain+`><sheetData>`, " ", 2*gib, `</sheetData></worksheet>`)},
			want: "orders.xlsx: sheet1: the part is larger than 512 MiB uncompressed",
		},
		{
			name: "1 GiB declared as 1 KiB",
			parts: []part{func() part {
				p := bombPart(t, "xl/worksheets/sheet1.xml", `<worksheet `+nsMain+`><sheetData><row r="1"><c r="A1"><v>1</v></c></row>`, "<row/>", gib, ``)
				p.Declared = 1 << 10
				return p
			}()},
			want: "orders.xlsx: sheet1: the part is damaged (its data is larger than its header says)",
		},
		{
			name: "16 EiB declared",
			parts: []part{func() part {
				p := bombPart(t, "xl/styles.xml", `<styleSheet `+nsMain+`>`, " ", 10, `</styleSheet>`)
				p.Declared = 1 << 63
				return p
			}()},
			want: "orders.xlsx: styles: the part is larger than 128 MiB uncompressed",
		},
		{
			name: "empty rows of empty cells",
			parts: []part{bombPart(t, "xl/worksheets/sheet2.xml",
				`<worksheet `+nsMain+`><sheetData>`, "<row><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/></row>", 500<<20, `</sheetData></worksheet>`)},
			want: "orders.xlsx: sheet2: row 1048577 is beyond the last row a sheet can have (1048576)",
		},
		{
			name: "empty elements at 1000:1",
			parts: []part{bombPart(t, "xl/worksheets/sheet1.xml",
				`<worksheet `+nsMain+`><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>`, "<a/>", 500<<20, `</worksheet>`)},
			want: "orders.xlsx: sheet1: the part inflates more than 200 times its compressed size (a zip bomb, not a spreadsheet) (row 1)",
		},
		{
			name: "sheets together past 1 GiB",
			parts: []part{
				bombPart(t, "xl/worksheets/sheet2.xml", `<worksheet `+nsMain+`>`, " ", 500<<20, `</worksheet>`),
				bombPart(t, "xl/worksheets/sheet3.xml", `<worksheet `+nsMain+`>`, " ", 500<<20, `</worksheet>`),
				bombPart(t, "xl/worksheets/sheet4.xml", `<worksheet `+nsMain+`>`, " ", 500<<20, `</worksheet>`),
			},
			want: "orders.xlsx: the workbook is larger than 1 GiB uncompressed",
		},
		{
			name:  "too many cells",
			parts: []part{{Name: "xl/worksheets/sheet1.xml", Content: sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2">` + strings.Repeat("<c/>", 1001) + `</row>`)}},
			lim:   small,
			want:  "orders.xlsx: sheet1: the sheet has more than 1000 cells",
		},
		{
			name:  "a column past XFD",
			parts: []part{{Name: "xl/worksheets/sheet1.xml", Content: sheetXML(`<row r="1">` + strings.Repeat("<c/>", 16385) + `</row>`)}},
			want:  "orders.xlsx: sheet1: a cell is beyond the last column a sheet can have (XFD, 16384) (row 1)",
		},
		{
			name:  "a column reference past XFD",
			parts: []part{{Name: "xl/worksheets/sheet1.xml", Content: sheetXML(`<row r="1"><c r="AAAA1"><v>1</v></c></row>`)}},
			want:  "orders.xlsx: sheet1: a cell is beyond the last column a sheet can have (XFD, 16384) (cell AAAA1)",
		},
		{
			name:  "a row past 1048576",
			parts: []part{{Name: "xl/worksheets/sheet1.xml", Content: sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="1048577"/>`)}},
			want:  "orders.xlsx: sheet1: row 1048577 is beyond the last row a sheet can have (1048576)",
		},
		{
			name:  "too many shared strings",
			parts: []part{{Name: "xl/sharedStrings.xml", Content: `<sst ` + nsMain + `>` + strings.Repeat("<si/>", 1<<20+1) + `</sst>`}},
			want:  "orders.xlsx: sharedStrings: the workbook has more than 1048576 shared strings",
		},
		{
			name:  "rich text runs",
			parts: []part{{Name: "xl/sharedStrings.xml", Content: `<sst ` + nsMain + `><si>` + strings.Repeat("<r><t>a</t></r>", 6000) + `</si></sst>`}},
			want:  "orders.xlsx: sharedStrings: a shared string has more than 10000 XML elements (string 1)",
		},
		{
			name:  "deep nesting",
			parts: []part{{Name: "xl/styles.xml", Content: `<styleSheet ` + nsMain + `>` + strings.Repeat("<a>", 100000) + `</styleSheet>`}},
			want:  "orders.xlsx: styles: the XML is nested deeper than 64 levels",
		},
		{
			name:  "a million styles",
			parts: []part{{Name: "xl/styles.xml", Content: `<styleSheet ` + nsMain + `><cellXfs>` + strings.Repeat("<xf/>", 1_000_000) + `</cellXfs></styleSheet>`}},
			want:  "orders.xlsx: styles: the part has more than 500000 XML elements",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := tt.lim
			if lim == (xlsxLimits{}) {
				lim = defaultLimits
			}
			data := book(t, tt.parts...)
			err, alloc := openLimited(t, data, lim)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
			if alloc > maxAlloc {
				t.Fatalf("refusing a %d-byte file allocated %d MiB", len(data), alloc>>20)
			}
			t.Logf("%d-byte file refused, %d KiB allocated", len(data), alloc>>10)
		})
	}
}

// The limits are Excel's own: a cell of exactly 32767 characters (multi-byte ones and
// entities counting as one each), a cell in column XFD and row 1048576 all read.
func TestXLSXAtTheLimits(t *testing.T) {
	long := strings.Repeat("é", 32766) + "&amp;"
	data := book(t,
		part{Name: "xl/sharedStrings.xml", Content: `<sst ` + nsMain + `><si><t>order_id</t></si><si><r><t>` + strings.Repeat("ç", 16000) + `</t></r><r><t>` + strings.Repeat("x", 16767) + `</t></r></si></sst>`},
		part{Name: "xl/worksheets/sheet1.xml", Content: sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>note</t></is></c></row>` +
			`<row r="2"><c r="A2" t="inlineStr"><is><t>` + long + `</t></is></c><c r="B2" t="s"><v>1</v></c></row>` +
			`<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>last</t></is></c><c r="XFD1048576"><v>7</v></c></row>`)},
	)
	p := filepath.Join(t.TempDir(), "limits.xlsx")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(p, XLSX)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	row, fields, err := r.Next()
	if err != nil || row != 2 || fields[0] != strings.Repeat("é", 32766)+"&" || len([]rune(fields[1])) != 32767 {
		t.Fatalf("row %d: %v (%d fields)", row, err, len(fields))
	}
	row, fields, err = r.Next()
	if err != nil || row != 1048576 || fields[0] != "last" || len(fields) != 16384 || fields[16383] != "7" {
		t.Fatalf("last row %d: %v, %d fields", row, err, len(fields))
	}

	// One character more is refused.
	data = book(t, part{Name: "xl/worksheets/sheet1.xml", Content: sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="C2" t="inlineStr"><is><t>` + long + `x</t></is></c></row>`)})
	err, _ = openLimited(t, data, defaultLimits)
	if err == nil || err.Error() != "orders.xlsx: sheet1: a cell is longer than 32767 characters (cell C2)" {
		t.Fatalf("32768 characters: %v", err)
	}
}

// A workbook with more parts than allowed is refused before archive/zip reads its directory;
// so is an upload larger than a workbook may be.
func TestXLSXTooManyParts(t *testing.T) {
	var extra []part
	for i := range defaultLimits.parts {
		extra = append(extra, part{Name: fmt.Sprintf("xl/media/image%d.png", i), Content: "x"})
	}
	err, _ := openLimited(t, book(t, extra...), defaultLimits)
	if err == nil || err.Error() != "orders.xlsx: the workbook has more than 10000 parts" {
		t.Fatalf("got %v", err)
	}
	lim := defaultLimits
	lim.fileBytes = 1000
	err, _ = openLimited(t, book(t), lim)
	if err == nil || err.Error() != "orders.xlsx: the workbook is larger than 1000 bytes" {
		t.Fatalf("got %v", err)
	}
}

// A bomb reaches the reader through OpenReader (an upload) the same way.
func TestXLSXBombUpload(t *testing.T) {
	data := book(t, bombPart(t, "xl/worksheets/sheet1.xml", `<worksheet `+nsMain+`><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`,
		"A", 400<<20, `</t></is></c></row></sheetData></worksheet>`))
	_, err := OpenReader("up.xlsx", XLSX, bytes.NewReader(data))
	if err == nil || err.Error() != "up.xlsx: sheet1: a cell is longer than 32767 characters (cell A1)" {
		t.Fatalf("got %v", err)
	}
}

// FuzzXMLWalker runs the limit scanners over arbitrary XML with small limits: they never
// panic, and a refusal is a limit error or a malformed-XML error, never a hang.
func FuzzXMLWalker(f *testing.F) {
	f.Add([]byte(sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>ab&amp;c</t></is></c></row>`)))
	f.Add([]byte(`<sst><si><r><t>a</t></r><r><t><![CDATA[<b>]]></t></r></si><!-- x --><?pi?></sst>`))
	f.Add([]byte(`<a><b><c><d></d></c></b></a>` + strings.Repeat(" ", 40)))
	lim := defaultLimits
	lim.textRun, lim.cellChars, lim.depth, lim.elements, lim.cells, lim.rows, lim.sharedStrings, lim.cellElements = 16, 16, 4, 20, 20, 5, 5, 5
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, scan := range []func(*xmlWalker) error{(*xmlWalker).worksheet, (*xmlWalker).sharedStrings, (*xmlWalker).elementsOnly} {
			l := lim
			w := &xmlWalker{br: bufio.NewReaderSize(bytes.NewReader(data), 16), lim: &l}
			if err := scan(w); err != nil && asLimit(err) == nil && !strings.Contains(err.Error(), "sheet XML ends") {
				t.Fatalf("%q: error %v", data, err)
			}
		}
	})
}
