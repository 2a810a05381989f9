package storetest

import (
	"errors"
	"fmt"
	"strings"

	"pulso/internal/store"
)

// testWriteGuard: a restricted writer changes nothing outside its countries and platforms,
// neither by a row of another country nor by a row keyed like another country's record (keys
// hold no country: an MX row with a BR order's id and store would replace the BR order), and
// writes no reference data shared by all countries (fx_rates).
func testWriteGuard(e *env) {
	e.apply("orders", "acme", "upload", e.rows("orders", "acme", ordersBase), store.Counts{Read: 4, Inserted: 4})
	e.apply("fx_rates", "acme", "upload", e.rows("fx_rates", "acme", "date,currency,per_usd\n2026-03-02,BRL,5\n"), store.Counts{Read: 1, Inserted: 1})
	orders, fx, imports := e.dump("orders", true), e.dump("fx_rates", true), e.imports()
	mx := &store.WriteGuard{Countries: []string{"MX"}}
	head := "order_id,platform,country,store,created_at,status,currency,gross_amount\n"
	refused := []struct {
		name  string
		kind  string
		guard *store.WriteGuard
		table string
		want  store.ScopeError
	}{
		{"an MX row with a BR order's key", "orders", mx, head + "A1,mercadolibre,MX,loja-1,2026-03-02 10:00:00,paid,MXN,1\n",
			store.ScopeError{Kind: "orders", Column: "country", Value: "BR", Stored: true, Key: "platform=mercadolibre, store=loja-1, order_id=A1"}},
		{"a BR row beside an allowed MX one", "orders", mx, head + "A2,mercadolibre,MX,tienda,2026-03-02 10:00:00,paid,MXN,1\nB9,amazon,BR,x,2026-03-02 10:00:00,paid,BRL,1\n",
			store.ScopeError{Kind: "orders", Column: "country", Value: "BR", Key: "platform=amazon, store=x, order_id=B9"}},
		{"fx rates by a country-restricted user", "fx_rates", mx, "date,currency,per_usd\n2026-03-02,BRL,50000\n",
			store.ScopeError{Kind: "fx_rates", Column: "country"}},
		{"a platform-restricted user on another platform's order", "orders", &store.WriteGuard{Platforms: []string{"amazon"}},
			head + "A3,amazon,CL,cl-store,2026-04-04 10:00:00,paid,CLP,1\nA4,shopee,CO,co-1,2026-03-01 10:00:00,paid,COP,1\n",
			store.ScopeError{Kind: "orders", Column: "platform", Value: "shopee", Key: "platform=shopee, store=co-1, order_id=A4"}},
		{"an MX user with a BR order that the file marks MX and amazon", "orders", &store.WriteGuard{Countries: []string{"MX"}, Platforms: []string{"mercadolibre"}},
			head + "A1,mercadolibre,MX,loja-1,2026-03-02 10:00:00,paid,MXN,1\n",
			store.ScopeError{Kind: "orders", Column: "country", Value: "BR", Stored: true, Key: "platform=mercadolibre, store=loja-1, order_id=A1"}},
	}
	for _, c := range refused {
		_, err := e.s.Apply(e.ctx, store.Batch{Tenant: "acme", Kind: e.kind(c.kind), Source: "upload", File: "x.csv", Guard: c.guard},
			NewSource(e.rows(c.kind, "acme", c.table)))
		var se *store.ScopeError
		if !errors.As(err, &se) || !errors.Is(err, store.ErrOutOfScope) {
			e.t.Errorf("%s: err = %v, want a ScopeError", c.name, err)
			continue
		}
		got := *se
		got.Allowed = nil
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", c.want) {
			e.t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		if c.want.Column == "country" && !strings.Contains(se.Error(), "MX") {
			e.t.Errorf("%s: the message does not name the allowed country: %s", c.name, se.Error())
		}
	}
	sameLines(e.t, "orders after refused batches", e.dump("orders", true), orders)
	sameLines(e.t, "fx_rates after refused batches", e.dump("fx_rates", true), fx)
	sameLines(e.t, "imports after refused batches", e.imports(), imports)

	// Inside the scope the same guard lets the batch through: A2 (MX, stored MX) changes.
	got, err := e.s.Apply(e.ctx, store.Batch{Tenant: "acme", Kind: e.kind("orders"), Source: "upload", File: "mx.csv", Guard: mx},
		NewSource(e.rows("orders", "acme", head+"A2,mercadolibre,MX,tienda,2026-03-02 10:00:00,paid,MXN,1\nM1,amazon,MX,m,2026-03-02 10:00:00,paid,MXN,2\n")))
	if err != nil || got != (store.Counts{Read: 2, Updated: 1, Inserted: 1}) {
		e.t.Errorf("an MX batch inside the scope: %+v, %v", got, err)
	}
	e.expectValues("orders", "acme", "order_id", "A1", map[string]string{"country": `"BR"`, "gross_amount": "199.9"})
	e.expectValues("orders", "acme", "order_id", "A2", map[string]string{"country": `"MX"`, "gross_amount": "1"})
	// An unrestricted guard is no guard: fx rates go through.
	if _, err := e.s.Apply(e.ctx, store.Batch{Tenant: "acme", Kind: e.kind("fx_rates"), Source: "upload", Guard: &store.WriteGuard{}},
		NewSource(e.rows("fx_rates", "acme", "date,currency,per_usd\n2026-03-02,BRL,5.5\n"))); err != nil {
		e.t.Errorf("fx rates by an unrestricted writer: %v", err)
	}
}
