package web

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Every API route is described in api/openapi.yaml, and the file describes no other.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	src, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                               `yaml:"openapi"`
		Paths   map[string]map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	seen := map[string]bool{}
	for _, rt := range (&server{}).apiRoutes() {
		key := strings.ToLower(rt.method) + " " + rt.path
		seen[key] = true
		op, ok := doc.Paths[rt.path][strings.ToLower(rt.method)]
		if !ok {
			t.Errorf("%s %s is not in api/openapi.yaml", rt.method, rt.path)
			continue
		}
		if _, ok := op["responses"]; !ok {
			t.Errorf("%s: no responses", key)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !seen[m+" "+p] {
				t.Errorf("api/openapi.yaml describes %s %s, which is not served", m, p)
			}
		}
	}
}
