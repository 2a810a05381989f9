// Package metric turns KPI definitions (YAML data, never code) into SQL for either engine and
// assembles the results into KPI values per period and scope.
package metric

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"pulso/internal/metric/expr"
	"pulso/internal/record"
)

// Languages of KPI names, in the order they are listed.
var Languages = []string{"zh-CN", "es", "pt-BR", "en"}

// Units a KPI value can have. Percent values are fractions (0.04 is 4 %).
var Units = []string{"percent", "ratio", "hours", "days", "money", "count", "points"}

// Modules of the board, in display order.
var Modules = []string{"supply_chain", "warehouse_logistics", "customs", "sales", "service", "finance", "data"}

// Dimensions a KPI may be broken down by (when every kind it reads has the column).
var Dimensions = []string{"country", "platform", "store", "category", "sku", "warehouse", "carrier", "fulfillment", "service", "channel", "reason", "campaign", "source", "kind"}

// Definition is one KPI as written in YAML.
type Definition struct {
	ID         string             `yaml:"id"`
	Names      map[string]string  `yaml:"names"`
	Module     string             `yaml:"module"`
	Unit       string             `yaml:"unit"`
	Direction  string             `yaml:"direction"` // up or down: which way is better
	Kind       string             `yaml:"kind"`      // default kind of the measures
	Anchor     string             `yaml:"anchor"`    // default anchor of the measures
	Settles    int                `yaml:"settles"`   // days after which a period's value stops changing
	Grain      string             `yaml:"grain,omitempty"`
	Breakdowns []string           `yaml:"breakdowns"`
	Measures   map[string]Measure `yaml:"measures"`
	Value      Value              `yaml:"value"`
	Target     *Target            `yaml:"target,omitempty"`
	Describe   string             `yaml:"description,omitempty"`

	measures []*measure // checked, in name order
	value    *formula
}

// Measure is one aggregate over the records of a kind. Exactly one of the aggregate fields is set.
type Measure struct {
	Kind   string `yaml:"kind,omitempty"`
	Anchor string `yaml:"anchor,omitempty"`
	Where  string `yaml:"where,omitempty"`

	Count         *string  `yaml:"count,omitempty"` // a filter ("true" for every row)
	Sum           string   `yaml:"sum,omitempty"`
	Avg           string   `yaml:"avg,omitempty"`
	Quantile      string   `yaml:"quantile,omitempty"`
	P             *float64 `yaml:"p,omitempty"`
	CountDistinct string   `yaml:"count_distinct,omitempty"`
	FirstPer      string   `yaml:"first_per,omitempty"` // count keys whose first record ever is in the period
	Freshness     bool     `yaml:"freshness,omitempty"` // hours since the newest import, per kind and source
}

// Value combines measures into the KPI's value.
type Value struct {
	Ratio   []string `yaml:"ratio,omitempty"`   // [numerator, denominator]
	Formula string   `yaml:"formula,omitempty"` // arithmetic over measure names and period_days
	Measure string   `yaml:"measure,omitempty"` // one measure as is
}

// Target is the default target of the template: value, yellow margin, country overrides.
type Target struct {
	Value     *float64           `yaml:"value"`
	Yellow    float64            `yaml:"yellow"`
	Countries map[string]float64 `yaml:"countries,omitempty"`
}

// Name returns the KPI's name in lang, falling back to English, then the id.
func (d *Definition) Name(lang string) string {
	if n := d.Names[lang]; n != "" {
		return n
	}
	if n := d.Names["en"]; n != "" {
		return n
	}
	return d.ID
}

// Better tells whether a is better than b for this KPI.
func (d *Definition) Better(a, b float64) bool {
	if d.Direction == "down" {
		return a < b
	}
	return a > b
}

// IsRatio tells whether the value is a ratio whose parts are reported.
func (d *Definition) IsRatio() bool { return len(d.Value.Ratio) == 2 }

// AllowedBreakdowns are the declared breakdowns (each present in every kind the KPI reads).
func (d *Definition) AllowedBreakdowns() []string { return slices.Clone(d.Breakdowns) }

// Kinds returns the record kinds the KPI reads.
func (d *Definition) Kinds() []string {
	var out []string
	for _, m := range d.measures {
		if m.kind != nil && !slices.Contains(out, m.kind.Name) { // freshness reads no kind
			out = append(out, m.kind.Name)
		}
	}
	return out
}

// DefError is a definition problem; it names the KPI and the field.
type DefError struct {
	KPI, Field, Reason string
}

func (e *DefError) Error() string {
	id := e.KPI
	if id == "" {
		id = "(no id)"
	}
	return fmt.Sprintf("kpi %s: %s: %s", id, e.Field, e.Reason)
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// ParseDefinitions decodes a YAML list of KPI definitions and checks each against the contract.
func ParseDefinitions(src []byte, kinds *record.Catalog) ([]*Definition, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	var defs []*Definition
	if err := dec.Decode(&defs); err != nil {
		return nil, fmt.Errorf("kpi definitions: %w", err)
	}
	// A second YAML document would otherwise be dropped without a word.
	for {
		var more yaml.Node
		if err := dec.Decode(&more); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("kpi definitions: %w", err)
		}
		if len(more.Content) > 0 && more.Content[0].Tag != "!!null" {
			return nil, fmt.Errorf("kpi definitions: line %d: a second YAML document (write every KPI in one list)", more.Content[0].Line)
		}
	}
	seen := map[string]bool{}
	for i, d := range defs {
		if d == nil {
			return nil, fmt.Errorf("kpi definitions: entry %d is empty", i+1)
		}
		if seen[d.ID] {
			return nil, &DefError{KPI: d.ID, Field: "id", Reason: "defined twice"}
		}
		seen[d.ID] = true
		if err := d.Validate(kinds); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// Validate checks the definition and prepares it for compilation.
func (d *Definition) Validate(kinds *record.Catalog) error {
	bad := func(field, format string, args ...any) error {
		return &DefError{KPI: d.ID, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if !idPattern.MatchString(d.ID) {
		return bad("id", "must be lower-case letters, digits and _ (starting with a letter), got %q", d.ID)
	}
	for _, l := range Languages {
		if strings.TrimSpace(d.Names[l]) == "" {
			return bad("names."+l, "missing")
		}
	}
	for l := range d.Names {
		if !slices.Contains(Languages, l) {
			return bad("names."+l, "unknown language (use %s)", strings.Join(Languages, ", "))
		}
	}
	if !slices.Contains(Modules, d.Module) {
		return bad("module", "unknown module %q (use %s)", d.Module, strings.Join(Modules, ", "))
	}
	if !slices.Contains(Units, d.Unit) {
		return bad("unit", "unknown unit %q (use %s)", d.Unit, strings.Join(Units, ", "))
	}
	if d.Direction != "up" && d.Direction != "down" {
		return bad("direction", "must be up or down, got %q", d.Direction)
	}
	if d.Settles < 0 || d.Settles > 365 {
		return bad("settles", "must be 0-365 days")
	}
	if d.Grain != "" {
		if _, err := ParseGrain(d.Grain); err != nil {
			return bad("grain", "%v", err)
		}
	}
	if len(d.Measures) == 0 {
		return bad("measures", "at least one measure is needed")
	}
	names := make([]string, 0, len(d.Measures))
	for n := range d.Measures {
		names = append(names, n)
	}
	sort.Strings(names)
	d.measures = nil
	for _, n := range names {
		if !idPattern.MatchString(n) || n == "period_days" {
			return bad("measures."+n, "measure names are lower-case identifiers (and not period_days)")
		}
		m, err := d.checkMeasure(n, d.Measures[n], kinds)
		if err != nil {
			return err
		}
		d.measures = append(d.measures, m)
	}
	if err := d.checkValue(names); err != nil {
		return err
	}
	for _, b := range d.Breakdowns {
		if !slices.Contains(Dimensions, b) {
			return bad("breakdowns", "unknown dimension %q (use %s)", b, strings.Join(Dimensions, ", "))
		}
		for _, m := range d.measures {
			if !m.hasDim(b) {
				return bad("breakdowns", "%q is not a column of %s (measure %s)", b, m.kind.Name, m.name)
			}
		}
	}
	if d.Target != nil {
		if d.Target.Value == nil {
			return bad("target.value", "missing")
		}
		if d.Target.Yellow < 0 {
			return bad("target.yellow", "must not be negative")
		}
		for c := range d.Target.Countries {
			if _, err := record.ParseCountry(c); err != nil || c != strings.ToUpper(c) {
				return bad("target.countries."+c, "not an ISO 3166-1 alpha-2 code")
			}
		}
	}
	return nil
}

func (d *Definition) checkValue(names []string) error {
	v := d.Value
	set := 0
	for _, on := range []bool{len(v.Ratio) > 0, v.Formula != "", v.Measure != ""} {
		if on {
			set++
		}
	}
	if set != 1 {
		return &DefError{KPI: d.ID, Field: "value", Reason: "set exactly one of ratio, formula, measure"}
	}
	src := v.Formula
	switch {
	case len(v.Ratio) > 0:
		if len(v.Ratio) != 2 {
			return &DefError{KPI: d.ID, Field: "value.ratio", Reason: "needs [numerator, denominator]"}
		}
		src = v.Ratio[0] + " / " + v.Ratio[1]
	case v.Measure != "":
		src = v.Measure
	}
	f, err := parseFormula(src, names)
	if err != nil {
		field := "value.formula"
		if len(v.Ratio) > 0 {
			field = "value.ratio"
		} else if v.Measure != "" {
			field = "value.measure"
		}
		return &DefError{KPI: d.ID, Field: field, Reason: err.Error()}
	}
	d.value = f
	return nil
}

// measure is a checked Measure.
type measure struct {
	name   string
	kind   *record.Kind
	anchor []string // stored DATE columns; the first not null places a record in a period
	agg    string   // count, sum, avg, quantile, count_distinct, first_per, freshness
	arg    *expr.Expr
	where  *expr.Expr
	p      float64
	money  bool
}

// additive measures are computed as daily parts that add up to any period.
func (m *measure) additive() bool { return m.agg == "count" || m.agg == "sum" || m.agg == "avg" }

func (m *measure) hasDim(dim string) bool {
	if m.agg == "freshness" {
		return dim == "kind" || dim == "source"
	}
	if dim == "source" {
		return true
	}
	return m.kind.Col(dim) >= 0
}

func (d *Definition) checkMeasure(name string, raw Measure, kinds *record.Catalog) (*measure, error) {
	field := "measures." + name
	bad := func(sub, format string, args ...any) error {
		f := field
		if sub != "" {
			f += "." + sub
		}
		return &DefError{KPI: d.ID, Field: f, Reason: fmt.Sprintf(format, args...)}
	}
	m := &measure{name: name}
	type agg struct {
		name string
		on   bool
		src  string
	}
	count := ""
	if raw.Count != nil {
		count = *raw.Count
	}
	aggs := []agg{{"count", raw.Count != nil, count}, {"sum", raw.Sum != "", raw.Sum}, {"avg", raw.Avg != "", raw.Avg},
		{"quantile", raw.Quantile != "", raw.Quantile}, {"count_distinct", raw.CountDistinct != "", raw.CountDistinct},
		{"first_per", raw.FirstPer != "", raw.FirstPer}, {"freshness", raw.Freshness, ""}}
	var src string
	for _, a := range aggs {
		if a.on {
			if m.agg != "" {
				return nil, bad("", "set exactly one aggregate (count, sum, avg, quantile, count_distinct, first_per, freshness)")
			}
			m.agg, src = a.name, a.src
		}
	}
	if m.agg == "" {
		return nil, bad("", "set exactly one aggregate (count, sum, avg, quantile, count_distinct, first_per, freshness)")
	}
	if m.agg == "freshness" {
		return m, nil
	}
	kindName := raw.Kind
	if kindName == "" {
		kindName = d.Kind
	}
	k, err := kinds.Kind(kindName)
	if err != nil {
		return nil, bad("kind", "%v", err)
	}
	m.kind = k
	anchor := raw.Anchor
	if anchor == "" {
		anchor = d.Anchor
	}
	m.anchor, err = anchorColumns(k, anchor)
	if err != nil {
		return nil, bad("anchor", "%v", err)
	}
	cols := expr.KindColumns(k)
	if raw.Where != "" {
		w, err := expr.Parse(raw.Where, cols)
		if err != nil {
			return nil, bad("where", "%v", err)
		}
		if w.Type() != expr.Bool {
			return nil, bad("where", "must be a condition, not %s", w.Type())
		}
		m.where = w
	}
	switch m.agg {
	case "count":
		if strings.TrimSpace(src) != "" && strings.TrimSpace(src) != "true" {
			w, err := expr.Parse(src, cols)
			if err != nil {
				return nil, bad("count", "%v", err)
			}
			if w.Type() != expr.Bool {
				return nil, bad("count", "must be a condition, not %s", w.Type())
			}
			m.arg = w
		}
	case "sum", "avg", "quantile":
		e, err := expr.Parse(src, cols)
		if err != nil {
			return nil, bad(m.agg, "%v", err)
		}
		if e.Type() != expr.Number {
			return nil, bad(m.agg, "must be a number, not %s", e.Type())
		}
		m.arg = e
		for _, col := range e.Columns() {
			if c, ok := k.Column(col); ok && c.Money {
				m.money = true
			}
		}
		if m.money && m.agg == "quantile" {
			return nil, bad(m.agg, "a quantile of an amount cannot be converted between currencies; use sum or avg")
		}
	case "count_distinct", "first_per":
		e, err := expr.Parse(src, cols)
		if err != nil {
			return nil, bad(m.agg, "%v", err)
		}
		m.arg = e
	}
	if m.agg == "quantile" {
		if raw.P == nil || *raw.P <= 0 || *raw.P >= 1 {
			return nil, bad("p", "a quantile needs p between 0 and 1 (exclusive)")
		}
		m.p = *raw.P
	} else if raw.P != nil {
		return nil, bad("p", "only a quantile takes p")
	}
	return m, nil
}

// errNoValue marks a value that does not exist (zero denominator, no records).
var errNoValue = errors.New("no value")

// anchorColumns reads an anchor: a timestamp or date column, or coalesce(ts, ts, ...) of
// timestamp columns (the first that is set places the record). It returns stored DATE columns.
func anchorColumns(k *record.Kind, src string) ([]string, error) {
	s := strings.TrimSpace(src)
	names := []string{s}
	if rest, ok := strings.CutPrefix(s, "coalesce("); ok {
		inner, ok := strings.CutSuffix(rest, ")")
		if !ok {
			return nil, fmt.Errorf("%q: missing )", src)
		}
		names = strings.Split(inner, ",")
	}
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		c, ok := k.Column(n)
		switch {
		case !ok:
			return nil, fmt.Errorf("%q is not a column of %s", n, k.Name)
		case c.Type == record.Timestamp:
			out = append(out, record.LocalDateColumn(n))
		case c.Type == record.Date && len(names) == 1:
			out = append(out, n)
		default:
			return nil, fmt.Errorf("%q is not a timestamp column", n)
		}
	}
	return out, nil
}
