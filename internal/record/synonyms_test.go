package record

import (
	"maps"
	"testing"
)

// The synonym table is written the way it is looked up, names real columns, and never lets
// one header mean two columns of the same kind.
func TestSynonymTable(t *testing.T) {
	cols := map[string]bool{}
	for _, k := range NewCatalog().All() {
		for _, c := range k.Columns {
			cols[c.Name] = true
		}
	}
	for col, names := range synonyms {
		if !cols[col] {
			t.Errorf("synonyms of %s: no kind has that column", col)
		}
		seen := map[string]bool{}
		for _, s := range names {
			if s == "" || synonymKey(s) != s {
				t.Errorf("synonym %q of %s is not written as looked up (%q)", s, col, synonymKey(s))
			}
			if seen[s] {
				t.Errorf("synonym %q of %s listed twice", s, col)
			}
			seen[s] = true
			if PersonalHeader(s) {
				t.Errorf("synonym %q of %s names personal data", s, col)
			}
		}
	}
	for _, k := range NewCatalog().All() {
		owner := map[string]string{}
		for _, c := range k.Columns {
			keys := append([]string{synonymKey(c.Name)}, synonyms[c.Name]...)
			for _, s := range keys {
				if o, ok := owner[s]; ok && o != c.Name {
					t.Errorf("%s: %q could be %s or %s", k.Name, s, o, c.Name)
				}
				owner[s] = c.Name
			}
		}
	}
}

func TestSuggestMapping(t *testing.T) {
	cat := NewCatalog()
	kind := func(n string) *Kind {
		k, err := cat.Kind(n)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	cases := []struct {
		name   string
		kind   string
		header []string
		want   map[string]string
	}{
		{"Spanish (Mercado Libre México)", "orders",
			[]string{"Nº de venta", "Plataforma", "País", "Tienda", "Fecha de venta", "Moneda", "Total", "Transportadora", "Correo del comprador", "Notas"},
			map[string]string{"nº de venta": "order_id", "plataforma": "platform", "país": "country", "tienda": "store", "fecha de venta": "created_at",
				"moneda": "currency", "total": "gross_amount", "transportadora": "carrier"}},
		{"Portuguese", "orders",
			[]string{"Número do pedido", "Plataforma", "País", "Loja", "Data da venda", "Moeda", "Valor total", "Transportadora", "Frete"},
			map[string]string{"número do pedido": "order_id", "plataforma": "platform", "país": "country", "loja": "store", "data da venda": "created_at",
				"moeda": "currency", "valor total": "gross_amount", "transportadora": "carrier", "frete": "shipping_cost"}},
		{"Chinese", "orders",
			[]string{"订单号", "平台", "国家", "店铺名称", "下单时间", "币种", "订单金额", "物流商", "收货人电话"},
			map[string]string{"订单号": "order_id", "平台": "platform", "国家": "country", "店铺名称": "store", "下单时间": "created_at",
				"币种": "currency", "订单金额": "gross_amount", "物流商": "carrier"}},
		{"English, contract names kept", "orders",
			[]string{"Order ID", "platform", "Country", "Store Name", "Order Date", "currency", "Amount", "Carrier"},
			map[string]string{"order id": "order_id", "store name": "store", "order date": "created_at", "amount": "gross_amount"}},
		// A column the file already has is not proposed again, nor twice.
		{"taken", "orders", []string{"order_id", "Pedido", "Total", "Monto"},
			map[string]string{"total": "gross_amount"}},
		// The same word means each kind's own column.
		{"valor in scores", "platform_scores", []string{"Fecha", "Plataforma", "Tienda", "País", "Métrica", "Valor"},
			map[string]string{"fecha": "date", "plataforma": "platform", "tienda": "store", "país": "country", "métrica": "metric", "valor": "value"}},
		{"cost in ads", "ads", []string{"Data", "Campanha", "Custo", "Cliques", "Impressões", "Vendas"},
			map[string]string{"data": "date", "campanha": "campaign", "custo": "spend", "cliques": "clicks", "impressões": "impressions", "vendas": "attributed_sales"}},
		{"buyer ids stay unmapped", "orders", []string{"comprador", "buyer"}, map[string]string{}},
	}
	for _, c := range cases {
		got := SuggestMapping(kind(c.kind), c.header)
		if !maps.Equal(got, c.want) {
			t.Errorf("%s: %v\nwant %v", c.name, got, c.want)
		}
	}
}
