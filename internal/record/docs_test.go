package record

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestRecordsDocCoversEveryColumn reads docs/records.md, the contract users import against:
// every kind has a section whose heading names its key, and every column of the kind is named
// in that section. A column added in code without a line in the doc fails here.
func TestRecordsDocCoversEveryColumn(t *testing.T) {
	src, err := os.ReadFile("../../docs/records.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{} // kind → heading line + body
	heading := regexp.MustCompile(`(?m)^## ([a-z_]+) — key \(([^)]*)\)$`)
	locs := heading.FindAllStringSubmatchIndex(string(src), -1)
	for i, l := range locs {
		end := len(src)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		sections[string(src[l[2]:l[3]])] = string(src[l[0]:end])
	}
	word := func(body, w string) bool {
		return regexp.MustCompile(`(^|[^a-z_])` + regexp.QuoteMeta(w) + `([^a-z_]|$)`).MatchString(body)
	}
	for _, k := range NewCatalog().All() {
		body, ok := sections[k.Name]
		if !ok {
			t.Errorf("docs/records.md has no section \"## %s — key (…)\"", k.Name)
			continue
		}
		head, _, _ := strings.Cut(body, "\n")
		for _, key := range k.Key {
			if !word(head, key) {
				t.Errorf("docs/records.md: the heading of %s does not name its key column %s: %s", k.Name, key, head)
			}
		}
		for _, c := range k.Columns {
			if !word(body, c.Name) {
				t.Errorf("docs/records.md: the section of %s does not name its column %s", k.Name, c.Name)
			}
		}
	}
	if len(sections) != len(NewCatalog().All()) {
		t.Errorf("docs/records.md has %d kind sections, the catalogue %d kinds", len(sections), len(NewCatalog().All()))
	}
}
