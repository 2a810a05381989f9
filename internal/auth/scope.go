package auth

import (
	"slices"
	"strings"

	"pulso/internal/metric"
	"pulso/internal/record"
)

// Scopes narrow what a user sees: countries (ISO codes such as MX), platforms (mercadolibre,
// amazon...) and board modules (metric.Modules). An empty list allows all.
type Scopes struct {
	Countries []string `json:"countries,omitempty"`
	Platforms []string `json:"platforms,omitempty"`
	Modules   []string `json:"modules,omitempty"`
}

// restricted is a record dimension that scopes may restrict, with its allowed values.
type restricted struct {
	name string
	vals []string
}

func (s Scopes) dims() []restricted {
	return []restricted{{"country", s.Countries}, {"platform", s.Platforms}}
}

// Unrestricted tells whether the scopes allow everything.
func (s Scopes) Unrestricted() bool {
	return len(s.Countries) == 0 && len(s.Platforms) == 0 && len(s.Modules) == 0
}

// Filters are the metric query filters that keep a user to their scopes (metric.Query.Filters):
// country and platform, each only when restricted. The map is the caller's to change.
func (s Scopes) Filters() map[string][]string {
	f := map[string][]string{}
	for _, d := range s.dims() {
		if len(d.vals) > 0 {
			f[d.name] = slices.Clone(d.vals)
		}
	}
	return f
}

// Narrow intersects filters a user asked for with their scopes: a restricted dimension keeps
// only allowed values, and is added when not asked for. An empty list in the result (asked for
// BR, allowed MX) matches nothing, which is what metric queries do with it.
func (s Scopes) Narrow(requested map[string][]string) map[string][]string {
	out := make(map[string][]string, len(requested)+2)
	for k, v := range requested {
		out[k] = slices.Clone(v)
	}
	for _, d := range s.dims() {
		if len(d.vals) == 0 {
			continue
		}
		asked, ok := out[d.name]
		if !ok {
			out[d.name] = slices.Clone(d.vals)
			continue
		}
		kept := []string{} // not nil: an empty filter must stay present
		for _, v := range asked {
			if slices.Contains(d.vals, v) {
				kept = append(kept, v)
			}
		}
		out[d.name] = kept
	}
	return out
}

// AllowsKPI tells whether a KPI of the board module may be shown.
func (s Scopes) AllowsKPI(module string) bool {
	return len(s.Modules) == 0 || slices.Contains(s.Modules, module)
}

// AllowsScope tells whether a row scoped by dimension values (an alert, a target, a record)
// may be shown. A restricted dimension must be present and allowed: a Mexico-only user sees
// neither a BR alert nor one for all countries together, which includes Brazil's data.
func (s Scopes) AllowsScope(scope map[string]string) bool {
	for _, d := range s.dims() {
		if len(d.vals) == 0 {
			continue
		}
		v, ok := scope[d.name]
		if !ok || !slices.Contains(d.vals, v) {
			return false
		}
	}
	return true
}

// normalize checks scopes and returns them canonical: countries upper-case, platforms
// lower-case, each list sorted without repeats.
func (s Scopes) normalize() (Scopes, error) {
	var out Scopes
	for _, c := range s.Countries {
		code, err := record.ParseCountry(strings.TrimSpace(c))
		if err != nil {
			return out, invalid("scopes.countries", "%q: %v", c, err)
		}
		out.Countries = append(out.Countries, code)
	}
	for _, p := range s.Platforms {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" || len(p) > 40 || strings.TrimFunc(p, func(r rune) bool {
			return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-'
		}) != "" {
			return out, invalid("scopes.platforms", "%q is not a platform name (e.g. mercadolibre, amazon, shopee)", p)
		}
		out.Platforms = append(out.Platforms, p)
	}
	for _, m := range s.Modules {
		m = strings.TrimSpace(m)
		if !slices.Contains(metric.Modules, m) {
			return out, invalid("scopes.modules", "unknown module %q (use %s)", m, strings.Join(metric.Modules, ", "))
		}
		out.Modules = append(out.Modules, m)
	}
	for _, l := range []*[]string{&out.Countries, &out.Platforms, &out.Modules} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	return out, nil
}

// Covers tells whether every scope o allows is also allowed by s: on each of countries,
// platforms and modules, s is unrestricted or o is restricted to a subset of s. An
// administrator may create, change and hand tokens only to users their own scopes cover, so
// that a Mexico-only administrator cannot make an account that sees Brazil. o is compared in
// its canonical form; scopes that do not check are not covered.
func (s Scopes) Covers(o Scopes) bool {
	o, err := o.normalize()
	if err != nil {
		return false
	}
	sub := func(have, want []string) bool {
		if len(have) == 0 {
			return true
		}
		if len(want) == 0 {
			return false
		}
		for _, w := range want {
			if !slices.Contains(have, w) {
				return false
			}
		}
		return true
	}
	return sub(s.Countries, o.Countries) && sub(s.Platforms, o.Platforms) && sub(s.Modules, o.Modules)
}

// MayManage tells whether u may change the account t: u manages users and u's scopes cover
// t's.
func (u User) MayManage(t User) bool {
	return u.Can(ManageUsers) && u.Tenant == t.Tenant && u.Scopes.Covers(t.Scopes)
}

// Normalize checks scopes and returns them canonical (countries upper-case, platforms
// lower-case, lists sorted without repeats); a *FieldError names what does not check.
func (s Scopes) Normalize() (Scopes, error) { return s.normalize() }
