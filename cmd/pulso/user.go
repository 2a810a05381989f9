package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"pulso/internal/app"
	"pulso/internal/auth"
)

// readPassword takes the password from $PULSO_PASSWORD, else asks twice on a terminal, else
// reads the first line of standard input (for scripts).
func readPassword(cmd *cobra.Command) (string, error) {
	if pw := os.Getenv("PULSO_PASSWORD"); pw != "" {
		return pw, nil
	}
	if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "New password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(cmd.ErrOrStderr(), "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func tenantFlag(c *cobra.Command, tenant *string) {
	c.Flags().StringVar(tenant, "tenant", "default", "tenant (seller)")
}

func formatFlag(c *cobra.Command, format *string) {
	c.Flags().StringVar(format, "format", "table", "output: table or json")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func newUserCmd() *cobra.Command {
	c := &cobra.Command{Use: "user", Short: "Users of the board and API"}
	var dsn, tenant, role, lang, countries, platforms, modules, name string
	add := &cobra.Command{
		Use:   "add LOGIN",
		Short: "Add a user; the password comes from $PULSO_PASSWORD, a prompt on a terminal, or the first line of standard input",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd)
			if err != nil {
				return err
			}
			u := auth.User{Tenant: tenant, Login: args[0], Name: name, Role: auth.Role(role), Lang: lang,
				Scopes: auth.Scopes{Countries: splitList(countries), Platforms: splitList(platforms), Modules: splitList(modules)}}
			got, err := app.CreateUser(cmd.Context(), app.ResolveDSN(dsn), u, pw)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s (%s) created for tenant %s\n", got.Login, got.Role, tenant)
			return nil
		},
	}
	add.Flags().StringVar(&role, "role", "viewer", "admin, manager, analyst or viewer")
	add.Flags().StringVar(&lang, "lang", "", "zh-CN, es, pt-BR or en (default: the browser's)")
	add.Flags().StringVar(&name, "name", "", "display name")
	add.Flags().StringVar(&countries, "countries", "", "only these countries (comma separated; default all)")
	add.Flags().StringVar(&platforms, "platforms", "", "only these platforms")
	add.Flags().StringVar(&modules, "modules", "", "only these KPI modules")

	var format string
	list := &cobra.Command{
		Use:   "list [--format table|json]",
		Short: "Users with role, scopes, status and last login",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			users, err := app.ListUsers(cmd.Context(), app.ResolveDSN(dsn), tenant)
			if err != nil {
				return err
			}
			if format == "json" {
				if users == nil {
					users = []auth.User{}
				}
				return printJSON(cmd.OutOrStdout(), users)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "LOGIN\tNAME\tROLE\tSCOPE\tSTATUS\tLAST LOGIN")
			for _, u := range users {
				status := "active"
				if u.Disabled {
					status = "disabled"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Login, u.Name, u.Role, scopesText(u.Scopes), status, when(u.LastLoginAt))
			}
			return tw.Flush()
		},
	}
	formatFlag(list, &format)

	passwd := &cobra.Command{
		Use:   "passwd LOGIN",
		Short: "Set a user's password and end their sessions (password as for add)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd)
			if err != nil {
				return err
			}
			if err := app.SetUserPassword(cmd.Context(), app.ResolveDSN(dsn), tenant, args[0], pw); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed; their sessions ended\n", auth.NormalizeLogin(args[0]))
			return nil
		},
	}
	disable := &cobra.Command{
		Use:   "disable LOGIN",
		Short: "Disable a user: their sessions end and their API tokens stop working",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := app.SetUserDisabled(cmd.Context(), app.ResolveDSN(dsn), tenant, args[0], true)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s disabled; their sessions ended and their API tokens stopped\n", u.Login)
			return nil
		},
	}
	enable := &cobra.Command{
		Use:   "enable LOGIN",
		Short: "Enable a disabled user again (their API tokens work again)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := app.SetUserDisabled(cmd.Context(), app.ResolveDSN(dsn), tenant, args[0], false)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s enabled\n", u.Login)
			return nil
		},
	}
	for _, sub := range []*cobra.Command{add, list, passwd, disable, enable} {
		dbFlag(sub, &dsn)
		tenantFlag(sub, &tenant)
		c.AddCommand(sub)
	}
	return c
}

func scopesText(sc auth.Scopes) string {
	if sc.Unrestricted() {
		return "all"
	}
	var parts []string
	for _, p := range []struct {
		name string
		vals []string
	}{{"countries", sc.Countries}, {"platforms", sc.Platforms}, {"modules", sc.Modules}} {
		if len(p.vals) > 0 {
			parts = append(parts, p.name+"="+strings.Join(p.vals, ","))
		}
	}
	return strings.Join(parts, " ")
}
