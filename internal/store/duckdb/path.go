package duckdb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"pulso/internal/store"
)

// ReadOnlyError says that a DuckDB file cannot be written by this process; errors.Is matches
// store.ErrReadOnly. Commands that only read open such a file read-only (OpenReadOnly).
type ReadOnlyError struct {
	Path   string
	Reason string
}

func (e *ReadOnlyError) Error() string {
	return "read-only: " + e.Path + ": " + e.Reason + "; this command writes — give this user write access, " +
		"or use a copy that is writable (commands that only read, such as sources, kpi eval, kpi list and alerts, still work)"
}

func (e *ReadOnlyError) Is(target error) bool { return target == store.ErrReadOnly }

// checkPath explains, before DuckDB tries, why a path cannot hold a database this process
// writes: a missing directory, a directory given as the file, or a file or directory without
// write permission (DuckDB writes its journal, FILE.wal, beside the file).
func checkPath(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Errorf("open %s: it is a directory, not a DuckDB file (point --db at a file, e.g. %s)", path, filepath.Join(path, "pulso.duckdb"))
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		di, derr := os.Stat(dir)
		switch {
		case errors.Is(derr, fs.ErrNotExist):
			return fmt.Errorf("cannot create %s: directory %s does not exist (create it, or point --db at another file)", path, dir)
		case derr != nil:
			return fmt.Errorf("cannot create %s: %w", path, derr)
		case !di.IsDir():
			return fmt.Errorf("cannot create %s: %s is not a directory", path, dir)
		}
		if denied(syscall.Access(dir, 2 /* W_OK */)) {
			return &ReadOnlyError{Path: path, Reason: "cannot create it: no write permission on directory " + dir}
		}
		return nil
	case err != nil:
		return fmt.Errorf("open %s: %w", path, err)
	}
	r, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	r.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if denied(err) {
			return &ReadOnlyError{Path: path, Reason: "no write permission on the file"}
		}
		return fmt.Errorf("open %s: %w", path, err)
	}
	f.Close()
	if dir := filepath.Dir(path); denied(syscall.Access(dir, 2 /* W_OK */)) {
		return &ReadOnlyError{Path: path, Reason: "no write permission on its directory " + dir + " (where the journal " + filepath.Base(path) + ".wal is written)"}
	}
	return nil
}

// denied tells whether err refuses a write: no permission, an immutable file, a read-only
// file system.
func denied(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}
