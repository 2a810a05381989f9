package metric

import "fmt"

// Dialect is an engine's SQL. The generated SQL is PostgreSQL's, which DuckDB also speaks; this
// table holds every difference the compiler relies on, and each row is tested on both engines
// (dialect_test.go, golden files in testdata/).
type Dialect struct {
	Name string
	// epoch is the seconds since 1970-01-01 UTC of a TIMESTAMPTZ. DuckDB's epoch() is about 20×
	// faster than its extract(), which goes through ICU's calendar (notes/duckdb-speed.md).
	epoch string
}

var (
	DuckDB   = Dialect{Name: "duckdb", epoch: "epoch(%s)"}
	Postgres = Dialect{Name: "postgres", epoch: "extract(epoch from %s)"}
)

// Epoch implements expr.Dialect.
func (d Dialect) Epoch(x string) string { return fmt.Sprintf(d.epoch, x) }

// DialectFor returns the dialect of an engine name ("duckdb" or "postgres").
func DialectFor(engine string) (Dialect, error) {
	switch engine {
	case DuckDB.Name:
		return DuckDB, nil
	case Postgres.Name:
		return Postgres, nil
	}
	return Dialect{}, fmt.Errorf("no SQL dialect for engine %q", engine)
}
