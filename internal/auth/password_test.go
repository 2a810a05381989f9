package auth

import (
	"errors"
	"strings"
	"testing"
)

// Finding 9 of issue #8: "1234567890" and ten spaces and an x were accepted. Each case names
// the rule a person checking by hand finds broken ("" for none).
func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		pw, login, rule string
	}{
		// the passwords of the finding
		{"1234567890", "", RuleTooShort},
		{"          x", "", RuleTooShort},
		// length: 12 characters without the spaces at either end
		{"   ", "", RuleOnlySpaces},
		{"", "", RuleOnlySpaces},
		{"  kx7#mq2!vp ", "", RuleTooShort}, // 10 inside the spaces
		{"kx7#mq2!vp9z", "", ""},            // 12
		{"密码是十二个汉字的长度好", "", ""},            // 12 runes, 36 bytes
		{"密码是十个汉字的长度", "", RuleTooShort},    // 10 runes, 30 bytes
		{"\xff\xfe invalid utf8 text", "", RuleInvalidText},
		// repetition
		{"aaaaaaaaaaaa", "", RuleRepetitive},
		{"abababababab", "", RuleRepetitive},
		{"1231231231231", "", RuleRepetitive},   // 3 different characters
		{"pulso1pulso1", "", RuleRepetitive},    // a chunk twice
		{"kx7#mkx7#mkx7#m", "", RuleRepetitive}, // a chunk three times
		// runs along the alphabet, the digits and the keyboard
		{"123456789012", "", RuleSequence},
		{"098765432109", "", RuleSequence},
		{"abcdefghijkl", "", RuleSequence},
		{"qwertyuiop12", "", RuleSequence},
		{"qwerty asdfgh", "", RuleSequence},
		{"1qaz2wsx3edc", "", RuleSequence},
		{"ZYXWVUTSRQPO", "", RuleSequence},
		{"aaaa1234zzzz", "", RuleSequence},
		// the login, or its part before the @ from four characters
		{"mariana.lopez 2026", "mariana.lopez@acme.mx", RuleContainsLogin},
		{"my login is Ana@Acme.mx", "ana@acme.mx", RuleContainsLogin},
		{"banana split cake", "ana@acme.mx", ""},                       // "ana" is too short to count
		{"pulso-demo-viewer", "viewer@demo.pulso", ""},                 // "viewer" is not most of it
		{"Viewer@Demo.Pulso!", "viewer@demo.pulso", RuleContainsLogin}, // the whole login is
		// common passwords, behind digits, symbols, separators, capitals, accents, l33t
		{"Password2026!", "", RuleCommon},
		{"P@ssw0rd-2026", "", RuleCommon},
		{"4dmin2026!!!", "", RuleCommon},
		{"iloveyou1988", "", RuleCommon},
		{"Pulso2026!!!", "", RuleCommon},
		{"MercadoLibre2026", "", RuleCommon},
		{"mercado-libre-2026", "", RuleCommon},
		{"Contraseña2026", "", RuleCommon},
		{"contrasena!2026", "", RuleCommon},
		{"Verano 2026!!", "", RuleCommon},
		{"flamengo2019!", "", RuleCommon},
		{"trustno1trustno", "", ""}, // two words run together are not on the list
		{"football12345", "", RuleCommon},
		// fine
		{"correct horse 42", "ana", ""},
		{"another long password", "cs-mx@example.com", ""},
		{"a brand new secret", "ana", ""},
		{"Ventas de marzo en Lima", "", ""},
	} {
		err := CheckPassword(c.pw, c.login)
		var fe *FieldError
		switch {
		case c.rule == "" && err != nil:
			t.Errorf("CheckPassword(%q, %q) = %v, want accepted", c.pw, c.login, err)
		case c.rule != "" && (!errors.As(err, &fe) || fe.Rule != c.rule || fe.Field != "password" || !errors.Is(err, ErrInvalid)):
			t.Errorf("CheckPassword(%q, %q) = %v, want rule %s", c.pw, c.login, err, c.rule)
		case err != nil && c.pw != "" && strings.Contains(err.Error(), c.pw):
			t.Errorf("CheckPassword(%q): the error shows the password: %v", c.pw, err)
		}
	}
	if err := CheckPassword(strings.Repeat("kx7#mq2!vp9z", 21)+"abcd", ""); err != nil { // exactly 256
		t.Errorf("a 256-character password: %v", err)
	}
	if err := CheckPassword(strings.Repeat("kx7#mq2!vp9z", 21)+"abcde", ""); err == nil { // 257
		t.Errorf("a 257-character password was accepted")
	}
}

// The list is loaded: its first entry, one from the middle of the zxcvbn part, and the
// hand-made part, and no comment line became an entry.
func TestCommonList(t *testing.T) {
	set := commonSet()
	for _, w := range []string{"123456", "password", "qwerty", "sparhawk", "mercadolibre", "senha", "contrasena", "otono", "marco"} {
		if _, ok := set[w]; !ok {
			t.Errorf("%q is not on the common list", w)
		}
	}
	if len(set) < 10000 {
		t.Errorf("the common list holds %d passwords, want over 10000", len(set))
	}
	for w := range set {
		if strings.HasPrefix(w, "#") || w != strings.ToLower(w) {
			t.Errorf("list entry %q: a comment or not lower-cased", w)
		}
	}
}

// Nothing panics and the error never shows the password, whatever the input.
func FuzzCheckPassword(f *testing.F) {
	for _, s := range []string{"", " ", "1234567890", "correct horse 42", "P@ssw0rd-2026", "\xff", "密码是十二个汉字的长度好", "1qaz2wsx3edc"} {
		f.Add(s, "ana@acme.mx")
	}
	f.Fuzz(func(t *testing.T, pw, login string) {
		err := CheckPassword(pw, login)
		if err != nil && len(pw) >= 4 && strings.Contains(err.Error(), pw) {
			t.Errorf("the error shows the password: %v", err)
		}
	})
}
