package web

import (
	"net/http"
	"net/url"
)

type boardView struct {
	*page
	Board      *board
	Periods    []string
	ExportCSV  string
	ExportXLSX string
}

// TileURL links a tile to its KPI page for the country, with the board's period and filters.
func (v *boardView) TileURL(kpi, country string) string {
	q := url.Values{}
	if country != "" {
		q.Set("country", country)
	}
	q.Set("grain", kpiGrainFor(v.Board.Query.Period))
	for k, val := range v.Board.Query.asked() {
		if val != "" {
			q.Set(k, val)
		}
	}
	q.Set("to", v.Board.Date)
	return "/kpi/" + url.PathEscape(kpi) + "?" + q.Encode()
}

// kpiGrainFor is the KPI page's grain for a board period.
func kpiGrainFor(period string) string {
	switch period {
	case "week", "month", "7d", "28d":
		return period
	}
	return "day"
}

func (s *server) boardPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	q, err := s.parseBoardQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	b, err := s.loadBoard(r.Context(), c.user, c.lang, q, format == "")
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if format != "" {
		if err := writeTable(w, format, boardTable(c, b)); err != nil {
			s.log.Warn("export failed", "err", err)
		}
		return
	}
	v := &boardView{page: s.newPage(r, c, "board.title"), Board: b, Periods: boardPeriods}
	v.ExportCSV, v.ExportXLSX = exportLinks(r)
	s.render(w, r, http.StatusOK, "board", v)
}

func boardTable(c *reqctx, b *board) table {
	t := table{Name: "pulso-board-" + b.Date, Columns: []string{c.loc.MustT("col.module", nil), c.loc.MustT("col.kpi", nil),
		c.loc.MustT("col.unit", nil), c.loc.MustT("col.country", nil), c.loc.MustT("col.period", nil), c.loc.MustT("col.value", nil),
		c.loc.MustT("col.target", nil), c.loc.MustT("col.status", nil), c.loc.MustT("col.provisional", nil)}}
	for _, m := range b.Modules {
		for _, k := range m.KPIs {
			for _, cell := range k.Cells {
				t.Rows = append(t.Rows, []any{m.ID, k.ID, k.Unit, cell.Country, cell.Period, cell.Value, cell.Target, cell.Status, cell.Provisional})
			}
		}
	}
	return t
}
