package storetest

import (
	"slices"
	"testing"

	"pulso/internal/record"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
)

// The DuckDB engine's conformance run (an in-memory database per subtest).
func TestDuckDBConformance(t *testing.T) {
	Run(t, func(t *testing.T) store.Store {
		s, err := duckdb.Open(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// The same batches give the same tables on both engines.
func TestPostgresMatchesDuckDB(t *testing.T) {
	pg, err := postgres.Open(t.Context(), PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	dk, err := duckdb.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dk.Close() })

	cat := record.NewCatalog()
	secret := []byte("0123456789abcdef0123456789abcdef") // one key for both, so buyer refs agree
	batches := []struct{ kind, table string }{
		{"orders", ordersBase},
		{"orders", ordersUpdate},
		{"orders", `
order_id,platform,country,store,created_at,currency,gross_amount,shipped_at,delivered_at,cancel_by
A1,mercadolibre,BR,loja-1,2026-03-02 10:00:00,BRL,100,2026-03-03 09:00,2026-03-05,
A1,mercadolibre,BR,loja-1,2026-03-02 10:00:00,BRL,300,2026-03-03 09:00,2026-03-05,seller
`},
		{"tickets", tickets},
		{"shipments", `
shipment_id,country,carrier,customs_held,tax_bill_returns,delivery_attempts,shipping_cost,currency,handed_over_at
S1,BR,correios,true,2,0,12.34,BRL,2026-03-01T10:00:00.1234567Z
S2,MX,estafeta,no,0,3,0.1,MXN,
S3,CL,loggi,,,,,,
`},
		{"fx_rates", "date,currency,per_usd\n2026-03-02,BRL,5.0123\n1999-12-31,MXN,9.5\n"},
		{"ads", "date,platform,store,country,campaign,currency,spend,impressions\n2026-03-02,amazon,s,MX,\"Hot Sale, 2026\",MXN,10.5,1000\n"},
	}
	for _, b := range batches {
		k, err := cat.Kind(b.kind)
		if err != nil {
			t.Fatal(err)
		}
		rows := Rows(t, k, secret, b.table)
		var counts []store.Counts
		for _, s := range []store.Store{dk, pg} {
			c, err := s.Apply(t.Context(), store.Batch{Tenant: "acme", Kind: k, Source: "upload"}, NewSource(rows))
			if err != nil {
				t.Fatalf("%s: apply %s: %v", s.Engine(), b.kind, err)
			}
			counts = append(counts, c)
		}
		if counts[0] != counts[1] {
			t.Errorf("%s: counts differ: duckdb %+v, postgres %+v", b.kind, counts[0], counts[1])
		}
	}
	for _, k := range cat.All() {
		d1, err := Dump(t.Context(), dk.DB(), k, false)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := Dump(t.Context(), pg.DB(), k, false)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(d1, d2) {
			t.Errorf("%s differs between engines:\nduckdb:\n%v\npostgres:\n%v", k.Name, d1, d2)
		}
	}
}
