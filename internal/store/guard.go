package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"pulso/internal/record"
)

// WriteGuard keeps a batch inside its writer's scope: every row it writes, and every stored
// row it would replace, must lie in the allowed countries and platforms (an empty list allows
// all). Record keys do not hold the country, so a row keyed like another country's record
// would overwrite it: the stored row is what decides. A kind without the restricted column
// (fx_rates, inventory without platforms) is shared by every scope and so is writable only by
// writers without that restriction.
type WriteGuard struct {
	Countries []string
	Platforms []string
}

// Restricted tells whether the guard limits anything.
func (g *WriteGuard) Restricted() bool {
	return g != nil && (len(g.Countries) > 0 || len(g.Platforms) > 0)
}

// ErrOutOfScope is what a ScopeError wraps.
var ErrOutOfScope = errors.New("outside the writer's scope")

// ScopeError says which row a guarded batch may not write and why.
type ScopeError struct {
	Kind    string
	Column  string   // the restricted dimension: country or platform
	Allowed []string // the writer's values of it
	Key     string   // the row's key, "order_id=1, store=S" (empty for a kind without the column)
	Value   string   // the refused value ("" for NULL)
	Stored  bool     // the value is the stored record's, which the row would replace
}

func (e *ScopeError) Error() string {
	allowed := strings.Join(e.Allowed, ", ")
	switch {
	case e.Key == "":
		return fmt.Sprintf("%s: has no %s column, so it is shared by every %s; only a user without a %s restriction may import it (yours: %s)",
			e.Kind, e.Column, e.Column, e.Column, allowed)
	case e.Stored:
		return fmt.Sprintf("%s: the row %s would replace a stored record of %s %s, outside your scope (%s)",
			e.Kind, e.Key, e.Column, orNone(e.Value), allowed)
	default:
		return fmt.Sprintf("%s: the row %s has %s %s, outside your scope (%s)", e.Kind, e.Key, e.Column, orNone(e.Value), allowed)
	}
}

func (e *ScopeError) Unwrap() error { return ErrOutOfScope }

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// check refuses the staged batch if a row, or a stored row it would replace, lies outside
// the guard. It runs in the merge transaction, after the batch lock, so that no batch can
// change the stored rows between the check and the merge.
func (g *WriteGuard) check(ctx context.Context, tx *sql.Tx, k *record.Kind, stage, tenant string) error {
	if !g.Restricted() {
		return nil
	}
	for _, d := range []struct {
		col     string
		allowed []string
	}{{"country", g.Countries}, {"platform", g.Platforms}} {
		if len(d.allowed) == 0 {
			continue
		}
		if k.Col(d.col) < 0 {
			return &ScopeError{Kind: k.Name, Column: d.col, Allowed: d.allowed}
		}
		var keys []string
		for _, c := range k.Key {
			keys = append(keys, fmt.Sprintf("CAST(d.%s AS VARCHAR)", Ident(c)))
		}
		// The stage query takes the allowed values as $1…; the stored one the tenant, then them.
		vals := make([]any, len(d.allowed))
		for i, v := range d.allowed {
			vals[i] = v
		}
		outside := func(alias string, first int) string {
			in := make([]string, len(d.allowed))
			for i := range in {
				in[i] = fmt.Sprintf("$%d", first+i)
			}
			return fmt.Sprintf("(%s.%s IS NULL OR %s.%s NOT IN (%s))", alias, Ident(d.col), alias, Ident(d.col), strings.Join(in, ", "))
		}
		var join []string
		for _, c := range k.Key {
			join = append(join, fmt.Sprintf("t.%s = d.%s", Ident(c), Ident(c)))
		}
		queries := []struct {
			sql    string
			args   []any
			stored bool
		}{
			{fmt.Sprintf("SELECT %s, d.%s FROM %s d WHERE %s ORDER BY d.seq LIMIT 1",
				strings.Join(keys, ", "), Ident(d.col), Ident(stage), outside("d", 1)), vals, false},
			{fmt.Sprintf("SELECT %s, t.%s FROM %s t JOIN %s d ON %s WHERE t.%s = $1 AND %s ORDER BY d.seq LIMIT 1",
				strings.Join(keys, ", "), Ident(d.col), Ident(k.Table()), Ident(stage), strings.Join(join, " AND "),
				Ident(ColTenant), outside("t", 2)), append([]any{tenant}, vals...), true},
		}
		for _, q := range queries {
			vals := make([]sql.NullString, len(k.Key)+1)
			dest := make([]any, len(vals))
			for i := range vals {
				dest[i] = &vals[i]
			}
			err := tx.QueryRowContext(ctx, q.sql, q.args...).Scan(dest...)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: check the %s scope of %s: %w", d.col, k.Name, err)
			}
			var key []string
			for i, c := range k.Key {
				key = append(key, c+"="+vals[i].String)
			}
			return &ScopeError{Kind: k.Name, Column: d.col, Allowed: slices.Clone(d.allowed),
				Key: strings.Join(key, ", "), Value: vals[len(k.Key)].String, Stored: q.stored}
		}
	}
	return nil
}
