package alert

import (
	"testing"
	"time"

	"pulso/internal/target"
)

func v(x float64) *float64 { return &x }

// series builds daily points from a status string: g y r = green yellow red, . = no value,
// upper case = provisional. Days start at 2026-11-01.
func series(statuses string) Series {
	s := Series{KPI: "parcel_loss_rate", Scope: map[string]string{"country": "MX"}}
	d := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, c := range statuses {
		p := Point{Period: d.AddDate(0, 0, i).Format(time.DateOnly), Value: v(float64(i)), Target: v(0.005)}
		switch c {
		case 'g', 'G':
			p.Status = target.Green
		case 'y', 'Y':
			p.Status = target.Yellow
		case 'r', 'R':
			p.Status = target.Red
		default:
			p.Status, p.Value = target.None, nil
		}
		p.Provisional = c >= 'A' && c <= 'Z'
		s.Points = append(s.Points, p)
	}
	return s
}

func rule() *Rule {
	r := &Rule{ID: "red-3-days", Type: Consecutive, Owner: "ops", Escalate: "boss", EscalateIn: 48}
	r.Defaults()
	return r
}

func TestAssess(t *testing.T) {
	cases := []struct {
		s           string
		breach      int
		first, good int
	}{
		{"gggrrr", 3, 3, 0},
		{"gggrrrR", 3, 3, 0},       // provisional days never count
		{"gggrrGG", 2, 3, 0},       // the provisional green days do not resolve it either
		{"rrr.r", 4, 0, 0},         // a day without value neither breaks nor extends
		{"rrrgg", 0, 0, 2},         // good at the end
		{"rrryr", 1, 4, 0},         // yellow breaks a red run
		{"", 0, 0, 0},              //
		{"RRR", 0, 0, 0},           // all provisional
		{"gggyyy", 0, 0, 6},        // yellow is not red: six periods below the red line
		{"...", 0, 0, 0},           // nothing known
		{"rgrgrrr", 3, 4, 0},       // the run at the end only
		{"rrrrrrrrrrgr", 1, 11, 0}, // one green day ends the run
	}
	for _, c := range cases {
		b, good := assess(rule(), series(c.s))
		if len(b) != c.breach || good != c.good {
			t.Errorf("%q: breach %d good %d, want %d and %d", c.s, len(b), good, c.breach, c.good)
			continue
		}
		if c.breach > 0 && b[0].Period != time.Date(2026, 11, 1+c.first, 0, 0, 0, 0, time.UTC).Format(time.DateOnly) {
			t.Errorf("%q: breach starts %s", c.s, b[0].Period)
		}
	}
	yellow := rule()
	yellow.Status = string(target.Yellow)
	if b, _ := assess(yellow, series("gyryr")); len(b) != 4 {
		t.Errorf("yellow rule: %d breaching periods, want 4 (yellow or worse)", len(b))
	}
}

func TestChangeRule(t *testing.T) {
	r := &Rule{ID: "wow", Type: Change, Percent: 20}
	r.Defaults()
	s := Series{KPI: "gmv", Up: true, Points: []Point{
		{Period: "2026-11-02", Value: v(100), Base: v(100)},
		{Period: "2026-11-09", Value: v(79), Base: v(100)}, // 21 % worse
	}}
	if b, _ := assess(r, s); len(b) != 1 {
		t.Fatalf("21 %% drop: %d breaches", len(b))
	}
	s.Points[1].Value = v(81) // 19 % worse: fine
	if b, good := assess(r, s); len(b) != 0 || good != 2 {
		t.Fatalf("19 %% drop: breach %d good %d", len(b), good)
	}
	down := Series{KPI: "delivery_days", Up: false, Points: []Point{{Period: "2026-11-09", Value: v(6), Base: v(5)}}} // 20 % worse
	if b, _ := assess(r, down); len(b) != 1 {
		t.Fatal("a 20 % rise of a down KPI is a breach")
	}
}

func TestLifecycle(t *testing.T) {
	r := rule()
	t0 := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	steps := []struct {
		statuses string
		at       time.Duration
		state    State
		events   []Event
	}{
		{"ggr", 0, Pending, nil},
		{"ggrr", 24 * time.Hour, Pending, nil},
		{"ggrrr", 48 * time.Hour, Firing, []Event{EventFired}},
		{"ggrrr", 49 * time.Hour, Firing, nil}, // evaluating again changes nothing
		{"ggrrrr", 72 * time.Hour, Firing, []Event{EventRepeat}},
		{"ggrrrrr", 96 * time.Hour, Firing, []Event{EventRepeat, EventEscalated}},
		{"ggrrrrrg", 120 * time.Hour, Firing, []Event{EventRepeat}}, // one good day is not enough
		{"ggrrrrrgg", 144 * time.Hour, Resolved, []Event{EventResolved}},
		{"ggrrrrrggg", 168 * time.Hour, Resolved, nil},
		{"ggrrrrrgggr", 192 * time.Hour, Pending, nil}, // a new breach starts a new alert
	}
	var a *Alert
	for i, st := range steps {
		var ev []Event
		a, ev = Step(a, r, series(st.statuses), t0.Add(st.at))
		if a == nil || a.State != st.state || !sameEvents(ev, st.events) {
			t.Fatalf("step %d (%s): alert %+v events %v, want %s %v", i, st.statuses, a, ev, st.state, st.events)
		}
	}
	if a.Since != "2026-11-11" || len(a.Periods) != 1 {
		t.Errorf("new alert since %s periods %v", a.Since, a.Periods)
	}
}

func TestAcknowledgedStopsRepeats(t *testing.T) {
	r := rule()
	t0 := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	a, ev := Step(nil, r, series("rrr"), t0)
	if a.State != Firing || len(ev) != 1 {
		t.Fatal("not firing")
	}
	if !Acknowledge(a, "ana", t0.Add(time.Hour)) {
		t.Fatal("ack refused")
	}
	a, ev = Step(a, r, series("rrrrr"), t0.Add(100*time.Hour))
	if a.State != Acknowledged || len(ev) != 0 {
		t.Fatalf("acknowledged alert: %s %v", a.State, ev)
	}
	if a.Since != "2026-11-01" || len(a.Periods) != 5 {
		t.Fatalf("since %s periods %v", a.Since, a.Periods)
	}
	a, ev = Step(a, r, series("rrrrrgg"), t0.Add(150*time.Hour))
	if a.State != Resolved || len(ev) != 1 || ev[0] != EventResolved {
		t.Fatalf("resolve: %s %v", a.State, ev)
	}
}

func TestPendingDropsWhenGood(t *testing.T) {
	a, _ := Step(nil, rule(), series("gr"), time.Now())
	if a == nil || a.State != Pending {
		t.Fatal("no pending alert")
	}
	if a, _ = Step(a, rule(), series("grg"), time.Now()); a != nil {
		t.Fatalf("pending alert kept after a good day: %+v", a)
	}
}

func TestFingerprint(t *testing.T) {
	a := Fingerprint("r", "k", map[string]string{"country": "MX", "platform": "amazon"})
	b := Fingerprint("r", "k", map[string]string{"platform": "amazon", "country": "MX"})
	c := Fingerprint("r", "k", map[string]string{"country": "BR", "platform": "amazon"})
	if a != b || a == c {
		t.Fatal("fingerprint must depend on the scope's content, not its order")
	}
}

func TestSilence(t *testing.T) {
	s := Silence{Scope: map[string][]string{"country": {"BR"}}, From: time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 2, 19, 0, 0, 0, 0, time.UTC)}
	br, mx := map[string]string{"country": "BR"}, map[string]string{"country": "MX"}
	in := time.Date(2026, 2, 16, 9, 0, 0, 0, time.UTC)
	if !s.Mutes("orders", br, in) || s.Mutes("orders", mx, in) || s.Mutes("orders", br, s.To) || s.Mutes("orders", br, s.From.Add(-time.Second)) {
		t.Fatal("silence window or scope wrong")
	}
	s.KPIs = []string{"delivery_days"}
	if s.Mutes("orders", br, in) || !s.Mutes("delivery_days", br, in) {
		t.Fatal("silence KPI list ignored")
	}
}

func sameEvents(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
