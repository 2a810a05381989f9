package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"pulso/internal/alert"
	"pulso/internal/app"
)

func newEvalCmd() *cobra.Command {
	var dsn, asOf, tenant string
	c := &cobra.Command{
		Use:   "eval [--as-of DATE]",
		Short: "Evaluate the alert rules once and deliver the messages they queue",
		Long: `Judges every KPI the rules watch, per scope and settled period up to the day before --as-of
(default today), moves alerts through pending → firing → acknowledged → resolved, and sends the
queued messages. Running it again for the same date changes nothing and sends nothing twice.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			day := time.Now().UTC().Truncate(24 * time.Hour)
			if asOf != "" {
				t, err := parseDate("--as-of", asOf)
				if err != nil {
					return usageError{err}
				}
				day = t
			}
			r, err := app.Evaluate(cmd.Context(), app.ResolveDSN(dsn), tenant, day)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "as of %s: fired %d, resolved %d, repeated %d, escalated %d, silenced %d; open %d, pending %d; messages queued %d, sent %d, failed %d\n",
				day.Format(time.DateOnly), r.Fired, r.Resolved, r.Repeated, r.Escalated, r.Silenced, r.Open, r.Pending, r.Messages, r.Sent, r.Failed)
			for _, f := range r.Failures {
				if f.GaveUp {
					fmt.Fprintf(out, "  gave up on message %s (channel %s) at attempt %d of %d: %s\n", f.ID, f.Channel, f.Attempt, f.MaxAttempts, f.Err)
					continue
				}
				fmt.Fprintf(out, "  not sent: message %s (channel %s), attempt %d of %d: %s; next attempt at %s (by `pulso eval` or `pulso serve`)\n",
					f.ID, f.Channel, f.Attempt, f.MaxAttempts, f.Err, f.NextAttemptAt.UTC().Format("2006-01-02 15:04:05 UTC"))
			}
			for _, ch := range slices.Sorted(maps.Keys(r.Deferred)) {
				fmt.Fprintf(out, "  deferred: %d message(s) for channel %s, which failed in this run; the next run tries them\n", r.Deferred[ch], ch)
			}
			return nil
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&asOf, "as-of", "", "evaluation date, YYYY-MM-DD (default today, UTC)")
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	return c
}

// alertJSON is the contract shape of `pulso alerts --format json`.
type alertJSON struct {
	ID      string            `json:"id"`
	Rule    string            `json:"rule"`
	KPI     string            `json:"kpi"`
	Scope   map[string]string `json:"scope"`
	State   string            `json:"state"`
	Since   string            `json:"since"`
	Periods []string          `json:"periods"`
	Owner   string            `json:"owner"`
	Values  []*float64        `json:"values"`
	Target  *float64          `json:"target"`
}

func newAlertsCmd() *cobra.Command {
	var dsn, state, format, tenant string
	c := &cobra.Command{
		Use:   "alerts [--state S] [--format table|json]",
		Short: "List alerts (pending, firing, acknowledged, resolved)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageError{fmt.Errorf("--format must be table or json, not %q", format)}
			}
			var states []string
			for _, s := range splitList(state) {
				if !slices.Contains([]string{string(alert.Pending), string(alert.Firing), string(alert.Acknowledged), string(alert.Resolved)}, s) {
					return usageError{fmt.Errorf("--state %q: use pending, firing, acknowledged or resolved", s)}
				}
				states = append(states, s)
			}
			as, err := app.Alerts(cmd.Context(), app.ResolveDSN(dsn), tenant, states...)
			if err != nil {
				return err
			}
			slices.SortStableFunc(as, func(a, b alert.Alert) int {
				return strings.Compare(a.KPI+scopeText(a.Scope), b.KPI+scopeText(b.Scope))
			})
			out := cmd.OutOrStdout()
			if format == "json" {
				list := make([]alertJSON, 0, len(as))
				for _, a := range as {
					periods := a.Periods
					if periods == nil {
						periods = []string{}
					}
					list = append(list, alertJSON{ID: a.ID, Rule: a.Rule, KPI: a.KPI, Scope: a.Scope, State: string(a.State),
						Since: a.Since, Periods: periods, Owner: a.Owner, Values: a.Values, Target: a.Target})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tRULE\tKPI\tSCOPE\tSINCE\tPERIODS\tOWNER")
			for _, a := range as {
				owner := a.Owner
				if owner == "" {
					owner = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", a.ID, a.State, a.Rule, a.KPI, scopeText(a.Scope), a.Since, len(a.Periods), owner)
			}
			return tw.Flush()
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&state, "state", "", "only these states, comma separated")
	c.Flags().StringVar(&format, "format", "table", "output: table or json")
	c.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	return c
}

func scopeText(s map[string]string) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + s[k]
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}

func newAlertCmd() *cobra.Command {
	c := &cobra.Command{Use: "alert", Short: "Alerting configuration and actions"}
	var dsn, tenant, by string
	apply := &cobra.Command{
		Use:   "apply FILE.yaml",
		Short: "Set the tenant's alerting: channels, contacts, owners, rules, silences (docs/alerting.md)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := app.ApplyAlerting(cmd.Context(), app.ResolveDSN(dsn), tenant, args[0], by)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "alerting saved: %d channel(s), %d contact(s), %d owner entr(ies), %d rule(s), %d silence(s)\n",
				len(cfg.Channels), len(cfg.Contacts), len(cfg.Owners), len(cfg.Rules), len(cfg.Silences))
			if cfg.KeyCreated != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "created key file %s (mode 0600): back it up apart from the database, without it the secrets cannot be opened\n", cfg.KeyCreated)
			}
			if cfg.Sealed > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%d channel secret(s) stored sealed with key %s\n", cfg.Sealed, cfg.KeyID)
			}
			return nil
		},
	}
	ack := &cobra.Command{
		Use:   "ack ID",
		Short: "Acknowledge a firing alert (no more repeats or escalation)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.Acknowledge(cmd.Context(), app.ResolveDSN(dsn), tenant, args[0], by); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "acknowledged %s\n", args[0])
			return nil
		},
	}
	for _, sub := range []*cobra.Command{apply, ack} {
		dbFlag(sub, &dsn)
		sub.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
		sub.Flags().StringVar(&by, "by", "cli", "who does it (kept with the change)")
		c.AddCommand(sub)
	}
	return c
}
