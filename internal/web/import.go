package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

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
	Upload string // id of the checked file, when it can be committed
	Mapped string // id of the kept file, when its columns can be mapped
	Result *ingest.Result
	Error  string
	Flash  string
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
func (s *server) receive(ctx context.Context, u *User, kindName string, file io.Reader, name string) (*upload, *checkReport, error) {
	kind, err := record.NewCatalog().Kind(kindName)
	if err != nil {
		return nil, nil, badRequest("import.bad_kind", nil, err)
	}
	name = filepath.Base(name)
	format, err := reader.DetectFormat(name)
	if err != nil {
		return nil, &checkReport{Kind: kind.Name, File: name, FileError: err.Error()}, nil
	}
	path, err := s.uploads.receive(u.Tenant, u.ID, name, file, s.cfg.MaxUpload)
	if errors.Is(err, errTooLarge) {
		err = badRequest("import.too_large", map[string]any{"Count": s.cfg.MaxUpload >> 20}, nil)
	}
	if err != nil {
		return nil, nil, err
	}
	rep, err := s.checkFile(ctx, u, kind, name, format, path, nil)
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
		Format: string(format), At: s.cfg.Now(), OK: rep.OK()}
	s.uploads.put(up)
	return up, rep, nil
}

// importMap re-checks a kept upload with the column mapping the user chose.
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
	mapping := map[string]string{}
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
	rep, err := s.checkFile(r.Context(), c.user, kind, up.Name, reader.Format(up.Format), up.Path, mapping)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	up.Mapping, up.OK = mapping, rep.OK()
	v.Chosen, v.Report = up.Kind, rep
	s.setUpload(v, up)
	status := http.StatusOK
	if !up.OK {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "import", v)
}

// setUpload offers the commit of a checked upload, or the mapping of its columns.
func (s *server) setUpload(v *importView, up *upload) {
	if up == nil {
		return
	}
	v.Mapped = up.ID
	if up.OK {
		v.Upload = up.ID
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
	up, rep, err := s.receive(r.Context(), c.user, v.Chosen, file, hdr.Filename)
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

// commit applies a checked upload through ingest, as one batch.
func (s *server) commit(ctx context.Context, u *User, up *upload, ip string) (ingest.Result, error) {
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
	res, err := ingest.New(s.cfg.Store).Import(ctx, ingest.Options{Tenant: u.Tenant, Kind: up.Kind, Source: "upload", Rename: up.Mapping,
		Guard: &store.WriteGuard{Countries: u.Scopes.Countries, Platforms: u.Scopes.Platforms}}, in)
	if err != nil {
		return res, err
	}
	s.audit(ctx, u, ip, "import", "kind:"+up.Kind, map[string]string{"file": up.Name, "rows": fmt.Sprint(res.Counts.Read)})
	return res, nil
}

func (s *server) importCommit(w http.ResponseWriter, r *http.Request, c *reqctx) {
	v := &importView{page: s.newPage(r, c, "import.title"), Kinds: kindNames()}
	up, ok := s.uploads.take(r.PostFormValue("upload"), c.user.Tenant, c.user.ID)
	if ok && !up.OK {
		s.uploads.put(up) // not checked clean: keep it for its mapping
		ok = false
	}
	if !ok {
		v.Error = c.loc.MustT("import.expired", nil)
		s.render(w, r, http.StatusBadRequest, "import", v)
		return
	}
	v.Chosen = up.Kind
	res, err := s.commit(r.Context(), c.user, up, clientIP(r))
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
	v.Result = &res
	v.Flash = c.loc.MustT("import.done", nil)
	s.render(w, r, http.StatusOK, "import", v)
}
