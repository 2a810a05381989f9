package privacy

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"pulso/internal/record"
	"pulso/internal/store"
)

// LeftOut are the tables of a tenant that an export does not hold, and why.
func LeftOut() map[string]string {
	return map[string]string{
		"tenants":         "the tenant's pseudonymisation key: a secret",
		"rollups":         "derived from the records, rebuilt from them",
		"rollup_firsts":   "derived from the records, rebuilt from them",
		"rollup_measures": "derived from the records, rebuilt from them",
	}
}

// masked tells whether a column holds a secret or what verifies one (password and token
// hashes, keys): such columns are left out of an export.
func masked(col string) bool {
	c := strings.ToLower(col)
	return c == "secret" || strings.HasSuffix(c, "_hash") || strings.Contains(c, "password")
}

// ExportFile is one file of an export.
type ExportFile struct {
	Name string `json:"name"`
	// Table is the table it comes from; Rows how many of its rows belong to the tenant.
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
	// Columns left out because they hold secrets.
	Masked []string `json:"masked,omitempty"`
}

// Manifest is manifest.json, the first file of an export.
type Manifest struct {
	Tenant     string            `json:"tenant"`
	ExportedAt time.Time         `json:"exported_at"`
	Files      []ExportFile      `json:"files"`
	LeftOut    map[string]string `json:"left_out"`
}

// Export writes, as a zip to w, everything a tenant stores: one CSV per record kind under
// records/ (the contract's columns, then attrs), one CSV per other table of the tenant (KPI
// definitions, targets, settings as stored — secrets stay as they are kept —, alerts, the
// outbox, users and API tokens without their hashes, sessions, the audit log, the imports
// log, and any table a later migration adds), and manifest.json. Tables are found in the
// database's catalog, so none is forgotten; only LeftOut ones are skipped. Rows of other
// tenants are never read. The export is audited.
func (s *Service) Export(ctx context.Context, tenant string, w io.Writer, who Actor) (Manifest, error) {
	m := Manifest{Tenant: tenant, ExportedAt: s.now().UTC(), LeftOut: LeftOut()}
	if err := store.ValidTenant(tenant); err != nil {
		return m, err
	}
	tx, err := s.Store.DB().BeginTx(ctx, nil) // one snapshot of every table
	if err != nil {
		return m, fmt.Errorf("export: begin: %w", err)
	}
	defer tx.Rollback()
	tables, err := store.Tables(ctx, tx)
	if err != nil {
		return m, err
	}
	info := map[string]store.TableInfo{}
	for _, t := range tables {
		info[t.Name] = t
	}
	z := zip.NewWriter(w)
	for _, k := range record.Kinds() {
		t, ok := info[k.Table()]
		if !ok {
			return m, fmt.Errorf("export: table %s is missing", k.Table())
		}
		cols := []string{}
		for _, c := range k.Columns {
			cols = append(cols, c.Name)
		}
		cols = append(cols, "attrs")
		f, err := writeTable(ctx, z, tx, t, "records/"+k.Name+".csv", tenant, cols, k.Key)
		if err != nil {
			return m, err
		}
		m.Files = append(m.Files, f)
		delete(info, k.Table())
	}
	for _, t := range tables {
		if _, ok := info[t.Name]; !ok || !t.Has(store.ColTenant) {
			continue // a record table, done above, or one holding no tenant's rows (migrations)
		}
		if _, skip := m.LeftOut[t.Name]; skip {
			continue
		}
		var cols, hidden []string
		for _, c := range t.Columns {
			switch {
			case c.Name == store.ColTenant:
			case masked(c.Name):
				hidden = append(hidden, c.Name)
			default:
				cols = append(cols, c.Name)
			}
		}
		f, err := writeTable(ctx, z, tx, t, t.Name+".csv", tenant, cols, cols)
		if err != nil {
			return m, err
		}
		f.Masked = hidden
		m.Files = append(m.Files, f)
	}
	mf, err := z.Create("manifest.json")
	if err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	enc := json.NewEncoder(mf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return m, fmt.Errorf("export: manifest: %w", err)
	}
	if err := z.Close(); err != nil {
		return m, fmt.Errorf("export: finish the zip: %w", err)
	}
	_ = tx.Rollback() // read only: done with the snapshot
	var rows int64
	for _, f := range m.Files {
		rows += f.Rows
	}
	err = s.Store.AppendAudit(ctx, auditRow(tenant, m.ExportedAt, who, "privacy.export", "tenant:"+tenant,
		map[string]string{"files": fmt.Sprint(len(m.Files)), "rows": fmt.Sprint(rows)}))
	return m, err
}

// writeTable writes a tenant's rows of one table as a CSV file of the zip.
func writeTable(ctx context.Context, z *zip.Writer, q store.Queryer, t store.TableInfo, name, tenant string, cols, order []string) (ExportFile, error) {
	f := ExportFile{Name: name, Table: t.Name}
	types := make([]string, len(cols))
	for i, c := range cols {
		j := slices.IndexFunc(t.Columns, func(tc store.ColumnInfo) bool { return tc.Name == c })
		if j < 0 {
			return f, fmt.Errorf("export: table %s has no column %s", t.Name, c)
		}
		types[i] = t.Columns[j].Type
	}
	out, err := z.Create(name)
	if err != nil {
		return f, fmt.Errorf("export: %w", err)
	}
	cw := csv.NewWriter(out)
	if err := cw.Write(cols); err != nil {
		return f, fmt.Errorf("export %s: %w", name, err)
	}
	line := make([]string, len(cols))
	f.Rows, err = store.ReadRows(ctx, q, t.Name, tenant, cols, order, func(vals []any) error {
		for i, v := range vals {
			line[i] = Cell(v, types[i])
		}
		return cw.Write(line)
	})
	if err != nil {
		return f, fmt.Errorf("export %s: %w", name, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return f, fmt.Errorf("export %s: %w", name, err)
	}
	return f, nil
}

// Cell is a value as an export writes it: dates as YYYY-MM-DD, instants in RFC 3339 (UTC),
// numbers in full, NULL as an empty cell.
func Cell(v any, sqlType string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		if sqlType == "date" {
			return x.Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprint(x)
	}
}
