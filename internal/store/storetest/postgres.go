package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// PostgresEnv names the variable holding the test server's URL, e.g.
// postgres://postgres@127.0.0.1:55432/pulso_test?sslmode=disable (see .ci/run).
const PostgresEnv = "PULSO_TEST_POSTGRES"

// PostgresDSN returns the test server's URL from $PULSO_TEST_POSTGRES. Without it the test
// is skipped, except in CI (CI=true), where PostgreSQL tests must run and the test fails.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL tests must run in CI: " + PostgresEnv + " is not set")
		}
		t.Skip("PostgreSQL test skipped: set " + PostgresEnv + " (e.g. postgres://postgres@127.0.0.1:55432/pulso_test?sslmode=disable) to run it")
	}
	return dsn
}

// PostgresSchema creates a fresh schema t_<random> on the test server and returns a URL whose
// search_path is that schema; the schema and everything in it are dropped at cleanup (after
// cleanups registered later, such as closing the store, have run).
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresDSN(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL", PostgresEnv) // the parse error would show the password
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open test server: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		db.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
