package record

import "testing"

// Every kind has an example, it names only the kind's columns, fills every required one, and
// parses without an error.
func TestExamplesParse(t *testing.T) {
	for _, k := range NewCatalog().All() {
		ex, ok := examples[k.Name]
		if !ok {
			t.Errorf("%s has no example", k.Name)
			continue
		}
		for col := range ex {
			if k.Col(col) < 0 {
				t.Errorf("the example of %s names %s, which it does not have", k.Name, col)
			}
		}
		row := k.Example()
		for i, c := range k.Columns {
			if c.Required && row[i] == "" {
				t.Errorf("the example of %s leaves the required column %s empty", k.Name, c.Name)
			}
		}
		p, err := NewParser(k, k.Header(), NewZones(), []byte("k"))
		if err != nil {
			t.Fatalf("%s: %v", k.Name, err)
		}
		if _, err := p.Parse(2, row); err != nil {
			t.Errorf("the example of %s: %v", k.Name, err)
		}
	}
}
