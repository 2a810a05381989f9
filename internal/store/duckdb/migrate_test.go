package duckdb

import (
	"flag"
	"os"
	"testing"

	"pulso/internal/store"
)

var update = flag.Bool("update", false, "rewrite generated migrations")

// The records migration is generated from the contract; a change to internal/record must come
// with a regenerated file (go test ./internal/store/duckdb -run TestMigrationMatchesContract -update).
func TestMigrationMatchesContract(t *testing.T) {
	const path = "migrations/00001_records.sql"
	want := store.RecordsMigration(Types, false, nil)
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with internal/record; rerun with -update", path)
	}
}
