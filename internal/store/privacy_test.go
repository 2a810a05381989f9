package store

import (
	"strings"
	"testing"
)

func TestHolds(t *testing.T) {
	cases := []struct {
		s, needle string
		want      bool
	}{
		{"1234", "1234", true},
		{"buyer 1234 called", "1234", true},
		{`{"buyer":"1234"}`, "1234", true},
		{"912345", "1234", false},           // inside a longer number
		{"12345 and 1234", "1234", true},    // the second occurrence stands alone
		{"ABUYER-X77Z", "buyer-x77", false}, // inside a longer token, any case
		{"Buyer-X77.", "buyer-x77", true},
		{"x@example.com", "x@example.com", true},
		{"ax@example.com", "x@example.com", false},
		{"mail: X@Example.COM;", "x@example.com", true},
		{"@handle", "@handle", true}, // a needle starting with a symbol needs no boundary before it
		{"me@handle", "@handle", true},
		{"São1234", "1234", false}, // letters beyond ASCII are letters too
		{"são 1234", "SÃO", true},
		{"", "1234", false},
		{"1234", "", false},
	}
	for _, c := range cases {
		if got := Holds(c.s, c.needle); got != c.want {
			t.Errorf("Holds(%q, %q) = %v, want %v", c.s, c.needle, got, c.want)
		}
	}
}

func FuzzHolds(f *testing.F) {
	f.Add("buyer 1234", "1234")
	f.Add("ÀÀ1234ÀÀ", "1234")
	f.Add("\xff\xfe1", "1")
	f.Fuzz(func(t *testing.T, s, needle string) {
		got := Holds(s, needle)
		if got && !strings.Contains(strings.ToLower(s), strings.ToLower(needle)) {
			t.Fatalf("Holds(%q, %q) without the needle in it", s, needle)
		}
		if needle != "" && strings.EqualFold(s, needle) && strings.ToLower(s) == strings.ToLower(needle) && !got {
			t.Fatalf("Holds(%q, %q) = false for the needle itself", s, needle)
		}
	})
}

func TestDropHolding(t *testing.T) {
	needles := []string{"BUYER-1", "a1b2c3"}
	cases := []struct {
		attrs string
		kept  any
		ok    bool
	}{
		{`{"buyer":"buyer-1","sku_note":"red"}`, `{"sku_note":"red"}`, true},
		{`{"buyer":"BUYER-1"}`, nil, true},
		{`{"BUYER-1":"x","n":"2"}`, `{"n":"2"}`, true}, // a name naming the buyer goes too
		{`{"n":"BUYER-10"}`, `{"n":"BUYER-10"}`, false},
		{`{"ref":"a1b2c3"}`, nil, true},
		{`{"nested":{"id":"BUYER-1"}}`, nil, true},
		{`not json BUYER-1`, nil, true},
		{`not json`, `not json`, false},
	}
	for _, c := range cases {
		kept, ok := dropHolding(c.attrs, needles)
		if kept != c.kept || ok != c.ok {
			t.Errorf("dropHolding(%s) = %v, %v; want %v, %v", c.attrs, kept, ok, c.kept, c.ok)
		}
	}
}
