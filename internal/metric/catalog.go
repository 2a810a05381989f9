package metric

import (
	_ "embed"
	"fmt"
	"slices"

	"pulso/internal/record"
)

//go:embed standard.yaml
var standardYAML []byte

// StandardYAML is the embedded standard template, as shipped.
func StandardYAML() []byte { return slices.Clone(standardYAML) }

// Catalog is a set of KPI definitions: the standard template plus a tenant's own.
type Catalog struct {
	defs []*Definition
	byID map[string]*Definition
}

// Standard loads the embedded standard template.
func Standard(kinds *record.Catalog) (*Catalog, error) {
	defs, err := ParseDefinitions(standardYAML, kinds)
	if err != nil {
		return nil, fmt.Errorf("standard template: %w", err)
	}
	return newCatalog(defs), nil
}

func newCatalog(defs []*Definition) *Catalog {
	c := &Catalog{byID: map[string]*Definition{}}
	for _, d := range defs {
		c.defs = append(c.defs, d)
		c.byID[d.ID] = d
	}
	return c
}

// With returns a catalogue with extra (a tenant's own) definitions added; an id may not
// replace a standard one.
func (c *Catalog) With(extra ...*Definition) (*Catalog, error) {
	out := newCatalog(c.defs)
	for _, d := range extra {
		if _, dup := out.byID[d.ID]; dup {
			return nil, &DefError{KPI: d.ID, Field: "id", Reason: "already defined (standard KPIs cannot be replaced; choose another id)"}
		}
		out.defs = append(out.defs, d)
		out.byID[d.ID] = d
	}
	return out, nil
}

// Get returns a definition by id.
func (c *Catalog) Get(id string) (*Definition, error) {
	if d, ok := c.byID[id]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("unknown kpi %q (see `pulso kpi list`)", id)
}

// All returns the definitions in catalogue order (template order, then the tenant's).
func (c *Catalog) All() []*Definition { return slices.Clone(c.defs) }
