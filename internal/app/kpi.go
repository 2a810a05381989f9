package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"pulso/internal/metric"
	"pulso/internal/record"
	"pulso/internal/store"
)

// StandardCatalog loads the embedded KPI template.
func StandardCatalog() (*metric.Catalog, error) {
	return metric.Standard(record.NewCatalog())
}

// Catalog is the standard template plus the tenant's own KPIs.
func Catalog(ctx context.Context, st store.Store, tenant string) (*metric.Catalog, error) {
	std, err := StandardCatalog()
	if err != nil {
		return nil, err
	}
	own, err := st.KPIDefinitions(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if len(own) == 0 {
		return std, nil
	}
	kinds := record.NewCatalog()
	var defs []*metric.Definition
	for _, o := range own {
		ds, err := metric.ParseDefinitions([]byte(o.YAML), kinds)
		if err != nil {
			return nil, fmt.Errorf("tenant %s, stored kpi %s: %w", tenant, o.ID, err)
		}
		defs = append(defs, ds...)
	}
	return std.With(defs...)
}

// CatalogFor opens the store when there is one to read (an explicit --db, $PULSO_DB or an
// existing default file) and returns the tenant's catalogue; otherwise the standard one.
func CatalogFor(ctx context.Context, dbFlag, tenant string) (*metric.Catalog, error) {
	dsn := ResolveDSN(dbFlag)
	if dbFlag == "" && os.Getenv("PULSO_DB") == "" {
		if _, err := os.Stat(DefaultDB); errors.Is(err, os.ErrNotExist) {
			return StandardCatalog()
		}
	}
	st, err := OpenReader(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return Catalog(ctx, st, tenant)
}

// DefinitionYAML renders definitions as YAML (the format of docs/kpi-definitions.md).
func DefinitionYAML(defs ...*metric.Definition) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(defs); err != nil {
		return "", fmt.Errorf("render kpi definitions: %w", err)
	}
	return b.String(), nil
}

// AddKPIs checks a YAML file of KPI definitions and stores them as the tenant's own.
func AddKPIs(ctx context.Context, dsn, tenant, path string) ([]string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	defs, err := metric.ParseDefinitions(src, record.NewCatalog())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := store.ValidTenant(tenant); err != nil {
		return nil, err
	}
	cat, err := StandardCatalog()
	if err != nil {
		return nil, err
	}
	if _, err := cat.With(defs...); err != nil { // a standard id cannot be taken over
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rows []store.KPIDefinition
	var ids []string
	for _, d := range defs {
		y, err := DefinitionYAML(d)
		if err != nil {
			return nil, err
		}
		rows = append(rows, store.KPIDefinition{ID: d.ID, YAML: y})
		ids = append(ids, d.ID)
	}
	if err := st.PutKPIDefinitions(ctx, tenant, rows); err != nil {
		return nil, err
	}
	// New measures are read from raw records until their rollups exist: build them now.
	return ids, metric.RebuildRollups(ctx, st, tenant)
}

// RemoveKPI deletes one of the tenant's own KPIs.
func RemoveKPI(ctx context.Context, dsn, tenant, id string) error {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.DeleteKPIDefinition(ctx, tenant, id); err != nil {
		return err
	}
	return metric.RebuildRollups(ctx, st, tenant)
}

// NewEngine builds the KPI engine over an open store for one tenant.
func NewEngine(ctx context.Context, st store.Store, tenant string) (*metric.Engine, error) {
	cat, err := Catalog(ctx, st, tenant)
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
	if err := store.ValidTenant(q.Tenant); err != nil {
		return nil, err
	}
	st, err := OpenReader(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	e, err := NewEngine(ctx, st, q.Tenant)
	if err != nil {
		return nil, err
	}
	rows, err := e.Eval(ctx, q)
	if err != nil {
		return nil, err
	}
	return rows, JudgeRows(ctx, st, e, q, rows)
}
