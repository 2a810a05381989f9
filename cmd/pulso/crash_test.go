package main

// Crash tests: the built binary is killed with SIGKILL in the middle of an import, an
// evaluation and a delivery, on a DuckDB file and on PostgreSQL, and what it leaves behind is
// checked against expectations derived by hand (the generated file's counts and sums) or by
// an independent run (a second database evaluated without a kill).
//
// Where the kill lands is found by watching the process, not by sleeping blindly:
//   - import: the read offset of the input file in /proc/PID/fdinfo (the staging phase) and
//     the file being closed after it was read to the end (the merge phase); on PostgreSQL
//     also a lock the test holds, which stops the import at a known statement of its merge
//     transaction (the batch lock at its start, the rollups after the rows and the imports
//     entry are written);
//   - evaluation: fractions of an unkilled run's time, counted from the moment the process
//     has the database open (/proc/PID/fd); on PostgreSQL also a lock on the outbox, which
//     stops the evaluation just before its alerts and messages commit;
//   - delivery: the receiver, a real HTTP server on 127.0.0.1, holds the request until the
//     test has killed the sender (or answers, then the sender is killed).

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pulso/internal/secret"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

type crashEngine struct {
	name string
	pg   bool
	dsn  func(t *testing.T) string
	open func(ctx context.Context, dsn string) (store.Store, error)
	// importRows is the size of the big import: large enough that the kill lands inside the
	// batch (about 2-4 s of work), small enough for the time budget of the whole file.
	importRows int
}

var crashEngines = []crashEngine{
	{name: "duckdb", dsn: func(t *testing.T) string { return filepath.Join(t.TempDir(), "c.duckdb") },
		open:       func(ctx context.Context, dsn string) (store.Store, error) { return duckdb.Open(ctx, dsn) },
		importRows: 300_000},
	{name: "postgres", pg: true, dsn: func(t *testing.T) string { return storetest.PostgresSchema(t) },
		open:       func(ctx context.Context, dsn string) (store.Store, error) { return postgres.Open(ctx, dsn) },
		importRows: 150_000},
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests build and kill the binary many times")
	}
	if _, err := os.Stat("/proc/self/fdinfo"); err != nil {
		t.Skip("crash tests watch the process through Linux /proc")
	}
	bin := buildPulso(t, t.TempDir())
	for _, e := range crashEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			if e.pg {
				storetest.PostgresDSN(t) // skip (or fail in CI) before anything is built
			}
			r := newCrashRig(t, bin, e)
			t.Run("Import", func(t *testing.T) { crashImport(t, r) })
			t.Run("Eval", func(t *testing.T) { crashEval(t, r) })
			t.Run("Delivery", func(t *testing.T) { crashDelivery(t, r) })
		})
	}
}

// crashRig runs the binary against one engine, with its own secret key file.
type crashRig struct {
	bin string
	e   crashEngine
	env []string
	// seller is a DuckDB file holding the demo seller and alerting towards hook, built once
	// and copied for each use (PostgreSQL builds a schema per use; see sellerDB).
	seller string
	hook   *crashReceiver // the channel's endpoint
}

func newCrashRig(t *testing.T, bin string, e crashEngine) *crashRig {
	dir := t.TempDir()
	env := append(os.Environ(), "PULSO_DB=", secret.EnvKey+"=", secret.EnvOldKeys+"=",
		secret.EnvKeyFile+"="+filepath.Join(dir, "pulso.key"), "XDG_CONFIG_HOME="+dir)
	return &crashRig{bin: bin, e: e, env: env, hook: newCrashReceiver(t)}
}

// pulso runs the binary to the end and returns its standard output; a failure fails the test.
func (r *crashRig) pulso(t *testing.T, dsn string, args ...string) string {
	t.Helper()
	cmd := exec.Command(r.bin, append(args, "--db", dsn)...)
	cmd.Env = r.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pulso %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// crashProc is a running pulso.
type crashProc struct {
	cmd     *exec.Cmd
	out     bytes.Buffer
	done    chan struct{}
	err     error
	started time.Time
}

func (r *crashRig) start(t *testing.T, dsn string, args ...string) *crashProc {
	t.Helper()
	p := &crashProc{cmd: exec.Command(r.bin, append(args, "--db", dsn)...), done: make(chan struct{})}
	p.cmd.Env = r.env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if p.running() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *crashProc) pid() int { return p.cmd.Process.Pid }

func (p *crashProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process. It reports whether the kill ended it (false:
// it had finished before, successfully, or the test fails).
func (p *crashProc) kill(t *testing.T) bool {
	t.Helper()
	if p.running() {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if p.err != nil {
		t.Fatalf("pulso %s failed before the kill: %v\n%s", strings.Join(p.cmd.Args[1:], " "), p.err, p.out.String())
	}
	return false
}

// until polls cond every millisecond while p runs. It returns false if p ended first; it
// fails the test after a minute.
func (p *crashProc) until(t *testing.T, what string, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if !p.running() {
			return cond()
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// fdOf finds, among p's open files, the first whose link matches, and returns its read offset.
func (p *crashProc) fdOf(match func(link string) bool) (pos int64, open bool) {
	dir := fmt.Sprintf("/proc/%d/fd", p.pid())
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, false
	}
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil || !match(link) {
			continue
		}
		info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%s", p.pid(), e.Name()))
		if err != nil {
			return 0, false
		}
		for _, l := range strings.Split(string(info), "\n") {
			if v, ok := strings.CutPrefix(l, "pos:"); ok {
				pos, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			}
		}
		return pos, true
	}
	return 0, false
}

// dbOpen tells whether p has the database open: the DuckDB file, or a socket (the only
// sockets pulso opens before it delivers are its PostgreSQL connections).
func (r *crashRig) dbOpen(p *crashProc, dsn string) bool {
	_, ok := p.fdOf(func(link string) bool {
		if r.e.pg {
			return strings.HasPrefix(link, "socket:")
		}
		return link == dsn
	})
	return ok
}

// newDB returns a fresh database. On PostgreSQL the pulso processes connect to it under an
// application name of their own, by which the test finds the connections of a killed one.
func (r *crashRig) newDB(t *testing.T) string {
	t.Helper()
	dsn := r.e.dsn(t)
	if r.e.pg {
		dsn = crashDSNParam(t, dsn, "application_name", "pulso-crash-"+filepath.Base(t.TempDir()))
	}
	return dsn
}

func crashDSNParam(t *testing.T, dsn, k, v string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal("the test database's URL does not parse") // the error could show the password
	}
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens the database for the test itself (on PostgreSQL under another application name).
func (r *crashRig) open(t *testing.T, dsn string) store.Store {
	t.Helper()
	if r.e.pg {
		dsn = crashDSNParam(t, dsn, "application_name", "pulso-crash-test")
	}
	st, err := r.e.open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// with runs fn on the database while no pulso holds it (DuckDB allows one process).
func (r *crashRig) with(t *testing.T, dsn string, fn func(db *sql.DB)) {
	t.Helper()
	st := r.open(t, dsn)
	defer st.Close()
	fn(st.DB())
}

// stop kills p, releases the lock the test held for it, if any, and on PostgreSQL waits
// until the server has ended the killed process's connections: until then a backend may
// still finish the statement it was given, even a COMMIT. It reports whether the kill ended p.
func (r *crashRig) stop(t *testing.T, p *crashProc, dsn string, lock *crashLock) bool {
	t.Helper()
	killed := p.kill(t)
	if lock != nil {
		lock.release()
	}
	if !r.e.pg {
		return killed
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal("the test database's URL does not parse")
	}
	app := u.Query().Get("application_name")
	r.with(t, dsn, func(db *sql.DB) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			var n int
			if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d connections of the killed process are still open", n)
			}
			time.Sleep(2 * time.Millisecond)
		}
	})
	return killed
}

// crashLock is a lock the test holds in an open PostgreSQL transaction.
type crashLock struct {
	st   store.Store
	conn *sql.Conn
	tx   *sql.Tx
}

func (r *crashRig) pgLock(t *testing.T, dsn, stmt string, args ...any) *crashLock {
	t.Helper()
	st := r.open(t, dsn)
	var err error
	l := &crashLock{st: st}
	if l.conn, err = st.DB().Conn(t.Context()); err != nil {
		t.Fatal(err)
	}
	if l.tx, err = l.conn.BeginTx(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.tx.ExecContext(t.Context(), stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	t.Cleanup(l.release)
	return l
}

// blocked returns the backends waiting for this lock and what they run.
func (l *crashLock) blocked(t *testing.T) (pids []int, queries []string) {
	t.Helper()
	// The statistics views keep what they first showed for the rest of the transaction.
	if _, err := l.tx.ExecContext(t.Context(), `SELECT pg_stat_clear_snapshot()`); err != nil {
		t.Fatal(err)
	}
	rows, err := l.tx.QueryContext(t.Context(), `SELECT pid, query FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		var q string
		if err := rows.Scan(&pid, &q); err != nil {
			t.Fatal(err)
		}
		pids, queries = append(pids, pid), append(queries, strings.Join(strings.Fields(q), " "))
	}
	return pids, queries
}

func (l *crashLock) release() {
	if l.tx != nil {
		_ = l.tx.Rollback()
		_ = l.conn.Close()
		_ = l.st.Close()
		l.tx = nil
	}
}

// --- import ---------------------------------------------------------------------------------

const (
	crashBefore  = 2000 // orders O0000000… in the before-state
	crashChanged = 1000 // of those, the big file changes the amount of the first ones
)

// writeCrashOrders writes orders 0..n-1 of store s0-s2 in Brazil, created in March 2026, and
// returns the sum of their amounts in cents. In the big file (big) the first crashChanged
// orders cost 12.34 more than in the before-state file; the others are the same.
func writeCrashOrders(t *testing.T, path string, n int, big bool) (cents int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("order_id,platform,country,store,created_at,currency,gross_amount\n")
	for i := range n {
		c := int64(1000 + i*7919%50000)
		if big && i < crashChanged {
			c += 1234
		}
		cents += c
		fmt.Fprintf(w, "O%07d,mercadolibre,BR,s%d,2026-03-%02d %02d:%02d:00,BRL,%d.%02d\n", i, i%3, 1+i%28, i%24, i%60, c/100, c%100)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return cents
}

// crashImportLog is one row of the imports bookkeeping.
type crashImportLog struct{ Read, Inserted, Updated, Unchanged, Rejected int64 }

type crashOrdersState struct {
	Rows, Cents int64
	Log         []crashImportLog
}

func (r *crashRig) ordersState(t *testing.T, dsn string) crashOrdersState {
	t.Helper()
	var s crashOrdersState
	r.with(t, dsn, func(db *sql.DB) {
		if err := db.QueryRowContext(t.Context(), `SELECT count(*), COALESCE(CAST(round(sum(gross_amount) * 100) AS BIGINT), 0)
			FROM orders WHERE tenant_id = 'default'`).Scan(&s.Rows, &s.Cents); err != nil {
			t.Fatal(err)
		}
		rows, err := db.QueryContext(t.Context(), `SELECT rows_read, inserted, updated, unchanged, rejected FROM imports
			WHERE tenant_id = 'default' AND kind = 'orders' ORDER BY finished_at`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var l crashImportLog
			if err := rows.Scan(&l.Read, &l.Inserted, &l.Updated, &l.Unchanged, &l.Rejected); err != nil {
				t.Fatal(err)
			}
			s.Log = append(s.Log, l)
		}
	})
	return s
}

func crashImport(t *testing.T, r *crashRig) {
	dir := t.TempDir()
	dsn := r.newDB(t)
	n := r.e.importRows
	small, big := filepath.Join(dir, "before.csv"), filepath.Join(dir, "orders.csv")
	beforeCents := writeCrashOrders(t, small, crashBefore, false)
	fullCents := writeCrashOrders(t, big, n, true)
	st, err := os.Stat(big)
	if err != nil {
		t.Fatal(err)
	}
	size := st.Size()

	// The expectations, from the files alone.
	first := crashImportLog{Read: crashBefore, Inserted: crashBefore}
	whole := crashImportLog{Read: int64(n), Inserted: int64(n - crashBefore), Updated: crashChanged, Unchanged: crashBefore - crashChanged}
	again := crashImportLog{Read: int64(n), Unchanged: int64(n)} // the file once more, after it was applied
	before := crashOrdersState{Rows: crashBefore, Cents: beforeCents}
	after := crashOrdersState{Rows: int64(n), Cents: fullCents}

	r.pulso(t, dsn, "import", "--kind", "orders", small)
	// check: the orders are exactly the before-state or exactly the file's; the log holds the
	// first import and then only whole entries, the file's first application iff its data is there.
	check := func(when string) (applied bool) {
		t.Helper()
		s := r.ordersState(t, dsn)
		wholes := 0
		for i, l := range s.Log {
			switch {
			case i == 0 && l == first:
			case i > 0 && l == whole && wholes == 0:
				wholes++
			case i > 0 && l == again && wholes == 1:
			default:
				t.Fatalf("%s: the imports log holds %+v (entry %d); whole entries are %+v, %+v or %+v", when, s.Log, i, first, whole, again)
			}
		}
		want := before
		if wholes == 1 {
			want = after
		}
		if s.Rows != want.Rows || s.Cents != want.Cents {
			t.Fatalf("%s: orders hold %d rows summing %d cents; with the log %+v they must hold %d rows summing %d cents (before: %d, %d; file: %d, %d)",
				when, s.Rows, s.Cents, s.Log, want.Rows, want.Cents, before.Rows, before.Cents, after.Rows, after.Cents)
		}
		r.checkOrderKPIs(t, dsn, when, want)
		return wholes == 1
	}
	check("before the kills")

	type killAt struct {
		name string
		// arm runs before the import starts (PostgreSQL: takes the lock the import will wait for).
		arm func() *crashLock
		// wait returns once the kill is due.
		wait func(p *crashProc) bool
	}
	reading := func(frac float64) func(p *crashProc) bool {
		return func(p *crashProc) bool {
			return p.until(t, fmt.Sprintf("%.0f%% of the file read", 100*frac), func() bool {
				pos, _ := p.fdOf(func(l string) bool { return l == big })
				return pos >= int64(frac*float64(size))
			})
		}
	}
	// merging: the file was read to its end and closed; wait a share of the reading time more.
	merging := func(share float64) func(p *crashProc) bool {
		return func(p *crashProc) bool {
			var opened time.Time
			var last int64
			ok := p.until(t, "the file read and closed", func() bool {
				pos, open := p.fdOf(func(l string) bool { return l == big })
				if open && opened.IsZero() {
					opened = time.Now()
				}
				if open {
					last = pos
				}
				return !open && last >= size*9/10
			})
			if !opened.IsZero() {
				time.Sleep(time.Duration(share * float64(time.Since(opened))))
			}
			return ok
		}
	}
	blockedOn := func(l **crashLock, what string) func(p *crashProc) bool {
		return func(p *crashProc) bool {
			return p.until(t, "the import waiting for "+what, func() bool {
				pids, qs := (*l).blocked(t)
				if len(pids) > 0 {
					t.Logf("import blocked on %s at: %.120s", what, qs[0])
				}
				return len(pids) > 0
			})
		}
	}
	var kills []killAt
	if r.e.pg {
		var lock *crashLock
		kills = []killAt{
			{"staging, 40% read", nil, reading(0.4)},
			// The batch lock is the merge transaction's first statement: staged, nothing merged.
			{"merge start (batch lock)", func() *crashLock {
				lock = r.pgLock(t, dsn, `SELECT pg_advisory_xact_lock(hashtextextended('pulso apply ' || current_schema() || ' default orders', 0))`)
				return lock
			}, blockedOn(&lock, "the batch lock")},
			// The rollups are kept after the rows are merged and the import logged, in the same
			// transaction: the kill lands with all of it written and nothing committed.
			{"merge end (rollups)", func() *crashLock {
				lock = r.pgLock(t, dsn, `LOCK TABLE rollups IN EXCLUSIVE MODE`)
				return lock
			}, blockedOn(&lock, "the rollups")},
		}
	} else {
		kills = []killAt{
			{"staging, 30% read", nil, reading(0.3)},
			{"staging, 90% read", nil, reading(0.9)},
			{"merge", nil, merging(0.3)},
		}
	}
	for _, k := range kills {
		var lock *crashLock
		if k.arm != nil {
			lock = k.arm()
		}
		p := r.start(t, dsn, "import", "--kind", "orders", big)
		reached := k.wait(p)
		killed := r.stop(t, p, dsn, lock)
		if lock != nil && !killed {
			t.Fatalf("kill at %s: the import finished while the test held the lock", k.name)
		}
		applied := check("after a kill at " + k.name)
		t.Logf("kill at %s: reached %v, killed %v, file applied %v", k.name, reached, killed, applied)
		if killed && reached && lock != nil && applied {
			t.Fatalf("kill at %s: the batch committed although the process died before its commit", k.name)
		}
	}

	out := r.pulso(t, dsn, "import", "--kind", "orders", big)
	s := r.ordersState(t, dsn)
	if s.Rows != after.Rows || s.Cents != after.Cents {
		t.Fatalf("after the re-run: %d rows summing %d cents, want the file's %d rows summing %d cents", s.Rows, s.Cents, after.Rows, after.Cents)
	}
	last := s.Log[len(s.Log)-1]
	wantSummary := fmt.Sprintf("orders: read %d, inserted %d, updated %d, unchanged %d, rejected 0, ", last.Read, last.Inserted, last.Updated, last.Unchanged)
	if (last != whole && last != again) || !strings.HasPrefix(out, wantSummary) {
		t.Fatalf("the re-run logged %+v and said %q", last, out)
	}
	check("after the re-run")
}

// checkOrderKPIs reads the orders and GMV of March through the KPI engine (the daily rollups
// the import keeps in its transaction) and compares them with the expected state.
func (r *crashRig) checkOrderKPIs(t *testing.T, dsn, when string, want crashOrdersState) {
	t.Helper()
	out := r.pulso(t, dsn, "kpi", "eval", "--kpi", "orders,gmv", "--grain", "month", "--from", "2026-03-01", "--to", "2026-03-31",
		"--currency", "BRL", "--as-of", "2026-04-15", "--format", "json")
	var rows []struct {
		KPI   string   `json:"kpi"`
		Value *float64 `json:"value"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("kpi eval: %v\n%s", err, out)
	}
	got := map[string]float64{}
	for _, row := range rows {
		if row.Value != nil {
			got[row.KPI] = *row.Value
		}
	}
	if got["orders"] != float64(want.Rows) || math.Abs(got["gmv"]-float64(want.Cents)/100) > 0.005 {
		t.Fatalf("%s: the KPIs say %v orders and %v GMV, the orders table %d and %.2f", when, got["orders"], got["gmv"], want.Rows, float64(want.Cents)/100)
	}
}

// --- evaluation -----------------------------------------------------------------------------

const (
	crashEnd  = "2026-04-30"
	crashAsOf = "2026-05-01"
)

// crashAlerting sends each country's alerts to its own contact (one message per contact and
// evaluation) through one webhook channel at url. The rules differ from the defaults the demo
// evaluated with, so that the evaluation under test raises new alerts.
func crashAlerting(url string) string {
	return `link: https://pulso.example.com
channels:
  - {name: ops-hook, type: webhook, webhook: {url: "` + url + `", secret: "crash-test-secret"}}
contacts:
  - {id: ops-br, name: Ops BR, lang: pt-BR, channel: ops-hook}
  - {id: ops-mx, name: Ops MX, lang: es, channel: ops-hook}
  - {id: ops-co, name: Ops CO, lang: es, channel: ops-hook}
  - {id: ops-cl, name: Ops CL, lang: es, channel: ops-hook}
  - {id: ops-ar, name: Ops AR, lang: es, channel: ops-hook}
owners:
  - {contact: ops-br}
  - {contact: ops-br, scope: {country: [BR]}}
  - {contact: ops-mx, scope: {country: [MX]}}
  - {contact: ops-co, scope: {country: [CO]}}
  - {contact: ops-cl, scope: {country: [CL]}}
  - {contact: ops-ar, scope: {country: [AR]}}
rules:
  - {id: red-2-days, type: consecutive, status: red, periods: 2}
  - {id: yellow-3-days, type: consecutive, status: yellow, periods: 3, by: [country, platform]}
`
}

// sellerDB returns a fresh database holding the demo seller (28 days to crashEnd, alerts
// already evaluated with the default rules) and alerting that sends to the rig's receiver.
func (r *crashRig) sellerDB(t *testing.T) string {
	t.Helper()
	build := func(dsn string) {
		r.pulso(t, dsn, "demo", "--no-serve", "--days", "28", "--end", crashEnd)
		r.pulso(t, dsn, "alert", "apply", writeFile(t, t.TempDir(), "alerting.yaml", crashAlerting(r.hook.url)))
	}
	if r.e.pg {
		dsn := r.newDB(t)
		build(dsn)
		return dsn
	}
	if r.seller == "" {
		r.seller = filepath.Join(r.hook.dir, "seller.duckdb")
		build(r.seller)
	}
	dsn := r.newDB(t)
	crashCopy(t, r.seller, dsn)
	return dsn
}

func crashCopy(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(from + ".wal"); err == nil {
		t.Fatalf("%s has a journal: the copy would miss it", from)
	}
}

// crashEvalState is what an evaluation leaves: the alerts as `pulso alerts` shows them and
// the queued messages (their ids hold the time they were raised, so they are compared by
// what they say), each sorted.
type crashEvalState struct {
	Alerts   []string
	Messages []string
}

func (r *crashRig) evalState(t *testing.T, dsn string) crashEvalState {
	t.Helper()
	var s crashEvalState
	var list []json.RawMessage
	out := r.pulso(t, dsn, "alerts", "--format", "json")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("alerts: %v\n%s", err, out)
	}
	for _, a := range list {
		s.Alerts = append(s.Alerts, string(a))
	}
	slices.Sort(s.Alerts)
	r.with(t, dsn, func(db *sql.DB) {
		rows, err := db.QueryContext(t.Context(), `SELECT channel, lang, title, body FROM outbox WHERE tenant_id = 'default'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var c, l, ti, b string
			if err := rows.Scan(&c, &l, &ti, &b); err != nil {
				t.Fatal(err)
			}
			s.Messages = append(s.Messages, c+" "+l+" "+ti+"\n"+b)
		}
		// One open alert per rule, KPI and scope.
		var dup int
		if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM (SELECT fingerprint FROM alerts WHERE tenant_id = 'default'
			AND state IN ('pending', 'firing', 'acknowledged') GROUP BY fingerprint HAVING count(*) > 1) AS d`).Scan(&dup); err != nil {
			t.Fatal(err)
		}
		if dup > 0 {
			t.Errorf("%d fingerprints have more than one open alert", dup)
		}
	})
	slices.Sort(s.Messages)
	if d := slices.Compact(slices.Clone(s.Messages)); len(d) != len(s.Messages) {
		t.Errorf("the outbox holds the same message twice: %d messages, %d different", len(s.Messages), len(d))
	}
	return s
}

func (s crashEvalState) equal(o crashEvalState) bool {
	return slices.Equal(s.Alerts, o.Alerts) && slices.Equal(s.Messages, o.Messages)
}

var crashEvalLine = regexp.MustCompile(`(?m)^as of \S+: fired (\d+), resolved (\d+), repeated (\d+), escalated (\d+), silenced (\d+); open (\d+), pending (\d+); messages queued (\d+), sent (\d+), failed (\d+)$`)

// crashEvalOut parses the summary of `pulso eval`: fired, …, queued, sent, failed.
func crashEvalOut(t *testing.T, out string) []int {
	t.Helper()
	m := crashEvalLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("pulso eval said %q", out)
	}
	n := make([]int, len(m)-1)
	for i, s := range m[1:] {
		n[i], _ = strconv.Atoi(s)
	}
	return n
}

func crashEval(t *testing.T, r *crashRig) {
	// The independent run: a second database, evaluated once, never killed.
	ref := r.sellerDB(t)
	dsn := r.sellerDB(t)
	before := r.evalState(t, dsn)
	if !slices.Equal(before.Alerts, r.evalState(t, ref).Alerts) {
		t.Fatal("the two seller databases differ before the evaluation")
	}
	p := r.start(t, ref, "eval", "--as-of", crashAsOf)
	p.until(t, "the reference run to open the database", func() bool { return r.dbOpen(p, ref) })
	opened := time.Now()
	<-p.done
	took := time.Since(opened)
	if p.err != nil {
		t.Fatalf("reference eval: %v\n%s", p.err, p.out.String())
	}
	res := crashEvalOut(t, p.out.String())
	want := r.evalState(t, ref)
	if res[0] < 10 || len(want.Messages) != res[7] || res[7] < 4 {
		t.Fatalf("the reference run fired %d alerts and queued %d messages (outbox %d): too few to test with", res[0], res[7], len(want.Messages))
	}
	if len(want.Alerts) != len(before.Alerts)+res[0]+res[6] {
		t.Fatalf("the reference run fired %d and left %d pending, but the alerts went from %d to %d", res[0], res[6], len(before.Alerts), len(want.Alerts))
	}

	// check: a killed evaluation leaves exactly the state before it or after it.
	check := func(when string, killed, reached bool) {
		t.Helper()
		switch got := r.evalState(t, dsn); {
		case got.equal(before):
			t.Logf("kill %s (killed %v, reached %v): nothing stored", when, killed, reached)
		case got.equal(want):
			t.Logf("kill %s (killed %v, reached %v): the evaluation had committed", when, killed, reached)
		default:
			t.Fatalf("kill %s: the evaluation left %d alerts and %d messages; before it %d and %d, after it %d and %d",
				when, len(got.Alerts), len(got.Messages), len(before.Alerts), len(before.Messages), len(want.Alerts), len(want.Messages))
		}
	}
	if r.e.pg {
		// The evaluation stops at its first message while the test locks the outbox: its
		// alerts are written by then, and must not commit without their messages (else the
		// re-run finds them fired already and never tells anyone).
		lock := r.pgLock(t, dsn, `LOCK TABLE outbox IN EXCLUSIVE MODE`)
		p := r.start(t, dsn, "eval", "--as-of", crashAsOf)
		if !p.until(t, "eval to wait for the outbox", func() bool { pids, _ := lock.blocked(t); return len(pids) > 0 }) {
			t.Fatalf("eval finished while the outbox was locked:\n%s", p.out.String())
		}
		r.stop(t, p, dsn, lock)
		if got := r.evalState(t, dsn); !got.equal(before) {
			t.Fatalf("killed while queueing its messages, the evaluation left %d alerts (before %d) and %d messages",
				len(got.Alerts), len(before.Alerts), len(got.Messages))
		}
	}
	// Kills at fractions of the reference run's time since it opened the database.
	for _, frac := range []float64{0.25, 0.6, 0.95} {
		p := r.start(t, dsn, "eval", "--as-of", crashAsOf)
		reached := p.until(t, "eval to open the database", func() bool { return r.dbOpen(p, dsn) })
		time.Sleep(time.Duration(frac * float64(took)))
		check(fmt.Sprintf("at %.0f%%", 100*frac), r.stop(t, p, dsn, nil), reached)
	}

	r.pulso(t, dsn, "eval", "--as-of", crashAsOf)
	got := r.evalState(t, dsn)
	if !slices.Equal(got.Alerts, want.Alerts) {
		t.Fatalf("after the kills and a re-run the alerts differ from the independent run's:\n got %d\nwant %d", len(got.Alerts), len(want.Alerts))
	}
	if !slices.Equal(got.Messages, want.Messages) {
		t.Fatalf("after the kills and a re-run the outbox differs from the independent run's:\n got %q\nwant %q", got.Messages, want.Messages)
	}
	// Once more: nothing new happens and nothing is queued.
	if n := crashEvalOut(t, r.pulso(t, dsn, "eval", "--as-of", crashAsOf)); n[0]+n[1]+n[2]+n[3]+n[4]+n[7] != 0 {
		t.Fatalf("a second re-run still did something: %v", n)
	}
	if got := r.evalState(t, dsn); !got.equal(want) {
		t.Fatal("a second re-run changed the alerts or the outbox")
	}
}

// --- delivery -------------------------------------------------------------------------------

// crashReceiver is the channel's endpoint: it counts the requests and answers of each
// message id and, while holding, hands each request to the test and answers when told to.
type crashReceiver struct {
	url, dir string
	mu       sync.Mutex
	got      map[string]int // requests per message id
	answered map[string]int // 2xx answers written per message id
	hold     bool
	arrivals chan *crashArrival
}

type crashArrival struct {
	id      string
	reply   chan int
	replied chan struct{}
}

func newCrashReceiver(t *testing.T) *crashReceiver {
	h := &crashReceiver{dir: t.TempDir(), got: map[string]int{}, answered: map[string]int{}, arrivals: make(chan *crashArrival)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		id := req.Header.Get("X-Pulso-Message-Id")
		h.mu.Lock()
		h.got[id]++
		hold := h.hold
		h.mu.Unlock()
		code := http.StatusOK
		var a *crashArrival
		if hold {
			a = &crashArrival{id: id, reply: make(chan int), replied: make(chan struct{})}
			select {
			case h.arrivals <- a:
			case <-req.Context().Done():
				return
			}
			select {
			case code = <-a.reply:
			case <-req.Context().Done(): // the sender died
				return
			}
		}
		w.WriteHeader(code)
		w.(http.Flusher).Flush()
		h.mu.Lock()
		h.answered[id]++
		h.mu.Unlock()
		if a != nil {
			close(a.replied)
		}
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/hook"
	return h
}

func (h *crashReceiver) setHold(v bool) {
	h.mu.Lock()
	h.hold = v
	h.mu.Unlock()
}

func (h *crashReceiver) counts() (got, answered map[string]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return crashCounts(h.got), crashCounts(h.answered)
}

func crashCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// next waits for the next request the receiver holds.
func (h *crashReceiver) next(t *testing.T, p *crashProc) *crashArrival {
	t.Helper()
	select {
	case a := <-h.arrivals:
		return a
	case <-p.done:
		t.Fatalf("pulso ended before sending a message:\n%s", p.out.String())
	case <-time.After(time.Minute):
		t.Fatal("no message arrived within a minute")
	}
	return nil
}

type crashOutboxRow struct {
	State    string
	Attempts int
	Leased   bool
}

func (r *crashRig) outbox(t *testing.T, dsn string) map[string]crashOutboxRow {
	t.Helper()
	out := map[string]crashOutboxRow{}
	r.with(t, dsn, func(db *sql.DB) {
		rows, err := db.QueryContext(t.Context(), `SELECT message_id, state, attempts, claimed_until FROM outbox WHERE tenant_id = 'default'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var o crashOutboxRow
			var until sql.NullTime
			if err := rows.Scan(&id, &o.State, &o.Attempts, &until); err != nil {
				t.Fatal(err)
			}
			o.Leased = until.Valid && until.Time.After(time.Now())
			out[id] = o
		}
	})
	return out
}

func crashDelivery(t *testing.T, r *crashRig) {
	dsn := r.sellerDB(t)
	h := r.hook
	h.setHold(true)
	defer h.setHold(false)
	got0, _ := h.counts()

	// 1. The evaluation queues the messages and starts sending; the receiver holds the first
	// request and the process is killed before any answer.
	p := r.start(t, dsn, "eval", "--as-of", crashAsOf)
	a1 := h.next(t, p)
	if !r.stop(t, p, dsn, nil) {
		t.Fatal("eval ended while the receiver held its request")
	}
	queued := r.outbox(t, dsn)
	if len(queued) < 5 {
		t.Fatalf("the evaluation queued %d messages; the test needs 5", len(queued))
	}
	for id, o := range queued {
		if id == a1.id && (o.State != "pending" || o.Attempts != 1 || !o.Leased) || id != a1.id && (o.State != "pending" || o.Attempts != 0 || o.Leased) {
			t.Fatalf("after the first kill message %s is %+v (the one in flight: %s)", id, o, a1.id)
		}
	}

	// 2. The receiver answers the next request; the one after it arrives only once the answer
	// is recorded (one message at a time), and the kill lands while it is held.
	p = r.start(t, dsn, "eval", "--as-of", crashAsOf)
	a2 := h.next(t, p)
	a2.reply <- http.StatusOK
	<-a2.replied
	a3 := h.next(t, p)
	if !r.stop(t, p, dsn, nil) {
		t.Fatal("eval ended while the receiver held its request")
	}
	if a2.id == a1.id || a3.id == a1.id || a2.id == a3.id {
		t.Fatalf("a message in flight at a kill was sent again within its lease: %s, then %s, %s", a1.id, a2.id, a3.id)
	}
	st := r.outbox(t, dsn)
	if st[a2.id].State != "sent" || st[a3.id].State != "pending" || !st[a3.id].Leased {
		t.Fatalf("after the second kill: answered %s is %+v, held %s is %+v", a2.id, st[a2.id], a3.id, st[a3.id])
	}

	// 3. The receiver answers, and the process is killed as it records the answer: on
	// PostgreSQL the test locks the message's row first, so that the kill lands while the
	// UPDATE marking it sent waits; on DuckDB the kill follows the answer at once.
	p = r.start(t, dsn, "eval", "--as-of", crashAsOf)
	a4 := h.next(t, p)
	if a4.id == a1.id || a4.id == a2.id || a4.id == a3.id {
		t.Fatalf("message %s was sent again", a4.id)
	}
	var lock *crashLock
	if r.e.pg {
		lock = r.pgLock(t, dsn, `SELECT message_id FROM outbox WHERE tenant_id = 'default' AND message_id = $1 FOR UPDATE`, a4.id)
	}
	a4.reply <- http.StatusOK
	<-a4.replied
	if lock != nil {
		p.until(t, "the mark of the answered message to wait", func() bool { pids, _ := lock.blocked(t); return len(pids) > 0 })
	}
	if !r.stop(t, p, dsn, lock) {
		t.Fatal("eval ended before the kill")
	}

	// What the kills left: a message is sent (recorded before a kill: never to be sent
	// again), pending under the lease of a killed claim (in flight: the receiver may or may
	// not have it, so it goes again once the lease runs out: at least once), or pending and
	// never tried.
	gotKilled, _ := h.counts()
	after := r.outbox(t, dsn)
	var sent, inFlight, untried []string
	for id, o := range after {
		g := gotKilled[id] - got0[id]
		switch {
		case o.State == "sent" && o.Attempts == 1 && !o.Leased && g == 1:
			sent = append(sent, id)
		case o.State == "pending" && o.Attempts == 1 && o.Leased && g <= 1:
			inFlight = append(inFlight, id)
		case o.State == "pending" && o.Attempts == 0 && !o.Leased && g == 0:
			untried = append(untried, id)
		default:
			t.Fatalf("after three kills message %s is %+v, received %d times", id, o, g)
		}
	}
	if len(after) != len(queued) || !slices.Contains(inFlight, a1.id) || !slices.Contains(inFlight, a3.id) || !slices.Contains(sent, a2.id) ||
		!slices.Contains(sent, a4.id) && !slices.Contains(inFlight, a4.id) || len(untried) == 0 {
		t.Fatalf("after three kills: sent %v, in flight %v, never tried %v (of %d)", sent, inFlight, untried, len(queued))
	}
	t.Logf("killed right after the receiver answered %s: recorded as sent %v", a4.id, slices.Contains(sent, a4.id))

	// 4. A re-run right away sends every message never tried; the ones in flight keep their
	// lease (the process cannot know whether the receiver got them).
	h.setHold(false)
	n := crashEvalOut(t, r.pulso(t, dsn, "eval", "--as-of", crashAsOf))
	if n[7] != 0 || n[8] != len(untried) || n[9] != 0 {
		t.Fatalf("the re-run queued %d, sent %d, failed %d; want 0 queued and the %d never tried sent", n[7], n[8], n[9], len(untried))
	}
	if got, _ := h.counts(); !sameCounts(got, gotKilled, inFlight) {
		t.Fatalf("messages in flight at a kill reached the receiver again within their lease")
	}

	// 5. The leases of the killed processes run out (DefaultLease, 2 minutes; the test moves
	// them into the past instead of waiting) and the next run sends those messages again.
	r.with(t, dsn, func(db *sql.DB) {
		if _, err := db.ExecContext(t.Context(), `UPDATE outbox SET claimed_until = $1 WHERE tenant_id = 'default' AND claimed_until IS NOT NULL`,
			time.Now().UTC().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
	})
	n = crashEvalOut(t, r.pulso(t, dsn, "eval", "--as-of", crashAsOf))
	if n[8] != len(inFlight) || n[9] != 0 {
		t.Fatalf("after the leases ran out the run sent %d, failed %d; want the %d in flight at a kill sent", n[8], n[9], len(inFlight))
	}
	// 6. Then nothing is left to send.
	if n = crashEvalOut(t, r.pulso(t, dsn, "eval", "--as-of", crashAsOf)); n[7]+n[8]+n[9] != 0 {
		t.Fatalf("a last run still queued or sent: %v", n)
	}

	// Every queued message reached the receiver and is recorded as sent, once per message;
	// only a message in flight at a kill went again.
	got, answered := h.counts()
	final := r.outbox(t, dsn)
	if len(final) != len(queued) {
		t.Fatalf("the outbox went from %d to %d messages", len(queued), len(final))
	}
	for id := range queued {
		want, tries := 1, 1
		if slices.Contains(inFlight, id) {
			want, tries = gotKilled[id]-got0[id]+1, 2
		}
		if g := got[id] - got0[id]; g != want {
			t.Errorf("message %s reached the receiver %d times, want %d (in flight at a kill: %v)", id, g, want, slices.Contains(inFlight, id))
		}
		if answered[id] < 1 {
			t.Errorf("message %s was never answered", id)
		}
		if o := final[id]; o.State != "sent" || o.Attempts != tries || o.Leased {
			t.Errorf("message %s ends %+v, want sent after %d attempts", id, o, tries)
		}
	}
	for id := range got {
		if _, ok := queued[id]; !ok && got0[id] == 0 {
			t.Errorf("the receiver got message %s, which was never queued", id)
		}
	}
}

func sameCounts(a, b map[string]int, keys []string) bool {
	for _, k := range keys {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}
