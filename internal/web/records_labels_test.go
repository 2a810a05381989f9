package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"pulso/internal/auth"
	"pulso/internal/record"
)

// On DuckDB and on PostgreSQL, the records page and the import report name the contract's
// columns and enum values in the reader's language, keeping the contract's names beside them
// (title, code), and the export keeps the contract's names and the stored values.
func TestColumnLabelsOnBothEngines(t *testing.T) {
	for _, eng := range bareEngines {
		t.Run(eng.name, func(t *testing.T) {
			e := newBareEnv(t, eng.open(t), testKeys)
			importCSV(t, e.st, "orders", "order_id,platform,country,store,created_at,cancelled_at,cancel_by,currency,gross_amount,shipping_cost,fulfillment\n"+
				"A1,mercadolibre,MX,tienda,2026-11-24 10:00:00,2026-11-24 12:00:00,seller,MXN,200,35,drop_off\n")
			if _, err := e.auth.CreateUser(t.Context(), auth.User{Tenant: "default", Login: "ana", Role: auth.Analyst}, testPassword); err != nil {
				t.Fatal(err)
			}
			_, rec := e.signIn(t, url.Values{"login": {"ana"}, "password": {testPassword}})
			sess := sessionOf(rec)
			if sess == "" {
				t.Fatalf("sign in: %d", rec.Code)
			}
			const path = "/kpi/seller_cancellation_rate/records?from=2026-11-24&to=2026-11-24"
			page := e.do(t, sess, http.MethodGet, path, "", map[string]string{"Accept-Language": "es"}).Body.String()
			for _, s := range []string{`<th scope="col" title="shipping_cost">Costo de envío</th>`, `<th scope="col" title="cancel_by">Cancelado por</th>`,
				`<td data-label="Cancelado por" title="seller">Vendedor</td>`, `<td data-label="Estado" title="cancelled">Cancelado</td>`,
				`<td data-label="Tipo de logística" title="drop_off">Drop off (agencia)</td>`, `<td data-label="Plataforma" title="mercadolibre">Mercado Libre</td>`,
				`Numerador · <code class="ident">by_seller</code>`} {
				if !strings.Contains(page, s) {
					t.Errorf("es records page lacks %s", s)
				}
			}
			// the export: the contract's columns of orders without the personal ones, the stored values
			var cols []string
			k, _ := record.NewCatalog().Kind("orders")
			for _, c := range k.Columns {
				if !c.Pseudo {
					cols = append(cols, c.Name)
				}
			}
			rec = e.do(t, sess, http.MethodGet, path+"&format=csv", "", map[string]string{"Accept-Language": "es"})
			lines := strings.Split(strings.TrimPrefix(rec.Body.String(), "\ufeff"), "\n")
			if rec.Code != http.StatusOK || strings.TrimRight(lines[0], "\r") != strings.Join(cols, ",") {
				t.Fatalf("export: %d header %q, want %q", rec.Code, lines[0], strings.Join(cols, ","))
			}
			if len(lines) < 2 || !strings.Contains(lines[1], ",seller,cancelled,") || !strings.Contains(lines[1], ",drop_off,") {
				t.Errorf("export row %q does not keep the stored values", lines[1:])
			}

			// the import report of a file with a bad status, in Chinese
			body, ct := multipartBody(t, map[string]string{"kind": "orders"}, "orders.csv",
				"order_id,platform,country,store,created_at,status,shipping_cost,currency\nB1,mercadolibre,MX,tienda,2026-11-24 10:00,lost,3.5,MXN\n")
			raw, _ := io.ReadAll(body)
			rec = e.do(t, sess, http.MethodPost, "/import", string(raw), map[string]string{"Content-Type": ct, "Accept-Language": "zh-CN"})
			page = rec.Body.String()
			for _, s := range []string{`<td data-label="列">订单状态 <code class="ident">status</code></td>`,
				`<th scope="col" title="shipping_cost">运费 <code class="ident">shipping_cost</code></th>`,
				`不是允许的取值之一：待付款 <code class="ident">pending</code>、已付款 <code class="ident">paid</code>、`,
				`<td data-label="订单状态" data-column="status" class="bad-cell"><code class="as-read">lost</code>`} {
				if !strings.Contains(page, s) {
					t.Errorf("zh-CN import report lacks %s", s)
				}
			}
			if rec.Code != http.StatusUnprocessableEntity || t.Failed() {
				t.Fatalf("import report: %d\n%s", rec.Code, page)
			}
		})
	}
}
