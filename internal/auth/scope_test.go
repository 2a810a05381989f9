package auth

import (
	"errors"
	"reflect"
	"testing"
)

func TestScopeHelpers(t *testing.T) {
	mx := Scopes{Countries: []string{"MX"}}
	mxAmazonService := Scopes{Countries: []string{"MX"}, Platforms: []string{"amazon", "mercadolibre"}, Modules: []string{"service"}}
	all := Scopes{}

	filters := []struct {
		name string
		s    Scopes
		want map[string][]string
	}{
		{"mexico only", mx, map[string][]string{"country": {"MX"}}},
		{"mexico amazon+meli service", mxAmazonService, map[string][]string{"country": {"MX"}, "platform": {"amazon", "mercadolibre"}}},
		{"unrestricted", all, map[string][]string{}},
	}
	for _, c := range filters {
		if got := c.s.Filters(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Filters() = %v, want %v", c.name, got, c.want)
		}
	}
	f := mx.Filters()
	f["country"][0] = "BR"
	if mx.Countries[0] != "MX" {
		t.Error("changing Filters() changed the scopes")
	}

	allows := []struct {
		s     Scopes
		scope map[string]string
		want  bool
	}{
		{mx, map[string]string{"country": "MX"}, true},
		{mx, map[string]string{"country": "BR"}, false},
		{mx, map[string]string{"country": "MX", "platform": "shopee", "warehouse": "GDL1"}, true},
		{mx, map[string]string{}, false}, // all countries together include Brazil's data
		{mx, nil, false},
		{mx, map[string]string{"platform": "amazon"}, false},
		{mxAmazonService, map[string]string{"country": "MX", "platform": "amazon"}, true},
		{mxAmazonService, map[string]string{"country": "MX", "platform": "shopee"}, false},
		{mxAmazonService, map[string]string{"country": "MX"}, false},
		{all, map[string]string{"country": "BR"}, true},
		{all, nil, true},
	}
	for _, c := range allows {
		if got := c.s.AllowsScope(c.scope); got != c.want {
			t.Errorf("%+v.AllowsScope(%v) = %v, want %v", c.s, c.scope, got, c.want)
		}
	}

	for _, c := range []struct {
		s      Scopes
		module string
		want   bool
	}{
		{mx, "service", true}, {mx, "finance", true},
		{mxAmazonService, "service", true}, {mxAmazonService, "finance", false}, {mxAmazonService, "", false},
	} {
		if got := c.s.AllowsKPI(c.module); got != c.want {
			t.Errorf("%+v.AllowsKPI(%q) = %v, want %v", c.s, c.module, got, c.want)
		}
	}
}

func TestNarrow(t *testing.T) {
	mx := Scopes{Countries: []string{"MX", "CO"}}
	cases := []struct {
		name      string
		s         Scopes
		requested map[string][]string
		want      map[string][]string
	}{
		{"nothing asked", mx, nil, map[string][]string{"country": {"MX", "CO"}}},
		{"one allowed", mx, map[string][]string{"country": {"MX"}}, map[string][]string{"country": {"MX"}}},
		{"one of each", mx, map[string][]string{"country": {"BR", "CO"}}, map[string][]string{"country": {"CO"}}},
		{"none allowed: matches nothing", mx, map[string][]string{"country": {"BR"}}, map[string][]string{"country": {}}},
		{"other dims kept", mx, map[string][]string{"store": {"s1"}}, map[string][]string{"country": {"MX", "CO"}, "store": {"s1"}}},
		{"unrestricted keeps the request", Scopes{}, map[string][]string{"country": {"BR"}}, map[string][]string{"country": {"BR"}}},
	}
	for _, c := range cases {
		got := c.s.Narrow(c.requested)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Narrow(%v) = %v, want %v", c.name, c.requested, got, c.want)
		}
		if v, ok := got["country"]; ok && v == nil {
			t.Errorf("%s: a nil filter list (which could read as no filter)", c.name)
		}
	}
}

func TestScopesNormalize(t *testing.T) {
	got, err := Scopes{Countries: []string{"mx", " BR", "MX"}, Platforms: []string{"Amazon", "mercadolibre"}, Modules: []string{"service", "sales"}}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := Scopes{Countries: []string{"BR", "MX"}, Platforms: []string{"amazon", "mercadolibre"}, Modules: []string{"sales", "service"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("normalize = %+v, want %+v", got, want)
	}
	for _, bad := range []Scopes{
		{Countries: []string{"Mexico"}},
		{Countries: []string{"ZZ"}},
		{Platforms: []string{"mercado libre"}},
		{Platforms: []string{""}},
		{Modules: []string{"marketing"}},
	} {
		if _, err := bad.normalize(); !errors.Is(err, ErrInvalid) {
			t.Errorf("normalize(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCovers(t *testing.T) {
	all := Scopes{}
	mx := Scopes{Countries: []string{"MX"}}
	mxbr := Scopes{Countries: []string{"MX", "BR"}}
	mxML := Scopes{Countries: []string{"MX"}, Platforms: []string{"mercadolibre"}}
	svc := Scopes{Modules: []string{"service"}}
	for _, c := range []struct {
		name   string
		s, o   Scopes
		covers bool
	}{
		{"everything covers everything", all, all, true},
		{"everything covers Mexico", all, mx, true},
		{"Mexico does not cover everything", mx, all, false},
		{"Mexico covers Mexico", mx, mx, true},
		{"Mexico covers Mexico written in lower case", mx, Scopes{Countries: []string{" mx"}}, true},
		{"Mexico does not cover Mexico and Brazil", mx, mxbr, false},
		{"Mexico and Brazil cover Mexico", mxbr, mx, true},
		{"Mexico covers Mexico on one platform", mx, mxML, true},
		{"Mexico on one platform does not cover all Mexico", mxML, mx, false},
		{"Mexico does not cover an unrestricted service module", mx, svc, false},
		{"service covers service in Mexico", svc, Scopes{Countries: []string{"MX"}, Modules: []string{"service"}}, true},
		{"service does not cover every module", svc, mx, false},
		{"a bad country is not covered", all, Scopes{Countries: []string{"XX"}}, false},
	} {
		if got := c.s.Covers(c.o); got != c.covers {
			t.Errorf("%s: Covers = %v, want %v", c.name, got, c.covers)
		}
	}
	admin := User{Tenant: "t", Role: Admin, Scopes: mx}
	if !admin.MayManage(User{Tenant: "t", Role: Admin, Scopes: mx}) {
		t.Error("a Mexico admin may not manage a Mexico admin")
	}
	if admin.MayManage(User{Tenant: "t", Role: Viewer}) {
		t.Error("a Mexico admin may manage an unrestricted viewer")
	}
	if admin.MayManage(User{Tenant: "u", Role: Viewer, Scopes: mx}) {
		t.Error("an admin may manage a user of another tenant")
	}
	if (User{Tenant: "t", Role: Manager}).MayManage(User{Tenant: "t", Role: Viewer, Scopes: mx}) {
		t.Error("a manager may manage users")
	}
	if (User{Tenant: "t", Role: Admin, Disabled: true}).MayManage(User{Tenant: "t", Role: Viewer}) {
		t.Error("a disabled admin may manage users")
	}
}
