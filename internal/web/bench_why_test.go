package web

import (
	"net/http"
	"testing"
	"time"
)

// benchPage renders one page as the admin, reporting ms per page (see bench_test.go for the
// database: the demo seller or $PULSO_BENCH_DB).
func benchPage(b *testing.B, path string) {
	e := sharedEnv(b)
	if rec := e.get(b, "admin", path); rec.Code != http.StatusOK {
		b.Fatalf("%s: %d", path, rec.Code)
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if rec := e.get(b, "admin", path); rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/op")
}

// A KPI page as it opens: every country, broken down by its default breakdown (the carrier,
// outside the rollups) over every breaching period in view.
func BenchmarkKPIPageDefault(b *testing.B) { benchPage(b, "/kpi/parcel_loss_rate") }

// The same with one chart line per carrier: the breakdown over the whole range.
func BenchmarkKPIPageLines(b *testing.B) { benchPage(b, "/kpi/parcel_loss_rate?lines=by") }

// The alerts page: each open alert's breakdown, one query per KPI.
func BenchmarkAlertsPage(b *testing.B) { benchPage(b, "/alerts") }

// The same page without a breakdown, for comparison.
func BenchmarkKPIPageNoBreakdown(b *testing.B) { benchPage(b, "/kpi/parcel_loss_rate?by=none") }
