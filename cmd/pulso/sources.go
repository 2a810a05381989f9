package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"pulso/internal/app"
)

func newSourcesCmd() *cobra.Command {
	var dsn, format, tenant string
	c := &cobra.Command{
		Use:   "sources [--format table|json]",
		Short: "Stored rows and last import per record kind and source",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageError{fmt.Errorf("--format must be table or json, not %q", format)}
			}
			srcs, err := app.Sources(cmd.Context(), app.ResolveDSN(dsn), tenant)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(srcs)
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tSOURCE\tROWS\tLAST IMPORT (UTC)")
			for _, s := range srcs {
				last, src := "-", s.Source
				if s.LastImportAt != nil {
					last = s.LastImportAt.Format(time.DateTime)
				}
				if src == "" {
					src = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", s.Kind, src, s.Rows, last)
			}
			return tw.Flush()
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	return c
}

func newMigrateCmd() *cobra.Command {
	var dsn string
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (they also run whenever a database is opened)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := app.Migrate(cmd.Context(), app.ResolveDSN(dsn)); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "migrations applied")
			return nil
		},
	}
	dbFlag(c, &dsn)
	return c
}
