// Package xlsxbomb builds hostile XLSX workbooks for tests: parts that inflate to gigabytes
// from a few megabytes, sizes declared falsely, and the ordinary parts around them.
package xlsxbomb

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"strings"
	"testing"
)

// Namespaces and the relationship type prefix of SpreadsheetML.
const (
	NSMain = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	nsRels = `xmlns="http://schemas.openxmlformats.org/package/2006/relationships"`
	relDoc = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
)

// Part is one zip entry: plain content, or raw deflate data with its sizes as declared.
type Part struct {
	Name     string
	Content  string
	Raw      []byte // deflate data, written as is
	Declared uint64 // uncompressed size written in the headers (a lie, if it differs)
}

// Bomb builds a deflated part of prefix, then pattern repeated to about n bytes, then
// suffix, without holding the n bytes: a deflate segment references only its own output, so
// one compressed MiB of pattern can be repeated as many times as wanted.
func Bomb(t testing.TB, name, prefix, pattern string, n int64, suffix string) Part {
	t.Helper()
	segment := func(b []byte) []byte {
		var out bytes.Buffer
		w, err := flate.NewWriter(&out, flate.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		w.Flush() // byte-aligned, not final
		return out.Bytes()
	}
	fill := strings.Repeat(pattern, max(1, (1<<20)/len(pattern)))
	raw := segment([]byte(prefix))
	chunk := segment([]byte(fill))
	copies := max(1, n/int64(len(fill)))
	for range copies {
		raw = append(raw, chunk...)
	}
	raw = append(raw, segment([]byte(suffix))...)
	raw = append(raw, 1, 0, 0, 0xff, 0xff) // final empty stored block
	return Part{Name: name, Raw: raw, Declared: uint64(len(prefix)) + uint64(copies)*uint64(len(fill)) + uint64(len(suffix))}
}

// Book writes a workbook (one sheet, "Sheet1", at xl/worksheets/sheet1.xml, and a shared
// strings part) with the given parts replacing or adding to the defaults.
func Book(t testing.TB, parts ...Part) []byte {
	t.Helper()
	defaults := []Part{
		{Name: "[Content_Types].xml", Content: `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{Name: "_rels/.rels", Content: `<Relationships ` + nsRels + `><Relationship Id="rId1" Type="` + relDoc + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{Name: "xl/workbook.xml", Content: `<workbook ` + NSMain + ` xmlns:r="` + relDoc + `"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{Name: "xl/_rels/workbook.xml.rels", Content: `<Relationships ` + nsRels + `><Relationship Id="rId1" Type="` + relDoc + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + relDoc + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{Name: "xl/sharedStrings.xml", Content: `<sst ` + NSMain + `><si><t>order_id</t></si></sst>`},
		{Name: "xl/worksheets/sheet1.xml", Content: Sheet(`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>A-1</t></is></c></row>`)},
	}
	byName := map[string]Part{}
	for _, p := range parts {
		byName[p.Name] = p
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	write := func(p Part) {
		if p.Raw == nil {
			w, err := zw.Create(p.Name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(p.Content))
			return
		}
		// CRC-32 0: a bomb is refused long before its end, where the checksum is checked.
		w, err := zw.CreateRaw(&zip.FileHeader{Name: p.Name, Method: zip.Deflate,
			CompressedSize64: uint64(len(p.Raw)), UncompressedSize64: p.Declared})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.Raw)
	}
	for _, d := range defaults {
		if p, ok := byName[d.Name]; ok {
			write(p)
			delete(byName, d.Name)
			continue
		}
		write(d)
	}
	for _, p := range parts {
		if _, ok := byName[p.Name]; ok {
			write(p)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Sheet is a worksheet part holding data as its sheetData.
func Sheet(data string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + NSMain + `><sheetData>` + data + `</sheetData></worksheet>`
}
