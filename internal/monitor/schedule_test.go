package monitor

import (
	"context"
	"testing"
	"time"

	"pulso/internal/alert"
	"pulso/internal/record"
)

func TestNextRuns(t *testing.T) {
	z := record.NewZones()
	// 2026-11-26 09:30 UTC: 06:30 in São Paulo (UTC-3), 03:30 in Mexico City (UTC-6),
	// 06:30 in Santiago (UTC-3 in summer). 07:00 local is then 10:00Z (BR, CL) and 13:00Z (MX).
	now := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	runs := NextRuns(now, []string{"MX", "BR", "CL"}, 7, z.For)
	want := []struct {
		c  string
		at string
	}{{"BR", "2026-11-26T10:00:00Z"}, {"CL", "2026-11-26T10:00:00Z"}, {"MX", "2026-11-26T13:00:00Z"}}
	for i, w := range want {
		if runs[i].Country != w.c || runs[i].At.UTC().Format(time.RFC3339) != w.at || runs[i].AsOf.Format(time.DateOnly) != "2026-11-26" {
			t.Errorf("run %d: %+v, want %s at %s", i, runs[i], w.c, w.at)
		}
	}
	// At 10:00Z sharp Brazil's run for today has passed: next is tomorrow.
	runs = NextRuns(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), []string{"BR"}, 7, z.For)
	if runs[0].At.UTC().Format(time.RFC3339) != "2026-11-27T10:00:00Z" || runs[0].AsOf.Format(time.DateOnly) != "2026-11-27" {
		t.Errorf("BR after its run: %+v", runs[0])
	}
}

func TestForCountry(t *testing.T) {
	c := Config{Rules: []alert.Rule{
		{ID: "all", Type: alert.Consecutive},
		{ID: "mx-only", Type: alert.Consecutive, Scope: map[string][]string{"country": {"MX"}}},
		{ID: "stale", Type: alert.Freshness},
	}}
	br := c.ForCountry("BR")
	if len(br.Rules) != 2 || br.Rules[0].Scope["country"][0] != "BR" || br.Rules[1].ID != "stale" {
		t.Fatalf("BR rules: %+v", br.Rules)
	}
	mx := c.ForCountry("MX")
	if len(mx.Rules) != 3 || mx.Rules[1].Scope["country"][0] != "MX" {
		t.Fatalf("MX rules: %+v", mx.Rules)
	}
	if len(c.Rules[0].Scope) != 0 {
		t.Fatal("ForCountry changed the original")
	}
}

func TestScheduleLoop(t *testing.T) {
	z := record.NewZones()
	now := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	ctx, cancel := context.WithCancel(context.Background())
	var got []string
	s := &Schedule{Countries: func(context.Context) []string { return []string{"MX", "BR"} }, Zone: z.For, Hour: 7,
		Now: func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) bool {
			now = now.Add(d)
			return ctx.Err() == nil
		}}
	s.Loop(ctx, func(ctx context.Context, r Run) error {
		got = append(got, r.Country+" "+r.At.UTC().Format("15:04")+" "+r.AsOf.Format(time.DateOnly))
		if len(got) == 3 {
			cancel()
		}
		return nil
	})
	want := []string{"BR 10:00 2026-11-26", "MX 13:00 2026-11-26", "BR 10:00 2026-11-27"}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Fatalf("runs %v, want %v", got, want)
		}
	}
}
