package postgres_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"pulso/internal/record"
	"pulso/internal/store"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// Several nodes starting at once on an empty database: one migrates, the others wait for
// the migration lock and find the work done.
func TestPostgresConcurrentOpen(t *testing.T) {
	dsn := storetest.PostgresSchema(t)
	const nodes = 4
	errs := make([]error, nodes)
	stores := make([]*postgres.DB, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), dsn) })
	}
	wg.Wait()
	for i := range nodes {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		defer stores[i].Close()
	}
	var versions int
	if err := stores[0].DB().QueryRowContext(t.Context(), `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if versions != len(files) {
		t.Errorf("goose_db_version lists %d applied migrations, want %d (each applied once)", versions, len(files))
	}
}

// Batches with the same keys applied at once from several connections (several nodes) are
// applied one after the other: none fails on a duplicate key and none is lost.
func TestPostgresConcurrentApply(t *testing.T) {
	s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k, _ := record.NewCatalog().Kind("orders")
	secret, err := s.TenantSecret(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	const writers, keys = 4, 200
	batches := make([][][]any, writers)
	for w := range writers {
		var b strings.Builder
		b.WriteString("order_id,platform,country,store,created_at,currency,gross_amount\n")
		for i := range keys {
			fmt.Fprintf(&b, "O%d,amazon,MX,s,2026-03-02 10:00:00,MXN,%d\n", i, w+1)
		}
		batches[w] = storetest.Rows(t, k, secret, b.String())
	}
	counts := make([]store.Counts, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			counts[w], errs[w] = s.Apply(t.Context(), store.Batch{Tenant: "acme", Kind: k, Source: "push"}, storetest.NewSource(batches[w]))
		})
	}
	wg.Wait()
	var total store.Counts
	for w := range writers {
		if errs[w] != nil {
			t.Fatalf("writer %d: %v", w, errs[w])
		}
		total.Inserted += counts[w].Inserted
		total.Updated += counts[w].Updated
		total.Unchanged += counts[w].Unchanged
	}
	// The first batch inserts every key, each later one (other amounts) updates every key.
	if want := (store.Counts{Inserted: keys, Updated: (writers - 1) * keys}); total != want {
		t.Errorf("counts over all writers %+v, want %+v", total, want)
	}
	// The table holds one whole batch: the last one applied.
	var rows, amounts int
	if err := s.DB().QueryRowContext(t.Context(), `SELECT count(*), count(DISTINCT gross_amount) FROM orders`).Scan(&rows, &amounts); err != nil {
		t.Fatal(err)
	}
	if rows != keys || amounts != 1 {
		t.Errorf("orders has %d rows with %d distinct amounts, want %d rows of one batch", rows, amounts, keys)
	}
}
