package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pulso/internal/record"
)

// Privacy (package privacy gives it meaning): erasing one buyer, expiring old records and
// reading every table of a tenant for its export. The SQL is the same on both engines; the
// matching that the engines would do differently (whole tokens, JSON attributes) runs in Go
// on the few rows a plain strpos lets through.

// Queryer reads: a *sql.DB or a *sql.Tx.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// TableInfo is one base table of the database's own schema, as information_schema lists it.
type TableInfo struct {
	Name    string
	Columns []ColumnInfo
}

// ColumnInfo is a column and its type as the engine names it, lower-cased.
type ColumnInfo struct{ Name, Type string }

// Text tells whether the column holds text or JSON.
func (c ColumnInfo) Text() bool {
	t := c.Type
	return t == "text" || t == "json" || t == "jsonb" || strings.HasPrefix(t, "varchar") || strings.HasPrefix(t, "character")
}

// Has tells whether the table has a column.
func (t TableInfo) Has(col string) bool {
	return slices.ContainsFunc(t.Columns, func(c ColumnInfo) bool { return c.Name == col })
}

// Tables lists the base tables of the current schema of the current database (temporary
// tables left out), by name, with their columns in order.
func Tables(ctx context.Context, q Queryer) ([]TableInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.table_name, c.column_name, lower(c.data_type)
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE t.table_type = 'BASE TABLE' AND c.table_schema = current_schema() AND c.table_catalog = current_database()
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("store: list tables: %w", err)
	}
	defer rows.Close()
	var out []TableInfo
	for rows.Next() {
		var table string
		var c ColumnInfo
		if err := rows.Scan(&table, &c.Name, &c.Type); err != nil {
			return nil, fmt.Errorf("store: list tables: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].Name != table {
			out = append(out, TableInfo{Name: table})
		}
		out[len(out)-1].Columns = append(out[len(out)-1].Columns, c)
	}
	return out, rows.Err()
}

// Holds tells whether s contains needle, ignoring case, as a whole token: not inside a longer
// run of letters and digits, so that buyer "1234" is not found in order "912345" but is in
// "buyer 1234" or {"buyer":"1234"}.
func Holds(s, needle string) bool {
	if needle == "" {
		return false
	}
	ls, ln := strings.ToLower(s), strings.ToLower(needle)
	first, _ := utf8.DecodeRuneInString(ln)
	last, _ := utf8.DecodeLastRuneInString(ln)
	for from := 0; from < len(ls); {
		i := strings.Index(ls[from:], ln)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(ln)
		before, _ := utf8.DecodeLastRuneInString(ls[:start])
		after, _ := utf8.DecodeRuneInString(ls[end:])
		okBefore := start == 0 || !alnum(first) || !alnum(before)
		okAfter := end == len(ls) || !alnum(last) || !alnum(after)
		if okBefore && okAfter {
			return true
		}
		_, size := utf8.DecodeRuneInString(ls[start:])
		from = start + size
	}
	return false
}

func alnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// prefilter is the SQL that lets through the rows whose column (an expression) may hold one of
// needles, with the needles (lower-cased, and as JSON escapes them) appended to args.
func prefilter(cols []string, needles []string, args *[]any) string {
	var terms []string
	var forms []string
	for _, n := range needles {
		if n == "" {
			continue
		}
		l := strings.ToLower(n)
		forms = append(forms, l)
		if b, err := json.Marshal(l); err == nil && string(b[1:len(b)-1]) != l {
			forms = append(forms, string(b[1:len(b)-1]))
		}
	}
	for _, f := range forms {
		*args = append(*args, f)
		p := fmt.Sprintf("$%d", len(*args))
		for _, c := range cols {
			terms = append(terms, "strpos(lower(CAST("+c+" AS TEXT)), "+p+") > 0")
		}
	}
	if len(terms) == 0 {
		return "FALSE"
	}
	return "(" + strings.Join(terms, " OR ") + ")"
}

func holdsAny(s string, needles []string) bool {
	return slices.ContainsFunc(needles, func(n string) bool { return Holds(s, n) })
}

// Change is what a privacy operation did to one table.
type Change struct {
	Table string `json:"table"`
	What  string `json:"what"`
	Rows  int64  `json:"rows"`
}

// Erasure describes forgetting one buyer of a tenant.
type Erasure struct {
	Tenant string
	// Pseudonym is the buyer's buyer_ref; Tombstone replaces it wherever it is stored.
	Pseudonym, Tombstone string
	// Needles identify the buyer in text (the raw id and the pseudonym): an attribute, or a
	// FreeText value, that holds one as a whole token (Holds) is removed.
	Needles []string
	// FreeText names, per kind, the nullable free-text columns that a buyer may have written.
	FreeText map[string][]string
	// At is the ingested_at of every changed row: they are changed as a batch would change them.
	At time.Time
	// AfterMerge runs for every kind whose rows changed, as after a batch (the rollups).
	AfterMerge func(ctx context.Context, tx *sql.Tx, b Batch, m Merged) error
}

// EraseBuyer forgets a buyer in the record tables of kinds, on tx:
//   - a pseudonymised column (orders.buyer_ref) equal to the pseudonym gets the tombstone and
//     that record's attributes are emptied;
//   - records of other kinds that belong to those orders (same order_id, platform and store)
//     have their attributes emptied;
//   - in every record table, attributes that hold a needle are dropped (the rest of the
//     attributes stay) and FreeText columns that hold one are set to NULL.
//
// Key and dimension columns are the seller's own identifiers and are never rewritten.
func EraseBuyer(ctx context.Context, tx *sql.Tx, kinds []*record.Kind, e Erasure) ([]Change, error) {
	if err := ValidTenant(e.Tenant); err != nil {
		return nil, err
	}
	if e.Pseudonym == "" || e.Tombstone == "" {
		return nil, fmt.Errorf("store: erase buyer: a pseudonym and a tombstone are needed")
	}
	now := e.At.UTC().Truncate(time.Microsecond)
	var out []Change
	changed := map[string]bool{}
	var parent *record.Kind
	var pseudo string
	for _, k := range kinds {
		for _, c := range k.Columns {
			if c.Pseudo && k.Col("order_id") >= 0 {
				parent, pseudo = k, c.Name
			}
		}
	}
	exec := func(k *record.Kind, what, q string, args ...any) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: forget buyer in %s (%s): %w", k.Table(), what, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			out = append(out, Change{Table: k.Table(), What: what, Rows: n})
			changed[k.Name] = true
		}
		return nil
	}
	// The buyer's orders' own records first, while buyer_ref still links them.
	if parent != nil {
		for _, k := range kinds {
			if k == parent || k.Col("order_id") < 0 {
				continue
			}
			t := Ident(k.Table())
			link := []string{"p." + Ident(ColTenant) + " = " + t + "." + Ident(ColTenant), "p." + Ident(pseudo) + " = $2",
				"p.order_id = " + t + ".order_id"}
			for _, c := range []string{"platform", "store"} {
				if k.Col(c) >= 0 {
					link = append(link, fmt.Sprintf("(%s.%s IS NULL OR p.%s = %s.%s)", t, Ident(c), Ident(c), t, Ident(c)))
				}
			}
			q := fmt.Sprintf("UPDATE %s SET attrs = NULL, %s = $3 WHERE %s = $1 AND attrs IS NOT NULL AND EXISTS (SELECT 1 FROM %s p WHERE %s)",
				t, Ident(ColIngestedAt), Ident(ColTenant), Ident(parent.Table()), strings.Join(link, " AND "))
			if err := exec(k, "attributes of the buyer's orders' records emptied", q, e.Tenant, e.Pseudonym, now); err != nil {
				return nil, err
			}
		}
		q := fmt.Sprintf("UPDATE %s SET %s = $3, attrs = NULL, %s = $4 WHERE %s = $1 AND %s = $2",
			Ident(parent.Table()), Ident(pseudo), Ident(ColIngestedAt), Ident(ColTenant), Ident(pseudo))
		if err := exec(parent, pseudo+" replaced by a tombstone, attributes emptied", q, e.Tenant, e.Pseudonym, e.Tombstone, now); err != nil {
			return nil, err
		}
	}
	// Attributes and free text that name the buyer, anywhere.
	for _, k := range kinds {
		n, m, err := scrubText(ctx, tx, k, e, now)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, Change{Table: k.Table(), What: "attributes naming the buyer dropped", Rows: n})
			changed[k.Name] = true
		}
		if m > 0 {
			out = append(out, Change{Table: k.Table(), What: "free text naming the buyer cleared (" + strings.Join(e.FreeText[k.Name], ", ") + ")", Rows: m})
			changed[k.Name] = true
		}
	}
	for _, k := range kinds {
		if changed[k.Name] {
			if err := afterChange(ctx, tx, k, e.Tenant, now, nil, e.AfterMerge); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// scrubText drops the attributes holding a needle and clears the free text holding one, in
// one kind's table; it returns the rows whose attributes and whose free text changed.
func scrubText(ctx context.Context, tx *sql.Tx, k *record.Kind, e Erasure, now time.Time) (attrRows, textRows int64, err error) {
	free := e.FreeText[k.Name]
	look := append([]string{"attrs"}, free...)
	var sel []string
	for _, key := range k.Key {
		sel = append(sel, "CAST("+Ident(key)+" AS TEXT)")
	}
	for _, c := range look {
		sel = append(sel, Ident(c))
	}
	args := []any{e.Tenant}
	quoted := make([]string, len(look))
	for i, c := range look {
		quoted[i] = Ident(c)
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1 AND %s", strings.Join(sel, ", "), Ident(k.Table()), Ident(ColTenant), prefilter(quoted, e.Needles, &args))
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, 0, fmt.Errorf("store: look for the buyer in %s: %w", k.Table(), err)
	}
	type fix struct {
		key   []any
		attrs any
		texts []any
		attrC bool
		textC bool
	}
	var fixes []fix
	for rows.Next() {
		key := make([]sql.NullString, len(k.Key))
		vals := make([]sql.NullString, len(look))
		dest := make([]any, 0, len(key)+len(vals))
		for i := range key {
			dest = append(dest, &key[i])
		}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("store: look for the buyer in %s: %w", k.Table(), err)
		}
		f := fix{attrs: nullString(vals[0])}
		for _, v := range key {
			f.key = append(f.key, v.String)
		}
		if vals[0].Valid {
			kept, ok := dropHolding(vals[0].String, e.Needles)
			if ok {
				f.attrs, f.attrC = kept, true
			}
		}
		for _, v := range vals[1:] {
			if v.Valid && holdsAny(v.String, e.Needles) {
				f.texts, f.textC = append(f.texts, nil), true
			} else {
				f.texts = append(f.texts, nullString(v))
			}
		}
		if f.attrC || f.textC {
			fixes = append(fixes, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: look for the buyer in %s: %w", k.Table(), err)
	}
	set := []string{"attrs = $1", Ident(ColIngestedAt) + " = $2"}
	for i, c := range free {
		set = append(set, fmt.Sprintf("%s = $%d", Ident(c), i+3))
	}
	where := []string{fmt.Sprintf("%s = $%d", Ident(ColTenant), len(free)+3)}
	for i, key := range k.Key {
		where = append(where, fmt.Sprintf("CAST(%s AS TEXT) = $%d", Ident(key), len(free)+4+i))
	}
	upd := fmt.Sprintf("UPDATE %s SET %s WHERE %s", Ident(k.Table()), strings.Join(set, ", "), strings.Join(where, " AND "))
	for _, f := range fixes {
		args := append([]any{f.attrs, now}, f.texts...)
		args = append(args, e.Tenant)
		args = append(args, f.key...)
		if _, err := tx.ExecContext(ctx, upd, args...); err != nil {
			return 0, 0, fmt.Errorf("store: forget buyer in %s: %w", k.Table(), err)
		}
		if f.attrC {
			attrRows++
		}
		if f.textC {
			textRows++
		}
	}
	return attrRows, textRows, nil
}

func nullString(v sql.NullString) any {
	if !v.Valid {
		return nil
	}
	return v.String
}

// dropHolding removes from a JSON object of attributes every entry whose name or value holds
// a needle; ok is false when nothing was removed. An empty result is NULL; text that is not a
// JSON object is kept or cleared as a whole.
func dropHolding(attrs string, needles []string) (kept any, ok bool) {
	var m map[string]any
	if err := json.Unmarshal([]byte(attrs), &m); err != nil {
		if holdsAny(attrs, needles) {
			return nil, true
		}
		return attrs, false
	}
	for name, v := range m {
		text, isText := v.(string)
		if !isText {
			b, _ := json.Marshal(v) // a decoded value always encodes again
			text = string(b)
		}
		if holdsAny(name, needles) || holdsAny(text, needles) {
			delete(m, name)
			ok = true
		}
	}
	if !ok {
		return attrs, false
	}
	if len(m) == 0 {
		return nil, true
	}
	b, _ := json.Marshal(m)
	return string(b), true
}

// afterChange hands the rows of k changed at now (and the dates of rows deleted, in gone) to
// hook as one batch: a staging table of the changed rows and the dates they and the deleted
// rows cover.
func afterChange(ctx context.Context, tx *sql.Tx, k *record.Kind, tenant string, now time.Time, gone map[string]DateRange,
	hook func(ctx context.Context, tx *sql.Tx, b Batch, m Merged) error) error {
	if hook == nil {
		return nil
	}
	var cols, dayCols, minMax []string
	for _, c := range k.Stored() {
		cols = append(cols, Ident(c.Name))
		if c.Type == record.Date {
			dayCols = append(dayCols, c.Name)
			minMax = append(minMax, fmt.Sprintf("min(%s), max(%s)", Ident(c.Name), Ident(c.Name)))
		}
	}
	stage := "privacy_stage_" + k.Name + "_" + randomHex(6)
	defer func() { _, _ = tx.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+Ident(stage)) }()
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("CREATE TEMP TABLE %s AS SELECT %s FROM %s WHERE 1 = 0", Ident(stage), strings.Join(cols, ", "), Ident(k.Table()))); err != nil {
		return fmt.Errorf("store: stage changed %s: %w", k.Table(), err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s SELECT %s FROM %s WHERE %s = $1 AND %s = CAST($2 AS TIMESTAMPTZ)",
		Ident(stage), strings.Join(cols, ", "), Ident(k.Table()), Ident(ColTenant), Ident(ColIngestedAt)), tenant, now); err != nil {
		return fmt.Errorf("store: stage changed %s: %w", k.Table(), err)
	}
	days := map[string]DateRange{}
	for c, r := range gone {
		days[c] = r
	}
	if len(dayCols) > 0 {
		if err := rangesOf(ctx, tx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(minMax, ", "), Ident(stage)), dayCols, days); err != nil {
			return fmt.Errorf("store: dates of changed %s: %w", k.Table(), err)
		}
	}
	if err := hook(ctx, tx, Batch{Tenant: tenant, Kind: k, Source: "privacy"}, Merged{Stage: stage, IngestedAt: now, Days: days}); err != nil {
		return fmt.Errorf("store: refresh after changing %s: %w", k.Table(), err)
	}
	return nil
}

// rangesOf widens days by the (min, max) pairs of cols that query returns.
func rangesOf(ctx context.Context, tx *sql.Tx, query string, cols []string, days map[string]DateRange, args ...any) error {
	vals := make([]sql.NullTime, 2*len(cols))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := tx.QueryRowContext(ctx, query, args...).Scan(dest...); err != nil {
		return err
	}
	for i, c := range cols {
		lo, hi := vals[2*i], vals[2*i+1]
		if !lo.Valid || !hi.Valid {
			continue
		}
		r := DateRange{From: dateOnly(lo.Time), To: dateOnly(hi.Time)}
		if old, ok := days[c]; ok {
			r = r.Union(old)
		}
		days[c] = r
	}
	return nil
}

// Trace is a column still holding what was looked for.
type Trace struct {
	Table, Column string
	Rows          int64
}

// Traces looks in every text column of every table (Tables) for values that hold a needle
// (Holds): in the tenant's rows where a table has tenant_id, in all its rows otherwise.
func Traces(ctx context.Context, q Queryer, tenant string, needles []string) ([]Trace, error) {
	tables, err := Tables(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []Trace
	for _, t := range tables {
		var text []string
		for _, c := range t.Columns {
			if c.Text() && c.Name != ColTenant {
				text = append(text, c.Name)
			}
		}
		if len(text) == 0 {
			continue
		}
		var args []any
		where := []string{}
		if t.Has(ColTenant) {
			args = append(args, tenant)
			where = append(where, Ident(ColTenant)+" = $1")
		}
		sel := make([]string, len(text))
		for i, c := range text {
			sel[i] = "CAST(" + Ident(c) + " AS TEXT)"
		}
		where = append(where, prefilter(sel, needles, &args))
		rows, err := q.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(sel, ", "), Ident(t.Name), strings.Join(where, " AND ")), args...)
		if err != nil {
			return nil, fmt.Errorf("store: search %s: %w", t.Name, err)
		}
		counts := make([]int64, len(text))
		vals := make([]sql.NullString, len(text))
		dest := make([]any, len(text))
		for i := range vals {
			dest[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: search %s: %w", t.Name, err)
			}
			for i, v := range vals {
				if v.Valid && holdsAny(v.String, needles) {
					counts[i]++
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: search %s: %w", t.Name, err)
		}
		for i, n := range counts {
			if n > 0 {
				out = append(out, Trace{Table: t.Name, Column: text[i], Rows: n})
			}
		}
	}
	return out, nil
}

// Expiry describes a retention run over a tenant's records.
type Expiry struct {
	Tenant string
	// Before: records whose business date is earlier are expired.
	Before time.Time
	// Delete deletes them; otherwise they are anonymised: pseudonymised columns, attributes
	// and FreeText columns set to NULL, the rest (amounts, dates, dimensions) kept.
	Delete   bool
	Rules    []ExpiryRule
	FreeText map[string][]string
	At       time.Time // the ingested_at of every anonymised row
	// AfterMerge runs for every kind whose rows changed, as after a batch (the rollups).
	AfterMerge func(ctx context.Context, tx *sql.Tx, b Batch, m Merged) error
}

// ExpiryRule says what a kind's business date is: the first non-NULL of Dates (DATE columns),
// of the record itself or, with Parent, of the parent record it belongs to (an order line's
// order: same order_id, platform and store). A rule with a Parent runs before the parent's.
type ExpiryRule struct {
	Kind   *record.Kind
	Dates  []string
	Parent *record.Kind
}

// ExpireRecords applies an Expiry on tx and says, per table, how many rows it deleted or
// anonymised. Records without a business date are kept.
func ExpireRecords(ctx context.Context, tx *sql.Tx, x Expiry) ([]Change, error) {
	if err := ValidTenant(x.Tenant); err != nil {
		return nil, err
	}
	now := x.At.UTC().Truncate(time.Microsecond)
	before := x.Before.Format(time.DateOnly)
	var out []Change
	for _, r := range x.Rules {
		k := r.Kind
		t := Ident(k.Table())
		old := ""
		if r.Parent == nil {
			old = "COALESCE(" + qualified(t, r.Dates) + ") < CAST($2 AS DATE)"
		} else {
			link := []string{"p." + Ident(ColTenant) + " = " + t + "." + Ident(ColTenant)}
			for _, c := range []string{"order_id", "platform", "store"} {
				link = append(link, "p."+Ident(c)+" = "+t+"."+Ident(c))
			}
			old = fmt.Sprintf("EXISTS (SELECT 1 FROM %s p WHERE %s AND COALESCE(%s) < CAST($2 AS DATE))", Ident(r.Parent.Table()),
				strings.Join(link, " AND "), qualified("p", r.Dates))
		}
		where := fmt.Sprintf("%s.%s = $1 AND %s", t, Ident(ColTenant), old)
		if x.Delete {
			gone := map[string]DateRange{}
			var dayCols, minMax []string
			for _, c := range k.Stored() {
				if c.Type == record.Date {
					dayCols = append(dayCols, c.Name)
					minMax = append(minMax, fmt.Sprintf("min(%s), max(%s)", Ident(c.Name), Ident(c.Name)))
				}
			}
			if len(dayCols) > 0 {
				if err := rangesOf(ctx, tx, fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(minMax, ", "), t, where), dayCols, gone, x.Tenant, before); err != nil {
					return nil, fmt.Errorf("store: dates of expired %s: %w", k.Table(), err)
				}
			}
			res, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE "+where, x.Tenant, before)
			if err != nil {
				return nil, fmt.Errorf("store: delete expired %s: %w", k.Table(), err)
			}
			n, _ := res.RowsAffected()
			if n == 0 {
				continue
			}
			out = append(out, Change{Table: k.Table(), What: "deleted", Rows: n})
			if err := afterChange(ctx, tx, k, x.Tenant, now, gone, x.AfterMerge); err != nil {
				return nil, err
			}
			continue
		}
		clear := []string{"attrs"}
		for _, c := range k.Columns {
			if c.Pseudo {
				clear = append(clear, c.Name)
			}
		}
		clear = append(clear, x.FreeText[k.Name]...)
		var set, present []string
		for _, c := range clear {
			set = append(set, Ident(c)+" = NULL")
			present = append(present, t+"."+Ident(c)+" IS NOT NULL")
		}
		set = append(set, Ident(ColIngestedAt)+" = $3")
		res, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE %s AND (%s)", t, strings.Join(set, ", "), where, strings.Join(present, " OR ")),
			x.Tenant, before, now)
		if err != nil {
			return nil, fmt.Errorf("store: anonymise expired %s: %w", k.Table(), err)
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			continue
		}
		out = append(out, Change{Table: k.Table(), What: "anonymised (" + strings.Join(clear, ", ") + " cleared)", Rows: n})
		if err := afterChange(ctx, tx, k, x.Tenant, now, nil, x.AfterMerge); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// qualified lists cols as table.col, comma separated.
func qualified(table string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = table + "." + Ident(c)
	}
	return strings.Join(out, ", ")
}

// ReadRows calls each with the values of cols of a table's rows for a tenant, ordered by
// order (column names), and returns how many rows it read. Values come as the driver gives them.
func ReadRows(ctx context.Context, q Queryer, table, tenant string, cols, order []string, each func(vals []any) error) (int64, error) {
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = Ident(c)
	}
	ord := make([]string, len(order))
	for i, c := range order {
		ord[i] = Ident(c)
	}
	query := fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1", strings.Join(sel, ", "), Ident(table), Ident(ColTenant))
	if len(ord) > 0 {
		query += " ORDER BY " + strings.Join(ord, ", ")
	}
	rows, err := q.QueryContext(ctx, query, tenant)
	if err != nil {
		return 0, fmt.Errorf("store: read %s: %w", table, err)
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, fmt.Errorf("store: read %s: %w", table, err)
		}
		if err := each(vals); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("store: read %s: %w", table, err)
	}
	return n, nil
}

// AppendAuditTx appends an audit entry on a transaction, so that it is kept only if what it
// records is (AppendAudit's rules).
func AppendAuditTx(ctx context.Context, tx *sql.Tx, a AuditRow) error {
	if err := ValidTenant(a.Tenant); err != nil {
		return err
	}
	if a.ID == "" {
		a.ID = randomHex(12)
	}
	if a.Detail == "" {
		a.Detail = "{}"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (tenant_id, audit_id, occurred_at, user_id, login, action, object, detail, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.Tenant, a.ID, a.At.UTC(), a.UserID, a.Login, a.Action, a.Object, a.Detail, a.IP); err != nil {
		return fmt.Errorf("store: append audit entry: %w", err)
	}
	return nil
}

// WithBatchLocks runs fn in one transaction that holds the locks that batches of every kind
// of kinds take (in that order, which must be record.Kinds' order so two such callers cannot
// deadlock): fn sees no batch of those kinds half applied and none merges beside it.
func WithBatchLocks(ctx context.Context, db *sql.DB, l Loader, tenant string, kinds []*record.Kind, fn func(ctx context.Context, tx *sql.Tx) error) (err error) {
	if err := ValidTenant(tenant); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if bl, ok := l.(BatchLocker); ok {
		for _, k := range kinds {
			if err = bl.LockBatch(ctx, tx, Batch{Tenant: tenant, Kind: k}); err != nil {
				return fmt.Errorf("store: lock %s: %w", k.Name, err)
			}
		}
	}
	if err = fn(ctx, tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
