package calendar

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestShipped(t *testing.T) {
	evs, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	c := newCal(t)
	for _, e := range evs {
		if e.Year < 2024 || e.Year > 2027 {
			t.Errorf("%v: outside the shipped years 2024–2027", keyOf(e))
		}
		// An estimated year is the rule's guess, so that events.yaml and the code agree on it.
		if e.Estimated {
			var guess dateFn
			for _, r := range c.rules[e.Country] {
				if r.id == e.ID {
					guess = r.dates
				}
			}
			if guess == nil {
				t.Errorf("%v: estimated, but no rule makes the guess", keyOf(e))
				continue
			}
			if from, to, _ := guess(e.Year); !from.Equal(e.From) || !to.Equal(e.To) {
				t.Errorf("%v: estimated %s..%s, the rule guesses %s..%s", keyOf(e), e.From.Format(time.DateOnly),
					e.To.Format(time.DateOnly), from.Format(time.DateOnly), to.Format(time.DateOnly))
			}
		}
	}
	// Every announced event has its four years.
	for _, k := range []string{"MX/hot_sale", "MX/buen_fin", "CL/cyberday", "CL/cybermonday", "AR/hot_sale", "AR/cybermonday"} {
		for y := 2024; y <= 2027; y++ {
			if !slices.ContainsFunc(evs, func(e Event) bool { return e.Country+"/"+e.ID == k && e.Year == y }) {
				t.Errorf("events.yaml lacks %s %d", k, y)
			}
		}
	}
}

func TestLoadEvents(t *testing.T) {
	evs, err := LoadEvents(strings.NewReader(`
events:
  - {country: MX, id: hot_sale, year: 2026, from: 2026-05-25, to: 2026-06-02, note: "AMVO, 2026-03-02"}
  - country: co
    id: dia_sin_iva
    year: 2026
    from: "2026-06-19"
    names: {es: Día sin IVA}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{Country: "MX", ID: "hot_sale", Year: 2026, From: day("2026-05-25"), To: day("2026-06-02")},
		{Country: "CO", ID: "dia_sin_iva", Year: 2026, From: day("2026-06-19"), To: day("2026-06-19"),
			Names: map[string]string{"es": "Día sin IVA"}},
	}
	if len(evs) != len(want) {
		t.Fatalf("got %d events, want %d", len(evs), len(want))
	}
	for i := range want {
		g, w := evs[i], want[i]
		if g.Country != w.Country || keyOf(g) != keyOf(w) || !g.From.Equal(w.From) || !g.To.Equal(w.To) || g.Kind != "" ||
			g.Estimated || len(g.Names) != len(w.Names) || g.Names["es"] != w.Names["es"] {
			t.Errorf("event %d = %+v, want %+v", i+1, g, w)
		}
	}
	for _, empty := range []string{"", "# nothing\n", "events:\n", "events: []\n"} {
		if evs, err := LoadEvents(strings.NewReader(empty)); err != nil || len(evs) != 0 {
			t.Errorf("LoadEvents(%q) = %v, %v; want nothing", empty, evs, err)
		}
	}
}

func TestLoadEventsErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // every line of the error
	}{
		{"to before from",
			"events:\n  - {country: MX, id: hot_sale, year: 2026, from: 2026-05-25, to: 2026-05-20}\n",
			[]string{"calendar: event 1 (line 2) MX/hot_sale/2026: to: 2026-05-20 is before from (2026-05-25)"}},
		{"not a date",
			"events:\n  - {country: MX, id: hot_sale, year: 2026, from: 2026-13-01}\n",
			[]string{`calendar: event 1 (line 2) MX/hot_sale/2026: from: "2026-13-01" is not a date YYYY-MM-DD`}},
		{"from in another year",
			"events:\n  - {country: CL, id: cyberday, year: 2026, from: 2025-06-02}\n",
			[]string{"calendar: event 1 (line 2) CL/cyberday/2026: from: 2025-06-02 is not in year 2026"}},
		{"every problem of every entry",
			`events:
  - {country: MX, id: ok_one, year: 2026, from: 2026-01-05, names: {en: OK}}
  - country: US
    id: Hot Sale
    year: twenty
    kind: sale
    colour: red
  - {country: MX, id: long, year: 2026, from: 2026-01-01, to: 2026-12-31, names: {fr: Soldes, es: ""}}
`,
			[]string{
				`calendar: event 2 (line 3) US/Hot Sale/?: year: "twenty" is not a year`,
				`calendar: event 2 (line 3) US/Hot Sale/?: colour: unknown field (want country, id, year, from, to, kind, estimated, names, note)`,
				`calendar: event 2 (line 3) US/Hot Sale/?: country: "US" is not one of AR, BR, CL, CO, MX, PE`,
				`calendar: event 2 (line 3) US/Hot Sale/?: id: "Hot Sale" must be lower case letters, digits and _ (like hot_sale)`,
				`calendar: event 2 (line 3) US/Hot Sale/?: from: missing`,
				`calendar: event 2 (line 3) US/Hot Sale/?: kind: "sale" is not one of holiday, optional, retail`,
				`calendar: event 3 (line 8) MX/long/2026: to: the event lasts 365 days; at most 60`,
				`calendar: event 3 (line 8) MX/long/2026: names: the es name is empty`,
				`calendar: event 3 (line 8) MX/long/2026: names: unknown locale "fr" (want zh-CN, es, pt-BR, en)`,
			}},
		{"missing key fields",
			"events:\n  - {from: 2026-01-01}\n",
			[]string{
				"calendar: event 1 (line 2): country: missing",
				"calendar: event 1 (line 2): id: missing",
				"calendar: event 1 (line 2): year: missing",
			}},
		{"the same key twice",
			"events:\n  - {country: AR, id: hot_sale, year: 2026, from: 2026-05-11}\n  - {country: AR, id: hot_sale, year: 2026, from: 2026-05-18}\n",
			[]string{"calendar: event 2 (line 3) AR/hot_sale/2026: id: repeats event 1 (same country, id and year)"}},
		{"an entry that is not a mapping",
			"events:\n  - MX hot_sale 2026\n",
			[]string{"calendar: event 1 (line 2): want a mapping (country, id, year, from, to…)"}},
		{"bad estimated and names",
			"events:\n  - {country: PE, id: cyber_wow, year: 2026, from: 2026-04-06, estimated: maybe, names: [a, b]}\n",
			[]string{
				`calendar: event 1 (line 2) PE/cyber_wow/2026: estimated: "maybe" is not true or false`,
				"calendar: event 1 (line 2) PE/cyber_wow/2026: names: want a mapping of locale to name (zh-CN, es, pt-BR, en)",
			}},
		{"a list at the top", "- {country: MX}\n",
			[]string{`calendar: events file: line 1: want a mapping with the key "events"`}},
		{"another top key", "evnets: []\n",
			[]string{`calendar: events file: line 1: unknown key "evnets" (want "events")`}},
		{"events not a list", "events: {country: MX}\n",
			[]string{`calendar: events file: line 1: "events" must be a list`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := LoadEvents(strings.NewReader(tc.yaml))
			if err == nil {
				t.Fatalf("no error; events %+v", evs)
			}
			if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, tc.want) {
				t.Errorf("error:\n%s\nwant:\n%s", err, strings.Join(tc.want, "\n"))
			}
			if evs != nil {
				t.Errorf("events returned with the error: %+v", evs)
			}
		})
	}
	// The first problem is an *EventError naming the entry and the field.
	_, err := LoadEvents(strings.NewReader("events:\n  - {country: MX, id: buen_fin, year: 2026, from: 2026-11-13, to: 2026-11-01}\n"))
	var ee *EventError
	if !errors.As(err, &ee) || ee.Index != 1 || ee.Line != 2 || ee.Key != "MX/buen_fin/2026" || ee.Field != "to" {
		t.Errorf("errors.As: %+v", ee)
	}
}

func TestMerge(t *testing.T) {
	user, err := LoadEvents(strings.NewReader(`
events:
  # The announcement replaces the shipped estimate.
  - {country: MX, id: hot_sale, year: 2026, from: 2026-05-25, to: 2026-06-03}
  # A decree that keeps Güemes on its day replaces the rule's date for that year only.
  - {country: AR, id: guemes, year: 2026, from: 2026-06-17}
  # A new event.
  - {country: PE, id: cyber_wow, year: 2026, from: 2026-07-13, to: 2026-07-16, names: {es: Cyber Wow, zh-CN: 秘鲁网购节}}
  # A one-off holiday.
  - {country: CL, id: special_holiday, year: 2026, from: 2026-09-17, kind: holiday, names: {en: Special holiday}}
`))
	if err != nil {
		t.Fatal(err)
	}
	later := Event{Country: "MX", ID: "hot_sale", Year: 2026, From: day("2026-05-25"), To: day("2026-06-02")}
	c := newCal(t, append(user, later)...)

	check := func(country, id string, year int, from, to string) {
		t.Helper()
		f, tt, ok := c.Event(country, id, year)
		if !ok || f.Format(time.DateOnly) != from || tt.Format(time.DateOnly) != to {
			t.Errorf("Event(%s, %s, %d) = %s..%s %v, want %s..%s", country, id, year,
				f.Format(time.DateOnly), tt.Format(time.DateOnly), ok, from, to)
		}
	}
	check("MX", "hot_sale", 2026, "2026-05-25", "2026-06-02") // the later event wins
	check("MX", "hot_sale", 2025, "2025-05-26", "2025-06-03") // other years untouched
	check("AR", "guemes", 2026, "2026-06-17", "2026-06-17")
	check("AR", "guemes", 2025, "2025-06-16", "2025-06-16")
	check("PE", "cyber_wow", 2026, "2026-07-13", "2026-07-16")

	hs := c.Active("MX", day("2026-05-25"))
	if len(hs) != 1 || hs[0].Estimated || hs[0].Kind != KindRetail || hs[0].Names["zh-CN"] != "热卖节(Hot Sale)" {
		t.Errorf("MX 2026-05-25 = %+v, want the announced hot_sale with the rule's names", hs)
	}
	if c.IsHoliday("AR", day("2026-06-15")) || !c.IsHoliday("AR", day("2026-06-17")) {
		t.Error("AR Güemes 2026: the user's date did not replace the rule's")
	}
	cw := c.Active("PE", day("2026-07-14"))
	if len(cw) != 1 || cw[0].Kind != KindRetail || cw[0].Names["pt-BR"] != "Cyber Wow" ||
		cw[0].Names["zh-CN"] != "秘鲁网购节" || cw[0].Names["en"] != "Cyber Wow" {
		t.Errorf("PE cyber_wow = %+v", cw)
	}
	if !c.IsHoliday("CL", day("2026-09-17")) {
		t.Error("CL special_holiday of kind holiday not a holiday")
	}

	// A calendar without the user's events still has the shipped estimate.
	if d := newCal(t).Active("MX", day("2026-05-25")); len(d) != 1 || !d[0].Estimated {
		t.Errorf("shipped MX hot_sale 2026 = %+v, want estimated", d)
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name  string
		extra []Event
		want  string
	}{
		{"a new id without names",
			[]Event{{Country: "PE", ID: "cyber_wow", Year: 2026, From: day("2026-07-13")}},
			"calendar: event 1 PE/cyber_wow/2026: names: missing: cyber_wow is a new event id, give it at least one name"},
		{"an invalid event",
			[]Event{{Country: "MX", ID: "hot_sale", Year: 2026, From: day("2026-05-25")},
				{Country: "MX", ID: "hot_sale", Year: 2026, From: day("2026-05-25"), To: day("2026-05-01")}},
			"calendar: event 2 MX/hot_sale/2026: to: 2026-05-01 is before from (2026-05-25)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.extra...)
			if err == nil || err.Error() != tc.want {
				t.Errorf("New = %v, %v; want error %q", c, err, tc.want)
			}
		})
	}
}
