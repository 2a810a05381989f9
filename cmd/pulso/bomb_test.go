package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pulso/internal/ingest/reader/xlsxbomb"
)

// TestServerMemoryUnderXLSXBombs is the acceptance of issue 8's finding 2 through the product:
// the built server, on a DuckDB file, is sent XLSX bombs of every kind through the import API.
// Each is refused with an error naming the file, the server keeps answering, and its peak
// resident memory (VmHWM, read from /proc) stays under 1 GiB — before the fix, one 1 GB cell
// took a server from 257 MB to 6.5 GB.
func TestServerMemoryUnderXLSXBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and inflates gigabytes")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the server's peak memory")
	}
	dir := t.TempDir()
	bin := buildPulso(t, dir)
	db := filepath.Join(dir, "bomb.duckdb")
	t.Setenv("PULSO_DB", "")
	t.Setenv("PULSO_PASSWORD", "kx7#mq2!vp9z-lima")
	if _, err := run(t, "user", "add", "importer", "--db", db, "--role", "analyst"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "token", "create", "--db", db, "--user", "importer", "--name", "bombs")
	if err != nil {
		t.Fatal(err)
	}
	token, _, _ := strings.Cut(out, "\n")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := exec.Command(bin, "serve", "--db", db, "--addr", addr)
	srv.Env = append(os.Environ(), "TMPDIR="+dir)
	var logs bytes.Buffer
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	base := "http://" + addr
	up := func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}
	for deadline := time.Now().Add(60 * time.Second); !up(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start:\n%s", logs.String())
		}
	}
	before := peakRSS(t, srv.Process.Pid)

	const gib = 1 << 30
	ns := xlsxbomb.NSMain
	head := `<worksheet ` + ns + `><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>`
	declared := func(p xlsxbomb.Part, n uint64) xlsxbomb.Part { p.Declared = n; return p }
	bombs := []struct {
		name  string
		parts []xlsxbomb.Part
	}{
		{"one 1 GiB cell", []xlsxbomb.Part{xlsxbomb.Bomb(t, "xl/worksheets/sheet1.xml",
			head+`<row r="2"><c r="B2" t="inlineStr"><is><t>`, "A", gib, `</t></is></c></row></sheetData></worksheet>`)}},
		{"one 1 GiB cell declared as 500 MiB", []xlsxbomb.Part{declared(xlsxbomb.Bomb(t, "xl/worksheets/sheet1.xml",
			head+`<row r="2"><c r="B2" t="inlineStr"><is><t>`, "A", gib, `</t></is></c></row></sheetData></worksheet>`), 500<<20)}},
		{"a 1 GiB shared string", []xlsxbomb.Part{xlsxbomb.Bomb(t, "xl/sharedStrings.xml",
			`<sst `+ns+`><si><t>order_id</t></si><si><t>`, "x", gib, `</t></si></sst>`)}},
		{"2 GiB of whitespace", []xlsxbomb.Part{xlsxbomb.Bomb(t, "xl/worksheets/sheet1.xml", head, " ", 2*gib, `</sheetData></worksheet>`)}},
		{"1 GiB of whitespace declared as 1 KiB", []xlsxbomb.Part{declared(xlsxbomb.Bomb(t, "xl/worksheets/sheet1.xml", head, " ", gib, `</sheetData></worksheet>`), 1<<10)}},
		{"rows of empty cells", []xlsxbomb.Part{xlsxbomb.Bomb(t, "xl/worksheets/sheet1.xml",
			`<worksheet `+ns+`><sheetData>`, "<row><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/></row>", gib, `</sheetData></worksheet>`)}},
		{"three sheets past 1 GiB together", []xlsxbomb.Part{
			xlsxbomb.Bomb(t, "xl/worksheets/sheet2.xml", `<worksheet `+ns+`>`, " ", 500<<20, `</worksheet>`),
			xlsxbomb.Bomb(t, "xl/worksheets/sheet3.xml", `<worksheet `+ns+`>`, " ", 500<<20, `</worksheet>`),
			xlsxbomb.Bomb(t, "xl/worksheets/sheet4.xml", `<worksheet `+ns+`>`, " ", 500<<20, `</worksheet>`)}},
	}
	for _, b := range bombs {
		file := xlsxbomb.Book(t, b.parts...)
		req, err := http.NewRequest("POST", base+"/api/v1/imports?kind=orders&name=bomb.xlsx", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s (%d KiB): %v\n%s", b.name, len(file)>>10, err, logs.String())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(string(body), "bomb.xlsx") {
			t.Errorf("%s: %d %s, want a 4xx naming bomb.xlsx", b.name, resp.StatusCode, body)
		}
		if !up() {
			t.Fatalf("%s: the server stopped answering:\n%s", b.name, logs.String())
		}
		t.Logf("%s: %d KiB sent, answered %d; server peak %d MiB", b.name, len(file)>>10, resp.StatusCode, peakRSS(t, srv.Process.Pid)>>20)
	}
	if peak := peakRSS(t, srv.Process.Pid); peak >= gib {
		t.Errorf("the server's peak memory reached %d MiB (it started at %d MiB), want under 1024 MiB", peak>>20, before>>20)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "pulso-uploads", "*"))
	if len(left) > 0 {
		t.Errorf("refused uploads left on disk: %v", left)
	}
}

// peakRSS reads a process's peak resident set size (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
