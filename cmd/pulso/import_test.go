package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 8: a header-only file is an error that logs no import; personal extra columns are
// dropped and named at the end of the summary line, whose start stays as it was.
func TestImportRefusesEmptyAndDropsPersonalColumns(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	t.Setenv("PULSO_DB", "")
	head := "order_id,platform,country,store,created_at,currency,gross_amount,buyer_email,promo_code,customer_code\n"
	empty := writeFile(t, dir, "empty.csv", head)
	if _, err := run(t, "import", "--db", db, "--kind", "orders", empty); err == nil || err.Error() != empty+": no rows to import" {
		t.Fatalf("header-only file: %v", err)
	}
	out, err := run(t, "sources", "--db", db, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var srcs []map[string]any
	if err := json.Unmarshal([]byte(out), &srcs); err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if s["kind"] == "orders" && (s["last_import_at"] != nil || s["rows"] != 0.0) {
			t.Fatalf("orders look imported after a header-only file: %v", s)
		}
	}
	f := writeFile(t, dir, "orders.csv", head+"A1,amazon,BR,s1,2026-03-02 10:00:00,BRL,10,ana@example.com,PROMO10,c-1\n")
	out, err = run(t, "import", "--db", db, "--kind", "orders", "--pseudonymise", "customer_code", f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "orders: read 1, inserted 1, updated 0, unchanged 0, rejected 0, ") ||
		!strings.HasSuffix(out, " rows/s; dropped personal columns: buyer_email (1 values)\n") {
		t.Fatalf("summary %q", out)
	}
	if _, err := run(t, "import", "--db", db, "--kind", "orders", "--pseudonymise", "order_id", f); err == nil ||
		!strings.Contains(err.Error(), "column order_id is a contract column of orders and cannot be pseudonymised") {
		t.Fatalf("--pseudonymise order_id: %v", err)
	}
}
