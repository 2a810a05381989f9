package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pulso/internal/ingest/reader"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
)

func open(t *testing.T) store.Store {
	t.Helper()
	st, err := duckdb.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func importFiles(t *testing.T, st store.Store, opt Options, paths ...string) (Result, error) {
	t.Helper()
	var ins []Input
	for _, p := range paths {
		in, err := FileInput(p)
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
	}
	if opt.Tenant == "" {
		opt.Tenant = "t1"
	}
	return New(st).Import(context.Background(), opt, ins...)
}

// dump returns every stored order as text, ordered by key, for before/after comparisons.
func dump(t *testing.T, st store.Store, table string) string {
	t.Helper()
	rows, err := st.DB().QueryContext(context.Background(),
		`SELECT * EXCLUDE (ingested_at) FROM `+table+` ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			b.WriteString(strings.ReplaceAll(fmtAny(v), "\n", `\n`))
			b.WriteByte('|')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func fmtAny(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprint(v)
}

const header = "order_id,platform,country,store,created_at,shipped_at,handling_deadline,currency,gross_amount,buyer_ref\n"

const base = header +
	"A1,mercadolibre,BR,s1,2026-03-02 10:00:00,2026-03-03 09:00:00,2026-03-03 12:00:00,BRL,100.50,buyer-1\n" +
	"A2,mercadolibre,BR,s1,2026-03-02 23:30:00,,,BRL,50,buyer-2\n" +
	"A3,amazon,MX,s2,2026-03-02T12:00:00-06:00,,,MXN,300,buyer-1\n"

func count(t *testing.T, st store.Store, q string) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportIdempotentAndUpdates(t *testing.T) {
	st := open(t)
	dir := t.TempDir()
	p := write(t, dir, "orders.csv", base)
	res, err := importFiles(t, st, Options{Kind: "orders"}, p)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Counts; c.Read != 3 || c.Inserted != 3 || c.Updated != 0 || c.Unchanged != 0 {
		t.Fatalf("first import: %+v", c)
	}
	before := dump(t, st, "orders")
	res, err = importFiles(t, st, Options{Kind: "orders"}, p)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Counts; c.Read != 3 || c.Inserted != 0 || c.Updated != 0 || c.Unchanged != 3 {
		t.Fatalf("second import: %+v", c)
	}
	if after := dump(t, st, "orders"); after != before {
		t.Fatalf("re-import changed the store:\n%s\n---\n%s", before, after)
	}
	// An update file: A2 now shipped, A4 new. A1 and A3 must stay exactly as they were.
	up := write(t, dir, "update.csv", header+
		"A2,mercadolibre,BR,s1,2026-03-02 23:30:00,2026-03-04 08:00:00,,BRL,50,buyer-2\n"+
		"A4,shopee,CO,s3,2026-03-05 08:00:00,,,COP,120000,buyer-9\n")
	res, err = importFiles(t, st, Options{Kind: "orders"}, up)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Counts; c.Inserted != 1 || c.Updated != 1 || c.Unchanged != 0 {
		t.Fatalf("update import: %+v", c)
	}
	if n := count(t, st, `SELECT count(*) FROM orders`); n != 4 {
		t.Fatalf("%d orders stored, want 4", n)
	}
	if n := count(t, st, `SELECT count(*) FROM orders WHERE order_id = 'A2' AND status = 'shipped' AND shipped_at_local = DATE '2026-03-04'`); n != 1 {
		t.Fatal("A2 not updated")
	}
	kept := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "|A1|") || strings.Contains(l, "|A3|") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	if kept(dump(t, st, "orders")) != kept(before) {
		t.Fatal("update changed records it does not carry")
	}
}

func TestLastRowOfBatchWins(t *testing.T) {
	st := open(t)
	p := write(t, t.TempDir(), "orders.csv", header+
		"A1,amazon,BR,s1,2026-03-02 10:00:00,,,BRL,10,\n"+
		"A1,amazon,BR,s1,2026-03-02 10:00:00,,,BRL,20,\n"+
		"A1,amazon,BR,s1,2026-03-02 10:00:00,,,BRL,30,\n")
	res, err := importFiles(t, st, Options{Kind: "orders"}, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.Read != 3 || res.Counts.Inserted != 1 {
		t.Fatalf("%+v", res.Counts)
	}
	var g float64
	st.DB().QueryRow(`SELECT gross_amount FROM orders`).Scan(&g)
	if g != 30 {
		t.Fatalf("gross %v, want the last row's 30", g)
	}
}

func TestBadRowLeavesStoreUnchanged(t *testing.T) {
	cases := []struct {
		name, row, want string
	}{
		{"bad timestamp", "B1,amazon,BR,s1,2026-02-30 10:00:00,,,BRL,10,", "bad.csv: row 3, column created_at: not a valid local timestamp: day out of range"},
		{"unknown country", "B1,amazon,XX,s1,2026-03-02 10:00:00,,,BRL,10,", "bad.csv: row 3, column country: unknown country code"},
		{"text in amount", "B1,amazon,BR,s1,2026-03-02 10:00:00,,,BRL,ten,", `bad.csv: row 3, column gross_amount: not a decimal number`},
		{"missing required value", "B1,amazon,BR,,2026-03-02 10:00:00,,,BRL,10,", "bad.csv: row 3, column store: required value is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := open(t)
			dir := t.TempDir()
			if _, err := importFiles(t, st, Options{Kind: "orders"}, write(t, dir, "orders.csv", base)); err != nil {
				t.Fatal(err)
			}
			before := dump(t, st, "orders")
			imports := count(t, st, `SELECT count(*) FROM imports`)
			bad := write(t, dir, "bad.csv", header+
				"A1,mercadolibre,BR,s1,2026-03-02 10:00:00,,,BRL,999,buyer-1\n"+c.row+"\n")
			_, err := importFiles(t, st, Options{Kind: "orders"}, bad)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if after := dump(t, st, "orders"); after != before {
				t.Fatal("a failed batch changed the store")
			}
			if n := count(t, st, `SELECT count(*) FROM imports`); n != imports {
				t.Fatal("a failed batch was logged as an import")
			}
		})
	}
}

func TestMissingRequiredColumn(t *testing.T) {
	st := open(t)
	p := write(t, t.TempDir(), "orders.csv", "order_id,platform,store,created_at\nA1,amazon,s1,2026-03-02 10:00:00\n")
	_, err := importFiles(t, st, Options{Kind: "orders"}, p)
	if err == nil || !strings.Contains(err.Error(), "orders.csv: header: missing required column country for kind orders") {
		t.Fatalf("error %v", err)
	}
}

func TestSkipInvalidWritesRejects(t *testing.T) {
	st := open(t)
	dir := t.TempDir()
	p := write(t, dir, "orders.csv", header+
		"A1,amazon,BR,s1,2026-03-02 10:00:00,,,BRL,10,\n"+
		"A2,amazon,BR,s1,yesterday,,,BRL,10,\n"+
		"A3,amazon,BR,s1,2026-03-02 11:00:00,,,BRL,\"1,5\",\n"+
		"A4,amazon,BR,s1,2026-03-02 12:00:00,,,,,\n")
	res, err := importFiles(t, st, Options{Kind: "orders", SkipInvalid: true}, p)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Counts; c.Read != 4 || c.Inserted != 2 || c.Rejected != 2 {
		t.Fatalf("%+v", c)
	}
	if len(res.RejectFiles) != 1 {
		t.Fatalf("reject files %v", res.RejectFiles)
	}
	f, err := os.Open(res.RejectFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("reject file has %d records, want header + 2", len(recs))
	}
	if got := strings.Join(recs[0], ","); got != "row,"+strings.TrimSpace(header)+",reason" {
		t.Fatalf("reject header %q", got)
	}
	if recs[1][0] != "3" || !strings.HasPrefix(recs[1][len(recs[1])-1], "column created_at: not a timestamp") {
		t.Fatalf("reject 1: %v", recs[1])
	}
	if recs[2][0] != "4" || recs[2][9] != "1,5" || !strings.HasPrefix(recs[2][len(recs[2])-1], "column gross_amount: not a decimal number") {
		t.Fatalf("reject 2: %v", recs[2])
	}
}

func TestFormats(t *testing.T) {
	st := open(t)
	dir := t.TempDir()
	// CSV with a BOM, CRLF and a quoted field holding a comma, a quote and a newline.
	csvPath := write(t, dir, "t.csv", "\uFEFFticket_id,platform,store,country,created_at,agent\r\n"+
		"T1,shopee,s1,BR,2026-03-02 10:00:00,\"Ana, \"\"the\"\"\nlead\"\r\n")
	ndPath := write(t, dir, "t.ndjson", `{"ticket_id":"T2","platform":"shopee","store":"s1","country":"MX","created_at":"2026-03-02T10:00:00Z","csat":5,"is_dispute":true}`+"\n\n"+
		`{"ticket_id":"T3","platform":"shopee","store":"s1","country":"MX","created_at":"2026-03-02 10:00:00","csat":null}`+"\n")
	res, err := importFiles(t, st, Options{Kind: "tickets"}, csvPath, ndPath)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.Inserted != 3 {
		t.Fatalf("%+v", res.Counts)
	}
	var agent string
	st.DB().QueryRow(`SELECT agent FROM tickets WHERE ticket_id = 'T1'`).Scan(&agent)
	if agent != "Ana, \"the\"\nlead" {
		t.Fatalf("agent %q", agent)
	}
	if n := count(t, st, `SELECT count(*) FROM tickets WHERE ticket_id = 'T2' AND csat = 5 AND is_dispute`); n != 1 {
		t.Fatal("NDJSON numbers/booleans not stored")
	}
	bad := write(t, dir, "bad.ndjson", `{"ticket_id":"T9","platform":"shopee","store":"s1","country":"MX","created_at":"2026-03-02 10:00:00"}`+"\n"+
		`{"ticket_id":"T10","platform":"shopee","store":"s1","country":"MX","created_at":"2026-03-02 10:00:00","csat":9}`+"\n")
	_, err = importFiles(t, st, Options{Kind: "tickets"}, bad)
	if err == nil || !strings.Contains(err.Error(), "bad.ndjson: row 2, column csat: must be between 1 and 5") {
		t.Fatalf("error %v", err)
	}
}

func TestReaderErrorsAreFatal(t *testing.T) {
	st := open(t)
	p := write(t, t.TempDir(), "o.csv", header+"A1,amazon,BR,s1,2026-03-02 10:00:00,,,BRL,10,\"unterminated\n")
	_, err := importFiles(t, st, Options{Kind: "orders", SkipInvalid: true}, p)
	var re *reader.Error
	if err == nil || !errors.As(err, &re) {
		t.Fatalf("error %v", err)
	}
	if n := count(t, st, `SELECT count(*) FROM orders`); n != 0 {
		t.Fatal("rows applied from a broken file")
	}
}

// Rows travel in chunks through parallel parsers; order must survive across chunks.
func TestOrderAcrossChunks(t *testing.T) {
	st := open(t)
	var b strings.Builder
	b.WriteString(header)
	for i := 1; i <= 3*chunkRows+7; i++ {
		id := fmt.Sprintf("A%d", i)
		amount := i
		if i == 3*chunkRows+5 {
			id, amount = "A1", 777777 // repeats A1 in a later chunk: this one wins
		}
		fmt.Fprintf(&b, "%s,amazon,BR,s1,2026-03-02 10:00:00,,,BRL,%d,\n", id, amount)
	}
	dir := t.TempDir()
	res, err := importFiles(t, st, Options{Kind: "orders"}, write(t, dir, "big.csv", b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.Read != 3*chunkRows+7 || res.Counts.Inserted != 3*chunkRows+6 {
		t.Fatalf("%+v", res.Counts)
	}
	var g float64
	st.DB().QueryRow(`SELECT gross_amount FROM orders WHERE order_id = 'A1'`).Scan(&g)
	if g != 777777 {
		t.Fatalf("A1 gross %v, want the later row's 777777", g)
	}
	// A bad row deep in the file: its spreadsheet row number (header = 1) is reported.
	b.Reset()
	b.WriteString(header)
	for i := 1; i <= 2*chunkRows; i++ {
		ts := "2026-03-02 10:00:00"
		if i == chunkRows+100 {
			ts = "03/02/2026"
		}
		fmt.Fprintf(&b, "Z%d,amazon,BR,s1,%s,,,BRL,1,\n", i, ts)
	}
	_, err = importFiles(t, st, Options{Kind: "orders"}, write(t, dir, "bad.csv", b.String()))
	want := fmt.Sprintf("bad.csv: row %d, column created_at:", chunkRows+101)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	if n := count(t, st, `SELECT count(*) FROM orders WHERE order_id LIKE 'Z%'`); n != 0 {
		t.Fatalf("%d rows of the failed file stored", n)
	}
}

// An export with its own column names imports through a mapping to the contract's names;
// an unmapped extra column is kept as an attribute.
func TestRename(t *testing.T) {
	st := open(t)
	p := write(t, t.TempDir(), "vendas.csv", "Pedido,Plataforma,País,Loja,Data do pedido,Canal\n"+
		"P1,mercadolibre,BR,loja1,2026-03-02 10:00:00,app\n")
	_, err := importFiles(t, st, Options{Kind: "orders"}, p)
	if err == nil || !strings.Contains(err.Error(), "missing required column") {
		t.Fatalf("without mapping: %v", err)
	}
	res, err := importFiles(t, st, Options{Kind: "orders", Rename: map[string]string{
		"pedido": "order_id", "plataforma": "platform", "país": "country", "loja": "store", "data do pedido": "created_at"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.Inserted != 1 {
		t.Fatalf("%+v", res.Counts)
	}
	var attrs string
	st.DB().QueryRow(`SELECT attrs FROM orders WHERE order_id = 'P1' AND store = 'loja1'`).Scan(&attrs)
	if attrs != `{"canal":"app"}` {
		t.Fatalf("attrs %q", attrs)
	}
}
