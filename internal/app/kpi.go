package app

import (
	"bytes"
	"context"
	"fmt"

	"go.yaml.in/yaml/v3"

	"pulso/internal/metric"
	"pulso/internal/record"
	"pulso/internal/store"
)

// StandardCatalog loads the embedded KPI template.
func StandardCatalog() (*metric.Catalog, error) {
	return metric.Standard(record.NewCatalog())
}

// ShowKPI returns a KPI's definition as YAML.
func ShowKPI(id string) (string, error) {
	cat, err := StandardCatalog()
	if err != nil {
		return "", err
	}
	d, err := cat.Get(id)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode([]*metric.Definition{d}); err != nil {
		return "", fmt.Errorf("show %s: %w", id, err)
	}
	return b.String(), nil
}

// NewEngine builds the KPI engine over an open store.
func NewEngine(st store.Store) (*metric.Engine, error) {
	cat, err := StandardCatalog()
	if err != nil {
		return nil, err
	}
	d, err := metric.DialectFor(string(st.Engine()))
	if err != nil {
		return nil, err
	}
	return &metric.Engine{Catalog: cat, DB: st.DB(), Dialect: d}, nil
}

// EvalKPIs runs a KPI query against the store a DSN names.
func EvalKPIs(ctx context.Context, dsn string, q metric.Query) ([]metric.Row, error) {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := store.ValidTenant(q.Tenant); err != nil {
		return nil, err
	}
	e, err := NewEngine(st)
	if err != nil {
		return nil, err
	}
	return e.Eval(ctx, q)
}
