package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pulso/internal/record"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// Finding 10 of issue 8: a header-only file "imported" and made its source look fresh. It is
// an error that changes nothing, in a batch of several files too.
func TestHeaderOnlyFileIsAnError(t *testing.T) {
	st := open(t)
	dir := t.TempDir()
	empty := write(t, dir, "empty.csv", header)
	blank := write(t, dir, "blank.csv", header+"\n,,,,,,,,,\n\n")
	good := write(t, dir, "good.csv", base)
	for _, files := range [][]string{{empty}, {blank}, {good, empty}} {
		_, err := importFiles(t, st, Options{Kind: "orders"}, files...)
		want := files[len(files)-1] + ": no rows to import"
		if err == nil || err.Error() != want {
			t.Fatalf("%v: got %v, want %q", files, err, want)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM imports`); n != 0 {
		t.Fatalf("%d imports logged, want 0", n)
	}
	if n := count(t, st, `SELECT count(*) FROM orders`); n != 0 {
		t.Fatalf("%d orders stored, want 0", n)
	}
	srcs, err := st.Sources(context.Background(), "t1")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if s.Kind == "orders" && (s.Rows != 0 || s.LastImportAt != nil) {
			t.Fatalf("orders source listed after header-only imports: %+v", s)
		}
	}
}

// Finding 7 of issue 8 (LGPD): extra columns went verbatim into attrs. A file with buyer_email,
// cpf, nome, endereco and telefone and a harmless promo_code is imported into a DuckDB file and
// into PostgreSQL; reading every stored column back, no personal value appears anywhere, the
// promo code is kept, a column marked for pseudonymisation holds the tenant's keyed hash, and
// the summary names the dropped columns.
func TestPersonalColumnsNeverStored(t *testing.T) {
	const file = "order_id,platform,country,store,created_at,currency,gross_amount,buyer_email,cpf,nome,endereco,telefone,promo_code,customer_code\n" +
		"P1,mercadolibre,BR,s1,2026-03-02 10:00:00,BRL,10,ana.souza@example.com,529.982.247-25,Ana Souza,Rua das Flores 12,+55 11 91234-5678,PROMO10,cli-77\n" +
		"P2,mercadolibre,BR,s1,2026-03-02 11:00:00,BRL,20,joao@example.com.br,111.444.777-35,João Lima,Av. Paulista 1000,(11) 99876-5432,,cli-78\n"
	secrets := []string{"ana.souza", "example.com", "529.982.247-25", "52998224725", "Ana Souza", "Rua das Flores",
		"91234", "joao@", "111.444.777-35", "João Lima", "Paulista", "99876", "cli-77", "cli-78"}
	engines := map[string]func(t *testing.T) store.Store{
		"duckdb": func(t *testing.T) store.Store {
			st, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "p.duckdb"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func(t *testing.T) store.Store {
			st, err := postgres.Open(context.Background(), storetest.PostgresSchema(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
	for name, openStore := range engines {
		t.Run(name, func(t *testing.T) {
			st := openStore(t)
			p := write(t, t.TempDir(), "orders.csv", file)
			res, err := importFiles(t, st, Options{Kind: "orders", Pseudonymise: []string{"customer_code"}}, p)
			if err != nil {
				t.Fatal(err)
			}
			want := []record.Dropped{{Column: "buyer_email", Values: 2}, {Column: "cpf", Values: 2}, {Column: "endereco", Values: 2},
				{Column: "nome", Values: 2}, {Column: "telefone", Values: 2}}
			if !slices.Equal(res.Dropped, want) {
				t.Fatalf("dropped %v, want %v", res.Dropped, want)
			}
			if s := res.Summary(); !strings.HasPrefix(s, "orders: read 2, inserted 2, updated 0, unchanged 0, rejected 0, ") ||
				!strings.HasSuffix(s, " rows/s; dropped personal columns: buyer_email, cpf, endereco, nome, telefone (10 values)") {
				t.Fatalf("summary %q", s)
			}
			rows, err := st.DB().QueryContext(context.Background(), `SELECT order_id, attrs FROM orders ORDER BY order_id`)
			if err != nil {
				t.Fatal(err)
			}
			var attrs []string
			for rows.Next() {
				var id, a string
				if err := rows.Scan(&id, &a); err != nil {
					t.Fatal(err)
				}
				attrs = append(attrs, id+" "+a)
			}
			rows.Close()
			secret, err := st.TenantSecret(context.Background(), "t1")
			if err != nil {
				t.Fatal(err)
			}
			wantAttrs := []string{
				`P1 {"customer_code":"` + record.Pseudonymise(secret, "cli-77") + `","promo_code":"PROMO10"}`,
				`P2 {"customer_code":"` + record.Pseudonymise(secret, "cli-78") + `"}`,
			}
			if !slices.Equal(normJSON(t, attrs), normJSON(t, wantAttrs)) {
				t.Fatalf("attrs %q\nwant %q", attrs, wantAttrs)
			}
			// Every column of every stored row, as text.
			all := dumpAll(t, st, "orders")
			for _, s := range secrets {
				if strings.Contains(all, s) {
					t.Errorf("%q stored: %s", s, all)
				}
			}
		})
	}
}

// normJSON re-encodes the JSON after "ID " so that engines' spacing does not matter.
func normJSON(t *testing.T, rows []string) []string {
	t.Helper()
	out := make([]string, len(rows))
	for i, r := range rows {
		id, js, _ := strings.Cut(r, " ")
		var m map[string]string
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatalf("%q: %v", r, err)
		}
		b, _ := json.Marshal(m)
		out[i] = id + " " + string(b)
	}
	return out
}

// dumpAll returns every column of every row of a table as text (works on both engines).
func dumpAll(t *testing.T, st store.Store, table string) string {
	t.Helper()
	rows, err := st.DB().QueryContext(context.Background(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var b strings.Builder
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%v|", v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// A rejected row goes to the reject file without the values Pulso would not store: personal
// extra columns blank, contract columns and pseudonymised identifiers as read, so that the
// file can be fixed and imported again.
func TestRejectFilesHoldNoPersonalData(t *testing.T) {
	st, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "r.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const file = "order_id,platform,country,store,created_at,currency,gross_amount,buyer_email,note,customer_code\n" +
		"R1,mercadolibre,BR,s1,2026-03-02 10:00:00,BRL,10,ana@example.com,call +55 11 91234-5678,cli-1\n" +
		"R2,mercadolibre,BR,s1,not a date,BRL,20,joao@example.com,gift wrap,cli-2\n" +
		"R3,mercadolibre,BR,s1,2026-03-02 12:00:00,BRL,-5,,maria@example.com,cli-3\n"
	dir := t.TempDir()
	p := write(t, dir, "orders.csv", file)
	res, err := importFiles(t, st, Options{Kind: "orders", SkipInvalid: true, RejectDir: dir, Pseudonymise: []string{"customer_code"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.Rejected != 2 || res.Counts.Inserted != 1 {
		t.Fatalf("counts %+v, want 1 inserted and 2 rejected", res.Counts)
	}
	got, err := os.ReadFile(filepath.Join(dir, "orders.csv.rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	want := []string{
		"row,order_id,platform,country,store,created_at,currency,gross_amount,buyer_email,note,customer_code,reason",
		"3,R2,mercadolibre,BR,s1,not a date,BRL,20,,gift wrap,cli-2,",
		"4,R3,mercadolibre,BR,s1,2026-03-02 12:00:00,BRL,-5,,,cli-3,",
	}
	if len(lines) != len(want) {
		t.Fatalf("reject file:\n%s", got)
	}
	for i := range want {
		// the reason (last field) is the parser's; the rest is compared whole
		if i > 0 {
			if !strings.HasPrefix(lines[i], want[i]) {
				t.Errorf("line %d = %q, want it to start %q", i+1, lines[i], want[i])
			}
			continue
		}
		if lines[i] != want[i] {
			t.Errorf("header = %q, want %q", lines[i], want[i])
		}
	}
	for _, s := range []string{"@example.com", "91234"} {
		if strings.Contains(string(got), s) {
			t.Errorf("the reject file holds %q:\n%s", s, got)
		}
	}
}

// A reject file, fixed and imported again as it is, imports its rows: its `row` and `reason`
// columns are left out — for returns, whose own `reason` column would otherwise appear twice.
func TestFixedRejectFileImportsAgain(t *testing.T) {
	st, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "r.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const file = "return_id,platform,store,country,requested_at,reason,note\n" +
		"T1,mercadolibre,s1,BR,2026-03-02 10:00:00,damaged,box crushed\n" +
		"T2,mercadolibre,s1,BR,2026-13-02 10:00:00,wrong_item,sent blue\n"
	dir := t.TempDir()
	p := write(t, dir, "returns.csv", file)
	if res, err := importFiles(t, st, Options{Kind: "returns", SkipInvalid: true, RejectDir: dir}, p); err != nil || res.Counts.Rejected != 1 {
		t.Fatalf("first import: %+v %v, want one row rejected", res.Counts, err)
	}
	rejects := filepath.Join(dir, "returns.csv.rejects.csv")
	b, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(string(b), "2026-13-02", "2026-03-12", 1)
	if err := os.WriteFile(rejects, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := importFiles(t, st, Options{Kind: "returns"}, rejects)
	if err != nil || res.Counts.Inserted != 1 || res.Counts.Rejected != 0 {
		t.Fatalf("the fixed reject file: %+v %v, want one row inserted", res.Counts, err)
	}
	var reason, attrs string
	if err := st.DB().QueryRow(`SELECT reason, CAST(attrs AS VARCHAR) FROM returns WHERE return_id = 'T2'`).Scan(&reason, &attrs); err != nil {
		t.Fatal(err)
	}
	if reason != "wrong_item" || attrs != `{"note":"sent blue"}` {
		t.Errorf("T2 reason %q attrs %s, want wrong_item and only the note", reason, attrs)
	}
}
