package reader

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name string
		want Format
		err  string
	}{
		{"orders.csv", CSV, ""},
		{"/tmp/up/ORDERS.CSV", CSV, ""},
		{"book.xlsx", XLSX, ""},
		{"Book.XLSX", XLSX, ""},
		{"x.ndjson", NDJSON, ""},
		{"x.jsonl", NDJSON, ""},
		{"x.json", NDJSON, ""},
		{"x.tsv", "", "x.tsv: tab-separated files are not supported"},
		{"x.xls", "", "legacy .xls"},
		{"x.txt", "", `unsupported file type ".txt"`},
		{"noext", "", "no file extension"},
		{"archive.csv.gz", "", `unsupported file type ".gz"`},
	}
	for _, tt := range tests {
		got, err := DetectFormat(tt.name)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("DetectFormat(%q) error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("DetectFormat(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    *Error
		want string
	}{
		{&Error{File: "a.csv", Row: 3, Reason: "bad"}, "a.csv: row 3: bad"},
		{&Error{File: "a.csv", Reason: reasonEmpty}, "a.csv: empty file, no header row"},
		{&Error{File: "a.ndjson", Row: 7, Reason: "bad", line: true}, "a.ndjson: line 7: bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%q, want %q", got, tt.want)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := Open("x.csv", "tsv"); err == nil {
		t.Error("Open with unknown format: no error")
	}
	if _, err := OpenReader("x.csv", "", strings.NewReader("a\n")); err == nil {
		t.Error("OpenReader with unknown format: no error")
	}
}

// failing returns data, then an error.
type failing struct {
	data string
	err  error
}

func (f *failing) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadErrorIsError(t *testing.T) {
	boom := errors.New("connection reset")
	for _, f := range []Format{CSV, NDJSON} {
		head := "a\n1\n"
		if f == NDJSON {
			head = `{"a":1}` + "\n"
		}
		r, err := OpenReader("up", f, &failing{data: head, err: boom})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var last error
		for range 5 {
			if _, _, last = r.Next(); last != nil {
				break
			}
		}
		var e *Error
		if !errors.As(last, &e) || !errors.Is(last, boom) || last == io.EOF {
			t.Fatalf("%s: %T %v, want *Error wrapping the read error", f, last, last)
		}
		if !strings.Contains(last.Error(), "read error: connection reset") {
			t.Fatalf("%s: %v", f, last)
		}
	}
}

func TestOpenErrorReturnsNilReader(t *testing.T) {
	for _, f := range []Format{CSV, NDJSON, XLSX} {
		r, err := OpenReader("empty", f, strings.NewReader(""))
		if err == nil || r != nil {
			t.Errorf("%s: reader %#v, error %v; want nil and an error", f, r, err)
		}
	}
}
