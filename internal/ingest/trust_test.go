package ingest

import (
	"context"
	"testing"
)

// Finding 10 of issue 8: a header-only file "imported" and made its source look fresh. It is
// an error that changes nothing, in a batch of several files too.
func TestHeaderOnlyFileIsAnError(t *testing.T) {
	st := open(t)
	dir := t.TempDir()
	empty := write(t, dir, "empty.csv", header)
	blank := write(t, dir, "blank.csv", header+"\n,,,,,,,,,\n\n")
	good := write(t, dir, "good.csv", base)
	for _, files := range [][]string{{empty}, {blank}, {good, empty}} {
		_, err := importFiles(t, st, Options{Kind: "orders"}, files...)
		want := files[len(files)-1] + ": no rows to import"
		if err == nil || err.Error() != want {
			t.Fatalf("%v: got %v, want %q", files, err, want)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM imports`); n != 0 {
		t.Fatalf("%d imports logged, want 0", n)
	}
	if n := count(t, st, `SELECT count(*) FROM orders`); n != 0 {
		t.Fatalf("%d orders stored, want 0", n)
	}
	srcs, err := st.Sources(context.Background(), "t1")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if s.Kind == "orders" && (s.Rows != 0 || s.LastImportAt != nil) {
			t.Fatalf("orders source listed after header-only imports: %+v", s)
		}
	}
}
