package auth

import (
	"net/netip"
	"sync"
	"time"
)

// Throttle slows password guessing without letting anyone lock an account's owner out. It
// keeps three counts of failed sign-ins:
//
//   - per login and client address (the pair): the first PairFree tries are free; from then
//     on each failure doubles the wait before the pair's next try, from PairBase up to
//     PairCap (waits before tries 1, 2, 3, 4, 5 …: 0, 0, 0, 1 s, 2 s, 4 s … 10 min). Only
//     that address waits, so an attacker elsewhere cannot make the owner wait.
//   - per client address, over every login (against spraying one password over many
//     logins): AddrMax failures within AddrWindow block the address until the oldest of them
//     leaves the window.
//   - per login, over every address (against a guesser spread over many addresses): after
//     LoginFree failures within LoginWindow, each try from an address must wait after the
//     login's last failure, doubling from PairBase up to LoginCap (one minute): a soft
//     slowdown that never locks.
//
// An address the login signed in from within UsualFor is its owner's usual one: the
// per-login slowdown and the address block do not apply to that login from there, so the
// owner with the right password only ever waits for their own mistakes.
//
// It lives in the memory of one server node: with several `pulso serve` nodes each counts
// on its own (an attacker spread over N nodes gets N times the tries); a multi-node
// deployment that needs one count would keep these in the database instead.
type Throttle struct {
	Now func() time.Time

	PairFree          int
	PairBase, PairCap time.Duration
	PairForget        time.Duration // a pair without a failure this long starts again from 0
	AddrMax           int
	AddrWindow        time.Duration
	LoginFree         int
	LoginWindow       time.Duration
	LoginCap          time.Duration
	UsualFor          time.Duration
	MaxUsual          int // addresses remembered per login; the least recent goes first
	mu                sync.Mutex
	pairs             map[string]*pairCount
	addrs             map[string][]time.Time // recent failures per address, at most AddrMax
	logins            map[string][]time.Time // recent failures per login, at most loginKeep
	usual             map[string]map[string]time.Time
	swept             time.Time
}

type pairCount struct {
	fails int
	last  time.Time
}

// Throttle defaults.
const (
	PairFree    = 3
	PairBase    = time.Second
	PairCap     = 10 * time.Minute
	PairForget  = 24 * time.Hour
	AddrMax     = 30
	AddrWindow  = 15 * time.Minute
	LoginFree   = 10
	LoginWindow = time.Hour
	LoginCap    = time.Minute
	UsualFor    = 90 * 24 * time.Hour
	MaxUsual    = 8
)

// NewThrottle makes a throttle with the defaults above; now is its clock.
func NewThrottle(now func() time.Time) *Throttle {
	return &Throttle{Now: now, PairFree: PairFree, PairBase: PairBase, PairCap: PairCap, PairForget: PairForget,
		AddrMax: AddrMax, AddrWindow: AddrWindow, LoginFree: LoginFree, LoginWindow: LoginWindow, LoginCap: LoginCap,
		UsualFor: UsualFor, MaxUsual: MaxUsual,
		pairs: map[string]*pairCount{}, addrs: map[string][]time.Time{}, logins: map[string][]time.Time{}, usual: map[string]map[string]time.Time{}}
}

// backoff is base doubled once per failure beyond free, at most limit.
func backoff(fails, free int, base, limit time.Duration) time.Duration {
	if fails < free {
		return 0
	}
	d := base
	for i := free; i < fails && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Wait tells whether a sign-in of login (loginKey) from addr (addrKey, "" if unknown) must
// wait now, and until when.
func (t *Throttle) Wait(login, addr string) (until time.Time, wait bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	later := func(u time.Time) {
		if u.After(until) {
			until = u
		}
	}
	if p := t.pairs[login+"\x00"+addr]; p != nil && now.Sub(p.last) < t.PairForget {
		later(p.last.Add(backoff(p.fails, t.PairFree, t.PairBase, t.PairCap)))
	}
	if !t.isUsual(login, addr, now) {
		if fails := recent(t.addrs[addr], now.Add(-t.AddrWindow)); addr != "" && len(fails) >= t.AddrMax {
			later(fails[len(fails)-t.AddrMax].Add(t.AddrWindow))
		}
		if fails := recent(t.logins[login], now.Add(-t.LoginWindow)); len(fails) >= t.LoginFree {
			later(fails[len(fails)-1].Add(backoff(len(fails)-t.LoginFree+1, 1, t.PairBase, t.LoginCap)))
		}
	}
	return until, now.Before(until)
}

func (t *Throttle) isUsual(login, addr string, now time.Time) bool {
	at, ok := t.usual[login][addr]
	return ok && addr != "" && now.Sub(at) < t.UsualFor
}

// loginKeep bounds the failures kept per login: past LoginFree plus the doublings that reach
// LoginCap, more change nothing.
func (t *Throttle) loginKeep() int { return t.LoginFree + 32 }

// Fail counts a failed sign-in of login from addr.
func (t *Throttle) Fail(login, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	t.sweep(now)
	k := login + "\x00" + addr
	p := t.pairs[k]
	if p == nil || now.Sub(p.last) >= t.PairForget {
		p = &pairCount{}
		t.pairs[k] = p
	}
	p.fails, p.last = p.fails+1, now
	if addr != "" {
		t.addrs[addr] = keepLast(append(recent(t.addrs[addr], now.Add(-t.AddrWindow)), now), t.AddrMax)
	}
	t.logins[login] = keepLast(append(recent(t.logins[login], now.Add(-t.LoginWindow)), now), t.loginKeep())
}

// Succeed records a sign-in with the right password: the pair starts again from 0 and addr
// becomes one of the login's usual addresses. The address keeps its count: one good account
// must not launder guesses at others.
func (t *Throttle) Succeed(login, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	delete(t.pairs, login+"\x00"+addr)
	if addr == "" {
		return
	}
	u := t.usual[login]
	if u == nil {
		u = map[string]time.Time{}
		t.usual[login] = u
	}
	u[addr] = now
	for len(u) > t.MaxUsual {
		var oldest string
		for a, at := range u {
			if oldest == "" || at.Before(u[oldest]) {
				oldest = a
			}
		}
		delete(u, oldest)
	}
}

// sweep drops, at most once a minute, what no longer counts, so that memory follows the
// recent failure rate rather than every key ever tried.
func (t *Throttle) sweep(now time.Time) {
	if now.Sub(t.swept) < time.Minute {
		return
	}
	t.swept = now
	for k, p := range t.pairs {
		if now.Sub(p.last) >= t.PairForget {
			delete(t.pairs, k)
		}
	}
	for k, f := range t.addrs {
		if f = recent(f, now.Add(-t.AddrWindow)); len(f) == 0 {
			delete(t.addrs, k)
		} else {
			t.addrs[k] = f
		}
	}
	for k, f := range t.logins {
		if f = recent(f, now.Add(-t.LoginWindow)); len(f) == 0 {
			delete(t.logins, k)
		} else {
			t.logins[k] = f
		}
	}
	for k, u := range t.usual {
		for a, at := range u {
			if now.Sub(at) >= t.UsualFor {
				delete(u, a)
			}
		}
		if len(u) == 0 {
			delete(t.usual, k)
		}
	}
}

// recent drops the times not after since (fails is oldest first).
func recent(fails []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(fails) && !fails[i].After(since) {
		i++
	}
	return fails[i:]
}

func keepLast(fails []time.Time, n int) []time.Time {
	if len(fails) > n {
		return append([]time.Time(nil), fails[len(fails)-n:]...)
	}
	return fails
}

// loginKey identifies a login within its tenant.
func loginKey(tenant, login string) string { return tenant + "\x00" + login }

// addrKey is the throttle's key of a client address: IPv6 clients are counted per /64, the
// block one subscriber usually holds, so rotating addresses within it buys no extra tries.
func addrKey(ip string) string {
	if ip == "" {
		return ""
	}
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
