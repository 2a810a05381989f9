package app

import (
	"context"
	"os"
	"testing"
	"time"

	"pulso/internal/demo"
)

// TestGenBench writes a scaled demo seller into $PULSO_BENCH_DB (scratch helper).
func TestGenBench(t *testing.T) {
	path := os.Getenv("PULSO_GEN_DB")
	if path == "" {
		t.Skip()
	}
	ctx := context.Background()
	st, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	if err := buildDemo(ctx, st, demo.Config{Seed: 1, Days: 180, End: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Scale: 18}, os.Stdout); err != nil {
		t.Fatal(err)
	}
	t.Log(time.Since(start))
}

func TestProfileOrders(t *testing.T) {
	dir := os.Getenv("PULSO_PROF_DIR")
	if dir == "" {
		t.Skip()
	}
	files, err := demo.Generate(demo.Config{Seed: 1, Days: 180, End: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Scale: 4}, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(files[1])
}
