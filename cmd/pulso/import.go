package main

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"pulso/internal/app"
	"pulso/internal/ingest"
)

func newImportCmd() *cobra.Command {
	var dsn string
	opt := ingest.Options{}
	c := &cobra.Command{
		Use:   "import --kind KIND [--skip-invalid] [--tenant T] FILE...",
		Short: "Import CSV, XLSX or NDJSON files of one record kind, atomically",
		Long: `Import files of one record kind (orders, shipments, tickets, ...) as one batch: every row is
applied or, on the first invalid row, none is. With --skip-invalid the valid rows are applied and
the rejected ones are written to FILE.rejects.csv with a reason column.

Extra columns (not in the contract) are kept as attributes, except personal data: a column whose
name or values look like names, e-mails, phones, addresses or tax ids (CPF, CNPJ, CURP, RUT, RUC,
CUIT...) is not stored, and the summary line ends with "; dropped personal columns: ...". With
--pseudonymise COL such a column is kept as a keyed hash, like buyer_ref.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if opt.Kind == "" {
				return usageError{fmt.Errorf("--kind is required")}
			}
			if term.IsTerminal(int(os.Stdout.Fd())) {
				opt.Wrap = func(name string, size int64, r io.Reader) io.Reader {
					bar := progressbar.DefaultBytes(size, name)
					return io.TeeReader(r, bar)
				}
			}
			res, err := app.Import(cmd.Context(), app.ResolveDSN(dsn), opt, files)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.Summary())
			for _, p := range res.RejectFiles {
				fmt.Fprintf(cmd.OutOrStdout(), "rejected rows written to %s\n", p)
			}
			return nil
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&opt.Kind, "kind", "", "record kind of the files (orders, order_items, shipments, returns, tickets, reviews, nps_responses, ads, traffic, inventory, purchase_orders, platform_scores, fx_rates)")
	c.Flags().BoolVar(&opt.SkipInvalid, "skip-invalid", false, "apply the valid rows and write rejected rows to FILE.rejects.csv")
	c.Flags().StringVar(&opt.Tenant, "tenant", "default", "tenant (seller) the rows belong to")
	c.Flags().StringVar(&opt.Source, "source", "upload", "name of the source the files come from (shown by `pulso sources`)")
	c.Flags().StringVar(&opt.RejectDir, "rejects-dir", "", "directory for reject files (default: next to each input)")
	c.Flags().StringSliceVar(&opt.Pseudonymise, "pseudonymise", nil, "keep this extra column as an identifier, stored as the tenant's keyed hash, instead of dropping it as personal data (repeatable, or COL1,COL2)")
	return c
}
