// Package storetest is the conformance suite that every store.Store engine passes, and the
// helpers engine tests share (PostgreSQL test server, fixtures, table dumps).
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pulso/internal/record"
	"pulso/internal/store"
)

// Run runs the conformance suite. open returns a fresh, migrated, empty store for each
// subtest and arranges for it to be closed at the subtest's cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	cases := []struct {
		name string
		fn   func(e *env)
	}{
		{"MigrateTwiceIsNoOp", testMigrateTwice},
		{"TenantSecret", testTenantSecret},
		{"ApplyInserts", testApplyInserts},
		{"ReapplyChangesNothing", testReapply},
		{"UpdateBatch", testUpdateBatch},
		{"AfterMerge", testAfterMerge},
		{"WithBatchLock", testWithBatchLock},
		{"DuplicateKeysLastWins", testDuplicateKeys},
		{"FailingSourceChangesNothing", testFailingSource},
		{"TenantsIsolated", testTenantsIsolated},
		{"Sources", testSources},
		{"LocalTimes", testLocalTimes},
		{"ValueTypes", testValueTypes},
		{"BuyerRefPseudonymised", testBuyerRef},
		{"WriteGuard", testWriteGuard},
		{"EraseBuyer", testEraseBuyer},
		{"ExpireDelete", testExpireDelete},
		{"ExpireAnonymise", testExpireAnonymise},
		{"Tables", testTables},
		{"KPIDefinitions", testKPIDefinitions},
		{"Targets", testTargets},
		{"SettingsAndAlerts", testSettingsAndAlerts},
		{"Auth", testAuth},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			c.fn(&env{t: t, s: s, ctx: t.Context(), kinds: record.NewCatalog()})
		})
	}
}

type env struct {
	t     *testing.T
	s     store.Store
	ctx   context.Context
	kinds *record.Catalog
}

func (e *env) kind(name string) *record.Kind {
	k, err := e.kinds.Kind(name)
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

func (e *env) secret(tenant string) []byte {
	e.t.Helper()
	s, err := e.s.TenantSecret(e.ctx, tenant)
	if err != nil {
		e.t.Fatalf("TenantSecret(%s): %v", tenant, err)
	}
	return s
}

// rows parses a fixture table of kind for tenant (with the tenant's own secret).
func (e *env) rows(kind, tenant, table string) [][]any {
	e.t.Helper()
	return Rows(e.t, e.kind(kind), e.secret(tenant), table)
}

func (e *env) applySource(kind, tenant, source string, src store.RowSource) (store.Counts, error) {
	return e.s.Apply(e.ctx, store.Batch{Tenant: tenant, Kind: e.kind(kind), Source: source, File: kind + ".csv"}, src)
}

// apply applies rows and checks the counts.
func (e *env) apply(kind, tenant, source string, rows [][]any, want store.Counts) {
	e.t.Helper()
	got, err := e.applySource(kind, tenant, source, NewSource(rows))
	if err != nil {
		e.t.Fatalf("Apply %s for %s: %v", kind, tenant, err)
	}
	if got != want {
		e.t.Fatalf("Apply %s for %s: counts %+v, want %+v", kind, tenant, got, want)
	}
}

func (e *env) dump(kind string, withIngested bool) []string {
	e.t.Helper()
	d, err := Dump(e.ctx, e.s.DB(), e.kind(kind), withIngested)
	if err != nil {
		e.t.Fatalf("dump %s: %v", kind, err)
	}
	return d
}

func (e *env) imports() []string {
	e.t.Helper()
	d, err := DumpImports(e.ctx, e.s.DB())
	if err != nil {
		e.t.Fatalf("dump imports: %v", err)
	}
	return d
}

func (e *env) sources(tenant string) []store.Source {
	e.t.Helper()
	s, err := e.s.Sources(e.ctx, tenant)
	if err != nil {
		e.t.Fatalf("Sources(%s): %v", tenant, err)
	}
	return s
}

// values reads cols of the one row of kind with tenant and keyCol = key, normalised by Norm.
func (e *env) values(kind, tenant, keyCol, key string, cols ...string) []string {
	e.t.Helper()
	k := e.kind(kind)
	quoted := make([]string, len(cols))
	types := make([]record.Type, len(cols))
	stored := map[string]record.Type{store.ColSource: record.Text, store.ColIngestedAt: record.Timestamp}
	for _, c := range k.Stored() {
		stored[c.Name] = c.Type
	}
	for i, c := range cols {
		quoted[i] = store.Ident(c)
		types[i] = stored[c]
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1 AND %s = $2", strings.Join(quoted, ", "),
		store.Ident(k.Table()), store.Ident(store.ColTenant), store.Ident(keyCol))
	rows, err := e.s.DB().QueryContext(e.ctx, q, tenant, key)
	if err != nil {
		e.t.Fatalf("read %s %s: %v", kind, key, err)
	}
	defer rows.Close()
	var out []string
	n := 0
	for rows.Next() {
		n++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			e.t.Fatalf("read %s %s: %v", kind, key, err)
		}
		out = out[:0]
		for i, v := range vals {
			out = append(out, Norm(v, types[i]))
		}
	}
	if err := rows.Err(); err != nil {
		e.t.Fatalf("read %s %s: %v", kind, key, err)
	}
	if n != 1 {
		e.t.Fatalf("%s %s=%s of %s: %d rows, want 1", kind, keyCol, key, tenant, n)
	}
	return out
}

func (e *env) expectValues(kind, tenant, keyCol, key string, want map[string]string) {
	e.t.Helper()
	cols := make([]string, 0, len(want))
	for c := range want {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	got := e.values(kind, tenant, keyCol, key, cols...)
	for i, c := range cols {
		if got[i] != want[c] {
			e.t.Errorf("%s %s: %s = %s, want %s", kind, key, c, got[i], want[c])
		}
	}
}

func (e *env) count(kind string) int64 {
	e.t.Helper()
	var n int64
	if err := e.s.DB().QueryRowContext(e.ctx, "SELECT count(*) FROM "+store.Ident(e.kind(kind).Table())).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("%s differs:\n got %d rows:\n  %s\nwant %d rows:\n  %s", what, len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
}

// The base orders batch. Worked out by hand (see LocalTimes for the zones):
// A1 BR 23:30 local = 02:30Z next day, local date 03-02; paid 23:45 -03:00 = 02:45Z, status paid.
// A2 MX -06:00 14:05 = 20:05Z; units empty → 1; extra column note → attrs; status pending.
// A3 CL at the DST fall-back (23:30 happens twice) = the earlier instant 02:30Z; cancelled.
// A4 CO date only = local midnight = 05:00Z; no amounts, so no currency needed.
const ordersBase = `
order_id,platform,country,store,created_at,paid_at,status,currency,gross_amount,units,buyer_ref,warehouse,note
A1,mercadolibre,BR,loja-1,2026-03-02 23:30:00,2026-03-02T23:45:00-03:00,,BRL,199.9,2,buyer-1,SP1,
A2,mercadolibre,MX,tienda,2026-03-02T14:05:00-06:00,,,MXN,350,,buyer-2,,gift wrap
A3,amazon,CL,cl-store,2026-04-04 23:30:00,,cancelled,CLP,15990,3,buyer-1,"Bodega ""Sur"" ñ",
A4,shopee,CO,co-1,2026-03-01,,,,,,,,
`

// ordersUpdate repeats the base with A2's amount changed and adds A5 (PE, Lima is UTC-5).
const ordersUpdate = `
order_id,platform,country,store,created_at,paid_at,status,currency,gross_amount,units,buyer_ref,warehouse,note
A1,mercadolibre,BR,loja-1,2026-03-02 23:30:00,2026-03-02T23:45:00-03:00,,BRL,199.9,2,buyer-1,SP1,
A2,mercadolibre,MX,tienda,2026-03-02T14:05:00-06:00,,,MXN,375,,buyer-2,,gift wrap
A3,amazon,CL,cl-store,2026-04-04 23:30:00,,cancelled,CLP,15990,3,buyer-1,"Bodega ""Sur"" ñ",
A4,shopee,CO,co-1,2026-03-01,,,,,,,,
A5,tiktok,PE,pe-1,2026-03-05 08:00:00,,,PEN,80.5,1,,,
`

func testMigrateTwice(e *env) {
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", ordersBase), store.Counts{Read: 4, Inserted: 4})
	secret := e.secret("acme")
	before, imports := e.dump("orders", true), e.imports()
	for i := 0; i < 2; i++ {
		if err := e.s.Migrate(e.ctx); err != nil {
			e.t.Fatalf("Migrate again (%d): %v", i+1, err)
		}
	}
	sameLines(e.t, "orders after migrating again", e.dump("orders", true), before)
	sameLines(e.t, "imports after migrating again", e.imports(), imports)
	if !bytes.Equal(e.secret("acme"), secret) {
		e.t.Error("tenant secret changed by migrating again")
	}
}

func testTenantSecret(e *env) {
	a1, a2, b := e.secret("acme"), e.secret("acme"), e.secret("globex")
	if len(a1) != 32 || len(b) != 32 {
		e.t.Fatalf("secret lengths %d, %d; want 32 bytes", len(a1), len(b))
	}
	if !bytes.Equal(a1, a2) {
		e.t.Error("TenantSecret is not stable for one tenant")
	}
	if bytes.Equal(a1, b) {
		e.t.Error("two tenants got the same secret")
	}
	if bytes.Equal(a1, make([]byte, 32)) {
		e.t.Error("secret is all zero")
	}
	for _, bad := range []string{"", "Acme", "a b", strings.Repeat("x", 65), "acme;drop"} {
		if _, err := e.s.TenantSecret(e.ctx, bad); !errors.Is(err, store.ErrTenant) {
			e.t.Errorf("TenantSecret(%q) = %v, want ErrTenant", bad, err)
		}
	}
	// Callers racing on a tenant's first use all get the secret that was kept.
	const n = 6
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = e.s.TenantSecret(e.ctx, "newco") })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			e.t.Fatalf("concurrent TenantSecret: %v", errs[i])
		}
		if !bytes.Equal(got[i], got[0]) {
			e.t.Fatal("concurrent first use of a tenant returned different secrets")
		}
	}
	if !bytes.Equal(e.secret("newco"), got[0]) {
		e.t.Fatal("the secret kept differs from the one returned on first use")
	}
}

func testApplyInserts(e *env) {
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", ordersBase), store.Counts{Read: 4, Inserted: 4})
	if n := e.count("orders"); n != 4 {
		e.t.Fatalf("orders has %d rows, want 4", n)
	}
	e.expectValues("orders", "acme", "order_id", "A1", map[string]string{
		"platform": `"mercadolibre"`, "store": `"loja-1"`, "country": `"BR"`,
		"created_at": "2026-03-03T02:30:00Z", "created_at_local": "2026-03-02",
		"paid_at": "2026-03-03T02:45:00Z", "paid_at_local": "2026-03-02",
		"status": `"paid"`, "currency": `"BRL"`, "gross_amount": "199.9", "units": "2",
		"warehouse": `"SP1"`, "attrs": "NULL", "shipped_at": "NULL", "shipped_at_local": "NULL",
		"source": `"upload"`,
	})
	e.expectValues("orders", "acme", "order_id", "A2", map[string]string{
		"created_at": "2026-03-02T20:05:00Z", "created_at_local": "2026-03-02", "paid_at": "NULL",
		"status": `"pending"`, "gross_amount": "350", "units": "1", "warehouse": "NULL",
		"attrs": `"{\"note\":\"gift wrap\"}"`,
	})
	e.expectValues("orders", "acme", "order_id", "A3", map[string]string{
		"status": `"cancelled"`, "units": "3", "warehouse": `"Bodega \"Sur\" ñ"`, "gross_amount": "15990",
	})
	e.expectValues("orders", "acme", "order_id", "A4", map[string]string{
		"created_at": "2026-03-01T05:00:00Z", "created_at_local": "2026-03-01", "status": `"pending"`,
		"currency": "NULL", "gross_amount": "NULL", "buyer_ref": "NULL", "units": "1",
	})
	imp := e.imports()
	if len(imp) != 1 {
		e.t.Fatalf("imports log has %d rows, want 1:\n%s", len(imp), strings.Join(imp, "\n"))
	}
	for _, f := range []string{`tenant_id="acme"`, `kind="orders"`, `source="upload"`, `file="orders.csv"`,
		"rows_read=4", "inserted=4", "updated=0", "unchanged=0", "rejected=0"} {
		if !strings.Contains(imp[0], f+"\t") && !strings.HasSuffix(imp[0], f) {
			e.t.Errorf("imports row lacks %s: %s", f, imp[0])
		}
	}
}

func testReapply(e *env) {
	rows := e.rows("orders", "acme", ordersBase)
	e.apply("orders", "acme", "upload", rows, store.Counts{Read: 4, Inserted: 4})
	before := e.dump("orders", true)
	e.apply("orders", "acme", "upload", rows, store.Counts{Read: 4, Unchanged: 4})
	sameLines(e.t, "orders after re-importing the same batch", e.dump("orders", false), stripIngested(before))
	// Unchanged rows are not rewritten: they keep their ingested_at.
	sameLines(e.t, "orders (with ingested_at) after re-importing", e.dump("orders", true), before)
	if n := len(e.imports()); n != 2 {
		e.t.Errorf("imports log has %d rows, want 2 (every batch is logged)", n)
	}
}

func stripIngested(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l[:strings.LastIndex(l, "\t"+store.ColIngestedAt+"=")]
	}
	return out
}

func testUpdateBatch(e *env) {
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", ordersBase), store.Counts{Read: 4, Inserted: 4})
	k := e.kind("orders")
	before := e.dump("orders", true)
	e.apply("orders", "acme", "api", e.rows("orders", "acme", ordersUpdate), store.Counts{Read: 5, Inserted: 1, Updated: 1, Unchanged: 3})
	after := e.dump("orders", true)
	old := map[string]string{}
	for _, l := range before {
		old[DumpKey(k, l)] = l
	}
	if len(after) != 5 {
		e.t.Fatalf("orders has %d rows after the update, want 5", len(after))
	}
	for _, l := range after {
		key := DumpKey(k, l)
		prev, existed := old[key]
		switch {
		case strings.Contains(key, `order_id="A2"`):
			// only the amount, the source and ingested_at change
			want := strings.Replace(prev, "gross_amount=350\t", "gross_amount=375\t", 1)
			want = strings.Replace(want, `source="upload"`, `source="api"`, 1)
			if stripIngested([]string{l})[0] != stripIngested([]string{want})[0] {
				e.t.Errorf("updated row:\n got %s\nwant %s", l, want)
			}
			if l == want {
				e.t.Errorf("updated row kept its ingested_at: %s", l)
			}
		case strings.Contains(key, `order_id="A5"`):
			if existed {
				e.t.Errorf("A5 existed before the update")
			}
		default:
			if l != prev {
				e.t.Errorf("unchanged row was rewritten:\n got %s\nwant %s", l, prev)
			}
		}
	}
	e.expectValues("orders", "acme", "order_id", "A5", map[string]string{
		"created_at": "2026-03-05T13:00:00Z", "created_at_local": "2026-03-05", "gross_amount": "80.5",
		"currency": `"PEN"`, "status": `"pending"`, "source": `"api"`,
	})
}

func testDuplicateKeys(e *env) {
	const batch = `
order_id,platform,country,store,created_at,currency,gross_amount
A1,mercadolibre,BR,loja-1,2026-03-02 10:00:00,BRL,100
A2,mercadolibre,BR,loja-1,2026-03-02 11:00:00,BRL,50
A1,mercadolibre,BR,loja-1,2026-03-02 10:00:00,BRL,300
`
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", batch), store.Counts{Read: 3, Inserted: 2})
	e.expectValues("orders", "acme", "order_id", "A1", map[string]string{"gross_amount": "300"})
	// A1 twice, the last equal to what is stored: nothing changes.
	const again = `
order_id,platform,country,store,created_at,currency,gross_amount
A1,mercadolibre,BR,loja-1,2026-03-02 10:00:00,BRL,999
A1,mercadolibre,BR,loja-1,2026-03-02 10:00:00,BRL,300
`
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", again), store.Counts{Read: 2, Unchanged: 1})
	e.expectValues("orders", "acme", "order_id", "A1", map[string]string{"gross_amount": "300"})
	// A2 three times: one update to the last.
	const thrice = `
order_id,platform,country,store,created_at,currency,gross_amount
A2,mercadolibre,BR,loja-1,2026-03-02 11:00:00,BRL,1
A2,mercadolibre,BR,loja-1,2026-03-02 11:00:00,BRL,2
A2,mercadolibre,BR,loja-1,2026-03-02 11:00:00,BRL,3
`
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", thrice), store.Counts{Read: 3, Updated: 1})
	e.expectValues("orders", "acme", "order_id", "A2", map[string]string{"gross_amount": "3"})
	if n := e.count("orders"); n != 2 {
		e.t.Errorf("orders has %d rows, want 2", n)
	}
}

var errBoom = errors.New("storetest: the source broke on purpose")

func testFailingSource(e *env) {
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", ordersBase), store.Counts{Read: 4, Inserted: 4})
	orders, imports, sources := e.dump("orders", true), e.imports(), e.sources("acme")
	update := e.rows("orders", "acme", ordersUpdate)
	for _, failAt := range []int{3, 1} {
		// 3rd call: after a changed row (A1..A2) has been staged; 1st: before any row.
		src := &Source{Rows: update[1:], FailAt: failAt, Err: errBoom}
		_, err := e.applySource("orders", "acme", "upload", src)
		if err != errBoom {
			e.t.Fatalf("Apply with a source failing on call %d returned %v, want the source's error as is", failAt, err)
		}
		sameLines(e.t, "orders after a failed batch", e.dump("orders", true), orders)
		sameLines(e.t, "imports after a failed batch", e.imports(), imports)
		if got := e.sources("acme"); !sameSources(got, sources) {
			e.t.Errorf("Sources after a failed batch = %s, want %s", fmtSources(got), fmtSources(sources))
		}
	}
	// The store is still usable afterwards (on a server: the pooled connection too).
	e.apply("orders", "acme", "upload", update, store.Counts{Read: 5, Inserted: 1, Updated: 1, Unchanged: 3})
}

func testTenantsIsolated(e *env) {
	const one = `
order_id,platform,country,store,created_at,currency,gross_amount
A1,mercadolibre,BR,loja-1,2026-03-02 10:00:00,BRL,199.9
`
	const changed = `
order_id,platform,country,store,created_at,currency,gross_amount
A1,mercadolibre,BR,loja-1,2026-03-02 10:00:00,BRL,250
`
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", one), store.Counts{Read: 1, Inserted: 1})
	e.apply("orders", "globex", "api", e.rows("orders", "globex", one), store.Counts{Read: 1, Inserted: 1})
	if n := e.count("orders"); n != 2 {
		e.t.Fatalf("orders has %d rows, want 2 (one per tenant)", n)
	}
	acme := e.dump("orders", true)[0]
	e.apply("orders", "globex", "api", e.rows("orders", "globex", changed), store.Counts{Read: 1, Updated: 1})
	d := e.dump("orders", true)
	if len(d) != 2 || d[0] != acme || !strings.HasPrefix(d[0], `tenant_id="acme"`) {
		e.t.Errorf("another tenant's update touched acme's row:\n%s\nwas\n%s", strings.Join(d, "\n"), acme)
	}
	e.expectValues("orders", "acme", "order_id", "A1", map[string]string{"gross_amount": "199.9", "source": `"upload"`})
	e.expectValues("orders", "globex", "order_id", "A1", map[string]string{"gross_amount": "250", "source": `"api"`})
	e.apply("tickets", "globex", "zendesk", e.rows("tickets", "globex", tickets), store.Counts{Read: 2, Inserted: 2})

	src := e.sources("acme")
	if s := find(src, "orders"); len(s) != 1 || s[0].Source != "upload" || s[0].Rows != 1 || s[0].LastImportAt == nil {
		e.t.Errorf("acme's orders sources = %s, want one line upload 1", fmtSources(s))
	}
	if s := find(src, "tickets"); len(s) != 1 || s[0].Rows != 0 || s[0].LastImportAt != nil {
		e.t.Errorf("acme's tickets sources = %s, want no rows and no import (globex's are not acme's)", fmtSources(s))
	}
	src = e.sources("globex")
	if s := find(src, "orders"); len(s) != 1 || s[0].Source != "api" || s[0].Rows != 1 {
		e.t.Errorf("globex's orders sources = %s, want one line api 1", fmtSources(s))
	}
	if s := find(src, "tickets"); len(s) != 1 || s[0].Source != "zendesk" || s[0].Rows != 2 {
		e.t.Errorf("globex's tickets sources = %s, want one line zendesk 2", fmtSources(s))
	}
}

const tickets = `
ticket_id,platform,store,country,channel,created_at,first_response_at,is_dispute,csat,led_to_order
T1,mercadolibre,loja-1,BR,question,2026-03-02 09:00:00,2026-03-02 09:30:00,false,5,true
T2,amazon,mx-1,MX,claim,2026-03-03T10:00:00Z,,yes,,
`

func find(src []store.Source, kind string) []store.Source {
	var out []store.Source
	for _, s := range src {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

func sameSources(a, b []store.Source) bool {
	return slices.EqualFunc(a, b, func(x, y store.Source) bool {
		if x.Kind != y.Kind || x.Source != y.Source || x.Rows != y.Rows || (x.LastImportAt == nil) != (y.LastImportAt == nil) {
			return false
		}
		return x.LastImportAt == nil || x.LastImportAt.Equal(*y.LastImportAt)
	})
}

func fmtSources(src []store.Source) string {
	parts := make([]string, len(src))
	for i, s := range src {
		last := "nil"
		if s.LastImportAt != nil {
			last = s.LastImportAt.UTC().Format(time.RFC3339Nano)
		}
		parts[i] = fmt.Sprintf("{%s %q %d %s}", s.Kind, s.Source, s.Rows, last)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func testSources(e *env) {
	kinds := record.Kinds()
	src := e.sources("acme")
	if len(src) != len(kinds) {
		e.t.Fatalf("Sources of an empty store has %d lines, want one per kind (%d): %s", len(src), len(kinds), fmtSources(src))
	}
	for i, k := range kinds {
		if want := (store.Source{Kind: k.Name}); src[i] != want {
			e.t.Errorf("Sources[%d] = %s, want %s with no rows and no import", i, fmtSources(src[i:i+1]), k.Name)
		}
	}

	start := time.Now().Truncate(time.Microsecond)
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", ordersBase), store.Counts{Read: 4, Inserted: 4})
	const erp = `
order_id,platform,country,store,created_at
E1,other,AR,erp-1,2026-03-04 12:00:00
`
	e.apply("orders", "acme", "erp", e.rows("orders", "acme", erp), store.Counts{Read: 1, Inserted: 1})
	e.apply("tickets", "acme", "zendesk", e.rows("tickets", "acme", tickets), store.Counts{Read: 2, Inserted: 2})
	end := time.Now()

	src = e.sources("acme")
	var want []store.Source
	for _, k := range kinds {
		switch k.Name {
		case "orders": // one line per source, by source name
			want = append(want, store.Source{Kind: "orders", Source: "erp", Rows: 1}, store.Source{Kind: "orders", Source: "upload", Rows: 4})
		case "tickets":
			want = append(want, store.Source{Kind: "tickets", Source: "zendesk", Rows: 2})
		default:
			want = append(want, store.Source{Kind: k.Name})
		}
	}
	if len(src) != len(want) {
		e.t.Fatalf("Sources = %s\nwant %s", fmtSources(src), fmtSources(want))
	}
	for i := range want {
		got := src[i]
		imported := got.LastImportAt
		got.LastImportAt = nil
		if got != want[i] {
			e.t.Errorf("Sources[%d] = %s, want %s", i, fmtSources(src[i:i+1]), fmtSources(want[i:i+1]))
			continue
		}
		if want[i].Rows == 0 {
			if imported != nil {
				e.t.Errorf("Sources[%d] (%s) has a last import but nothing was imported", i, want[i].Kind)
			}
			continue
		}
		if imported == nil || imported.Before(start) || imported.After(end) {
			e.t.Errorf("Sources[%d] (%s %s) last import %v, want within [%s, %s]", i, want[i].Kind, want[i].Source,
				imported, start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano))
		}
	}
	if src[0].LastImportAt != nil && src[1].LastImportAt != nil && src[0].LastImportAt.Before(*src[1].LastImportAt) {
		e.t.Errorf("the erp import came after the upload, but its last import time is earlier")
	}
	for _, s := range e.sources("globex") {
		if s.Rows != 0 || s.LastImportAt != nil {
			e.t.Errorf("globex sees acme's data: %s", fmtSources([]store.Source{s}))
		}
	}

	// LastImports: the three imported sources alone, in kind then source order, with the
	// same last imports as Sources and no row counts.
	last, err := e.s.LastImports(e.ctx, "acme")
	if err != nil {
		e.t.Fatal(err)
	}
	wantLast := []store.Source{{Kind: "orders", Source: "erp", Rows: -1, LastImportAt: src[0].LastImportAt},
		{Kind: "orders", Source: "upload", Rows: -1, LastImportAt: src[1].LastImportAt}}
	for _, s := range src {
		if s.Kind == "tickets" {
			wantLast = append(wantLast, store.Source{Kind: "tickets", Source: "zendesk", Rows: -1, LastImportAt: s.LastImportAt})
		}
	}
	if len(last) != len(wantLast) {
		e.t.Fatalf("LastImports = %s\nwant %s", fmtSources(last), fmtSources(wantLast))
	}
	for i := range wantLast {
		g, w := last[i], wantLast[i]
		if g.Kind != w.Kind || g.Source != w.Source || g.Rows != -1 || g.LastImportAt == nil || w.LastImportAt == nil || !g.LastImportAt.Equal(*w.LastImportAt) {
			e.t.Errorf("LastImports[%d] = %s, want %s", i, fmtSources(last[i:i+1]), fmtSources(wantLast[i:i+1]))
		}
	}
	if other, err := e.s.LastImports(e.ctx, "globex"); err != nil || len(other) != 0 {
		e.t.Errorf("globex LastImports = %s (%v), want none", fmtSources(other), err)
	}
}

// testLocalTimes checks that instants are stored as the same instant (whatever the session's
// zone) and that local dates are the country's calendar dates. Worked out by hand:
//
//	BR America/Sao_Paulo is UTC-3 (no DST since 2019); MX America/Mexico_City is UTC-6 (no DST
//	since 2022); CO UTC-5; PE UTC-5; CL America/Santiago leaves DST on Sunday 2026-04-05 at
//	00:00 -03, back to 23:00 -04 on the 4th, so 23:30 on the 4th happens at 02:30Z and 03:30Z.
func testLocalTimes(e *env) {
	const batch = `
ticket_id,platform,store,country,created_at,first_response_at,resolved_at
L1,mercadolibre,s,BR,2026-03-02 23:30:00,2026-03-03 00:10:00,2026-03-03T00:10:00Z
L2,mercadolibre,s,CL,2026-04-04 23:30:00,2026-04-04 22:59:59,2026-04-05 00:30:00
L3,mercadolibre,s,MX,2026-03-02T14:05:00-06:00,2026-03-02T23:59:59-06:00,2026-03-03T05:59:59Z
L4,mercadolibre,s,CO,2026-03-01,2026-03-02T10:00:00.123456Z,1999-12-31 23:59:59
L5,mercadolibre,s,PE,2026-03-05 08:00,2026-03-05 08:00:00.5,2026-03-05T08:00:00+00:00
`
	e.apply("tickets", "acme", "upload", e.rows("tickets", "acme", batch), store.Counts{Read: 5, Inserted: 5})
	cols := []string{"created_at", "created_at_local", "first_response_at", "first_response_at_local", "resolved_at", "resolved_at_local"}
	want := map[string][]string{
		"L1": {"2026-03-03T02:30:00Z", "2026-03-02", "2026-03-03T03:10:00Z", "2026-03-03", "2026-03-03T00:10:00Z", "2026-03-02"},
		// 22:59:59 is still DST (-03); 00:30 on the 5th is after the change (-04)
		"L2": {"2026-04-05T02:30:00Z", "2026-04-04", "2026-04-05T01:59:59Z", "2026-04-04", "2026-04-05T04:30:00Z", "2026-04-05"},
		"L3": {"2026-03-02T20:05:00Z", "2026-03-02", "2026-03-03T05:59:59Z", "2026-03-02", "2026-03-03T05:59:59Z", "2026-03-02"},
		"L4": {"2026-03-01T05:00:00Z", "2026-03-01", "2026-03-02T10:00:00.123456Z", "2026-03-02", "2000-01-01T04:59:59Z", "1999-12-31"},
		"L5": {"2026-03-05T13:00:00Z", "2026-03-05", "2026-03-05T13:00:00.5Z", "2026-03-05", "2026-03-05T08:00:00Z", "2026-03-05"},
	}
	for _, id := range []string{"L1", "L2", "L3", "L4", "L5"} {
		got := e.values("tickets", "acme", "ticket_id", id, cols...)
		for i, c := range cols {
			if got[i] != want[id][i] {
				e.t.Errorf("%s %s = %s, want %s", id, c, got[i], want[id][i])
			}
		}
	}
	// Scanned instants are the same instant as the one parsed, in any zone.
	var at time.Time
	if err := e.s.DB().QueryRowContext(e.ctx, `SELECT created_at FROM tickets WHERE tenant_id = $1 AND ticket_id = 'L2'`, "acme").Scan(&at); err != nil {
		e.t.Fatal(err)
	}
	if !at.Equal(time.Date(2026, 4, 5, 2, 30, 0, 0, time.UTC)) {
		e.t.Errorf("L2 created_at scanned as %s, want 2026-04-05T02:30:00Z", at)
	}
}

func testValueTypes(e *env) {
	// S4 holds the largest integer and an amount with the most digits that the record
	// parser accepts (magnitudes up to 1e12, amounts not negative).
	const shipments = `
shipment_id,country,carrier,customs_held,tax_bill_returns,delivery_attempts,shipping_cost,currency,handed_over_at,service
S1,BR,correios,true,2,0,12.34,BRL,2026-03-01T10:00:00Z,"Sedex ""10"""
S2,MX,estafeta,no,0,3,0.1,MXN,,
S3,CL,loggi,,,,,,,
S4,PE,olva,SIM,999999999999,1,123456789.125,PEN,1999-12-31 23:59:59,línea ñ 中文
`
	e.apply("shipments", "acme", "upload", e.rows("shipments", "acme", shipments), store.Counts{Read: 4, Inserted: 4})
	cols := []string{"customs_held", "tax_bill_returns", "delivery_attempts", "shipping_cost", "currency", "handed_over_at", "handed_over_at_local", "service", "order_id", "platform"}
	want := map[string][]string{
		"S1": {"true", "2", "0", "12.34", `"BRL"`, "2026-03-01T10:00:00Z", "2026-03-01", `"Sedex \"10\""`, "NULL", "NULL"},
		"S2": {"false", "0", "3", "0.1", `"MXN"`, "NULL", "NULL", "NULL", "NULL", "NULL"},
		"S3": {"NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
		"S4": {"true", "999999999999", "1", "1.23456789125e+08", `"PEN"`, "2000-01-01T04:59:59Z", "1999-12-31", `"línea ñ 中文"`, "NULL", "NULL"},
	}
	for _, id := range []string{"S1", "S2", "S3", "S4"} {
		got := e.values("shipments", "acme", "shipment_id", id, cols...)
		for i, c := range cols {
			if got[i] != want[id][i] {
				e.t.Errorf("%s %s = %s, want %s", id, c, got[i], want[id][i])
			}
		}
	}
	// Dates (not timestamps) of date-keyed kinds, either side of 2000-01-01.
	const fx = `
date,currency,per_usd
2026-03-02,BRL,5.0123
1999-12-31,MXN,9.5
2000-01-01,MXN,9.25
`
	e.apply("fx_rates", "acme", "upload", e.rows("fx_rates", "acme", fx), store.Counts{Read: 3, Inserted: 3})
	got := e.dump("fx_rates", false)
	wantFx := []string{
		`tenant_id="acme"` + "\tdate=1999-12-31\tcurrency=\"MXN\"\tper_usd=9.5\tattrs=NULL\tsource=\"upload\"",
		`tenant_id="acme"` + "\tdate=2000-01-01\tcurrency=\"MXN\"\tper_usd=9.25\tattrs=NULL\tsource=\"upload\"",
		`tenant_id="acme"` + "\tdate=2026-03-02\tcurrency=\"BRL\"\tper_usd=5.0123\tattrs=NULL\tsource=\"upload\"",
	}
	sameLines(e.t, "fx_rates", got, wantFx)
}

func testBuyerRef(e *env) {
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", ordersBase), store.Counts{Read: 4, Inserted: 4})
	const one = `
order_id,platform,country,store,created_at,buyer_ref
A1,mercadolibre,BR,loja-1,2026-03-02 23:30:00,buyer-1
`
	e.apply("orders", "globex", "upload", e.rows("orders", "globex", one), store.Counts{Read: 1, Inserted: 1})
	sa, sg := e.secret("acme"), e.secret("globex")
	ref := func(tenant, id string) string {
		v := e.values("orders", tenant, "order_id", id, "buyer_ref")[0]
		return strings.Trim(v, `"`)
	}
	a1, a2, a3, g1 := ref("acme", "A1"), ref("acme", "A2"), ref("acme", "A3"), ref("globex", "A1")
	if a1 == "buyer-1" || a2 == "buyer-2" || g1 == "buyer-1" {
		e.t.Fatal("buyer_ref is stored as sent")
	}
	if want := record.Pseudonymise(sa, "buyer-1"); a1 != want {
		e.t.Errorf("acme A1 buyer_ref = %s, want Pseudonymise(acme secret, buyer-1) = %s", a1, want)
	}
	if want := record.Pseudonymise(sa, "buyer-2"); a2 != want {
		e.t.Errorf("acme A2 buyer_ref = %s, want %s", a2, want)
	}
	if a1 != a3 {
		e.t.Error("the same buyer got two refs within a tenant")
	}
	if a1 == a2 {
		e.t.Error("two buyers got the same ref")
	}
	if want := record.Pseudonymise(sg, "buyer-1"); g1 != want || g1 == a1 {
		e.t.Errorf("globex A1 buyer_ref = %s, want %s (and not acme's %s)", g1, want, a1)
	}
	for _, l := range e.dump("orders", true) {
		if strings.Contains(l, "buyer-1") || strings.Contains(l, "buyer-2") {
			e.t.Errorf("a raw buyer reference is stored: %s", l)
		}
	}
}
