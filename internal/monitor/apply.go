package monitor

import (
	"context"
	"fmt"

	"pulso/internal/metric"
	"pulso/internal/secret"
	"pulso/internal/store"
)

// Applied is what Apply stored: the configuration (its secrets sealed) and how they were
// sealed.
type Applied struct {
	Config
	Sealed     int    // channel secrets stored sealed
	KeyID      string // the key that sealed them
	KeyCreated string // the key file created for them, when no key existed yet
}

// InvalidError is a document Apply refused: it does not check, or its secrets cannot be sealed
// or opened (no key, a wrong key). Its text names the document, entry and field, never a
// secret value; anything else Apply returns is a failure to store.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

// Apply checks and stores a tenant's alerting document (channels, contacts, owners, rules,
// silences), with its channel secrets sealed under the current key of keys (a key file is
// created on first use when none is configured). It is what `pulso alert apply` and the
// settings page's channel forms do. Errors start with name (the file, or the form) and point
// at what the user wrote; on any error nothing is stored.
func Apply(ctx context.Context, st store.Store, tenant string, cat *metric.Catalog, name string, src []byte, by string, keys secret.Source) (Applied, error) {
	out, body, err := check(tenant, cat, name, src, keys)
	if err != nil {
		return Applied{}, &InvalidError{Err: err}
	}
	return out, st.PutSetting(ctx, tenant, SettingName, string(body), by)
}

// check parses, seals and checks again what Apply stores.
func check(tenant string, cat *metric.Catalog, name string, src []byte, keys secret.Source) (Applied, []byte, error) {
	var out Applied
	exists := func(id string) bool { _, err := cat.Get(id); return err == nil }
	// Check the document as written first, so that errors point at what the user wrote.
	if _, err := ParseConfig(src, exists); err != nil {
		return out, nil, fmt.Errorf("%s: %w", name, err)
	}
	n, err := CountSecrets(src, tenant)
	if err != nil {
		return out, nil, fmt.Errorf("%s: %w", name, err)
	}
	body := src
	if n.Plain+len(n.ByKey) > 0 {
		kr, created, err := keys.LoadOrCreate()
		if err != nil {
			return out, nil, err
		}
		// Values the document already holds sealed must open for this tenant, and the opened
		// channels must check in full before anything is stored.
		opened, err := OpenSecrets(src, tenant, kr)
		if err != nil {
			return out, nil, fmt.Errorf("%s: %w", name, err)
		}
		if _, err := ParseConfig(opened, exists); err != nil {
			return out, nil, fmt.Errorf("%s: %w", name, err)
		}
		if body, err = SealSecrets(src, tenant, kr); err != nil {
			return out, nil, fmt.Errorf("%s: %w", name, err)
		}
		out.KeyID, out.KeyCreated = kr.Current(), created
	}
	if out.Config, err = ParseConfig(body, exists); err != nil {
		return out, nil, fmt.Errorf("%s: sealed: %w", name, err)
	}
	if sn, err := CountSecrets(body, tenant); err == nil {
		out.Sealed = sn.ByKey[out.KeyID]
	}
	return out, body, nil
}
