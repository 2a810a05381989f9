package web

import (
	"context"
	"slices"
	"strings"
	"time"
)

// freshness is what the board says about data that stopped arriving: the stale sources (as
// on the sources page: nothing imported for longer than the freshness rule's hours) of the
// kinds the user's KPIs read, and per KPI whether its values for the board's period may miss
// what arrived since, so that old numbers are not shown as current.
type freshness struct {
	StaleAfterHours float64              `json:"stale_after_hours"`
	Sources         []staleSource        `json:"sources"` // empty when everything is fresh
	KPIs            map[string]*staleKPI `json:"kpis"`    // KPI id → why its values are stale
}

// staleSource is one kind and source whose newest import is older than the limit.
type staleSource struct {
	Kind         string    `json:"kind"`
	Source       string    `json:"source"`
	LastImportAt time.Time `json:"last_import_at"`
	AgeHours     float64   `json:"age_hours"`
}

// staleKPI marks a KPI that reads a stale kind whose last import came before the end of the
// period the board shows for it: the period's later days may lack data not imported yet.
type staleKPI struct {
	Kinds []string `json:"kinds"`
	// LastImportAt is the oldest last import among the stale sources of those kinds: the
	// values are current up to about then.
	LastImportAt time.Time `json:"last_import_at"`
}

// KPI returns what makes a KPI's values stale, or nil when they are current.
func (f *freshness) KPI(id string) *staleKPI {
	if f == nil {
		return nil
	}
	return f.KPIs[id]
}

// loadFreshness judges the freshness of the data behind the user's KPIs; periodEnd gives the
// last day (inclusive) of the period shown for a KPI.
func (s *server) loadFreshness(ctx context.Context, u *User, periodEnd func(kpi string) time.Time) (*freshness, error) {
	lines, limit, err := s.loadSources(ctx, u, false)
	if err != nil {
		return nil, err
	}
	e, err := s.engine(ctx, u.Tenant)
	if err != nil {
		return nil, err
	}
	f := &freshness{StaleAfterHours: limit, Sources: []staleSource{}, KPIs: map[string]*staleKPI{}}
	defs := visibleKPIs(u, e.Catalog)
	read := map[string]bool{}
	for _, d := range defs {
		for _, k := range d.Kinds() {
			read[k] = true
		}
	}
	stale := map[string][]staleSource{}
	for _, l := range lines {
		if l.Status != "red" || l.LastImportAt == nil || !read[l.Kind] {
			continue
		}
		src := staleSource{Kind: l.Kind, Source: l.Source, LastImportAt: l.LastImportAt.UTC()}
		if l.AgeHours != nil {
			src.AgeHours = *l.AgeHours
		}
		f.Sources = append(f.Sources, src)
		stale[l.Kind] = append(stale[l.Kind], src)
	}
	for _, d := range defs {
		end := periodEnd(d.ID).AddDate(0, 0, 1) // the period runs to the end of its last day
		var m *staleKPI
		for _, k := range d.Kinds() {
			for _, src := range stale[k] {
				if !src.LastImportAt.Before(end) {
					continue // imported after the period ended: its days were in by then
				}
				if m == nil {
					m = &staleKPI{LastImportAt: src.LastImportAt}
				}
				if !slices.Contains(m.Kinds, k) {
					m.Kinds = append(m.Kinds, k)
				}
				if src.LastImportAt.Before(m.LastImportAt) {
					m.LastImportAt = src.LastImportAt
				}
			}
		}
		if m != nil {
			f.KPIs[d.ID] = m
		}
	}
	return f, nil
}

// boardFreshness is loadFreshness for a board: a KPI's period ends where its cells' does
// (a KPI that settles later shows an earlier period), else where the board's does.
func (s *server) boardFreshness(ctx context.Context, u *User, b *board) (*freshness, error) {
	to, err := time.Parse(time.DateOnly, b.To)
	if err != nil {
		return nil, err
	}
	own := map[string]time.Time{}
	for _, m := range b.Modules {
		for _, k := range m.KPIs {
			for _, c := range k.Cells {
				if t, err := time.Parse(time.DateOnly, c.To); err == nil && t.After(own[k.ID]) {
					own[k.ID] = t
				}
			}
		}
	}
	return s.loadFreshness(ctx, u, func(kpi string) time.Time {
		if t, ok := own[kpi]; ok {
			return t
		}
		return to
	})
}

// boardWithFreshness is the board as /api/v1/board answers it: with "stale".
type boardWithFreshness struct {
	*board
	Stale *freshness `json:"stale"`
}

// staleBadge is the text of a stale KPI's badge and its tooltip, in the page's language.
type staleBadge struct{ Text, Title string }

// StaleBadge words a stale KPI's badge (nil when the KPI is current).
func (v *boardView) StaleBadge(k *staleKPI) *staleBadge {
	if k == nil {
		return nil
	}
	names := make([]string, len(k.Kinds))
	for i, kind := range k.Kinds {
		names[i] = v.Kind(kind)
	}
	at := k.LastImportAt // its date where the reader's times are told, as Time tells the time
	if v.zone != nil {
		at = at.In(v.zone)
	}
	return &staleBadge{Text: v.T("board.stale_badge", "Since", v.Date(at)),
		Title: v.T("board.stale_badge_title", "Kind", strings.Join(names, ", "), "Since", v.Time(k.LastImportAt))}
}
