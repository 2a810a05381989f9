package web

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"pulso/internal/metric"
)

// filters combines the user's scope with the filters a page asks for: a dimension both name
// keeps only the values both allow (none left: the query matches nothing).
func filters(u *User, asked map[string]string) map[string][]string {
	req := map[string][]string{}
	for dim, v := range asked {
		if v != "" {
			req[dim] = []string{v}
		}
	}
	return u.Scopes.Narrow(req)
}

// checkAsked refuses a filter value outside the user's scope: a direct URL to another
// country answers 403 rather than an empty page.
func checkAsked(u *User, asked map[string]string) error {
	for dim, allowed := range u.Scopes.Filters() {
		if v := asked[dim]; v != "" && !slices.Contains(allowed, v) {
			return errForbidden
		}
	}
	return nil
}

// visibleKPIs are the catalogue's KPIs in the user's modules.
func visibleKPIs(u *User, cat *metric.Catalog) []*metric.Definition {
	var out []*metric.Definition
	for _, d := range cat.All() {
		if u.Scopes.AllowsKPI(d.Module) {
			out = append(out, d)
		}
	}
	return out
}

// inScope tells whether a value computed with filters f for scope sc stays inside the user's
// scope: every restricted dimension is either in sc with an allowed value, or filtered to
// allowed values only.
func inScope(u *User, sc map[string]string, f map[string][]string) bool {
	for dim, allowed := range u.Scopes.Filters() {
		if v, ok := sc[dim]; ok {
			if !slices.Contains(allowed, v) {
				return false
			}
			continue
		}
		vals, ok := f[dim]
		if !ok {
			return false
		}
		for _, v := range vals {
			if !slices.Contains(allowed, v) {
				return false
			}
		}
	}
	return true
}

// keepRows drops any row outside the user's scope (the SQL filters already did; this is the
// second lock on the door).
func keepRows(u *User, rows []metric.Row, f map[string][]string) []metric.Row {
	out := rows[:0]
	for _, r := range rows {
		if inScope(u, r.Scope, f) {
			out = append(out, r)
		}
	}
	return out
}

func cloneFilters(f map[string][]string) map[string][]string {
	out := maps.Clone(f)
	for k, v := range out {
		out[k] = slices.Clone(v)
	}
	return out
}

// Dates a query may ask for: the years a seller's records can hold. Outside them, a date
// is refused as a bad parameter (year 0001 once reached the engines and answered 500).
var (
	firstDay = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	lastDay  = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
)

// parseDay reads a YYYY-MM-DD query or form parameter named param.
func parseDay(param, v string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, v)
	if err == nil && (t.Before(firstDay) || t.After(lastDay)) {
		err = fmt.Errorf("%s outside %s..%s", v, firstDay.Format(time.DateOnly), lastDay.Format(time.DateOnly))
	}
	if err != nil {
		return time.Time{}, badRequest("error.bad_param", map[string]any{"Source": param}, err)
	}
	return t, nil
}
