package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned when a named row does not exist.
var ErrNotFound = errors.New("not found")

// Setting returns a tenant's settings document by name, or ErrNotFound.
func Setting(ctx context.Context, db *sql.DB, tenant, name string) (string, error) {
	var body string
	err := db.QueryRowContext(ctx, `SELECT body FROM settings WHERE tenant_id = $1 AND name = $2`, tenant, name).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: read setting %s: %w", name, err)
	}
	return body, nil
}

// PutSetting replaces a tenant's settings document.
func PutSetting(ctx context.Context, db *sql.DB, tenant, name, body, by string) error {
	if err := ValidTenant(tenant); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE tenant_id = $1 AND name = $2`, tenant, name); err != nil {
		return fmt.Errorf("store: save setting %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (tenant_id, name, body, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)`,
		tenant, name, body, time.Now().UTC(), by); err != nil {
		return fmt.Errorf("store: save setting %s: %w", name, err)
	}
	return tx.Commit()
}

// AlertRow is a stored alert: its JSON body and the columns filtered on.
type AlertRow struct {
	ID, Fingerprint, State, KPI string
	Body                        string
	UpdatedAt                   time.Time
}

// Alerts lists a tenant's alerts in the given states (all when none), newest first.
func Alerts(ctx context.Context, db *sql.DB, tenant string, states ...string) ([]AlertRow, error) {
	q := `SELECT alert_id, fingerprint, state, kpi_id, body, updated_at FROM alerts WHERE tenant_id = $1`
	args := []any{tenant}
	if len(states) > 0 {
		q += " AND state IN ("
		for i, s := range states {
			if i > 0 {
				q += ", "
			}
			args = append(args, s)
			q += fmt.Sprintf("$%d", len(args))
		}
		q += ")"
	}
	rows, err := db.QueryContext(ctx, q+" ORDER BY updated_at DESC, alert_id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: read alerts: %w", err)
	}
	defer rows.Close()
	var out []AlertRow
	for rows.Next() {
		var a AlertRow
		if err := rows.Scan(&a.ID, &a.Fingerprint, &a.State, &a.KPI, &a.Body, &a.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: read alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SaveAlerts upserts alerts by id and deletes the ids in drop, in one transaction.
func SaveAlerts(ctx context.Context, db *sql.DB, tenant string, save []AlertRow, drop []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if err := SaveAlertsTx(ctx, tx, tenant, save, drop); err != nil {
		return err
	}
	return tx.Commit()
}

// SaveAlertsTx is SaveAlerts in the caller's transaction, for work that must commit with it
// (the messages an evaluation queues about the alerts).
func SaveAlertsTx(ctx context.Context, tx *sql.Tx, tenant string, save []AlertRow, drop []string) error {
	now := time.Now().UTC()
	for _, id := range drop {
		if _, err := tx.ExecContext(ctx, `DELETE FROM alerts WHERE tenant_id = $1 AND alert_id = $2`, tenant, id); err != nil {
			return fmt.Errorf("store: delete alert: %w", err)
		}
	}
	for _, a := range save {
		if a.ID == "" {
			a.ID = randomHex(12)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM alerts WHERE tenant_id = $1 AND alert_id = $2`, tenant, a.ID); err != nil {
			return fmt.Errorf("store: save alert: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO alerts (tenant_id, alert_id, fingerprint, state, kpi_id, body, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, tenant, a.ID, a.Fingerprint, a.State, a.KPI, a.Body, now); err != nil {
			return fmt.Errorf("store: save alert: %w", err)
		}
	}
	return nil
}
