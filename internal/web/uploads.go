package web

import (
	"os"
	"sync"
	"time"
)

// uploadTTL is how long a checked file waits for its commit.
const uploadTTL = time.Hour

// upload is a checked file waiting to be committed: kept in a temporary file on this node,
// bound to the tenant and user who sent it.
type upload struct {
	ID, Tenant, UserID string
	Kind, Name, Path   string
	Format             string
	At                 time.Time
	Mapping            map[string]string // file column → contract column, chosen by the user
	OK                 bool              // the last check passed: it may be committed
}

// uploads keeps checked files between the check and the commit. It lives in one node's
// memory: behind several nodes, the commit must reach the node that checked (sticky
// sessions), or the user uploads again.
type uploads struct {
	mu  sync.Mutex
	m   map[string]*upload
	now func() time.Time
}

func newUploads(now func() time.Time) *uploads {
	return &uploads{m: map[string]*upload{}, now: now}
}

func (u *uploads) put(up *upload) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sweep()
	u.m[up.ID] = up
}

// take removes and returns the upload of id if it belongs to the tenant and user.
func (u *uploads) take(id, tenant, userID string) (*upload, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sweep()
	up, ok := u.m[id]
	if !ok || up.Tenant != tenant || up.UserID != userID {
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
	if !ok || up.Tenant != tenant || up.UserID != userID {
		return nil, false
	}
	return up, true
}

func (u *uploads) sweep() {
	now := u.now()
	for id, up := range u.m {
		if now.Sub(up.At) > uploadTTL {
			os.Remove(up.Path)
			delete(u.m, id)
		}
	}
}
