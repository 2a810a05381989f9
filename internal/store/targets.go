package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"
)

// TargetRow is one stored target version (the target package gives it meaning).
type TargetRow struct {
	ID            string
	KPI           string
	Scope         map[string]string // country, platform, store, category, warehouse, carrier
	Event         string
	Value         *float64
	Yellow        float64
	EffectiveFrom time.Time
	Source, Note  string
	CreatedAt     time.Time
	CreatedBy     string
}

var targetScope = []string{"country", "platform", "store", "category", "warehouse", "carrier"}

// AddTargets appends target versions in one transaction; history is never rewritten.
func AddTargets(ctx context.Context, db *sql.DB, tenant string, rows []TargetRow) error {
	if err := ValidTenant(tenant); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	for _, r := range rows {
		for d := range r.Scope {
			if !contains(targetScope, d) {
				return fmt.Errorf("store: target %s: unknown scope dimension %q", r.KPI, d)
			}
		}
		if (r.Value != nil && !finite(*r.Value)) || !finite(r.Yellow) || r.Yellow < 0 {
			return fmt.Errorf("store: target %s: value and yellow band must be finite numbers (yellow not negative)", r.KPI)
		}
		args := []any{tenant, randomHex(12), r.KPI}
		for _, d := range targetScope {
			args = append(args, nullable(r.Scope[d]))
		}
		var value any
		if r.Value != nil {
			value = *r.Value
		}
		args = append(args, nullable(r.Event), value, r.Yellow, r.EffectiveFrom.Format(time.DateOnly), r.Source, r.Note, now, r.CreatedBy)
		if _, err := tx.ExecContext(ctx, `INSERT INTO targets (tenant_id, target_id, kpi_id, country, platform, store, category,
			warehouse, carrier, event, value, yellow, effective_from, source, note, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CAST($13 AS DATE), $14, $15, $16, $17)`, args...); err != nil {
			return fmt.Errorf("store: save target %s: %w", r.KPI, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Targets returns every target version of the tenant, oldest first.
func Targets(ctx context.Context, db *sql.DB, tenant string) ([]TargetRow, error) {
	rows, err := db.QueryContext(ctx, `SELECT target_id, kpi_id, country, platform, store, category, warehouse, carrier,
		event, value, yellow, effective_from, source, note, created_at, created_by
		FROM targets WHERE tenant_id = $1 ORDER BY created_at, target_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: read targets: %w", err)
	}
	defer rows.Close()
	var out []TargetRow
	for rows.Next() {
		var r TargetRow
		scope := make([]sql.NullString, len(targetScope))
		var event sql.NullString
		var value sql.NullFloat64
		dest := []any{&r.ID, &r.KPI}
		for i := range scope {
			dest = append(dest, &scope[i])
		}
		dest = append(dest, &event, &value, &r.Yellow, &r.EffectiveFrom, &r.Source, &r.Note, &r.CreatedAt, &r.CreatedBy)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: read targets: %w", err)
		}
		r.Scope = map[string]string{}
		for i, d := range targetScope {
			if scope[i].Valid {
				r.Scope[d] = scope[i].String
			}
		}
		r.Event = event.String
		if value.Valid {
			v := value.Float64
			r.Value = &v
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// finite tells a number that can be stored, compared and written as JSON (not NaN or ±Inf).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
