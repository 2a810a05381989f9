// Package outbox delivers notifications exactly once per (tenant, message id), surviving
// restarts and channel outages: messages are rows of the outbox table in the store's own
// database (DuckDB or PostgreSQL), written with Enqueue — in the caller's transaction if it
// has one, so that an alert and its notification commit together — and sent by a Dispatcher
// that retries with backoff and gives up after MaxAttempts.
//
// # Claiming
//
// A dispatcher takes one due row at a time with a single UPDATE that sets a lease
// (claim_token, claimed_until = now + Lease) and counts the attempt, sends, and then records
// the outcome with an UPDATE that only matches while claim_token is still its own:
//
//   - PostgreSQL (any number of nodes): the UPDATE picks its row in a subquery with
//     FOR UPDATE SKIP LOCKED, so concurrent claimers never wait for nor take the same row;
//     one that read the row before another's claim committed re-checks it on the new version
//     (READ COMMITTED) and finds it leased. A committed lease keeps every other node off the
//     row until claimed_until.
//   - DuckDB (one process per file): the same UPDATE without the locking clause, which
//     DuckDB does not have. Claims on one database are serialised within the process (all
//     dispatchers on that *sql.DB), so each claim sees the previous one's lease. Even
//     without that, DuckDB's optimistic MVCC would fail the second of two concurrent claims
//     of a row with a write conflict rather than let both succeed.
//
// Each send is cut at Lease/2, so it ends well before its lease does and no other node can
// take the row while it is in flight. The one gap is a process that dies after the vendor
// accepted a message and before the outcome was written: once its lease expires the message
// is sent again (at least once, not at most once). Receivers that must not see a repeat can
// use the idempotency key (webhook X-Pulso-Message-Id, e-mail Message-ID). The nodes' clocks
// (Now) are compared through the table, so they must agree to well within Lease/2.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"pulso/internal/notify"
	"pulso/internal/store"
)

// Row states.
const (
	StatePending = "pending"
	StateSent    = "sent"
	StateDead    = "dead"
)

// MaxIDLen bounds a message id.
const MaxIDLen = 200

// Execer is what Enqueue writes through: a *sql.DB, or the caller's *sql.Tx or *sql.Conn.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

const insertSQL = `INSERT INTO outbox (tenant_id, message_id, channel, lang, title, body, link, mentions, fields,
	state, attempts, next_attempt_at, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $10, $10)
	ON CONFLICT (tenant_id, message_id) DO NOTHING`

// Enqueue queues messages for delivery, due now. It is idempotent by (tenant, id): a message
// already queued (pending, sent or dead) is left as it is. With a *sql.DB all messages are
// written in one transaction; with a *sql.Tx they commit or roll back with the caller's work.
// The row keeps the channel's name, never its configuration.
func Enqueue(ctx context.Context, db Execer, msgs ...notify.Message) error {
	rows := make([][]any, 0, len(msgs))
	seen := map[[2]string]bool{}
	now := time.Now().UTC()
	for _, m := range msgs {
		args, err := insertArgs(m, now)
		if err != nil {
			return err
		}
		k := [2]string{m.Tenant, m.ID}
		if seen[k] { // the first of a repeated id wins, as it would across calls
			continue
		}
		seen[k] = true
		rows = append(rows, args)
	}
	if len(rows) == 0 {
		return nil
	}
	sdb, ok := db.(*sql.DB)
	if !ok {
		return insert(ctx, db, rows)
	}
	err := insertTx(ctx, sdb, rows)
	if err != nil && duplicateKey(err) {
		// DuckDB reports a concurrent insert of the same key as a duplicate rather than
		// doing nothing; that row has committed now, so ON CONFLICT sees it.
		err = insertTx(ctx, sdb, rows)
	}
	return err
}

func insertTx(ctx context.Context, db *sql.DB, rows [][]any) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("outbox: begin: %w", err)
	}
	if err := insert(ctx, tx, rows); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("outbox: commit: %w", err)
	}
	return nil
}

func insert(ctx context.Context, db Execer, rows [][]any) error {
	for _, args := range rows {
		if _, err := db.ExecContext(ctx, insertSQL, args...); err != nil {
			return fmt.Errorf("outbox: enqueue %s/%s: %w", args[0], args[1], err)
		}
	}
	return nil
}

func duplicateKey(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "duplicate key") || strings.Contains(s, "primary key or unique constraint")
}

func insertArgs(m notify.Message, now time.Time) ([]any, error) {
	if err := store.ValidTenant(m.Tenant); err != nil {
		return nil, fmt.Errorf("outbox: message %q: %w", m.ID, err)
	}
	if m.ID == "" || len(m.ID) > MaxIDLen {
		return nil, fmt.Errorf("outbox: message id must be 1-%d bytes", MaxIDLen)
	}
	if m.Channel == "" {
		return nil, fmt.Errorf("outbox: message %s/%s names no channel", m.Tenant, m.ID)
	}
	if m.Title == "" && m.Text == "" {
		return nil, fmt.Errorf("outbox: message %s/%s has neither title nor text", m.Tenant, m.ID)
	}
	mentions := m.Mentions
	if mentions == nil {
		mentions = []string{}
	}
	fields := m.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	mj, err := json.Marshal(mentions)
	if err != nil {
		return nil, err
	}
	fj, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	return []any{m.Tenant, m.ID, m.Channel, m.Lang, m.Title, m.Text, m.Link, string(mj), string(fj), now}, nil
}

// Status is the delivery state of one message.
type Status struct {
	Tenant        string
	ID            string
	Channel       string
	State         string // pending, sent or dead
	Attempts      int
	NextAttemptAt time.Time
	LastError     string // redacted
	CreatedAt     time.Time
	SentAt        *time.Time
}

// Get returns the delivery state of a message; sql.ErrNoRows if it was never queued.
func Get(ctx context.Context, db *sql.DB, tenant, id string) (Status, error) {
	var s Status
	var lastErr sql.NullString
	var sent sql.NullTime
	err := db.QueryRowContext(ctx, `SELECT tenant_id, message_id, channel, state, attempts, next_attempt_at, last_error, created_at, sent_at
		FROM outbox WHERE tenant_id = $1 AND message_id = $2`, tenant, id).
		Scan(&s.Tenant, &s.ID, &s.Channel, &s.State, &s.Attempts, &s.NextAttemptAt, &lastErr, &s.CreatedAt, &sent)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return s, err
		}
		return s, fmt.Errorf("outbox: read %s/%s: %w", tenant, id, err)
	}
	s.LastError = lastErr.String
	s.NextAttemptAt, s.CreatedAt = s.NextAttemptAt.UTC(), s.CreatedAt.UTC()
	if sent.Valid {
		t := sent.Time.UTC()
		s.SentAt = &t
	}
	return s, nil
}

// Purge deletes sent and dead messages last changed before cutoff (retention: rows hold
// message text and mentions), and returns how many it deleted.
func Purge(ctx context.Context, db *sql.DB, cutoff time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM outbox WHERE state IN ('sent', 'dead') AND updated_at < $1`, cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("outbox: purge: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
