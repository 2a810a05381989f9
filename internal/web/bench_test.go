package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
)

// The page benchmarks read the demo seller the tests build, or the database at
// $PULSO_BENCH_DB: a DuckDB file or a postgres:// URL holding tenant "default", e.g. a
// 10 M-order seller from `pulso demo --db … --end 2026-11-25 --scale 178 --no-serve` (the
// fixture's clock is pinned to the morning after 2026-11-25). The fixture signs in its test
// users there (created once). Each reports ms per page, rendered as the admin through the real
// handler; see docs/performance.md.

// openFixtureStore opens the fixture's database: PostgreSQL for a postgres:// URL, else a
// DuckDB file.
func openFixtureStore(ctx context.Context, dsn string) (store.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	st, err := duckdb.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// BenchmarkBoardPage renders the board as it opens: every KPI × country on its last settled
// day, with sparklines, the summary band, the heat map and the filter lists.
func BenchmarkBoardPage(b *testing.B) { benchPage(b, "/") }

// BenchmarkBoardPageWeek renders the board of the last settled week.
func BenchmarkBoardPageWeek(b *testing.B) { benchPage(b, "/?period=week") }

// BenchmarkBoardPageCurrent renders the board of the current (provisional) day.
func BenchmarkBoardPageCurrent(b *testing.B) { benchPage(b, "/?view=current") }

// BenchmarkBoardPage7d renders the board of the last settled rolling 7 days.
func BenchmarkBoardPage7d(b *testing.B) { benchPage(b, "/?period=7d") }

// BenchmarkKPIPage renders a KPI page broken down by carrier (not a rollup dimension: the
// breakdown reads raw records).
func BenchmarkKPIPage(b *testing.B) { benchPage(b, "/kpi/late_shipment_rate?by=carrier") }

// BenchmarkKPIPageByPlatform renders a KPI page broken down by platform (a rollup dimension).
func BenchmarkKPIPageByPlatform(b *testing.B) {
	benchPage(b, "/kpi/late_shipment_rate?by=platform")
}

// BenchmarkStoreSources reads what the sources page and the board's freshness read: each
// kind's sources with their row counts and last import (a count over every record table).
func BenchmarkStoreSources(b *testing.B) {
	e := sharedEnv(b)
	ctx := context.Background()
	start := time.Now()
	for b.Loop() {
		if _, err := e.st.Sources(ctx, "default"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/op")
}
