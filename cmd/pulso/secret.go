package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"pulso/internal/app"
	"pulso/internal/secret"
)

func newSecretCmd() *cobra.Command {
	c := &cobra.Command{Use: "secret", Short: "Secrets at rest: key status, rotation, new keys (docs/security.md)"}
	var dsn, tenant, by string
	status := &cobra.Command{
		Use:   "status",
		Short: "Which keys are configured, and which ones each tenant's stored secrets are sealed with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := app.SecretStatus(cmd.Context(), app.ResolveDSN(dsn), tenant)
			if err != nil {
				return err
			}
			printSecrets(cmd.OutOrStdout(), r, false)
			return nil
		},
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Seal every stored secret under the current key (values in clear and under old keys), tenant by tenant",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := app.RotateSecrets(cmd.Context(), app.ResolveDSN(dsn), tenant, by)
			printSecrets(cmd.OutOrStdout(), r, true)
			return err
		},
	}
	for _, sub := range []*cobra.Command{status, rotate} {
		dbFlag(sub, &dsn)
		sub.Flags().StringVar(&tenant, "tenant", "", "one tenant (default: every tenant)")
		c.AddCommand(sub)
	}
	rotate.Flags().StringVar(&by, "by", "cli", "who does it (kept with the change)")
	keygen := &cobra.Command{
		Use:   "keygen",
		Short: "Print a new random key (base64), for $PULSO_SECRET_KEY or a line of the key file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := secret.NewKey()
			if err != nil {
				return err
			}
			pk, err := secret.ParseKey(k)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), k)
			fmt.Fprintf(cmd.ErrOrStderr(), "key id %s\n", pk.ID())
			return nil
		},
	}
	c.AddCommand(keygen)
	return c
}

// printSecrets writes the key source and, per tenant, how its secrets are stored. Key ids
// are printed, never keys.
func printSecrets(out io.Writer, r app.SecretsReport, rotated bool) {
	if r.Created != "" {
		fmt.Fprintf(out, "created key file %s (mode 0600): back it up apart from the database, without it the secrets cannot be opened\n", r.Created)
	}
	cur := r.Current
	if cur == "" {
		cur = "none"
	}
	old := strings.Join(slices.DeleteFunc(slices.Clone(r.Keys), func(id string) bool { return id == r.Current }), ", ")
	if old == "" {
		old = "none"
	}
	fmt.Fprintf(out, "keys from %s: current %s; old %s\n", r.Source, cur, old)
	if len(r.Tenants) == 0 {
		fmt.Fprintln(out, "no stored secrets")
		return
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	head := "TENANT\tIN CLEAR\tSEALED (KEY ID × COUNT)"
	if rotated {
		head += "\tROTATED"
	}
	fmt.Fprintln(tw, head)
	plain, missing := 0, false
	for _, t := range r.Tenants {
		var parts []string
		for _, id := range slices.Sorted(maps.Keys(t.ByKey)) {
			p := fmt.Sprintf("%s×%d", id, t.ByKey[id])
			if !slices.Contains(r.Keys, id) {
				p += " (key not configured)"
				missing = true
			}
			parts = append(parts, p)
		}
		if len(parts) == 0 {
			parts = []string{"-"}
		}
		line := fmt.Sprintf("%s\t%d\t%s", t.Tenant, t.Plain, strings.Join(parts, ", "))
		if rotated {
			line += fmt.Sprintf("\t%d", t.Rotated)
		}
		fmt.Fprintln(tw, line)
		plain += t.Plain
	}
	tw.Flush()
	if plain > 0 {
		fmt.Fprintf(out, "%d secret(s) stored in clear: `pulso secret rotate` seals them\n", plain)
	}
	if missing {
		fmt.Fprintf(out, "some secrets are sealed with a key that is not configured: add it to $%s or the key file\n", secret.EnvOldKeys)
	}
}
