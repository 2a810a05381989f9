package auth

import (
	"net/netip"
	"sync"
	"time"
)

// Limiter locks a key (a login, a client address) after Max failures within Window, for
// Lockout. It lives in the memory of one server node: with several `pulso serve` nodes each
// counts on its own, so an attacker spread over N nodes gets N × Max tries per window; a
// multi-node deployment that needs one count would keep the failures in the database instead.
type Limiter struct {
	Max     int
	Window  time.Duration
	Lockout time.Duration
	Now     func() time.Time

	mu    sync.Mutex
	keys  map[string]*strikes
	swept time.Time
}

type strikes struct {
	fails []time.Time // within Window, oldest first
	until time.Time   // locked before this time
}

// NewLimiter makes a limiter; now is its clock.
func NewLimiter(max int, window, lockout time.Duration, now func() time.Time) *Limiter {
	return &Limiter{Max: max, Window: window, Lockout: lockout, Now: now, keys: map[string]*strikes{}}
}

// Locked tells whether key is locked now, and until when.
func (l *Limiter) Locked(key string) (until time.Time, locked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.keys[key]; st != nil && l.Now().Before(st.until) {
		return st.until, true
	}
	return time.Time{}, false
}

// Fail counts a failure of key; the one that reaches Max starts the lock.
func (l *Limiter) Fail(key string) (until time.Time, locked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	l.sweep(now)
	st := l.keys[key]
	if st == nil {
		st = &strikes{}
		l.keys[key] = st
	}
	st.fails = append(recent(st.fails, now.Add(-l.Window)), now)
	if len(st.fails) >= l.Max {
		st.until, st.fails = now.Add(l.Lockout), nil
	}
	return st.until, now.Before(st.until)
}

// Reset forgets key's failures and lock (after a successful login).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// sweep drops, at most once per window, the keys with neither a lock nor a recent failure,
// so that memory follows the recent failure rate rather than every key ever tried.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < l.Window {
		return
	}
	l.swept = now
	for k, st := range l.keys {
		st.fails = recent(st.fails, now.Add(-l.Window))
		if len(st.fails) == 0 && !now.Before(st.until) {
			delete(l.keys, k)
		}
	}
}

func recent(fails []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(fails) && !fails[i].After(since) {
		i++
	}
	return fails[i:]
}

// loginKey identifies a login within its tenant.
func loginKey(tenant, login string) string { return tenant + "\x00" + login }

// addrKey is the limiter key of a client address: IPv6 clients are counted per /64, the block
// one subscriber usually holds, so rotating addresses within it buys no extra tries.
func addrKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.String()
		}
	}
	return a.String()
}
