package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/spf13/cobra"

	"pulso/internal/app"
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
