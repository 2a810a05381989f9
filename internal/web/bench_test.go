package web

import (
	"net/http"
	"testing"
	"time"
)

// BenchmarkBoardPage renders the whole board (every KPI × country, with sparklines and the
// filter lists) as a signed-in admin. It uses the demo seller, or the database at
// $PULSO_BENCH_DB (tenant "default", e.g. a 10 M-order seller from `pulso demo --scale`).
func BenchmarkBoardPage(b *testing.B) {
	e := sharedEnv(b)
	if rec := e.get(b, "admin", "/"); rec.Code != http.StatusOK {
		b.Fatalf("board: %d", rec.Code)
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if rec := e.get(b, "admin", "/"); rec.Code != http.StatusOK {
			b.Fatalf("board: %d", rec.Code)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/op")
}

// BenchmarkKPIPage renders a KPI page with a breakdown.
func BenchmarkKPIPage(b *testing.B) {
	e := sharedEnv(b)
	start := time.Now()
	for b.Loop() {
		if rec := e.get(b, "admin", "/kpi/late_shipment_rate?by=carrier"); rec.Code != http.StatusOK {
			b.Fatalf("kpi: %d", rec.Code)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/op")
}
