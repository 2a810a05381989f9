// Package privacy carries out a tenant's duties over the personal data it keeps in Pulso
// (LGPD and its Latin American peers): forgetting a buyer, retention of old records, and the
// export of everything the tenant stores. docs/privacy.md says what each does to the KPIs.
package privacy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"pulso/internal/record"
	"pulso/internal/store"
)

// Service forgets buyers, applies retention and exports tenants.
type Service struct {
	Store store.Store
	// Refresh keeps what is derived from records (the KPI rollups) in step with the records a
	// forget or a retention run changes, inside its transaction: metric.KeepRollups.
	Refresh func(ctx context.Context, tx *sql.Tx, b store.Batch, m store.Merged) error
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Actor is who asked, as the audit log keeps it.
type Actor struct {
	UserID, Login, IP string
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// freeText names the nullable columns whose text a buyer writes: cleared where they name a
// forgotten buyer, and by anonymising retention.
func freeText() map[string][]string {
	return map[string][]string{"returns": {"reason_text"}}
}

// MinBuyerID is the shortest raw buyer id Forget accepts: a shorter one would match
// unrelated attribute values ("1", "MX") as whole tokens.
const MinBuyerID = 4

// ForgetResult is what Forget did.
type ForgetResult struct {
	// Buyer is how the audit log names the forgotten buyer: a one-way digest of the
	// pseudonym, so that the log holds neither the raw id nor the pseudonym.
	Buyer   string         `json:"buyer"`
	Changes []store.Change `json:"changes"`
}

// Forget removes a buyer from every table of a tenant, found through its pseudonym (the
// tenant-keyed HMAC of the raw id that imports store as buyer_ref) and through the raw id and
// the pseudonym in text. In one transaction that imports wait for, it:
//   - replaces the buyer_ref of the buyer's orders with one random tombstone (the orders stay,
//     so GMV and order counts do not change; they can no longer be tied to the buyer) and
//     empties the attributes of those orders and of their lines, shipments, returns, tickets
//     and reviews;
//   - drops every attribute, in any record, that holds the raw id or the pseudonym, and clears
//     returns' reason_text where it does;
//   - refreshes the KPI rollups of the days those records count on;
//   - checks every text column of every table for the raw id and the pseudonym and gives up,
//     changing nothing, if either is still found;
//   - appends an audit entry (who, when, the digest of the pseudonym; never the raw id).
func (s *Service) Forget(ctx context.Context, tenant, rawID string, who Actor) (ForgetResult, error) {
	var res ForgetResult
	if err := store.ValidTenant(tenant); err != nil {
		return res, err
	}
	raw := strings.TrimSpace(rawID) // as imports read it
	if utf8.RuneCountInString(raw) < MinBuyerID {
		return res, fmt.Errorf("forget: --buyer must be the buyer's id as the source sends it, at least %d characters", MinBuyerID)
	}
	secret, err := s.Store.TenantSecret(ctx, tenant)
	if err != nil {
		return res, fmt.Errorf("forget: tenant key: %w", err)
	}
	pseudonym := record.Pseudonymise(secret, raw)
	res.Buyer = Digest(pseudonym)
	needles := []string{raw, pseudonym}
	at := s.now().UTC()
	err = s.Store.WithBatchLocks(ctx, tenant, record.Kinds(), func(ctx context.Context, tx *sql.Tx) error {
		changes, err := store.EraseBuyer(ctx, tx, record.Kinds(), store.Erasure{
			Tenant: tenant, Pseudonym: pseudonym, Tombstone: randomRef(), Needles: needles,
			FreeText: freeText(), At: at, AfterMerge: s.Refresh,
		})
		if err != nil {
			return err
		}
		traces, err := store.Traces(ctx, tx, tenant, needles)
		if err != nil {
			return err
		}
		if len(traces) > 0 {
			var where []string
			for _, t := range traces {
				where = append(where, fmt.Sprintf("%s.%s (%d rows)", t.Table, t.Column, t.Rows))
			}
			return fmt.Errorf("forget: the buyer is still named in %s, which forget does not rewrite (keys and the seller's own identifiers); nothing was changed",
				strings.Join(where, ", "))
		}
		res.Changes = changes
		detail := map[string]string{"buyer": res.Buyer}
		for _, c := range changes {
			detail[c.Table+": "+c.What] = fmt.Sprint(c.Rows)
		}
		return store.AppendAuditTx(ctx, tx, auditRow(tenant, at, who, "privacy.forget", "buyer:"+res.Buyer, detail))
	})
	if err != nil {
		return ForgetResult{}, err
	}
	return res, nil
}

// Digest is how audit entries name a buyer: SHA-256 of its pseudonym, first 128 bits. Whoever
// holds the raw id and the tenant key can recompute it to show the buyer was forgotten; it
// leads to no record.
func Digest(pseudonym string) string {
	h := sha256.Sum256([]byte("pulso forget\x00" + pseudonym))
	return hex.EncodeToString(h[:16])
}

// randomRef is a tombstone: shaped like a pseudonym, so KPIs count it as one more buyer, and
// drawn at random, so nothing leads from it to anyone.
func randomRef() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

func auditRow(tenant string, at time.Time, who Actor, action, object string, detail map[string]string) store.AuditRow {
	b, _ := json.Marshal(detail) // a map of strings always encodes
	return store.AuditRow{Tenant: tenant, At: at, UserID: who.UserID, Login: who.Login, Action: action, Object: object, Detail: string(b), IP: who.IP}
}

// Retention is a tenant's retention setting.
type Retention struct {
	// Months: records whose business date is more than this many months ago are expired;
	// 0 turns retention off.
	Months int `json:"months"`
	// Mode is Delete or Anonymise.
	Mode string `json:"mode"`
}

// Retention modes.
const (
	Delete    = "delete"
	Anonymise = "anonymise"
)

// MaxRetentionMonths bounds Retention.Months (100 years).
const MaxRetentionMonths = 1200

// RetentionSetting is the name of the tenant setting that holds Retention as JSON.
const RetentionSetting = "retention"

// Validate checks a retention setting and normalises its mode (the US spelling is accepted).
func (r *Retention) Validate() error {
	if r.Months < 0 || r.Months > MaxRetentionMonths {
		return fmt.Errorf("retention: months must be between 0 (off) and %d, not %d", MaxRetentionMonths, r.Months)
	}
	switch strings.ToLower(strings.TrimSpace(r.Mode)) {
	case Delete:
		r.Mode = Delete
	case Anonymise, "anonymize", "":
		r.Mode = Anonymise
	default:
		return fmt.Errorf("retention: mode must be delete or anonymise, not %q", r.Mode)
	}
	return nil
}

// ParseRetention reads a stored retention setting.
func ParseRetention(body string) (Retention, error) {
	var r Retention
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Retention{}, fmt.Errorf("retention setting: %w", err)
	}
	if dec.More() {
		return Retention{}, errors.New("retention setting: text after the JSON object")
	}
	if err := r.Validate(); err != nil {
		return Retention{}, err
	}
	return r, nil
}

// Retention returns a tenant's retention setting (off when none is set).
func (s *Service) Retention(ctx context.Context, tenant string) (Retention, error) {
	body, err := s.Store.Setting(ctx, tenant, RetentionSetting)
	if errors.Is(err, store.ErrNotFound) {
		return Retention{Mode: Anonymise}, nil
	}
	if err != nil {
		return Retention{}, err
	}
	return ParseRetention(body)
}

// SetRetention stores a tenant's retention setting and audits the change. It expires
// nothing by itself: ApplyRetention does, daily in `pulso serve`.
func (s *Service) SetRetention(ctx context.Context, tenant string, r Retention, who Actor) error {
	if err := r.Validate(); err != nil {
		return err
	}
	b, _ := json.Marshal(r) // two plain fields always encode
	if err := s.Store.PutSetting(ctx, tenant, RetentionSetting, string(b), who.Login); err != nil {
		return err
	}
	return s.Store.AppendAudit(ctx, auditRow(tenant, s.now().UTC(), who, "privacy.retention.set", "setting:"+RetentionSetting,
		map[string]string{"months": fmt.Sprint(r.Months), "mode": r.Mode}))
}

// RetentionResult is what ApplyRetention did.
type RetentionResult struct {
	Retention Retention      `json:"retention"`
	Before    string         `json:"before,omitempty"` // records dated earlier were expired (YYYY-MM-DD)
	Changes   []store.Change `json:"changes"`
}

// retentionRules are the kinds that describe a buyer's dealings and their business dates, an
// order's lines before their order (they follow its date). Stock, ads, traffic, purchase
// orders, platform scores and exchange rates hold no buyer data and are kept.
func retentionRules() ([]store.ExpiryRule, error) {
	cat := record.NewCatalog()
	kind := func(name string) *record.Kind {
		k, _ := cat.Kind(name) // the names below are the contract's
		return k
	}
	rules := []store.ExpiryRule{
		{Kind: kind("order_items"), Parent: kind("orders"), Dates: []string{"created_at_local"}},
		{Kind: kind("orders"), Dates: []string{"created_at_local"}},
		{Kind: kind("shipments"), Dates: []string{"handed_over_at_local", "departed_origin_at_local", "arrived_destination_at_local",
			"customs_submitted_at_local", "customs_cleared_at_local", "out_for_delivery_at_local", "delivered_at_local",
			"lost_at_local", "returned_to_sender_at_local"}},
		{Kind: kind("returns"), Dates: []string{"requested_at_local"}},
		{Kind: kind("tickets"), Dates: []string{"created_at_local"}},
		{Kind: kind("reviews"), Dates: []string{"created_at_local"}},
		{Kind: kind("nps_responses"), Dates: []string{"responded_at_local"}},
	}
	for _, r := range rules {
		if r.Kind == nil || (r.Parent == nil && len(r.Dates) == 0) {
			return nil, errors.New("retention: a rule names a kind the contract lacks")
		}
	}
	return rules, nil
}

// Cutoff is the first day retention keeps: today (UTC) minus months, on the same day of the
// month or the month's last day.
func Cutoff(today time.Time, months int) time.Time {
	y, m, d := today.UTC().Date()
	first := time.Date(y, m-time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, time.UTC)
}

// ApplyRetention expires a tenant's records older than its retention setting (nothing when it
// is off), in one transaction that imports wait for, refreshes the KPI rollups of the days
// concerned and audits what it did.
func (s *Service) ApplyRetention(ctx context.Context, tenant string, who Actor) (RetentionResult, error) {
	r, err := s.Retention(ctx, tenant)
	if err != nil {
		return RetentionResult{}, err
	}
	res := RetentionResult{Retention: r}
	if r.Months == 0 {
		return res, nil
	}
	rules, err := retentionRules()
	if err != nil {
		return res, err
	}
	at := s.now().UTC()
	before := Cutoff(at, r.Months)
	res.Before = before.Format(time.DateOnly)
	err = s.Store.WithBatchLocks(ctx, tenant, record.Kinds(), func(ctx context.Context, tx *sql.Tx) error {
		changes, err := store.ExpireRecords(ctx, tx, store.Expiry{Tenant: tenant, Before: before, Delete: r.Mode == Delete,
			Rules: rules, FreeText: freeText(), At: at, AfterMerge: s.Refresh})
		if err != nil {
			return err
		}
		res.Changes = changes
		if len(changes) == 0 {
			return nil
		}
		detail := map[string]string{"months": fmt.Sprint(r.Months), "mode": r.Mode, "before": res.Before}
		for _, c := range changes {
			detail[c.Table] = fmt.Sprint(c.Rows)
		}
		return store.AppendAuditTx(ctx, tx, auditRow(tenant, at, who, "privacy.retention", "records", detail))
	})
	if err != nil {
		return RetentionResult{}, fmt.Errorf("retention of %s: %w", tenant, err)
	}
	sort.SliceStable(res.Changes, func(i, j int) bool { return res.Changes[i].Table < res.Changes[j].Table })
	return res, nil
}
