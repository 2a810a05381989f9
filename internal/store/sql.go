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

// Merge holds the statements that apply a staged batch to a kind's table. Delete and Insert
// take the tenant as $1, Insert the source as $2 and the time as $3; run them in one
// transaction. Duplicates and Dedup run before it, on the private staging table.
type Merge struct {
	Duplicates string // number of keys staged more than once
	Dedup      string // delete every staged row but the last of its key
	Distinct   string // rows staged (after Dedup: distinct keys)
	Delete     string // delete target rows whose key is staged with different values
	Insert     string // insert staged rows whose key is not in the target
	Drop       string
	// DayColumns are the stored DATE columns; Replaced (before Delete) and Added (before
	// Insert) select min and max of each, in that order, over the rows Delete removes and
	// the rows Insert adds. Both take the tenant as $1; both are empty without DATE columns.
	DayColumns      []string
	Replaced, Added string
}

// MergeSQL builds the merge of staged rows (table stage, with a seq column in batch order)
// into the kind's table. now is the SQL of the ingest time.
func MergeSQL(k *record.Kind, stage, now string) Merge {
	table, st := Ident(k.Table()), Ident(stage)
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
	keys := strings.Join(keyCols, ", ")
	match := fmt.Sprintf("t.%s = $1 AND %s", Ident(ColTenant), strings.Join(keyJoin, " AND "))
	var dayCols, tMinMax, dMinMax []string
	for _, c := range k.Stored() {
		if c.Type == record.Date {
			dayCols = append(dayCols, c.Name)
			tMinMax = append(tMinMax, fmt.Sprintf("min(t.%s), max(t.%s)", Ident(c.Name), Ident(c.Name)))
			dMinMax = append(dMinMax, fmt.Sprintf("min(d.%s), max(d.%s)", Ident(c.Name), Ident(c.Name)))
		}
	}
	var replaced, added string
	if len(dayCols) > 0 {
		replaced = fmt.Sprintf("SELECT %s FROM %s t WHERE t.%s = $1 AND EXISTS (SELECT 1 FROM %s d WHERE %s AND (%s))",
			strings.Join(tMinMax, ", "), table, Ident(ColTenant), st, strings.Join(keyJoin, " AND "), strings.Join(differ, " OR "))
		added = fmt.Sprintf("SELECT %s FROM %s d WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s)",
			strings.Join(dMinMax, ", "), st, table, match)
	}
	return Merge{
		DayColumns: dayCols,
		Replaced:   replaced,
		Added:      added,
		Duplicates: fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s GROUP BY %s HAVING count(*) > 1) x", st, keys),
		Dedup: fmt.Sprintf("DELETE FROM %s WHERE seq IN (SELECT seq FROM (SELECT seq, row_number() OVER (PARTITION BY %s ORDER BY seq DESC) AS rn FROM %s) r WHERE rn > 1)",
			st, keys, st),
		Distinct: fmt.Sprintf("SELECT count(*) FROM %s", st),
		Delete: fmt.Sprintf("DELETE FROM %s t WHERE t.%s = $1 AND EXISTS (SELECT 1 FROM %s d WHERE %s AND (%s))",
			table, Ident(ColTenant), st, strings.Join(keyJoin, " AND "), strings.Join(differ, " OR ")),
		Insert: fmt.Sprintf("INSERT INTO %s (%s, %s, %s, %s) SELECT $1, %s, $2, %s FROM %s d WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s)",
			table, Ident(ColTenant), strings.Join(cols, ", "), Ident(ColSource), Ident(ColIngestedAt),
			prefixed("d.", cols), now, st, table, match),
		Drop: "DROP TABLE IF EXISTS " + st,
	}
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
