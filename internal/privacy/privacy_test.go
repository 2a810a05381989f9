package privacy_test

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pulso/internal/ingest"
	"pulso/internal/metric"
	"pulso/internal/privacy"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// engines are the two stores: a DuckDB file and a fresh PostgreSQL schema (skipped without a
// test server, except in CI).
var engines = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"duckdb", func(t *testing.T) store.Store {
		s, err := duckdb.Open(t.Context(), filepath.Join(t.TempDir(), "p.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

func newService(st store.Store, now time.Time) *privacy.Service {
	return &privacy.Service{Store: st, Refresh: metric.KeepRollups(st.Engine()), Now: func() time.Time { return now }}
}

// importCSV imports a CSV text as `pulso import` does (rollups kept).
func importCSV(t *testing.T, st store.Store, tenant, kind, body string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	text := strings.Join(lines, "\n") + "\n"
	in := ingest.Input{Name: kind + ".csv", Format: "csv", Open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(strings.NewReader(text)), int64(len(text)), nil
	}}
	if _, err := ingest.New(st).Import(t.Context(), ingest.Options{Tenant: tenant, Kind: kind}, in); err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
}

func scalar(t *testing.T, st store.Store, q string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := st.DB().QueryRowContext(t.Context(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s.String
}

// rollups dumps the rollup tables of a tenant, sorted.
func rollups(t *testing.T, st store.Store, tenant string) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT CAST(measure AS TEXT) || '|' || CAST(day AS TEXT) || '|' || COALESCE(country, '') || '|' || COALESCE(platform, '') || '|' ||
			COALESCE(store, '') || '|' || COALESCE(category, '') || '|' || COALESCE(currency, '') || '|' ||
			CAST(CAST(v AS DECIMAL(20, 6)) AS TEXT) || '|' || CAST(CAST(n AS DECIMAL(20, 6)) AS TEXT) FROM rollups WHERE tenant_id = $1`,
		`SELECT CAST(measure AS TEXT) || '|' || CAST(day AS TEXT) || '|' || key_text || '|' || COALESCE(country, '') FROM rollup_firsts WHERE tenant_id = $1`,
	} {
		rows, err := st.DB().QueryContext(t.Context(), q, tenant)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		rows.Close()
	}
	slices.Sort(out)
	return out
}

// sameAsRebuild checks that the rollups a privacy operation kept are those a rebuild from the
// records gives.
func sameAsRebuild(t *testing.T, st store.Store, tenant string) {
	t.Helper()
	kept := rollups(t, st, tenant)
	if err := metric.RebuildRollups(t.Context(), st, tenant); err != nil {
		t.Fatal(err)
	}
	if rebuilt := rollups(t, st, tenant); !slices.Equal(kept, rebuilt) {
		t.Errorf("rollups kept differ from a rebuild:\nkept    %v\nrebuilt %v", kept, rebuilt)
	}
}

// Today is 2026-07-15; 24 months keep records dated 2024-07-15 and later. O1 (2024-07-14)
// and O3 (2023-01-01) are older, as are R1 (of O1) and the line of O1.
const retentionOrders = `
order_id,platform,country,store,created_at,currency,gross_amount,buyer_ref,note
O1,amazon,MX,s1,2024-07-14 12:00:00,MXN,10,B1,n1
O2,amazon,MX,s1,2024-07-15 12:00:00,MXN,20,B2,n2
O3,amazon,MX,s1,2023-01-01 12:00:00,MXN,30,B2,
O4,amazon,MX,s1,2026-07-01 12:00:00,MXN,40,B1,n4`

func retentionStore(t *testing.T, open func(t *testing.T) store.Store) store.Store {
	st := open(t)
	for _, tenant := range []string{"acme", "other"} {
		importCSV(t, st, tenant, "orders", retentionOrders)
		importCSV(t, st, tenant, "order_items", "order_id,platform,store,country,line,sku,units\nO1,amazon,s1,MX,1,A,1\nO2,amazon,s1,MX,1,A,2\n")
		importCSV(t, st, tenant, "returns", "return_id,order_id,platform,store,country,requested_at,reason_text\nR1,O1,amazon,s1,MX,2024-07-14 13:00:00,wet\nR2,O2,amazon,s1,MX,2024-08-01 13:00:00,wet\n")
	}
	return st
}

func TestApplyRetention(t *testing.T) {
	now := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	who := privacy.Actor{Login: "ana@example.com"}
	for _, e := range engines {
		t.Run(e.name+"/delete", func(t *testing.T) {
			st := retentionStore(t, e.open)
			svc := newService(st, now)
			if err := svc.SetRetention(t.Context(), "acme", privacy.Retention{Months: 24, Mode: "delete"}, who); err != nil {
				t.Fatal(err)
			}
			res, err := svc.ApplyRetention(t.Context(), "acme", who)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Before + " " + fmt.Sprint(res.Changes)
			want := "2024-07-15 [{order_items deleted 1} {orders deleted 2} {returns deleted 1}]"
			if got != want {
				t.Errorf("retention: %s\nwant %s", got, want)
			}
			for q, want := range map[string]string{
				"SELECT CAST(count(*) AS TEXT) FROM orders WHERE tenant_id = $1":                           "2",
				"SELECT CAST(CAST(sum(gross_amount) AS INTEGER) AS TEXT) FROM orders WHERE tenant_id = $1": "60",
				"SELECT string_agg(order_id, ',' ORDER BY order_id) FROM orders WHERE tenant_id = $1":      "O2,O4",
				"SELECT CAST(count(*) AS TEXT) FROM order_items WHERE tenant_id = $1":                      "1",
				"SELECT CAST(count(*) AS TEXT) FROM returns WHERE tenant_id = $1":                          "1",
				"SELECT detail FROM audit_log WHERE tenant_id = $1 AND action = 'privacy.retention'":       `{"before":"2024-07-15","mode":"delete","months":"24","order_items":"1","orders":"2","returns":"1"}`,
			} {
				if got := scalar(t, st, q, "acme"); got != want {
					t.Errorf("%s = %s, want %s", q, got, want)
				}
			}
			if got := scalar(t, st, "SELECT CAST(count(*) AS TEXT) FROM orders WHERE tenant_id = $1", "other"); got != "4" {
				t.Errorf("the other tenant has %s orders, want 4", got)
			}
			sameAsRebuild(t, st, "acme")
		})
		t.Run(e.name+"/anonymise", func(t *testing.T) {
			st := retentionStore(t, e.open)
			svc := newService(st, now)
			if err := svc.SetRetention(t.Context(), "acme", privacy.Retention{Months: 24, Mode: "anonymize"}, who); err != nil {
				t.Fatal(err)
			}
			r, err := svc.Retention(t.Context(), "acme")
			if err != nil || r != (privacy.Retention{Months: 24, Mode: privacy.Anonymise}) {
				t.Fatalf("stored retention %+v (%v)", r, err)
			}
			res, err := svc.ApplyRetention(t.Context(), "acme", who)
			if err != nil {
				t.Fatal(err)
			}
			// O1 and O3 lose buyer and attributes; R1 loses its text; O1's line holds nothing to clear.
			got := fmt.Sprint(res.Changes)
			want := "[{orders anonymised (attrs, buyer_ref cleared) 2} {returns anonymised (attrs, reason_text cleared) 1}]"
			if got != want {
				t.Errorf("retention: %s\nwant %s", got, want)
			}
			for q, want := range map[string]string{
				"SELECT CAST(CAST(sum(gross_amount) AS INTEGER) AS TEXT) FROM orders WHERE tenant_id = $1":                  "100",
				"SELECT string_agg(order_id, ',' ORDER BY order_id) FROM orders WHERE tenant_id = $1 AND buyer_ref IS NULL": "O1,O3",
				"SELECT string_agg(order_id, ',' ORDER BY order_id) FROM orders WHERE tenant_id = $1 AND attrs IS NULL":     "O1,O3",
				"SELECT string_agg(return_id, ',') FROM returns WHERE tenant_id = $1 AND reason_text IS NULL":               "R1",
			} {
				if got := scalar(t, st, q, "acme"); got != want {
					t.Errorf("%s = %s, want %s", q, got, want)
				}
			}
			sameAsRebuild(t, st, "acme")
			// Nothing is left to expire.
			if res, err := svc.ApplyRetention(t.Context(), "acme", who); err != nil || len(res.Changes) != 0 {
				t.Errorf("second run: %v (%v)", res.Changes, err)
			}
		})
	}
}

func TestRetentionOffChangesNothing(t *testing.T) {
	st := retentionStore(t, engines[0].open)
	svc := newService(st, time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC))
	res, err := svc.ApplyRetention(t.Context(), "acme", privacy.Actor{Login: "x"})
	if err != nil || len(res.Changes) != 0 || res.Retention.Months != 0 {
		t.Fatalf("retention without a setting: %+v (%v)", res, err)
	}
	if got := scalar(t, st, "SELECT CAST(count(*) AS TEXT) FROM audit_log"); got != "0" {
		t.Errorf("%s audit entries for nothing done", got)
	}
}

func TestCutoff(t *testing.T) {
	cases := []struct {
		today  string
		months int
		want   string
	}{
		{"2026-07-15", 24, "2024-07-15"},
		{"2026-03-31", 1, "2026-02-28"}, // no 31 February: the month's last day
		{"2024-03-31", 1, "2024-02-29"},
		{"2026-01-10", 1, "2025-12-10"},
		{"2026-01-31", 13, "2024-12-31"},
	}
	for _, c := range cases {
		today, _ := time.Parse(time.DateOnly, c.today)
		if got := privacy.Cutoff(today, c.months).Format(time.DateOnly); got != c.want {
			t.Errorf("Cutoff(%s, %d) = %s, want %s", c.today, c.months, got, c.want)
		}
	}
}

func TestParseRetention(t *testing.T) {
	cases := []struct {
		body, want, err string
	}{
		{`{"months":24,"mode":"delete"}`, "{24 delete}", ""},
		{`{"months":6}`, "{6 anonymise}", ""},
		{`{"months":0,"mode":"Anonymize"}`, "{0 anonymise}", ""},
		{`{"months":-1,"mode":"delete"}`, "", "months must be between 0 (off) and 1200, not -1"},
		{`{"months":1201}`, "", "months must be between 0 (off) and 1200, not 1201"},
		{`{"months":3,"mode":"shred"}`, "", `mode must be delete or anonymise, not "shred"`},
		{`{"months":3,"days":2}`, "", `unknown field "days"`},
		{`{"months":3} {}`, "", "text after the JSON object"},
		{`{"months":"3"}`, "", "cannot unmarshal string"},
	}
	for _, c := range cases {
		r, err := privacy.ParseRetention(c.body)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseRetention(%s): error %v, want %q", c.body, err, c.err)
		case c.err == "" && (err != nil || fmt.Sprint(r) != c.want):
			t.Errorf("ParseRetention(%s) = %v (%v), want %s", c.body, r, err, c.want)
		}
	}
}

func FuzzParseRetention(f *testing.F) {
	f.Add(`{"months":24,"mode":"delete"}`)
	f.Add(`{"months":1e9}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, body string) {
		r, err := privacy.ParseRetention(body)
		if err != nil {
			return
		}
		// What parses is valid and stays the same when validated again.
		again := r
		if err := again.Validate(); err != nil || again != r {
			t.Fatalf("ParseRetention(%q) = %+v, which validates to %+v (%v)", body, r, again, err)
		}
	})
}

func TestForgetRefuses(t *testing.T) {
	st := engines[0].open(t)
	svc := newService(st, time.Now())
	if _, err := svc.Forget(t.Context(), "acme", " 12 ", privacy.Actor{}); err == nil || !strings.Contains(err.Error(), "at least 4 characters") {
		t.Errorf("a 2-character id: %v", err)
	}
	// The buyer's id is an order id: forget does not rewrite keys, so it changes nothing and says where.
	importCSV(t, st, "acme", "orders", "order_id,platform,country,store,created_at,buyer_ref\nBUYER-42,amazon,MX,s1,2026-03-02 12:00:00,BUYER-42\n")
	before := scalar(t, st, "SELECT buyer_ref FROM orders")
	_, err := svc.Forget(t.Context(), "acme", "BUYER-42", privacy.Actor{Login: "ana"})
	if err == nil || !strings.Contains(err.Error(), "still named in orders.order_id (1 rows)") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("forget of a buyer named in a key: %v", err)
	}
	if after := scalar(t, st, "SELECT buyer_ref FROM orders"); after != before {
		t.Errorf("buyer_ref changed from %s to %s", before, after)
	}
	if n := scalar(t, st, "SELECT CAST(count(*) AS TEXT) FROM audit_log"); n != "0" {
		t.Errorf("%s audit entries for a forget that did not happen", n)
	}
}

func TestExport(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)
			ctx := t.Context()
			at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			for _, tenant := range []string{"acme", "other"} {
				mark := strings.ToUpper(tenant) // every value of a tenant carries its name
				importCSV(t, st, tenant, "orders", fmt.Sprintf("order_id,platform,country,store,created_at,currency,gross_amount\n%s-O1,amazon,MX,%s-s,2026-03-02 12:00:00,MXN,12.5\n", mark, mark))
				importCSV(t, st, tenant, "fx_rates", "date,currency,per_usd\n2026-03-02,MXN,17\n")
				if err := st.CreateUser(ctx, tenant, store.UserRow{ID: mark + "-u", Login: mark + "@example.com", Name: mark, Role: "admin", Lang: "es",
					Scopes: "{}", PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$" + mark, CreatedAt: at, UpdatedAt: at}); err != nil {
					t.Fatal(err)
				}
				if err := st.CreateAPIToken(ctx, store.APITokenRow{Tenant: tenant, ID: mark + "-t", Hash: "hash-" + mark, Name: mark + " token", UserID: mark + "-u", CreatedAt: at}); err != nil {
					t.Fatal(err)
				}
				if err := st.CreateSession(ctx, store.SessionRow{Tenant: tenant, Hash: "session-" + mark, UserID: mark + "-u", CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour), IP: "10.0.0.1"}); err != nil {
					t.Fatal(err)
				}
				if err := st.PutSetting(ctx, tenant, "alerting", "channels: ["+mark+"]", mark+"@example.com"); err != nil {
					t.Fatal(err)
				}
				if err := st.PutKPIDefinitions(ctx, tenant, []store.KPIDefinition{{ID: strings.ToLower(mark) + "_kpi", YAML: "id: " + mark}}); err != nil {
					t.Fatal(err)
				}
				v := 1.5
				if err := st.AddTargets(ctx, tenant, []store.TargetRow{{ID: mark + "-g", KPI: "gmv", Scope: map[string]string{"country": "MX"}, Value: &v, Yellow: 1,
					EffectiveFrom: at, Source: "manual", Note: mark, CreatedAt: at, CreatedBy: mark}}); err != nil {
					t.Fatal(err)
				}
				if err := st.AppendAudit(ctx, store.AuditRow{Tenant: tenant, At: at, Login: mark + "@example.com", Action: "login", Object: "user:" + mark}); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			m, err := newService(st, at).Export(ctx, "acme", &buf, privacy.Actor{Login: "ACME@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				files[f.Name] = string(b)
			}
			// Every table holding tenant rows, as the catalog lists them, is in the zip (records
			// under records/), except the documented ones.
			want := []string{"manifest.json"}
			rows, err := st.DB().QueryContext(ctx, `SELECT table_name FROM information_schema.columns
				WHERE column_name = 'tenant_id' AND table_schema = current_schema() AND table_catalog = current_database()`)
			if err != nil {
				t.Fatal(err)
			}
			records := map[string]bool{}
			for _, k := range []string{"orders", "order_items", "shipments", "returns", "tickets", "reviews", "nps_responses", "ads", "traffic",
				"inventory", "purchase_orders", "platform_scores", "fx_rates"} {
				records[k] = true
			}
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					t.Fatal(err)
				}
				switch _, left := privacy.LeftOut()[name]; {
				case records[name]:
					want = append(want, "records/"+name+".csv")
				case !left:
					want = append(want, name+".csv")
				}
			}
			rows.Close()
			var got []string
			for name := range files {
				got = append(got, name)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("zip files %v\nwant %v", got, want)
			}
			if len(m.Files)+1 != len(files) {
				t.Errorf("manifest lists %d files, the zip has %d", len(m.Files)+1, len(files))
			}
			for name, body := range files {
				if strings.Contains(body, "OTHER") || strings.Contains(body, "other@") {
					t.Errorf("%s holds the other tenant's rows:\n%s", name, body)
				}
				if strings.Contains(body, "$argon2") || strings.Contains(body, "hash-ACME") || strings.Contains(body, "session-ACME") {
					t.Errorf("%s holds a secret:\n%s", name, body)
				}
			}
			wantBodies := map[string]string{
				"records/orders.csv": "order_id,platform,country,store,created_at,paid_at,handling_deadline,shipped_at,estimated_delivery_at,delivered_at,cancelled_at,cancel_by,status,currency,gross_amount,platform_fee,shipping_cost,cogs,ad_cost,buyer_ref,fulfillment,warehouse,carrier,sku,category,units,attrs\n" +
					"ACME-O1,amazon,MX,ACME-s,2026-03-02T18:00:00Z,,,,,,,,pending,MXN,12.5,,,,,,,,,,,1,\n",
				"records/fx_rates.csv": "date,currency,per_usd,attrs\n2026-03-02,MXN,17,\n",
				"users.csv":            "user_id,login,name,role,lang,scopes,disabled,created_at,updated_at,currency\nACME-u,ACME@example.com,ACME,admin,es,{},false,2026-03-01T09:00:00Z,2026-03-01T09:00:00Z,\n",
				"settings.csv":         "name,body,updated_at,updated_by\nalerting,channels: [ACME],",
			}
			for name, want := range wantBodies {
				if !strings.HasPrefix(files[name], want) {
					t.Errorf("%s:\n%s\nwant it to start with\n%s", name, files[name], want)
				}
			}
			for name, col := range map[string]string{"api_tokens.csv": "token_hash", "sessions.csv": "token_hash", "users.csv": "password_hash"} {
				header, _, _ := strings.Cut(files[name], "\n")
				if strings.Contains(header, col) {
					t.Errorf("%s has column %s: %s", name, col, header)
				}
			}
			if !strings.Contains(files["api_tokens.csv"], "ACME-t,ACME token,ACME-u") {
				t.Errorf("api_tokens.csv:\n%s", files["api_tokens.csv"])
			}
			if n := scalar(t, st, "SELECT CAST(count(*) AS TEXT) FROM audit_log WHERE tenant_id = 'acme' AND action = 'privacy.export'"); n != "1" {
				t.Errorf("%s audit entries of the export", n)
			}
		})
	}
}
