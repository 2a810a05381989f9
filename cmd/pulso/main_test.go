package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// run executes the command line in-process and returns stdout and the error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const orders = "order_id,platform,country,store,created_at,shipped_at,handling_deadline,currency,gross_amount\n" +
	"A1,mercadolibre,BR,s1,2026-03-02 10:00:00,2026-03-03 09:00:00,2026-03-03 12:00:00,BRL,100\n" +
	"A2,mercadolibre,BR,s1,2026-03-02 23:30:00,2026-03-04 09:00:00,2026-03-03 12:00:00,BRL,50\n" +
	"A3,amazon,MX,s2,2026-03-02T12:00:00-06:00,,,MXN,300\n"

func TestCLIContract(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	t.Setenv("PULSO_DB", "")
	f := writeFile(t, dir, "orders.csv", orders)

	out, err := run(t, "import", "--db", db, "--kind", "orders", f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "orders: read 3, inserted 3, updated 0, unchanged 0, rejected 0, ") || !strings.Contains(out, " s, ") || !strings.Contains(out, " rows/s") {
		t.Fatalf("summary line %q", out)
	}
	// The same file again changes nothing.
	if out, _ = run(t, "import", "--db", db, "--kind", "orders", f); !strings.HasPrefix(out, "orders: read 3, inserted 0, updated 0, unchanged 3, rejected 0") {
		t.Fatalf("re-import %q", out)
	}
	// A bad row: an error naming file, row and column; nothing stored from that file.
	bad := writeFile(t, dir, "bad.csv", "order_id,platform,country,store,created_at\nB1,amazon,BR,s1,2026-03-02 10:00:00\nB2,amazon,XX,s1,2026-03-02 10:00:00\n")
	if _, err = run(t, "import", "--db", db, "--kind", "orders", bad); err == nil || !strings.Contains(err.Error(), "bad.csv: row 3, column country: unknown country code") {
		t.Fatalf("bad import: %v", err)
	}

	out, err = run(t, "sources", "--db", db, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var srcs []map[string]any
	if err := json.Unmarshal([]byte(out), &srcs); err != nil {
		t.Fatal(err)
	}
	var ordersRows float64
	for _, s := range srcs {
		for _, k := range []string{"kind", "rows", "last_import_at"} {
			if _, ok := s[k]; !ok {
				t.Fatalf("sources entry without %s: %v", k, s)
			}
		}
		if s["kind"] == "orders" {
			ordersRows = s["rows"].(float64)
		}
	}
	if ordersRows != 3 {
		t.Fatalf("orders rows %v, want 3 (the bad file added none)", ordersRows)
	}

	out, err = run(t, "kpi", "eval", "--db", db, "--kpi", "late_shipment_rate,orders", "--from", "2026-03-02", "--to", "2026-03-04",
		"--by", "country", "--currency", "BRL", "--as-of", "2026-03-10", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		for _, k := range []string{"kpi", "grain", "period", "scope", "value", "provisional", "status", "target"} {
			if _, ok := r[k]; !ok {
				t.Fatalf("row without %s: %v", k, r)
			}
		}
		// BR, shipped on 03-04 local: A2 after its 03-03 12:00 deadline → 1 late of 1.
		if r["kpi"] == "late_shipment_rate" && r["period"] == "2026-03-04" && r["scope"].(map[string]any)["country"] == "BR" {
			found = true
			if r["value"] != 1.0 || r["numerator"] != 1.0 || r["denominator"] != 1.0 || r["status"] != "red" || r["target"] != 0.04 {
				t.Fatalf("BR late shipments on 03-04: %v", r)
			}
		}
	}
	if !found {
		t.Fatal("no BR late_shipment_rate row for 2026-03-04")
	}

	out, err = run(t, "kpi", "list", "--lang", "pt-BR")
	if err != nil || !strings.Contains(out, "Taxa de envio atrasado") {
		t.Fatalf("kpi list: %v\n%s", err, out)
	}
	if _, err = run(t, "kpi", "eval", "--db", db, "--kpi", "orders", "--from", "2026-03-02", "--to", "2026-03-04", "--by", "country;drop table orders"); err == nil ||
		!strings.Contains(err.Error(), `unknown breakdown "country;drop table orders"`) {
		t.Fatalf("hostile --by: %v", err)
	}
	if _, err = run(t, "sources", "--db", db, "--format", "xml"); err == nil {
		t.Fatal("bad --format accepted")
	}
}

func TestDemoEvalAlertsContract(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo seller")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.duckdb")
	out, err := run(t, "demo", "--db", db, "--days", "40", "--end", "2026-04-30", "--no-serve")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Board, week 2026-04-20 to 2026-04-26") || !strings.Contains(out, "customs_hold_rate") {
		t.Fatalf("demo output:\n%s", out)
	}
	if _, err = run(t, "eval", "--db", db, "--as-of", "2026-05-01"); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "alerts", "--db", db, "--state", "firing", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var as []map[string]any
	if err := json.Unmarshal([]byte(out), &as); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		for _, k := range []string{"rule", "kpi", "scope", "state", "since", "periods", "owner"} {
			if _, ok := a[k]; !ok {
				t.Fatalf("alert without %s: %v", k, a)
			}
		}
		got = append(got, a["scope"].(map[string]any)["country"].(string)+" "+a["kpi"].(string))
	}
	sort.Strings(got)
	want := []string{"BR customs_clearance_hours", "BR customs_clearance_rate", "BR customs_hold_rate", "BR on_time_delivery_rate",
		"BR tax_bill_returns", "CO csat", "CO first_response_hours", "CO reply_within_48h_rate", "MX last_mile_success_rate", "MX parcel_loss_rate"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("firing alerts %v\nwant %v", got, want)
	}
	// Reputation: Pulso's figure beside what the platform itself reported, per store.
	out, err = run(t, "reputation", "--db", db, "--as-of", "2026-05-01")
	if err != nil {
		t.Fatal(err)
	}
	line := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "mercadolibre") && strings.Contains(l, " BR ") && strings.Contains(l, "claims") {
			line = l
		}
	}
	if !strings.Contains(out, "PLATFORM SAYS") || !strings.Contains(line, "ml-br-1") || !strings.Contains(line, "60d") {
		t.Fatalf("reputation:\n%s", out)
	}
}
