package reader

import (
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestSheetScanner(t *testing.T) {
	styles := []uint8{kindNone, kindDate, kindDateTime}
	const head = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/>`
	tests := []struct {
		name string
		xml  string
		rows map[int][]uint8 // asked rows 1..len; missing = nil
		n    int
		err  string // from finish
	}{
		{
			name: "refs, styles, types",
			xml: head + `<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>` +
				`<row r="2" spans="1:3"><c r="A2" s="1"><v>46083</v></c><c r="C2" s="2" t="n"><v>1.5</v></c></row>` +
				`<row r="4"><c r="B4" s="1" t="s"><v>1</v></c><c r="C4" s="1" t="str"><v>x</v></c><c r="D4" s="9"><v>1</v></c></row>` +
				`</sheetData><pageMargins left="0.7"/></worksheet>`,
			n:    5,
			rows: map[int][]uint8{2: {kindDate, kindNone, kindDateTime}},
		},
		{
			name: "no refs, prefixes, comments, CDATA, quotes",
			xml: head + `<x:sheetData><!-- <row r="9"> --><x:row><x:c s="1"><x:v>1</x:v></x:c><x:c/><x:c s='2'><x:v>2</x:v></x:c></x:row>` +
				`<x:row a="x>y" ><x:c  r = "B2"  s = "1" ><x:is><x:t><![CDATA[<c s="2">]]></x:t></x:is></x:c></x:row>` +
				`<?pi <row r="50"?><x:row r="3"/></x:sheetData></worksheet>`,
			n:    3,
			rows: map[int][]uint8{1: {kindDate, kindNone, kindDateTime}, 2: {kindNone, kindDate}},
		},
		{
			name: "empty sheet data",
			xml:  head + `<sheetData/></worksheet>`,
			n:    1,
		},
		{
			name: "excelize stopped early",
			xml:  head + `<sheetData><row r="1"/><row r="2"/><row r="3"/></sheetData></worksheet>`,
			n:    2,
			err:  "rows from 3 on could not be read",
		},
		{
			name: "truncated",
			xml:  head + `<sheetData><row r="1"><c r="A1" s="1"><v>1</v></c>`,
			n:    1,
			rows: map[int][]uint8{1: {kindDate}},
			err:  "ends before the end of its data",
		},
		{
			name: "truncated in a tag",
			xml:  head + `<sheetData><row r="1"><c r="A1`,
			n:    1,
			err:  "ends in the middle of a tag",
		},
		{
			name: "out of order",
			xml:  head + `<sheetData><row r="2"/><row r="1"/></sheetData></worksheet>`,
			n:    2,
			err:  "row 1 is out of order",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSheetScanner(io.NopCloser(strings.NewReader(tt.xml)), styles)
			for n := 1; n <= tt.n; n++ {
				got, err := s.row(n)
				if err != nil {
					t.Fatalf("row %d: %v", n, err)
				}
				if want := tt.rows[n]; len(got) != 0 || len(want) != 0 {
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("row %d: %v, want %v", n, got, want)
					}
				}
			}
			err := s.finish()
			wantErr(t, err, tt.err)
			s.close()
		})
	}
}

func TestAttrAndRef(t *testing.T) {
	attrs := []byte(` r="B12" s='3' x:t="n" bad`)
	for name, want := range map[string]string{"r": "B12", "s": "3", "t": "n"} {
		if v, ok := attr(attrs, name); !ok || string(v) != want {
			t.Errorf("attr %s = %q %v", name, v, ok)
		}
	}
	if _, ok := attr(attrs, "q"); ok {
		t.Error("attr q found")
	}
	for ref, want := range map[string]int{"A1": 1, "Z9": 26, "AA1": 27, "xfd1": 16384, "XFE1": 0, "$B$2": 2, "1A": 0, "": 0, "AAAAAAAAAAAAAAAAAAAAAAAAAAA1": 0} {
		if got := refColumn([]byte(ref)); got != want {
			t.Errorf("refColumn(%q) = %d, want %d", ref, got, want)
		}
	}
}
