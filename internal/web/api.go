package web

import (
	"errors"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"pulso/internal/alert"
	"pulso/internal/metric"
	"pulso/internal/record"
	"pulso/internal/store"
)

// The JSON API serves the same services as the pages. Errors are {"error": {"code", "message"}}.

func (s *server) apiBoard(w http.ResponseWriter, r *http.Request, c *reqctx) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	q, err := s.parseBoardQuery(r.URL.Query(), c.user)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	b, err := s.loadBoard(r.Context(), c.user, c.lang, q, false)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	if format != "" {
		writeTable(w, format, boardTable(c, b))
		return
	}
	fresh, err := s.boardFreshness(r.Context(), c.user, b)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, boardWithFreshness{b, fresh})
}

type apiKPI struct {
	ID         string            `json:"id"`
	Names      map[string]string `json:"names"`
	Module     string            `json:"module"`
	Unit       string            `json:"unit"`
	Direction  string            `json:"direction"`
	Grain      string            `json:"grain,omitempty"`
	Breakdowns []string          `json:"breakdowns"`
	Measures   []string          `json:"measures"`
}

func (s *server) apiKPIs(w http.ResponseWriter, r *http.Request, c *reqctx) {
	e, err := s.engine(r.Context(), c.user.Tenant)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	out := []apiKPI{}
	for _, d := range visibleKPIs(c.user, e.Catalog) {
		out = append(out, apiKPI{ID: d.ID, Names: d.Names, Module: d.Module, Unit: d.Unit, Direction: d.Direction, Grain: d.Grain,
			Breakdowns: d.AllowedBreakdowns(), Measures: d.DrillMeasures()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"kpis": out})
}

// seriesRow is one value of the series API.
type seriesRow struct {
	metric.Row
	YellowEdge *float64 `json:"yellow_edge,omitempty"`
}

// apiSeries returns a KPI's values per period and scope: grain, from, to, by (a comma list of
// breakdowns) and filters by dimension (country=MX&platform=amazon).
func (s *server) apiSeries(w http.ResponseWriter, r *http.Request, c *reqctx) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	v := r.URL.Query()
	q, err := s.parseKPIQuery(v)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	asked := map[string]string{}
	for _, d := range metric.Dimensions {
		if val := v.Get(d); val != "" {
			asked[d] = val
		}
	}
	if err := checkAsked(c.user, asked); err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	ctx := r.Context()
	e, err := s.engine(ctx, c.user.Tenant)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	d, err := e.Catalog.Get(r.PathValue("id"))
	if err != nil {
		s.apiFail(w, r, c, errNotFound)
		return
	}
	if !c.user.Scopes.AllowsKPI(d.Module) {
		s.apiFail(w, r, c, errForbidden)
		return
	}
	var by []string
	if b := v.Get("by"); b != "" {
		by = strings.Split(b, ",")
		for _, x := range by {
			if !slices.Contains(d.Breakdowns, x) {
				s.apiFail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "by"}, nil))
				return
			}
		}
	}
	g, _ := metric.ParseGrain(q.Grain)
	f := filters(c.user, asked)
	rows, err := e.Eval(ctx, metric.Query{Tenant: c.user.Tenant, KPIs: []string{d.ID}, Grain: g, From: q.From, To: q.To, By: by,
		Filters: cloneFilters(f), AsOf: s.today()})
	if err != nil {
		var de *metric.DefError
		if errors.As(err, &de) {
			err = badRequest("error.bad_param", map[string]any{"Source": de.Field}, err)
		}
		s.apiFail(w, r, c, err)
		return
	}
	rows = keepRows(c.user, rows, f)
	j, err := s.judge(ctx, c.user.Tenant, e.Catalog)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	j.rows(rows, f)
	if format != "" {
		t := table{Name: "pulso-" + d.ID + "-series", Columns: []string{"period", "scope", "value", "numerator", "denominator", "target", "status", "provisional"}}
		for _, row := range rows {
			t.Rows = append(t.Rows, []any{row.Period, scopeString(row.Scope), row.Value, row.Numerator, row.Denominator, row.Target, row.Status, row.Provisional})
		}
		writeTable(w, format, t)
		return
	}
	out := make([]seriesRow, len(rows))
	for i, row := range rows {
		out[i] = seriesRow{Row: row}
		_, out[i].YellowEdge = j.band(row, f)
	}
	writeJSON(w, http.StatusOK, map[string]any{"kpi": d.ID, "unit": d.Unit, "direction": d.Direction, "grain": q.Grain,
		"from": q.From.Format(time.DateOnly), "to": q.To.Format(time.DateOnly), "by": by, "rows": out})
}

func (s *server) apiRecords(w http.ResponseWriter, r *http.Request, c *reqctx) {
	format, err := exportFormat(r, c.user)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	q, err := s.parseRecordsQuery(r)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	recs, d, err := s.loadRecords(r.Context(), c.user, q, clientIP(r), format)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	if format != "" {
		t := recordsTable(d.ID, recs)
		writeTable(w, format, t)
		return
	}
	writeJSON(w, http.StatusOK, recs)
}

func (s *server) apiAlerts(w http.ResponseWriter, r *http.Request, c *reqctx) {
	states := alertStates
	if st := r.URL.Query().Get("state"); st != "" {
		states = nil
		for _, x := range strings.Split(st, ",") {
			if !slices.Contains([]alert.State{alert.Pending, alert.Firing, alert.Acknowledged, alert.Resolved}, alert.State(x)) {
				s.apiFail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "state"}, nil))
				return
			}
			states = append(states, alert.State(x))
		}
	}
	items, err := s.loadAlerts(r.Context(), c.user, c.lang, states...)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	if items == nil {
		items = []alertItem{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": items})
}

func (s *server) apiAlertAck(w http.ResponseWriter, r *http.Request, c *reqctx) {
	it, err := s.ackAlert(r.Context(), c.user, c.lang, r.PathValue("id"), clientIP(r))
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (s *server) apiSources(w http.ResponseWriter, r *http.Request, c *reqctx) {
	lines, limit, err := s.loadSources(r.Context(), c.user, true)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"stale_after_hours": limit, "sources": lines})
}

func (s *server) apiTargets(w http.ResponseWriter, r *http.Request, c *reqctx) {
	lines, _, err := s.loadTargets(r.Context(), c.user, c.lang)
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	if lines == nil {
		lines = []targetLine{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"targets": lines})
}

// apiImport checks and applies one file: multipart (field "file") or the raw body, whose
// name is ?name= (default upload.csv). Bad rows answer 422 with the report and nothing is
// stored, unless skip_invalid=true: then the valid rows are applied and the rejected ones
// kept as a CSV file for the user to download (rejects.url). pseudonymise names extra
// columns to keep as keyed hashes instead of dropping them as personal data.
func (s *server) apiImport(w http.ResponseWriter, r *http.Request, c *reqctx) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20)
	q := r.URL.Query()
	kind := q.Get("kind")
	skip, err := boolParam(q.Get("skip_invalid"))
	if err != nil {
		s.apiFail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "skip_invalid"}, err))
		return
	}
	var opt checkOptions
	for _, v := range q["pseudonymise"] {
		for _, col := range strings.Split(v, ",") {
			if n := record.NormalizeHeader(col); n != "" && !slices.Contains(opt.Pseudonymise, n) {
				opt.Pseudonymise = append(opt.Pseudonymise, n)
			}
		}
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var up *upload
	var rep *checkReport
	if ct == "multipart/form-data" {
		file, hdr, ferr := r.FormFile("file")
		if ferr != nil {
			s.apiFail(w, r, c, badRequest("import.no_file", nil, ferr))
			return
		}
		defer file.Close()
		if kind == "" {
			kind = r.FormValue("kind")
		}
		up, rep, err = s.receive(r.Context(), c.user, kind, file, hdr.Filename, opt)
	} else {
		name := q.Get("name")
		if name == "" {
			name = "upload.csv"
			if ct == "application/x-ndjson" {
				name = "upload.ndjson"
			}
		}
		up, rep, err = s.receive(r.Context(), c.user, kind, r.Body, name, opt)
	}
	if err != nil {
		s.apiFail(w, r, c, err)
		return
	}
	rep.translate(c.loc)
	if up != nil && !up.OK && !(skip && up.Partial) { // the API has no mapping step: a file that fails its check is dropped
		s.uploads.take(up.ID, up.Tenant, up.UserID)
		os.Remove(up.Path)
		up = nil
	}
	if up == nil {
		code, msg := "invalid_file", c.loc.MustT("import.fix_and_retry", nil)
		switch {
		case rep.FileError != "":
			// the file as a whole: no row to fix
			code, msg = "file_refused", c.loc.MustT("import.file_refused", nil)+" "+problemText(c.loc, &rep.FileProblem)
		case skip && rep.ScopeRows > 0:
			msg = c.loc.MustT("import.scope_not_skipped", nil)
		case skip && rep.Rows == rep.BadRows:
			msg = c.loc.MustT("import.no_valid_rows", nil)
		}
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]string{"code": code, "message": msg}, "report": rep})
		return
	}
	s.uploads.take(up.ID, up.Tenant, up.UserID)
	res, rejects, err := s.commit(r.Context(), c.user, up, clientIP(r), skip && !up.OK)
	if errors.Is(err, store.ErrOutOfScope) {
		writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]string{"code": "out_of_scope",
			"message": c.loc.MustT("import.scope_refused", nil) + " " + err.Error()}, "report": rep})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]string{"code": "import_failed", "message": err.Error()}, "report": rep})
		return
	}
	c2 := res.Counts
	out := map[string]any{"report": rep, "kind": res.Kind, "counts": map[string]int64{"read": c2.Read,
		"inserted": c2.Inserted, "updated": c2.Updated, "unchanged": c2.Unchanged, "rejected": c2.Rejected}}
	if rejects != nil {
		out["rejects"] = map[string]any{"id": rejects.ID, "name": rejects.Name, "rows": rejects.Rows, "url": "/api/v1/imports/rejects/" + rejects.ID}
	}
	writeJSON(w, http.StatusOK, out)
}

// boolParam reads a boolean query parameter ("" is false).
func boolParam(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	return strconv.ParseBool(v)
}
