package auth

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Password length limits, in characters. The upper one only bounds the work of hashing.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// HashParams are the argon2id costs of new password hashes. A stored hash keeps its own
// parameters, so changing them never locks anyone out; hashes made with other parameters are
// redone at the next successful login.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
}

// DefaultHash suits the 2-core server Pulso is sized for: 64 MiB, 1 pass, 2 lanes, which is
// above OWASP's argon2id minimum (19 MiB × 2 passes) and takes about 150 ms per login on such
// a machine. Memory is the cost that hurts GPU guessing most; HashSlots bounds how many
// hashes run at once, so a burst of logins cannot take more than HashSlots × 64 MiB.
var DefaultHash = HashParams{Memory: 64 * 1024, Time: 1, Threads: 2}

func (p HashParams) argon() *argon2id.Params {
	return &argon2id.Params{Memory: p.Memory, Iterations: p.Time, Parallelism: p.Threads, SaltLength: 16, KeyLength: 32}
}

// checkPassword applies the length rules; its message never contains the password.
func checkPassword(pw string) error {
	if !utf8.ValidString(pw) {
		return invalid("password", "is not valid text")
	}
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return invalid("password", "must be at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return invalid("password", "must be at most %d characters", MaxPasswordLen)
	}
	if strings.TrimSpace(pw) == "" {
		return invalid("password", "must not be only spaces")
	}
	return nil
}

// acquire takes one of the hashing slots, waiting for one while ctx allows.
func (s *Service) acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hashPassword makes a PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$key).
func (s *Service) hashPassword(ctx context.Context, pw string) (string, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	h, err := argon2id.CreateHash(pw, s.Hash.argon())
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return h, nil
}

// verifyPassword compares in constant time; stale tells that the hash was made with other
// parameters than s.Hash. A malformed hash is an error (never a match).
func (s *Service) verifyPassword(ctx context.Context, pw, hash string) (ok, stale bool, err error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer release()
	ok, params, err := argon2id.CheckHash(pw, hash)
	if err != nil {
		return false, false, fmt.Errorf("auth: stored password hash is malformed: %w", err)
	}
	cur := s.Hash.argon()
	stale = params.Memory != cur.Memory || params.Iterations != cur.Iterations || params.Parallelism != cur.Parallelism ||
		params.KeyLength != cur.KeyLength
	return ok, stale, nil
}

// burn spends the time of one verification on a dummy hash, so that an unknown login takes as
// long to refuse as a wrong password.
func (s *Service) burn(ctx context.Context, pw string) {
	s.dummyOnce.Do(func() {
		// A fixed, public input is fine: nothing ever matches against this hash on purpose.
		s.dummy, _ = argon2id.CreateHash("pulso-dummy-password", s.Hash.argon())
	})
	if s.dummy != "" {
		_, _, _ = s.verifyPassword(ctx, pw, s.dummy)
	}
}
