// Package auth decides who may do what in Pulso: users with roles and scopes, passwords,
// browser sessions, API tokens, login rate limiting and the audit log.
package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"pulso/internal/store"
)

// Role is what a user may do; Scopes say on which data.
type Role string

const (
	Admin   Role = "admin"   // everything, including users, channels and settings
	Manager Role = "manager" // an analyst's rights plus targets, alert ack/silence and KPI definitions
	Analyst Role = "analyst" // read, export and import
	Viewer  Role = "viewer"  // read
)

// Roles lists the roles from most to least powerful.
var Roles = []Role{Admin, Manager, Analyst, Viewer}

// Valid tells whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Action is something a role may be allowed to do.
type Action string

const (
	View           Action = "view"
	Export         Action = "export"
	Import         Action = "import"
	AckAlert       Action = "ack_alert"
	Silence        Action = "silence"
	EditTargets    Action = "edit_targets"
	EditKPIs       Action = "edit_kpis"
	ManageUsers    Action = "manage_users"
	ManageChannels Action = "manage_channels"
	ViewAudit      Action = "view_audit"
)

// Actions lists every action.
var Actions = []Action{View, Export, Import, AckAlert, Silence, EditTargets, EditKPIs, ManageUsers, ManageChannels, ViewAudit}

// grants is the permission table. Settings (alerting rules, owners, retention) go with
// ManageChannels: both are the tenant's configuration, which only an admin changes.
var grants = map[Role][]Action{
	Admin:   Actions,
	Manager: {View, Export, Import, AckAlert, Silence, EditTargets, EditKPIs},
	Analyst: {View, Export, Import},
	Viewer:  {View},
}

// Can tells whether role may perform action; unknown roles and actions may do nothing.
func Can(role Role, action Action) bool {
	return slices.Contains(grants[role], action)
}

// Langs are the interface languages a user may choose; "" follows the browser.
var Langs = []string{"zh-CN", "es", "pt-BR", "en"}

// Currencies are the currencies a user may read money in: US dollars, yuan, or "local", each
// country's own; "" is the default (US dollars).
var Currencies = []string{"USD", "CNY", "local"}

// User is a person (or an integration acting through a token) of one tenant. The password
// hash stays in the store and never appears here.
type User struct {
	ID        string    `json:"id"`
	Tenant    string    `json:"tenant"`
	Login     string    `json:"login"` // lower-cased e-mail or name, unique per tenant
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Lang      string    `json:"lang"`     // one of Langs, "" = from the browser
	Currency  string    `json:"currency"` // one of Currencies, "" = USD
	Scopes    Scopes    `json:"scopes"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	// LastLoginAt is when the user last signed in (opened a session), nil if never; it is
	// read, never written, through User.
	LastLoginAt *time.Time `json:"last_login_at"`
}

// Can tells whether the user may perform action (a disabled user may do nothing).
func (u User) Can(action Action) bool { return !u.Disabled && Can(u.Role, action) }

// Errors a caller tells apart (with errors.Is). Their texts are fit to show a user and never
// say whether a login exists.
var (
	ErrBadCredentials = errors.New("wrong login or password")
	ErrLocked         = errors.New("too many failed sign-ins; try again later")
	ErrDisabled       = errors.New("this account is disabled")
	ErrNoSession      = errors.New("not signed in")
	ErrSessionExpired = fmt.Errorf("session expired: %w", ErrNoSession)
	ErrBadToken       = errors.New("invalid or revoked API token")
	ErrLoginTaken     = errors.New("login already in use")
	ErrInvalid        = errors.New("invalid")
	ErrNotFound       = store.ErrNotFound
)

// LockedError is ErrLocked with the time the lock ends.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string        { return ErrLocked.Error() }
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// FieldError says which field of a user (or password) is not acceptable; it is ErrInvalid.
// Rule, when set, names the rule broken (the Rule* constants of passwords), so that a caller
// can say it in the user's language.
type FieldError struct{ Field, Rule, Message string }

func (e *FieldError) Error() string        { return e.Field + ": " + e.Message }
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Secret is a session or API token as given to its holder. It prints and logs masked, so that
// a struct holding one can be logged by mistake without leaking it; use string(s) to send it.
type Secret string

const masked = "xxxxx"

func (Secret) String() string               { return masked }
func (Secret) GoString() string             { return masked }
func (Secret) LogValue() slog.Value         { return slog.StringValue(masked) }
func (Secret) MarshalText() ([]byte, error) { return []byte(masked), nil }
