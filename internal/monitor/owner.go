package monitor

import "pulso/internal/alert"

// OwnerOf is the contact that owns a KPI of a module in a scope under this configuration:
// the most specific owners entry, else the rule's owner ("" when neither names one). It is
// what an alert raised now would get.
func (c *Config) OwnerOf(kpi, module string, scope map[string]string, ruleID string) string {
	fallback := ""
	if r := c.Rule(ruleID); r != nil {
		fallback = r.Owner
	}
	return c.owner(kpi, module, scope, fallback)
}

// ContactName is a contact's name, or its id when it has none or is unknown.
func (c *Config) ContactName(id string) string {
	if ct, ok := c.contact(id); ok && ct.Name != "" {
		return ct.Name
	}
	return id
}

// Rule is the rule with an id, or nil.
func (c *Config) Rule(id string) *alert.Rule {
	for i := range c.Rules {
		if c.Rules[i].ID == id {
			return &c.Rules[i]
		}
	}
	return nil
}
