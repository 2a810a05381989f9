package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// Faults through the built binary: a database that cannot be reached or goes away, a file
// that cannot be written, a disk that fills up, a channel that fails or hangs. Each must end
// in one clear line and exit 1 (or a 503 from the server), never in a half-written store.

// faultCLI runs the built binary, optionally as another user (cred) and with extra variables.
type faultCLI struct {
	bin  string
	env  []string
	cred *syscall.Credential
}

// faultBuild builds the binary into a directory every user may read, so that it can also be
// run as another user.
func faultBuild(t *testing.T) faultCLI {
	t.Helper()
	dir := openDir(t)
	cfg := filepath.Join(dir, "config")
	if err := os.Mkdir(cfg, 0o700); err != nil {
		t.Fatal(err)
	}
	// The secret key file (sealed channel secrets) lives under XDG_CONFIG_HOME.
	return faultCLI{bin: buildPulso(t, dir), env: []string{"PULSO_DB=", "XDG_CONFIG_HOME=" + cfg, "LANG=C"}}
}

// openDir is a temporary directory that other users may enter (t.TempDir is 0700).
func openDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func (c faultCLI) command(args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

// run returns what the command printed (stdout and stderr) and its exit status.
func (c faultCLI) run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := c.command(args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("pulso %s: %v", strings.Join(args, " "), err)
	return "", -1
}

// ok runs a command that must succeed.
func (c faultCLI) ok(t *testing.T, args ...string) string {
	t.Helper()
	out, code := c.run(t, args...)
	if code != 0 {
		t.Fatalf("pulso %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// oneLineError checks a failure: exit status 1 and exactly one line, "pulso: …", saying want,
// without a stack or any of the secrets.
func oneLineError(t *testing.T, what, out string, code int, want []string, secrets ...string) {
	t.Helper()
	if code != 1 {
		t.Errorf("%s: exit %d, want 1\n%s", what, code, out)
	}
	if !strings.HasPrefix(out, "pulso: ") || strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("%s: want one line \"pulso: …\", got\n%s", what, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s: the message does not say %q:\n%s", what, w, out)
		}
	}
	for _, bad := range append([]string{"goroutine ", "panic", "runtime/"}, secrets...) {
		if strings.Contains(out, bad) {
			t.Errorf("%s: the message contains %q:\n%s", what, bad, out)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// faultOrders are three orders in USD (no exchange rates needed): 2 in BR, 1 in MX.
const faultOrders = "order_id,platform,country,store,created_at,currency,gross_amount\n" +
	"F1,mercadolibre,BR,s1,2026-03-02 10:00:00,USD,100\n" +
	"F2,mercadolibre,BR,s1,2026-03-03 11:00:00,USD,50\n" +
	"F3,amazon,MX,s2,2026-03-03 12:00:00,USD,300\n"

// ordersByCountry sums `pulso kpi eval --kpi orders --format json` per country.
func ordersByCountry(t *testing.T, out string) map[string]float64 {
	t.Helper()
	var rows []struct {
		KPI   string            `json:"kpi"`
		Scope map[string]string `json:"scope"`
		Value *float64          `json:"value"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("kpi eval output: %v\n%s", err, out)
	}
	sum := map[string]float64{}
	for _, r := range rows {
		if r.KPI == "orders" && r.Value != nil {
			sum[r.Scope["country"]] += *r.Value
		}
	}
	return sum
}

// sourceRows reads `pulso sources --format json`: rows per kind.
func sourceRows(t *testing.T, out string) map[string]float64 {
	t.Helper()
	var srcs []struct {
		Kind string  `json:"kind"`
		Rows float64 `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &srcs); err != nil {
		t.Fatalf("sources output: %v\n%s", err, out)
	}
	n := map[string]float64{}
	for _, s := range srcs {
		n[s.Kind] += s.Rows
	}
	return n
}

var evalArgs = []string{"kpi", "eval", "--kpi", "orders", "--from", "2026-03-01", "--to", "2026-03-05", "--by", "country", "--format", "json"}

// ---- 1. a database that cannot be reached ----------------------------------------------------

func TestFaultUnreachableDatabase(t *testing.T) {
	cli := faultBuild(t)
	dir := t.TempDir()
	ordersCSV := writeFile(t, dir, "orders.csv", faultOrders)
	const pw = "pw-Fault-4411"
	commands := [][]string{
		{"sources"},
		evalArgs,
		{"alerts"},
		{"import", "--kind", "orders", ordersCSV},
		{"eval", "--as-of", "2026-03-10"},
	}
	check := func(t *testing.T, dsn string, want []string, secrets ...string) {
		t.Helper()
		for _, c := range commands {
			out, code := cli.run(t, append(slices.Clone(c), "--db", dsn)...)
			oneLineError(t, "pulso "+c[0], out, code, want, secrets...)
		}
	}

	t.Run("nothing-listening", func(t *testing.T) {
		port := freePort(t)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		check(t, "postgres://pulso:"+pw+"@"+addr+"/pulso?sslmode=disable&connect_timeout=5",
			[]string{"cannot reach PostgreSQL at " + addr + ": connection refused", "check that the server is running"}, pw)
	})
	t.Run("missing-database", func(t *testing.T) {
		base, err := url.Parse(storetest.PostgresDSN(t))
		if err != nil {
			t.Fatal("bad test URL") // the error would show the URL
		}
		u := *base
		u.User = url.UserPassword(u.User.Username(), pw)
		u.Path = "/pulso_fault_no_such_db"
		check(t, u.String(), []string{`database "pulso_fault_no_such_db" does not exist on PostgreSQL at ` + base.Host, "createdb"}, pw)
	})
	t.Run("wrong-password", func(t *testing.T) {
		pg := newPrivateCluster(t)
		pg.start(t)
		check(t, pg.dsn("wrong-"+pw), []string{"PostgreSQL at " + pg.addr() + ` refused user "postgres"`, "password authentication failed",
			"check the user and password"}, "wrong-"+pw, pg.password)
		// The right password gets in.
		cli.ok(t, "sources", "--db", pg.dsn(pg.password))
	})
	t.Run("busy-address", func(t *testing.T) { // a network error that is not the database's
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		out, code := cli.run(t, "serve", "--db", filepath.Join(t.TempDir(), "p.duckdb"), "--addr", l.Addr().String())
		oneLineError(t, "pulso serve on a busy address", out, code, []string{"listen on " + l.Addr().String(), "address already in use"})
		if strings.Contains(out, "database") {
			t.Errorf("a busy address is blamed on the database: %s", out)
		}
	})
	t.Run("duckdb-paths", func(t *testing.T) {
		missing := filepath.Join(dir, "no-such-dir", "p.duckdb")
		check(t, missing, []string{"cannot create " + missing + ": directory " + filepath.Dir(missing) + " does not exist"})
		if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a command created the missing directory: %v", err)
		}
		check(t, dir, []string{"open " + dir + ": it is a directory, not a DuckDB file"})
		notDuck := writeFile(t, dir, "notes.duckdb", "these are notes, not a database\n")
		check(t, notDuck, []string{"open " + notDuck + ": the file is not a DuckDB database"})
		if b, _ := os.ReadFile(notDuck); string(b) != "these are notes, not a database\n" {
			t.Errorf("the file that is not a database was changed: %q", b)
		}
	})
}

// TestFaultServerDatabaseGoesAway stops the PostgreSQL server under a running `pulso serve`:
// requests get a 503 that says the database is unavailable (JSON for the API, a page for the
// board), never a 500, and the server recovers by itself when PostgreSQL is back.
func TestFaultServerDatabaseGoesAway(t *testing.T) {
	cli := faultBuild(t)
	pg := newPrivateCluster(t)
	pg.start(t)
	dsn := pg.dsn(pg.password)
	cli.ok(t, "import", "--db", dsn, "--kind", "orders", writeFile(t, t.TempDir(), "orders.csv", faultOrders))
	add := cli.command("user", "add", "ops@example.com", "--role", "admin", "--lang", "en", "--db", dsn)
	add.Env = append(add.Env, "PULSO_PASSWORD=a-Long-enough-passphrase-2026")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	tokCmd := cli.command("token", "create", "--user", "ops@example.com", "--name", "faults", "--db", dsn)
	var tokOut bytes.Buffer
	tokCmd.Stdout = &tokOut
	if err := tokCmd.Run(); err != nil {
		t.Fatalf("token create: %v", err)
	}
	token := strings.TrimSpace(tokOut.String())

	srv := cli.command("serve", "--db", dsn, "--addr", "127.0.0.1:0")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	srv.Stderr = &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = srv.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			srv.Process.Kill()
			<-exited
		}
	})
	base := ""
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "Pulso is running at "); ok {
			base = u
			break
		}
	}
	if base == "" {
		t.Fatalf("pulso serve did not start:\n%s", logs.String())
	}
	go io.Copy(io.Discard, stdout)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Timeout: 30 * time.Second, Jar: jar}
	do := func(method, path string, form url.Values, api bool) (int, http.Header, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		req.Header.Set("Accept-Language", "en")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if api {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	get := func(path string, api bool) (int, http.Header, string) { return do(http.MethodGet, path, nil, api) }
	sourcesUp := func() {
		t.Helper()
		code, _, body := get("/api/v1/sources", true)
		if code != http.StatusOK || !strings.Contains(body, `"kind": "orders"`) {
			t.Fatalf("GET /api/v1/sources with the database up: %d\n%s", code, body)
		}
	}
	sourcesUp()
	// Sign in to the board (its pages read the session from the database).
	_, _, page := get("/login", false)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the login page:\n%s", page)
	}
	if code, _, body := do(http.MethodPost, "/login", url.Values{"csrf": {m[1]}, "tenant": {"default"}, "login": {"ops@example.com"},
		"password": {"a-Long-enough-passphrase-2026"}, "next": {"/sources"}}, false); code != http.StatusOK || !strings.Contains(body, "orders") {
		t.Fatalf("sign in and open the sources page: %d\n%s", code, body)
	}

	pg.stop(t)
	const unavailable = "The database cannot be reached right now."
	for i := 0; i < 3; i++ { // the pool's idle connections are dead now, then none can be made
		code, hdr, body := get("/api/v1/sources", true)
		var e struct {
			Error struct{ Code, Message string }
		}
		if code != http.StatusServiceUnavailable || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "unavailable" ||
			!strings.HasPrefix(e.Error.Message, unavailable) || hdr.Get("Retry-After") == "" {
			t.Fatalf("API request %d with the database down: %d %v\n%s", i+1, code, hdr, body)
		}
		code, hdr, body = get("/sources", false)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, unavailable) || hdr.Get("Retry-After") == "" ||
			!strings.Contains(hdr.Get("Content-Type"), "text/html") {
			t.Fatalf("page request %d with the database down: %d %v\n%s", i+1, code, hdr, body)
		}
	}

	pg.start(t)
	deadline := time.Now().Add(time.Minute)
	for {
		code, _, body := get("/api/v1/sources", true)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after PostgreSQL came back: %d\n%s\nserver log:\n%s", code, body, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	sourcesUp()
	if code, _, body := get("/sources", false); code != http.StatusOK || !strings.Contains(body, "orders") {
		t.Fatalf("the sources page after PostgreSQL came back: %d\n%s", code, body)
	}
	// The scheduled evaluations' leader held its lock in a session the restart ended, which
	// released the lock: it notices and leads again (else another node could lead beside it).
	deadline = time.Now().Add(2 * time.Minute)
	for !strings.Contains(logs.String(), "lost the database session that held the lead") ||
		strings.Count(logs.String(), "leading the scheduled evaluations") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the leader did not notice that its session was gone, or did not lead again:\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	select {
	case <-exited:
		t.Fatalf("pulso serve exited while the database was away: %v\n%s", exitErr, logs.String())
	default:
	}
	srv.Process.Signal(os.Interrupt)
	if <-exited; exitErr != nil {
		t.Fatalf("pulso serve did not stop cleanly: %v\n%s", exitErr, logs.String())
	}
	for _, bad := range []string{"panic", "goroutine ", "level=ERROR msg=\"request failed\""} {
		if strings.Contains(logs.String(), bad) {
			t.Errorf("the server log shows %q:\n%s", bad, logs.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a process writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// privateCluster is a PostgreSQL server of the test's own (initdb in a temporary directory,
// password authentication), which the test may stop and start. PostgreSQL refuses to run as
// root, so under root it runs as the postgres user.
type privateCluster struct {
	bin, data, log, password string
	port                     int
	cred                     *syscall.Credential
}

func newPrivateCluster(t *testing.T) *privateCluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL server binaries (initdb) not found under /usr/lib/postgresql")
		}
		t.Skip("PostgreSQL server binaries (initdb) not found under /usr/lib/postgresql: install postgresql to run this test")
	}
	slices.Sort(bins)
	c := &privateCluster{bin: filepath.Dir(bins[len(bins)-1]), password: "pw-Private-" + strconv.Itoa(rand.IntN(1e6)), port: freePort(t)}
	dir := filepath.Join(openDir(t), "pg")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user to run a PostgreSQL server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.data, c.log = filepath.Join(dir, "data"), filepath.Join(dir, "server.log")
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(c.password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c.cred != nil {
		os.Chown(pwfile, int(c.cred.Uid), int(c.cred.Gid))
	}
	c.pg(t, "initdb", "-D", c.data, "-U", "postgres", "--pwfile", pwfile, "-A", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync")
	t.Cleanup(func() {
		cmd := exec.Command(filepath.Join(c.bin, "pg_ctl"), "-D", c.data, "-m", "immediate", "-w", "stop")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Run() // already stopped is fine
	})
	return c
}

func (c *privateCluster) pg(t *testing.T, tool string, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(c.bin, tool), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(c.log)
		t.Fatalf("%s: %v\n%s\n%s", tool, err, out, log)
	}
}

func (c *privateCluster) start(t *testing.T) {
	t.Helper()
	c.pg(t, "pg_ctl", "-D", c.data, "-l", c.log, "-w", "-t", "120", "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off", c.port, c.data), "start")
}

func (c *privateCluster) stop(t *testing.T) {
	t.Helper()
	c.pg(t, "pg_ctl", "-D", c.data, "-m", "fast", "-w", "-t", "120", "stop")
}

func (c *privateCluster) addr() string { return fmt.Sprintf("127.0.0.1:%d", c.port) }

func (c *privateCluster) dsn(password string) string {
	return (&url.URL{Scheme: "postgres", User: url.UserPassword("postgres", password), Host: c.addr(), Path: "/postgres",
		RawQuery: "sslmode=disable&connect_timeout=10"}).String()
}

// ---- 2. a file that cannot be written ---------------------------------------------------------

// TestFaultReadOnly: commands that only read work on a DuckDB file (or directory) this user
// may not write, by opening it read-only; commands that write say "read-only: FILE" and change
// nothing. Root may write any file whatever its mode, so under root the commands run as the
// unprivileged user nobody. On PostgreSQL the same holds for a server that accepts no writes.
func TestFaultReadOnly(t *testing.T) {
	cli := faultBuild(t)
	dir := openDir(t)
	ordersCSV := writeFile(t, dir, "orders.csv", faultOrders)
	targets := writeFile(t, dir, "targets.yaml", "- kpi: orders\n  scope: {country: BR}\n  target: 5\n  yellow: 1\n")
	for _, f := range []string{ordersCSV, targets} {
		os.Chmod(f, 0o644)
	}
	wantOrders := map[string]float64{"BR": 2, "MX": 1} // faultOrders, counted by hand
	reads := func(t *testing.T, c faultCLI, dsn string) {
		t.Helper()
		if got := sourceRows(t, c.ok(t, "sources", "--format", "json", "--db", dsn)); got["orders"] != 3 {
			t.Errorf("sources on a read-only store: %v orders, want 3", got["orders"])
		}
		if got := ordersByCountry(t, c.ok(t, append(slices.Clone(evalArgs), "--db", dsn)...)); fmt.Sprint(got) != fmt.Sprint(wantOrders) {
			t.Errorf("kpi eval on a read-only store: %v, want %v", got, wantOrders)
		}
		if out := c.ok(t, "alerts", "--format", "json", "--db", dsn); strings.TrimSpace(out) != "[]" {
			t.Errorf("alerts on a read-only store: %s", out)
		}
		if out := c.ok(t, "kpi", "list", "--db", dsn); !strings.Contains(out, "late_shipment_rate") {
			t.Errorf("kpi list on a read-only store:\n%s", out)
		}
	}
	writes := func(t *testing.T, c faultCLI, dsn string, want ...string) {
		t.Helper()
		for _, args := range [][]string{{"import", "--kind", "orders", ordersCSV}, {"eval", "--as-of", "2026-03-10"}, {"target", "apply", targets}} {
			out, code := c.run(t, append(args, "--db", dsn)...)
			oneLineError(t, "pulso "+args[0], out, code, want)
		}
	}

	t.Run("duckdb", func(t *testing.T) {
		ro := cli
		if os.Geteuid() == 0 {
			ro.cred = &syscall.Credential{Uid: 65534, Gid: 65534} // nobody
			if out, err := ro.command("--help").CombinedOutput(); err != nil {
				t.Skipf("running as root, and cannot run the binary as nobody to test permissions: %v\n%s", err, out)
			}
		}
		for _, c := range []struct {
			name              string
			fileMode, dirMode os.FileMode
			reason            string
		}{
			{"file", 0o444, 0o755, "no write permission on the file"},
			{"directory", 0o666, 0o555, "no write permission on its directory"},
		} {
			t.Run(c.name, func(t *testing.T) {
				home := filepath.Join(openDir(t), "db")
				if err := os.Mkdir(home, 0o755); err != nil {
					t.Fatal(err)
				}
				db := filepath.Join(home, "p.duckdb")
				cli.ok(t, "import", "--kind", "orders", ordersCSV, "--db", db)
				if err := os.Chmod(db, c.fileMode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(home, c.dirMode); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Chmod(home, 0o755) })
				before := fileSum(t, db)
				reads(t, ro, db)
				writes(t, ro, db, "read-only: "+db+": "+c.reason)
				if fileSum(t, db) != before {
					t.Error("the read-only file changed")
				}
				if entries, _ := os.ReadDir(home); len(entries) != 1 {
					t.Errorf("the commands left files beside the database: %v", entries)
				}
				// Writable again, the file holds what it held: the three orders.
				os.Chmod(home, 0o755)
				os.Chmod(db, 0o644)
				if got := sourceRows(t, cli.ok(t, "sources", "--format", "json", "--db", db)); got["orders"] != 3 {
					t.Errorf("after the refused writes: %v orders, want 3", got["orders"])
				}
			})
		}
	})

	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresSchema(t)
		cli.ok(t, "import", "--kind", "orders", ordersCSV, "--db", dsn)
		ro := dsn + "&default_transaction_read_only=on" // as on a standby
		reads(t, cli, ro)
		writes(t, cli, ro, "read-only: the PostgreSQL server accepts no writes")
		if got := sourceRows(t, cli.ok(t, "sources", "--format", "json", "--db", dsn)); got["orders"] != 3 {
			t.Errorf("after the refused writes: %v orders, want 3", got["orders"])
		}
	})
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// ---- 3. a full disk ----------------------------------------------------------------------------

// TestFaultFileSizeLimitHelper is not a test: TestFaultDiskFull runs the test binary with
// PULSO_FAULT_FSIZE set, and this sets that file size limit (ulimit -f) and becomes the pulso
// command in PULSO_FAULT_ARGV. SIGXFSZ keeps its default action (kill): pulso itself must
// ignore it to get "file too large" errors instead.
func TestFaultFileSizeLimitHelper(t *testing.T) {
	limit := os.Getenv("PULSO_FAULT_FSIZE")
	if limit == "" {
		t.Skip("helper process of TestFaultDiskFull")
	}
	var argv []string
	n, err := strconv.ParseUint(limit, 10, 64)
	if err == nil {
		err = json.Unmarshal([]byte(os.Getenv("PULSO_FAULT_ARGV")), &argv)
	}
	if err == nil {
		err = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
	}
	if err == nil {
		err = syscall.Exec(argv[0], argv, os.Environ())
	}
	fmt.Fprintln(os.Stderr, "file size limit helper:", err)
	os.Exit(3)
}

// bigOrders writes n orders of random ids, stores and amounts (so that they do not compress
// away) and returns the file.
func bigOrders(t *testing.T, dir string, n int) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("order_id,platform,country,store,created_at,currency,gross_amount\n")
	r := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "G%d-%016x,mercadolibre,BR,s%d,2026-03-0%d %02d:00:00,USD,%d\n", i, r.Uint64(), r.IntN(999), 1+r.IntN(9), 10+r.IntN(13), 1+r.IntN(99999))
	}
	return writeFile(t, dir, "big.csv", b.String())
}

// TestFaultDiskFull: an import whose writes hit the file size limit (EFBIG) or a full file
// system (ENOSPC) fails with a message that says so and names the file, and the database
// still opens and holds exactly what it held before.
func TestFaultDiskFull(t *testing.T) {
	cli := faultBuild(t)
	dir := t.TempDir()
	big := bigOrders(t, dir, 150_000)
	seed := func(t *testing.T, db string) {
		t.Helper()
		cli.ok(t, "import", "--kind", "orders", writeFile(t, dir, "orders.csv", faultOrders), "--db", db)
	}
	unchanged := func(t *testing.T, db string) {
		t.Helper()
		if got := sourceRows(t, cli.ok(t, "sources", "--format", "json", "--db", db)); got["orders"] != 3 {
			t.Errorf("after the failed import: %v orders, want the 3 from before", got["orders"])
		}
		if got := ordersByCountry(t, cli.ok(t, append(slices.Clone(evalArgs), "--db", db)...)); got["BR"] != 2 || got["MX"] != 1 || len(got) != 2 {
			t.Errorf("after the failed import the orders KPI is %v, want BR 2, MX 1", got)
		}
	}

	t.Run("file-size-limit", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "p.duckdb")
		seed(t, db)
		fi, err := os.Stat(db)
		if err != nil {
			t.Fatal(err)
		}
		limit := fi.Size() + 256<<10
		argv, _ := json.Marshal([]string{cli.bin, "import", "--kind", "orders", big, "--db", db})
		cmd := exec.Command(os.Args[0], "-test.run=^TestFaultFileSizeLimitHelper$")
		cmd.Env = append(os.Environ(), append(cli.env, "PULSO_FAULT_FSIZE="+strconv.FormatInt(limit, 10), "PULSO_FAULT_ARGV="+string(argv))...)
		out, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Fatalf("pulso was killed by %v: it must ignore SIGXFSZ and report the error\n%s", ws.Signal(), out)
			}
		} else if err != nil {
			t.Fatal(err)
		}
		oneLineError(t, "import over the file size limit", string(out), code,
			[]string{"file size limit reached: could not write " + db, "the database keeps its previous state"})
		unchanged(t, db)
	})

	t.Run("full-file-system", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("mounting a small file system needs root; the file size limit case covers a full disk without it")
		}
		mnt := t.TempDir()
		src := filepath.Join(t.TempDir(), "p.duckdb")
		seed(t, src)
		fi, err := os.Stat(src)
		if err != nil {
			t.Fatal(err)
		}
		size := (fi.Size() + 512<<10 + 4095) &^ 4095
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "pulso-fault", mnt).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a small tmpfs here (%v: %s); the file size limit case covers a full disk", err, bytes.TrimSpace(out))
		}
		t.Cleanup(func() { exec.Command("umount", mnt).Run() })
		db := filepath.Join(mnt, "p.duckdb")
		b, err := os.ReadFile(src)
		if err == nil {
			err = os.WriteFile(db, b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		out, code := cli.run(t, "import", "--kind", "orders", big, "--db", db)
		oneLineError(t, "import on a full file system", out, code,
			[]string{"disk full: could not write " + db, "no space left on the device", "the database keeps its previous state"})
		unchanged(t, db)
	})
}

// ---- 4. a slow or failing channel ---------------------------------------------------------------

// faultHook is a webhook receiver on 127.0.0.1 whose answer the test chooses: ok (204), 500,
// 429 with Retry-After: 120, hang (no answer until the client gives up or the test releases
// it, then 503) or close (the connection is dropped without an answer).
type faultHook struct {
	srv     *httptest.Server
	mode    atomic.Value
	mu      sync.Mutex
	hits    map[string][]string // path → message ids, in order
	arrived chan string         // path of each request, as it arrives
	release chan struct{}
}

func newFaultHook(t *testing.T) *faultHook {
	h := &faultHook{hits: map[string][]string{}, arrived: make(chan string, 100), release: make(chan struct{})}
	h.mode.Store("ok")
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(func() {
		h.srv.CloseClientConnections()
		h.srv.Close()
	})
	return h
}

func (h *faultHook) serve(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	h.hits[r.URL.Path] = append(h.hits[r.URL.Path], r.Header.Get("X-Pulso-Message-Id"))
	h.mu.Unlock()
	h.arrived <- r.URL.Path
	mode := "ok"
	if r.URL.Path == "/flaky" {
		mode = h.mode.Load().(string)
	}
	switch mode {
	case "500":
		http.Error(w, "upstream exploded", http.StatusInternalServerError)
	case "429":
		w.Header().Set("Retry-After", "120")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case "hang":
		select {
		case <-r.Context().Done():
		case <-h.release:
			http.Error(w, "back from a long pause", http.StatusServiceUnavailable)
		}
	case "close":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (h *faultHook) ids(path string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.hits[path])
}

// faultAlerting routes BR and CO to the flaky channel and MX to the steady one.
func faultAlerting(base string, flakyTimeout time.Duration) string {
	return fmt.Sprintf(`channels:
  - {name: flaky, type: webhook, webhook: {url: "%s/flaky", timeout: %s}}
  - {name: steady, type: webhook, webhook: {url: "%s/steady"}}
contacts:
  - {id: br-team, name: BR, lang: pt-BR, channel: flaky}
  - {id: co-team, name: CO, lang: es, channel: flaky}
  - {id: mx-team, name: MX, lang: es, channel: steady}
owners:
  - {contact: br-team, scope: {country: [BR]}}
  - {contact: co-team, scope: {country: [CO]}}
  - {contact: mx-team, scope: {country: [MX]}}
rules:
  - {id: red-3-days, type: consecutive, status: red, periods: 3}
`, base, flakyTimeout, base)
}

// lateOrders: in BR, CO and MX every order of 2026-03-02 to 03-07 ships after its deadline,
// so late_shipment_rate (target 4 %) is red on 6 days in each country: three alerts, one
// message per country's contact.
func lateOrders() string {
	var b strings.Builder
	b.WriteString("order_id,platform,country,store,created_at,shipped_at,handling_deadline,currency,gross_amount\n")
	for _, c := range []string{"BR", "CO", "MX"} {
		for d := 2; d <= 7; d++ {
			fmt.Fprintf(&b, "%s%d,mercadolibre,%s,s1,2026-03-%02d 10:00:00,2026-03-%02d 20:00:00,2026-03-%02d 12:00:00,USD,100\n", c, d, c, d, d+1, d+1)
		}
	}
	return b.String()
}

type outboxState struct {
	ID, Channel, State, LastError string
	Attempts                      int
	Wait                          time.Duration // next_attempt_at - updated_at
}

var faultEvalLine = regexp.MustCompile(`(?m)^as of 2026-03-20: fired (\d+), .*; messages queued (\d+), sent (\d+), failed (\d+)$`)

func TestFaultChannel(t *testing.T) {
	cli := faultBuild(t)
	engines := []struct {
		name string
		dsn  func(t *testing.T) string
		open func(t *testing.T, dsn string) (*sql.DB, func() error)
	}{
		{"duckdb", func(t *testing.T) string { return filepath.Join(t.TempDir(), "p.duckdb") }, func(t *testing.T, dsn string) (*sql.DB, func() error) {
			st, err := duckdb.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			return st.DB(), st.Close
		}},
		{"postgres", func(t *testing.T) string { return storetest.PostgresSchema(t) }, func(t *testing.T, dsn string) (*sql.DB, func() error) {
			st, err := postgres.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			return st.DB(), st.Close
		}},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			dsn := e.dsn(t)
			pg := e.name == "postgres"
			hook := newFaultHook(t)
			// On DuckDB the hanging channel is cut by its timeout; on PostgreSQL the test holds
			// it while it reads the alerts from another process, then releases it.
			timeout := 2 * time.Second
			if pg {
				timeout = 5 * time.Minute
			}
			dir := t.TempDir()
			cli.ok(t, "import", "--kind", "orders", writeFile(t, dir, "orders.csv", lateOrders()), "--db", dsn)
			cli.ok(t, "alert", "apply", writeFile(t, dir, "alerting.yaml", faultAlerting(hook.srv.URL, timeout)), "--db", dsn)

			// with reads the outbox, as the time passes, between runs (on DuckDB no pulso process
			// holds the file then).
			with := func(fn func(db *sql.DB)) {
				t.Helper()
				db, closeDB := e.open(t, dsn)
				defer closeDB()
				fn(db)
			}
			outbox := func() map[string]outboxState {
				t.Helper()
				out := map[string]outboxState{}
				with(func(db *sql.DB) {
					rows, err := db.QueryContext(t.Context(), `SELECT message_id, channel, state, coalesce(last_error, ''), attempts, next_attempt_at, updated_at FROM outbox`)
					if err != nil {
						t.Fatal(err)
					}
					defer rows.Close()
					for rows.Next() {
						var o outboxState
						var next, upd time.Time
						if err := rows.Scan(&o.ID, &o.Channel, &o.State, &o.LastError, &o.Attempts, &next, &upd); err != nil {
							t.Fatal(err)
						}
						o.Wait = next.Sub(upd)
						out[o.ID] = o
					}
				})
				return out
			}
			// passTime makes every pending message due, as if its backoff had run out; attempts,
			// when set, is what earlier attempts would have used up.
			passTime := func(attempts int) {
				t.Helper()
				with(func(db *sql.DB) {
					q, args := `UPDATE outbox SET next_attempt_at = $1 WHERE state = 'pending'`, []any{time.Now().UTC().Add(-time.Second)}
					if attempts > 0 {
						q, args = `UPDATE outbox SET next_attempt_at = $1, attempts = $2 WHERE state = 'pending'`, append(args, attempts)
					}
					if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
						t.Fatal(err)
					}
				})
			}
			eval := func(wantFired, wantQueued, wantSent, wantFailed int) string {
				t.Helper()
				out := cli.ok(t, "eval", "--as-of", "2026-03-20", "--db", dsn)
				m := faultEvalLine.FindStringSubmatch(out)
				if m == nil || m[1] != strconv.Itoa(wantFired) || m[2] != strconv.Itoa(wantQueued) || m[3] != strconv.Itoa(wantSent) || m[4] != strconv.Itoa(wantFailed) {
					t.Fatalf("pulso eval said\n%s\nwant fired %d, queued %d, sent %d, failed %d", out, wantFired, wantQueued, wantSent, wantFailed)
				}
				return out
			}
			firing := func() []string {
				t.Helper()
				var as []struct {
					KPI   string            `json:"kpi"`
					Scope map[string]string `json:"scope"`
				}
				if err := json.Unmarshal([]byte(cli.ok(t, "alerts", "--state", "firing", "--format", "json", "--db", dsn)), &as); err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, a := range as {
					got = append(got, a.Scope["country"]+" "+a.KPI)
				}
				slices.Sort(got)
				return got
			}
			wantFiring := "[BR late_shipment_rate CO late_shipment_rate MX late_shipment_rate]"

			// 1. The flaky channel hangs. The evaluation is stored before any message is sent: on
			// PostgreSQL another process reads the firing alerts while the channel still hangs.
			hook.mode.Store("hang")
			var out string
			if pg {
				run := cli.command("eval", "--as-of", "2026-03-20", "--db", dsn)
				var buf syncBuffer
				run.Stdout, run.Stderr = &buf, &buf
				if err := run.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- run.Wait() }()
				for path := ""; path != "/flaky"; {
					select {
					case path = <-hook.arrived:
					case err := <-done:
						t.Fatalf("eval ended before the flaky channel was tried: %v\n%s", err, buf.String())
					case <-time.After(2 * time.Minute):
						t.Fatal("the flaky channel was never tried")
					}
				}
				if got := fmt.Sprint(firing()); got != wantFiring {
					t.Fatalf("while the channel hangs, the firing alerts are %s, want %s", got, wantFiring)
				}
				select {
				case err := <-done:
					t.Fatalf("eval ended while the channel still hung: %v\n%s", err, buf.String())
				default:
				}
				close(hook.release)
				if err := <-done; err != nil {
					t.Fatalf("eval: %v\n%s", err, buf.String())
				}
				out = buf.String()
				if m := faultEvalLine.FindStringSubmatch(out); m == nil || m[1] != "3" || m[2] != "3" || m[3] != "1" || m[4] != "1" {
					t.Fatalf("pulso eval said\n%s\nwant fired 3, queued 3, sent 1, failed 1", out)
				}
			} else {
				out = eval(3, 3, 1, 1)
			}
			// The hanging channel was tried once; its second message waits for the next run
			// instead of hanging the run again; the steady channel's message went out.
			if !strings.Contains(out, "deferred: 1 message(s) for channel flaky") {
				t.Errorf("eval does not say that the flaky channel's other message was deferred:\n%s", out)
			}
			why := "Client.Timeout exceeded"
			if pg {
				why = "HTTP 503"
			}
			if !regexp.MustCompile(`not sent: message \S+ \(channel flaky\), attempt 1 of 10: .*` + regexp.QuoteMeta(why) + `.*; next attempt at `).MatchString(out) {
				t.Errorf("eval does not say why the flaky channel's message was not sent (%s):\n%s", why, out)
			}
			if n := len(hook.ids("/flaky")); n != 1 {
				t.Errorf("the flaky channel got %d requests, want 1", n)
			}
			if n := len(hook.ids("/steady")); n != 1 {
				t.Errorf("the steady channel got %d requests, want 1", n)
			}
			if got := fmt.Sprint(firing()); got != wantFiring {
				t.Errorf("firing alerts %s, want %s", got, wantFiring)
			}
			first := hook.ids("/flaky")[0]
			ob := outbox()
			if len(ob) != 3 {
				t.Fatalf("outbox holds %d messages, want 3", len(ob))
			}
			var second string
			for id, o := range ob {
				switch {
				case o.Channel == "steady":
					if o.State != "sent" || o.Attempts != 1 {
						t.Errorf("steady message: %+v", o)
					}
				case id == first:
					if o.State != "pending" || o.Attempts != 1 || !strings.Contains(o.LastError, strings.TrimPrefix(why, "HTTP ")) || o.Wait <= 0 {
						t.Errorf("the flaky channel's first message: %+v", o)
					}
				default:
					second = id
					if o.State != "pending" || o.Attempts != 0 || o.LastError != "" {
						t.Errorf("the deferred message: %+v", o)
					}
				}
			}

			// 2. 500: retried, the error recorded; the other message deferred again.
			hook.mode.Store("500")
			passTime(0)
			out = eval(0, 0, 0, 1)
			if !strings.Contains(out, "HTTP 500: upstream exploded") || !strings.Contains(out, "deferred: 1 message(s) for channel flaky") {
				t.Errorf("eval after a 500:\n%s", out)
			}
			tried := hook.ids("/flaky")[1]
			if o := outbox()[tried]; o.State != "pending" || !strings.Contains(o.LastError, "HTTP 500") {
				t.Errorf("after a 500: %+v", o)
			}

			// 3. 429 with Retry-After: 120 s. The backoff after this attempt (30 s to 2 min)
			// gives way to the server's 120 s.
			hook.mode.Store("429")
			passTime(0)
			eval(0, 0, 0, 1)
			tried = hook.ids("/flaky")[2]
			if o := outbox()[tried]; o.State != "pending" || !strings.Contains(o.LastError, "HTTP 429") || o.Wait < 119*time.Second || o.Wait > 120*time.Second {
				t.Errorf("after a 429 with Retry-After: 120: %+v, want the next attempt 120 s after it", o)
			}

			// 4. The connection is dropped without an answer.
			hook.mode.Store("close")
			passTime(0)
			out = eval(0, 0, 0, 1)
			if !strings.Contains(out, "EOF") {
				t.Errorf("eval after a dropped connection does not say so:\n%s", out)
			}

			// 5. The last attempt: both flaky messages have used 9 of their 10 attempts; another
			// 500 and they are given up, each saying why.
			hook.mode.Store("500")
			passTime(9)
			out = eval(0, 0, 0, 2)
			for _, id := range []string{first, second} {
				if !strings.Contains(out, "gave up on message "+id+" (channel flaky) at attempt 10 of 10: ") {
					t.Errorf("eval does not say it gave up on %s:\n%s", id, out)
				}
				if o := outbox()[id]; o.State != "dead" || o.Attempts != 10 || !strings.HasPrefix(o.LastError, "gave up: ") || !strings.Contains(o.LastError, "HTTP 500") {
					t.Errorf("given up message %s: %+v", id, o)
				}
			}

			// 6. Nothing more is sent: dead messages stay dead, the sent one is not sent again,
			// and the alerts are still firing.
			hook.mode.Store("ok")
			passTime(0)
			eval(0, 0, 0, 0)
			if n := len(hook.ids("/steady")); n != 1 {
				t.Errorf("the steady channel got %d requests in all, want 1", n)
			}
			if got := fmt.Sprint(firing()); got != wantFiring {
				t.Errorf("firing alerts at the end %s, want %s", got, wantFiring)
			}
		})
	}
}
