// Command pulso is the KPI system for cross-border sellers in Latin America.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"pulso/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulso:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "pulso",
		Short:         "KPIs for cross-border sellers in Latin America",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newImportCmd(), newSourcesCmd(), newMigrateCmd(), newKPICmd(), newDemoCmd())
	return root
}

// dbFlag adds --db with the documented default chain.
func dbFlag(c *cobra.Command, dsn *string) {
	c.Flags().StringVar(dsn, "db", "", "database: a DuckDB file or postgres:// DSN (default $PULSO_DB, then "+app.DefaultDB+")")
}
