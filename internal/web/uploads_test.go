package web

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// Finding 6: rejected uploads piled up in the temporary directory and were never swept after
// a restart, with no cap per user.
func TestUploadsSweptAtStartAndCappedPerUser(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	for _, f := range []string{uploadPrefix + "crashed.csv", uploadPrefix + "fresh.csv", "not-ours.csv"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{uploadPrefix + "crashed.csv", "not-ours.csv"} {
		if err := os.Chtimes(filepath.Join(dir, f), old, old); err != nil {
			t.Fatal(err)
		}
	}
	clock := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	u, err := newUploads(dir, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	// the crashed run's file goes; a file arriving at another server and a foreign file stay
	if got, want := dirFiles(t, dir), []string{"not-ours.csv", uploadPrefix + "fresh.csv"}; !slices.Equal(got, want) {
		t.Fatalf("after start: %v, want %v", got, want)
	}
	os.Remove(filepath.Join(dir, uploadPrefix+"fresh.csv"))

	var ids []string
	for i := range 5 {
		clock = clock.Add(time.Minute)
		p, err := u.receive("t", "ana", "orders.csv", strings.NewReader("a,b\n1,2\n"), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		up := &upload{ID: string(rune('a' + i)), Tenant: "t", UserID: "ana", Path: p, At: clock}
		u.put(up)
		ids = append(ids, up.ID)
	}
	p, err := u.receive("t", "bo", "x.csv", strings.NewReader("a\n1\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	u.put(&upload{ID: "bo-1", Tenant: "t", UserID: "bo", Path: p, At: clock})
	// ana keeps her 3 newest; bo's upload is untouched by hers
	for i, id := range ids {
		_, ok := u.peek(id, "t", "ana")
		if want := i >= 2; ok != want {
			t.Errorf("ana's upload %d kept = %v, want %v", i+1, ok, want)
		}
	}
	if _, ok := u.peek("bo-1", "t", "bo"); !ok {
		t.Error("bo's upload was dropped by ana's")
	}
	if n := len(dirFiles(t, dir)); n != 1+3+1 { // not-ours + ana's 3 + bo's 1
		t.Errorf("%d files in the upload directory, want 5: %v", n, dirFiles(t, dir))
	}
	// too large: refused and nothing left behind
	if _, err := u.receive("t", "ana", "big.csv", strings.NewReader(strings.Repeat("x", 101)), 100); err != errTooLarge {
		t.Errorf("an upload over the limit: %v", err)
	}
	if n := len(dirFiles(t, dir)); n != 5 {
		t.Errorf("a refused upload left a file: %v", dirFiles(t, dir))
	}
	// an hour later everything has expired
	clock = clock.Add(uploadTTL + time.Second)
	u.put(&upload{ID: "late", Tenant: "t", UserID: "cy", Path: filepath.Join(dir, "none"), At: clock})
	if got := dirFiles(t, dir); !slices.Equal(got, []string{"not-ours.csv"}) {
		t.Errorf("after the TTL: %v", got)
	}
}

// Through the page: a user who sends many files that fail their check keeps at most
// uploadsPerUser of them on disk.
func TestRejectedUploadsDoNotPileUp(t *testing.T) {
	e := sharedEnv(t)
	bad := strings.Replace(trafficCSV, "abc", "xyz", 1)
	for range 6 {
		body, ct := multipartBody(t, map[string]string{"kind": "traffic"}, "traffic.csv", bad)
		if rec := e.request(t, "mx-manager", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct}); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad file: %d", rec.Code)
		}
	}
	u := e.srv.uploads
	u.mu.Lock()
	n := 0
	for _, up := range u.m {
		if _, err := os.Stat(up.Path); err != nil {
			t.Errorf("a waiting upload has no file: %v", err)
		}
		if up.UserID == userID(t, e, "mx-manager") {
			n++
		}
	}
	u.mu.Unlock()
	if n != uploadsPerUser {
		t.Errorf("mx-manager has %d uploads waiting, want %d", n, uploadsPerUser)
	}
}

func userID(t *testing.T, e *testEnv, login string) string {
	t.Helper()
	u, err := findUser(t.Context(), e.auth, login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
