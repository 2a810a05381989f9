package reader

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCSV(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		header []string
		rows   []got
		err    string // substring of the error that ends the file ("" = clean EOF)
	}{
		{
			name:   "basic",
			in:     "a,b\n1,2\n3,4\n",
			header: []string{"a", "b"},
			rows:   []got{{2, []string{"1", "2"}}, {3, []string{"3", "4"}}},
		},
		{
			name:   "no final newline",
			in:     "a,b\n1,2",
			header: []string{"a", "b"},
			rows:   []got{{2, []string{"1", "2"}}},
		},
		{
			name:   "BOM and CRLF",
			in:     "\ufefforder_id,store\r\nA-1,s1\r\nA-2,s2\r\n",
			header: []string{"order_id", "store"},
			rows:   []got{{2, []string{"A-1", "s1"}}, {3, []string{"A-2", "s2"}}},
		},
		{
			name:   "header kept as is",
			in:     " Order ID ,STORE\n",
			header: []string{" Order ID ", "STORE"},
		},
		{
			name:   "quoted commas and escaped quotes",
			in:     "a,b,c\n\"1,5\",\"say \"\"hola\"\"\",\"\"\n",
			header: []string{"a", "b", "c"},
			rows:   []got{{2, []string{"1,5", `say "hola"`, ""}}},
		},
		{
			name:   "quoted newlines keep record numbering",
			in:     "a,b\n\"line 1\nline 2\nline 3\",x\ny,z\n\"p\r\nq\",w\r\nlast,row\n",
			header: []string{"a", "b"},
			rows: []got{
				{2, []string{"line 1\nline 2\nline 3", "x"}},
				{3, []string{"y", "z"}},
				{4, []string{"p\nq", "w"}},
				{5, []string{"last", "row"}},
			},
		},
		{
			name:   "multi-line last field",
			in:     "a,b\nx,\"1\n2\"\ny,z\n",
			header: []string{"a", "b"},
			rows:   []got{{2, []string{"x", "1\n2"}}, {3, []string{"y", "z"}}},
		},
		{
			name:   "multi-line header",
			in:     "\"a\nb\",c\n1,2\n",
			header: []string{"a\nb", "c"},
			rows:   []got{{2, []string{"1", "2"}}},
		},
		{
			name:   "short and long rows",
			in:     "a,b,c\n1\n1,2\n1,2,3,4\n",
			header: []string{"a", "b", "c"},
			rows:   []got{{2, []string{"1"}}, {3, []string{"1", "2"}}, {4, []string{"1", "2", "3", "4"}}},
		},
		{
			name:   "empty rows skipped but counted",
			in:     "a,b\n1,2\n,\n\n3,4\n,,\n\n",
			header: []string{"a", "b"},
			rows:   []got{{2, []string{"1", "2"}}, {5, []string{"3", "4"}}},
		},
		{
			name:   "blank lines between multi-line records",
			in:     "a\n\"x\ny\"\n\n\n\"z\"\n",
			header: []string{"a"},
			rows:   []got{{2, []string{"x\ny"}}, {5, []string{"z"}}},
		},
		{
			name:   "empty rows before the header",
			in:     "\n,,\na,b\n1,2\n",
			header: []string{"a", "b"},
			rows:   []got{{4, []string{"1", "2"}}},
		},
		{
			name:   "whitespace is not empty",
			in:     "a\n \n",
			header: []string{"a"},
			rows:   []got{{2, []string{" "}}},
		},
		{
			name:   "header only",
			in:     "a,b\n",
			header: []string{"a", "b"},
		},
		{name: "empty file", in: "", err: "f.csv: empty file, no header row"},
		{name: "BOM only", in: "\ufeff", err: "f.csv: empty file, no header row"},
		{name: "blank lines only", in: "\n\r\n,\n", err: "f.csv: empty file, no header row"},
		{
			name:   "bare quote",
			in:     "a,b\n1,2\n3,x\"y\n",
			header: []string{"a", "b"},
			rows:   []got{{2, []string{"1", "2"}}},
			err:    `f.csv: row 3: bare " in non-quoted-field (at line 3, byte 4)`,
		},
		{
			name:   "bare quote after a multi-line record",
			in:     "a\n\"x\ny\"\n\nb\"c\n",
			header: []string{"a"},
			rows:   []got{{2, []string{"x\ny"}}},
			err:    `f.csv: row 4: bare "`,
		},
		{
			name:   "unterminated quote",
			in:     "a,b\n1,2\n3,\"abc\n4,5\n",
			header: []string{"a", "b"},
			rows:   []got{{2, []string{"1", "2"}}},
			err:    `f.csv: row 3: extraneous or missing " in quoted-field`,
		},
		{
			name:   "text after closing quote",
			in:     "a\n\"x\"y\n",
			header: []string{"a"},
			err:    `f.csv: row 2: extraneous or missing " in quoted-field`,
		},
		{
			name:   "invalid UTF-8",
			in:     "a,b\n1,2\nok,S\xe3o Paulo\n",
			header: []string{"a", "b"},
			rows:   []got{{2, []string{"1", "2"}}},
			err:    "f.csv: row 3: invalid UTF-8 in column 2",
		},
		{
			name: "invalid UTF-8 in the header",
			in:   "id,descripci\xf3n\n1,2\n",
			err:  "f.csv: row 1: invalid UTF-8 in column 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := OpenReader("f.csv", CSV, strings.NewReader(tt.in))
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
			if len(rows) != len(tt.rows) || (len(rows) > 0 && !reflect.DeepEqual(rows, tt.rows)) {
				t.Fatalf("rows\n got %+v\nwant %+v", rows, tt.rows)
			}
			if tt.err != "" { // errors are final
				_, _, err2 := r.Next()
				if err2 == nil || err2.Error() != err.Error() {
					t.Fatalf("second Next: %v, want %v", err2, err)
				}
			}
		})
	}
}

func TestCSVErrorFields(t *testing.T) {
	r, err := OpenReader("up.csv", CSV, strings.NewReader("a\n\"x\"y\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = r.Next()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%T", err)
	}
	if e.File != "up.csv" || e.Row != 2 || !strings.HasPrefix(e.Reason, "extraneous") {
		t.Fatalf("%+v", e)
	}
}

func TestCSVRecordTooLarge(t *testing.T) {
	// An unclosed quote must not buffer the whole input.
	in := io.MultiReader(strings.NewReader("a\n\""), endless('x'))
	r, err := OpenReader("big.csv", CSV, in)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = r.Next()
	wantErr(t, err, "big.csv: row 2: record larger than 16 MiB")
}

// endless is an infinite reader of one byte.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

func TestCSVOpenFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "orders.csv")
	if err := os.WriteFile(path, []byte("\ufeffa,b\r\n1,2\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, CSV)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := drain(t, r)
	if err != nil || len(rows) != 1 || rows[0].Row != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, err := Open(filepath.Join(dir, "missing.csv"), CSV); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, CSV)
	wantErr(t, err, path+": empty file, no header row")
}

// TestCSVFieldsReused documents that the fields slice is only valid until the next call.
func TestCSVFieldsReused(t *testing.T) {
	r, _ := OpenReader("f.csv", CSV, strings.NewReader("a,b\n1,2\n3,4\n"))
	_, f1, _ := r.Next()
	keep := f1[0]
	_, f2, _ := r.Next()
	if &f1[0] != &f2[0] {
		t.Log("fields slice not reused (allowed)")
	}
	if keep != "1" {
		t.Fatalf("a kept string changed: %q", keep)
	}
}
