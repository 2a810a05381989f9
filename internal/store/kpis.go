package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// KPIDefinition is a tenant's own KPI, kept as the YAML the seller wrote (the store does not
// read it; the metric layer does).
type KPIDefinition struct {
	ID        string
	YAML      string
	UpdatedAt time.Time
}

// PutKPIDefinitions replaces the tenant's definitions with these ids, in one transaction.
func PutKPIDefinitions(ctx context.Context, db *sql.DB, tenant string, defs []KPIDefinition) error {
	if err := ValidTenant(tenant); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	for _, d := range defs {
		if _, err := tx.ExecContext(ctx, `DELETE FROM kpi_definitions WHERE tenant_id = $1 AND kpi_id = $2`, tenant, d.ID); err != nil {
			return fmt.Errorf("store: replace kpi %s: %w", d.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO kpi_definitions (tenant_id, kpi_id, definition, updated_at) VALUES ($1, $2, $3, $4)`,
			tenant, d.ID, d.YAML, now); err != nil {
			return fmt.Errorf("store: save kpi %s: %w", d.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// KPIDefinitions returns the tenant's own definitions, by id.
func KPIDefinitions(ctx context.Context, db *sql.DB, tenant string) ([]KPIDefinition, error) {
	rows, err := db.QueryContext(ctx, `SELECT kpi_id, definition, updated_at FROM kpi_definitions WHERE tenant_id = $1 ORDER BY kpi_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: read kpi definitions: %w", err)
	}
	defer rows.Close()
	var out []KPIDefinition
	for rows.Next() {
		var d KPIDefinition
		if err := rows.Scan(&d.ID, &d.YAML, &d.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: read kpi definitions: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteKPIDefinition removes one of the tenant's own definitions.
func DeleteKPIDefinition(ctx context.Context, db *sql.DB, tenant, id string) error {
	res, err := db.ExecContext(ctx, `DELETE FROM kpi_definitions WHERE tenant_id = $1 AND kpi_id = $2`, tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete kpi %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: tenant %s has no KPI %q of its own", tenant, id)
	}
	return nil
}
