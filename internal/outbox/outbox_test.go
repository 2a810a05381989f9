package outbox_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pulso/internal/notify"
	"pulso/internal/notify/dingtalk"
	"pulso/internal/notify/email"
	"pulso/internal/notify/webhook"
	"pulso/internal/outbox"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// ---- engines -------------------------------------------------------------------------------

type engine struct {
	name string
	open func(t *testing.T) *sql.DB
}

func engines() []engine {
	return []engine{
		{"duckdb", func(t *testing.T) *sql.DB {
			d, err := duckdb.Open(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return d.DB()
		}},
		{"postgres", func(t *testing.T) *sql.DB {
			d, err := postgres.Open(context.Background(), storetest.PostgresSchema(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return d.DB()
		}},
	}
}

func eachEngine(t *testing.T, f func(t *testing.T, db *sql.DB)) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) { f(t, e.open(t)) })
	}
}

// ---- a clock the test moves ------------------------------------------------------------------

type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts a minute ahead of the real time, so that what Enqueue (real time) queued
// in the test is due at once.
func newClock() *clock {
	return &clock{t: time.Now().UTC().Add(time.Minute).Truncate(time.Microsecond)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// ---- a real webhook receiver -------------------------------------------------------------------

const hookSecret = "whsec-outbox-test-3f9a"

// receiver is a webhook endpoint on 127.0.0.1 that checks Pulso's signature and counts
// deliveries per message id. mode: "ok", "503", "429", "400", "hang".
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	addr   string
	mode   atomic.Value
	delay  time.Duration
	mu     sync.Mutex
	counts map[string]int
	hits   atomic.Int64
	bad    atomic.Int64 // requests with a wrong signature
}

// newReceiver reserves an address; the server is started with up() and can go down().
func newReceiver(t *testing.T) *receiver {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{t: t, addr: l.Addr().String(), counts: map[string]int{}}
	l.Close() // nothing listens: connection refused until up()
	r.mode.Store("ok")
	t.Cleanup(r.down)
	return r
}

func (r *receiver) URL() string { return "http://" + r.addr + "/hooks/pulso?token=tok-in-url-91c2" }

func (r *receiver) up() {
	r.t.Helper()
	if r.srv != nil {
		return
	}
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port was just freed; retry briefly if it lingers
		if l, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("listen again on %s: %v", r.addr, err)
	}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.srv.Listener.Close()
	r.srv.Listener = l
	r.srv.Start()
}

func (r *receiver) down() {
	if r.srv != nil {
		r.srv.CloseClientConnections()
		r.srv.Close()
		r.srv = nil
	}
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.hits.Add(1)
	body, _ := io.ReadAll(req.Body)
	if !webhook.Verify(body, hookSecret, req.Header.Get(webhook.HeaderSignature)) {
		r.bad.Add(1)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.ID != req.Header.Get(webhook.HeaderMessageID) {
		r.bad.Add(1)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	switch r.mode.Load().(string) {
	case "503":
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	case "429":
		w.Header().Set("Retry-After", "600")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case "400":
		http.Error(w, "no such channel", http.StatusBadRequest)
		return
	case "hang":
		<-req.Context().Done()
		return
	}
	r.mu.Lock()
	r.counts[p.Tenant+"/"+p.ID]++
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[key]
}

func (r *receiver) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.counts))
	for k, v := range r.counts {
		out[k] = v
	}
	return out
}

func hookNotifier(t *testing.T, url string) notify.Notifier {
	t.Helper()
	n, err := notify.Build(notify.ChannelConfig{Name: "ops-hook", Type: notify.Webhook,
		Webhook: &webhook.Config{URL: url, Secret: hookSecret, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func msg(id string) notify.Message {
	return notify.Message{
		ID: id, Tenant: "acme", Channel: "ops-hook", Lang: "pt-BR",
		Title: "Taxa de cancelamento acima da meta", Text: "México: **4.2%** (meta 2%) · 取消率超标",
		Mentions: []string{"+5511999990000"}, Link: "https://pulso.example/kpi/cancel_rate",
		Fields: map[string]string{"country": "MX", "kpi": "cancel_rate"},
	}
}

func fixedBackoff(d time.Duration) func(int) time.Duration {
	return func(int) time.Duration { return d }
}

// ---- tests -------------------------------------------------------------------------------

func TestEnqueueIsIdempotent(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		m := msg("alert-1")
		if err := outbox.Enqueue(ctx, db, m, m); err != nil { // repeated in one call
			t.Fatal(err)
		}
		changed := m
		changed.Text = "a second version must not replace the first"
		if err := outbox.Enqueue(ctx, db, changed, msg("alert-2")); err != nil {
			t.Fatal(err)
		}
		other := m
		other.Tenant = "globex" // same id, other tenant: another message
		if err := outbox.Enqueue(ctx, db, other); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("rows = %d, want 3", n)
		}
		var body, mentions, fields string
		if err := db.QueryRowContext(ctx, `SELECT body, mentions, fields FROM outbox WHERE tenant_id = 'acme' AND message_id = 'alert-1'`).Scan(&body, &mentions, &fields); err != nil {
			t.Fatal(err)
		}
		if body != m.Text || mentions != `["+5511999990000"]` || !strings.Contains(fields, `"country":"MX"`) {
			t.Fatalf("stored %q %q %q", body, mentions, fields)
		}
		st, err := outbox.Get(ctx, db, "acme", "alert-1")
		if err != nil || st.State != outbox.StatePending || st.Attempts != 0 || st.Channel != "ops-hook" {
			t.Fatalf("status %+v, %v", st, err)
		}
		if _, err := outbox.Get(ctx, db, "acme", "nope"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("missing message: %v", err)
		}

		// In the caller's transaction: rolled back with it.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := outbox.Enqueue(ctx, tx, msg("alert-rolled-back")); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if _, err := outbox.Get(ctx, db, "acme", "alert-rolled-back"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("rolled back message is queued: %v", err)
		}

		for _, bad := range []notify.Message{
			{ID: "x", Tenant: "Bad Tenant", Channel: "c", Text: "t"},
			{ID: "", Tenant: "acme", Channel: "c", Text: "t"},
			{ID: "x", Tenant: "acme", Channel: "", Text: "t"},
			{ID: "x", Tenant: "acme", Channel: "c"},
		} {
			if err := outbox.Enqueue(ctx, db, msg("ok-but-batched-with-bad"), bad); err == nil {
				t.Errorf("Enqueue(%+v) succeeded", bad)
			}
		}
		if _, err := outbox.Get(ctx, db, "acme", "ok-but-batched-with-bad"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("a batch with an invalid message was partly queued: %v", err)
		}
	})
}

func TestDownChannelIsRetriedThenDeliveredOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		rcv := newReceiver(t)
		clk := newClock()
		var attempts []int
		d := &outbox.Dispatcher{
			DB:        db,
			Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())},
			Now:       clk.Now,
			Backoff: func(a int) time.Duration {
				attempts = append(attempts, a)
				return time.Duration(a) * time.Minute
			},
			MaxAttempts: 5,
		}
		if err := outbox.Enqueue(ctx, db, msg("m1")); err != nil {
			t.Fatal(err)
		}

		// 1: nothing listens (connection refused).
		runOnce(t, d, 0, 1)
		st := status(t, db, "m1")
		if st.State != outbox.StatePending || st.Attempts != 1 || !strings.Contains(st.LastError, "refused") {
			t.Fatalf("after refused: %+v", st)
		}
		if want := clk.Now().Add(time.Minute); !st.NextAttemptAt.Equal(want) {
			t.Fatalf("next attempt %v, want %v", st.NextAttemptAt, want)
		}
		runOnce(t, d, 0, 0) // not due yet

		// 2: the server is up but answers 503.
		rcv.up()
		rcv.mode.Store("503")
		clk.Advance(time.Minute)
		runOnce(t, d, 0, 1)
		st = status(t, db, "m1")
		if st.Attempts != 2 || !strings.Contains(st.LastError, "HTTP 503") {
			t.Fatalf("after 503: %+v", st)
		}
		clk.Advance(time.Minute)
		runOnce(t, d, 0, 0) // backoff doubled: 2 minutes

		// 3: back.
		rcv.mode.Store("ok")
		clk.Advance(time.Minute)
		runOnce(t, d, 1, 0)
		st = status(t, db, "m1")
		if st.State != outbox.StateSent || st.SentAt == nil || st.LastError != "" || st.Attempts != 3 {
			t.Fatalf("after recovery: %+v", st)
		}
		clk.Advance(time.Hour)
		runOnce(t, d, 0, 0)
		if n := rcv.count("acme/m1"); n != 1 {
			t.Fatalf("delivered %d times, want 1", n)
		}
		if fmt.Sprint(attempts) != "[1 2]" {
			t.Fatalf("backoff asked for attempts %v, want [1 2]", attempts)
		}
		if rcv.bad.Load() != 0 {
			t.Fatalf("%d requests with a bad signature", rcv.bad.Load())
		}
		// Enqueueing it again does not send it again.
		if err := outbox.Enqueue(ctx, db, msg("m1")); err != nil {
			t.Fatal(err)
		}
		runOnce(t, d, 0, 0)
		if n := rcv.count("acme/m1"); n != 1 {
			t.Fatalf("delivered %d times after a repeated Enqueue", n)
		}
	})
}

func TestGiveUp(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		rcv := newReceiver(t)
		rcv.up()
		clk := newClock()
		d := &outbox.Dispatcher{
			DB: db, Now: clk.Now, Backoff: fixedBackoff(time.Second), MaxAttempts: 3,
			Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())},
		}
		// Always 503: three attempts, then dead.
		rcv.mode.Store("503")
		if err := outbox.Enqueue(ctx, db, msg("flaky")); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			runOnce(t, d, 0, 1)
			clk.Advance(time.Second)
		}
		st := status(t, db, "flaky")
		if st.State != outbox.StateDead || st.Attempts != 3 || !strings.HasPrefix(st.LastError, "gave up: ") {
			t.Fatalf("after 3 failures: %+v", st)
		}
		runOnce(t, d, 0, 0)

		// 400 is final at once.
		rcv.mode.Store("400")
		if err := outbox.Enqueue(ctx, db, msg("rejected")); err != nil {
			t.Fatal(err)
		}
		runOnce(t, d, 0, 1)
		if st := status(t, db, "rejected"); st.State != outbox.StateDead || st.Attempts != 1 || !strings.Contains(st.LastError, "HTTP 400") {
			t.Fatalf("after 400: %+v", st)
		}

		// 429 with Retry-After: the server's delay wins over a shorter backoff.
		rcv.mode.Store("429")
		if err := outbox.Enqueue(ctx, db, msg("throttled")); err != nil {
			t.Fatal(err)
		}
		runOnce(t, d, 0, 1)
		st = status(t, db, "throttled")
		if want := clk.Now().Add(600 * time.Second); st.State != outbox.StatePending || !st.NextAttemptAt.Equal(want) {
			t.Fatalf("after 429: %+v, want next attempt %v", st, want)
		}

		// A channel nobody configured is retried (configuration may arrive), then dead.
		lost := msg("lost")
		lost.Channel = "not-configured"
		if err := outbox.Enqueue(ctx, db, lost); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			runOnce(t, d, 0, 1)
			clk.Advance(time.Second)
		}
		if st := status(t, db, "lost"); st.State != outbox.StateDead || !strings.Contains(st.LastError, "no notifier") {
			t.Fatalf("unconfigured channel: %+v", st)
		}
	})
}

func TestRestartLosesNothingDuckDBFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pulso.duckdb")
	rcv := newReceiver(t)
	clk := newClock()

	st1, err := duckdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"r1", "r2", "r3"}
	for _, id := range ids {
		if err := outbox.Enqueue(ctx, st1.DB(), msg(id)); err != nil {
			t.Fatal(err)
		}
	}
	d1 := &outbox.Dispatcher{DB: st1.DB(), Now: clk.Now, Backoff: fixedBackoff(time.Minute), MaxAttempts: 5,
		Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())}}
	// Down: the first attempt fails and the other two are left for the next round (a channel
	// that is down costs one attempt per round, not one per message); all three wait.
	runOnce(t, d1, 0, 1)
	// A fourth is claimed by a dispatcher that then dies mid-send (its lease stays).
	if err := outbox.Enqueue(ctx, st1.DB(), msg("r4")); err != nil {
		t.Fatal(err)
	}
	if _, err := st1.DB().ExecContext(ctx, `UPDATE outbox SET claim_token = 'dead-process', claimed_until = $1, attempts = 1
		WHERE message_id = 'r4'`, clk.Now().Add(outbox.DefaultLease)); err != nil {
		t.Fatal(err)
	}
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart: a new process opens the file.
	st2, err := duckdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	rcv.up()
	d2 := &outbox.Dispatcher{DB: st2.DB(), Now: clk.Now, Backoff: fixedBackoff(time.Minute), MaxAttempts: 5,
		Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())}}
	clk.Advance(time.Minute)
	runOnce(t, d2, 3, 0) // r4 is still leased to the dead process
	if n := rcv.count("acme/r4"); n != 0 {
		t.Fatal("a leased message was sent before its lease ran out")
	}
	clk.Advance(outbox.DefaultLease)
	runOnce(t, d2, 1, 0)
	clk.Advance(time.Hour)
	runOnce(t, d2, 0, 0)
	for _, id := range append(ids, "r4") {
		if n := rcv.count("acme/" + id); n != 1 {
			t.Errorf("%s delivered %d times, want 1", id, n)
		}
		if st := status(t, st2.DB(), id); st.State != outbox.StateSent {
			t.Errorf("%s: %+v", id, st)
		}
	}
}

func TestCrashOnLastAttemptGivesUp(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		clk := newClock()
		if err := outbox.Enqueue(ctx, db, msg("poison")); err != nil {
			t.Fatal(err)
		}
		// Claimed for its last attempt by a process that died.
		if _, err := db.ExecContext(ctx, `UPDATE outbox SET claim_token = 'dead', claimed_until = $1, attempts = 2`, clk.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		rcv := newReceiver(t)
		rcv.up()
		d := &outbox.Dispatcher{DB: db, Now: clk.Now, MaxAttempts: 2,
			Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())}}
		runOnce(t, d, 0, 0)
		if st := status(t, db, "poison"); st.State != outbox.StatePending {
			t.Fatalf("gave up while the lease holds: %+v", st)
		}
		clk.Advance(2 * time.Minute)
		runOnce(t, d, 0, 0)
		if st := status(t, db, "poison"); st.State != outbox.StateDead || rcv.hits.Load() != 0 {
			t.Fatalf("after the lease: %+v, %d sends", st, rcv.hits.Load())
		}
	})
}

func TestStopDuringSendKeepsTheMessage(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		rcv := newReceiver(t)
		rcv.up()
		rcv.mode.Store("hang")
		d := &outbox.Dispatcher{DB: db, Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())}}
		if err := outbox.Enqueue(context.Background(), db, msg("in-flight")); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for rcv.hits.Load() == 0 {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
		}()
		_, _, err := d.RunOnce(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("RunOnce = %v, want context.Canceled", err)
		}
		st := status(t, db, "in-flight")
		if st.State != outbox.StatePending || st.Attempts != 0 {
			t.Fatalf("after stop: %+v", st)
		}
		rcv.mode.Store("ok")
		runOnce(t, d, 1, 0)
		if n := rcv.count("acme/in-flight"); n != 1 {
			t.Fatalf("delivered %d times", n)
		}
	})
}

func TestRunStopsOnContext(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		rcv := newReceiver(t)
		rcv.up()
		d := &outbox.Dispatcher{DB: db, BatchSize: 2,
			Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())}}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx, 20*time.Millisecond) }()
		for i := 0; i < 5; i++ { // more than a batch: Run goes on while batches come back full
			if err := outbox.Enqueue(context.Background(), db, msg(fmt.Sprintf("run-%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(rcv.snapshot()) < 5 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not stop")
		}
		for i := 0; i < 5; i++ {
			if n := rcv.count(fmt.Sprintf("acme/run-%d", i)); n != 1 {
				t.Errorf("run-%d delivered %d times", i, n)
			}
		}
	})
}

func TestTwoDispatchersPostgresDeliverOnce(t *testing.T) {
	dsn := storetest.PostgresSchema(t)
	ctx := context.Background()
	var dbs []*sql.DB
	for i := 0; i < 2; i++ { // two nodes: two pools on one schema
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		dbs = append(dbs, st.DB())
	}
	rcv := newReceiver(t)
	rcv.delay = 2 * time.Millisecond
	rcv.up()
	const n = 60
	var msgs []notify.Message
	for i := 0; i < n; i++ {
		msgs = append(msgs, msg(fmt.Sprintf("c%02d", i)))
	}
	if err := outbox.Enqueue(ctx, dbs[0], msgs...); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	sent := make([]int, 2)
	errs := make([]error, 2)
	for i := range dbs {
		d := &outbox.Dispatcher{DB: dbs[i], BatchSize: 7,
			Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())}}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for {
				s, f, err := d.RunOnce(ctx)
				sent[i] += s
				if err != nil {
					errs[i] = err
					return
				}
				if f != 0 {
					errs[i] = fmt.Errorf("%d failures", f)
					return
				}
				if s == 0 {
					return
				}
			}
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := rcv.snapshot()
	for _, m := range msgs {
		if got["acme/"+m.ID] != 1 {
			t.Errorf("%s delivered %d times", m.ID, got["acme/"+m.ID])
		}
	}
	if sent[0]+sent[1] != n || int(rcv.hits.Load()) != n {
		t.Fatalf("sent %v, %d requests; want %d in all", sent, rcv.hits.Load(), n)
	}
	t.Logf("node 1 sent %d, node 2 sent %d", sent[0], sent[1])
}

// Two dispatchers in one process on one DuckDB database (say `pulso serve` and a manual
// `pulso eval`): claims are serialised, so no conflict and no second send.
func TestTwoDispatchersDuckDBDeliverOnce(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rcv := newReceiver(t)
	rcv.up()
	const n = 40
	var msgs []notify.Message
	for i := 0; i < n; i++ {
		msgs = append(msgs, msg(fmt.Sprintf("d%02d", i)))
	}
	if err := outbox.Enqueue(ctx, st.DB(), msgs...); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		d := &outbox.Dispatcher{DB: st.DB(), BatchSize: 5,
			Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idle := 0; idle < 3; {
				s, f, err := d.RunOnce(ctx)
				if err != nil {
					t.Errorf("RunOnce: %v", err)
					return
				}
				if f != 0 {
					t.Errorf("%d failures", f)
					return
				}
				if s == 0 {
					idle++
				}
			}
		}()
	}
	wg.Wait()
	got := rcv.snapshot()
	for _, m := range msgs {
		if got["acme/"+m.ID] != 1 {
			t.Errorf("%s delivered %d times", m.ID, got["acme/"+m.ID])
		}
	}
	if int(rcv.hits.Load()) != n {
		t.Fatalf("%d requests for %d messages", rcv.hits.Load(), n)
	}
}

func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	const (
		token    = "dt-access-token-5be8c1"
		dtSecret = "SECdingtalk-signing-77aa"
		smtpPass = "smtp-pa55word-q9"
	)
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		// An unfriendly server that echoes the request (URL with the token, and the body) in
		// its error page.
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "upstream failed for %s (%s)", r.URL.String(), r.URL.Query().Get("access_token"))
		}))
		defer echo.Close()
		refused := newReceiver(t) // never up

		build := func(c notify.ChannelConfig) notify.Notifier {
			n, err := notify.Build(c)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		notifiers := map[string]notify.Notifier{
			"dt-echo": build(notify.ChannelConfig{Name: "dt-echo", Type: notify.DingTalk, DingTalk: &dingtalk.Config{
				URL: echo.URL + "/robot/send?access_token=" + token, Secret: dtSecret}}),
			"dt-down": build(notify.ChannelConfig{Name: "dt-down", Type: notify.DingTalk, DingTalk: &dingtalk.Config{
				URL: "http://" + refused.addr + "/robot/send?access_token=" + token, Secret: dtSecret}}),
			"mail-down": build(notify.ChannelConfig{Name: "mail-down", Type: notify.Email, Email: &email.Config{
				Host: "127.0.0.1", Port: portOf(t, refused.addr), Username: "alerts@acme.example", Password: smtpPass,
				From: "alerts@acme.example", To: []string{"ops@acme.example"}}}),
		}
		var logs bytes.Buffer
		var mu sync.Mutex
		logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
		d := &outbox.Dispatcher{DB: db, Notifiers: notifiers, Log: logger, Backoff: fixedBackoff(0), MaxAttempts: 2}
		for _, ch := range []string{"dt-echo", "dt-down", "mail-down"} {
			m := msg("secret-" + ch)
			m.Channel = ch
			if err := outbox.Enqueue(ctx, db, m); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 2; i++ {
			if _, _, err := d.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// Also a configuration logged by mistake, and a dispatch error.
		logger.Info("config", "channel", notify.ChannelConfig{Name: "dt-echo", Type: notify.DingTalk, DingTalk: &dingtalk.Config{
			URL: echo.URL + "/robot/send?access_token=" + token, Secret: dtSecret}})

		rows, err := db.QueryContext(ctx, `SELECT message_id, state, COALESCE(last_error, '') FROM outbox ORDER BY message_id`)
		if err != nil {
			t.Fatal(err)
		}
		var stored strings.Builder
		for rows.Next() {
			var id, state, le string
			if err := rows.Scan(&id, &state, &le); err != nil {
				t.Fatal(err)
			}
			if state != outbox.StateDead || le == "" {
				t.Errorf("%s: %s %q", id, state, le)
			}
			stored.WriteString(le + "\n")
		}
		rows.Close()
		mu.Lock()
		logged := logs.String()
		mu.Unlock()
		for _, s := range []string{token, dtSecret, smtpPass} {
			if strings.Contains(logged, s) {
				t.Errorf("log holds secret %q:\n%s", s, logged)
			}
			if strings.Contains(stored.String(), s) {
				t.Errorf("last_error holds secret %q:\n%s", s, stored.String())
			}
		}
		if !strings.Contains(stored.String(), "HTTP 502") || !strings.Contains(stored.String(), "refused") {
			t.Errorf("errors lost their substance:\n%s", stored.String())
		}
		if !strings.Contains(logged, "outbox: gave up") {
			t.Errorf("no give-up logged:\n%s", logged)
		}
	})
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func portOf(t *testing.T, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(p, &n)
	return n
}

func TestTenantScopedDispatcher(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		rcv := newReceiver(t)
		rcv.up()
		mine, theirs := msg("t1"), msg("t1")
		theirs.Tenant = "globex" // a channel of the same name, but globex's own
		if err := outbox.Enqueue(ctx, db, mine, theirs); err != nil {
			t.Fatal(err)
		}
		d := &outbox.Dispatcher{DB: db, Tenant: "acme", MaxAttempts: 1,
			Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())}}
		runOnce(t, d, 1, 0)
		if rcv.count("acme/t1") != 1 || rcv.count("globex/t1") != 0 {
			t.Fatalf("deliveries %v", rcv.snapshot())
		}
		st, err := outbox.Get(ctx, db, "globex", "t1")
		if err != nil || st.State != outbox.StatePending || st.Attempts != 0 {
			t.Fatalf("other tenant's message: %+v, %v", st, err)
		}
	})
}

func TestPurge(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		rcv := newReceiver(t)
		rcv.up()
		d := &outbox.Dispatcher{DB: db, Notifiers: map[string]notify.Notifier{"ops-hook": hookNotifier(t, rcv.URL())}}
		if err := outbox.Enqueue(ctx, db, msg("old"), msg("pending")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1 WHERE message_id = 'pending'`, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		runOnce(t, d, 1, 0)
		n, err := outbox.Purge(ctx, db, time.Now().Add(time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("Purge = %d, %v; want 1", n, err)
		}
		if _, err := outbox.Get(ctx, db, "acme", "pending"); err != nil {
			t.Fatalf("pending message purged: %v", err)
		}
	})
}

// ---- helpers -------------------------------------------------------------------------------

func runOnce(t *testing.T, d *outbox.Dispatcher, wantSent, wantFailed int) {
	t.Helper()
	sent, failed, err := d.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if sent != wantSent || failed != wantFailed {
		t.Fatalf("RunOnce = %d sent, %d failed; want %d, %d", sent, failed, wantSent, wantFailed)
	}
}

func status(t *testing.T, db *sql.DB, id string) outbox.Status {
	t.Helper()
	st, err := outbox.Get(context.Background(), db, "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
