package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// target is what error messages may say about the server: address, user and database, and
// the secrets they must never contain.
type target struct {
	addr, host, user, database string
	port                       uint16
	secrets                    []string
}

const mask = "xxxxx"

// describe reads a connection URL by hand, without trusting it to be well formed, so that
// even a URL that does not parse has its password masked.
func describe(dsn string) target {
	var t target
	rest := dsn
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	hostPart := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostPart = rest[:i]
		if db, err := url.PathUnescape(rest[i+1:]); err == nil {
			t.database = db
		} else {
			t.database = rest[i+1:]
		}
	}
	if at := strings.LastIndexByte(hostPart, '@'); at >= 0 {
		userinfo := hostPart[:at]
		hostPart = hostPart[at+1:]
		user, pw, hasPW := strings.Cut(userinfo, ":")
		t.user = unescape(user)
		if hasPW {
			t.addSecret(pw)
		}
	}
	t.addr = hostPart
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if k = strings.ToLower(unescape(k)); k == "password" || k == "sslpassword" {
			t.addSecret(v)
		}
	}
	t.addSecret(os.Getenv("PGPASSWORD"))
	return t
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// addSecret records a password in every spelling a message could show it in.
func (t *target) addSecret(raw string) {
	if raw == "" {
		return
	}
	for _, s := range []string{raw, unescape(raw), url.QueryEscape(raw), url.PathEscape(raw), strconv.Quote(raw)} {
		if len(s) > 0 && !contains(t.secrets, s) {
			t.secrets = append(t.secrets, s)
		}
	}
	// longest first, so a secret that contains another is masked whole
	for i := 1; i < len(t.secrets); i++ {
		for j := i; j > 0 && len(t.secrets[j]) > len(t.secrets[j-1]); j-- {
			t.secrets[j], t.secrets[j-1] = t.secrets[j-1], t.secrets[j]
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// from completes the target from a parsed configuration (which may add a password from the
// environment or a .pgpass file).
func (t target) from(cfg *pgx.ConnConfig) target {
	t.addr = hostPort(cfg.Host, cfg.Port)
	t.host, t.port = cfg.Host, cfg.Port
	t.user, t.database = cfg.User, cfg.Database
	t.addSecret(cfg.Password)
	return t
}

func hostPort(host string, port uint16) string {
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("%s/.s.PGSQL.%d", host, port)
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}

// redact masks every known secret in s.
func (t target) redact(s string) string {
	for _, sec := range t.secrets {
		s = strings.ReplaceAll(s, sec, mask)
	}
	return s
}

// redactedError shows a message from which the secrets are removed; errors.Is and errors.As
// still see the cause.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// scrub returns err with the secrets masked from its message.
func (t target) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := t.redact(msg); r != msg {
		return &redactedError{msg: r, cause: err}
	}
	return err
}

// wrap prefixes err's (masked) message.
func (t target) wrap(prefix string, err error) error {
	msg := err.Error()
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		// "cannot parse `<url>`: reason": keep the reason only, never the URL
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			msg = msg[i+3:]
		}
	}
	return &redactedError{msg: t.redact(prefix + ": " + msg), cause: err}
}

// connectError explains a failure to reach or log in to the server.
func (t target) connectError(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "3D000":
			return &redactedError{msg: t.redact(fmt.Sprintf("database %q does not exist on PostgreSQL at %s (create it: createdb -h %s -p %d -U %s %s)",
				t.database, t.addr, t.host, t.port, t.user, t.database)), cause: err}
		case pgErr.Code == "28P01" || pgErr.Code == "28000":
			return &redactedError{msg: t.redact(fmt.Sprintf("PostgreSQL at %s refused user %q: %s (check the user and password in --db, $PGPASSWORD or ~/.pgpass, and the server's pg_hba.conf)",
				t.addr, t.user, pgErr.Message)), cause: err}
		case strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "53") || strings.HasPrefix(pgErr.Code, "57P"):
			return &redactedError{msg: t.redact(fmt.Sprintf("cannot use PostgreSQL at %s: %s (SQLSTATE %s)", t.addr, pgErr.Message, pgErr.Code)), cause: err}
		}
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, context.DeadlineExceeded) {
		return &redactedError{msg: t.redact(fmt.Sprintf("cannot reach PostgreSQL at %s: %s (check that the server is running and accepts connections on that host and port, and that --db names them)",
			t.addr, reachCause(err))), cause: err}
	}
	return &redactedError{msg: t.redact(fmt.Sprintf("PostgreSQL at %s: %v", t.addr, err)), cause: err}
}

// reachCause is the short reason a connection failed: "connection refused", "no such host"...
func reachCause(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "cannot resolve host " + dnsErr.Name + ": " + dnsErr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		if opErr.Timeout() {
			return "timed out"
		}
		if opErr.Err != nil {
			var sys *os.SyscallError
			if errors.As(opErr.Err, &sys) {
				return sys.Err.Error()
			}
			return opErr.Err.Error()
		}
	}
	msg := err.Error()
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		// drop pgconn's "failed to connect to `user=... database=...`:" prefix
		if i := strings.Index(msg, "`:"); i >= 0 {
			msg = strings.TrimSpace(msg[i+2:])
		}
	}
	return msg
}
