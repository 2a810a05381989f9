package web

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"pulso/internal/auth"
	"pulso/internal/ingest"
	"pulso/internal/store"
)

// TestCurrencyOnBothEngines: a user's currency is remembered through the page on DuckDB and on
// PostgreSQL, and the board's money follows it. One Mexican order of MX$ 200 on 2026-11-25,
// with 20 pesos and 7 yuan to the dollar that day: GMV US$ 10, CN¥ 70, MX$ 200.
func TestCurrencyOnBothEngines(t *testing.T) {
	for _, eng := range bareEngines {
		t.Run(eng.name, func(t *testing.T) {
			e := newBareEnv(t, eng.open(t), testKeys)
			ctx := context.Background()
			importCSV(t, e.st, "fx_rates", "date,currency,per_usd\n2026-11-25,MXN,20\n2026-11-25,CNY,7\n")
			importCSV(t, e.st, "orders", "order_id,platform,country,store,created_at,currency,gross_amount\nA1,mercadolibre,MX,tienda,2026-11-25 10:00:00,MXN,200\n")
			u, err := e.auth.CreateUser(ctx, auth.User{Tenant: "default", Login: "ana", Role: auth.Viewer}, testPassword)
			if err != nil {
				t.Fatal(err)
			}
			_, rec := e.signIn(t, url.Values{"login": {"ana"}, "password": {testPassword}})
			sess := sessionOf(rec)
			if sess == "" {
				t.Fatalf("sign in: %d", rec.Code)
			}
			gmv := func() (float64, string, string) {
				t.Helper()
				rec := e.do(t, sess, http.MethodGet, "/api/v1/board", "", nil)
				var b board
				if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
					t.Fatalf("%d %s", rec.Code, rec.Body.String())
				}
				c := cellOf(t, b, "gmv", "MX")
				if c.Value == nil || c.To != "2026-11-25" {
					t.Fatalf("MX gmv %+v", c)
				}
				return *c.Value, c.Currency, b.Currency
			}
			if v, cur, _ := gmv(); cur != "USD" || math.Abs(v-10) > 1e-9 {
				t.Errorf("GMV %v %s, want 10 USD", v, cur)
			}
			for _, c := range []struct {
				choice, cur string
				want        float64
			}{{"CNY", "CNY", 70}, {"local", "MXN", 200}, {"USD", "USD", 10}} {
				rec := e.do(t, sess, http.MethodPost, "/prefs/currency", url.Values{"currency": {c.choice}, "next": {"/"}}.Encode(), nil)
				if rec.Code != http.StatusSeeOther {
					t.Fatalf("remember %s: %d %s", c.choice, rec.Code, rec.Body.String())
				}
				stored, err := e.auth.User(ctx, "default", u.ID)
				if err != nil || stored.Currency != c.choice {
					t.Errorf("stored currency %q %v, want %s", stored.Currency, err, c.choice)
				}
				if v, cur, board := gmv(); cur != c.cur || board != c.choice || math.Abs(v-c.want) > 1e-9 {
					t.Errorf("after %s: GMV %v %s (board %s), want %v %s", c.choice, v, cur, board, c.want, c.cur)
				}
			}
		})
	}
}

// importCSV imports one small file through the product's ingest path.
func importCSV(t *testing.T, st store.Store, kind, csv string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), kind+".csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := ingest.FileInput(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.New(st).Import(context.Background(), ingest.Options{Tenant: "default", Kind: kind, Source: "test"}, in); err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
}
