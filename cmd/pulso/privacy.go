package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"pulso/internal/app"
	"pulso/internal/privacy"
	"pulso/internal/store"
)

func newPrivacyCmd() *cobra.Command {
	c := &cobra.Command{Use: "privacy", Short: "Personal data: forget a buyer, retention, export a tenant (docs/privacy.md)"}
	c.AddCommand(newForgetCmd(), newRetentionCmd(), newApplyRetentionCmd(), newExportCmd())
	return c
}

func newForgetCmd() *cobra.Command {
	var dsn, tenant, buyer string
	c := &cobra.Command{
		Use:   "forget --buyer RAW_ID",
		Short: "Remove a buyer from every table (orders stay, no longer tied to the buyer); audited",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if buyer == "" {
				return usageError{fmt.Errorf("--buyer is required: the buyer's id as the source sends it")}
			}
			res, err := app.Forget(cmd.Context(), app.ResolveDSN(dsn), tenant, buyer, app.CLIActor())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "buyer forgotten in tenant %s; the audit log names it %s\n", tenant, res.Buyer)
			printChanges(out, res.Changes, "no record held the buyer")
			return nil
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	c.Flags().StringVar(&buyer, "buyer", "", "the buyer's id as the platform or shop sends it (never stored; only its pseudonym is)")
	return c
}

func newRetentionCmd() *cobra.Command {
	var dsn, tenant, mode string
	var months int
	c := &cobra.Command{
		Use:   "retention [--months N --mode delete|anonymise]",
		Short: "Show or set how long buyer records are kept (0 months: forever)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			dsn := app.ResolveDSN(dsn)
			set := cmd.Flags().Changed("months") || cmd.Flags().Changed("mode")
			if set {
				if !cmd.Flags().Changed("months") {
					return usageError{fmt.Errorf("--mode needs --months")}
				}
				r := privacy.Retention{Months: months, Mode: mode}
				if err := r.Validate(); err != nil {
					return usageError{err}
				}
				if err := app.SetRetention(cmd.Context(), dsn, tenant, r, app.CLIActor()); err != nil {
					return err
				}
			}
			r, err := app.Retention(cmd.Context(), dsn, tenant)
			if err != nil {
				return err
			}
			if r.Months == 0 {
				fmt.Fprintf(out, "retention of tenant %s: off (records are kept)\n", tenant)
				return nil
			}
			verb := "deleted"
			if r.Mode == privacy.Anonymise {
				verb = "anonymised"
			}
			fmt.Fprintf(out, "retention of tenant %s: %d months; older buyer records are %s daily by `pulso serve` or by `pulso privacy apply-retention`\n",
				tenant, r.Months, verb)
			return nil
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	c.Flags().IntVar(&months, "months", 0, "keep records this many months by their business date (0: off)")
	c.Flags().StringVar(&mode, "mode", privacy.Anonymise, "delete or anonymise older records")
	return c
}

func newApplyRetentionCmd() *cobra.Command {
	var dsn, tenant string
	c := &cobra.Command{
		Use:   "apply-retention",
		Short: "Delete or anonymise the records older than the tenant's retention now; audited",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := app.ApplyRetention(cmd.Context(), app.ResolveDSN(dsn), tenant, app.CLIActor())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if res.Retention.Months == 0 {
				fmt.Fprintf(out, "retention of tenant %s is off: nothing to do (set it with `pulso privacy retention --months N`)\n", tenant)
				return nil
			}
			fmt.Fprintf(out, "retention of tenant %s: records dated before %s (%s)\n", tenant, res.Before, res.Retention.Mode)
			printChanges(out, res.Changes, "nothing was older")
			return nil
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	return c
}

func newExportCmd() *cobra.Command {
	var dsn, tenant, path string
	c := &cobra.Command{
		Use:   "export --out FILE.zip",
		Short: "Write everything the tenant stores to a zip of CSV files; audited",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			m, err := app.Export(cmd.Context(), app.ResolveDSN(dsn), tenant, path, app.CLIActor())
			if err != nil {
				return err
			}
			var rows int64
			for _, f := range m.Files {
				rows += f.Rows
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d files, %d rows of tenant %s\n", path, len(m.Files)+1, rows, tenant)
			return nil
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	c.Flags().StringVar(&path, "out", "", "the zip file to write")
	return c
}

// printChanges prints what a privacy command changed, per table.
func printChanges(out io.Writer, changes []store.Change, none string) {
	if len(changes) == 0 {
		fmt.Fprintln(out, none)
		return
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS\tCHANGE")
	for _, c := range changes {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", c.Table, c.Rows, c.What)
	}
	tw.Flush()
}
