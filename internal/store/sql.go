package store

import (
	"fmt"
	"strings"

	"pulso/internal/record"
)

// Ident quotes an SQL identifier. Every identifier in generated SQL goes through it.
func Ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Types maps record types to an engine's SQL types.
type Types struct {
	Text, Timestamp, Date, Decimal, Int, Bool string
}

// SQLType returns the column type for a record type.
func (t Types) SQLType(rt record.Type) string {
	switch rt {
	case record.Timestamp:
		return t.Timestamp
	case record.Date:
		return t.Date
	case record.Decimal:
		return t.Decimal
	case record.Int:
		return t.Int
	case record.Bool:
		return t.Bool
	default:
		return t.Text
	}
}

// Bookkeeping columns every record table carries after the stored columns.
const (
	ColTenant     = "tenant_id"
	ColSource     = "source"
	ColIngestedAt = "ingested_at"
)

// CreateRecordTable is the DDL of a kind's table: tenant_id first, then the stored columns,
// then source and ingested_at. pk adds the primary key (tenant_id, key...).
func CreateRecordTable(k *record.Kind, t Types, pk bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n    %s %s NOT NULL", Ident(k.Table()), Ident(ColTenant), t.Text)
	for _, c := range k.Stored() {
		fmt.Fprintf(&b, ",\n    %s %s", Ident(c.Name), t.SQLType(c.Type))
		if col, ok := k.Column(c.Name); ok && col.Required {
			b.WriteString(" NOT NULL")
		}
	}
	fmt.Fprintf(&b, ",\n    %s %s NOT NULL", Ident(ColSource), t.Text)
	fmt.Fprintf(&b, ",\n    %s %s NOT NULL", Ident(ColIngestedAt), t.Timestamp)
	if pk {
		cols := []string{Ident(ColTenant)}
		for _, key := range k.Key {
			cols = append(cols, Ident(key))
		}
		fmt.Fprintf(&b, ",\n    PRIMARY KEY (%s)", strings.Join(cols, ", "))
	}
	b.WriteString("\n);\n")
	return b.String()
}

// Merge holds the statements that apply a staged batch to a kind's table. Every statement
// takes the tenant as $1 and the source as $2 where used; run them in one transaction.
type Merge struct {
	Dedup    string // CREATE TEMP TABLE dedup AS: the last staged row of every key
	Delete   string // delete target rows whose key is in dedup with different values
	Insert   string // insert dedup rows whose key is not in the target ($1 tenant, $2 source)
	Distinct string // count of rows in dedup
	Drop     []string
}

// MergeSQL builds the merge of staged rows (table stage, with a seq column in batch order)
// into the kind's table. now is the engine's expression for the transaction time.
func MergeSQL(k *record.Kind, stage, dedup, now string) Merge {
	table := Ident(k.Table())
	var keyCols, keyJoin []string
	for _, key := range k.Key {
		keyCols = append(keyCols, Ident(key))
		keyJoin = append(keyJoin, fmt.Sprintf("t.%s = d.%s", Ident(key), Ident(key)))
	}
	var cols, differ []string
	for _, c := range k.Stored() {
		cols = append(cols, Ident(c.Name))
		differ = append(differ, fmt.Sprintf("t.%s IS DISTINCT FROM d.%s", Ident(c.Name), Ident(c.Name)))
	}
	match := fmt.Sprintf("t.%s = $1 AND %s", Ident(ColTenant), strings.Join(keyJoin, " AND "))
	m := Merge{
		Dedup: fmt.Sprintf("CREATE TEMP TABLE %s AS SELECT DISTINCT ON (%s) %s FROM %s ORDER BY %s, seq DESC",
			Ident(dedup), strings.Join(keyCols, ", "), strings.Join(cols, ", "), Ident(stage), strings.Join(keyCols, ", ")),
		Delete: fmt.Sprintf("DELETE FROM %s t WHERE t.%s = $1 AND EXISTS (SELECT 1 FROM %s d WHERE %s AND (%s))",
			table, Ident(ColTenant), Ident(dedup), strings.Join(keyJoin, " AND "), strings.Join(differ, " OR ")),
		Insert: fmt.Sprintf("INSERT INTO %s (%s, %s, %s, %s) SELECT $1, %s, $2, %s FROM %s d WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s)",
			table, Ident(ColTenant), strings.Join(cols, ", "), Ident(ColSource), Ident(ColIngestedAt),
			prefixed("d.", cols), now, Ident(dedup), table, match),
		Distinct: fmt.Sprintf("SELECT count(*) FROM %s", Ident(dedup)),
		Drop:     []string{"DROP TABLE IF EXISTS " + Ident(dedup), "DROP TABLE IF EXISTS " + Ident(stage)},
	}
	return m
}

func prefixed(p string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p + c
	}
	return strings.Join(out, ", ")
}

// CreateStage is the DDL of the temporary staging table of a kind.
func CreateStage(k *record.Kind, t Types, stage string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TEMP TABLE %s (seq %s", Ident(stage), t.Int)
	for _, c := range k.Stored() {
		fmt.Fprintf(&b, ", %s %s", Ident(c.Name), t.SQLType(c.Type))
	}
	b.WriteString(")")
	return b.String()
}

// RecordsMigration is the body of an engine's first migration: one table per record kind,
// generated from the contract and committed as a file; a test in each engine keeps the two equal.
func RecordsMigration(t Types, pk bool, indexes func(k *record.Kind) []string) string {
	var b strings.Builder
	b.WriteString("-- Code generated from internal/record by the engine's TestMigrationMatchesContract -update; DO NOT EDIT.\n")
	b.WriteString("-- +goose Up\n")
	for _, k := range record.Kinds() {
		b.WriteString(CreateRecordTable(k, t, pk))
		if indexes != nil {
			for _, ix := range indexes(k) {
				b.WriteString(ix + "\n")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("-- +goose Down\n")
	kinds := record.Kinds()
	for i := len(kinds) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "DROP TABLE %s;\n", Ident(kinds[i].Table()))
	}
	return b.String()
}
