// Package store defines the storage interface that the rest of Pulso depends on, and the SQL
// that both engines share for atomic, idempotent batches.
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"pulso/internal/record"
)

// Engine names a storage engine.
type Engine string

const (
	DuckDB   Engine = "duckdb"
	Postgres Engine = "postgres"
)

// Store keeps canonical records per tenant. Implementations: store/duckdb, store/postgres.
type Store interface {
	Engine() Engine
	// Migrate applies the embedded migrations that are not applied yet.
	Migrate(ctx context.Context) error
	// TenantSecret returns the tenant's pseudonymisation key, generating and keeping it on first use.
	TenantSecret(ctx context.Context, tenant string) ([]byte, error)
	// Apply stores one batch atomically: every row of src or none. The last row of a key wins.
	// If src fails, nothing is changed and the error is returned as is.
	Apply(ctx context.Context, b Batch, src RowSource) (Counts, error)
	// Sources reports stored rows and the last import per kind and source.
	Sources(ctx context.Context, tenant string) ([]Source, error)
	// LastImports reports the last import per kind and source, without row counts (Rows -1).
	LastImports(ctx context.Context, tenant string) ([]Source, error)
	// KPIDefinitions, PutKPIDefinitions and DeleteKPIDefinition keep a tenant's own KPIs.
	KPIDefinitions(ctx context.Context, tenant string) ([]KPIDefinition, error)
	PutKPIDefinitions(ctx context.Context, tenant string, defs []KPIDefinition) error
	DeleteKPIDefinition(ctx context.Context, tenant, id string) error
	// AddTargets appends target versions; Targets lists them (oldest first).
	AddTargets(ctx context.Context, tenant string, rows []TargetRow) error
	Targets(ctx context.Context, tenant string) ([]TargetRow, error)
	// Setting and PutSetting keep named settings documents per tenant (e.g. "alerting").
	Setting(ctx context.Context, tenant, name string) (string, error)
	PutSetting(ctx context.Context, tenant, name, body, by string) error
	// Alerts lists alerts by state; SaveAlerts upserts and deletes them in one transaction.
	Alerts(ctx context.Context, tenant string, states ...string) ([]AlertRow, error)
	SaveAlerts(ctx context.Context, tenant string, save []AlertRow, drop []string) error
	// WithBatchLock runs fn in one transaction that batches of (tenant, kind) wait for
	// (e.g. to rebuild the KPI rollups of a kind).
	WithBatchLock(ctx context.Context, tenant string, kind *record.Kind, fn func(ctx context.Context, tx *sql.Tx) error) error
	// WithBatchLocks is WithBatchLock over several kinds at once, given in record.Kinds'
	// order (privacy: forgetting a buyer, retention; store/privacy.go).
	WithBatchLocks(ctx context.Context, tenant string, kinds []*record.Kind, fn func(ctx context.Context, tx *sql.Tx) error) error
	// DB is the read side for the metric layer's generated queries.
	DB() *sql.DB
	Close() error
	// Users, sessions, API tokens and the audit log (store/auth.go; the auth package gives
	// them meaning). Sessions and tokens are found by the SHA-256 of their secret alone.
	CreateUser(ctx context.Context, tenant string, u UserRow) error
	UpdateUser(ctx context.Context, tenant string, u UserRow) error
	SetPasswordHash(ctx context.Context, tenant, userID, hash string, at time.Time) error
	User(ctx context.Context, tenant, id string) (UserRow, error)
	UserByLogin(ctx context.Context, tenant, login string) (UserRow, error)
	Users(ctx context.Context, tenant string) ([]UserRow, error)
	CreateSession(ctx context.Context, s SessionRow) error
	SessionByHash(ctx context.Context, hash string) (SessionRow, error)
	TouchSession(ctx context.Context, tenant, hash string, at time.Time) error
	RevokeSession(ctx context.Context, tenant, hash string, at time.Time) error
	RevokeUserSessions(ctx context.Context, tenant, userID string, at time.Time) error
	CreateAPIToken(ctx context.Context, t APITokenRow) error
	APITokenByHash(ctx context.Context, hash string) (APITokenRow, error)
	APITokens(ctx context.Context, tenant string) ([]APITokenRow, error)
	TouchAPIToken(ctx context.Context, tenant, id string, at time.Time) error
	RevokeAPIToken(ctx context.Context, tenant, id string, at time.Time) error
	AppendAudit(ctx context.Context, a AuditRow) error
	AuditLog(ctx context.Context, tenant string, limit int) ([]AuditRow, error)
}

// Batch describes one batch (a file, a push, a sync page).
type Batch struct {
	Tenant string
	Kind   *record.Kind
	Source string // where the rows came from: "upload", a connector, an ERP name
	File   string // file name, if any
	// Guard, if set, refuses the batch when a row or a stored row it would replace lies
	// outside the writer's countries or platforms (a ScopeError).
	Guard *WriteGuard
	// AfterMerge, if set, runs inside the batch's transaction after its rows are merged and
	// before the commit (e.g. to refresh the KPI rollups of the days the batch touched). An
	// error rolls the whole batch back.
	AfterMerge func(ctx context.Context, tx *sql.Tx, b Batch, m Merged) error
}

// Merged describes a merged batch to Batch.AfterMerge.
type Merged struct {
	// Stage is the staging table holding the batch (one row per key, Kind.Stored() columns),
	// readable on the transaction.
	Stage string
	// IngestedAt is the ingested_at of every row the batch inserted or changed.
	IngestedAt time.Time
	// Days holds, per stored DATE column (dates and the local dates of timestamps), the range
	// of that column over the rows the batch inserted or changed and the rows it replaced. A
	// column without such a date is absent.
	Days map[string]DateRange
}

// DateRange is an inclusive range of dates.
type DateRange struct{ From, To time.Time }

// Union is the smallest range holding both r and o.
func (r DateRange) Union(o DateRange) DateRange {
	if o.From.Before(r.From) {
		r.From = o.From
	}
	if o.To.After(r.To) {
		r.To = o.To
	}
	return r
}

// RowSource yields stored rows aligned to Kind.Stored(); io.EOF ends it.
type RowSource interface {
	Next() ([]any, error)
	// Read and Rejected are the rows read and rejected so far (final after io.EOF).
	Read() int64
	Rejected() int64
}

// Counts is the outcome of a batch. Inserted + Updated + Unchanged = distinct keys applied.
type Counts struct {
	Read, Inserted, Updated, Unchanged, Rejected int64
}

// Source is one line of `pulso sources`.
type Source struct {
	Kind         string     `json:"kind"`
	Source       string     `json:"source"`
	Rows         int64      `json:"rows"`
	LastImportAt *time.Time `json:"last_import_at"`
}

// ErrTenant is returned for an empty or malformed tenant id.
var ErrTenant = errors.New("tenant id must be 1-64 characters of a-z, 0-9, '-' or '_'")

// ValidTenant checks a tenant id.
func ValidTenant(t string) error {
	if len(t) == 0 || len(t) > 64 {
		return ErrTenant
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return ErrTenant
		}
	}
	return nil
}
