package auth

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/alexedwards/argon2id"
)

// Password length limits, in characters, counted without the spaces at either end. Twelve
// is NIST SP 800-63B's floor for a password that is the only factor (15) eased for a tool
// that also limits sign-in attempts (see Throttle); the upper limit only bounds the work of
// hashing.
const (
	MinPasswordLen = 12
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

// Password rules, as FieldError.Rule of a refused password: the web layer names the rule in
// the user's language.
const (
	RuleInvalidText   = "invalid_text"
	RuleTooShort      = "too_short"
	RuleTooLong       = "too_long"
	RuleOnlySpaces    = "only_spaces"
	RuleRepetitive    = "repetitive"
	RuleSequence      = "sequence"
	RuleContainsLogin = "contains_login"
	RuleCommon        = "common"
	RuleSame          = "same" // ChangePassword: the new password is the current one
)

// CheckPassword tells whether pw may be the password of login (a stored login, or "" when
// unknown). It refuses, in this order: invalid UTF-8; fewer than MinPasswordLen characters
// after trimming spaces, or more than MaxPasswordLen; only spaces; fewer than 5 different
// characters or one chunk repeated ("abcabcabcabc"); keyboard walks and runs such as
// "1234567890" or "qwertyasdfgh" (at most one break per four characters); the login, or
// mostly its part before the @; and the common passwords of commonpasswords.txt,
// also when hidden behind digits, symbols, separators, capitals, accents or l33t spelling
// ("P@ssw0rd-2026!", "Verano 2026"). The error is a *FieldError on "password" whose Rule
// names the rule; its text never contains the password.
func CheckPassword(pw, login string) error {
	if !utf8.ValidString(pw) {
		return pwRule(RuleInvalidText, "is not valid text")
	}
	trimmed := strings.TrimSpace(pw)
	n := utf8.RuneCountInString(trimmed)
	switch {
	case trimmed == "":
		return pwRule(RuleOnlySpaces, "must not be only spaces")
	case n < MinPasswordLen:
		return pwRule(RuleTooShort, "must be at least %d characters, not counting spaces at either end", MinPasswordLen)
	case utf8.RuneCountInString(pw) > MaxPasswordLen:
		return pwRule(RuleTooLong, "must be at most %d characters", MaxPasswordLen)
	}
	folded := fold(trimmed)
	switch {
	case repetitive(folded):
		return pwRule(RuleRepetitive, "must not be mostly one character or a repeated pattern")
	case sequential(squeeze(folded)):
		return pwRule(RuleSequence, "must not be a keyboard walk or a run such as 123456 or abcdef")
	case containsLogin(squeeze(folded), login):
		return pwRule(RuleContainsLogin, "must not contain the login")
	case common(folded):
		return pwRule(RuleCommon, "is one of the passwords attackers try first; choose a less common one (a few unrelated words work well)")
	}
	return nil
}

func pwRule(rule, format string, args ...any) error {
	return &FieldError{Field: "password", Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// fold lower-cases and drops accents, so that "Contraseña" and "contrasena" are one word.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// squeeze drops spaces and the separators people put between words.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune("-_.", r) {
			return -1
		}
		return r
	}, s)
}

// repetitive: fewer than 5 different characters, or the whole made of one chunk repeated.
func repetitive(s string) bool {
	rs := []rune(s)
	distinct := map[rune]bool{}
	for _, r := range rs {
		distinct[r] = true
	}
	if len(distinct) < 5 {
		return true
	}
	for size := 1; size <= len(rs)/2; size++ {
		if len(rs)%size == 0 && string(rs) == strings.Repeat(string(rs[:size]), len(rs)/size) {
			return true
		}
	}
	return false
}

// walks are the orders people type in: the alphabet, the digits, and the rows and columns of
// a QWERTY keyboard; a run goes along one of them, forwards or backwards.
var walks = []string{
	"abcdefghijklmnopqrstuvwxyz", "1234567890", "0123456789", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./", "`1234567890-=",
	"1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/",
}

// steps tells how b may follow a, as a set of bits: bit 0 the same character again, bit
// 2i+1 one step forwards along walks[i], bit 2i+2 one step backwards.
func steps(a, b rune) uint64 {
	if a == b {
		return 1
	}
	var set uint64
	for i, w := range walks {
		rs := []rune(w)
		for j, r := range rs {
			if r != a {
				continue
			}
			if j+1 < len(rs) && rs[j+1] == b {
				set |= 1 << (2*i + 1)
			}
			if j > 0 && rs[j-1] == b {
				set |= 1 << (2*i + 2)
			}
		}
	}
	return set
}

// sequential: split into maximal runs (each next character one step along the same walk
// in the same direction, or the same character again), a password of at most one run per
// four characters is a walk: "1234567890ab" (2 runs), "1qaz2wsx3edc" (3), "aaaabbbbcccc" (3).
func sequential(s string) bool {
	rs := []rune(s)
	runs := 1
	var along uint64 // the ways the current run may still go; 0 at its first character
	for i := 1; i < len(rs); i++ {
		st := steps(rs[i-1], rs[i])
		switch {
		case st != 0 && along == 0:
			along = st
		case st&along != 0:
			along &= st
		default:
			runs, along = runs+1, 0
		}
	}
	return runs*4 <= len(rs)
}

// containsLogin: the password holds the whole login, or is mostly the login's part before
// the @ ("mariana.lopez 2026" for mariana.lopez@…). A short part ("ana") sits inside too
// many words to count, and one that is less than half the password leaves the rest to guess.
func containsLogin(pw, login string) bool {
	login = squeeze(fold(strings.TrimSpace(login)))
	if login == "" {
		return false
	}
	if strings.Contains(pw, login) {
		return true
	}
	local, _, _ := strings.Cut(login, "@")
	n := utf8.RuneCountInString(local)
	return n >= 4 && 2*n > utf8.RuneCountInString(pw) && strings.Contains(pw, local)
}

//go:embed commonpasswords.txt
var commonList string

// commonSet is built on first use: most processes never set a password.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10500)
	for line := range strings.Lines(commonList) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			set[squeeze(fold(line))] = struct{}{}
		}
	}
	return set
})

// leet maps the usual substitutions back to letters ('1' is done apart: it may be i or l).
var leet = strings.NewReplacer("@", "a", "4", "a", "3", "e", "0", "o", "$", "s", "5", "s", "7", "t", "!", "i", "+", "t")

// common: the password, without separators, is on the list; or its letters once the digits
// and symbols around them are stripped ("Pulso2026!"), or once l33t spelling is undone too
// ("P@ssw0rd2026!", "4dmin2026").
func common(folded string) bool {
	set := commonSet()
	s := squeeze(folded)
	notLetter := func(r rune) bool { return !unicode.IsLetter(r) }
	candidates := []string{s, strings.TrimFunc(s, notLetter)}
	for _, base := range []string{strings.TrimFunc(s, notLetter), strings.TrimRightFunc(s, notLetter), strings.TrimLeftFunc(s, notLetter), s} {
		for _, one := range []string{"i", "l"} { // '1' stands for either
			w := strings.ReplaceAll(leet.Replace(base), "1", one)
			candidates = append(candidates, w, strings.TrimFunc(w, notLetter))
		}
	}
	for _, c := range candidates {
		if _, ok := set[c]; ok && c != "" {
			return true
		}
	}
	return false
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
