// Package secret seals short secrets (webhook tokens, passwords, API keys) for storage with
// keys kept outside the database, so that a copy of the database leaks none of them.
//
// Sealing is envelope encryption with AES-256-GCM: every value gets a fresh random data key,
// the value is encrypted with the data key, and the data key is encrypted (wrapped) with the
// key-encryption key the operator provides. The sealed text names that key by its id, so
// several keys can be configured at once (the current one seals, old ones still open) and a
// rotation re-seals everything under the current key. The associated data of both layers
// binds a sealed value to its tenant and field: a value copied into another tenant's document
// or another field does not open.
//
// The sealed form is text that fits in any YAML or JSON document:
//
//	enc:v1:<key id>:<base64url(wrap nonce | wrapped data key | nonce | ciphertext)>
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Prefix starts every sealed value.
const Prefix = "enc:v1:"

const (
	keySize   = 32 // AES-256
	nonceSize = 12 // GCM standard nonce
	tagSize   = 16
	wrapped   = nonceSize + keySize + tagSize // wrap nonce + data key sealed under the KEK
	minSealed = wrapped + nonceSize + tagSize // an empty plaintext
	idLen     = 8                             // hex characters of a key id
)

// Errors callers may test with errors.Is.
var (
	// ErrNoKey: no key is configured at all.
	ErrNoKey = errors.New("no secret key is configured")
	// ErrUnknownKey: the value was sealed with a key that is not configured (removed too early, or another installation's).
	ErrUnknownKey = errors.New("the key it was sealed with is not configured")
	// ErrOpen: the key is there but the value does not open: tampered with, or copied from another tenant or field.
	ErrOpen = errors.New("does not decrypt: tampered with, or copied from another tenant or field")
	// ErrMalformed: the text starts like a sealed value but is not one.
	ErrMalformed = errors.New("is not a well-formed sealed value (" + Prefix + "<key id>:<base64>)")
)

// Binding is what a sealed value is bound to (its associated data): the tenant that owns it
// and the field that holds it, e.g. "alerting/channels/ops/dingtalk/url".
type Binding struct {
	Tenant string
	Field  string
}

// ad encodes the binding unambiguously: each part is length-prefixed.
func (b Binding) ad() []byte {
	var s strings.Builder
	s.WriteString("pulso secret v1")
	for _, p := range []string{b.Tenant, b.Field} {
		fmt.Fprintf(&s, "\x00%d:%s", len(p), p)
	}
	return []byte(s.String())
}

// Key is one 32-byte key-encryption key and its id.
type Key struct {
	id       string
	material []byte
}

// ID is the key's id: the first 8 hex characters of a SHA-256 of the key, so that ids need
// no naming and the same key has the same id wherever it is configured.
func (k Key) ID() string { return k.id }

// String shows the id only.
func (k Key) String() string { return "key " + k.id }

// GoString is String, so that %#v shows no key material either.
func (k Key) GoString() string { return k.String() }

func newKey(material []byte) Key {
	sum := sha256.Sum256(append([]byte("pulso secret key id\x00"), material...))
	return Key{id: hex.EncodeToString(sum[:])[:idLen], material: material}
}

// ParseKey reads a key written as 64 hex characters or as base64 (standard or URL alphabet,
// padded or not) of 32 bytes. Errors never quote the text.
func ParseKey(text string) (Key, error) {
	text = strings.TrimSpace(text)
	if len(text) == 2*keySize {
		if b, err := hex.DecodeString(text); err == nil {
			return newKey(b), nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil {
			if len(b) != keySize {
				return Key{}, fmt.Errorf("a key must be 32 bytes, this one is %d", len(b))
			}
			return newKey(b), nil
		}
	}
	return Key{}, fmt.Errorf("a key must be 32 bytes written as 64 hex characters or as base64 (%d characters given)", utf8.RuneCountInString(text))
}

// NewKey returns a fresh random key, written as base64 (what ParseKey reads).
func NewKey() (string, error) {
	b := make([]byte, keySize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("secret: new key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Keyring is the configured keys: the current one seals, every one opens what was sealed
// with it. The zero Keyring (and a nil one) has no key: it seals nothing and opens nothing.
type Keyring struct {
	keys    []Key
	current bool // keys[0] is the current key (false: old keys only, nothing seals)
}

// NewKeyring returns a keyring whose current key is current; old keys only open. A key given
// twice is kept once.
func NewKeyring(current Key, old ...Key) *Keyring {
	r := oldKeys(append([]Key{current}, old...))
	r.current = len(r.keys) > 0 && r.keys[0].id == current.id
	return r
}

// oldKeys returns a keyring that opens with keys but has no current key.
func oldKeys(keys []Key) *Keyring {
	r := &Keyring{}
	for _, k := range keys {
		if k.material == nil || r.key(k.id) != nil {
			continue
		}
		r.keys = append(r.keys, k)
	}
	return r
}

// Current is the id of the key that seals, or "" when there is none.
func (r *Keyring) Current() string {
	if r == nil || !r.current {
		return ""
	}
	return r.keys[0].id
}

// IDs lists the configured key ids, the current one first.
func (r *Keyring) IDs() []string {
	if r == nil {
		return nil
	}
	out := make([]string, len(r.keys))
	for i, k := range r.keys {
		out[i] = k.id
	}
	return out
}

// Has tells whether a key id is configured.
func (r *Keyring) Has(id string) bool { return r.key(id) != nil }

func (r *Keyring) key(id string) *Key {
	if r == nil {
		return nil
	}
	for i := range r.keys {
		if r.keys[i].id == id {
			return &r.keys[i]
		}
	}
	return nil
}

// Seal encrypts plain under the current key, bound to b.
func (r *Keyring) Seal(plain string, b Binding) (string, error) {
	if r.Current() == "" {
		return "", ErrNoKey
	}
	k := r.keys[0]
	ad := b.ad()
	dek := make([]byte, keySize)
	buf := make([]byte, 2*nonceSize)
	if _, err := rand.Read(dek); err != nil {
		return "", fmt.Errorf("secret: random data key: %w", err)
	}
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("secret: random nonce: %w", err)
	}
	kek, err := gcm(k.material)
	if err != nil {
		return "", err
	}
	data, err := gcm(dek)
	if err != nil {
		return "", err
	}
	wrapNonce, nonce := buf[:nonceSize:nonceSize], buf[nonceSize:2*nonceSize:2*nonceSize]
	out := make([]byte, 0, minSealed+len(plain))
	out = append(out, wrapNonce...)
	out = kek.Seal(out, wrapNonce, dek, ad)
	out = append(out, nonce...)
	out = data.Seal(out, nonce, []byte(plain), ad)
	return Prefix + k.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed value bound to b. Errors say why (ErrNoKey, ErrUnknownKey naming
// the key id, ErrOpen, ErrMalformed) and never quote the value.
func (r *Keyring) Open(sealed string, b Binding) (string, error) {
	id, payload, err := split(sealed)
	if err != nil {
		return "", err
	}
	if r == nil || len(r.keys) == 0 {
		return "", fmt.Errorf("sealed with key %s: %w", id, ErrNoKey)
	}
	k := r.key(id)
	if k == nil {
		return "", fmt.Errorf("sealed with key %s: %w (configured: %s)", id, ErrUnknownKey, strings.Join(r.IDs(), ", "))
	}
	ad := b.ad()
	kek, err := gcm(k.material)
	if err != nil {
		return "", err
	}
	dek, err := kek.Open(nil, payload[:nonceSize], payload[nonceSize:wrapped], ad)
	if err != nil {
		return "", fmt.Errorf("sealed with key %s: %w", id, ErrOpen)
	}
	data, err := gcm(dek)
	if err != nil {
		return "", err
	}
	rest := payload[wrapped:]
	plain, err := data.Open(nil, rest[:nonceSize], rest[nonceSize:], ad)
	if err != nil {
		return "", fmt.Errorf("sealed with key %s: %w", id, ErrOpen)
	}
	return string(plain), nil
}

// IsSealed tells whether s is meant as a sealed value (it may still be malformed).
func IsSealed(s string) bool { return strings.HasPrefix(s, Prefix) }

// KeyID returns the id of the key a sealed value names, or an error if it is malformed.
func KeyID(sealed string) (string, error) {
	id, _, err := split(sealed)
	return id, err
}

func split(sealed string) (id string, payload []byte, err error) {
	rest, ok := strings.CutPrefix(sealed, Prefix)
	if !ok {
		return "", nil, ErrMalformed
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok || len(id) != idLen || strings.Trim(id, "0123456789abcdef") != "" {
		return "", nil, ErrMalformed
	}
	payload, err = base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(payload) < minSealed {
		return "", nil, ErrMalformed
	}
	return id, payload, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return a, nil
}

// Mask shows a secret the way a settings page may: "••••" and, for a plain value of at least
// 12 characters, its last 4 (so that two values can be told apart without revealing either).
// A sealed value shows as "••••" only; "" stays "".
func Mask(s string) string {
	switch {
	case s == "":
		return ""
	case IsSealed(s):
		return "••••"
	}
	r := []rune(s)
	if len(r) < 12 {
		return "••••"
	}
	return "••••" + string(r[len(r)-4:])
}
