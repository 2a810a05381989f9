package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"pulso/internal/demo"
	"pulso/internal/i18n"
	"pulso/internal/ingest"
	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/store"
)

// DemoTenant is the tenant the demo seller lives in.
const DemoTenant = "default"

// DemoOptions control `pulso demo`.
type DemoOptions struct {
	DSN   string
	Seed  int64
	Days  int
	End   time.Time // last local day of data (default: yesterday)
	Out   io.Writer
	Lang  string
	Fresh bool    // rebuild even if the database already holds the demo seller
	Scale float64 // order volume multiplier (benchmarks)
	// Serve, when set, starts the web board on Addr after building instead of printing it.
	Serve bool
	Addr  string
	Log   *slog.Logger
}

// Demo builds the demo seller (if the database has no orders yet) and prints the board of the
// last complete week.
func Demo(ctx context.Context, o DemoOptions) error {
	if o.End.IsZero() {
		y := time.Now().UTC().AddDate(0, 0, -1)
		o.End = time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
	}
	cfg := demo.Config{Seed: o.Seed, Days: o.Days, End: o.End, Scale: o.Scale}
	st, err := OpenStore(ctx, o.DSN)
	if err != nil {
		return err
	}
	open := true
	defer func() {
		if open {
			st.Close()
		}
	}()
	var n int
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE tenant_id = $1`, DemoTenant).Scan(&n); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if n == 0 || o.Fresh {
		if err := buildDemo(ctx, st, cfg, o.Out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(o.Out, "%s already holds a seller (%d orders); showing it (use --fresh to rebuild it)\n", o.DSN, n)
	}
	fmt.Fprintln(o.Out)
	for _, p := range demo.Problems(cfg) {
		fmt.Fprintf(o.Out, "injected: %s %s–%s: %s\n", p.Country, p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), p.Description)
	}
	fmt.Fprintln(o.Out)
	if err := ensureDemoUsers(ctx, st, DemoTenant); err != nil {
		return err
	}
	if err := ensureDemoAlerting(ctx, st, DemoTenant); err != nil {
		return err
	}
	// Evaluate the alert rules once, as the server's morning run would, so the board shows them.
	m, acfg, err := newMonitor(ctx, st, DemoTenant)
	if err != nil {
		return err
	}
	res, err := m.Evaluate(ctx, DemoTenant, acfg, o.End.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "alerts as of %s: %d firing\n\n", o.End.AddDate(0, 0, 1).Format(time.DateOnly), res.Open)
	if !o.Serve {
		return PrintBoard(ctx, st, DemoTenant, o.End, o.Lang, o.Out)
	}
	open = false
	st.Close() // the server opens the file itself
	return Serve(ctx, ServeOptions{DSN: o.DSN, Addr: o.Addr, Log: o.Log,
		Handler: func(st store.Store) (http.Handler, error) { return WebHandler(st, o.Log, false) },
		Ready: func(url string) {
			fmt.Fprintf(o.Out, "Pulso is running at %s  (Ctrl-C stops it)\n\nDemo logins:\n", url)
			for _, u := range DemoUsers {
				fmt.Fprintf(o.Out, "  %-20s %-18s %-8s %-6s %s\n", u.Login, u.Password, u.Role, u.Lang, u.Scope)
			}
		}})
}

func buildDemo(ctx context.Context, st store.Store, cfg demo.Config, out io.Writer) error {
	dir, err := os.MkdirTemp("", "pulso-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	files, err := demo.Generate(cfg, dir)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(out, "demo seller: seed %d, %d days to %s, generated in %.1f s\n", cfg.Seed, cfg.Days, cfg.End.Format(time.DateOnly), time.Since(start).Seconds())
	im := ingest.New(st)
	for _, f := range files {
		in, err := ingest.FileInput(f.Path)
		if err != nil {
			return err
		}
		res, err := im.Import(ctx, ingest.Options{Tenant: DemoTenant, Kind: f.Kind, Source: "demo"}, in)
		if err != nil {
			return fmt.Errorf("demo: import %s: %w", f.Kind, err)
		}
		fmt.Fprintf(out, "  %s\n", res.Summary())
	}
	return nil
}

// PrintBoard prints every KPI × country for the last complete ISO week on or before end.
func PrintBoard(ctx context.Context, st store.Store, tenant string, end time.Time, lang string, out io.Writer) error {
	e, err := NewEngine(ctx, st, tenant)
	if err != nil {
		return err
	}
	// The last Monday–Sunday week that ends on or before end.
	sunday := end.AddDate(0, 0, -int(end.Weekday()))
	monday := sunday.AddDate(0, 0, -6)
	var ids, weekly, windowed []string
	for _, d := range e.Catalog.All() {
		if !slices.Contains(d.Breakdowns, "country") {
			continue
		}
		ids = append(ids, d.ID)
		if d.Grain == "" {
			weekly = append(weekly, d.ID)
		} else {
			windowed = append(windowed, d.ID) // e.g. turnover is read over a quarter: 90 days to Sunday
		}
	}
	q := metric.Query{Tenant: tenant, KPIs: weekly, Grain: metric.Grain{Name: "week"},
		From: monday, To: sunday, By: []string{"country"}, AsOf: end.AddDate(0, 0, 1)}
	rows, err := e.Eval(ctx, q)
	if err != nil {
		return err
	}
	if len(windowed) > 0 {
		q.KPIs, q.Grain, q.From = windowed, metric.Grain{Name: "90d", Rolling: 90}, sunday
		more, err := e.Eval(ctx, q)
		if err != nil {
			return err
		}
		rows = append(rows, more...)
	}
	countries := []string{}
	vals := map[string]map[string]metric.Row{}
	for _, r := range rows {
		c := r.Scope["country"]
		if !slices.Contains(countries, c) {
			countries = append(countries, c)
		}
		if vals[r.KPI] == nil {
			vals[r.KPI] = map[string]metric.Row{}
		}
		vals[r.KPI][c] = r
	}
	slices.Sort(countries)
	b, err := i18n.New()
	if err != nil {
		return err
	}
	l := b.For(lang)
	fmt.Fprintf(out, "Board, week %s to %s (turnover over the 90 days to its Sunday; USD; * provisional)\n", monday.Format(time.DateOnly), sunday.Format(time.DateOnly))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "KPI\tUNIT\t%s\t\n", strings.Join(countries, "\t"))
	for _, id := range ids {
		d, _ := e.Catalog.Get(id)
		cells := []string{d.ID, d.Unit}
		for _, c := range countries {
			r, ok := vals[id][c]
			cell := l.Value(d.Unit, r.Value)
			if ok && r.Provisional {
				cell += "*"
			}
			cells = append(cells, cell)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	return tw.Flush()
}

// demoAlerting gives the demo seller's KPIs owners — HQ operations, and one team per country
// for its own country, customs with HQ's customs desk — with the default rules. The contacts
// have no channel: the demo sends nothing, and the alerts and board name who owns what.
const demoAlerting = `# the demo seller's alerting: owners without channels (nothing is sent)
contacts:
  - {id: hq-ops, name: 总部运营, lang: zh-CN}
  - {id: hq-customs, name: 总部清关组, lang: zh-CN}
  - {id: br-ops, name: Operações BR, lang: pt-BR}
  - {id: mx-ops, name: Operaciones MX, lang: es}
  - {id: co-ops, name: Operaciones CO, lang: es}
  - {id: cl-ops, name: Operaciones CL, lang: es}
  - {id: ar-ops, name: Operaciones AR, lang: es}
  - {id: pe-ops, name: Operaciones PE, lang: es}
owners:
  - {contact: hq-ops}
  - {contact: br-ops, scope: {country: [BR]}}
  - {contact: mx-ops, scope: {country: [MX]}}
  - {contact: co-ops, scope: {country: [CO]}}
  - {contact: cl-ops, scope: {country: [CL]}}
  - {contact: ar-ops, scope: {country: [AR]}}
  - {contact: pe-ops, scope: {country: [PE]}}
  - {contact: hq-customs, modules: [customs], scope: {country: [BR, MX, CO, CL, AR, PE]}}
rules:
  - {id: red-3-days, type: consecutive}
  - {id: stale-data, type: freshness}
`

// ensureDemoAlerting stores demoAlerting unless the tenant has an alerting document already.
func ensureDemoAlerting(ctx context.Context, st store.Store, tenant string) error {
	if _, err := st.Setting(ctx, tenant, monitor.SettingName); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("demo: %w", err)
	}
	e, err := NewEngine(ctx, st, tenant)
	if err != nil {
		return err
	}
	if _, err := monitor.Apply(ctx, st, tenant, e.Catalog, "demo alerting", []byte(demoAlerting), "demo", secretKeys()); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
