// Command pulso is the KPI system for cross-border sellers in Latin America.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"pulso/internal/app"
)

func main() {
	// A write past the file size limit (ulimit -f) then fails with "file too large", which is
	// reported and rolled back, instead of the kernel killing the process mid-write.
	signal.Ignore(syscall.SIGXFSZ)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		err = app.Explain(err)
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
	var cpuprofile string
	var stopProfile func()
	root.PersistentFlags().StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile to this file")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuprofile == "" {
			return nil
		}
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if stopProfile != nil {
			stopProfile()
		}
	}
	root.AddCommand(newImportCmd(), newSourcesCmd(), newMigrateCmd(), newKPICmd(), newDemoCmd(), newEvalCmd(), newAlertsCmd(), newAlertCmd(), newTargetCmd(), newReputationCmd(), newServeCmd(), newUserCmd(), newTokenCmd(), newPrivacyCmd(), newSecretCmd())
	return root
}

// dbFlag adds --db with the documented default chain.
func dbFlag(c *cobra.Command, dsn *string) {
	c.Flags().StringVar(dsn, "db", "", "database: a DuckDB file or postgres:// DSN (default $PULSO_DB, then "+app.DefaultDB+")")
}
