package target

import (
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed reputation.yaml
var reputationYAML []byte

// Reputation is one platform's account-health lines per site.
type Reputation struct {
	Platform string                          `yaml:"platform"`
	Window   string                          `yaml:"window"`
	Metrics  []RepMetric                     `yaml:"metrics"`
	Levels   []string                        `yaml:"levels"`
	Sites    map[string]map[string][]float64 `yaml:"sites"`
}

// RepMetric maps a platform metric to the Pulso KPI that computes it.
type RepMetric struct {
	Metric string `yaml:"metric"`
	KPI    string `yaml:"kpi"`
	Window string `yaml:"window,omitempty"` // overrides the platform's window
}

// Reputations returns the shipped reputation lines.
func Reputations() ([]Reputation, error) {
	var rs []Reputation
	dec := yaml.NewDecoder(bytes.NewReader(reputationYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&rs); err != nil {
		return nil, fmt.Errorf("reputation lines: %w", err)
	}
	for _, r := range rs {
		for site, ms := range r.Sites {
			for _, m := range r.Metrics {
				if len(ms[m.Metric]) != len(r.Levels) {
					return nil, fmt.Errorf("reputation lines: %s %s %s: want %d bounds", r.Platform, site, m.Metric, len(r.Levels))
				}
			}
		}
	}
	return rs, nil
}

// WindowOf is the window a metric is read over.
func (r Reputation) WindowOf(m RepMetric) string {
	if m.Window != "" {
		return m.Window
	}
	return r.Window
}

// Standing is where a value stands among a site's levels.
type Standing struct {
	Level string   // the best level whose bound the value meets; "red" beyond the last
	Next  string   // the next better level ("" at the top)
	Gap   *float64 // how much the value must fall to reach Next
}

// Stand places a rate among the levels (bounds are upper bounds, best first).
func Stand(levels []string, bounds []float64, v float64) Standing {
	for i, b := range bounds {
		if v <= b+1e-12 {
			s := Standing{Level: levels[i]}
			if i > 0 {
				s.Next = levels[i-1]
				g := v - bounds[i-1]
				s.Gap = &g
			}
			return s
		}
	}
	last := len(bounds) - 1
	g := v - bounds[last]
	return Standing{Level: "red", Next: levels[last], Gap: &g}
}

// Template turns the reputation lines into targets scoped to platform and country: the
// target is the bound of the second level (green for Mercado Libre, the only one for Amazon
// and Shopee), the yellow margin reaches to the next worse bound.
func Template(rs []Reputation, from time.Time) []Target {
	var out []Target
	for _, r := range rs {
		sites := make([]string, 0, len(r.Sites))
		for s := range r.Sites {
			sites = append(sites, s)
		}
		sort.Strings(sites)
		for _, site := range sites {
			for _, m := range r.Metrics {
				b := r.Sites[site][m.Metric]
				i := min(1, len(b)-1)
				v := b[i]
				yellow := 0.0
				if i+1 < len(b) {
					yellow = b[i+1] - v
				}
				out = append(out, Target{KPI: m.KPI, Scope: Scope{"platform": r.Platform, "country": site}, Value: &v,
					Yellow: yellow, EffectiveFrom: from, Source: "platform:" + r.Platform,
					Note: fmt.Sprintf("%s %s over %s", r.Platform, m.Metric, r.WindowOf(m))})
			}
		}
	}
	return out
}
