package metric

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"pulso/internal/record"
	"pulso/internal/store"
)

// Daily rollups: the additive parts of KPI measures per tenant × measure × local day ×
// (country, platform, store, category) × currency, kept up to date by every import inside its
// transaction (KeepRollups) and rebuilt from the raw records by RebuildRollups. Raw records stay
// the truth: a query reads rollups only for measures that rollup_measures lists as
// materialised for its tenant, and only when its breakdowns and filters are among RollupDims;
// everything else (quantiles, distinct counts, other breakdowns) scans raw records.
//
// What a rollup row holds, per measure:
//   - count: v = the count; sum: v = the sum in the row's currency; avg: v = sum, n = count;
//   - the presence measure of a kind and anchor: v = the number of records. It has a row for
//     every (day, dimensions, currency) that has records, so a query over rollups finds the
//     same scopes as one over raw records even where every other measure is zero (and those
//     zero rows are not kept);
//   - first_per: v = the keys whose first record ever falls on that day, with that record's
//     dimensions. rollup_firsts keeps every key's first record, so that an import recounts
//     only the days whose first records it changed. Query filters change which record comes
//     first, so a filtered query counts first records from raw records.
//
// The invariant: every measure listed in rollup_measures is up to date with its kind's
// records. Every batch of a kind refreshes every listed measure of that kind (the days it
// touched), builds the catalogue's measures that are not listed yet (all days) and drops
// listed measures that are no longer in the catalogue.

// RollupDims are the breakdowns (and filters) that daily rollups keep.
var RollupDims = []string{"country", "platform", "store", "category"}

// rollupVersion changes whenever what a rollup row means changes: ids, and so the rows of an
// older version, stop matching and are rebuilt.
const rollupVersion = "rollup-v1"

// rollupID is a measure's id in the rollup tables: 64 bits of a hash of its signature (an
// integer, which DuckDB filters and groups faster than text). rollup_measures keeps the
// signature beside it, and the engine reads a measure only when both match.
func rollupID(sig string) int64 {
	h := sha256.Sum256([]byte(rollupVersion + "\x00" + sig))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

func presenceSignature(k *record.Kind, anchor []string) string {
	return "rows|" + strings.Join(anchor, ",") + "|" + k.Name
}

// dailySignature is the signature of a non-additive measure's value per day, over all records
// (by "") or per value of one dimension (by).
func dailySignature(m *measure, by string) string { return signature(m) + "|day|" + by }

// rollupUnit is one materialised measure.
type rollupUnit struct {
	id  int64
	sig string
	m   *measure // nil for the presence measure
	by  string   // per-day units: the one dimension, or "" for none
}

// rollupGroup is what one query over a kind's records computes: the units of one anchor.
type rollupGroup struct {
	kind   *record.Kind
	anchor []string
	units  []rollupUnit // the presence unit first
	first  bool         // a first_per unit (alone in its group)
	daily  bool         // per-day units of a quantile or distinct count (one measure)
}

// rollupGroups lists the units of kind that cat's measures need, grouped by anchor.
func rollupGroups(cat *Catalog, kind string) []*rollupGroup {
	var out []*rollupGroup
	byAnchor := map[string]*rollupGroup{}
	seen := map[string]bool{}
	for _, d := range cat.All() {
		for _, m := range d.measures {
			if m.kind == nil || m.kind.Name != kind || m.agg == "freshness" {
				continue
			}
			sig := signature(m)
			if seen[sig] {
				continue
			}
			seen[sig] = true
			if m.agg == "quantile" || m.agg == "count_distinct" {
				// Exact per-day values over all records and per value of each dimension: what
				// a daily board (one breakdown at most, no filters) reads.
				g := &rollupGroup{kind: m.kind, anchor: m.anchor, daily: true}
				for _, by := range append([]string{""}, RollupDims...) {
					if by == "" || m.hasDim(by) {
						ds := dailySignature(m, by)
						g.units = append(g.units, rollupUnit{id: rollupID(ds), sig: ds, m: m, by: by})
					}
				}
				out = append(out, g)
				continue
			}
			if m.agg == "first_per" {
				out = append(out, &rollupGroup{kind: m.kind, anchor: m.anchor, first: true, units: []rollupUnit{{id: rollupID(sig), sig: sig, m: m}}})
				continue
			}
			a := strings.Join(m.anchor, ",")
			g := byAnchor[a]
			if g == nil {
				ps := presenceSignature(m.kind, m.anchor)
				g = &rollupGroup{kind: m.kind, anchor: m.anchor, units: []rollupUnit{{id: rollupID(ps), sig: ps}}}
				byAnchor[a] = g
				out = append(out, g)
			}
			g.units = append(g.units, rollupUnit{id: rollupID(sig), sig: sig, m: m})
		}
	}
	return out
}

var (
	standardOnce sync.Once
	standardCat  *Catalog
	standardErr  error
)

// rollupCatalog is the tenant's catalogue as the KPI engine reads it: the standard template and
// the tenant's own KPIs (those that no longer parse are left out: they cannot be evaluated).
func rollupCatalog(ctx context.Context, tx *sql.Tx, tenant string) (*Catalog, error) {
	standardOnce.Do(func() { standardCat, standardErr = Standard(record.NewCatalog()) })
	if standardErr != nil {
		return nil, standardErr
	}
	rows, err := tx.QueryContext(ctx, `SELECT definition FROM kpi_definitions WHERE tenant_id = $1 ORDER BY kpi_id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("rollups: read kpi definitions: %w", err)
	}
	defer rows.Close()
	kinds := record.NewCatalog()
	var own []*Definition
	for rows.Next() {
		var src string
		if err := rows.Scan(&src); err != nil {
			return nil, fmt.Errorf("rollups: read kpi definitions: %w", err)
		}
		if ds, err := ParseDefinitions([]byte(src), kinds); err == nil {
			own = append(own, ds...)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rollups: read kpi definitions: %w", err)
	}
	cat, err := standardCat.With(own...)
	if err != nil {
		return standardCat, nil
	}
	return cat, nil
}

// KeepRollups returns the store.Batch AfterMerge hook that keeps the daily rollups of the
// batch's tenant and kind up to date, on a store of the given engine.
func KeepRollups(engine store.Engine) func(ctx context.Context, tx *sql.Tx, b store.Batch, m store.Merged) error {
	return func(ctx context.Context, tx *sql.Tx, b store.Batch, m store.Merged) error {
		d, err := DialectFor(string(engine))
		if err != nil {
			return err
		}
		cat, err := rollupCatalog(ctx, tx, b.Tenant)
		if err != nil {
			return err
		}
		if err := refreshRollups(ctx, tx, d, cat, b.Tenant, b.Kind, &m); err != nil {
			return fmt.Errorf("rollups of %s: %w", b.Kind.Name, err)
		}
		return nil
	}
}

// RebuildRollups rebuilds every rollup of a tenant from its raw records, kind by kind, each in
// one transaction that imports of that kind wait for. Run it after the tenant's KPI
// definitions change (until then, new measures are read from raw records) or to repair.
func RebuildRollups(ctx context.Context, st store.Store, tenant string) error {
	d, err := DialectFor(string(st.Engine()))
	if err != nil {
		return err
	}
	for _, k := range record.Kinds() {
		err := st.WithBatchLock(ctx, tenant, k, func(ctx context.Context, tx *sql.Tx) error {
			cat, err := rollupCatalog(ctx, tx, tenant)
			if err != nil {
				return err
			}
			return refreshRollups(ctx, tx, d, cat, tenant, k, nil)
		})
		if err != nil {
			return fmt.Errorf("rebuild rollups of %s: %w", k.Name, err)
		}
	}
	return nil
}

// refreshRollups brings the rollups of one tenant and kind up to date after a batch (m) or
// rebuilds them all (m nil).
func refreshRollups(ctx context.Context, tx *sql.Tx, d Dialect, cat *Catalog, tenant string, k *record.Kind, m *store.Merged) error {
	have := map[int64]string{}
	rows, err := tx.QueryContext(ctx, `SELECT measure, signature FROM rollup_measures WHERE tenant_id = $1 AND kind = $2`, tenant, k.Name)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var sig string
		if err := rows.Scan(&id, &sig); err != nil {
			rows.Close()
			return err
		}
		have[id] = sig
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	groups := rollupGroups(cat, k.Name)
	want := map[int64]string{}
	for _, g := range groups {
		for _, u := range g.units {
			want[u.id] = u.sig
		}
	}
	// Drop what is no longer wanted (and, for a rebuild, everything).
	var drop []int64
	for id, sig := range have {
		if m == nil || want[id] != sig {
			drop = append(drop, id)
			delete(have, id)
		}
	}
	slices.Sort(drop)
	for _, id := range drop {
		for _, table := range []string{"rollups", "rollup_firsts", "rollup_measures"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE tenant_id = $1 AND measure = $2", tenant, id); err != nil {
				return err
			}
		}
	}
	var added []rollupUnit
	for _, g := range groups {
		var fresh, kept []rollupUnit
		for _, u := range g.units {
			if _, ok := have[u.id]; ok {
				kept = append(kept, u)
			} else {
				fresh = append(fresh, u)
			}
		}
		added = append(added, fresh...)
		touched, ok := touchedDays(m, g.anchor)
		if g.first {
			switch {
			case len(fresh) > 0:
				err = buildFirsts(ctx, tx, d, tenant, g, nil)
			case ok:
				err = buildFirsts(ctx, tx, d, tenant, g, &firstsChange{merged: m, days: touched, hasDays: ok})
			}
			if err != nil {
				return err
			}
			continue
		}
		build := buildAdditive
		if g.daily {
			build = buildDaily
		}
		if len(fresh) > 0 {
			if err := build(ctx, tx, d, tenant, g.kind, g.anchor, fresh, nil); err != nil {
				return err
			}
		}
		if len(kept) > 0 && ok {
			if err := build(ctx, tx, d, tenant, g.kind, g.anchor, kept, &touched); err != nil {
				return err
			}
		}
	}
	now := time.Now().UTC()
	for _, u := range added {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rollup_measures (tenant_id, measure, kind, signature, built_at) VALUES ($1, $2, $3, $4, $5)`,
			tenant, u.id, k.Name, u.sig, now); err != nil {
			return err
		}
	}
	return nil
}

// touchedDays is the range of an anchor's dates over the rows a batch changed (false: none).
func touchedDays(m *store.Merged, anchor []string) (store.DateRange, bool) {
	var r store.DateRange
	found := false
	if m == nil {
		return r, false
	}
	for _, a := range anchor {
		if dr, ok := m.Days[a]; ok {
			if !found {
				r, found = dr, true
			} else {
				r = r.Union(dr)
			}
		}
	}
	return r, found
}

const rollupColumns = "tenant_id, measure, day, country, platform, store, category, currency, v, n"

// dimOrNull is a kind's column for a rollup dimension, or a NULL where the kind has none.
func dimOrNull(k *record.Kind, dim string) string {
	if k.Col(dim) >= 0 {
		return col(dim)
	}
	return "CAST(NULL AS TEXT)"
}

// buildAdditive recomputes the rollup rows of units (one kind and anchor) on the days of r, or
// on every day (r nil): it deletes them and inserts them again from the raw records, in one
// scan that computes every unit's parts per (day, dimensions, currency), then one row per unit
// and group (zero rows left out, except for the presence unit).
func buildAdditive(ctx context.Context, tx *sql.Tx, d Dialect, tenant string, k *record.Kind, anchor []string, units []rollupUnit, r *store.DateRange) error {
	b := &builder{}
	t := b.arg(tenant)
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = b.arg(u.id)
	}
	del := "DELETE FROM rollups WHERE tenant_id = " + t + " AND measure IN (" + strings.Join(ids, ", ") + ")"
	if r != nil {
		del += " AND day BETWEEN " + b.date(r.From) + " AND " + b.date(r.To)
	}
	if _, err := tx.ExecContext(ctx, del, b.args...); err != nil {
		return err
	}

	b = &builder{}
	t = b.arg(tenant)
	a := anchorSQL(&measure{anchor: anchor})
	where := []string{col("tenant_id") + " = " + t}
	if r != nil {
		where = append(where, a+" BETWEEN "+b.date(r.From)+" AND "+b.date(r.To))
	} else {
		where = append(where, a+" IS NOT NULL")
	}
	sel := []string{a + " AS d"}
	for i, dim := range RollupDims {
		sel = append(sel, dimOrNull(k, dim)+fmt.Sprintf(" AS c%d", i))
	}
	sel = append(sel, dimOrNull(k, "currency")+" AS cur")
	var parts []string
	group := "d, c0, c1, c2, c3, cur"
	for i, u := range units {
		v, n := fmt.Sprintf("v%d", i), fmt.Sprintf("n%d", i)
		m := u.m
		out := "SELECT CAST(" + t + " AS TEXT), CAST(" + b.arg(u.id) + " AS BIGINT), " + group + ", "
		switch {
		case m == nil:
			sel = append(sel, "count(*) AS "+v)
			out += v + ", 0 FROM w"
		case m.agg == "count":
			extra := ""
			if m.arg != nil {
				extra = m.arg.SQL(d, col, b.arg)
			}
			sel = append(sel, filtered("count(*)", b.cond(m, d, extra))+" AS "+v)
			out += v + ", 0 FROM w WHERE " + v + " <> 0"
		case m.agg == "sum":
			sel = append(sel, filtered("sum(CAST("+m.arg.SQL(d, col, b.arg)+" AS DOUBLE PRECISION))", b.cond(m, d, ""))+" AS "+v)
			out += v + ", 0 FROM w WHERE " + v + " <> 0"
		case m.agg == "avg":
			sel = append(sel, filtered("sum(CAST("+m.arg.SQL(d, col, b.arg)+" AS DOUBLE PRECISION))", b.cond(m, d, ""))+" AS "+v)
			sel = append(sel, filtered("count("+m.arg.SQL(d, col, b.arg)+")", b.cond(m, d, ""))+" AS "+n)
			out += "COALESCE(" + v + ", 0), " + n + " FROM w WHERE " + n + " <> 0"
		default:
			return fmt.Errorf("rollups: %s is not additive", m.agg)
		}
		parts = append(parts, out)
	}
	ins := "INSERT INTO rollups (" + rollupColumns + ")\nWITH w AS MATERIALIZED (SELECT " + strings.Join(sel, ", ") +
		" FROM " + quote(k.Table()) + " t WHERE " + strings.Join(where, " AND ") + " GROUP BY 1, 2, 3, 4, 5, 6)\n" +
		strings.Join(parts, "\nUNION ALL ")
	_, err := tx.ExecContext(ctx, ins, b.args...)
	return err
}

// buildDaily recomputes the per-day values of a quantile or distinct count (units: one measure,
// per dimension) on the days of r, or on every day (r nil). n counts the values, so that a day
// with records but no value (n = 0) keeps its scope, as it does over raw records.
func buildDaily(ctx context.Context, tx *sql.Tx, d Dialect, tenant string, k *record.Kind, anchor []string, units []rollupUnit, r *store.DateRange) error {
	b := &builder{}
	t := b.arg(tenant)
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = b.arg(u.id)
	}
	del := "DELETE FROM rollups WHERE tenant_id = " + t + " AND measure IN (" + strings.Join(ids, ", ") + ")"
	if r != nil {
		del += " AND day BETWEEN " + b.date(r.From) + " AND " + b.date(r.To)
	}
	if _, err := tx.ExecContext(ctx, del, b.args...); err != nil {
		return err
	}
	for _, u := range units {
		b := &builder{}
		t := b.arg(tenant)
		m := u.m
		a := anchorSQL(m)
		where := []string{col("tenant_id") + " = " + t}
		if r != nil {
			where = append(where, a+" BETWEEN "+b.date(r.From)+" AND "+b.date(r.To))
		} else {
			where = append(where, a+" IS NOT NULL")
		}
		v := m.arg.SQL(d, col, b.arg)
		if c := b.cond(m, d, ""); c != "" {
			v = "CASE WHEN " + c + " THEN " + v + " END"
		}
		agg := "count(DISTINCT " + v + ")"
		if m.agg == "quantile" {
			agg = "percentile_cont(" + fmt.Sprintf("%g", m.p) + ") WITHIN GROUP (ORDER BY " + v + ")"
		}
		sel := []string{"CAST(" + t + " AS TEXT)", "CAST(" + b.arg(u.id) + " AS BIGINT)", a}
		group := "3"
		for _, dim := range RollupDims {
			if dim == u.by {
				sel = append(sel, col(dim))
				group += ", " + fmt.Sprint(len(sel))
			} else {
				sel = append(sel, "CAST(NULL AS TEXT)")
			}
		}
		sel = append(sel, "CAST(NULL AS TEXT)", "COALESCE(CAST("+agg+" AS DOUBLE PRECISION), 0)", "count("+v+")")
		ins := "INSERT INTO rollups (" + rollupColumns + ") SELECT " + strings.Join(sel, ", ") + " FROM " + quote(k.Table()) + " t WHERE " +
			strings.Join(where, " AND ") + " GROUP BY " + group
		if _, err := tx.ExecContext(ctx, ins, b.args...); err != nil {
			return err
		}
	}
	return nil
}

// firstsChange is what a batch changed, for a first_per unit.
type firstsChange struct {
	merged  *store.Merged
	days    store.DateRange // the anchor's dates the batch touched ...
	hasDays bool            // ... if any
}

// buildFirsts brings a first_per unit's first records and daily counts up to date: for the
// keys a batch may have changed (ch), or for every key (ch nil).
//
// The keys whose first record may have changed are those of the rows the batch inserted or
// changed, and those of the rows it replaced. A replaced row matters only if it was its key's
// first record, and then that key's first day is among the days the batch touched: so the
// keys are those of the new rows plus those whose first record is on a touched day. The daily
// counts change on the old and the new first days of those keys.
func buildFirsts(ctx context.Context, tx *sql.Tx, d Dialect, tenant string, g *rollupGroup, ch *firstsChange) error {
	u := g.units[0]
	m := u.m
	k := g.kind
	exec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	suffix := randomSuffix()
	keys, days := "rollup_keys_"+suffix, "rollup_days_"+suffix
	if ch != nil {
		if err := exec("CREATE TEMP TABLE " + keys + " (k TEXT)"); err != nil {
			return err
		}
		if err := exec("CREATE TEMP TABLE " + days + " (d DATE)"); err != nil {
			return err
		}
		defer func() {
			_, _ = tx.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+keys)
			_, _ = tx.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+days)
		}()
		// Keys of the rows the batch inserted or changed: the staged rows now stored with
		// the batch's ingest time.
		b := &builder{}
		key := m.arg.SQL(d, col, b.arg)
		var join []string
		for _, kc := range k.Key {
			join = append(join, col(kc)+" = s."+quote(kc))
		}
		q := "INSERT INTO " + keys + " SELECT DISTINCT CAST(" + key + " AS TEXT) FROM " + quote(ch.merged.Stage) + " s JOIN " +
			quote(k.Table()) + " t ON " + col("tenant_id") + " = " + b.arg(tenant) + " AND " + strings.Join(join, " AND ") +
			" WHERE " + col("ingested_at") + " = CAST(" + b.arg(ch.merged.IngestedAt.UTC().Format(time.RFC3339Nano)) + " AS TIMESTAMPTZ) AND " +
			key + " IS NOT NULL"
		if err := exec(q, b.args...); err != nil {
			return err
		}
		if ch.hasDays {
			if err := exec("INSERT INTO "+keys+" SELECT key_text FROM rollup_firsts WHERE tenant_id = $1 AND measure = $2 AND day BETWEEN CAST($3 AS DATE) AND CAST($4 AS DATE)",
				tenant, u.id, ch.days.From.Format(time.DateOnly), ch.days.To.Format(time.DateOnly)); err != nil {
				return err
			}
		}
		inKeys := " AND key_text IN (SELECT k FROM " + keys + ")"
		if err := exec("INSERT INTO "+days+" SELECT DISTINCT day FROM rollup_firsts WHERE tenant_id = $1 AND measure = $2"+inKeys, tenant, u.id); err != nil {
			return err
		}
		if err := exec("DELETE FROM rollup_firsts WHERE tenant_id = $1 AND measure = $2"+inKeys, tenant, u.id); err != nil {
			return err
		}
	} else {
		for _, table := range []string{"rollups", "rollup_firsts"} {
			if err := exec("DELETE FROM "+table+" WHERE tenant_id = $1 AND measure = $2", tenant, u.id); err != nil {
				return err
			}
		}
	}

	// The first record of each key, as firstRecords finds it for a query without filters.
	b := &builder{}
	t := b.arg(tenant)
	id := b.arg(u.id)
	anchor := anchorSQL(m)
	inner := func() string {
		key := m.arg.SQL(d, col, b.arg)
		w := []string{col("tenant_id") + " = " + t, key + " IS NOT NULL", anchor + " IS NOT NULL"}
		if c := b.cond(m, d, ""); c != "" {
			w = append(w, c)
		}
		if ch != nil {
			w = append(w, "CAST("+key+" AS TEXT) IN (SELECT k FROM "+keys+")")
		}
		return strings.Join(w, " AND ")
	}
	var order []string
	if ts, ok := strings.CutSuffix(m.anchor[0], "_local"); ok && len(m.anchor) == 1 {
		order = append(order, col(ts))
	}
	for _, kc := range k.Key {
		order = append(order, col(kc))
	}
	q := "INSERT INTO rollup_firsts (tenant_id, measure, key_text, day, country, platform, store, category)\n"
	if d.argMin {
		// One GROUP BY: each dimension of the record with the least (anchor, timestamp, key).
		tuple := "(" + strings.Join(append([]string{anchor}, order...), ", ") + ")"
		sel := []string{"CAST(" + t + " AS TEXT)", "CAST(" + id + " AS BIGINT)", "CAST(" + m.arg.SQL(d, col, b.arg) + " AS TEXT)", "min(" + anchor + ")"}
		for _, dim := range RollupDims {
			if k.Col(dim) >= 0 {
				sel = append(sel, "arg_min("+col(dim)+", "+tuple+")")
			} else {
				sel = append(sel, "CAST(NULL AS TEXT)")
			}
		}
		q += "SELECT " + strings.Join(sel, ", ") + " FROM " + quote(k.Table()) + " t WHERE " + inner() + " GROUP BY 3"
	} else {
		sel := []string{"m.k", "m.d"}
		for _, dim := range RollupDims {
			sel = append(sel, dimOrNull(k, dim)+" AS "+quote(dim))
		}
		sel = append(sel, "row_number() OVER (PARTITION BY m.k ORDER BY "+strings.Join(order, ", ")+") AS n")
		key := m.arg.SQL(d, col, b.arg)
		firstDays := "(SELECT CAST(" + m.arg.SQL(d, col, b.arg) + " AS TEXT) AS k, min(" + anchor + ") AS d FROM " + quote(k.Table()) +
			" t WHERE " + inner() + " GROUP BY 1) m"
		q += "SELECT CAST(" + t + " AS TEXT), CAST(" + id + " AS BIGINT), f.k, f.d, f.country, f.platform, f.store, f.category FROM (SELECT " +
			strings.Join(sel, ", ") + " FROM " + quote(k.Table()) + " t JOIN " + firstDays + " ON CAST(" + key + " AS TEXT) = m.k AND " +
			anchor + " = m.d WHERE " + inner() + ") f WHERE f.n = 1"
	}
	if err := exec(q, b.args...); err != nil {
		return err
	}

	// The daily counts: of every day, or of the old and new first days of the keys.
	onDays := ""
	if ch != nil {
		inKeys := " AND key_text IN (SELECT k FROM " + keys + ")"
		if err := exec("INSERT INTO "+days+" SELECT DISTINCT day FROM rollup_firsts WHERE tenant_id = $1 AND measure = $2"+inKeys, tenant, u.id); err != nil {
			return err
		}
		onDays = " AND day IN (SELECT d FROM " + days + ")"
		if err := exec("DELETE FROM rollups WHERE tenant_id = $1 AND measure = $2"+onDays, tenant, u.id); err != nil {
			return err
		}
	}
	return exec("INSERT INTO rollups ("+rollupColumns+") SELECT tenant_id, measure, day, country, platform, store, category, CAST(NULL AS TEXT), count(*), 0 "+
		"FROM rollup_firsts WHERE tenant_id = $1 AND measure = $2"+onDays+" GROUP BY tenant_id, measure, day, country, platform, store, category", tenant, u.id)
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// materialised reads the measures rollups hold for a tenant: signature → id.
func (e *Engine) materialised(ctx context.Context, tenant string) (map[string]int64, error) {
	rows, err := e.DB.QueryContext(ctx, `SELECT measure, signature FROM rollup_measures WHERE tenant_id = $1`, tenant)
	if err != nil {
		return nil, fmt.Errorf("kpi rollups: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id int64
		var sig string
		if err := rows.Scan(&id, &sig); err != nil {
			return nil, fmt.Errorf("kpi rollups: %w", err)
		}
		if rollupID(sig) == id { // rows of another rollup version do not count
			out[sig] = id
		}
	}
	return out, rows.Err()
}

// rollupEligible tells whether a query's breakdowns and filters are all kept by rollups.
func rollupEligible(q *Query) bool {
	for _, b := range q.By {
		if !slices.Contains(RollupDims, b) {
			return false
		}
	}
	for f := range q.Filters {
		if !slices.Contains(RollupDims, f) {
			return false
		}
	}
	return true
}

// rollupRead routes the rollup rows of one measure to a virtual statement.
type rollupRead struct {
	id   int64
	stmt int // the virtual statement
	col  int // its measure; -1 for a presence measure (brings scopes only)
}

// dailyRollup tells whether a query's periods and scopes are those of the per-day values of
// quantiles and distinct counts: single days, one breakdown at most, no filters.
func dailyRollup(q *Query) bool {
	return q.Grain.Name == "day" && q.Grain.Rolling == 0 && len(q.By) <= 1 && len(q.Filters) == 0
}

// compileRollups builds the one query that reads every measure a plan takes from the daily
// rollups: their rows summed per measure, day, breakdown and currency. runRollups hands each
// row to its virtual statement, which then holds what a query over raw records would have
// returned.
func compileRollups(q *Query, reads []rollupRead, from, to time.Time) statement {
	b := &builder{}
	st := statement{shape: rollupRows, dims: q.By, reads: reads}
	// The day travels as its offset from the first day: an integer scans faster than a date.
	sel := []string{col("measure"), col("day") + " - " + b.date(from)}
	for _, dim := range q.By {
		sel = append(sel, col(dim))
	}
	sel = append(sel, col("currency"))
	groups := groupOrdinals(len(sel))
	sel = append(sel, "sum("+col("v")+")", "sum("+col("n")+")")
	var ids []int64
	seen := map[int64]bool{}
	where := []string{col("tenant_id") + " = " + b.arg(q.Tenant)}
	for _, r := range reads {
		if !seen[r.id] {
			seen[r.id] = true
			ids = append(ids, r.id)
		}
	}
	slices.Sort(ids)
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = b.arg(id)
	}
	where = append(where, col("measure")+" IN ("+strings.Join(ph, ", ")+")")
	where = append(where, col("day")+" BETWEEN "+b.date(from)+" AND "+b.date(to))
	where = append(where, b.filters(q)...)
	st.SQL = "SELECT " + strings.Join(sel, ", ") +
		"\nFROM rollups t" +
		"\nWHERE " + strings.Join(where, " AND ") +
		"\nGROUP BY " + groups
	st.Args = b.args
	return st
}

// runRollups runs the rollups statement and fills the results of its virtual statements.
func (r *results) runRollups(ctx context.Context, db Querier, st statement, all []statement, fx *fxTable) error {
	byID := map[int64][]rollupRead{}
	out := map[int]*stmtResult{}
	for _, rd := range st.reads {
		byID[rd.id] = append(byID[rd.id], rd)
		if out[rd.stmt] == nil {
			sr := &stmtResult{scopes: map[scope][]string{}}
			if all[rd.stmt].shape == perPeriod {
				sr.period = map[scope]map[int]float64{}
			} else {
				sr.daily = map[scope][][]part{}
			}
			out[rd.stmt] = sr
		}
	}
	rows, err := db.QueryContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return fmt.Errorf("kpi query on rollups: %w", err)
	}
	defer rows.Close()
	var id, di int64
	dims := make([]sql.NullString, len(st.dims))
	var cur sql.NullString
	var v, n sql.NullFloat64
	dest := []any{&id, &di}
	for i := range dims {
		dest = append(dest, &dims[i])
	}
	dest = append(dest, &cur, &v, &n)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("kpi query on rollups: %w", err)
		}
		if di < 0 || di >= int64(r.days) {
			continue
		}
		key, labels := scopeOf(dims)
		for _, rd := range byID[id] {
			vst, sr := all[rd.stmt], out[rd.stmt]
			if _, ok := sr.scopes[key]; !ok {
				sr.scopes[key] = labels
			}
			if vst.shape == perPeriod { // per-day values: periods are the days from r.from
				if sr.period[key] == nil {
					sr.period[key] = map[int]float64{}
				}
				if n.Float64 > 0 {
					sr.period[key][int(di)] = v.Float64
				}
				continue
			}
			series := sr.daily[key]
			if series == nil {
				series = make([][]part, r.days)
				sr.daily[key] = series
			}
			if series[di] == nil {
				series[di] = make([]part, len(vst.measures))
			}
			if rd.col < 0 {
				continue
			}
			m := vst.measures[rd.col]
			x := v.Float64
			if m.money && x != 0 && cur.Valid {
				conv, err := fx.convert(ctx, x, cur.String, r.from.AddDate(0, 0, int(di)))
				if err != nil {
					return err
				}
				x = conv
			}
			pt := &series[di][rd.col]
			pt.v += x
			if m.agg == "avg" {
				pt.n += n.Float64
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kpi query on rollups: %w", err)
	}
	for i, sr := range out {
		r.stmts[i] = *sr
	}
	return nil
}
