package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"pulso/internal/app"
	"pulso/internal/metric"
)

func newKPICmd() *cobra.Command {
	c := &cobra.Command{Use: "kpi", Short: "The KPI catalogue and its values"}
	c.AddCommand(newKPIListCmd(), newKPIShowCmd(), newKPIEvalCmd(), newKPIAddCmd(), newKPIRemoveCmd())
	return c
}

func newKPIListCmd() *cobra.Command {
	var lang, dsn, tenant string
	c := &cobra.Command{
		Use:   "list [--lang L]",
		Short: "List the KPI catalogue",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(metric.Languages, lang) {
				return usageError{fmt.Errorf("--lang must be one of %s", strings.Join(metric.Languages, ", "))}
			}
			cat, err := app.CatalogFor(cmd.Context(), dsn, tenant)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tMODULE\tUNIT\tBETTER\tTARGET")
			for _, d := range cat.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Name(lang), d.Module, d.Unit, d.Direction, targetText(d))
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&lang, "lang", "en", "language of the names: zh-CN, es, pt-BR, en")
	dbFlag(c, &dsn)
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant whose own KPIs are listed too")
	return c
}

func targetText(d *metric.Definition) string {
	if d.Target == nil {
		return "-"
	}
	op := "≥"
	if d.Direction == "down" {
		op = "≤"
	}
	s := fmt.Sprintf("%s %s (%s)", op, formatValue(d.Unit, *d.Target.Value), formatMargin(d.Unit, d.Target.Yellow))
	keys := make([]string, 0, len(d.Target.Countries))
	for c := range d.Target.Countries {
		keys = append(keys, c)
	}
	sort.Strings(keys)
	for _, c := range keys {
		s += fmt.Sprintf("; %s %s %s", c, op, formatValue(d.Unit, d.Target.Countries[c]))
	}
	return s
}

func formatMargin(unit string, v float64) string {
	if unit == "percent" {
		return strconv.FormatFloat(math.Round(v*1e4)/1e2, 'f', -1, 64) + " pt"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func formatValue(unit string, v float64) string {
	switch unit {
	case "percent":
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case "count":
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func newKPIShowCmd() *cobra.Command {
	var dsn, tenant string
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Show one KPI's definition (YAML)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := app.CatalogFor(cmd.Context(), dsn, tenant)
			if err != nil {
				return err
			}
			d, err := cat.Get(args[0])
			if err != nil {
				return err
			}
			y, err := app.DefinitionYAML(d)
			if err != nil {
				return err
			}
			_, err = io.WriteString(cmd.OutOrStdout(), y)
			return err
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant whose own KPIs are searched too")
	return c
}

func newKPIAddCmd() *cobra.Command {
	var dsn, tenant string
	c := &cobra.Command{
		Use:   "add FILE.yaml",
		Short: "Add or replace the tenant's own KPIs from a YAML file (docs/kpi-definitions.md)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := app.AddKPIs(cmd.Context(), app.ResolveDSN(dsn), tenant, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "saved %d KPI(s) for tenant %s: %s\n", len(ids), tenant, strings.Join(ids, ", "))
			return nil
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	return c
}

func newKPIRemoveCmd() *cobra.Command {
	var dsn, tenant string
	c := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove one of the tenant's own KPIs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RemoveKPI(cmd.Context(), app.ResolveDSN(dsn), tenant, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", args[0])
			return nil
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	return c
}

func newKPIEvalCmd() *cobra.Command {
	var dsn, kpis, grain, from, to, by, currency, asOf, format, tenant string
	var filters []string
	c := &cobra.Command{
		Use:   "eval --kpi ID[,ID...] [--grain G] --from DATE --to DATE [--by DIM[,DIM...]] [--currency CUR] [--as-of DATE] [--format table|json|csv]",
		Short: "Compute KPI values per period and scope",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" && format != "csv" {
				return usageError{fmt.Errorf("--format must be table, json or csv, not %q", format)}
			}
			g, err := metric.ParseGrain(grain)
			if err != nil {
				return usageError{fmt.Errorf("--grain: %w", err)}
			}
			q := metric.Query{Tenant: tenant, KPIs: splitList(kpis), Grain: g, By: splitList(by), Currency: strings.ToUpper(currency)}
			if q.From, err = parseDate("--from", from); err != nil {
				return usageError{err}
			}
			if q.To, err = parseDate("--to", to); err != nil {
				return usageError{err}
			}
			if asOf != "" {
				if q.AsOf, err = parseDate("--as-of", asOf); err != nil {
					return usageError{err}
				}
			}
			if len(filters) > 0 {
				q.Filters = map[string][]string{}
				for _, f := range filters {
					dim, vals, ok := strings.Cut(f, "=")
					if !ok || dim == "" || vals == "" {
						return usageError{fmt.Errorf("--filter %q: want DIM=VALUE[,VALUE...]", f)}
					}
					q.Filters[dim] = append(q.Filters[dim], splitList(vals)...)
				}
			}
			rows, err := app.EvalKPIs(cmd.Context(), app.ResolveDSN(dsn), q)
			if err != nil {
				return err
			}
			return writeRows(cmd.OutOrStdout(), format, q.By, rows)
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&kpis, "kpi", "", "KPI ids, comma separated (see `pulso kpi list`)")
	c.Flags().StringVar(&grain, "grain", "day", "period: day, week, month, quarter, or a rolling window 7d, 28d, 60d, 90d")
	c.Flags().StringVar(&from, "from", "", "first local date (YYYY-MM-DD)")
	c.Flags().StringVar(&to, "to", "", "last local date (YYYY-MM-DD)")
	c.Flags().StringVar(&by, "by", "", "breakdowns, comma separated: country, platform, store, category, sku, warehouse, carrier, ...")
	c.Flags().StringVar(&currency, "currency", "USD", "reporting currency (ISO 4217)")
	c.Flags().StringVar(&asOf, "as-of", "", "date that decides which periods are provisional (default today)")
	c.Flags().StringVar(&format, "format", "table", "output: table, json or csv")
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	c.Flags().StringArrayVar(&filters, "filter", nil, "keep records whose DIM is one of the values: DIM=V1[,V2] (repeatable)")
	_ = c.MarkFlagRequired("kpi")
	return c
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseDate(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("%s is required (YYYY-MM-DD)", flag)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want YYYY-MM-DD", flag, s)
	}
	return t, nil
}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func writeRows(w io.Writer, format string, by []string, rows []metric.Row) error {
	switch format {
	case "json":
		if rows == nil {
			rows = []metric.Row{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		cw := csv.NewWriter(w)
		header := append([]string{"kpi", "grain", "period"}, by...)
		cw.Write(append(header, "value", "numerator", "denominator", "provisional", "status", "target"))
		for _, r := range rows {
			rec := []string{r.KPI, r.Grain, r.Period}
			for _, b := range by {
				rec = append(rec, r.Scope[b])
			}
			cw.Write(append(rec, num(r.Value), num(r.Numerator), num(r.Denominator), strconv.FormatBool(r.Provisional), r.Status, num(r.Target)))
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"KPI", "PERIOD"}
	for _, b := range by {
		header = append(header, strings.ToUpper(b))
	}
	fmt.Fprintln(tw, strings.Join(append(header, "VALUE", "NUMERATOR", "DENOMINATOR", "TARGET", "STATUS", ""), "\t")+"\t")
	for _, r := range rows {
		rec := []string{r.KPI, r.Period}
		for _, b := range by {
			rec = append(rec, r.Scope[b])
		}
		val := "—"
		if r.Value != nil {
			val = strconv.FormatFloat(*r.Value, 'f', 4, 64)
		}
		prov := ""
		if r.Provisional {
			prov = "provisional"
		}
		fmt.Fprintln(tw, strings.Join(append(rec, val, num(r.Numerator), num(r.Denominator), num(r.Target), r.Status, prov), "\t")+"\t")
	}
	return tw.Flush()
}
