package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"pulso/internal/record"
	"pulso/internal/store"
)

// hookCall is what a privacy operation handed to AfterMerge for one kind.
type hookCall struct {
	kind   string
	staged int
	days   string
}

// recordHook returns an AfterMerge hook that notes its calls.
func recordHook(e *env, calls *[]hookCall) func(ctx context.Context, tx *sql.Tx, b store.Batch, m store.Merged) error {
	return func(ctx context.Context, tx *sql.Tx, b store.Batch, m store.Merged) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+store.Ident(m.Stage)).Scan(&n); err != nil {
			return err
		}
		days := map[string]string{}
		for c, r := range m.Days {
			days[c] = r.From.Format(time.DateOnly) + ".." + r.To.Format(time.DateOnly)
		}
		*calls = append(*calls, hookCall{kind: b.Kind.Name, staged: n, days: fmtDays(days)})
		return nil
	}
}

const (
	forgetRaw   = "BUYER-X77-qa"
	forgetOther = "BUYER-Y88-qa"
)

// testEraseBuyer forgets buyer X of acme: X's orders get a tombstone, the attributes of X's
// orders and of their returns are emptied, attributes and return texts naming X elsewhere are
// dropped, values that only contain X's id inside a longer token stay, and buyer Y, the
// other tenant and the rows' dates and amounts do not change.
func testEraseBuyer(e *env) {
	// Attributes are set on the parsed rows, as whatever an importer keeps would be stored.
	tables := map[string]string{
		"orders": `
order_id,platform,country,store,created_at,currency,gross_amount,buyer_ref
OX1,amazon,MX,s1,2026-03-02 12:00:00,MXN,100,BUYER-X77-qa
OX2,amazon,MX,s1,2026-03-09 12:00:00,MXN,50,BUYER-X77-qa
OY1,amazon,MX,s1,2026-03-05 12:00:00,MXN,300,BUYER-Y88-qa`,
		"returns": `
return_id,order_id,platform,store,country,requested_at,reason_text
RX1,OX1,amazon,s1,MX,2026-03-10 12:00:00,box wet
RY1,OY1,amazon,s1,MX,2026-03-11 12:00:00,BUYER-X77-qa told me`,
		"nps_responses": `
response_id,country,score,responded_at
N1,MX,9,2026-03-12 12:00:00
N2,MX,3,2026-03-12 12:00:00`,
	}
	attrs := map[string][]any{
		"orders":        {`{"note":"gift"}`, nil, `{"note":"gift"}`},
		"returns":       {`{"address":"Calle 1"}`, `{"address":"Calle 2"}`},
		"nps_responses": {`{"buyer_id":"buyer-x77-QA","code":"ABUYER-X77-qaZ","comment":"fine"}`, `{"buyer_id":"BUYER-Y88-qa","comment":"slow"}`},
	}
	for _, tenant := range []string{"acme", "other"} {
		for _, kind := range []string{"orders", "returns", "nps_responses"} {
			rows := e.rows(kind, tenant, tables[kind])
			for i, r := range rows {
				r[len(r)-1] = attrs[kind][i]
			}
			e.apply(kind, tenant, "upload", rows, store.Counts{Read: int64(len(rows)), Inserted: int64(len(rows))})
		}
	}
	before := map[string][]string{}
	for _, k := range []string{"orders", "returns", "nps_responses"} {
		before[k] = e.dump(k, false)
	}
	pseudo := record.Pseudonymise(e.secret("acme"), forgetRaw)
	var calls []hookCall
	var changes []store.Change
	at := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	err := e.s.WithBatchLocks(e.ctx, "acme", record.Kinds(), func(ctx context.Context, tx *sql.Tx) error {
		var err error
		changes, err = store.EraseBuyer(ctx, tx, record.Kinds(), store.Erasure{Tenant: "acme", Pseudonym: pseudo, Tombstone: "tomb",
			Needles: []string{forgetRaw, pseudo}, FreeText: map[string][]string{"returns": {"reason_text"}}, At: at,
			AfterMerge: recordHook(e, &calls)})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range changes {
		got[c.Table+": "+c.What] += c.Rows
	}
	want := map[string]int64{
		"orders: buyer_ref replaced by a tombstone, attributes emptied": 2,
		"returns: attributes of the buyer's orders' records emptied":    1,
		"returns: free text naming the buyer cleared (reason_text)":     1,
		"nps_responses: attributes naming the buyer dropped":            1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Errorf("changes %v\nwant %v", got, want)
	}
	// Each changed kind is handed over once, with its changed rows and their dates.
	wantCalls := []hookCall{
		{"orders", 2, "[created_at_local=2026-03-02..2026-03-09]"},
		{"returns", 2, "[requested_at_local=2026-03-10..2026-03-11]"},
		{"nps_responses", 1, "[responded_at_local=2026-03-12..2026-03-12]"},
	}
	if fmt.Sprint(calls) != fmt.Sprint(wantCalls) {
		e.t.Errorf("AfterMerge calls %v\nwant %v", calls, wantCalls)
	}
	var refs []string
	rows, err := e.s.DB().QueryContext(e.ctx, `SELECT order_id || '=' || COALESCE(buyer_ref, '-') || '/' || COALESCE(attrs, '-') || '/' || CAST(CAST(gross_amount AS INTEGER) AS TEXT)
		FROM orders WHERE tenant_id = 'acme' ORDER BY order_id`)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		refs = append(refs, s)
	}
	rows.Close()
	pseudoY := record.Pseudonymise(e.secret("acme"), forgetOther)
	wantRefs := []string{"OX1=tomb/-/100", "OX2=tomb/-/50", `OY1=` + pseudoY + `/{"note":"gift"}/300`}
	if !slices.Equal(refs, wantRefs) {
		e.t.Errorf("orders after forget %v\nwant %v", refs, wantRefs)
	}
	stored := func(table, key, id string) string {
		var a sql.NullString
		if err := e.s.DB().QueryRowContext(e.ctx, "SELECT attrs FROM "+table+" WHERE tenant_id = 'acme' AND "+key+" = $1", id).Scan(&a); err != nil {
			e.t.Fatal(err)
		}
		return a.String
	}
	if a := stored("returns", "return_id", "RX1"); a != "" {
		e.t.Errorf("RX1 (of X's order) keeps attributes %s", a)
	}
	if a := stored("returns", "return_id", "RY1"); a != `{"address":"Calle 2"}` {
		e.t.Errorf("RY1 attributes %s", a)
	}
	var text sql.NullString
	if err := e.s.DB().QueryRowContext(e.ctx, "SELECT reason_text FROM returns WHERE tenant_id = 'acme' AND return_id = 'RY1'").Scan(&text); err != nil || text.Valid {
		e.t.Errorf("RY1 reason_text %v (%v), want NULL", text, err)
	}
	var kept map[string]string
	if err := json.Unmarshal([]byte(stored("nps_responses", "response_id", "N1")), &kept); err != nil {
		e.t.Fatal(err)
	}
	if fmt.Sprint(kept) != "map[code:ABUYER-X77-qaZ comment:fine]" {
		e.t.Errorf("N1 attributes %v: the buyer_id goes, the rest stays", kept)
	}
	if a := stored("nps_responses", "response_id", "N2"); a != `{"buyer_id":"BUYER-Y88-qa","comment":"slow"}` {
		e.t.Errorf("N2 attributes %s", a)
	}
	// Only acme's rows of X changed.
	for k, lines := range before {
		after := e.dump(k, false)
		for _, l := range lines {
			if strings.HasPrefix(l, `tenant_id="other"`) && !slices.Contains(after, l) {
				e.t.Errorf("%s of the other tenant changed: %s", k, l)
			}
		}
	}
	traces, err := store.Traces(e.ctx, e.s.DB(), "acme", []string{forgetRaw, pseudo})
	if err != nil || len(traces) != 0 {
		e.t.Errorf("traces of X in acme: %v (%v)", traces, err)
	}
	// The other tenant still has its own X (another seller's buyer): found where it is.
	traces, err = store.Traces(e.ctx, e.s.DB(), "other", []string{forgetRaw})
	if err != nil {
		e.t.Fatal(err)
	}
	if fmt.Sprint(traces) != "[{nps_responses attrs 1} {returns reason_text 1}]" {
		e.t.Errorf("traces of X in the other tenant: %v", traces)
	}
}

// retentionFixtures loads the same records into acme and other: three of acme's orders
// (and their lines), one return and one NPS response are dated before 2024-07-01.
func retentionFixtures(e *env) {
	tables := []struct {
		kind, table string
		attrs       []any // per row, set on the parsed row
	}{
		{"orders", `
order_id,platform,country,store,created_at,currency,gross_amount,buyer_ref
O1,amazon,MX,s1,2024-01-10 12:00:00,MXN,100,B1
O2,amazon,MX,s1,2024-06-30 12:00:00,MXN,50,
O3,amazon,MX,s1,2024-06-30 20:00:00,MXN,20,
O4,amazon,MX,s1,2024-07-01 12:00:00,MXN,300,B1
O5,amazon,MX,s1,2025-01-01 12:00:00,MXN,70,B2`, []any{`{"n":"1"}`, `{"n":"2"}`, nil, `{"n":"4"}`, nil}},
		{"order_items", `
order_id,platform,store,country,line,sku,units
O1,amazon,s1,MX,1,A,1
O1,amazon,s1,MX,2,B,1
O3,amazon,s1,MX,1,A,1
O4,amazon,s1,MX,1,A,1`, []any{`{"n":"x"}`, nil, nil, `{"n":"x"}`}},
		{"returns", `
return_id,order_id,platform,store,country,requested_at,reason_text
R1,O1,amazon,s1,MX,2024-02-01 12:00:00,wet
R2,O4,amazon,s1,MX,2025-02-01 12:00:00,wet`, nil},
		{"nps_responses", `
response_id,country,score,responded_at
N1,MX,9,2024-03-01 12:00:00
N2,MX,9,2024-09-01 12:00:00`, nil},
		{"fx_rates", "date,currency,per_usd\n2020-01-01,MXN,20", nil},
	}
	for _, tenant := range []string{"acme", "other"} {
		for _, f := range tables {
			rows := e.rows(f.kind, tenant, f.table)
			for i, a := range f.attrs {
				rows[i][len(rows[i])-1] = a
			}
			e.apply(f.kind, tenant, "upload", rows, store.Counts{Read: int64(len(rows)), Inserted: int64(len(rows))})
		}
	}
}

func expire(e *env, del bool) ([]store.Change, []hookCall) {
	e.t.Helper()
	kind := e.kind
	rules := []store.ExpiryRule{
		{Kind: kind("order_items"), Parent: kind("orders"), Dates: []string{"created_at_local"}},
		{Kind: kind("orders"), Dates: []string{"created_at_local"}},
		{Kind: kind("returns"), Dates: []string{"requested_at_local"}},
		{Kind: kind("nps_responses"), Dates: []string{"responded_at_local"}},
	}
	var calls []hookCall
	var changes []store.Change
	err := e.s.WithBatchLocks(e.ctx, "acme", record.Kinds(), func(ctx context.Context, tx *sql.Tx) error {
		var err error
		changes, err = store.ExpireRecords(ctx, tx, store.Expiry{Tenant: "acme", Before: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC),
			Delete: del, Rules: rules, FreeText: map[string][]string{"returns": {"reason_text"}}, At: time.Now(), AfterMerge: recordHook(e, &calls)})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return changes, calls
}

func fmtChanges(cs []store.Change) string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s %d", c.Table, c.What, c.Rows))
	}
	return strings.Join(out, "; ")
}

func (e *env) scalar(q string) int {
	e.t.Helper()
	var n int
	if err := e.s.DB().QueryRowContext(e.ctx, q).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// testExpireDelete: before 2024-07-01 (local dates) acme has O1, O2, O3, the lines of O1 and
// O3, R1 and N1; they go, the rest and the other tenant stay.
func testExpireDelete(e *env) {
	retentionFixtures(e)
	otherBefore := e.dump("orders", false)
	changes, calls := expire(e, true)
	want := "order_items deleted 3; orders deleted 3; returns deleted 1; nps_responses deleted 1"
	if got := fmtChanges(changes); got != want {
		e.t.Errorf("changes %s\nwant %s", got, want)
	}
	wantCalls := []hookCall{
		{"order_items", 0, "[]"},
		{"orders", 0, "[created_at_local=2024-01-10..2024-06-30]"},
		{"returns", 0, "[requested_at_local=2024-02-01..2024-02-01]"},
		{"nps_responses", 0, "[responded_at_local=2024-03-01..2024-03-01]"},
	}
	if fmt.Sprint(calls) != fmt.Sprint(wantCalls) {
		e.t.Errorf("AfterMerge calls %v\nwant %v", calls, wantCalls)
	}
	for q, want := range map[string]int{
		"SELECT count(*) FROM orders WHERE tenant_id = 'acme'":                           2,
		"SELECT count(*) FROM order_items WHERE tenant_id = 'acme'":                      1,
		"SELECT count(*) FROM returns WHERE tenant_id = 'acme'":                          1,
		"SELECT count(*) FROM nps_responses WHERE tenant_id = 'acme'":                    1,
		"SELECT count(*) FROM fx_rates WHERE tenant_id = 'acme'":                         1,
		"SELECT CAST(sum(gross_amount) AS INTEGER) FROM orders WHERE tenant_id = 'acme'": 370,
		"SELECT count(*) FROM orders WHERE tenant_id = 'other'":                          5,
		"SELECT count(*) FROM order_items WHERE tenant_id = 'other'":                     4,
	} {
		if got := e.scalar(q); got != want {
			e.t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	after := e.dump("orders", false)
	for _, l := range otherBefore {
		if strings.HasPrefix(l, `tenant_id="other"`) && !slices.Contains(after, l) {
			e.t.Errorf("the other tenant's order changed: %s", l)
		}
	}
	// Again: nothing is older any more.
	if changes, _ := expire(e, true); len(changes) != 0 {
		e.t.Errorf("a second run changed %s", fmtChanges(changes))
	}
}

// testExpireAnonymise: the same records stay, amounts and dates too; of those dated before
// 2024-07-01 only the ones holding something to clear count: O1 (buyer, attributes), O2
// (attributes), the line O1/1 (attributes), R1 (reason_text). O3, O1/2, O3/1 and N1 hold none.
func testExpireAnonymise(e *env) {
	retentionFixtures(e)
	changes, calls := expire(e, false)
	want := "order_items anonymised (attrs cleared) 1; orders anonymised (attrs, buyer_ref cleared) 2; returns anonymised (attrs, reason_text cleared) 1"
	if got := fmtChanges(changes); got != want {
		e.t.Errorf("changes %s\nwant %s", got, want)
	}
	wantCalls := []hookCall{
		{"order_items", 1, "[]"},
		{"orders", 2, "[created_at_local=2024-01-10..2024-06-30]"},
		{"returns", 1, "[requested_at_local=2024-02-01..2024-02-01]"},
	}
	if fmt.Sprint(calls) != fmt.Sprint(wantCalls) {
		e.t.Errorf("AfterMerge calls %v\nwant %v", calls, wantCalls)
	}
	for q, want := range map[string]int{
		"SELECT count(*) FROM orders WHERE tenant_id = 'acme'":                                                   5,
		"SELECT CAST(sum(gross_amount) AS INTEGER) FROM orders WHERE tenant_id = 'acme'":                         540,
		"SELECT count(*) FROM orders WHERE tenant_id = 'acme' AND (buyer_ref IS NOT NULL OR attrs IS NOT NULL)":  2,
		"SELECT count(*) FROM orders WHERE tenant_id = 'other' AND (buyer_ref IS NOT NULL OR attrs IS NOT NULL)": 4,
		"SELECT count(*) FROM order_items WHERE tenant_id = 'acme' AND attrs IS NOT NULL":                        1,
		"SELECT count(*) FROM returns WHERE tenant_id = 'acme' AND reason_text IS NOT NULL":                      1,
	} {
		if got := e.scalar(q); got != want {
			e.t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	if changes, _ := expire(e, false); len(changes) != 0 {
		e.t.Errorf("a second run changed %s", fmtChanges(changes))
	}
}

// testTables: the catalog lists the migrated tables with their columns, not temporary ones.
func testTables(e *env) {
	if _, err := e.s.DB().ExecContext(e.ctx, "CREATE TEMP TABLE scratch_privacy (x TEXT)"); err != nil {
		e.t.Fatal(err)
	}
	tables, err := store.Tables(e.ctx, e.s.DB())
	if err != nil {
		e.t.Fatal(err)
	}
	byName := map[string]store.TableInfo{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	if _, ok := byName["scratch_privacy"]; ok {
		e.t.Error("a temporary table is listed")
	}
	for _, k := range record.Kinds() {
		t, ok := byName[k.Table()]
		if !ok || !t.Has("tenant_id") || !t.Has("attrs") || len(t.Columns) != len(k.Stored())+3 {
			e.t.Errorf("table %s: %+v", k.Table(), t)
		}
	}
	users := byName["users"]
	if !slices.ContainsFunc(users.Columns, func(c store.ColumnInfo) bool { return c.Name == "login" && c.Text() }) {
		e.t.Errorf("users columns %+v", users.Columns)
	}
}
