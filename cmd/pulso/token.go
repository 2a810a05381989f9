package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"pulso/internal/app"
)

// parseExpiry reads --expires: a number of days ("90d"), hours ("12h") or "" for never.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "never" {
		return time.Time{}, nil
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour}[s[len(s)-1]]
	n, err := strconv.Atoi(s[:len(s)-1])
	if unit == 0 || err != nil || n <= 0 || n > 3660 {
		return time.Time{}, fmt.Errorf("--expires %q: give days like 90d or hours like 12h (at most 3660), or never", s)
	}
	return now.Add(time.Duration(n) * unit), nil
}

func newTokenCmd() *cobra.Command {
	c := &cobra.Command{Use: "token", Short: "API tokens (Authorization: Bearer pulso_…)"}
	var dsn, tenant, login, name, expires, format string
	create := &cobra.Command{
		Use:   "create --user LOGIN --name NAME [--expires 90d]",
		Short: "Make an API token acting as a user; it is printed once and kept nowhere",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if login == "" || name == "" {
				return usageError{fmt.Errorf("--user and --name are required")}
			}
			exp, err := parseExpiry(expires, time.Now())
			if err != nil {
				return usageError{err}
			}
			secret, tok, err := app.CreateToken(cmd.Context(), app.ResolveDSN(dsn), tenant, login, name, exp)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(secret))
			fmt.Fprintf(cmd.ErrOrStderr(), "token %s (%q, acting as %s, expires %s): copy it now, it is not shown again\n",
				tok.ID, tok.Name, login, when(tok.ExpiresAt))
			return nil
		},
	}
	create.Flags().StringVar(&login, "user", "", "the login the token acts as (with its role and scopes)")
	create.Flags().StringVar(&name, "name", "", `what the token is for, e.g. "Power BI"`)
	create.Flags().StringVar(&expires, "expires", "", "stop working after 90d, 12h… (default never)")

	list := &cobra.Command{
		Use:   "list [--format table|json]",
		Short: "API tokens: id, name, user, created, last used, expires, revoked (never the secret)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			toks, err := app.ListTokens(cmd.Context(), app.ResolveDSN(dsn), tenant)
			if err != nil {
				return err
			}
			if format == "json" {
				if toks == nil {
					toks = []app.TokenLine{}
				}
				return printJSON(cmd.OutOrStdout(), toks)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tUSER\tCREATED\tLAST USED\tEXPIRES\tREVOKED")
			for _, t := range toks {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Login, when(&t.CreatedAt), when(t.LastUsedAt), when(t.ExpiresAt), when(t.RevokedAt))
			}
			return tw.Flush()
		},
	}
	formatFlag(list, &format)

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token (by the id that token list shows)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RevokeToken(cmd.Context(), app.ResolveDSN(dsn), tenant, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "token %s revoked\n", args[0])
			return nil
		},
	}
	for _, sub := range []*cobra.Command{create, list, revoke} {
		dbFlag(sub, &dsn)
		tenantFlag(sub, &tenant)
		c.AddCommand(sub)
	}
	return c
}
