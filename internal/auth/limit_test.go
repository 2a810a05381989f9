package auth

import (
	"fmt"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func newClock() *fakeClock                   { return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }
func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// The pair's wait grows 0, 0, 0, 1 s, 2 s, 4 s … and stops at PairCap; only that pair waits.
func TestThrottlePair(t *testing.T) {
	clk := newClock()
	th := NewThrottle(clk.Now)
	const ana, home, other = "acme\x00ana", "203.0.113.7", "198.51.100.9"
	// waits after the 1st, 2nd … 14th failure, by hand: the first three tries are free (no
	// wait after failures 1 and 2), then 1 s doubling to 600 s
	want := []time.Duration{0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600}
	for i, w := range want {
		th.Fail(ana, home)
		until, wait := th.Wait(ana, home)
		if w == 0 {
			if wait {
				t.Fatalf("after failure %d: wait until %s, want none", i+1, until)
			}
			continue
		}
		if !wait || !until.Equal(clk.t.Add(w*time.Second)) {
			t.Fatalf("after failure %d: wait %v until %s, want %s later", i+1, wait, until.Sub(clk.t), w*time.Second)
		}
		clk.Advance(w*time.Second - time.Millisecond)
		if _, wait := th.Wait(ana, home); !wait {
			t.Fatalf("after failure %d: free a millisecond early", i+1)
		}
		clk.Advance(time.Millisecond)
		if _, wait := th.Wait(ana, home); wait {
			t.Fatalf("after failure %d: still waiting at the end", i+1)
		}
	}
	// Another address is not held back by this pair: at most by the per-login slowdown.
	if until, wait := th.Wait(ana, other); wait && until.Sub(clk.t) > LoginCap {
		t.Errorf("another address waits %s, more than the per-login slowdown's %s", until.Sub(clk.t), LoginCap)
	}
	// A success forgets the pair.
	th.Succeed(ana, home)
	if _, wait := th.Wait(ana, home); wait {
		t.Error("the pair still waits after a success")
	}
	th.Fail(ana, home)
	if _, wait := th.Wait(ana, home); wait {
		t.Error("one failure after a success waits")
	}
	// A pair idle for PairForget starts again.
	for range 6 {
		th.Fail("acme\x00luis", home)
	}
	clk.Advance(PairForget)
	th.Fail("acme\x00luis", home)
	if _, wait := th.Wait("acme\x00luis", home); wait {
		t.Error("a pair idle for a day still waits after one new failure")
	}
}

// Finding 9 of issue #8: five wrong passwords from anywhere locked the owner out for 15
// minutes. Now an attacker elsewhere never makes the owner wait at their usual address, and
// at a new address at most LoginCap.
func TestThrottleOwnerNeverLockedOut(t *testing.T) {
	clk := newClock()
	th := NewThrottle(clk.Now)
	const ana, home, attacker, travel = "acme\x00ana", "203.0.113.7", "198.51.100.66", "192.0.2.44"
	th.Succeed(ana, home) // the owner signed in from home before
	for i := range 200 {
		// a distributed guesser: one try per address, and a patient one at a single address
		th.Fail(ana, fmt.Sprintf("100.64.%d.%d", i/250, i%250))
		th.Fail(ana, attacker)
		clk.Advance(time.Second)
	}
	if until, wait := th.Wait(ana, home); wait {
		t.Fatalf("the owner at home waits until %s after 400 failures elsewhere", until)
	}
	if _, wait := th.Wait(ana, attacker); !wait {
		t.Error("the attacker's pair does not wait")
	}
	until, wait := th.Wait(ana, travel)
	if !wait || !until.Equal(clk.t.Add(-time.Second).Add(LoginCap)) {
		t.Errorf("a new address: wait %v until %s, want the last failure + %s", wait, until, LoginCap)
	}
	clk.t = until
	if _, wait := th.Wait(ana, travel); wait {
		t.Error("a new address still waits after LoginCap")
	}
	// Below LoginFree failures, a new address does not wait at all; and the per-login count
	// is per login.
	if _, wait := th.Wait("acme\x00luis", travel); wait {
		t.Error("another login waits")
	}
	th2 := NewThrottle(clk.Now)
	for i := range LoginFree - 1 {
		th2.Fail(ana, fmt.Sprintf("100.64.0.%d", i))
	}
	if _, wait := th2.Wait(ana, travel); wait {
		t.Errorf("%d failures over many addresses make a new one wait", LoginFree-1)
	}
	th2.Fail(ana, "100.64.1.1")
	if until, wait := th2.Wait(ana, travel); !wait || !until.Equal(clk.t.Add(PairBase)) {
		t.Errorf("%d failures: wait %v until %s, want %s", LoginFree, wait, until, PairBase)
	}
}

// Spraying one password over many logins from one address blocks the address (for logins
// that it never signed in to) until the oldest failure leaves the window.
func TestThrottleAddressCap(t *testing.T) {
	clk := newClock()
	th := NewThrottle(clk.Now)
	const spray, home = "192.0.2.66", "203.0.113.7"
	th.Succeed("acme\x00eva", spray) // eva signs in from the sprayer's network (an office NAT)
	start := clk.t
	for i := range AddrMax - 1 {
		th.Fail(fmt.Sprintf("acme\x00guess%d", i), spray)
		clk.Advance(time.Second)
	}
	if _, wait := th.Wait("acme\x00luis", spray); wait {
		t.Fatalf("%d failures block the address", AddrMax-1)
	}
	th.Fail("acme\x00guess-last", spray)
	until, wait := th.Wait("acme\x00luis", spray)
	if !wait || !until.Equal(start.Add(AddrWindow)) {
		t.Errorf("after %d failures: wait %v until %s, want %s (the first failure + the window)", AddrMax, wait, until, start.Add(AddrWindow))
	}
	if _, wait := th.Wait("acme\x00luis", home); wait {
		t.Error("another address is blocked")
	}
	if _, wait := th.Wait("acme\x00eva", spray); wait {
		t.Error("a login that signed in from the address is blocked there")
	}
	clk.t = start.Add(AddrWindow)
	if _, wait := th.Wait("acme\x00luis", spray); wait {
		t.Error("still blocked when the first failure left the window")
	}
}

// Memory follows the recent failures: old keys go at the next sweep.
func TestThrottleSweep(t *testing.T) {
	clk := newClock()
	th := NewThrottle(clk.Now)
	for i := range 50 {
		th.Fail(fmt.Sprintf("acme\x00u%d", i), fmt.Sprintf("192.0.2.%d", i))
	}
	th.Succeed("acme\x00ana", "203.0.113.7")
	clk.Advance(UsualFor)
	th.Fail("acme\x00new", "198.51.100.1")
	if len(th.pairs) != 1 || len(th.addrs) != 1 || len(th.logins) != 1 || len(th.usual) != 0 {
		t.Errorf("after %s: %d pairs, %d addresses, %d logins, %d usual kept; want 1, 1, 1, 0",
			UsualFor, len(th.pairs), len(th.addrs), len(th.logins), len(th.usual))
	}
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":                  "203.0.113.7",
		"::ffff:203.0.113.7":           "203.0.113.7",
		"2001:db8:1:2:aaaa::1":         "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb:cccc::ffff": "2001:db8:1:2::/64",
		"not an ip":                    "not an ip",
		"":                             "",
	} {
		if got := addrKey(in); got != want {
			t.Errorf("addrKey(%q) = %q, want %q", in, got, want)
		}
	}
}
