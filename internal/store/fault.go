package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"regexp"
	"strings"
	"syscall"
)

// ErrReadOnly is matched (errors.Is) by errors saying that the database cannot be written: a
// DuckDB file or directory without write permission, a PostgreSQL server that accepts no
// writes (a standby, or default_transaction_read_only).
var ErrReadOnly = errors.New("read-only")

// ErrDiskFull is matched by errors saying that a write found no room: the disk is full, a quota
// or the process's file size limit (ulimit -f) was reached.
var ErrDiskFull = errors.New("disk full")

// ErrUnavailable is matched by errors saying that the database could not be reached or went
// away (as opposed to a statement it refused).
var ErrUnavailable = errors.New("database unavailable")

// sqlState is implemented by PostgreSQL errors (pgconn.PgError), without importing the driver.
type sqlState interface{ SQLState() string }

func stateOf(err error) string {
	var s sqlState
	if errors.As(err, &s) {
		return s.SQLState()
	}
	return ""
}

// Unavailable tells whether err means that the database could not be reached or the
// connection was lost: refused or reset connections, timeouts while connecting, a server
// shutting down or starting up, too many connections. A statement the database refused is
// not unavailability.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	switch c := stateOf(err); {
	case strings.HasPrefix(c, "08"), // connection exception
		c == "57P01", c == "57P02", c == "57P03", // admin shutdown, crash shutdown, cannot connect now
		c == "53300": // too many connections
		return true
	case c != "":
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ETIMEDOUT) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	var oe *net.OpError // reaching or talking to the server; not listening on an address
	return errors.As(err, &oe) && (oe.Op == "dial" || oe.Op == "read" || oe.Op == "write")
}

// faultError keeps the original error as the cause (errors.Is and errors.As see it) under a
// message a user can act on.
type faultError struct {
	kind  error
	msg   string
	cause error
}

func (e *faultError) Error() string   { return e.msg }
func (e *faultError) Unwrap() []error { return []error{e.kind, e.cause} }

// writtenFile finds the file a failed write names: DuckDB says `Could not write file "PATH"`,
// Go says `write PATH: ...`.
var writtenFile = regexp.MustCompile(`(?:file|File) "([^"]+)"`)

// Explain turns a disk-full, read-only or unreachable-database error into one line that says
// what happened and what to do, keeping err as its cause; other errors are returned as they
// are.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var fe *faultError
	if errors.As(err, &fe) || errors.Is(err, context.Canceled) {
		return err
	}
	msg := err.Error()
	file := ""
	var pe *fs.PathError
	if errors.As(err, &pe) {
		file = pe.Path
	} else if m := writtenFile.FindStringSubmatch(msg); m != nil {
		file = m[1]
	}
	where := "the database"
	if file != "" {
		where = file
	}
	state := stateOf(err)
	switch {
	case errors.Is(err, ErrDiskFull):
		return err
	case errors.Is(err, syscall.EFBIG) || strings.Contains(msg, "File too large"):
		return &faultError{kind: ErrDiskFull, cause: err, msg: fmt.Sprintf(
			"file size limit reached: could not write %s (the limit on the size of files this process may write, ulimit -f); the write was abandoned and the database keeps its previous state — raise the limit and run the command again", where)}
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || strings.Contains(msg, "No space left on device") ||
		strings.Contains(msg, "Disk quota exceeded") || state == "53100":
		reason := "no space left on the device"
		if errors.Is(err, syscall.EDQUOT) || strings.Contains(msg, "Disk quota exceeded") {
			reason = "disk quota exceeded"
		}
		if state == "53100" {
			where, reason = "the PostgreSQL server's disk", "the server says: disk full"
		}
		return &faultError{kind: ErrDiskFull, cause: err, msg: fmt.Sprintf(
			"disk full: could not write %s (%s); the write was abandoned and the database keeps its previous state — free some space and run the command again", where, reason)}
	case errors.Is(err, ErrReadOnly):
		return err
	case state == "25006": // read_only_sql_transaction
		return &faultError{kind: ErrReadOnly, cause: err, msg: "read-only: the PostgreSQL server accepts no writes (a standby, or default_transaction_read_only is on); " +
			"point --db at the primary to change data — commands that only read still work"}
	case Unavailable(err):
		if strings.Contains(msg, "PostgreSQL at ") { // the engine already said which server and why
			return err
		}
		return &faultError{kind: ErrUnavailable, cause: err, msg: "lost the connection to the database: " + msg + " (check that the server is running and reachable, then run the command again)"}
	}
	return err
}
