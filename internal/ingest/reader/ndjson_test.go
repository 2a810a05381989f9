package reader

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestNDJSON(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		header []string // after Open
		final  []string // after the last row (nil: same as header)
		rows   []got
		err    string
	}{
		{
			name:   "values",
			in:     `{"s":"x","n":1.50,"i":-12,"e":1e3,"big":12345678901234567890,"t":true,"f":false,"z":null,"u":"S\u00e3o \"P\""}` + "\n",
			header: []string{"s", "n", "i", "e", "big", "t", "f", "z", "u"},
			rows:   []got{{1, []string{"x", "1.50", "-12", "1e3", "12345678901234567890", "true", "false", "", `São "P"`}}},
		},
		{
			name:   "blank lines are counted",
			in:     "\n{\"a\":1}\n\n  \t\n{\"a\":2}\r\n\r\n",
			header: []string{"a"},
			rows:   []got{{2, []string{"1"}}, {5, []string{"2"}}},
		},
		{
			name:   "BOM, CRLF, no final newline",
			in:     "\ufeff{\"a\":\"x\"}\r\n{\"a\":\"y\"}",
			header: []string{"a"},
			rows:   []got{{1, []string{"x"}}, {2, []string{"y"}}},
		},
		{
			name:   "keys in any order, missing keys",
			in:     `{"a":1,"b":2}` + "\n" + `{"b":3}` + "\n" + `{"b":4,"a":5}` + "\n",
			header: []string{"a", "b"},
			rows:   []got{{1, []string{"1", "2"}}, {2, []string{"", "3"}}, {3, []string{"5", "4"}}},
		},
		{
			name:   "new keys extend the header",
			in:     `{"a":1}` + "\n" + `{"c":2,"a":3}` + "\n" + `{"a":4}` + "\n",
			header: []string{"a"},
			final:  []string{"a", "c"},
			rows:   []got{{1, []string{"1"}}, {2, []string{"3", "2"}}, {3, []string{"4", ""}}},
		},
		{
			name:   "empty object",
			in:     "{}\n{\"a\":1}\n",
			header: []string{},
			final:  []string{"a"},
			rows:   []got{{1, []string{}}, {2, []string{"1"}}},
		},
		{name: "empty file", in: "", err: "f.ndjson: empty file, no header row"},
		{name: "blank lines only", in: "\n  \n\r\n", err: "f.ndjson: empty file, no header row"},
		{
			name:   "nested object",
			in:     `{"a":1}` + "\n" + `{"a":2,"addr":{"city":"Lima"}}` + "\n",
			header: []string{"a"},
			rows:   []got{{1, []string{"1"}}},
			err:    `f.ndjson: line 2: key "addr": value is an object`,
		},
		{
			name: "nested array",
			in:   "\n" + `{"a":[1,2]}` + "\n",
			err:  `f.ndjson: line 2: key "a": value is an array`,
		},
		{
			name: "top-level array",
			in:   `[{"a":1},{"a":2}]`,
			err:  "f.ndjson: line 1: a JSON array is not supported",
		},
		{
			name: "not an object",
			in:   `"a"` + "\n",
			err:  "f.ndjson: line 1: expected a JSON object",
		},
		{
			name:   "duplicate key",
			in:     `{"a":1}` + "\n" + `{"a":1,"a":2}` + "\n",
			header: []string{"a"},
			rows:   []got{{1, []string{"1"}}},
			err:    `f.ndjson: line 2: key "a" appears twice`,
		},
		{
			name: "two objects on a line",
			in:   `{"a":1} {"a":2}` + "\n",
			err:  "f.ndjson: line 1: unexpected data after the JSON object",
		},
		{
			name: "object across lines",
			in:   "{\"a\":\n1}\n",
			err:  "f.ndjson: line 1: invalid JSON: the object is not complete on this line",
		},
		{
			name:   "syntax error",
			in:     `{"a":1}` + "\n\n" + `{"a":}` + "\n",
			header: []string{"a"},
			rows:   []got{{1, []string{"1"}}},
			err:    "f.ndjson: line 3: invalid JSON: invalid character '}' looking for beginning of value",
		},
		{
			name:   "escapes in keys and values",
			in:     `{"a\u0062":"x\ty\\z\"","c":"\ud83d\ude00"}` + "\n",
			header: []string{"ab", "c"},
			rows:   []got{{1, []string{"x\ty\\z\"", "😀"}}},
		},
		{
			name:   "whitespace everywhere",
			in:     " \t{ \"a\" : 1 , \"b\" :\t-0.5e-3 , \"c\" : [ ] } \n",
			header: nil,
			err:    `f.ndjson: line 1: key "c": value is an array`,
		},
		{
			name:   "whitespace around values",
			in:     " { \"a\" : 1 , \"b\" :\t-0.5E+3 , \"c\" : null,\"d\":true } \r\n{}",
			header: []string{"a", "b", "c", "d"},
			rows:   []got{{1, []string{"1", "-0.5E+3", "", "true"}}, {2, []string{"", "", "", ""}}},
		},
		{
			name: "invalid UTF-8",
			in:   "{\"a\":\"S\xe3o\"}\n",
			err:  "f.ndjson: line 1: invalid UTF-8",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := OpenReader("f.ndjson", NDJSON, strings.NewReader(tt.in))
			if err != nil {
				if tt.header != nil {
					t.Fatalf("Open: %v", err)
				}
				wantErr(t, err, tt.err)
				return
			}
			defer r.Close()
			if !reflect.DeepEqual(r.Header(), tt.header) {
				t.Fatalf("header %q, want %q", r.Header(), tt.header)
			}
			rows, err := drain(t, r)
			wantErr(t, err, tt.err)
			if !reflect.DeepEqual(rows, tt.rows) {
				t.Fatalf("rows\n got %+v\nwant %+v", rows, tt.rows)
			}
			final := tt.final
			if final == nil {
				final = tt.header
			}
			if !reflect.DeepEqual(r.Header(), final) {
				t.Fatalf("final header %q, want %q", r.Header(), final)
			}
		})
	}
}

func TestNDJSONOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.jsonl")
	if err := os.WriteFile(path, []byte(`{"a":1}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := DetectFormat(path)
	if err != nil || f != NDJSON {
		t.Fatal(f, err)
	}
	r, err := Open(path, f)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := drain(t, r)
	if err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNDJSONLineTooLong(t *testing.T) {
	in := strings.NewReader(`{"a":1}` + "\n" + `{"a":"` + strings.Repeat("x", maxRecordBytes+10) + `"}` + "\n")
	r, err := OpenReader("f.ndjson", NDJSON, in)
	if err != nil {
		t.Fatal(err)
	}
	_, err = drain(t, r)
	wantErr(t, err, "f.ndjson: line 2: line longer than 16 MiB")
}
