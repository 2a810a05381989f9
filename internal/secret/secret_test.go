package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two fixed keys: 32 bytes of 0x01 and 32 bytes of 0x02.
var (
	hexKey1 = strings.Repeat("01", 32)
	hexKey2 = strings.Repeat("02", 32)
	b64Key2 = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
)

func mustKey(t testing.TB, s string) Key {
	t.Helper()
	k, err := ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var acme = Binding{Tenant: "acme", Field: "alerting/channels/ops/dingtalk/url"}

func TestSealOpenRoundTrip(t *testing.T) {
	k1 := mustKey(t, hexKey1)
	r := NewKeyring(k1)
	for _, plain := range []string{"", "x", "https://oapi.dingtalk.com/robot/send?access_token=abc123", "密码 con ñ", strings.Repeat("z", 5000)} {
		sealed, err := r.Seal(plain, acme)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, "enc:v1:"+k1.ID()+":") {
			t.Fatalf("sealed %q does not start with enc:v1:%s:", sealed, k1.ID())
		}
		if len(plain) >= 4 && strings.Contains(sealed, plain) {
			t.Fatalf("the sealed text holds the plaintext")
		}
		// envelope: 12 + 32 + 16 (wrapped data key) + 12 + len + 16 bytes, base64 without padding
		if want := len(Prefix) + 8 + 1 + base64.RawURLEncoding.EncodedLen(88+len(plain)); len(sealed) != want {
			t.Errorf("len(sealed) = %d, want %d", len(sealed), want)
		}
		got, err := r.Open(sealed, acme)
		if err != nil || got != plain {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
		again, _ := r.Seal(plain, acme)
		if again == sealed {
			t.Error("sealing twice gave the same text: nonces or data keys are not fresh")
		}
	}
}

func TestParseKeyForms(t *testing.T) {
	raw := bytes.Repeat([]byte{2}, 32)
	forms := []string{hexKey2, b64Key2, base64.RawStdEncoding.EncodeToString(raw), base64.URLEncoding.EncodeToString(raw), "  " + hexKey2 + "\n"}
	for _, f := range forms {
		if k := mustKey(t, f); k.ID() != mustKey(t, hexKey2).ID() {
			t.Errorf("ParseKey(%q) has id %s, want the same key as the hex form", f, k.ID())
		}
	}
	if mustKey(t, hexKey1).ID() == mustKey(t, hexKey2).ID() {
		t.Error("two keys share an id")
	}
	if id := mustKey(t, hexKey1).ID(); len(id) != 8 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("id %q is not 8 hex characters", id)
	}
	for _, bad := range []string{"", "short", hexKey1[:62], base64.StdEncoding.EncodeToString(make([]byte, 16)), strings.Repeat("zz", 32)} {
		_, err := ParseKey(bad)
		if err == nil {
			t.Errorf("ParseKey(%q) accepted it", bad)
			continue
		}
		if len(bad) >= 8 && strings.Contains(err.Error(), bad) {
			t.Errorf("ParseKey's error quotes the key text: %v", err)
		}
	}
	if s := mustKey(t, hexKey1).GoString(); strings.Contains(s, "01010101") {
		t.Errorf("%%#v of a key shows its material: %s", s)
	}
}

func TestOpenWithWrongKey(t *testing.T) {
	k1, k2 := mustKey(t, hexKey1), mustKey(t, hexKey2)
	sealed, err := NewKeyring(k1).Seal("SECabc", acme)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewKeyring(k2).Open(sealed, acme)
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), k1.ID()) || !strings.Contains(err.Error(), k2.ID()) {
		t.Fatalf("Open with another key = %v; want ErrUnknownKey naming %s (needed) and %s (configured)", err, k1.ID(), k2.ID())
	}
	// the same id with other material (a forged id) does not open either
	forged := Prefix + k2.ID() + sealed[len(Prefix)+8:]
	if _, err := NewKeyring(k2).Open(forged, acme); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open of a value relabelled with the configured key id = %v; want ErrOpen", err)
	}
	if _, err := (&Keyring{}).Open(sealed, acme); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Open without keys = %v; want ErrNoKey", err)
	}
	var nilRing *Keyring
	if _, err := nilRing.Seal("x", acme); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Seal on a nil keyring = %v; want ErrNoKey", err)
	}
}

func TestOpenTampered(t *testing.T) {
	r := NewKeyring(mustKey(t, hexKey1))
	sealed, err := r.Seal("tok-9f8e7d", acme)
	if err != nil {
		t.Fatal(err)
	}
	head := sealed[:len(Prefix)+9]
	payload, err := base64.RawURLEncoding.DecodeString(sealed[len(head):])
	if err != nil {
		t.Fatal(err)
	}
	for i := range payload { // every byte: nonces, wrapped key, tags and ciphertext
		p := bytes.Clone(payload)
		p[i] ^= 0x40
		got, err := r.Open(head+base64.RawURLEncoding.EncodeToString(p), acme)
		if !errors.Is(err, ErrOpen) {
			t.Fatalf("byte %d flipped: Open = %q, %v; want ErrOpen", i, got, err)
		}
	}
	for _, bad := range []string{sealed[:len(sealed)-1], sealed[:40], head + "!!!", "enc:v1:", "enc:v1:XYZ:abc", strings.Replace(sealed, "v1", "v2", 1)} {
		if _, err := r.Open(bad, acme); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

func TestOpenBoundToTenantAndField(t *testing.T) {
	r := NewKeyring(mustKey(t, hexKey1))
	sealed, err := r.Seal("SECsigning", acme)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []Binding{
		{Tenant: "globex", Field: acme.Field},
		{Tenant: "acme", Field: "alerting/channels/ops/dingtalk/secret"},
		{Tenant: "acme", Field: "alerting/channels/other/dingtalk/url"},
		{Tenant: "acmealerting/channels/ops/dingtalk/url", Field: ""}, // the parts are length-prefixed
	} {
		if _, err := r.Open(sealed, b); !errors.Is(err, ErrOpen) {
			t.Errorf("Open bound to %+v = %v; want ErrOpen", b, err)
		}
	}
}

func TestRotationWithOldKeyThenWithout(t *testing.T) {
	k1, k2 := mustKey(t, hexKey1), mustKey(t, hexKey2)
	old, err := NewKeyring(k1).Seal("smtp-pass-1", acme)
	if err != nil {
		t.Fatal(err)
	}
	both := NewKeyring(k2, k1)
	if both.Current() != k2.ID() || strings.Join(both.IDs(), ",") != k2.ID()+","+k1.ID() {
		t.Fatalf("Current %s, IDs %v", both.Current(), both.IDs())
	}
	plain, err := both.Open(old, acme)
	if err != nil || plain != "smtp-pass-1" {
		t.Fatalf("Open with the old key still configured = %q, %v", plain, err)
	}
	resealed, err := both.Seal(plain, acme)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := KeyID(resealed); id != k2.ID() {
		t.Fatalf("resealed under %s, want %s", id, k2.ID())
	}
	onlyNew := NewKeyring(k2)
	if got, err := onlyNew.Open(resealed, acme); err != nil || got != "smtp-pass-1" {
		t.Fatalf("Open after removing the old key = %q, %v", got, err)
	}
	if _, err := onlyNew.Open(old, acme); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Open of a value left under the removed key = %v; want ErrUnknownKey", err)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"short":             "••••",
		"elevenchars":       "••••",
		"twelve-chars":      "••••hars",
		"SEC0123456789abcd": "••••abcd",
		"密码密码密码密码密码密码密码":       "••••密码密码",
		"enc:v1:0123abcd:AAAA": "••••",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// env is a fake environment for Source.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func writeFile(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is masked by the umask
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pulso.key")
	writeFile(t, file, "# current first\n"+hexKey2+"\n\n"+hexKey1+"\n", 0o600)
	id1, id2 := mustKey(t, hexKey1).ID(), mustKey(t, hexKey2).ID()

	tests := []struct {
		name    string
		env     env
		current string
		ids     []string
		err     string
	}{
		{"variable", env{EnvKey: b64Key2}, id2, []string{id2}, ""},
		{"variable and old", env{EnvKey: hexKey2, EnvOldKeys: hexKey1 + ", " + hexKey2}, id2, []string{id2, id1}, ""},
		{"file: current first, then old", env{EnvKeyFile: file}, id2, []string{id2, id1}, ""},
		{"default file", env{}, id2, []string{id2, id1}, ""},
		{"no key anywhere", env{EnvKeyFile: filepath.Join(dir, "absent.key")}, "", []string{}, ""},
		{"old keys only do not seal", env{EnvKeyFile: filepath.Join(dir, "absent.key"), EnvOldKeys: hexKey1}, "", []string{id1}, ""},
		{"both variable and file", env{EnvKey: hexKey1, EnvKeyFile: file}, "", nil, "not both"},
		{"bad variable", env{EnvKey: "nope"}, "", nil, EnvKey + ": a key must be 32 bytes"},
		{"bad old key", env{EnvKey: hexKey1, EnvOldKeys: hexKey2 + ",nope"}, "", nil, EnvOldKeys + ", key 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Source{Getenv: tt.env.get, DefaultFile: file}.Load()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Load = %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Current() != tt.current || strings.Join(r.IDs(), ",") != strings.Join(tt.ids, ",") {
				t.Fatalf("Current %q IDs %v; want %q %v", r.Current(), r.IDs(), tt.current, tt.ids)
			}
		})
	}
}

func TestKeyFileWithLoosePermissionsIsRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o620} {
		file := filepath.Join(t.TempDir(), "pulso.key")
		writeFile(t, file, hexKey1+"\n", mode)
		_, err := Source{Getenv: env{EnvKeyFile: file}.get}.Load()
		if err == nil || !strings.Contains(err.Error(), "open to group or others") || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: Load = %v; want a refusal saying chmod 600", mode, err)
		}
		if err != nil && strings.Contains(err.Error(), hexKey1) {
			t.Errorf("the refusal quotes the key")
		}
		if _, _, err := (Source{Getenv: env{EnvKeyFile: file}.get}).LoadOrCreate(); err == nil {
			t.Errorf("mode %04o: LoadOrCreate accepted the file", mode)
		}
	}
	file := filepath.Join(t.TempDir(), "pulso.key")
	writeFile(t, file, "# nothing yet\n", 0o600)
	if _, err := (Source{Getenv: env{EnvKeyFile: file}.get}).Load(); err == nil || !strings.Contains(err.Error(), "holds no key") {
		t.Errorf("an empty key file: %v", err)
	}
	writeFile(t, file, hexKey1+"\nnot-a-key\n", 0o600)
	if _, err := (Source{Getenv: env{EnvKeyFile: file}.get}).Load(); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a bad line: %v", err)
	}
}

func TestLoadOrCreateMakesAPrivateKeyFileOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf", "pulso")
	file := filepath.Join(dir, "pulso.key")
	src := Source{Getenv: env{}.get, DefaultFile: file}
	r, created, err := src.LoadOrCreate()
	if err != nil {
		t.Fatal(err)
	}
	if created != file || r.Current() == "" {
		t.Fatalf("created %q, current %q", created, r.Current())
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %04o, want 0700", di.Mode().Perm())
	}
	again, created, err := src.LoadOrCreate()
	if err != nil || created != "" || again.Current() != r.Current() {
		t.Fatalf("second LoadOrCreate: %v, created %q, current %s (first %s)", err, created, again.Current(), r.Current())
	}
	// With $PULSO_SECRET_KEY set, nothing is created.
	other := filepath.Join(t.TempDir(), "none.key")
	r, created, err = Source{Getenv: env{EnvKey: hexKey1}.get, DefaultFile: other}.LoadOrCreate()
	if err != nil || created != "" || r.Current() != mustKey(t, hexKey1).ID() {
		t.Fatalf("with %s: %v %q %s", EnvKey, err, created, r.Current())
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a key file was created although the variable names the key")
	}
}

func FuzzOpen(f *testing.F) {
	r := NewKeyring(mustKey(f, hexKey1))
	good, _ := r.Seal("tok", acme)
	f.Add(good)
	f.Add("enc:v1:00000000:")
	f.Add("enc:v1:" + hex.EncodeToString([]byte("abcd")) + ":" + strings.Repeat("A", 120))
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := r.Open(s, acme)
		if err == nil && s != good && plain == "tok" {
			// a different text that opens to the same value is fine only if it is a
			// different valid sealing, which an attacker cannot make without the key
			if _, kerr := KeyID(s); kerr != nil {
				t.Fatalf("malformed %q opened", s)
			}
		}
	})
}

func FuzzParseKey(f *testing.F) {
	f.Add(hexKey1)
	f.Add(b64Key2)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err == nil && len(k.material) != 32 {
			t.Fatalf("ParseKey(%q) gave %d bytes", s, len(k.material))
		}
	})
}
