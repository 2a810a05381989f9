package monitor

import (
	"testing"

	"pulso/internal/alert"
)

// The owner an alert page shows: the most specific owners entry, else the rule's owner.
func TestOwnerOf(t *testing.T) {
	c := Config{
		Contacts: []Contact{{ID: "hq", Name: "总部运营"}, {ID: "mx", Name: "Gerente MX"}, {ID: "cs"}},
		Owners: []Owner{{Contact: "hq"}, {Contact: "mx", Scope: map[string][]string{"country": {"MX"}}},
			{Contact: "cs", KPIs: []string{"csat"}, Scope: map[string][]string{"country": {"MX"}}},
			{Contact: "customs", Modules: []string{"customs"}, Scope: map[string][]string{"country": {"BR", "MX"}}},
			{Contact: "customs-elsewhere", Modules: []string{"customs"}}},
		Rules: []alert.Rule{{ID: "red", Owner: "cs"}, {ID: "plain"}},
	}
	for _, tc := range []struct {
		kpi, module, country, rule, want string
	}{
		{"parcel_loss_rate", "warehouse_logistics", "MX", "red", "mx"},
		{"parcel_loss_rate", "warehouse_logistics", "BR", "red", "hq"},
		{"csat", "service", "MX", "plain", "cs"}, // a KPI list outranks a scope alone
		{"csat", "service", "BR", "plain", "hq"},
		// a module list outranks a scope alone of as many dimensions, written after it or not
		{"customs_hold_rate", "customs", "MX", "plain", "customs"},
		{"customs_hold_rate", "customs", "CO", "plain", "customs-elsewhere"}, // and outranks no entry at all
	} {
		if got := c.OwnerOf(tc.kpi, tc.module, map[string]string{"country": tc.country}, tc.rule); got != tc.want {
			t.Errorf("%s %s %s: owner %q, want %q", tc.kpi, tc.country, tc.rule, got, tc.want)
		}
	}
	none := Config{Rules: []alert.Rule{{ID: "red", Owner: "ops"}}}
	if got := none.OwnerOf("gmv", "sales", map[string]string{"country": "MX"}, "red"); got != "ops" {
		t.Errorf("without owners: %q, want the rule's owner", got)
	}
	if got := none.OwnerOf("gmv", "sales", nil, "gone"); got != "" {
		t.Errorf("no owner anywhere: %q", got)
	}
	if c.ContactName("mx") != "Gerente MX" || c.ContactName("cs") != "cs" || c.ContactName("nobody") != "nobody" {
		t.Errorf("names: %q %q %q", c.ContactName("mx"), c.ContactName("cs"), c.ContactName("nobody"))
	}
}
