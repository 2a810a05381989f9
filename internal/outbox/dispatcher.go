package outbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"pulso/internal/notify"
	"pulso/internal/notify/core"
)

// Defaults of a Dispatcher's zero fields.
const (
	DefaultMaxAttempts = 10
	DefaultLease       = 2 * time.Minute
	DefaultBatchSize   = 100
	maxErrorLen        = 1000
	markTimeout        = 15 * time.Second
)

// DefaultBackoff waits 30 s before the second attempt and doubles each time up to an hour,
// with "equal jitter" (half fixed, half random) so that messages that failed together do not
// come back together: 15-30 s, 30-60 s, 1-2 min, … 30-60 min.
func DefaultBackoff(attempt int) time.Duration {
	const base, ceiling = 30 * time.Second, time.Hour
	d := ceiling
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 8 {
		d = min(base<<(attempt-1), ceiling)
	}
	return d/2 + mrand.N(d/2+1)
}

// Dispatcher sends due outbox rows through Notifiers (keyed by channel name). The zero values
// of the optional fields take the defaults above; Now defaults to time.Now, Log to a
// discarding logger. A Dispatcher must not be copied after first use.
type Dispatcher struct {
	DB *sql.DB
	// Tenant, if set, restricts the dispatcher to that tenant's messages. Set it whenever
	// Notifiers were built from one tenant's channels: channel names are the tenant's own,
	// and another tenant's message for a channel of the same name must not go through them.
	Tenant    string
	Notifiers map[string]notify.Notifier
	Now       func() time.Time
	// Backoff is the delay after the given failed attempt (1 = the first); it should add its
	// own jitter (DefaultBackoff does). A server's Retry-After is honoured when longer.
	Backoff     func(attempt int) time.Duration
	MaxAttempts int // attempts in all, the first included
	Log         *slog.Logger

	// Lease is how long a claimed row is kept from other dispatchers; each send is cut at
	// Lease/2.
	Lease time.Duration
	// BatchSize bounds the messages one RunOnce handles.
	BatchSize int

	mu      sync.Mutex
	probed  bool
	postgre bool
}

type claimed struct {
	msg      notify.Message
	attempts int
	token    string
	corrupt  bool // unreadable row, already given up
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (d *Dispatcher) maxAttempts() int {
	if d.MaxAttempts > 0 {
		return d.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (d *Dispatcher) lease() time.Duration {
	if d.Lease > 0 {
		return d.Lease
	}
	return DefaultLease
}

func (d *Dispatcher) backoff(attempt int) time.Duration {
	if d.Backoff != nil {
		return d.Backoff(attempt)
	}
	return DefaultBackoff(attempt)
}

// RunOnce sends the messages that are due, one claim at a time, until none is due or
// BatchSize were handled. sent counts deliveries, failed the attempts that failed (to be
// retried, or given up). err reports a database failure or ctx ending, which stops the round;
// a channel's failure is no error of RunOnce, it is recorded on its row.
func (d *Dispatcher) RunOnce(ctx context.Context) (sent, failed int, err error) {
	r, err := d.RunOnceReport(ctx)
	return r.Sent, r.Failed, err
}

// Report is what one round did.
type Report struct {
	Sent, Failed int
	// Failures are the failed attempts, in the order they were made.
	Failures []Failure
	// Deferred counts, per channel, the due messages not tried in this round because an
	// earlier message of the same channel failed in a way that can pass (down, slow,
	// throttling): they keep their attempts and go at the next round, so that a channel that
	// hangs costs one timeout per round, not one per message.
	Deferred map[string]int
}

// Failure is one failed attempt.
type Failure struct {
	Tenant, ID, Channel string
	Attempt             int       // 1 for the first
	MaxAttempts         int       // attempts in all
	Err                 string    // redacted
	GaveUp              bool      // no more attempts: the message is dead
	NextAttemptAt       time.Time // when it is tried again (zero when given up)
}

// RunOnceReport is RunOnce with the detail of each failure and the deferred messages.
func (d *Dispatcher) RunOnceReport(ctx context.Context) (r Report, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.DB == nil {
		return r, errors.New("outbox: dispatcher has no DB")
	}
	if err := d.probe(ctx); err != nil {
		return r, err
	}
	if err := d.expire(ctx); err != nil {
		return r, err
	}
	batch := d.BatchSize
	if batch <= 0 {
		batch = DefaultBatchSize
	}
	var down []string // channels that failed in a way that can pass, in this round
	defer func() {
		if len(down) > 0 {
			r.Deferred = d.deferred(ctx, down)
		}
	}()
	for i := 0; i < batch; i++ {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		c, ok, err := d.claim(ctx, down)
		if err != nil {
			return r, err
		}
		if !ok {
			break
		}
		if c.corrupt {
			r.Failed++
			r.Failures = append(r.Failures, Failure{Tenant: c.msg.Tenant, ID: c.msg.ID, Channel: c.msg.Channel, Attempt: c.attempts,
				MaxAttempts: d.maxAttempts(), Err: "stored mentions or fields are not JSON", GaveUp: true})
			continue
		}
		f, ok, err := d.deliver(ctx, c)
		if ok {
			r.Sent++
		} else if err == nil {
			r.Failed++
			r.Failures = append(r.Failures, f)
			if !f.GaveUp && !slices.Contains(down, f.Channel) {
				down = append(down, f.Channel)
			}
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// deferred counts the due messages of the given channels that this round left alone.
func (d *Dispatcher) deferred(ctx context.Context, channels []string) map[string]int {
	q := `SELECT channel, count(*) FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1 AND attempts < $2`
	args := []any{d.now(), d.maxAttempts()}
	if d.Tenant != "" {
		q += ` AND tenant_id = $3`
		args = append(args, d.Tenant)
	}
	q += ` AND channel IN (` + placeholders(len(args)+1, len(channels)) + `) GROUP BY channel`
	for _, ch := range channels {
		args = append(args, ch)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	rows, err := d.DB.QueryContext(ctx, q, args...)
	if err != nil {
		d.log().Warn("outbox: count deferred messages", "err", err)
		return nil
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var ch string
		var n int
		if rows.Scan(&ch, &n) == nil && n > 0 {
			out[ch] = n
		}
	}
	return out
}

// placeholders returns "$first, $first+1, …" (n of them).
func placeholders(first, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", first+i)
	}
	return strings.Join(ps, ", ")
}

// Run calls RunOnce every interval (at once again while a batch comes back full) until ctx
// ends, logging errors; it returns nil then.
func (d *Dispatcher) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return errors.New("outbox: Run needs a positive interval")
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sent, failed, err := d.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		batch := d.BatchSize
		if batch <= 0 {
			batch = DefaultBatchSize
		}
		if err != nil {
			d.log().Error("outbox: dispatch round failed", "err", core.ScrubURLs(err.Error()))
		} else if sent+failed >= batch {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// probe finds out once which engine DB is: PostgreSQL gets the locking clause.
func (d *Dispatcher) probe(ctx context.Context) error {
	if d.probed {
		return nil
	}
	var v string
	if err := d.DB.QueryRowContext(ctx, `SELECT version()`).Scan(&v); err != nil {
		return fmt.Errorf("outbox: identify database: %w", err)
	}
	d.postgre = strings.HasPrefix(v, "PostgreSQL")
	d.probed = true
	return nil
}

// expire gives up on rows whose attempts are used up but that are still pending with no
// live lease: their last attempt never recorded an outcome (the process stopped mid-send,
// or MaxAttempts was lowered). Without this a message that crashes the process would be
// claimed again forever.
func (d *Dispatcher) expire(ctx context.Context) error {
	now := d.now()
	q := `UPDATE outbox SET state = 'dead', claim_token = NULL, claimed_until = NULL, last_error = $1, updated_at = $2
		WHERE state = 'pending' AND attempts >= $3 AND (claimed_until IS NULL OR claimed_until <= $2)`
	args := []any{"gave up: no attempt left (the last one did not record an outcome)", now, d.maxAttempts()}
	if d.Tenant != "" {
		q += ` AND tenant_id = $4`
		args = append(args, d.Tenant)
	}
	res, err := d.DB.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("outbox: expire: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		d.log().Warn("outbox: gave up on messages whose last attempt did not finish", "count", n)
	}
	return nil
}

// claimSQL takes the first due row. The pick is a MATERIALIZED CTE so that it runs exactly
// once per statement: as a subquery in UPDATE … FROM, PostgreSQL may rescan it for each
// outer row, and a rescan that skips the row just locked picks the next one, claiming
// several rows of which RETURNING would hand back one. The outer WHERE re-checks the row.
const claimSQL = `WITH due AS MATERIALIZED (
		SELECT tenant_id, message_id FROM outbox
		WHERE state = 'pending' AND next_attempt_at <= $3 AND attempts < $4
			AND (claimed_until IS NULL OR claimed_until <= $3)%s
		ORDER BY next_attempt_at, created_at, tenant_id, message_id
		LIMIT 1%s
	)
	UPDATE outbox AS o
	SET claim_token = $1, claimed_until = $2, attempts = o.attempts + 1, updated_at = $3
	FROM due
	WHERE o.tenant_id = due.tenant_id AND o.message_id = due.message_id
		AND o.state = 'pending' AND (o.claimed_until IS NULL OR o.claimed_until <= $3)
	RETURNING o.tenant_id, o.message_id, o.channel, o.lang, o.title, o.body, o.link, o.mentions, o.fields, o.attempts`

// embeddedClaims serialises the claims of all dispatchers of this process on one embedded
// (DuckDB) database: DuckDB has no row locks, so two concurrent claims of one row would end
// in a transaction conflict (never in two claims), reported as an error. One claim at a time
// avoids that; sends still overlap.
var embeddedClaims sync.Map // *sql.DB → *sync.Mutex

func (d *Dispatcher) claim(ctx context.Context, skip []string) (claimed, bool, error) {
	lock, where := "", ""
	if d.postgre {
		lock = "\n\t\tFOR UPDATE SKIP LOCKED"
	} else {
		mu, _ := embeddedClaims.LoadOrStore(d.DB, &sync.Mutex{})
		mu.(*sync.Mutex).Lock()
		defer mu.(*sync.Mutex).Unlock()
	}
	now := d.now()
	args := []any{token(), now.Add(d.lease()), now, d.maxAttempts()}
	if d.Tenant != "" {
		where = " AND tenant_id = $5"
		args = append(args, d.Tenant)
	}
	if len(skip) > 0 {
		where += " AND channel NOT IN (" + placeholders(len(args)+1, len(skip)) + ")"
		for _, ch := range skip {
			args = append(args, ch)
		}
	}
	c := claimed{token: args[0].(string)}
	var mentions, fields string
	m := &c.msg
	err := d.DB.QueryRowContext(ctx, fmt.Sprintf(claimSQL, where, lock), args...).
		Scan(&m.Tenant, &m.ID, &m.Channel, &m.Lang, &m.Title, &m.Text, &m.Link, &mentions, &fields, &c.attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("outbox: claim: %w", err)
	}
	if json.Unmarshal([]byte(mentions), &m.Mentions) != nil || json.Unmarshal([]byte(fields), &m.Fields) != nil {
		c.corrupt = true
		d.log().Error("outbox: gave up on an unreadable row", "tenant", m.Tenant, "id", m.ID)
		return c, true, d.finish(ctx, c, StateDead, "gave up: stored mentions or fields are not JSON", time.Time{})
	}
	if len(m.Mentions) == 0 {
		m.Mentions = nil
	}
	if len(m.Fields) == 0 {
		m.Fields = nil
	}
	return c, true, nil
}

func token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// deliver sends a claimed message and records the outcome. ok is true if it was sent;
// otherwise f describes the failure. err is a database failure or ctx ending during the send.
func (d *Dispatcher) deliver(ctx context.Context, c claimed) (f Failure, ok bool, err error) {
	m := c.msg
	f = Failure{Tenant: m.Tenant, ID: m.ID, Channel: m.Channel, Attempt: c.attempts, MaxAttempts: d.maxAttempts()}
	lg := d.log().With("tenant", m.Tenant, "id", m.ID, "channel", m.Channel, "attempt", c.attempts)
	n := d.Notifiers[m.Channel]
	var (
		retry   bool
		sendErr error
	)
	if n == nil {
		retry, sendErr = true, fmt.Errorf("no notifier is configured for channel %q", m.Channel)
	} else {
		sctx, cancel := context.WithTimeout(ctx, d.lease()/2)
		retry, sendErr = safeNotify(sctx, n, m)
		cancel()
	}
	if sendErr == nil {
		if err := d.finish(ctx, c, StateSent, "", time.Time{}); err != nil {
			return f, true, err
		}
		lg.Info("outbox: sent")
		return f, true, nil
	}
	msg := core.Truncate(core.ScrubURLs(sendErr.Error()), maxErrorLen)
	f.Err = msg
	if ctx.Err() != nil { // stopping: hand the row back untouched for the next run
		if err := d.release(c); err != nil {
			return f, false, err
		}
		lg.Info("outbox: interrupted, message left for the next run", "err", msg)
		return f, false, ctx.Err()
	}
	if !retry || c.attempts >= d.maxAttempts() {
		f.GaveUp = true
		reason := "gave up: " + msg
		if err := d.finish(ctx, c, StateDead, reason, time.Time{}); err != nil {
			return f, false, err
		}
		lg.Warn("outbox: gave up", "retryable", retry, "err", msg)
		return f, false, nil
	}
	delay := d.backoff(c.attempts)
	if ra := core.RetryAfterOf(sendErr); ra > delay {
		delay = ra
	}
	next := d.now().Add(delay)
	f.NextAttemptAt = next
	if err := d.finish(ctx, c, StatePending, msg, next); err != nil {
		return f, false, err
	}
	lg.Info("outbox: will retry", "next_attempt_at", next, "err", msg)
	return f, false, nil
}

func safeNotify(ctx context.Context, n notify.Notifier, m notify.Message) (retry bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			retry, err = false, fmt.Errorf("notifier panicked: %v", r)
		}
	}()
	return n.Notify(ctx, m)
}

// finish records an outcome: sent, dead, or pending again from next. It only touches the
// row while this dispatcher's claim holds, and is written even if ctx has ended (a sent
// message must be recorded as sent).
func (d *Dispatcher) finish(ctx context.Context, c claimed, state, lastErr string, next time.Time) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	now := d.now()
	var (
		res sql.Result
		err error
	)
	switch state {
	case StateSent:
		res, err = d.DB.ExecContext(ctx, `UPDATE outbox SET state = 'sent', sent_at = $1, updated_at = $1, last_error = NULL,
			claim_token = NULL, claimed_until = NULL WHERE tenant_id = $2 AND message_id = $3 AND claim_token = $4`,
			now, c.msg.Tenant, c.msg.ID, c.token)
	case StateDead:
		res, err = d.DB.ExecContext(ctx, `UPDATE outbox SET state = 'dead', updated_at = $1, last_error = $2,
			claim_token = NULL, claimed_until = NULL WHERE tenant_id = $3 AND message_id = $4 AND claim_token = $5`,
			now, lastErr, c.msg.Tenant, c.msg.ID, c.token)
	default:
		res, err = d.DB.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $1, updated_at = $2, last_error = $3,
			claim_token = NULL, claimed_until = NULL WHERE tenant_id = $4 AND message_id = $5 AND claim_token = $6`,
			next, now, lastErr, c.msg.Tenant, c.msg.ID, c.token)
	}
	if err != nil {
		return fmt.Errorf("outbox: record %s of %s/%s: %w", state, c.msg.Tenant, c.msg.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// The lease ran out and another dispatcher took the row: it will record its own
		// outcome. Should never happen while sends end at Lease/2 and clocks agree.
		d.log().Error("outbox: lost the claim before recording the outcome", "tenant", c.msg.Tenant, "id", c.msg.ID,
			"channel", c.msg.Channel, "outcome", state)
	}
	return nil
}

// release hands a claimed row back without counting the attempt (the dispatcher is
// stopping; the send was cut short by that, not by the channel).
func (d *Dispatcher) release(c claimed) error {
	ctx, cancel := context.WithTimeout(context.Background(), markTimeout)
	defer cancel()
	_, err := d.DB.ExecContext(ctx, `UPDATE outbox SET attempts = attempts - 1, claim_token = NULL, claimed_until = NULL
		WHERE tenant_id = $1 AND message_id = $2 AND claim_token = $3`, c.msg.Tenant, c.msg.ID, c.token)
	if err != nil {
		return fmt.Errorf("outbox: release %s/%s: %w", c.msg.Tenant, c.msg.ID, err)
	}
	return nil
}
