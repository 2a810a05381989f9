package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"pulso/internal/record"
	"pulso/internal/store"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// genSource yields n orders made on demand; hook runs before row i (1-based) is returned.
type genSource struct {
	p    *record.Parser
	n, i int
	hook func(i int) error
}

func (g *genSource) Next() ([]any, error) {
	if g.i >= g.n {
		return nil, io.EOF
	}
	g.i++
	if g.hook != nil {
		if err := g.hook(g.i); err != nil {
			return nil, err
		}
	}
	return g.p.Parse(g.i+1, []string{fmt.Sprintf("G%06d", g.i), "shopee", "BR", "s1", "2026-03-02 10:00:00", "BRL", fmt.Sprint(g.i%1000) + ".5", "2026-03-04"})
}
func (g *genSource) Read() int64     { return int64(g.i) }
func (g *genSource) Rejected() int64 { return 0 }

func newGen(t *testing.T, s store.Store, n int) (*record.Kind, *genSource) {
	k, _ := record.NewCatalog().Kind("orders")
	secret, err := s.TenantSecret(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	p, err := record.NewParser(k, []string{"order_id", "platform", "country", "store", "created_at", "currency", "gross_amount", "delivered_at"}, record.NewZones(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return k, &genSource{p: p, n: n}
}

// COPY streams: the server has taken rows before the source is exhausted.
func TestPostgresCopyStreams(t *testing.T) {
	s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 60000
	k, src := newGen(t, s, n)
	var seen int64
	src.hook = func(i int) error {
		if i != 40000 {
			return nil
		}
		// another connection watches the COPY in progress (pg_stat_progress_copy, PostgreSQL 14+)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && seen == 0 {
			err := s.DB().QueryRowContext(t.Context(), `SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy
				WHERE relid::regclass::text LIKE '%stage\_orders\_%' AND tuples_processed >= 10000`).Scan(&seen)
			if err != nil {
				return err
			}
			time.Sleep(20 * time.Millisecond)
		}
		return nil
	}
	c, err := s.Apply(t.Context(), store.Batch{Tenant: "acme", Kind: k, Source: "gen"}, src)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Counts{Read: n, Inserted: n}); c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
	if seen == 0 {
		t.Error("the server had no staged rows while the source was still being read: rows are buffered, not streamed")
	}
	var rows, local int
	if err := s.DB().QueryRowContext(t.Context(), `SELECT count(*), count(*) FILTER (WHERE delivered_at_local = DATE '2026-03-04') FROM orders`).Scan(&rows, &local); err != nil {
		t.Fatal(err)
	}
	if rows != n || local != n {
		t.Errorf("orders has %d rows, %d with the delivered local date; want %d", rows, local, n)
	}
}

// Cancelling the context in the middle of a COPY leaves nothing behind, and the pool is fine.
func TestPostgresCopyCancelled(t *testing.T) {
	s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k, src := newGen(t, s, 20000)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	src.hook = func(i int) error {
		if i == 5000 {
			cancel()
		}
		return nil
	}
	if _, err := s.Apply(ctx, store.Batch{Tenant: "acme", Kind: k, Source: "gen"}, src); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with a cancelled context = %v, want context.Canceled", err)
	}
	var n int
	if err := s.DB().QueryRowContext(t.Context(), `SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM imports)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a cancelled batch left %d rows", n)
	}
	for range 3 { // whichever pooled connection comes next works
		k, src := newGen(t, s, 10)
		if _, err := s.Apply(t.Context(), store.Batch{Tenant: "acme", Kind: k, Source: "gen"}, src); err != nil {
			t.Fatalf("Apply after a cancelled one: %v", err)
		}
	}
}

// A value PostgreSQL cannot store fails the batch with the row and column, and nothing else.
func TestPostgresCopyBadText(t *testing.T) {
	s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k, _ := record.NewCatalog().Kind("orders")
	rows := storetest.Rows(t, k, []byte("k"), "order_id,platform,country,store,created_at,warehouse\nA1,amazon,MX,s,2026-03-02 10:00:00,ok\nA2,amazon,MX,s,2026-03-02 10:00:00,ab\n")
	// The record parser rejects NUL bytes; this checks the store's own guard behind it.
	rows[1][k.Col("warehouse")] = "a\x00b"
	_, err = s.Apply(t.Context(), store.Batch{Tenant: "acme", Kind: k, Source: "x"}, storetest.NewSource(rows))
	if err == nil || !strings.Contains(err.Error(), "staged row 2, column warehouse") || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("Apply with a NUL byte = %v, want the staged row, the column and the reason", err)
	}
	t.Log(err)
}
