package web

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

const (
	// uploadTTL is how long a checked file waits for its commit or its mapping.
	uploadTTL = time.Hour
	// uploadsPerUser is how many files one user may have waiting (or arriving) at once: a new
	// upload drops the user's oldest waiting one, which the page no longer offers anyway.
	uploadsPerUser = 3
	// uploadPrefix names the files this server keeps, so a sweep removes nothing else.
	uploadPrefix = "pulso-upload-"
)

// errUploadsBusy refuses an upload while the user already sends uploadsPerUser files.
var errUploadsBusy = &userError{status: http.StatusTooManyRequests, code: "too_many_uploads", key: "import.busy"}

// upload is a checked file waiting to be committed, or the rejected rows of a committed one
// waiting to be downloaded: kept in a file of the upload directory on this node, bound to the
// tenant and user who sent it.
type upload struct {
	ID, Tenant, UserID string
	Kind, Name, Path   string
	Format             string
	At                 time.Time
	Mapping            map[string]string // file column → contract column, chosen by the user
	Pseudonymise       []string          // extra columns kept as keyed hashes, chosen by the user
	OK                 bool              // the last check passed: it may be committed
	// Partial: the last check found bad rows, all of a kind ingest skips (not a file error, not
	// a row outside the user's scope), and some good ones: the good ones may be applied alone.
	Partial bool
	// Rejects marks the reject file of a commit (Name is its download name, Rows its rows): it
	// is downloaded, never committed, and counts apart from the user's waiting uploads.
	Rejects bool
	Rows    int64
}

// uploads keeps checked files between the check and the commit, only while the page offers
// them back: at most uploadsPerUser per user and for uploadTTL. Files of a previous run
// (which no one can commit: the list lived in memory) are swept at start and by every later
// sweep. It lives in one node's memory: behind several nodes, the commit must reach the node
// that checked (sticky sessions), or the user uploads again.
type uploads struct {
	dir string
	now func() time.Time

	mu       sync.Mutex
	m        map[string]*upload
	arriving map[string]int // user key → files being received
	swept    time.Time      // last sweep of the directory (wall clock)
}

// newUploads keeps files in dir (created 0700 when missing) and sweeps it of files that no
// longer belong to a waiting upload.
func newUploads(dir string, now func() time.Time) (*uploads, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	u := &uploads{dir: dir, now: now, m: map[string]*upload{}, arriving: map[string]int{}}
	u.mu.Lock()
	u.sweepDir(true)
	u.mu.Unlock()
	return u, nil
}

func userKey(tenant, userID string) string { return tenant + "\x00" + userID }

// receive copies body into a new file of the directory, at most max bytes (too large:
// errTooLarge). A user receives at most uploadsPerUser files at once; put makes room among
// the waiting ones.
func (u *uploads) receive(tenant, userID, name string, body io.Reader, max int64) (string, error) {
	key := userKey(tenant, userID)
	u.mu.Lock()
	u.sweep()
	if u.arriving[key] >= uploadsPerUser {
		u.mu.Unlock()
		return "", errUploadsBusy
	}
	u.arriving[key]++
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		u.arriving[key]--
		if u.arriving[key] == 0 {
			delete(u.arriving, key)
		}
		u.mu.Unlock()
	}()
	ext := filepath.Ext(name)
	if len(ext) > 8 || strings.ContainsAny(ext, `/\`) {
		ext = ""
	}
	tmp, err := os.CreateTemp(u.dir, uploadPrefix+"*"+ext)
	if err != nil {
		return "", err
	}
	n, err := io.Copy(tmp, io.LimitReader(body, max+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > max {
		err = errTooLarge
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

var errTooLarge = errors.New("upload too large")

// dropOldest removes the user's oldest waiting uploads (or reject files) until at most keep
// remain.
func (u *uploads) dropOldest(key string, rejects bool, keep int) {
	for {
		var oldest *upload
		n := 0
		for _, up := range u.m {
			if userKey(up.Tenant, up.UserID) != key || up.Rejects != rejects {
				continue
			}
			n++
			if oldest == nil || up.At.Before(oldest.At) {
				oldest = up
			}
		}
		if n <= keep || oldest == nil {
			return
		}
		os.Remove(oldest.Path)
		delete(u.m, oldest.ID)
	}
}

func (u *uploads) put(up *upload) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sweep()
	u.m[up.ID] = up
	u.dropOldest(userKey(up.Tenant, up.UserID), up.Rejects, uploadsPerUser)
}

// take removes and returns the upload of id if it belongs to the tenant and user; its file
// is the caller's to remove.
func (u *uploads) take(id, tenant, userID string) (*upload, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sweep()
	up, ok := u.m[id]
	if !ok || up.Tenant != tenant || up.UserID != userID || up.Rejects {
		return nil, false
	}
	delete(u.m, id)
	return up, true
}

// peek returns the upload of id, if it belongs to the tenant and user, and keeps it.
func (u *uploads) peek(id, tenant, userID string) (*upload, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sweep()
	up, ok := u.m[id]
	if !ok || up.Tenant != tenant || up.UserID != userID || up.Rejects {
		return nil, false
	}
	return up, true
}

// rejects returns the reject file of id if the tenant and user own it (it stays until it
// expires, so it can be downloaded again).
func (u *uploads) rejects(id, tenant, userID string) (*upload, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sweep()
	up, ok := u.m[id]
	if !ok || up.Tenant != tenant || up.UserID != userID || !up.Rejects {
		return nil, false
	}
	return up, true
}

// rejectDir makes a directory of the upload directory for one commit's reject file (ingest
// names it after the uploaded file, which two users may share). The caller removes it; a
// sweep removes one left by a crash.
func (u *uploads) rejectDir() (string, error) {
	return os.MkdirTemp(u.dir, uploadPrefix+"rejects-")
}

// keepRejects moves a commit's reject file into the upload directory and keeps it for the
// user who committed, under the rules of uploads (uploadTTL, uploadsPerUser reject files).
func (u *uploads) keepRejects(tenant, userID, name, src string, rows int64) (*upload, error) {
	tmp, err := os.CreateTemp(u.dir, uploadPrefix+"*.rejects.csv")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	if err := os.Rename(src, tmp.Name()); err != nil {
		os.Remove(tmp.Name())
		return nil, err
	}
	up := &upload{ID: randomToken(), Tenant: tenant, UserID: userID, Name: name, Path: tmp.Name(), At: u.now(), Rejects: true, Rows: rows}
	u.put(up)
	return up, nil
}

// sweep drops expired uploads, and once a minute files of the directory that no waiting
// upload holds and that are older than uploadTTL (left by a crash or another run).
func (u *uploads) sweep() {
	now := u.now()
	for id, up := range u.m {
		if now.Sub(up.At) > uploadTTL {
			os.Remove(up.Path)
			delete(u.m, id)
		}
	}
	if time.Since(u.swept) > time.Minute {
		u.sweepDir(false)
	}
}

// sweepDir removes the directory's upload files (and reject directories) that no waiting
// upload holds: at start all of them older than a minute (younger ones may be arriving at another server sharing the
// directory), later those older than uploadTTL.
func (u *uploads) sweepDir(atStart bool) {
	now := time.Now() // files carry the wall clock's times, whatever the server's clock says
	u.swept = now
	held := map[string]bool{}
	for _, up := range u.m {
		held[up.Path] = true
	}
	age := uploadTTL
	if atStart {
		age = time.Minute
	}
	entries, err := os.ReadDir(u.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), uploadPrefix) || !e.Type().IsRegular() && !e.IsDir() {
			continue
		}
		p := filepath.Join(u.dir, e.Name())
		if held[p] {
			continue
		}
		// a directory is a commit's reject directory, removed by the commit unless it crashed
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > age {
			os.RemoveAll(p)
		}
	}
}
