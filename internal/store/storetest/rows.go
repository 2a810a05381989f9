package storetest

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"pulso/internal/record"
	"pulso/internal/store"
)

// Rows parses a small CSV table (header first; lines are trimmed, blank lines skipped) of one
// kind into stored rows with the record parser, pseudonymising with secret.
func Rows(t testing.TB, k *record.Kind, secret []byte, table string) [][]any {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(table, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	r := csv.NewReader(strings.NewReader(strings.Join(lines, "\n")))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("fixture of %s: %v", k.Name, err)
	}
	if len(recs) == 0 {
		t.Fatalf("fixture of %s has no header", k.Name)
	}
	p, err := record.NewParser(k, recs[0], record.NewZones(), secret)
	if err != nil {
		t.Fatalf("fixture of %s: %v", k.Name, err)
	}
	out := make([][]any, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		row, err := p.Parse(i+2, rec)
		if err != nil {
			t.Fatalf("fixture of %s: %v", k.Name, err)
		}
		out = append(out, row)
	}
	return out
}

// Source is a store.RowSource over parsed rows. With FailAt > 0 the FailAt-th call of Next
// returns Err instead of a row.
type Source struct {
	Rows   [][]any
	FailAt int
	Err    error
	i      int
	calls  int
}

// NewSource returns a source over rows.
func NewSource(rows [][]any) *Source { return &Source{Rows: rows} }

// Next implements store.RowSource.
func (s *Source) Next() ([]any, error) {
	s.calls++
	if s.FailAt > 0 && s.calls == s.FailAt {
		return nil, s.Err
	}
	if s.i >= len(s.Rows) {
		return nil, io.EOF
	}
	row := append([]any(nil), s.Rows[s.i]...)
	s.i++
	return row, nil
}

// Read implements store.RowSource.
func (s *Source) Read() int64 { return int64(s.i) }

// Rejected implements store.RowSource.
func (s *Source) Rejected() int64 { return 0 }

var _ store.RowSource = (*Source)(nil)

// Dump returns every row of a kind's table (all tenants), one string per row: tenant_id and
// the key columns first, then the other stored columns and source, as name=value fields
// separated by tabs, with values normalised so that both engines print them the same way
// (timestamps as UTC RFC 3339, dates as YYYY-MM-DD, numbers in Go's shortest form, text
// quoted). Rows are selected ORDER BY key and then sorted bytewise, so the order does not
// depend on the server's collation. ingested_at is left out unless withIngested.
func Dump(ctx context.Context, db *sql.DB, k *record.Kind, withIngested bool) ([]string, error) {
	cols := []string{store.ColTenant}
	types := []record.Type{record.Text}
	isKey := map[string]bool{}
	for _, key := range k.Key {
		c, _ := k.Column(key)
		cols = append(cols, key)
		types = append(types, c.Type)
		isKey[key] = true
	}
	for _, c := range k.Stored() {
		if !isKey[c.Name] {
			cols = append(cols, c.Name)
			types = append(types, c.Type)
		}
	}
	cols = append(cols, store.ColSource)
	types = append(types, record.Text)
	if withIngested {
		cols = append(cols, store.ColIngestedAt)
		types = append(types, record.Timestamp)
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = store.Ident(c)
	}
	q := fmt.Sprintf("SELECT %s FROM %s ORDER BY %s", strings.Join(quoted, ", "), store.Ident(k.Table()),
		strings.Join(quoted[:1+len(k.Key)], ", "))
	return dumpQuery(ctx, db, q, cols, types)
}

// DumpKey is the leading part of a Dump line that identifies the row (tenant and key).
func DumpKey(k *record.Kind, line string) string {
	parts := strings.SplitN(line, "\t", len(k.Key)+2)
	return strings.Join(parts[:min(len(parts), len(k.Key)+1)], "\t")
}

// DumpImports returns the imports log, ordered by tenant and import id, like Dump.
func DumpImports(ctx context.Context, db *sql.DB) ([]string, error) {
	cols := []string{"tenant_id", "import_id", "kind", "source", "file", "started_at", "finished_at",
		"rows_read", "inserted", "updated", "unchanged", "rejected"}
	types := []record.Type{record.Text, record.Text, record.Text, record.Text, record.Text, record.Timestamp,
		record.Timestamp, record.Int, record.Int, record.Int, record.Int, record.Int}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM imports ORDER BY tenant_id, import_id"
	return dumpQuery(ctx, db, q, cols, types)
}

func dumpQuery(ctx context.Context, db *sql.DB, q string, cols []string, types []record.Type) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = cols[i] + "=" + Norm(v, types[i])
		}
		out = append(out, strings.Join(parts, "\t"))
	}
	sort.Strings(out)
	return out, rows.Err()
}

// Norm prints a scanned value the same way whichever engine returned it.
func Norm(v any, t record.Type) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if t == record.Date {
			return x.Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return strconv.Quote(string(x))
	case string:
		return strconv.Quote(x)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Sprint(x)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case int64, int32, int16, int8, int:
		return fmt.Sprint(x)
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprintf("%T(%v)", v, v)
	}
}
