package record

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestPersonalHeader(t *testing.T) {
	personal := []string{"buyer_email", "E-mail", "correo_electronico", "cpf", "CPF do comprador", "nome", "Nombre", "buyer_name",
		"nome_cliente", "Endereço", "dirección de envío", "telefone", "Teléfono", "celular", "whatsapp", "zip_code", "código postal",
		"CEP", "rut", "RUC", "dni", "cuit", "curp", "rfc", "nit", "fecha_nacimiento", "birth_date", "ip_address", "documento",
		"收货人姓名", "电话", "手机号", "地址", "apellido", "first name", "buyerEmail", "telefonecliente"}
	harmless := []string{"promo_code", "product_name", "campaign_name", "store_name", "shipping_method", "notes", "listing_id",
		"ciudad", "state", "channel_note", "tipo", "color", "商品名称"}
	for _, h := range personal {
		if !PersonalHeader(h) {
			t.Errorf("%q not taken as personal", h)
		}
	}
	for _, h := range harmless {
		if PersonalHeader(h) {
			t.Errorf("%q taken as personal", h)
		}
	}
}

func TestPersonalValue(t *testing.T) {
	personal := []string{"ana@example.com", "Contact: jose.perez+ml@correo.com.mx", "+55 11 91234-5678", "(11) 91234-5678",
		"+56912345678", "55-1234-5678", "529.982.247-25", "52998224725", "11.222.333/0001-81", "11222333000181",
		"12.345.678-5", "12345678-5", "20-12345678-6", "20123456786", "20100070970", "GODE561231HDFRRN09", "GODE561231AB1"}
	harmless := []string{"PROMO10", "2000003508419013", "MLB1234567890", "1234.56", "-12.5", "2026-03-02", "2026-03-02 14:05:00",
		"52998224726", "12345678901", "11222333000180", "12.345.678-4", "SKU-00123", "gift", "00000000000", "1e10", "A-1"}
	for _, v := range personal {
		if !PersonalValue(v) {
			t.Errorf("%q not taken as personal", v)
		}
	}
	for _, v := range harmless {
		if PersonalValue(v) {
			t.Errorf("%q taken as personal", v)
		}
	}
}

// Finding 7 of issue 8: extra columns were stored verbatim. Personal ones are dropped and
// counted; a column named in Pseudonymise is stored as the tenant's keyed hash.
func TestParserDropsPersonalAttributes(t *testing.T) {
	k := orders(t)
	secret := []byte("k")
	header := []string{"order_id", "platform", "country", "store", "created_at", "buyer_email", "cpf", "promo_code", "note", "customer_id"}
	p, err := NewParserWith(k, header, NewZones(), secret, ParseOptions{Pseudonymise: []string{"Customer_ID"}})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		{"A1", "amazon", "BR", "s", "2026-03-02 10:00:00", "ana@example.com", "529.982.247-25", "PROMO10", "call +55 11 91234-5678", "c-1"},
		{"A2", "amazon", "BR", "s", "2026-03-02 10:00:00", "", "52998224725", "", "+55 11 91234-5678", "c-1"},
	}
	var attrs []map[string]string
	for i, f := range rows {
		row, err := p.Parse(i+2, f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(row[len(row)-1].(string)), &m); err != nil {
			t.Fatal(err)
		}
		attrs = append(attrs, m)
	}
	hash := Pseudonymise(secret, "c-1")
	// the note "call +55…" is free text, not a phone by shape: kept; a bare phone is dropped
	want0 := map[string]string{"promo_code": "PROMO10", "note": "call +55 11 91234-5678", "customer_id": hash}
	want1 := map[string]string{"customer_id": hash}
	if !mapsEqual(attrs[0], want0) || !mapsEqual(attrs[1], want1) {
		t.Fatalf("attrs %v\nwant %v, %v", attrs, want0, want1)
	}
	got := p.Dropped()
	want := []Dropped{{"buyer_email", 1}, {"cpf", 2}, {"note", 1}}
	if !slices.Equal(got, want) {
		t.Fatalf("dropped %v, want %v", got, want)
	}
	if _, err := NewParserWith(k, header, NewZones(), secret, ParseOptions{Pseudonymise: []string{"order_id"}}); err == nil ||
		!strings.Contains(err.Error(), "order_id is a contract column") {
		t.Fatalf("pseudonymising a contract column: %v", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func FuzzPersonalValue(f *testing.F) {
	for _, s := range []string{"ana@example.com", "+55 11 91234-5678", "529.982.247-25", "12.345.678-K", "20123456786", "GODE561231HDFRRN09", "1.2.3-4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		PersonalValue(s) // must not panic
		PersonalHeader(s)
	})
}
