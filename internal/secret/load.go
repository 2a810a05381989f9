package secret

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The environment variables that configure the keys.
const (
	// EnvKey holds the current key (hex or base64 of 32 bytes).
	EnvKey = "PULSO_SECRET_KEY"
	// EnvOldKeys holds old keys, comma-separated, that still open what they sealed.
	EnvOldKeys = "PULSO_SECRET_KEY_OLD"
	// EnvKeyFile names the key file (one key a line, the current one first).
	EnvKeyFile = "PULSO_SECRET_KEY_FILE"
)

// Source says where the keys come from: $PULSO_SECRET_KEY, or else the key file
// ($PULSO_SECRET_KEY_FILE, or else DefaultFile), plus the old keys of $PULSO_SECRET_KEY_OLD.
type Source struct {
	Getenv      func(string) string // os.Getenv, or a test's map
	DefaultFile string              // the key file when $PULSO_SECRET_KEY_FILE is unset
}

// DefaultFile is where the key file lives unless $PULSO_SECRET_KEY_FILE says otherwise:
// $XDG_CONFIG_HOME/pulso/pulso.key (~/.config/pulso/pulso.key). It is kept apart from the
// database on purpose: a copy of the database directory carries no key.
func DefaultFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("secret: find the key file (set %s or %s): %w", EnvKey, EnvKeyFile, err)
	}
	return filepath.Join(dir, "pulso", "pulso.key"), nil
}

// File is the key file this source reads, or "" when $PULSO_SECRET_KEY is set.
func (s Source) File() string {
	if s.Getenv(EnvKey) != "" {
		return ""
	}
	if f := s.Getenv(EnvKeyFile); f != "" {
		return f
	}
	return s.DefaultFile
}

// Describe says where the current key comes from, for messages.
func (s Source) Describe() string {
	if f := s.File(); f != "" {
		return "key file " + f
	}
	return "$" + EnvKey
}

// Load returns the configured keys. With no key anywhere (no variable, no key file) the
// keyring is empty: documents without sealed values still work, and sealing says what to set.
func (s Source) Load() (*Keyring, error) {
	if s.Getenv(EnvKey) != "" && s.Getenv(EnvKeyFile) != "" {
		return nil, fmt.Errorf("secret: set %s or %s, not both", EnvKey, EnvKeyFile)
	}
	var keys, old []Key
	if v := s.Getenv(EnvKey); v != "" {
		k, err := ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("secret: %s: %w", EnvKey, err)
		}
		keys = append(keys, k)
	} else if f := s.File(); f != "" {
		fk, err := readKeyFile(f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		keys = append(keys, fk...)
	}
	for i, v := range strings.FieldsFunc(s.Getenv(EnvOldKeys), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		k, err := ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("secret: %s, key %d: %w", EnvOldKeys, i+1, err)
		}
		old = append(old, k)
	}
	if len(keys) == 0 {
		return oldKeys(old), nil
	}
	return NewKeyring(keys[0], append(keys[1:], old...)...), nil
}

// LoadOrCreate is Load, except that when no current key is configured it creates the key
// file (mode 0600, in a directory of mode 0700) with a new key and says so in created.
func (s Source) LoadOrCreate() (r *Keyring, created string, err error) {
	r, err = s.Load()
	if err != nil || r.Current() != "" {
		return r, "", err
	}
	f := s.File()
	if f == "" {
		return nil, "", fmt.Errorf("secret: no key: set %s or %s", EnvKey, EnvKeyFile)
	}
	if err := createKeyFile(f); err != nil {
		return nil, "", err
	}
	r, err = s.Load()
	return r, f, err
}

func createKeyFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("secret: create key file %s: %w", path, err)
	}
	k, err := NewKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first: use theirs
		return nil
	}
	if err != nil {
		return fmt.Errorf("secret: create key file %s: %w", path, err)
	}
	body := "# Pulso secret key (current first, old keys below it). Keep it out of backups of the database.\n" + k + "\n"
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("secret: write key file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("secret: write key file %s: %w", path, err)
	}
	return f.Close()
}

// readKeyFile reads one key a line (blank lines and # comments skipped), refusing a file
// that group or others may read or write.
func readKeyFile(path string) ([]Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secret: key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("secret: key file %s has mode %04o, open to group or others: run chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: read key file %s: %w", path, err)
	}
	var keys []Key
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := ParseKey(line)
		if err != nil {
			return nil, fmt.Errorf("secret: key file %s, line %d: %w", path, n, err)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("secret: read key file %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("secret: key file %s holds no key", path)
	}
	return keys, nil
}
