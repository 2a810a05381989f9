package metric_test

import (
	"testing"

	"pulso/internal/metric"
)

// Each row of the dialect table runs on its engine and gives the number worked out by hand:
// 2026-03-02T10:00:00Z is 1 772 445 600 s after the epoch, and 2026-04-05 00:30 in Santiago
// after the fall-back (UTC-4) is 04:30Z, 1 775 356 200 + 7 200 s.
func TestDialectEpoch(t *testing.T) {
	cases := []struct {
		ts   string
		want float64
	}{
		{"2026-03-02 10:00:00+00", 1772445600},
		{"2026-03-02 07:00:00-03", 1772445600},
		{"2026-04-05 00:30:00-04", 1775356200 + 7200},
	}
	engines := []struct {
		name string
		d    metric.Dialect
		open func(testing.TB) metric.Querier
	}{
		{"duckdb", metric.DuckDB, func(t testing.TB) metric.Querier { return openDuck(t).DB() }},
		{"postgres", metric.Postgres, func(t testing.TB) metric.Querier { return openPostgres(t).DB() }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t)
			for _, c := range cases {
				var got float64
				rows, err := db.QueryContext(t.Context(), "SELECT CAST("+e.d.Epoch("CAST($1 AS TIMESTAMPTZ)")+" AS DOUBLE PRECISION)", c.ts)
				if err != nil {
					t.Fatal(err)
				}
				rows.Next()
				if err := rows.Scan(&got); err != nil {
					t.Fatal(err)
				}
				rows.Close()
				if got != c.want {
					t.Errorf("%s epoch(%s) = %v, want %v", e.name, c.ts, got, c.want)
				}
			}
		})
	}
	if _, err := metric.DialectFor("sqlite"); err == nil {
		t.Error("a dialect for an unknown engine")
	}
}
