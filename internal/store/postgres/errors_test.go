package postgres_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// secretsIn lists the spellings of the passwords used below that no message may contain.
var secrets = []string{"hunter2pw", "S3cr!tpw", "S3cr%21tpw", "qpw-secret-77", "envpw-secret-88", "pw-in-dsn-99"}

func checkNoSecret(t *testing.T, dsn string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("Open(%s) succeeded, want an error", dsn)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows the password %q: %v", s, err)
		}
	}
}

func TestOpenErrorsHidePassword(t *testing.T) {
	t.Setenv("PGPASSWORD", "envpw-secret-88")
	cases := []struct{ dsn, want string }{
		{"postgres://pulso:S3cr%21tpw@127.0.0.1:1/pulso?sslmode=disable", "cannot reach PostgreSQL at 127.0.0.1:1: connection refused"},
		{"postgresql://pulso@127.0.0.1:1/pulso?sslmode=disable&password=qpw-secret-77", "cannot reach PostgreSQL at 127.0.0.1:1: connection refused"},
		{"postgres://pulso@127.0.0.1:1/pulso?sslmode=disable", "cannot reach PostgreSQL at 127.0.0.1:1: connection refused"}, // PGPASSWORD
		{"postgres://u:hunter2pw@127.0.0.1:notaport/db", "invalid connection URL"},
		{"postgres://u:hunter2pw@[::1/db", "invalid connection URL"},
		{"postgres://u:hunter2pw@localhost/db?sslmode=bogus", "invalid connection URL"},
		{"postgres://u:hunter2pw@localhost/db?connect_timeout=abc", "invalid connection URL"},
		{"postgres://u:hunter2pw:more@127.0.0.1:1/db?sslmode=disable", ""},
		{"postgres://u:hunter2pw@pulso-no-such-host.invalid:5432/db?sslmode=disable", "cannot reach PostgreSQL at pulso-no-such-host.invalid:5432"},
		{"mysql://u:hunter2pw@localhost/db", "want a postgres:// or postgresql:// URL"},
		{"host=localhost password=hunter2pw", "want a postgres:// or postgresql:// URL"},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		s, err := postgres.Open(ctx, c.dsn)
		cancel()
		if s != nil {
			s.Close()
		}
		checkNoSecret(t, c.dsn, err)
		if err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%s) = %v, want it to say %q", c.dsn, err, c.want)
		}
		t.Logf("%v", err)
	}
}

func TestPostgresOpenErrorsOnServer(t *testing.T) {
	base, err := url.Parse(storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal("bad test URL")
	}
	addr := base.Host

	u := *base
	u.User = url.UserPassword(u.User.Username(), "pw-in-dsn-99")
	u.Path = "/pulso_no_such_db"
	_, err = postgres.Open(t.Context(), u.String())
	checkNoSecret(t, u.String(), err)
	t.Logf("%v", err)
	if want := `database "pulso_no_such_db" does not exist on PostgreSQL at ` + addr; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Open on a missing database = %v, want %q", err, want)
	}

	u = *base
	u.User = url.UserPassword(u.User.Username(), "pw-in-dsn-99")
	q := u.Query()
	q.Set("search_path", "pulso_no_such_schema")
	u.RawQuery = q.Encode()
	_, err = postgres.Open(t.Context(), u.String())
	checkNoSecret(t, u.String(), err)
	t.Logf("%v", err)
	if err == nil || !strings.Contains(err.Error(), "search_path") {
		t.Errorf("Open with a search_path naming no schema = %v, want it to say so", err)
	}
}
