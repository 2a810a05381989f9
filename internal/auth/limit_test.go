package auth

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func newClock() *fakeClock                   { return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }
func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLimiter(t *testing.T) {
	clk := newClock()
	l := NewLimiter(5, 15*time.Minute, 15*time.Minute, clk.Now)
	start := clk.t
	for i := 1; i <= 4; i++ {
		if _, locked := l.Fail("ana"); locked {
			t.Fatalf("locked after %d failures", i)
		}
		clk.Advance(time.Minute)
	}
	if _, locked := l.Locked("ana"); locked {
		t.Fatal("locked after 4 failures")
	}
	until, locked := l.Fail("ana") // the 5th, at start+4m
	if want := start.Add(4*time.Minute + 15*time.Minute); !locked || !until.Equal(want) {
		t.Fatalf("5th failure: locked %v until %s, want until %s", locked, until, want)
	}
	if _, locked := l.Locked("luis"); locked {
		t.Error("another key is locked")
	}
	clk.Advance(15*time.Minute - time.Second)
	if _, locked := l.Locked("ana"); !locked {
		t.Error("unlocked before the lockout ended")
	}
	clk.Advance(time.Second)
	if _, locked := l.Locked("ana"); locked {
		t.Error("still locked when the lockout ended")
	}
	// The lock cleared the count: one more failure does not lock again.
	if _, locked := l.Fail("ana"); locked {
		t.Error("one failure after a lockout locks again")
	}

	// Failures older than the window do not count.
	for i := 0; i < 4; i++ {
		l.Fail("luis")
	}
	clk.Advance(15*time.Minute + time.Second)
	if _, locked := l.Fail("luis"); locked {
		t.Error("failures outside the window counted")
	}
	// Reset forgets.
	for i := 0; i < 4; i++ {
		l.Fail("eva")
	}
	l.Reset("eva")
	if _, locked := l.Fail("eva"); locked {
		t.Error("Reset kept the failures")
	}

	// Keys without a recent failure or lock are swept.
	clk.Advance(time.Hour)
	l.Fail("new")
	if n := len(l.keys); n != 1 {
		t.Errorf("%d keys kept after an hour, want 1 (the new one)", n)
	}
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":                  "203.0.113.7",
		"::ffff:203.0.113.7":           "203.0.113.7",
		"2001:db8:1:2:aaaa::1":         "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb:cccc::ffff": "2001:db8:1:2::/64",
		"not an ip":                    "not an ip",
	} {
		if got := addrKey(in); got != want {
			t.Errorf("addrKey(%q) = %q, want %q", in, got, want)
		}
	}
}
