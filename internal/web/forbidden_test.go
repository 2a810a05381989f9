package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestForbiddenPageNamesWhatIsRefused: a refused page says "No access" and names what the
// user may not see — the page, the KPI, the country, exports — in the user's language, never
// "Something went wrong".
func TestForbiddenPageNamesWhatIsRefused(t *testing.T) {
	e := sharedEnv(t)
	for _, c := range []struct {
		login, path, lang, title, message string
	}{
		{"mx-viewer", "/import", "en", "No access", "You do not have access to Import."},
		{"mx-viewer", "/import", "es", "Sin acceso", "No tienes acceso a Importar."},
		{"mx-viewer", "/import", "pt-BR", "Sem acesso", "Você não tem acesso a Importar."},
		{"mx-viewer", "/import", "zh-CN", "无权访问", "您没有导入的权限。"},
		{"mx-viewer", "/kpi/gmv?country=BR", "en", "No access", "You do not have access to the data of Brazil."},
		{"mx-viewer", "/kpi/gmv?country=BR", "es", "Sin acceso", "No tienes acceso a los datos de Brasil."},
		{"mx-viewer", "/kpi/gmv?country=BR", "zh-CN", "无权访问", "您无权访问巴西的数据。"},
		{"mx-service", "/kpi/gmv", "en", "No access", "You do not have access to the KPI “GMV”: its module is not among yours."},
		{"mx-service", "/kpi/gmv", "zh-CN", "无权访问", "您无权访问指标“销售额”：它所在的模块不在您的权限范围内。"},
		{"viewer", "/kpi/gmv/records?country=MX&format=csv&from=2026-11-20&to=2026-11-21", "en", "No access", "You do not have access to record exports (CSV, XLSX)."},
		{"manager", "/settings/channels/edit", "pt-BR", "Sem acesso", "Você não tem acesso a Canais de alertas."},
	} {
		rec := e.request(t, c.login, http.MethodGet, c.path, nil, map[string]string{"Accept-Language": c.lang})
		body := rec.Body.String()
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s %s: %d, want 403", c.login, c.path, rec.Code)
			continue
		}
		h1 := regexp.MustCompile(`<h1>(.*?)</h1>`).FindStringSubmatch(body)
		if h1 == nil || h1[1] != c.title || !strings.Contains(body, c.message) {
			t.Errorf("%s %s in %s: title %q, want %q; message %q missing\n%s", c.login, c.path, c.lang, h1, c.title, c.message, excerpt(body, "<main"))
		}
		for _, generic := range []string{"Something went wrong", "Algo salió mal", "Algo deu errado", "出错了"} {
			if strings.Contains(body, generic) {
				t.Errorf("%s %s in %s still says %q", c.login, c.path, c.lang, generic)
			}
		}
	}
}

// TestFavicon: the layout links an SVG icon, served with its type; /favicon.ico answers too.
func TestFavicon(t *testing.T) {
	e := sharedEnv(t)
	page := e.get(t, "", "/login").Body.String()
	href := regexp.MustCompile(`<link rel="icon" href="(/static/favicon\.[0-9a-f]+\.svg)" type="image/svg\+xml">`).FindStringSubmatch(page)
	if href == nil {
		t.Fatalf("the login page links no SVG icon:\n%s", excerpt(page, "<head"))
	}
	for _, p := range []string{href[1], "/favicon.ico"} {
		rec := e.get(t, "", p)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(rec.Body.String(), "<svg") {
			t.Errorf("GET %s: %d %q %.20q", p, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
}
