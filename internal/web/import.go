package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"pulso/internal/ingest"
	"pulso/internal/ingest/reader"
	"pulso/internal/record"
	"pulso/internal/store"
)

type importView struct {
	*page
	Kinds  []string
	Chosen string
	Report *checkReport
	Upload string // id of the checked file, when it can be committed whole
	Skip   string // id of the checked file, when its valid rows can be committed without the bad ones
	Mapped string // id of the kept file, when its columns can be mapped or its personal columns kept
	Result *ingest.Result
	// Rejects is the reject file of a commit that skipped bad rows, to download.
	Rejects *upload
	Error   string
	Flash   string
}

// Problem says a problem of the report in the user's language.
func (v *importView) Problem(p rowProblem) template.HTML { return problemHTML(v.loc, &p) }

// ValidRows is how many rows of the report can be applied.
func (v *importView) ValidRows() int {
	if v.Report == nil {
		return 0
	}
	return v.Report.Rows - v.Report.BadRows
}

func kindNames() []string {
	var out []string
	for _, k := range record.NewCatalog().All() {
		out = append(out, k.Name)
	}
	return out
}

func (s *server) importPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	v := &importView{page: s.newPage(r, c, "import.title"), Kinds: kindNames(), Chosen: r.URL.Query().Get("kind")}
	s.render(w, r, http.StatusOK, "import", v)
}

// receive reads the multipart form's kind and file into a checked upload.
func (s *server) receive(ctx context.Context, u *User, kindName string, file io.Reader, name string, opt checkOptions) (*upload, *checkReport, error) {
	kind, err := record.NewCatalog().Kind(kindName)
	if err != nil {
		return nil, nil, badRequest("import.bad_kind", nil, err)
	}
	name = filepath.Base(name)
	format, err := reader.DetectFormat(name)
	if err != nil {
		return nil, &checkReport{Kind: kind.Name, File: name, FileError: err.Error(),
			FileProblem: rowProblem{Reason: err.Error(), Key: "import.bad_format"}}, nil
	}
	path, err := s.uploads.receive(u.Tenant, u.ID, name, file, s.cfg.MaxUpload)
	if errors.Is(err, errTooLarge) {
		err = badRequest("import.too_large", map[string]any{"Count": s.cfg.MaxUpload >> 20}, nil)
	}
	if err != nil {
		return nil, nil, err
	}
	rep, err := s.checkFile(ctx, u, kind, name, format, path, opt)
	if err != nil {
		os.Remove(path)
		return nil, nil, err
	}
	if rep.Header == nil { // unreadable: nothing to map or commit
		os.Remove(path)
		return nil, rep, nil
	}
	// Kept even when the check fails on its header, so the columns can be mapped.
	up := &upload{ID: randomToken(), Tenant: u.Tenant, UserID: u.ID, Kind: kind.Name, Name: name, Path: path,
		Format: string(format), At: s.cfg.Now(), Mapping: opt.Mapping, Pseudonymise: rep.Pseudonymised, OK: rep.OK(), Partial: rep.Skippable()}
	s.uploads.put(up)
	return up, rep, nil
}

// importMap re-checks a kept upload with the column mapping the user chose (col_N, map_N;
// without them the mapping stays) and the extra columns to keep as pseudonyms (pseudo).
func (s *server) importMap(w http.ResponseWriter, r *http.Request, c *reqctx) {
	v := &importView{page: s.newPage(r, c, "import.title"), Kinds: kindNames()}
	up, ok := s.uploads.peek(r.PostFormValue("upload"), c.user.Tenant, c.user.ID)
	if !ok {
		v.Error = c.loc.MustT("import.expired", nil)
		s.render(w, r, http.StatusBadRequest, "import", v)
		return
	}
	kind, err := record.NewCatalog().Kind(up.Kind)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	mapping := up.Mapping
	if _, ok := r.PostForm["col_0"]; ok {
		mapping = map[string]string{}
	}
	for i := 0; ; i++ {
		from, ok := r.PostForm["col_"+fmt.Sprint(i)]
		if !ok {
			break
		}
		to := r.PostFormValue("map_" + fmt.Sprint(i))
		if to != "" && kind.Col(to) < 0 {
			v.Error = c.loc.MustT("import.bad_mapping", nil)
			s.render(w, r, http.StatusBadRequest, "import", v)
			return
		}
		mapping[record.NormalizeHeader(from[0])] = to
	}
	var pseudo []string
	for _, col := range r.PostForm["pseudo"] {
		if n := record.NormalizeHeader(col); n != "" && !slices.Contains(pseudo, n) {
			if kind.Col(n) >= 0 {
				v.Error = c.loc.MustT("import.bad_pseudonymise", nil)
				s.render(w, r, http.StatusBadRequest, "import", v)
				return
			}
			pseudo = append(pseudo, n)
		}
	}
	rep, err := s.checkFile(r.Context(), c.user, kind, up.Name, reader.Format(up.Format), up.Path, checkOptions{Mapping: mapping, Pseudonymise: pseudo})
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	up.Mapping, up.Pseudonymise, up.OK, up.Partial = mapping, rep.Pseudonymised, rep.OK(), rep.Skippable()
	v.Chosen, v.Report = up.Kind, rep
	s.setUpload(v, up)
	status := http.StatusOK
	if !up.OK {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "import", v)
}

// setUpload offers the commit of a checked upload (whole, or its valid rows), or the mapping
// of its columns.
func (s *server) setUpload(v *importView, up *upload) {
	if up == nil {
		return
	}
	v.Mapped = up.ID
	if up.OK {
		v.Upload = up.ID
	}
	if up.Partial {
		v.Skip = up.ID
	}
}

func (s *server) importCheck(w http.ResponseWriter, r *http.Request, c *reqctx) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20)
	v := &importView{page: s.newPage(r, c, "import.title"), Kinds: kindNames(), Chosen: r.FormValue("kind")}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		v.Error = c.loc.MustT("import.no_file", nil)
		s.render(w, r, http.StatusBadRequest, "import", v)
		return
	}
	defer file.Close()
	up, rep, err := s.receive(r.Context(), c.user, v.Chosen, file, hdr.Filename, checkOptions{})
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) {
			v.Error = c.loc.MustT(ue.key, ue.data)
			s.render(w, r, ue.status, "import", v)
			return
		}
		s.fail(w, r, c, err)
		return
	}
	v.Report = rep
	s.setUpload(v, up)
	status := http.StatusOK
	if up == nil || !up.OK {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "import", v)
}

// commit applies a checked upload through ingest, as one batch. With skip, rows the parser
// refuses are left out and written to a reject file, kept for the user to download (as
// `pulso import --skip-invalid` writes FILE.rejects.csv); it is returned with the result.
func (s *server) commit(ctx context.Context, u *User, up *upload, ip string, skip bool) (ingest.Result, *upload, error) {
	defer os.Remove(up.Path)
	in := ingest.Input{Name: up.Name, Format: reader.Format(up.Format), Open: func() (io.ReadCloser, int64, error) {
		f, err := os.Open(up.Path)
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		return f, st.Size(), nil
	}}
	opt := ingest.Options{Tenant: u.Tenant, Kind: up.Kind, Source: "upload", Rename: up.Mapping, Pseudonymise: up.Pseudonymise,
		Guard: &store.WriteGuard{Countries: u.Scopes.Countries, Platforms: u.Scopes.Platforms}}
	if skip {
		dir, err := s.uploads.rejectDir()
		if err != nil {
			return ingest.Result{}, nil, fmt.Errorf("reject directory: %w", err)
		}
		defer os.RemoveAll(dir)
		opt.SkipInvalid, opt.RejectDir = true, dir
	}
	res, err := ingest.New(s.cfg.Store).Import(ctx, opt, in)
	if err != nil {
		return res, nil, err
	}
	detail := map[string]string{"file": up.Name, "rows": fmt.Sprint(res.Counts.Read)}
	if skip {
		detail["rejected"] = fmt.Sprint(res.Counts.Rejected)
	}
	s.audit(ctx, u, ip, "import", "kind:"+up.Kind, detail)
	var rejects *upload
	if len(res.RejectFiles) > 0 {
		// The rows are stored: a reject file that cannot be kept loses the download, not the import.
		if rejects, err = s.uploads.keepRejects(u.Tenant, u.ID, up.Name+".rejects.csv", res.RejectFiles[0], res.Counts.Rejected); err != nil {
			s.log.Error("keep reject file", "err", err)
		}
	}
	return res, rejects, nil
}

func (s *server) importCommit(w http.ResponseWriter, r *http.Request, c *reqctx) {
	v := &importView{page: s.newPage(r, c, "import.title"), Kinds: kindNames()}
	skip := r.PostFormValue("skip_invalid") != ""
	up, ok := s.uploads.take(r.PostFormValue("upload"), c.user.Tenant, c.user.ID)
	if ok && !up.OK && !(skip && up.Partial) {
		s.uploads.put(up) // not checked clean: keep it for its mapping
		ok = false
	}
	if !ok {
		v.Error = c.loc.MustT("import.expired", nil)
		s.render(w, r, http.StatusBadRequest, "import", v)
		return
	}
	v.Chosen = up.Kind
	res, rejects, err := s.commit(r.Context(), c.user, up, clientIP(r), skip && !up.OK)
	if err != nil {
		// ingest names the file, row and column of what it refused
		status := http.StatusUnprocessableEntity
		v.Error = c.loc.MustT("import.failed", nil) + " " + err.Error()
		if errors.Is(err, store.ErrOutOfScope) {
			status = http.StatusForbidden
			v.Error = c.loc.MustT("import.scope_refused", nil) + " " + err.Error()
		}
		s.render(w, r, status, "import", v)
		return
	}
	v.Result, v.Rejects = &res, rejects
	v.Flash = c.loc.MustT("import.done", nil)
	if res.Counts.Rejected > 0 {
		v.Flash = c.loc.MustT("import.done_partial", map[string]any{"Count": res.Counts.Rejected})
	}
	s.render(w, r, http.StatusOK, "import", v)
}

// apiRejects sends the reject file of one of the user's own imports.
func (s *server) apiRejects(w http.ResponseWriter, r *http.Request, c *reqctx) {
	up, ok := s.uploads.rejects(r.PathValue("id"), c.user.Tenant, c.user.ID)
	if !ok {
		s.apiFail(w, r, c, errNotFound)
		return
	}
	f, err := os.Open(up.Path)
	if err != nil {
		s.apiFail(w, r, c, errNotFound) // swept between the look-up and here
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(up.Name))
	w.Header().Set("Cache-Control", "no-store")
	io.Copy(w, f)
}
