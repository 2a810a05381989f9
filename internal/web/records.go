package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"pulso/internal/metric"
)

const recordsPerPage = 50

type recordsQuery struct {
	KPI, Measure string
	From, To     time.Time
	Asked        map[string]string
	Page         int
}

func (s *server) parseRecordsQuery(r *http.Request) (recordsQuery, error) {
	v := r.URL.Query()
	q := recordsQuery{KPI: r.PathValue("id"), Measure: v.Get("measure"), Asked: map[string]string{}, Page: 1}
	var err error
	if q.From, err = parseDay("from", v.Get("from")); err != nil {
		return q, err
	}
	if q.To, err = parseDay("to", v.Get("to")); err != nil {
		return q, err
	}
	if q.To.Before(q.From) || q.To.Sub(q.From) > 400*24*time.Hour {
		return q, badRequest("error.bad_range", nil, nil)
	}
	for _, d := range metric.Dimensions {
		if val := v.Get(d); val != "" {
			q.Asked[d] = val
		}
	}
	if p := v.Get("page"); p != "" {
		if q.Page, err = strconv.Atoi(p); err != nil || q.Page < 1 || q.Page > 100000 {
			return q, badRequest("error.bad_param", map[string]any{"Source": "page"}, err)
		}
	}
	return q, nil
}

// loadRecords opens the records behind a value, inside the user's scope. Records are the
// seller's business data (and pseudonymous buyers): the audit log keeps who saw or exported
// which of them (format "" is a page, else the export format).
func (s *server) loadRecords(ctx context.Context, u *User, q recordsQuery, ip, format string) (*metric.Records, *metric.Definition, error) {
	if err := checkAsked(u, q.Asked); err != nil {
		return nil, nil, err
	}
	e, err := s.engine(ctx, u.Tenant)
	if err != nil {
		return nil, nil, err
	}
	d, err := e.Catalog.Get(q.KPI)
	if err != nil {
		return nil, nil, errNotFound
	}
	if !u.Scopes.AllowsKPI(d.Module) {
		return nil, nil, errForbidden
	}
	if q.Measure != "" && !slices.Contains(d.DrillMeasures(), q.Measure) {
		return nil, nil, badRequest("error.bad_param", map[string]any{"Source": "measure"}, nil)
	}
	f := filters(u, q.Asked)
	recs, err := e.Records(ctx, metric.RecordsQuery{Tenant: u.Tenant, KPI: d.ID, Measure: q.Measure, From: q.From, To: q.To,
		Filters: f, Limit: recordsPerPage, Offset: (q.Page - 1) * recordsPerPage})
	if errors.Is(err, metric.ErrNoRecords) {
		return &metric.Records{KPI: d.ID, Rows: [][]any{}}, d, nil
	}
	if err != nil {
		return nil, nil, err
	}
	// Second lock: a record whose country or platform is outside the scope is never shown.
	ci, pi := slices.Index(recs.Columns, "country"), slices.Index(recs.Columns, "platform")
	kept := recs.Rows[:0]
	for _, row := range recs.Rows {
		sc := map[string]string{}
		if ci >= 0 {
			sc["country"], _ = row[ci].(string)
		}
		if pi >= 0 {
			sc["platform"], _ = row[pi].(string)
		}
		if inScope(u, sc, f) {
			kept = append(kept, row)
		}
	}
	recs.Rows = kept
	action := "records.view"
	if format != "" {
		action = "records.export"
	}
	detail := map[string]string{"from": q.From.Format(time.DateOnly), "to": q.To.Format(time.DateOnly),
		"page": strconv.Itoa(q.Page), "rows": strconv.Itoa(len(kept))}
	if q.Measure != "" {
		detail["measure"] = q.Measure
	}
	if format != "" {
		detail["format"] = format
	}
	for dim, v := range q.Asked {
		detail[dim] = v
	}
	s.audit(ctx, u, ip, action, "kpi:"+d.ID, detail)
	return recs, d, nil
}

type recordsView struct {
	*page
	KPIName    string
	Q          recordsQuery
	R          *metric.Records
	Cells      [][]recordCell
	Back       string
	Prev, Next string
	Measures   []measureLink
	ExportCSV  string
	ExportXLSX string
}

// measureLink is a tab to the records of one of the KPI's measures: Label is its part of a
// ratio in the user's language ("" for a formula's measure), Name the definition's name.
type measureLink struct {
	Label, Name, Href string
	Current           bool
}

// recordCell is one value of a record as the page shows it; Raw is the stored value when the
// page translates it (an enum value), for the title.
type recordCell struct {
	Text, Raw string
}

// ColumnName is a record column's name in the user's language; a column without a message
// (none in contract v1: a test checks every one) shows its contract name.
func (p *page) ColumnName(col string) string { return p.tOr("column."+col, col) }

// EnumValue is a value of an enum column (an order's status, a return's reason) in the user's
// language; a value without a message shows as stored.
func (p *page) EnumValue(col, v string) string { return p.tOr("enum."+col+"."+v, v) }

func (s *server) recordsPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	q, err := s.parseRecordsQuery(r)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	recs, d, err := s.loadRecords(r.Context(), c.user, q, clientIP(r), format)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if format != "" {
		t := recordsTable(d.ID, recs)
		if err := writeTable(w, format, t); err != nil {
			s.log.Warn("export failed", "err", err)
		}
		return
	}
	v := &recordsView{page: s.newPage(r, c, "records.title"), KPIName: d.Name(c.lang), Q: q, R: recs}
	v.ExportCSV, v.ExportXLSX = exportLinks(r)
	for _, row := range recs.Rows {
		cells := make([]recordCell, len(row))
		for i, val := range row {
			typ := ""
			if i < len(recs.Types) {
				typ = recs.Types[i]
			}
			cells[i].Text = v.cell(typ, val)
			if s, ok := val.(string); ok && typ == "enum" && i < len(recs.Columns) {
				cells[i].Text, cells[i].Raw = v.EnumValue(recs.Columns[i], s), s
			}
		}
		v.Cells = append(v.Cells, cells)
	}
	back := url.Values{}
	for k, val := range q.Asked {
		back.Set(k, val)
	}
	v.Back = "/kpi/" + url.PathEscape(d.ID) + "?" + back.Encode()
	link := func(page int, measure string) string {
		u := *r.URL
		qq := u.Query()
		qq.Set("page", strconv.Itoa(page))
		if measure != "" {
			qq.Set("measure", measure)
		}
		u.RawQuery = qq.Encode()
		return u.Path + "?" + u.RawQuery
	}
	if q.Page > 1 {
		v.Prev = link(q.Page-1, "")
	}
	if recs.More {
		v.Next = link(q.Page+1, "")
	}
	for _, m := range recs.Measures {
		ml := measureLink{Name: m, Href: link(1, m), Current: m == recs.Measure}
		if r := d.Value.Ratio; len(r) == 2 && m == r[0] {
			ml.Label = v.T("col.numerator")
		} else if len(r) == 2 && m == r[1] {
			ml.Label = v.T("col.denominator")
		}
		v.Measures = append(v.Measures, ml)
	}
	s.render(w, r, http.StatusOK, "records", v)
}

// cell formats one record value for the page.
func (v *recordsView) cell(typ string, val any) string {
	switch x := val.(type) {
	case nil:
		return ""
	case time.Time:
		if typ == "date" {
			return v.Date(x)
		}
		return v.Time(x)
	case float64:
		return v.Num(x, 2)
	case int64:
		return v.Int(x)
	case int32:
		return v.Int(int64(x))
	case bool:
		if x {
			return v.T("value.yes")
		}
		return v.T("value.no")
	case string:
		return x
	}
	return ""
}

func exportCell(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case float64, int64, string, bool, nil:
		return x
	case int32:
		return int64(x)
	}
	return nil
}

// recordsTable is the export table of a page of records.
func recordsTable(kpi string, recs *metric.Records) table {
	t := table{Name: "pulso-" + kpi + "-records", Columns: recs.Columns}
	for _, row := range recs.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = exportCell(v)
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}
