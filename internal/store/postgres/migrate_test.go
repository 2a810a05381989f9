package postgres

import (
	"flag"
	"os"
	"strings"
	"testing"

	"pulso/internal/record"
	"pulso/internal/store"
)

var update = flag.Bool("update", false, "rewrite generated migrations")

// The records migration is generated from the contract; a change to internal/record must come
// with a regenerated file (go test ./internal/store/postgres -run TestMigrationMatchesContract -update).
func TestMigrationMatchesContract(t *testing.T) {
	const path = "migrations/00001_records.sql"
	want := store.RecordsMigration(Types, true, Indexes)
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

// Index names must be unique and fit PostgreSQL's 63-byte identifiers (longer ones are cut).
func TestIndexNames(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range record.Kinds() {
		for _, ix := range Indexes(k) {
			name := strings.Split(ix, `"`)[1]
			if len(name) > 63 {
				t.Errorf("index name %s is %d bytes; PostgreSQL keeps 63", name, len(name))
			}
			if seen[name] {
				t.Errorf("index name %s used twice", name)
			}
			seen[name] = true
		}
	}
}
