package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"pulso/internal/app"
	"pulso/internal/auth"
	"pulso/internal/store"
)

func logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func newServeCmd() *cobra.Command {
	var dsn, addr string
	var secure bool
	c := &cobra.Command{
		Use:   "serve [--db DSN] [--addr 127.0.0.1:8080]",
		Short: "Run the web board and API, evaluate alerts each local morning, deliver messages",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := logger()
			return app.Serve(cmd.Context(), app.ServeOptions{DSN: app.ResolveDSN(dsn), Addr: addr, Log: log,
				Handler: func(st store.Store) (http.Handler, error) { return app.WebHandler(st, log, secure) },
				Ready:   func(url string) { fmt.Fprintf(cmd.OutOrStdout(), "Pulso is running at %s\n", url) }})
		},
	}
	dbFlag(c, &dsn)
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	c.Flags().BoolVar(&secure, "secure", false, "mark cookies Secure and send HSTS (when served over HTTPS)")
	return c
}

func newUserCmd() *cobra.Command {
	c := &cobra.Command{Use: "user", Short: "Users of the board and API"}
	var dsn, tenant, role, lang, countries, platforms, modules, name string
	add := &cobra.Command{
		Use:   "add LOGIN",
		Short: "Add a user; the password is read from $PULSO_PASSWORD or the first line of standard input",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw := os.Getenv("PULSO_PASSWORD")
			if pw == "" {
				var line string
				fmt.Fscanln(cmd.InOrStdin(), &line)
				pw = strings.TrimSpace(line)
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
	dbFlag(add, &dsn)
	add.Flags().StringVar(&tenant, "tenant", "default", "tenant (seller)")
	add.Flags().StringVar(&role, "role", "viewer", "admin, manager, analyst or viewer")
	add.Flags().StringVar(&lang, "lang", "", "zh-CN, es, pt-BR or en (default: the browser's)")
	add.Flags().StringVar(&name, "name", "", "display name")
	add.Flags().StringVar(&countries, "countries", "", "only these countries (comma separated; default all)")
	add.Flags().StringVar(&platforms, "platforms", "", "only these platforms")
	add.Flags().StringVar(&modules, "modules", "", "only these KPI modules")
	c.AddCommand(add)
	return c
}
