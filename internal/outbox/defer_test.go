package outbox_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"pulso/internal/notify"
	"pulso/internal/notify/webhook"
	"pulso/internal/outbox"
)

// A channel that hangs costs one attempt per round, not one per message: its other messages
// are left for the next round with their attempts untouched, and the other channels' messages
// go out in the same round. RunOnceReport says what failed, why, and what was deferred.
func TestFailingChannelDefersItsOtherMessages(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		slow, ok := newReceiver(t), newReceiver(t)
		slow.up()
		ok.up()
		slow.mode.Store("hang")
		clk := newClock()
		hook := func(name, url string, timeout time.Duration) notify.Notifier {
			n, err := notify.Build(notify.ChannelConfig{Name: name, Type: notify.Webhook,
				Webhook: &webhook.Config{URL: url, Secret: hookSecret, Timeout: timeout}})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		d := &outbox.Dispatcher{DB: db, Now: clk.Now, Backoff: fixedBackoff(time.Minute), MaxAttempts: 5,
			Notifiers: map[string]notify.Notifier{"ops-hook": hook("ops-hook", slow.URL(), 300*time.Millisecond), "ok-hook": hook("ok-hook", ok.URL(), 5*time.Second)}}
		for _, id := range []string{"s1", "s2", "s3"} {
			if err := outbox.Enqueue(ctx, db, msg(id)); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range []string{"o1", "o2"} {
			m := msg(id)
			m.Channel = "ok-hook"
			if err := outbox.Enqueue(ctx, db, m); err != nil {
				t.Fatal(err)
			}
		}

		r, err := d.RunOnceReport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.Sent != 2 || r.Failed != 1 || len(r.Failures) != 1 || r.Deferred["ops-hook"] != 2 || len(r.Deferred) != 1 {
			t.Fatalf("round 1: %+v; want 2 sent, 1 failed, 2 deferred on ops-hook", r)
		}
		f := r.Failures[0]
		if f.Channel != "ops-hook" || f.Attempt != 1 || f.MaxAttempts != 5 || f.GaveUp || !f.NextAttemptAt.Equal(clk.Now().Add(time.Minute)) ||
			!strings.Contains(f.Err, "Client.Timeout exceeded") {
			t.Fatalf("round 1 failure: %+v", f)
		}
		if n := slow.hits.Load(); n != 1 {
			t.Fatalf("the hanging channel was tried %d times in one round, want 1", n)
		}
		tried := 0
		for _, id := range []string{"s1", "s2", "s3"} {
			st := status(t, db, id)
			switch {
			case id == f.ID:
				tried++
				if st.State != outbox.StatePending || st.Attempts != 1 || !strings.Contains(st.LastError, "Client.Timeout exceeded") {
					t.Errorf("%s, tried: %+v", id, st)
				}
			case st.State != outbox.StatePending || st.Attempts != 0 || st.LastError != "":
				t.Errorf("%s, deferred: %+v", id, st)
			}
		}
		if tried != 1 {
			t.Fatalf("the failure names %s, which is not one of the channel's messages", f.ID)
		}

		// The channel is back: the deferred messages go at once, the failed one when due.
		slow.mode.Store("ok")
		if r, err = d.RunOnceReport(ctx); err != nil || r.Sent != 2 || r.Failed != 0 || len(r.Deferred) != 0 {
			t.Fatalf("round 2: %+v, %v; want the 2 deferred sent", r, err)
		}
		clk.Advance(time.Minute)
		if r, err = d.RunOnceReport(ctx); err != nil || r.Sent != 1 || r.Failed != 0 {
			t.Fatalf("round 3: %+v, %v; want the retried one sent", r, err)
		}
		for _, id := range []string{"s1", "s2", "s3"} {
			if n := slow.count("acme/" + id); n != 1 {
				t.Errorf("%s delivered %d times, want 1", id, n)
			}
		}

		// A failure that gives up (a 400) does not defer the channel's other messages.
		slow.mode.Store("400")
		for _, id := range []string{"r1", "r2"} {
			if err := outbox.Enqueue(ctx, db, msg(id)); err != nil {
				t.Fatal(err)
			}
		}
		if r, err = d.RunOnceReport(ctx); err != nil || r.Failed != 2 || len(r.Deferred) != 0 || !r.Failures[0].GaveUp || !r.Failures[1].GaveUp {
			t.Fatalf("round 4: %+v, %v; want both given up, nothing deferred", r, err)
		}
	})
}
