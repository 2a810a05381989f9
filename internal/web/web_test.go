package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"pulso/internal/alert"
	"pulso/internal/auth"
	"pulso/internal/i18n"
	"pulso/internal/ingest"
	"pulso/internal/record"
)

var missingKey = regexp.MustCompile(`\[[a-z_]+\.[A-Za-z0-9_.]+\]`)

func checkRendered(t *testing.T, what, body string) {
	t.Helper()
	if m := missingKey.FindString(body); m != "" {
		t.Errorf("%s: missing message %s", what, m)
	}
	for _, bad := range []string{"<no value>", "%!", "ZgotmplZ"} {
		if strings.Contains(body, bad) {
			i := strings.Index(body, bad)
			t.Errorf("%s: %q in output near %q", what, bad, body[max(0, i-80):min(len(body), i+80)])
		}
	}
}

// englishWords are words of the interface in English that a page in another language must not
// show: navigation, controls, statuses, periods, table heads and empty states.
var englishWords = regexp.MustCompile(`\b(Board|Alerts|Sources|Import|Targets|Settings|Sign (in|out)|Period|Show|Apply|Currency|` +
	`[Pp]rovisional|[Tt]arget|[Aa]lways|[Nn]ever|Something went wrong|No data|[Nn]othing|[Ww]eek|[Dd]ay|[Mm]onth|[Mm]ore|[Ll]ost|[Cc]losed|` +
	`Owner|[Ss]ince|Value|Country|Module|Status|[Rr]ed|[Yy]ellow|[Gg]reen|Export|Download|Platform|Store|Category|Total|` +
	`[Rr]ows?|[Ff]ile|[Uu]pload|[Ss]ave|[Dd]elete|[Cc]ancel|[Ss]ettled|[Cc]urrent|[Ff]iring|[Rr]esolved|[Pp]ending|[Aa]cknowledged|` +
	`[Ss]ilence[ds]?|[Uu]nassigned|[Nn]ot assigned|[Ww]orst|[Bb]reakdown|[Ss]hare|[Cc]ontribution|[Cc]arrier|[Ww]arehouse|` +
	`[Ll]ast|[Nn]ext|[Pp]revious|[Ee]arlier|[Hh]ours?|[Dd]ays)\b`)

var (
	// Not interface either: <code class="ident"> is a name of the data contract or of a KPI
	// definition (shipping_cost, a measure) beside its translated label, what a file must be
	// written with; <code class="as-read"> is a value or header as the user's file writes it.
	tagOrScript = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<code class="(ident|as-read)">[^<]*</code>|<[^>]*>`)
	// inChart: a chart's data (JSON for ECharts) is in attributes, gone with the tags
	entity = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#39;", "'", "&quot;", `"`, "&nbsp;", " ")
)

// sameWord are English words that are also the right word in a language.
var sameWord = map[string]map[string]bool{
	"es":    {"provisional": true, "Total": true},
	"pt-BR": {"Status": true, "Total": true},
}

// identifier is a rule, contact or channel id the user wrote (red-3-days): data, not interface.
var identifier = regexp.MustCompile(`\b[a-z0-9]+(-[a-z0-9]+)+\b`)

// untranslated lists the English interface words in a page's visible text in lang.
func untranslated(lang, html string) []string {
	text := entity.Replace(tagOrScript.ReplaceAllString(html, " "))
	text = identifier.ReplaceAllString(text, " ")
	seen := map[string]bool{}
	var out []string
	for _, m := range englishWords.FindAllStringIndex(text, -1) {
		w := text[m[0]:m[1]]
		if !seen[w] && !sameWord[lang][w] {
			seen[w] = true
			out = append(out, fmt.Sprintf("%q near %q", w, strings.Join(strings.Fields(text[max(0, m[0]-40):min(len(text), m[1]+40)]), " ")))
		}
	}
	return out
}

// badOrdersCSV has a bad status, a bad date and a carrier under its Spanish name.
const badOrdersCSV = "order_id,platform,country,store,created_at,status,cancel_by,fulfillment,warehouse,Transportadora,category,shipping_cost,currency\n" +
	"T-1,mercadolibre,MX,ml-mx-1,2026-11-24 10:00,delivered,,full,MX-CDMX,Estafeta,home,3.50,MXN\n" +
	"T-2,mercadolibre,MX,ml-mx-1,2026-11-24 11:00,lost,seller,drop_off,MX-CDMX,DHL,home,2.00,MXN\n" +
	"T-3,amazon,MX,amz-mx-1,11/25/2026,cancelled,buyer,own_warehouse,MX-GDL,Estafeta,toys,1.00,MXN\n"

func TestPagesRenderInEveryLanguage(t *testing.T) {
	e := sharedEnv(t)
	alerts, err := e.st.Alerts(t.Context(), "default")
	if err != nil || len(alerts) == 0 {
		t.Fatalf("the fixture has no alert: %v", err)
	}
	pages := []string{
		"/", "/?period=week", "/?period=month&platform=mercadolibre", "/?period=day", "/?period=28d",
		"/?problems=1", "/?view=current&period=week",
		"/kpi/late_shipment_rate", "/kpi/late_shipment_rate?country=MX&by=carrier", "/kpi/gmv?grain=week",
		"/kpi/inventory_turnover?grain=90d", "/kpi/data_freshness_hours", "/kpi/parcel_loss_rate?country=MX&lines=by",
		"/kpi/late_shipment_rate/records?from=2026-11-20&to=2026-11-20&country=MX",
		"/kpi/seller_cancellation_rate/records?from=2026-11-01&to=2026-11-25&country=MX",
		"/kpi/return_rate/records?from=2026-11-01&to=2026-11-25&measure=returns",
		"/kpi/first_response_hours/records?from=2026-11-01&to=2026-11-25",
		"/alerts", "/alerts/" + alerts[0].ID, "/sources", "/import", "/targets", "/settings", "/kpi/no_such_kpi",
	}
	for _, lang := range []string{"zh-CN", "es", "pt-BR", "en"} {
		for _, p := range pages {
			req := map[string]string{"Cookie": langCookie + "=" + lang}
			rec := e.request(t, "admin", http.MethodGet, p, nil, req)
			if rec.Code != http.StatusOK && !(p == "/kpi/no_such_kpi" && rec.Code == http.StatusNotFound) {
				t.Errorf("%s %s: status %d: %.300s", lang, p, rec.Code, rec.Body.String())
				continue
			}
			if !strings.Contains(rec.Body.String(), `<html lang="`+lang+`">`) {
				t.Errorf("%s %s: not in %s", lang, p, lang)
			}
			checkRendered(t, lang+" "+p, rec.Body.String())
			if lang != "en" {
				if w := untranslated(lang, rec.Body.String()); len(w) > 0 {
					t.Errorf("%s %s: English left untranslated: %v", lang, p, w)
				}
			}
		}
		// the import report of a file with bad rows (a POST: the preview, the problems and the
		// mapping step a header in Spanish brings)
		body, ct := multipartBody(t, map[string]string{"kind": "orders"}, "orders.csv", badOrdersCSV)
		rec := e.request(t, "admin", http.MethodPost, "/import", body, map[string]string{"Content-Type": ct, "Cookie": langCookie + "=" + lang})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="import-preview"`) ||
			!strings.Contains(rec.Body.String(), `id="import-mapping"`) {
			t.Errorf("%s POST /import: status %d, no preview or mapping: %.300s", lang, rec.Code, rec.Body.String())
		}
		checkRendered(t, lang+" POST /import", rec.Body.String())
		if lang != "en" {
			if w := untranslated(lang, rec.Body.String()); len(w) > 0 {
				t.Errorf("%s POST /import: English left untranslated: %v", lang, w)
			}
		}
		rec = e.request(t, "", http.MethodGet, "/login", nil, map[string]string{"Accept-Language": lang})
		checkRendered(t, lang+" /login", rec.Body.String())
		if !strings.Contains(rec.Body.String(), `<html lang="`+lang+`">`) {
			t.Errorf("login: Accept-Language %s not followed", lang)
		}
	}
}

// The views that only a form submission reaches render in every language too: the import
// report and result, form errors and notices.
func TestFormViewsRenderInEveryLanguage(t *testing.T) {
	e := sharedEnv(t)
	admin, _ := findUser(t.Context(), e.auth, "admin")
	for _, lang := range []string{"zh-CN", "es", "pt-BR", "en"} {
		c := &reqctx{user: &admin, lang: lang, loc: e.srv.cfg.Bundle.For(lang), csrf: "x"}
		r := httptest.NewRequest(http.MethodGet, "/import", nil)
		views := map[string]any{
			"import": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(), Chosen: "traffic", Skip: "u", Mapped: "u",
				Report: &checkReport{Kind: "traffic", File: "t.csv", Rows: 3, BadRows: 1, Truncated: true, Columns: []string{"date", "visits"},
					Header: []string{"Fecha", "visits", "email"}, Fields: []string{"date", "visits"}, Suggested: map[string]string{"fecha": "date"},
					Dropped: []droppedColumn{{Column: "email", Values: 2}}, Pseudonymised: []string{"code"},
					Preview: []previewRow{{Row: 2, Cells: []previewCell{{Value: "2026-11-24"}, {Value: "1"}}},
						{Row: 5, Gap: true, Bad: true, Cells: []previewCell{{Value: "2026-11-24"}, {Value: "abc", Bad: true, Problem: rowProblem{Code: "decimal"}}},
							Other: []rowProblem{{Code: "field_count", Args: map[string]string{"Fields": "3", "Header": "2"}}}}},
					Problems: []rowProblem{{Row: 5, Column: "visits", Value: "abc", Reason: "not a number", Code: "decimal"},
						{Row: 4, Column: "country", Value: "BR", Key: "import.out_of_scope"}}}},
			"import ": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(), Result: &ingest.Result{Kind: "traffic"}, Flash: "ok",
				Rejects: &upload{ID: "r", Rows: 2}},
			"import  ": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(),
				Report: &checkReport{Kind: "traffic", File: "t.xls", FileError: "unsupported", FileProblem: rowProblem{Key: "import.bad_format"}}, Error: "x"},
			"import   ": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(), Mapped: "u",
				Report: &checkReport{Kind: "traffic", File: "t.csv", FileError: "header", HeaderProblem: true, Header: []string{"a"}, Fields: []string{"date"},
					FileProblem: rowProblem{Code: "header_missing", Args: map[string]string{"Columns": "date", "Kind": "traffic"}}}},
			"import    ": &importView{page: e.srv.newPage(r, c, "import.title"), Kinds: kindNames(),
				Report: &checkReport{Kind: "traffic", File: "t.csv", Rows: 2, BadRows: 2, ScopeRows: 1, Columns: []string{"date"}}},
			"targets": &targetsView{page: e.srv.newPage(r, c, "targets.title"), Error: "e", Flash: "f", Dims: []string{"country"},
				Form: targetForm{Scope: map[string]string{}}, Lines: []targetLine{{KPI: "gmv", Unit: "money", Scope: map[string]string{"country": "MX"}, Event: "buen_fin", Source: "user"}}},
			"settings": &settingsView{page: e.srv.newPage(r, c, "settings.title"), Error: "e", Flash: "f", Channels: []channelLine{{Name: "ops", Type: "dingtalk",
				Details: []channelDetail{{Label: "channel.field.url", Value: "••••abcd"}}, Contacts: []string{"ops"}}}, EditChannels: true, KeyProblem: "k",
				Rules: []ruleLine{{ID: "r", Type: "consecutive", KPIs: "*"}}, Users: []auth.User{{Login: "a", Role: auth.Viewer, Disabled: true, Scopes: auth.Scopes{Countries: []string{"MX"}, Modules: []string{"sales"}}}}},
			"alerts": &alertsView{page: e.srv.newPage(r, c, "alerts.title"), Flash: "f", Hours: []int{4}, Groups: []alertGroup{{State: "firing",
				Alerts: []alertItem{{Alert: alert.Alert{ID: "a", KPI: "csat", State: "firing", Scope: map[string]string{"country": "CO"}, AckBy: "x", Silenced: true}, Name: "CSAT", Unit: "percent"}}}}},
			"login":    &loginView{page: e.srv.newPage(r, c, "login.title"), Error: "e"},
			"error":    &errorView{page: e.srv.newPage(r, c, "error.title"), Code: 500, Message: "m"},
			"error ":   &errorView{page: e.srv.newPage(r, c, "error.title_forbidden"), Code: 403, Message: "m", Hint: "h"},
			"channel":  channelTestView(e.srv.newPage(r, c, "channel.title_edit"), true),
			"channel ": channelTestView(e.srv.newPage(r, c, "channel.title_new"), false),
			"login ":   &loginView{page: e.srv.newPage(r, c, "login.title"), AskTenant: true, Tenant: "acme"},
		}
		for name, v := range views {
			rec := httptest.NewRecorder()
			e.srv.render(rec, r, http.StatusOK, strings.TrimSpace(name), v)
			if rec.Code != http.StatusOK {
				t.Errorf("%s %s: %d %s", lang, name, rec.Code, rec.Body.String())
			}
			checkRendered(t, lang+" "+name, rec.Body.String())
		}
	}
}

// Every column of every record kind and every value of an enum column has a name in every
// language — read from the record catalogue, so a column or value the contract gains without
// its messages fails here — and no message names a column or value the contract does not have.
func TestRecordColumnsHaveNames(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	values := map[string][]string{} // enum column → its values (one key per column name)
	for _, k := range record.NewCatalog().All() {
		for _, c := range k.Columns {
			want["column."+c.Name] = true
			if c.Type != record.Enum {
				continue
			}
			if vs, ok := values[c.Name]; ok && !slices.Equal(vs, c.Values) {
				t.Errorf("%s.%s allows %v, another kind's %s %v: their values cannot share messages", k.Name, c.Name, c.Values, c.Name, vs)
			}
			values[c.Name] = c.Values
			for _, v := range c.Values {
				want["enum."+c.Name+"."+v] = true
			}
		}
	}
	if len(want) < 100 {
		t.Fatalf("only %d columns and values in the catalogue", len(want))
	}
	for key := range want {
		for _, lang := range i18n.Languages {
			s, err := b.For(lang).T(key, nil)
			raw := key[strings.LastIndex(key, ".")+1:]
			if err != nil || s == "" || s == raw {
				t.Errorf("%s: no name for %s (%q, %v)", lang, key, s, err)
			}
		}
	}
	for _, key := range b.Keys() {
		if (strings.HasPrefix(key, "column.") || strings.HasPrefix(key, "enum.")) && !want[key] {
			t.Errorf("message %s names nothing in the record contract", key)
		}
	}
}

// The records page names columns and enum values in the reader's language, with the contract's
// name in the title; the export keeps the contract's names and the stored values.
func TestRecordsPageNamesColumns(t *testing.T) {
	e := sharedEnv(t)
	const path = "/kpi/seller_cancellation_rate/records?from=2026-11-01&to=2026-11-25&country=MX"
	page := e.request(t, "admin", http.MethodGet, path, nil, map[string]string{"Cookie": langCookie + "=zh-CN"}).Body.String()
	for _, s := range []string{`<th scope="col" title="shipping_cost">运费</th>`, `<th scope="col" title="carrier">物流商</th>`,
		`<th scope="col" title="cancel_by">取消方</th>`, `<td data-label="取消方" title="seller">卖家</td>`,
		`<td data-label="订单状态" title="cancelled">已取消</td>`, `分子 · <code class="ident">by_seller</code>`} {
		if !strings.Contains(page, s) {
			t.Errorf("zh-CN records page lacks %s", s)
		}
	}
	es := e.request(t, "admin", http.MethodGet, path, nil, map[string]string{"Cookie": langCookie + "=es"}).Body.String()
	if !strings.Contains(es, `<th scope="col" title="shipping_cost">Costo de envío</th>`) {
		t.Error("es records page: no Costo de envío")
	}
	// the export: the contract's columns of orders (personal ones left out), in contract order
	var cols []string
	k, _ := record.NewCatalog().Kind("orders")
	for _, c := range k.Columns {
		if !c.Pseudo {
			cols = append(cols, c.Name)
		}
	}
	rec := e.request(t, "admin", http.MethodGet, path+"&format=csv", nil, map[string]string{"Cookie": langCookie + "=zh-CN"})
	lines := strings.Split(strings.TrimPrefix(rec.Body.String(), "\ufeff"), "\n")
	if rec.Code != http.StatusOK || strings.TrimRight(lines[0], "\r") != strings.Join(cols, ",") {
		t.Fatalf("export header %q, want %q", lines[0], strings.Join(cols, ","))
	}
	if !strings.Contains(rec.Body.String(), ",seller,cancelled,") || strings.Contains(rec.Body.String(), "已取消") {
		t.Error("the export does not keep the stored values")
	}
}
