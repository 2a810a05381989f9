package storetest

import (
	"errors"
	"time"

	"pulso/internal/store"
)

// testKPIDefinitions: a tenant's own KPIs are kept per tenant, replaced by id, deletable.
func testKPIDefinitions(e *env) {
	put := func(tenant string, defs ...store.KPIDefinition) {
		if err := e.s.PutKPIDefinitions(e.ctx, tenant, defs); err != nil {
			e.t.Fatal(err)
		}
	}
	put("acme", store.KPIDefinition{ID: "b_kpi", YAML: "- id: b_kpi\n"}, store.KPIDefinition{ID: "a_kpi", YAML: "- id: a_kpi # v1\n"})
	put("acme", store.KPIDefinition{ID: "a_kpi", YAML: "- id: a_kpi # v2\n"})
	put("globex", store.KPIDefinition{ID: "a_kpi", YAML: "- id: a_kpi # globex\n"})
	got, err := e.s.KPIDefinitions(e.ctx, "acme")
	if err != nil {
		e.t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a_kpi" || got[0].YAML != "- id: a_kpi # v2\n" || got[1].ID != "b_kpi" {
		e.t.Fatalf("acme definitions: %+v", got)
	}
	if err := e.s.DeleteKPIDefinition(e.ctx, "acme", "b_kpi"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.s.DeleteKPIDefinition(e.ctx, "acme", "b_kpi"); err == nil {
		e.t.Error("deleting a missing KPI succeeded")
	}
	got, _ = e.s.KPIDefinitions(e.ctx, "acme")
	if len(got) != 1 {
		e.t.Fatalf("after delete: %+v", got)
	}
	g, _ := e.s.KPIDefinitions(e.ctx, "globex")
	if len(g) != 1 || g[0].YAML != "- id: a_kpi # globex\n" {
		e.t.Fatalf("globex definitions: %+v", g)
	}
}

// testTargets: versions are appended, scopes and NULL values round-trip, tenants are apart.
func testTargets(e *env) {
	v7, v6 := 7.0, 6.0
	rows := []store.TargetRow{
		{KPI: "delivery_days", Scope: map[string]string{"country": "MX"}, Value: &v7, Yellow: 5, EffectiveFrom: day("2020-01-01"), Source: "template", CreatedBy: "system"},
		{KPI: "delivery_days", Scope: map[string]string{"country": "MX", "platform": "amazon"}, Event: "buen_fin", Value: &v6, Yellow: 2.5, EffectiveFrom: day("2026-06-01"), Source: "user", Note: "looser during Buen Fin", CreatedBy: "ana"},
		{KPI: "delivery_days", Scope: map[string]string{"country": "BR"}, Value: nil, Yellow: 0, EffectiveFrom: day("2026-01-01"), Source: "user", CreatedBy: "ana"},
	}
	if err := e.s.AddTargets(e.ctx, "acme", rows); err != nil {
		e.t.Fatal(err)
	}
	if err := e.s.AddTargets(e.ctx, "acme", []store.TargetRow{{KPI: "x", Scope: map[string]string{"planet": "mars"}, EffectiveFrom: day("2026-01-01")}}); err == nil {
		e.t.Error("unknown scope dimension stored")
	}
	got, err := e.s.Targets(e.ctx, "acme")
	if err != nil {
		e.t.Fatal(err)
	}
	if len(got) != 3 {
		e.t.Fatalf("%d targets, want 3 (the failed batch must add none)", len(got))
	}
	byNote := map[string]store.TargetRow{}
	for _, r := range got {
		byNote[r.Scope["country"]+r.Scope["platform"]] = r
	}
	mx, amz, br := byNote["MX"], byNote["MXamazon"], byNote["BR"]
	if mx.Value == nil || *mx.Value != 7 || mx.Yellow != 5 || !mx.EffectiveFrom.Equal(day("2020-01-01")) || mx.Event != "" || len(mx.Scope) != 1 {
		e.t.Errorf("MX target: %+v", mx)
	}
	if amz.Value == nil || *amz.Value != 6 || amz.Yellow != 2.5 || amz.Event != "buen_fin" || amz.Note != "looser during Buen Fin" || amz.CreatedBy != "ana" {
		e.t.Errorf("MX amazon target: %+v", amz)
	}
	if br.Value != nil || br.ID == "" {
		e.t.Errorf("BR retired target: %+v", br)
	}
	if other, _ := e.s.Targets(e.ctx, "globex"); len(other) != 0 {
		e.t.Errorf("globex sees %d targets of acme", len(other))
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testSettingsAndAlerts: settings replace by name; alerts upsert by id, filter by state.
func testSettingsAndAlerts(e *env) {
	if _, err := e.s.Setting(e.ctx, "acme", "alerting"); !errors.Is(err, store.ErrNotFound) {
		e.t.Fatalf("missing setting: %v", err)
	}
	for _, body := range []string{"v1", "v2"} {
		if err := e.s.PutSetting(e.ctx, "acme", "alerting", body, "ana"); err != nil {
			e.t.Fatal(err)
		}
	}
	if got, err := e.s.Setting(e.ctx, "acme", "alerting"); err != nil || got != "v2" {
		e.t.Fatalf("setting: %q %v", got, err)
	}
	if _, err := e.s.Setting(e.ctx, "globex", "alerting"); !errors.Is(err, store.ErrNotFound) {
		e.t.Fatal("globex reads acme's setting")
	}
	a := store.AlertRow{ID: "a1", Fingerprint: "f1", State: "firing", KPI: "parcel_loss_rate", Body: `{"x":1}`}
	b := store.AlertRow{ID: "a2", Fingerprint: "f2", State: "pending", KPI: "csat", Body: `{}`}
	c := store.AlertRow{ID: "a3", Fingerprint: "f3", State: "pending", KPI: "nps", Body: `{}`}
	if err := e.s.SaveAlerts(e.ctx, "acme", []store.AlertRow{a, b, c}, nil); err != nil {
		e.t.Fatal(err)
	}
	a.State, a.Body = "acknowledged", `{"x":2}`
	if err := e.s.SaveAlerts(e.ctx, "acme", []store.AlertRow{a}, []string{"a3"}); err != nil {
		e.t.Fatal(err)
	}
	all, err := e.s.Alerts(e.ctx, "acme")
	if err != nil || len(all) != 2 {
		e.t.Fatalf("alerts: %d %v", len(all), err)
	}
	acked, _ := e.s.Alerts(e.ctx, "acme", "acknowledged", "firing")
	if len(acked) != 1 || acked[0].ID != "a1" || acked[0].Body != `{"x":2}` || acked[0].KPI != "parcel_loss_rate" {
		e.t.Fatalf("acknowledged alerts: %+v", acked)
	}
	if other, _ := e.s.Alerts(e.ctx, "globex"); len(other) != 0 {
		e.t.Fatal("globex sees acme's alerts")
	}
}
