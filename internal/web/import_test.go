package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"pulso/internal/auth"
	"pulso/internal/calendar"
	"pulso/internal/i18n"
	"pulso/internal/ingest/reader/xlsxbomb"
	"pulso/internal/record"
	"pulso/internal/store"
	"pulso/internal/store/duckdb"
	"pulso/internal/store/postgres"
	"pulso/internal/store/storetest"
)

// importEnv is a server over an empty store of either engine, with a few importers: what the
// import tests need, where every stored row is one they put there.
func importEnv(t *testing.T, st store.Store) *testEnv {
	t.Helper()
	ctx := t.Context()
	svc := auth.New(st)
	svc.Now = func() time.Time { return demoNow }
	svc.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	e := &testEnv{dir: t.TempDir(), st: st, auth: svc, sessions: map[string]string{}, tokens: map[string]string{}}
	for _, u := range []auth.User{
		{Login: "admin", Role: auth.Admin},
		{Login: "analyst", Role: auth.Analyst},
		{Login: "other-analyst", Role: auth.Analyst},
		{Login: "mx-analyst", Role: auth.Analyst, Scopes: auth.Scopes{Countries: []string{"MX"}}},
		{Login: "br-amazon-analyst", Role: auth.Analyst, Scopes: auth.Scopes{Countries: []string{"BR"}, Platforms: []string{"amazon"}}},
	} {
		u.Tenant = "default"
		created, err := svc.CreateUser(ctx, u, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		sess, _, err := svc.Login(ctx, "default", u.Login, testPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		e.sessions[u.Login] = string(sess.Token)
		tok, _, err := svc.CreateToken(ctx, "default", created.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u.Login] = string(tok)
	}
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(Config{Store: st, Engine: testEngine, Auth: svc, Bundle: bundle, Calendar: cal, UploadDir: filepath.Join(e.dir, "uploads"),
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Now: func() time.Time { return demoNow }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv, e.h = srv, secureHeaders(false, srv.routes())
	return e
}

// engines runs a test on an empty DuckDB file and on a fresh PostgreSQL schema.
func engines(t *testing.T, run func(t *testing.T, e *testEnv)) {
	t.Run("duckdb", func(t *testing.T) {
		st, err := duckdb.Open(t.Context(), filepath.Join(t.TempDir(), "import.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		run(t, importEnv(t, st))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresSchema(t)
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		run(t, importEnv(t, st))
	})
}

func bearer(e *testEnv, login, ct string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + e.tokens[login], "Content-Type": ct}
}

// visitsOf reads the stored visits of the given stores (-1: no row).
func visitsOf(t *testing.T, e *testEnv, stores ...string) []int64 {
	t.Helper()
	out := make([]int64, len(stores))
	for i, s := range stores {
		out[i] = -1
		rows, err := e.st.DB().QueryContext(t.Context(), `SELECT visits FROM traffic WHERE tenant_id = 'default' AND store = $1`, s)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			if err := rows.Scan(&out[i]); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
	}
	return out
}

// skipFile has five rows: the 1st, 3rd and 5th are good; the 2nd (row 3) has visits "abc",
// the 4th (row 5) a 13th month.
func skipFile(tag string) string {
	return "date,platform,store,country,visits\n" +
		"2026-11-24,mercadolibre," + tag + "-1,MX,100\n" +
		"2026-11-24,mercadolibre," + tag + "-2,MX,abc\n" +
		"2026-11-24,amazon," + tag + "-3,MX,300\n" +
		"2026-13-01,amazon," + tag + "-4,MX,400\n" +
		"2026-11-25,mercadolibre," + tag + "-5,MX,500\n"
}

// skipRejects is the reject file of skipFile, written out by hand: the header with row and
// reason around it, each bad row as read, its reason as `pulso import` gives it.
func skipRejects(tag string) string {
	return "row,date,platform,store,country,visits,reason\n" +
		"3,2026-11-24,mercadolibre," + tag + "-2,MX,abc,\"column visits: not a whole number (value \"\"abc\"\")\"\n" +
		"5,2026-13-01,amazon," + tag + "-4,MX,400,\"column date: not a date (want YYYY-MM-DD) (value \"\"2026-13-01\"\")\"\n"
}

// Apply the valid rows, download the rejected ones: through the page and through the API, on
// both engines. The good rows are stored, the bad ones are not, the reject file is exactly
// the bad rows, and only the user who imported may download it.
func TestImportSkipInvalid(t *testing.T) {
	engines(t, func(t *testing.T, e *testEnv) {
		formCT := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		// Page: the check shows the bad rows and offers to apply the good ones.
		body, ct := multipartBody(t, map[string]string{"kind": "traffic"}, "visits.csv", skipFile("page"))
		rec := e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
		page := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="import-skip"`) || strings.Contains(page, `id="import-commit"`) {
			t.Fatalf("check: %d\n%s", rec.Code, page)
		}
		if !strings.Contains(page, "Import the 3 valid rows") {
			t.Errorf("the skip button does not say 3 valid rows")
		}
		id := regexpFind(page, `(?s)id="import-skip-form">.*?name="upload" value="([^"]+)"`)
		// Without skip_invalid the commit is refused (the file is not clean) and nothing is stored.
		if rec := e.request(t, "analyst", http.MethodPost, "/import/commit", form("upload", id), formCT); rec.Code != http.StatusBadRequest {
			t.Errorf("commit without skip_invalid: %d", rec.Code)
		}
		if got := visitsOf(t, e, "page-1"); got[0] != -1 {
			t.Fatalf("a refused commit stored rows")
		}
		// Another user cannot apply it.
		if rec := e.request(t, "other-analyst", http.MethodPost, "/import/commit", form("upload", id, "skip_invalid", "1"), formCT); rec.Code != http.StatusBadRequest {
			t.Errorf("commit by another user: %d", rec.Code)
		}
		rec = e.request(t, "analyst", http.MethodPost, "/import/commit", form("upload", id, "skip_invalid", "1"), formCT)
		page = rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(page, `id="import-result"`) {
			t.Fatalf("skip commit: %d\n%s", rec.Code, page)
		}
		if got, want := visitsOf(t, e, "page-1", "page-2", "page-3", "page-4", "page-5"), []int64{100, -1, 300, -1, 500}; !slices.Equal(got, want) {
			t.Errorf("stored visits %v, want %v", got, want)
		}
		link := regexpFind(page, `href="(/api/v1/imports/rejects/[^"]+)"`)
		if link == "" || !strings.Contains(page, "Download the 2 rejected rows") {
			t.Fatalf("no download of the rejected rows:\n%s", page)
		}
		rec = e.get(t, "analyst", link)
		if rec.Code != http.StatusOK || rec.Body.String() != skipRejects("page") {
			t.Errorf("reject file: %d\n%s\nwant\n%s", rec.Code, rec.Body.String(), skipRejects("page"))
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, `filename="visits.csv.rejects.csv"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		// The uploader's API token reaches it too; nobody else does.
		if rec := e.request(t, "", http.MethodGet, link, nil, bearer(e, "analyst", "")); rec.Code != http.StatusOK {
			t.Errorf("reject file by the uploader's token: %d", rec.Code)
		}
		for _, who := range []string{"other-analyst", "admin"} {
			if rec := e.get(t, who, link); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "page-2") {
				t.Errorf("reject file by %s: %d", who, rec.Code)
			}
		}
		if rec := e.get(t, "", link); rec.Code != http.StatusUnauthorized {
			t.Errorf("reject file without signing in: %d", rec.Code)
		}

		// API: without skip_invalid, 422 and nothing stored.
		rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic", strings.NewReader(skipFile("api")), bearer(e, "analyst", "text/csv"))
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"code": "invalid_file"`) {
			t.Errorf("API without skip_invalid: %d %s", rec.Code, rec.Body.String())
		}
		if got := visitsOf(t, e, "api-1"); got[0] != -1 {
			t.Fatal("a refused API import stored rows")
		}
		if rec := e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic&skip_invalid=maybe", strings.NewReader(skipFile("api")),
			bearer(e, "analyst", "text/csv")); rec.Code != http.StatusBadRequest {
			t.Errorf("skip_invalid=maybe: %d", rec.Code)
		}
		rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic&skip_invalid=true&name=visits.csv", strings.NewReader(skipFile("api")),
			bearer(e, "analyst", "text/csv"))
		var out struct {
			Counts  map[string]int64 `json:"counts"`
			Rejects struct {
				URL  string `json:"url"`
				Name string `json:"name"`
				Rows int64  `json:"rows"`
			} `json:"rejects"`
			Report checkReport `json:"report"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != http.StatusOK || err != nil {
			t.Fatalf("API skip_invalid: %d %s", rec.Code, rec.Body.String())
		}
		if want := map[string]int64{"read": 5, "inserted": 3, "updated": 0, "unchanged": 0, "rejected": 2}; fmt.Sprint(out.Counts) != fmt.Sprint(want) {
			t.Errorf("counts %v, want %v", out.Counts, want)
		}
		if out.Rejects.Rows != 2 || out.Rejects.Name != "visits.csv.rejects.csv" || out.Report.BadRows != 2 {
			t.Errorf("rejects %+v, report bad rows %d", out.Rejects, out.Report.BadRows)
		}
		if got, want := visitsOf(t, e, "api-1", "api-2", "api-3", "api-4", "api-5"), []int64{100, -1, 300, -1, 500}; !slices.Equal(got, want) {
			t.Errorf("stored visits %v, want %v", got, want)
		}
		rec = e.request(t, "", http.MethodGet, out.Rejects.URL, nil, bearer(e, "analyst", ""))
		if rec.Code != http.StatusOK || rec.Body.String() != skipRejects("api") {
			t.Errorf("API reject file: %d\n%s", rec.Code, rec.Body.String())
		}
		if rec := e.request(t, "", http.MethodGet, out.Rejects.URL, nil, bearer(e, "other-analyst", "")); rec.Code != http.StatusNotFound {
			t.Errorf("API reject file by another user: %d", rec.Code)
		}
		// A clean file with skip_invalid: everything applied, no reject file.
		rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic&skip_invalid=1",
			strings.NewReader("date,platform,store,country,visits\n2026-11-24,amazon,clean-1,MX,7\n"), bearer(e, "analyst", "text/csv"))
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"rejects"`) || !strings.Contains(rec.Body.String(), `"rejected": 0`) {
			t.Errorf("clean file with skip_invalid: %d %s", rec.Code, rec.Body.String())
		}

		// Rows outside the user's scope are not skipped: the page offers no skip, the API
		// refuses, and nothing is stored.
		scoped := "date,platform,store,country,visits\n2026-11-24,amazon,scope-1,MX,1\n2026-11-24,amazon,scope-2,BR,2\n2026-11-24,amazon,scope-3,MX,x\n"
		body, ct = multipartBody(t, map[string]string{"kind": "traffic"}, "s.csv", scoped)
		rec = e.request(t, "mx-analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
		if rec.Code != http.StatusUnprocessableEntity || strings.Contains(rec.Body.String(), "import-skip") ||
			!strings.Contains(rec.Body.String(), "outside your countries or platforms, and those cannot be skipped") {
			t.Errorf("scope rows on the page: %d\n%s", rec.Code, rec.Body.String())
		}
		rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic&skip_invalid=true", strings.NewReader(scoped), bearer(e, "mx-analyst", "text/csv"))
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "cannot be skipped") {
			t.Errorf("scope rows through the API: %d %s", rec.Code, rec.Body.String())
		}
		if got := visitsOf(t, e, "scope-1", "scope-2"); !slices.Equal(got, []int64{-1, -1}) {
			t.Errorf("rows of a refused file were stored: %v", got)
		}
		// No good row: nothing to skip to.
		rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic&skip_invalid=true",
			strings.NewReader("date,platform,store,country,visits\n2026-11-24,amazon,none-1,MX,x\n"), bearer(e, "analyst", "text/csv"))
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "No row is valid") {
			t.Errorf("no valid row: %d %s", rec.Code, rec.Body.String())
		}
	})
}

// Each kind's template, CSV and XLSX, imports as it is through the import API on both
// engines; a user restricted to Brazil and Amazon gets a template that is theirs to import.
func TestImportTemplates(t *testing.T) {
	engines(t, func(t *testing.T, e *testEnv) {
		for _, k := range record.NewCatalog().All() {
			for i, format := range []string{"csv", "xlsx"} {
				rec := e.get(t, "admin", "/api/v1/imports/templates/"+k.Name+"?format="+format)
				if rec.Code != http.StatusOK {
					t.Fatalf("%s %s template: %d %s", k.Name, format, rec.Code, rec.Body.String())
				}
				file := rec.Body.Bytes()
				if format == "csv" {
					lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(file), "\uFEFF")), "\n")
					if len(lines) != 2 || lines[0] != strings.Join(k.Header(), ",") {
						t.Errorf("%s CSV template: %q", k.Name, lines)
					}
				}
				rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind="+k.Name+"&name=template."+format, strings.NewReader(string(file)), bearer(e, "admin", "application/octet-stream"))
				var out struct {
					Counts map[string]int64 `json:"counts"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != http.StatusOK || err != nil {
					t.Errorf("%s %s template does not import: %d %s", k.Name, format, rec.Code, rec.Body.String())
					continue
				}
				// The CSV adds the example; the workbook, the same record again, changes nothing.
				want := map[string]int64{"read": 1, "inserted": 1, "updated": 0, "unchanged": 0, "rejected": 0}
				if i == 1 {
					want["inserted"], want["unchanged"] = 0, 1
				}
				if fmt.Sprint(out.Counts) != fmt.Sprint(want) {
					t.Errorf("%s %s template: counts %v, want %v", k.Name, format, out.Counts, want)
				}
			}
			var n int
			if err := e.st.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM `+k.Table()+` WHERE tenant_id = 'default'`).Scan(&n); err != nil || n != 1 {
				t.Errorf("%s: %d rows stored (%v), want 1", k.Name, n, err)
			}
		}
		// The example order, as written in the template.
		var gross, fee float64
		var status, cur string
		if err := e.st.DB().QueryRowContext(t.Context(), `SELECT gross_amount, platform_fee, status, currency FROM orders WHERE tenant_id = 'default' AND order_id = '2000012345'`).
			Scan(&gross, &fee, &status, &cur); err != nil || gross != 1299 || fee != 194.85 || status != "delivered" || cur != "MXN" {
			t.Errorf("stored example order: %v %v %q %q (%v)", gross, fee, status, cur, err)
		}
		// Brazil and Amazon only: the template's traffic row is Brazilian, on Amazon, in reais.
		rec := e.get(t, "br-amazon-analyst", "/api/v1/imports/templates/orders")
		if !strings.Contains(rec.Body.String(), ",amazon,BR,") || !strings.Contains(rec.Body.String(), ",BRL,") {
			t.Errorf("Brazil-and-Amazon template: %s", rec.Body.String())
		}
		rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=orders", strings.NewReader(rec.Body.String()), bearer(e, "br-amazon-analyst", "text/csv"))
		if rec.Code != http.StatusOK {
			t.Errorf("Brazil-and-Amazon template does not import: %d %s", rec.Code, rec.Body.String())
		}
		for path, want := range map[string]int{"/api/v1/imports/templates/nope": http.StatusNotFound, "/api/v1/imports/templates/orders?format=pdf": http.StatusBadRequest} {
			if rec := e.get(t, "admin", path); rec.Code != want {
				t.Errorf("%s: %d, want %d", path, rec.Code, want)
			}
		}
	})
}

// The preview shows the first rows and each bad row further down, marks the wrong cell with
// its reason in the user's language, and echoes every value as the file writes it.
func TestImportPreviewMarksBadCells(t *testing.T) {
	e := sharedEnv(t)
	var b strings.Builder
	b.WriteString("order_id,platform,country,store,created_at,currency,gross_amount\n")
	for i := 2; i <= 16; i++ {
		created, gross := "2026-11-20 10:00:00", "10"
		switch i {
		case 4:
			created = "11/25/2026 10:00" // US-style: read by no one the same way
		case 15:
			gross = `" 1.234,50"` // a decimal comma, with a space before it
		}
		fmt.Fprintf(&b, "PV-%d,amazon,MX,amz-mx-1,%s,MXN,%s\n", i, created, gross)
	}
	body, ct := multipartBody(t, map[string]string{"kind": "orders"}, "ventas.csv", b.String())
	rec := e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct, "Accept-Language": "es"})
	page := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("check: %d\n%s", rec.Code, page)
	}
	preview := regexpFind(page, `(?s)(<table class="table import-preview[^"]*" id="import-preview">.*?</table>)`)
	rows := regexp.MustCompile(`(?s)<tr data-row="(\d+)"([^>]*)>(.*?)</tr>`).FindAllStringSubmatch(preview, -1)
	var nums []string
	for _, r := range rows {
		nums = append(nums, r[1])
	}
	// rows 2–11 (the first ten) and 15 (bad, further down)
	if want := []string{"2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "15"}; !slices.Equal(nums, want) {
		t.Fatalf("preview rows %v, want %v", nums, want)
	}
	if !strings.Contains(preview, `class="gap"`) {
		t.Error("no mark where rows are left out")
	}
	cell := func(row, column string) (bad bool, text string) {
		for _, r := range rows {
			if r[1] != row {
				continue
			}
			m := regexp.MustCompile(`(?s)<td data-label="[^"]*" data-column="` + column + `"( class="bad-cell")?>(.*?)</td>`).FindStringSubmatch(r[3])
			if m == nil {
				t.Fatalf("row %s has no cell %s", row, column)
			}
			return m[1] != "", html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[2], "|"))
		}
		t.Fatalf("no row %s", row)
		return
	}
	for _, c := range []struct {
		row, column string
		bad         bool
		text        string
	}{
		{"3", "created_at", false, "|2026-11-20 10:00:00|"},
		{"4", "created_at", true, "|11/25/2026 10:00||no es una fecha y hora: escríbela como 2026-03-02 14:05:00, 2026-03-02T14:05:00-03:00 o 2026-03-02|"},
		{"4", "gross_amount", false, "|10|"},
		{"15", "gross_amount", true, "| 1.234,50||no es un número: escríbelo como 1234.56 (punto decimal, sin separador de miles)|"},
		{"15", "created_at", false, "|2026-11-20 10:00:00|"},
	} {
		bad, text := cell(c.row, c.column)
		if bad != c.bad || text != c.text {
			t.Errorf("row %s, %s: bad=%v %q; want bad=%v %q", c.row, c.column, bad, text, c.bad, c.text)
		}
	}
	for _, r := range rows {
		if bad := strings.Contains(r[2], "bad-row"); bad != (r[1] == "4" || r[1] == "15") {
			t.Errorf("row %s marked bad=%v", r[1], bad)
		}
	}
	if strings.Contains(page, "11/25/2026T10:00") {
		t.Error("the date is echoed as the parser rewrote it")
	}
	// The API's report: the reason as the command line says it (the value as written), the
	// code and its message in the user's language.
	rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=orders", strings.NewReader(b.String()),
		map[string]string{"Authorization": "Bearer " + e.tokens["analyst"], "Content-Type": "text/csv", "Accept-Language": "pt-BR"})
	var out struct {
		Report checkReport `json:"report"`
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	want := []rowProblem{
		{Row: 4, Column: "created_at", Value: "11/25/2026 10:00", Reason: `not a valid local timestamp: cannot read "11/25/2026 10:00"`, Code: "timestamp",
			Message: "não é uma data e hora: escreva como 2026-03-02 14:05:00, 2026-03-02T14:05:00-03:00 ou 2026-03-02"},
		{Row: 15, Column: "gross_amount", Value: " 1.234,50", Reason: "not a decimal number (write it like 1234.56: '.' for decimals, no thousands separators)", Code: "decimal",
			Message: "não é um número: escreva como 1234.56 (ponto para os decimais, sem separador de milhar)"},
	}
	if rec.Code != http.StatusUnprocessableEntity || fmt.Sprintf("%+v", out.Report.Problems) != fmt.Sprintf("%+v", want) {
		t.Errorf("API report: %d\n%+v\nwant\n%+v", rec.Code, out.Report.Problems, want)
	}
}

// Errors in each language, with their arguments; the English reason stays the parser's.
func TestImportErrorsTranslated(t *testing.T) {
	e := sharedEnv(t)
	file := "date,platform,store,country,visits\n2026-11-24,ebay,tr-1,MX,5\n2026-11-24,amazon,tr-1,MX,5000000000000\n"
	want := map[string][2]string{
		"en":    {"not one of the allowed values: mercadolibre, amazon, shopee, shein, tiktok, temu, own_site, other", "too large: at most 1,000,000,000,000"},
		"es":    {"no es uno de los valores permitidos: mercadolibre, amazon, shopee, shein, tiktok, temu, own_site, other", "demasiado grande: como máximo 1.000.000.000.000"},
		"pt-BR": {"não é um dos valores permitidos: mercadolibre, amazon, shopee, shein, tiktok, temu, own_site, other", "grande demais: no máximo 1.000.000.000.000"},
		"zh-CN": {"不是允许的取值之一：mercadolibre, amazon, shopee, shein, tiktok, temu, own_site, other", "数值过大：最大为 1,000,000,000,000"},
	}
	for lang, w := range want {
		rec := e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic", strings.NewReader(file),
			map[string]string{"Authorization": "Bearer " + e.tokens["analyst"], "Content-Type": "text/csv", "Accept-Language": lang})
		var out struct {
			Report checkReport `json:"report"`
		}
		json.Unmarshal(rec.Body.Bytes(), &out)
		p := out.Report.Problems
		if len(p) != 2 || p[0].Message != w[0] || p[1].Message != w[1] {
			t.Errorf("%s: %+v", lang, p)
			continue
		}
		if p[1].Reason != "too large: the magnitude must be at most 1000000000000" || p[1].Args["Limit"] != "1000000000000" {
			t.Errorf("%s: the reason or its arguments changed: %+v", lang, p[1])
		}
	}
}

// A file refused as a whole says so and why, in the user's language, and never asks to fix
// rows: a zip bomb, a file type Pulso does not read, a header without the kind's columns.
func TestImportFileRefusedSaysWhy(t *testing.T) {
	e := sharedEnv(t)
	ns := xlsxbomb.NSMain
	bomb := xlsxbomb.Book(t, xlsxbomb.Bomb(t, "xl/worksheets/sheet1.xml",
		`<worksheet `+ns+`><sheetData>`, "<row><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/><c/></row>", 40<<20, `</sheetData></worksheet>`))
	fixRows := []string{"Fix these rows", "Corrige estas filas", "Corrija estas linhas", "请修正这些行"}
	cases := []struct {
		name, file string
		body       []byte
		lang       string
		message    string // the start of the API's message
		detail     string // in the message and on the page
		page       string // on the page instead, when it names the contract's columns in the language
	}{
		{"zip bomb", "bomb.xlsx", bomb, "es", "Se rechazó el archivo; no se guardó nada:", "zip bomb", ""},
		{"file type", "visits.tsv", []byte("date\tvisits\n"), "zh-CN", "文件被拒绝，未保存任何数据：", "不支持此文件类型，请使用 CSV（UTF-8）、XLSX 或 NDJSON。", ""},
		{"header", "visits.csv", []byte("date,visits\n2026-11-24,5\n"), "pt-BR", "O arquivo foi recusado; nada foi gravado:", "faltam colunas obrigatórias: platform, store, country",
			"faltam colunas obrigatórias: Plataforma platform, Loja store, País country"},
		{"no rows", "visits.csv", []byte("date,platform,store,country,visits\n"), "en", "The file was refused; nothing was stored:", "it has a header but no rows", ""},
	}
	for _, c := range cases {
		rec := e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic&skip_invalid=true&name="+url.QueryEscape(c.file), strings.NewReader(string(c.body)),
			map[string]string{"Authorization": "Bearer " + e.tokens["analyst"], "Content-Type": "application/octet-stream", "Accept-Language": c.lang})
		var out struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(rec.Body.Bytes(), &out)
		if rec.Code != http.StatusUnprocessableEntity || out.Error.Code != "file_refused" || !strings.HasPrefix(out.Error.Message, c.message) ||
			!strings.Contains(out.Error.Message, c.detail) {
			t.Errorf("%s (API): %d %+v", c.name, rec.Code, out.Error)
		}
		body, ct := multipartBody(t, map[string]string{"kind": "traffic"}, c.file, string(c.body))
		rec = e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct, "Accept-Language": c.lang})
		msg := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(regexpFind(rec.Body.String(), `(?s)id="import-file-error">(.*?)</p>`), ""))
		if c.page == "" {
			c.page = c.detail
		}
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(msg, c.page) {
			t.Errorf("%s (page): %d %q", c.name, rec.Code, msg)
		}
		for _, f := range fixRows {
			if strings.Contains(rec.Body.String(), f) || strings.Contains(out.Error.Message, f) {
				t.Errorf("%s: asks to fix rows (%q)", c.name, f)
			}
		}
	}
}

// An export in Spanish (dated before the demo, whose numbers other tests read): the mapping
// step comes with the synonyms' choices selected; sent as the page shows them, the file
// imports under contract names.
func TestImportSuggestsMapping(t *testing.T) {
	e := sharedEnv(t)
	file := "Nº de venta,Plataforma,País,Tienda,Fecha de venta,Moneda,Total,Transportadora,Notas\n" +
		"SUG-1,mercadolibre,MX,ml-mx-sug,2026-01-05 10:00:00,MXN,250.5,Estafeta,regalo\n"
	body, ct := multipartBody(t, map[string]string{"kind": "orders"}, "ventas.csv", file)
	rec := e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct, "Accept-Language": "es"})
	page := rec.Body.String()
	form := regexpFind(page, `(?s)(<form class="form" method="post" action="/import/map" id="import-mapping">.*?</form>)`)
	if rec.Code != http.StatusUnprocessableEntity || form == "" {
		t.Fatalf("no mapping step: %d\n%s", rec.Code, page)
	}
	// What the browser would send: every hidden field, and each select's selected option.
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	chosen := map[string]string{}
	for _, m := range regexp.MustCompile(`(?s)name="col_\d+" value="([^"]*)">.*?<select name="(map_\d+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(form, -1) {
		sel := regexpFind(m[3], `<option value="([^"]*)"[^>]* selected>`)
		v.Set(m[2], sel)
		chosen[html.UnescapeString(m[1])] = sel
	}
	want := map[string]string{"Nº de venta": "order_id", "Plataforma": "platform", "País": "country", "Tienda": "store", "Fecha de venta": "created_at",
		"Moneda": "currency", "Total": "gross_amount", "Transportadora": "carrier", "Notas": ""}
	if fmt.Sprint(chosen) != fmt.Sprint(want) {
		t.Fatalf("pre-selected %v\nwant %v", chosen, want)
	}
	if n := strings.Count(form, "sugerida"); n != 8 {
		t.Errorf("%d columns marked as suggested, want 8", n)
	}
	rec = e.request(t, "analyst", http.MethodPost, "/import/map", strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="import-commit"`) {
		t.Fatalf("mapped: %d\n%s", rec.Code, rec.Body.String())
	}
	rec = e.request(t, "analyst", http.MethodPost, "/import/commit", strings.NewReader("upload="+v.Get("upload")), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if rec.Code != http.StatusOK {
		t.Fatalf("commit: %d", rec.Code)
	}
	var carrier, attrs string
	var gross float64
	if err := e.st.DB().QueryRow(`SELECT carrier, gross_amount, attrs FROM orders WHERE tenant_id = 'default' AND order_id = 'SUG-1'`).Scan(&carrier, &gross, &attrs); err != nil ||
		carrier != "Estafeta" || gross != 250.5 || attrs != `{"notas":"regalo"}` {
		t.Errorf("stored %q %v %q (%v)", carrier, gross, attrs, err)
	}
}

// Personal columns: the check names them and how many values it drops; kept as a pseudonym,
// a column is stored as the tenant's keyed hash and the rest still dropped. (Dated before
// the demo, whose numbers other tests read.)
func TestImportPersonalColumns(t *testing.T) {
	e := sharedEnv(t)
	file := "order_id,platform,country,store,created_at,currency,gross_amount,correo_comprador,codigo_cliente\n" +
		"PD-1,amazon,MX,amz-mx-pd,2026-01-05 10:00:00,MXN,10,ana@example.com,529.982.247-25\n" +
		"PD-2,amazon,MX,amz-mx-pd,2026-01-05 11:00:00,MXN,20,,CLI-77\n"
	body, ct := multipartBody(t, map[string]string{"kind": "orders"}, "pd.csv", file)
	rec := e.request(t, "analyst", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct})
	page := rec.Body.String()
	section := regexpFind(page, `(?s)(<section id="import-personal">.*?</section>)`)
	// correo_comprador: a personal header, 1 value; codigo_cliente: 1 value shaped like a CPF
	if rec.Code != http.StatusOK || !strings.Contains(section, "<code>correo_comprador</code> — values dropped: 1") ||
		!strings.Contains(section, "<code>codigo_cliente</code> — values dropped: 1") {
		t.Fatalf("personal columns: %d\n%s", rec.Code, section)
	}
	id := regexpFind(section, `name="upload" value="([^"]+)"`)
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if rec := e.request(t, "analyst", http.MethodPost, "/import/map", form("upload", id, "pseudo", "order_id"), hdr); rec.Code != http.StatusBadRequest {
		t.Errorf("pseudonymise a contract column: %d", rec.Code)
	}
	rec = e.request(t, "analyst", http.MethodPost, "/import/map", form("upload", id, "pseudo", "codigo_cliente"), hdr)
	section = regexpFind(rec.Body.String(), `(?s)(<section id="import-personal">.*?</section>)`)
	if rec.Code != http.StatusOK || !strings.Contains(section, "<code>correo_comprador</code>") || strings.Contains(section, "<code>codigo_cliente</code> —") ||
		!strings.Contains(section, `id="import-pseudonymised">`) {
		t.Fatalf("after pseudonymising: %d\n%s", rec.Code, section)
	}
	if rec := e.request(t, "analyst", http.MethodPost, "/import/commit", form("upload", id), hdr); rec.Code != http.StatusOK {
		t.Fatalf("commit: %d", rec.Code)
	}
	secret, err := e.st.TenantSecret(t.Context(), "default")
	if err != nil {
		t.Fatal(err)
	}
	hash := func(v string) string { // HMAC-SHA256 under the tenant's secret, first 128 bits (docs/privacy.md)
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(v))
		return hex.EncodeToString(m.Sum(nil)[:16])
	}
	for id, want := range map[string]string{"PD-1": `{"codigo_cliente":"` + hash("529.982.247-25") + `"}`, "PD-2": `{"codigo_cliente":"` + hash("CLI-77") + `"}`} {
		var attrs string
		if err := e.st.DB().QueryRow(`SELECT attrs FROM orders WHERE tenant_id = 'default' AND order_id = ?`, id).Scan(&attrs); err != nil || attrs != want {
			t.Errorf("%s attrs %q (%v), want %q", id, attrs, err, want)
		}
	}
}

// Reject files follow the rules of uploads: one user's at most uploadsPerUser (apart from
// their uploads), gone after uploadTTL with their file, and a reject directory left by a
// crash is swept.
func TestRejectFilesExpireAndAreCapped(t *testing.T) {
	dir := t.TempDir()
	clock := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	u, err := newUploads(dir, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	p, err := u.receive("t", "ana", "a.csv", strings.NewReader("x\n1\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	u.put(&upload{ID: "up", Tenant: "t", UserID: "ana", Path: p, At: clock})
	var ids []string
	for range 5 {
		clock = clock.Add(time.Minute)
		rd, err := u.rejectDir()
		if err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(rd, "a.csv.rejects.csv")
		os.WriteFile(src, []byte("row,reason\n"), 0o600)
		r, err := u.keepRejects("t", "ana", "a.csv.rejects.csv", src, 1)
		if err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(rd)
		ids = append(ids, r.ID)
	}
	for i, id := range ids {
		if _, ok := u.rejects(id, "t", "ana"); ok != (i >= 2) {
			t.Errorf("reject file %d kept = %v", i+1, ok)
		}
		if _, ok := u.rejects(id, "t", "bo"); ok {
			t.Errorf("bo reaches ana's reject file")
		}
		if _, ok := u.peek(id, "t", "ana"); ok {
			t.Errorf("a reject file is offered as an upload")
		}
	}
	if _, ok := u.peek("up", "t", "ana"); !ok {
		t.Error("ana's upload was dropped by her reject files")
	}
	if got := len(dirFiles(t, dir)); got != 1+3 {
		t.Errorf("%d files, want 4: %v", got, dirFiles(t, dir))
	}
	// a crashed commit's reject directory, two hours old
	stale := filepath.Join(dir, uploadPrefix+"rejects-crashed")
	os.Mkdir(stale, 0o700)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	clock = clock.Add(uploadTTL + time.Second)
	u.mu.Lock()
	u.swept = time.Time{}
	u.mu.Unlock()
	if _, ok := u.rejects(ids[4], "t", "ana"); ok {
		t.Error("a reject file outlived uploadTTL")
	}
	if got := dirFiles(t, dir); len(got) != 0 {
		t.Errorf("left after the TTL: %v", got)
	}
}

// The API keeps a column as a pseudonym on request (as `pulso import --pseudonymise`), and
// refuses a contract column as one, saying why: on both engines.
func TestImportAPIPseudonymise(t *testing.T) {
	engines(t, func(t *testing.T, e *testEnv) {
		file := "order_id,platform,country,store,created_at,currency,gross_amount,correo_comprador,codigo_cliente\n" +
			"PS-1,amazon,MX,amz-mx-ps,2026-01-05 10:00:00,MXN,10,ana@example.com,529.982.247-25\n" +
			"PS-2,amazon,MX,amz-mx-ps,2026-01-05 11:00:00,MXN,20,,CLI-77\n"
		rec := e.request(t, "", http.MethodPost, "/api/v1/imports?kind=orders&pseudonymise=Codigo_Cliente", strings.NewReader(file), bearer(e, "analyst", "text/csv"))
		var out struct {
			Report struct {
				Dropped       []droppedColumn `json:"dropped"`
				Pseudonymised []string        `json:"pseudonymised"`
			} `json:"report"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != http.StatusOK || err != nil {
			t.Fatalf("import: %d %s", rec.Code, rec.Body.String())
		}
		if fmt.Sprint(out.Report.Dropped, out.Report.Pseudonymised) != "[{correo_comprador 1}] [codigo_cliente]" {
			t.Errorf("dropped %v, pseudonymised %v", out.Report.Dropped, out.Report.Pseudonymised)
		}
		secret, err := e.st.TenantSecret(t.Context(), "default")
		if err != nil {
			t.Fatal(err)
		}
		hash := func(v string) string {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(v))
			return hex.EncodeToString(m.Sum(nil)[:16])
		}
		for id, want := range map[string]string{"PS-1": hash("529.982.247-25"), "PS-2": hash("CLI-77")} {
			var raw string
			if err := e.st.DB().QueryRowContext(t.Context(), `SELECT CAST(attrs AS VARCHAR) FROM orders WHERE tenant_id = 'default' AND order_id = $1`, id).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			var attrs map[string]string
			if err := json.Unmarshal([]byte(raw), &attrs); err != nil || len(attrs) != 1 || attrs["codigo_cliente"] != want {
				t.Errorf("%s attrs %s, want codigo_cliente %s", id, raw, want)
			}
		}
		rec = e.request(t, "", http.MethodPost, "/api/v1/imports?kind=orders&pseudonymise=order_id", strings.NewReader(file), bearer(e, "analyst", "text/csv"))
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"code": "file_refused"`) ||
			!strings.Contains(rec.Body.String(), "order_id is a column of the data contract and cannot be pseudonymised") {
			t.Errorf("a contract column as a pseudonym: %d %s", rec.Code, rec.Body.String())
		}
	})
}

// NDJSON may name a new key on a later line: the check reads on with the grown header, as
// ingest does, instead of reporting the line as having too many fields.
func TestImportNDJSONGrowingHeader(t *testing.T) {
	e := sharedEnv(t)
	file := `{"date":"2026-01-08","platform":"amazon","store":"nd-1","country":"MX","visits":3}` + "\n" +
		`{"date":"2026-01-08","platform":"amazon","store":"nd-2","country":"MX","visits":4,"note":"x"}` + "\n"
	rec := e.request(t, "", http.MethodPost, "/api/v1/imports?kind=traffic", strings.NewReader(file),
		map[string]string{"Authorization": "Bearer " + e.tokens["analyst"], "Content-Type": "application/x-ndjson"})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"inserted": 2`) {
		t.Errorf("NDJSON with a new key on line 2: %d %s", rec.Code, rec.Body.String())
	}
}
