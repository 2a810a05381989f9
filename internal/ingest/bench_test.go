package ingest

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pulso/internal/record"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// benchRows is the size of the benchmark file: PULSO_BENCH_ROWS, default 200 000.
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("PULSO_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

const benchHeader = "order_id,platform,country,store,created_at,paid_at,handling_deadline,shipped_at,estimated_delivery_at,delivered_at,status,currency,gross_amount,platform_fee,shipping_cost,cogs,buyer_ref,fulfillment,warehouse,carrier,sku,category,units"

// writeBenchCSV writes n realistic orders (naive local timestamps, five countries).
func writeBenchCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	countries := []string{"BR", "MX", "CO", "CL", "AR"}
	currencies := []string{"BRL", "MXN", "COP", "CLP", "ARS"}
	platforms := []string{"mercadolibre", "amazon", "shopee", "shein"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const ts = "2006-01-02 15:04:05"
	fmt.Fprintln(w, benchHeader)
	for i := range n {
		c := r.IntN(len(countries))
		created := base.Add(time.Duration(r.IntN(180*86400)) * time.Second)
		paid := created.Add(5 * time.Minute)
		shipped := paid.Add(time.Duration(2+r.IntN(40)) * time.Hour)
		delivered := shipped.Add(time.Duration(2+r.IntN(8)) * 24 * time.Hour)
		fmt.Fprintf(w, "O%d,%s,%s,st%d,%s,%s,%s,%s,%s,%s,delivered,%s,%d.%02d,%d.50,%d.90,%d.10,b%d,full,wh%d,jt,SKU%d,cat%d,1\n",
			i, platforms[r.IntN(4)], countries[c], r.IntN(3), created.Format(ts), paid.Format(ts),
			paid.Add(24*time.Hour).Format(ts), shipped.Format(ts), delivered.Add(24*time.Hour).Format(time.DateOnly),
			delivered.Format(ts), currencies[c], 10+r.IntN(500), r.IntN(100), r.IntN(20), r.IntN(9),
			r.IntN(200), r.IntN(300_000), r.IntN(5), r.IntN(500), r.IntN(8))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// BenchmarkImportCSV imports the same orders file into DuckDB (and PostgreSQL when
// PULSO_TEST_POSTGRES is set) and, as the baseline, loads it with DuckDB's own read_csv into
// the same table. Run: go test ./internal/ingest -run XXX -bench ImportCSV -benchtime 1x
func BenchmarkImportCSV(b *testing.B) {
	n := benchRows()
	dir := b.TempDir()
	path := filepath.Join(dir, "orders.csv")
	writeBenchCSV(b, path, n)
	ctx := context.Background()
	in, err := FileInput(path)
	if err != nil {
		b.Fatal(err)
	}
	var pulsoRate, baseRate float64
	b.Run("duckdb", func(b *testing.B) {
		for i := range b.N {
			st, err := duckdb.Open(ctx, filepath.Join(dir, fmt.Sprintf("p%d.duckdb", i)))
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			res, err := New(st).Import(ctx, Options{Tenant: "bench", Kind: "orders"}, in)
			if err != nil {
				b.Fatal(err)
			}
			pulsoRate = float64(res.Counts.Read) / time.Since(start).Seconds()
			st.Close()
		}
		b.ReportMetric(pulsoRate, "rows/s")
	})
	b.Run("duckdb_read_csv", func(b *testing.B) {
		for i := range b.N {
			st, err := duckdb.Open(ctx, filepath.Join(dir, fmt.Sprintf("r%d.duckdb", i)))
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if _, err := st.DB().ExecContext(ctx, readCSVInsert(path)); err != nil {
				b.Fatal(err)
			}
			baseRate = float64(n) / time.Since(start).Seconds()
			st.Close()
		}
		b.ReportMetric(baseRate, "rows/s")
	})
	if baseRate > 0 && pulsoRate > 0 {
		b.Logf("DuckDB import %.0f rows/s; read_csv %.0f rows/s; read_csv is %.2f× faster", pulsoRate, baseRate, baseRate/pulsoRate)
	}
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(storetest.PostgresEnv) == "" {
			b.Skip(storetest.PostgresEnv + " not set")
		}
		for range b.N {
			st, err := postgres.Open(ctx, storetest.PostgresSchema(b))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			start := time.Now()
			res, err := New(st).Import(ctx, Options{Tenant: "bench", Kind: "orders"}, in)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(res.Counts.Read)/time.Since(start).Seconds(), "rows/s")
		}
	})
}

// readCSVInsert is the baseline: DuckDB reads the file itself into the orders table, with
// naive timestamps taken as UTC and local dates cast from them (no zone work, no checks).
func readCSVInsert(path string) string {
	k := record.NewCatalog().All()[0]
	var cols, sel []string
	cols = append(cols, `"tenant_id"`)
	sel = append(sel, `'bench'`)
	header := strings.Split(benchHeader, ",")
	for _, c := range k.Stored() {
		name := c.Name
		cols = append(cols, `"`+name+`"`)
		switch {
		case strings.HasSuffix(name, "_local"):
			src := strings.TrimSuffix(name, "_local")
			if contains(header, src) {
				sel = append(sel, "CAST("+src+" AS DATE)")
			} else {
				sel = append(sel, "NULL")
			}
		case contains(header, name):
			sel = append(sel, name)
		default:
			sel = append(sel, "NULL")
		}
	}
	cols = append(cols, `"source"`, `"ingested_at"`)
	sel = append(sel, `'bench'`, `now()`)
	return "INSERT INTO orders (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(sel, ", ") +
		" FROM read_csv('" + strings.ReplaceAll(path, "'", "''") + "', header = true)"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
