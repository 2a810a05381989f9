package reader

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// got is one row as returned by Next.
type got struct {
	Row    int
	Fields []string
}

// drain reads r to the end. It returns the rows (fields copied), and the error that ended
// the reading (nil for io.EOF).
func drain(t testing.TB, r Reader) ([]got, error) {
	t.Helper()
	var out []got
	prev := 0
	for i := 0; ; i++ {
		row, fields, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Next error is %T (%v), want *Error", err, err)
			}
			return out, err
		}
		if row <= prev {
			t.Fatalf("row %d after row %d", row, prev)
		}
		prev = row
		out = append(out, got{row, append([]string{}, fields...)})
		if i > 1_000_000 {
			t.Fatal("too many rows")
		}
	}
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err.Error(), want)
	}
}
