package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"pulso/internal/app"
	"pulso/internal/target"
)

func today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

func newTargetCmd() *cobra.Command {
	c := &cobra.Command{Use: "target", Short: "KPI targets: per scope, versioned by effective date, seasonal"}
	var dsn, tenant, by, tmpl string
	apply := &cobra.Command{
		Use:   "apply FILE.yaml | apply --template mercadolibre|amazon|shopee|all",
		Short: "Add target versions from a YAML file (docs/targets.md) or a platform's reputation lines",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var n int
			var err error
			switch {
			case tmpl != "" && len(args) == 0:
				n, err = app.ApplyPlatformTemplate(cmd.Context(), app.ResolveDSN(dsn), tenant, tmpl, by, today())
			case tmpl == "" && len(args) == 1:
				n, err = app.ApplyTargets(cmd.Context(), app.ResolveDSN(dsn), tenant, args[0], by, today())
			default:
				return usageError{fmt.Errorf("give a FILE.yaml or --template, not both")}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %d target version(s) for tenant %s\n", n, tenant)
			return nil
		},
	}
	apply.Flags().StringVar(&tmpl, "template", "", "add a platform's reputation lines as targets")
	apply.Flags().StringVar(&by, "by", "cli", "who makes the change (kept in the history)")

	var kpi, format string
	list := &cobra.Command{
		Use:   "list [--kpi ID] [--format table|json]",
		Short: "Targets in force and their history (template and tenant versions)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lines, err := app.ListTargets(cmd.Context(), app.ResolveDSN(dsn), tenant, kpi)
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(lines)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KPI\tSCOPE\tEVENT\tTARGET\tYELLOW\tFROM\tSOURCE\tNOTE")
			for _, l := range lines {
				t := "retired"
				if l.Target != nil {
					t = formatValue(l.Unit, *l.Target)
				}
				ev := l.Event
				if ev == "" {
					ev = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.KPI, scopeText(l.Scope), ev, t, formatMargin(l.Unit, l.Yellow), l.EffectiveFrom, l.Source, l.Note)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&kpi, "kpi", "", "only this KPI")
	list.Flags().StringVar(&format, "format", "table", "output: table or json")

	var weeks int
	var byDims, asOf string
	suggest := &cobra.Command{
		Use:   "suggest --kpi ID [--weeks 8] [--by country]",
		Short: "Propose a baseline from history: median, p25 and p75 of the last N weeks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if kpi == "" {
				return usageError{fmt.Errorf("--kpi is required")}
			}
			day := today()
			if asOf != "" {
				t, err := parseDate("--as-of", asOf)
				if err != nil {
					return usageError{err}
				}
				day = t
			}
			if weeks < 2 || weeks > 104 {
				return usageError{fmt.Errorf("--weeks must be 2-104")}
			}
			ss, d, err := app.SuggestTargets(cmd.Context(), app.ResolveDSN(dsn), tenant, kpi, weeks, splitList(byDims), day)
			if err != nil {
				return err
			}
			if format == "yaml" {
				var es []target.Entry
				for _, s := range ss {
					v := s.Target
					es = append(es, target.Entry{KPI: kpi, Scope: s.Scope, Target: &v, Yellow: s.YellowEdge,
						Note: fmt.Sprintf("suggested: median of %d weeks to %s", s.Periods, day.Format(time.DateOnly))})
				}
				return yaml.NewEncoder(cmd.OutOrStdout()).Encode(es)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SCOPE\tWEEKS\tP25\tMEDIAN\tP75\tSUGGESTED TARGET\tYELLOW")
			for _, s := range ss {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", scopeText(s.Scope), s.Periods, formatValue(d.Unit, s.P25),
					formatValue(d.Unit, s.Median), formatValue(d.Unit, s.P75), formatValue(d.Unit, s.Target), formatMargin(d.Unit, s.YellowEdge))
			}
			return tw.Flush()
		},
	}
	suggest.Flags().StringVar(&kpi, "kpi", "", "KPI id")
	suggest.Flags().IntVar(&weeks, "weeks", 8, "complete weeks of history")
	suggest.Flags().StringVar(&byDims, "by", "country", "scopes to suggest for (breakdowns, comma separated; empty for one overall)")
	suggest.Flags().StringVar(&asOf, "as-of", "", "suggest from the weeks before this date (default today)")
	suggest.Flags().StringVar(&format, "format", "table", "output: table or yaml (ready for `pulso target apply`)")

	for _, sub := range []*cobra.Command{apply, list, suggest} {
		dbFlag(sub, &dsn)
		sub.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
		c.AddCommand(sub)
	}
	return c
}

func newReputationCmd() *cobra.Command {
	var dsn, tenant, asOf string
	c := &cobra.Command{
		Use:   "reputation [--as-of DATE]",
		Short: "Platform account health computed by Pulso over each platform's window, and the distance to the next level",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			day := today()
			if asOf != "" {
				t, err := parseDate("--as-of", asOf)
				if err != nil {
					return usageError{err}
				}
				day = t
			}
			ss, err := app.Reputation(cmd.Context(), app.ResolveDSN(dsn), tenant, day)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "PLATFORM\tSITE\tMETRIC\tWINDOW\tPULSO\tLEVEL\tNEXT LEVEL\tTO GO\tPLATFORM SAYS")
			for _, s := range ss {
				next, gap := "-", "-"
				if s.Next != "" {
					next = s.Next
					gap = "-" + strconv.FormatFloat(*s.Gap*100, 'f', 2, 64) + " pt"
				}
				stores := slices.Sorted(maps.Keys(s.Reported))
				said := make([]string, len(stores))
				for i, st := range stores {
					said[i] = formatValue("percent", s.Reported[st]) + " " + st
				}
				if len(said) == 0 {
					said = []string{"-"}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Platform, s.Country, s.Metric, s.Window,
					formatValue("percent", *s.Value), s.Level, next, gap, strings.Join(said, ", "))
			}
			return tw.Flush()
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	c.Flags().StringVar(&asOf, "as-of", "", "windows end the day before this date (default today)")
	return c
}
