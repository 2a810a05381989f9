package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pulso/internal/store"
)

// Entry is one line of the audit log: who did what to which object, from where.
type Entry struct {
	Tenant string            `json:"tenant"`
	At     time.Time         `json:"at"`
	UserID string            `json:"user_id"` // "" for an unknown login or the system
	Login  string            `json:"login"`   // the login at the time (or the one tried)
	Action string            `json:"action"`  // "login", "login_failed", "logout", "user.create", "target.edit"...
	Object string            `json:"object"`  // what was acted on: "user:<id>", "token:<id>", "kpi:<id>"...
	Detail map[string]string `json:"detail,omitempty"`
	IP     string            `json:"ip"`
}

// secretWords in a detail key ("password", "newPassword", "api_key"...) mark its value as one
// never kept, unless the key only names or identifies the secret ("token_id", "tokenName").
var secretWords = []string{"password", "passwd", "secret", "token", "hash", "cookie", "authorization", "credential", "apikey"}

func secretKey(k string) bool {
	k = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, k)
	if strings.HasSuffix(k, "id") || strings.HasSuffix(k, "name") {
		return false
	}
	return k == "pwd" || k == "pass" || slices.ContainsFunc(secretWords, func(w string) bool { return strings.Contains(k, w) })
}

// secretValue matches secrets that could sit in any value: API tokens and password hashes.
var secretValue = regexp.MustCompile(`pulso_[A-Za-z0-9_-]{20,}|\$argon2[a-z]*\$[^\s"]*`)

const maxDetailValue = 1000

// scrub returns detail without secrets: values of secret-sounding keys and anything shaped
// like a token or hash are masked, long values cut.
func scrub(detail map[string]string) map[string]string {
	if len(detail) == 0 {
		return nil
	}
	out := make(map[string]string, len(detail))
	for k, v := range detail {
		switch {
		case secretKey(k):
			v = masked
		default:
			v = secretValue.ReplaceAllString(v, masked)
			if utf8.RuneCountInString(v) > maxDetailValue {
				v = string([]rune(v)[:maxDetailValue]) + "…"
			}
		}
		out[k] = v
	}
	return out
}

// Audit appends an entry to the log (At defaults to now). Secrets in Detail are masked. The
// service audits sign-in and sign-out itself; the web layer audits the changes it makes
// (users, tokens, targets, KPI definitions, channels, settings), since it knows who acted.
func (s *Service) Audit(ctx context.Context, e Entry) error {
	if e.Action == "" {
		return invalid("action", "an audit entry needs an action")
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	detail, err := json.Marshal(scrub(e.Detail))
	if err != nil {
		return fmt.Errorf("audit: encode detail: %w", err)
	}
	if string(detail) == "null" {
		detail = []byte("{}")
	}
	err = s.Store.AppendAudit(ctx, store.AuditRow{Tenant: e.Tenant, At: e.At.UTC(), UserID: e.UserID,
		Login: secretValue.ReplaceAllString(e.Login, masked), Action: e.Action,
		Object: secretValue.ReplaceAllString(e.Object, masked), Detail: string(detail), IP: e.IP})
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// DefaultAuditLimit and MaxAuditLimit bound AuditLog.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// AuditLog returns a tenant's latest entries, newest first: limit of them (DefaultAuditLimit
// when 0 or less, at most MaxAuditLimit).
func (s *Service) AuditLog(ctx context.Context, tenant string, limit int) ([]Entry, error) {
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	limit = min(limit, MaxAuditLimit)
	rows, err := s.Store.AuditLog(ctx, tenant, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		e := Entry{Tenant: r.Tenant, At: r.At, UserID: r.UserID, Login: r.Login, Action: r.Action, Object: r.Object, IP: r.IP}
		if err := json.Unmarshal([]byte(r.Detail), &e.Detail); err != nil {
			return nil, fmt.Errorf("audit log: entry %s has unreadable detail: %w", r.ID, err)
		}
		if len(e.Detail) == 0 {
			e.Detail = nil
		}
		out[i] = e
	}
	return out, nil
}
