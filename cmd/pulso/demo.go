package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"pulso/internal/app"
)

func newDemoCmd() *cobra.Command {
	var o app.DemoOptions
	var dsn, end string
	var noServe bool
	c := &cobra.Command{
		Use:   "demo [--db FILE] [--seed N] [--days 180] [--end DATE] [--no-serve]",
		Short: "Build a realistic demo seller (5 countries × 4 platforms) and show its board",
		Long: `Builds a deterministic demo seller in --db (default ./pulso.duckdb) if it holds no orders yet:
5 countries × 4 platforms, every record kind, local time zones, weekly and seasonal patterns,
LatAm retail events, and three problems injected in the last 30 days before --end: a customs
slowdown in Brazil, a carrier losing parcels in Mexico, a customer-service backlog in Colombia.
Then evaluates the alert rules once, creates the demo logins and starts the web board (with
--no-serve: prints the board of the last complete week and exits).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.DSN = app.ResolveDSN(dsn)
			if end != "" {
				t, err := time.Parse(time.DateOnly, end)
				if err != nil {
					return usageError{fmt.Errorf("--end %q: want YYYY-MM-DD", end)}
				}
				o.End = t
			}
			if o.Days < 28 || o.Days > 3*366 {
				return usageError{fmt.Errorf("--days must be between 28 and 1098")}
			}
			o.Out = cmd.OutOrStdout()
			o.Serve = !noServe
			o.Log = logger()
			return app.Demo(cmd.Context(), o)
		},
	}
	c.Flags().StringVar(&dsn, "db", "", "database (default $PULSO_DB, then "+app.DefaultDB+")")
	c.Flags().Int64Var(&o.Seed, "seed", 1, "random seed; the same seed gives the same seller")
	c.Flags().IntVar(&o.Days, "days", 180, "days of history")
	c.Flags().StringVar(&end, "end", "", "last day of data, YYYY-MM-DD (default yesterday)")
	c.Flags().BoolVar(&noServe, "no-serve", false, "print the board of the last complete week and exit instead of starting the web server")
	c.Flags().StringVar(&o.Addr, "addr", "127.0.0.1:8080", "address the web server listens on")
	c.Flags().StringVar(&o.Lang, "lang", "en", "language of KPI names")
	c.Flags().BoolVar(&o.Fresh, "fresh", false, "rebuild the demo seller even if the database holds one")
	c.Flags().Float64Var(&o.Scale, "scale", 1, "order volume multiplier (1 ≈ 300 orders a day; 178 ≈ 10 M orders in 180 days), for benchmarks")
	_ = c.Flags().MarkHidden("scale")
	return c
}
