package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"pulso/internal/monitor"
	"pulso/internal/record"
	"pulso/internal/store"
)

// EvaluationHour is the local hour at which each country's alerts are evaluated.
const EvaluationHour = 7

// background runs what a server does besides answering requests: each country's morning
// evaluation of every tenant and each tenant's daily retention (on one node only: the leader) and the delivery of queued
// messages (on every node; claims keep a message from being sent twice). It returns when ctx ends.
func background(ctx context.Context, st store.Store, log *slog.Logger) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		lead(ctx, st, log, func(ctx context.Context) {
			// The leader's jobs run side by side and all end with ctx (with the leadership).
			var jobs sync.WaitGroup
			jobs.Go(func() { dailyRetention(ctx, st, log) })
			scheduleEvaluations(ctx, st, log)
			jobs.Wait()
		})
	}()
	go func() {
		defer wg.Done()
		deliver(ctx, st, log)
	}()
	wg.Wait()
}

type lister interface {
	Tenants(ctx context.Context) ([]string, error)
	Countries(ctx context.Context, tenant string) ([]string, error)
}

func scheduleEvaluations(ctx context.Context, st store.Store, log *slog.Logger) {
	l, ok := st.(lister)
	if !ok {
		return
	}
	zones := record.NewZones()
	countries := func(ctx context.Context) []string {
		seen := map[string]bool{}
		var out []string
		tenants, err := l.Tenants(ctx)
		if err != nil {
			log.Error("schedule: list tenants", "err", err)
		}
		for _, t := range tenants {
			cs, err := l.Countries(ctx, t)
			if err != nil {
				log.Error("schedule: list countries", "tenant", t, "err", err)
			}
			for _, c := range cs {
				if !seen[c] {
					seen[c] = true
					out = append(out, c)
				}
			}
		}
		return out
	}
	s := &monitor.Schedule{Countries: countries, Zone: zones.For, Hour: EvaluationHour, Now: time.Now, Sleep: monitor.SleepCtx, Log: log}
	s.Loop(ctx, func(ctx context.Context, r monitor.Run) error {
		tenants, err := l.Tenants(ctx)
		if err != nil {
			return err
		}
		var errs []error
		for _, t := range tenants {
			m, cfg, err := newMonitor(ctx, st, t)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			res, err := m.Evaluate(ctx, t, cfg.ForCountry(r.Country), r.AsOf)
			if err != nil {
				errs = append(errs, fmt.Errorf("tenant %s: %w", t, err))
				continue
			}
			log.Info("evaluated", "tenant", t, "country", r.Country, "as_of", r.AsOf.Format(time.DateOnly),
				"fired", res.Fired, "resolved", res.Resolved, "open", res.Open, "messages", res.Messages)
		}
		return errors.Join(errs...)
	})
}

// deliver sends queued messages every few seconds, with each tenant's own channels.
func deliver(ctx context.Context, st store.Store, log *slog.Logger) {
	l, ok := st.(lister)
	if !ok {
		return
	}
	for {
		tenants, err := l.Tenants(ctx)
		if err != nil {
			log.Error("deliver: list tenants", "err", err)
		}
		for _, t := range tenants {
			// The keys are read each round, so that a rotation needs no restart.
			if _, _, err := deliverQueued(ctx, st, t, secretKeys(), log); err != nil && ctx.Err() == nil {
				log.Error("deliver", "tenant", t, "err", err)
			}
		}
		if !monitor.SleepCtx(ctx, 10*time.Second) {
			return
		}
	}
}

// lead runs fn while this process is the leader: on PostgreSQL, the holder of a session
// advisory lock (so one node of many evaluates); on DuckDB, always (one process holds the file).
func lead(ctx context.Context, st store.Store, log *slog.Logger, fn func(ctx context.Context)) {
	if st.Engine() != store.Postgres {
		fn(ctx)
		return
	}
	h := fnv.New64a()
	h.Write([]byte("pulso/scheduler"))
	key := int64(h.Sum64() >> 1)
	for ctx.Err() == nil {
		conn, err := st.DB().Conn(ctx)
		if err != nil {
			if !monitor.SleepCtx(ctx, time.Minute) {
				return
			}
			continue
		}
		retry := time.Minute
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err == nil && got {
			log.Info("leading the scheduled evaluations")
			lctx, lose := context.WithCancel(ctx)
			watched := make(chan bool)
			go func() { watched <- watchLead(lctx, conn, lose, log) }()
			fn(lctx) // holds the lock until ctx ends or the session that holds it is lost
			lose()
			if <-watched {
				retry = leadCheck // the database came back or is coming back: lead again soon
			} else {
				_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
			}
		}
		conn.Close()
		if !monitor.SleepCtx(ctx, retry) {
			return
		}
	}
}

// leadCheck is how often the leader checks that the session holding its lock is alive.
const leadCheck = 10 * time.Second

// watchLead ends the lead (lose) when the session that holds the lock is gone — PostgreSQL
// restarted or the connection dropped, which released the lock, so another node may lead now
// — and tells whether that happened.
func watchLead(ctx context.Context, conn *sql.Conn, lose context.CancelFunc, log *slog.Logger) bool {
	for monitor.SleepCtx(ctx, leadCheck) {
		if err := conn.PingContext(ctx); err != nil && ctx.Err() == nil {
			log.Warn("lost the database session that held the lead of the scheduled evaluations", "err", err)
			lose()
			return true
		}
	}
	return false
}

// ServeOptions configure `pulso serve`.
type ServeOptions struct {
	DSN     string
	Addr    string
	Log     *slog.Logger
	Handler func(st store.Store) (http.Handler, error) // the web board and API
	Ready   func(url string)                           // called once listening
}

// Serve holds the store, answers HTTP on Addr, runs the background work, and stops cleanly
// when ctx ends.
func Serve(ctx context.Context, o ServeOptions) error {
	st, err := OpenStore(ctx, o.DSN)
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := o.Handler(st)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	url := "http://" + ln.Addr().String()
	if st.Engine() == store.DuckDB {
		// Tell command-line users where the file's holder is.
		if err := os.WriteFile(serveMarker(o.DSN), []byte(url+"\n"), 0o644); err == nil {
			defer os.Remove(serveMarker(o.DSN))
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	bg, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		background(bg, st, o.Log)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if o.Ready != nil {
		o.Ready(url)
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	stop()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
