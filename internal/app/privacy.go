package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/privacy"
	"pulso/internal/store"
)

// newPrivacy is the privacy service of a store: its changes keep the KPI rollups up to date.
func newPrivacy(st store.Store) *privacy.Service {
	return &privacy.Service{Store: st, Refresh: metric.KeepRollups(st.Engine())}
}

// CLIActor is who runs a command, as the audit log names a command-line user.
func CLIActor() privacy.Actor {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return privacy.Actor{Login: "cli:" + name}
}

// Forget removes a buyer from every table of a tenant (privacy.Service.Forget).
func Forget(ctx context.Context, dsn, tenant, rawID string, who privacy.Actor) (privacy.ForgetResult, error) {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return privacy.ForgetResult{}, err
	}
	defer st.Close()
	return newPrivacy(st).Forget(ctx, tenant, rawID, who)
}

// Retention returns a tenant's retention setting.
func Retention(ctx context.Context, dsn, tenant string) (privacy.Retention, error) {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return privacy.Retention{}, err
	}
	defer st.Close()
	return newPrivacy(st).Retention(ctx, tenant)
}

// SetRetention stores a tenant's retention setting.
func SetRetention(ctx context.Context, dsn, tenant string, r privacy.Retention, who privacy.Actor) error {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	return newPrivacy(st).SetRetention(ctx, tenant, r, who)
}

// ApplyRetention expires a tenant's records older than its retention setting.
func ApplyRetention(ctx context.Context, dsn, tenant string, who privacy.Actor) (privacy.RetentionResult, error) {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return privacy.RetentionResult{}, err
	}
	defer st.Close()
	return newPrivacy(st).ApplyRetention(ctx, tenant, who)
}

// Export writes everything a tenant stores to a zip file at path. The file appears only once
// complete, readable by its owner alone (it holds the tenant's data).
func Export(ctx context.Context, dsn, tenant, path string, who privacy.Actor) (privacy.Manifest, error) {
	st, err := OpenStore(ctx, dsn)
	if err != nil {
		return privacy.Manifest{}, err
	}
	defer st.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return privacy.Manifest{}, fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return privacy.Manifest{}, fmt.Errorf("export: %w", err)
	}
	m, err := newPrivacy(st).Export(ctx, tenant, tmp, who)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("export: write %s: %w", path, cerr)
	}
	if err != nil {
		return m, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	return m, nil
}

// RetentionEvery is how often `pulso serve` applies every tenant's retention.
const RetentionEvery = 24 * time.Hour

// dailyRetention applies every tenant's retention at start and then once a day, until ctx
// ends. It runs on the leader only: one node expires records, once.
func dailyRetention(ctx context.Context, st store.Store, log *slog.Logger) {
	l, ok := st.(lister)
	if !ok {
		return
	}
	svc := newPrivacy(st)
	who := privacy.Actor{Login: "system:retention"}
	for {
		tenants, err := l.Tenants(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("retention: list tenants", "err", err)
		}
		for _, t := range tenants {
			res, err := svc.ApplyRetention(ctx, t, who)
			if err != nil {
				if ctx.Err() == nil {
					log.Error("retention", "tenant", t, "err", err)
				}
				continue
			}
			for _, c := range res.Changes {
				log.Info("retention", "tenant", t, "table", c.Table, "change", c.What, "rows", c.Rows, "before", res.Before)
			}
		}
		if !monitor.SleepCtx(ctx, RetentionEvery) {
			return
		}
	}
}
