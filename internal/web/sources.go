package web

import (
	"context"
	"net/http"
	"time"

	"pulso/internal/alert"
	"pulso/internal/monitor"
)

// sourceLine is one kind and source: rows kept, last import, age and whether it is stale.
type sourceLine struct {
	Kind         string     `json:"kind"`
	Source       string     `json:"source"`
	Rows         *int64     `json:"rows"` // nil for a user restricted to some countries or platforms (rows count all)
	LastImportAt *time.Time `json:"last_import_at"`
	AgeHours     *float64   `json:"age_hours"`
	Status       string     `json:"status"` // green (fresh), red (stale), none (never)
}

// loadSources lists the tenant's sources. Their row counts span every country and platform,
// so a user restricted to some sees when data arrived but not how much there is. Without
// counts (the board's freshness check) only the imports log is read: counting the record
// tables takes seconds at millions of rows.
func (s *server) loadSources(ctx context.Context, u *User, counts bool) ([]sourceLine, float64, error) {
	read := s.cfg.Store.Sources
	if !counts {
		read = s.cfg.Store.LastImports
	}
	srcs, err := read(ctx, u.Tenant)
	if err != nil {
		return nil, 0, err
	}
	limit := 26.0
	if e, err := s.engine(ctx, u.Tenant); err == nil {
		if cfg, err := monitor.LoadConfig(ctx, s.cfg.Store, u.Tenant, e.Catalog); err == nil {
			for _, r := range cfg.Rules {
				if r.Type == alert.Freshness && r.Hours > 0 {
					limit = r.Hours
				}
			}
		}
	}
	restricted := len(u.Scopes.Filters()) > 0
	now := s.cfg.Now()
	out := make([]sourceLine, 0, len(srcs))
	for _, src := range srcs {
		l := sourceLine{Kind: src.Kind, Source: src.Source, LastImportAt: src.LastImportAt, Status: "none"}
		if !restricted && src.Rows >= 0 {
			n := src.Rows
			l.Rows = &n
		}
		if src.LastImportAt != nil {
			age := now.Sub(*src.LastImportAt).Hours()
			l.AgeHours = &age
			l.Status = "green"
			if age > limit {
				l.Status = "red"
			}
		}
		out = append(out, l)
	}
	return out, limit, nil
}

type sourcesView struct {
	*page
	Lines      []sourceLine
	Limit      float64
	ExportCSV  string
	ExportXLSX string
}

func (s *server) sourcesPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	lines, limit, err := s.loadSources(r.Context(), c.user, true)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if format != "" {
		t := table{Name: "pulso-sources", Columns: []string{c.loc.MustT("col.kind", nil), c.loc.MustT("col.source", nil),
			c.loc.MustT("col.rows", nil), c.loc.MustT("col.last_import", nil), c.loc.MustT("col.age_hours", nil), c.loc.MustT("col.status", nil)}}
		for _, l := range lines {
			var rows, last any
			if l.Rows != nil {
				rows = *l.Rows
			}
			if l.LastImportAt != nil {
				last = l.LastImportAt.UTC().Format(time.RFC3339)
			}
			t.Rows = append(t.Rows, []any{l.Kind, l.Source, rows, last, l.AgeHours, l.Status})
		}
		if err := writeTable(w, format, t); err != nil {
			s.log.Warn("export failed", "err", err)
		}
		return
	}
	v := &sourcesView{page: s.newPage(r, c, "sources.title"), Lines: lines, Limit: limit}
	v.ExportCSV, v.ExportXLSX = exportLinks(r)
	s.render(w, r, http.StatusOK, "sources", v)
}

// SourceName is a data source as the sources page names it: the one imports get when none is
// named ("upload") in the reader's language, others as the user named them.
func (p *page) SourceName(src string) string { return p.tOr("source."+src, src) }
