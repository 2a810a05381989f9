package postgres_test

import (
	"testing"

	"pulso/internal/store"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// The PostgreSQL engine's conformance run (a fresh schema per subtest).
func TestPostgresConformance(t *testing.T) {
	storetest.PostgresDSN(t) // skip (or fail in CI) once, not per subtest
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
