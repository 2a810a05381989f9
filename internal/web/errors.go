package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"pulso/internal/metric"
	"pulso/internal/store"
)

// userError is an error a user should read: an HTTP status, a message key with its data, and
// the detail for the log.
type userError struct {
	status int
	code   string // API error code
	key    string // i18n key of the message
	data   map[string]any
	err    error
}

func (e *userError) Error() string {
	if e.err != nil {
		return e.code + ": " + e.err.Error()
	}
	return e.code
}

func (e *userError) Unwrap() error { return e.err }

var (
	errForbidden = &userError{status: http.StatusForbidden, code: "forbidden", key: "error.forbidden"}
	errNotFound  = &userError{status: http.StatusNotFound, code: "not_found", key: "error.not_found"}
	errCSRF      = &userError{status: http.StatusForbidden, code: "csrf", key: "error.csrf"}
	// errUnavailable answers while the database cannot be reached; clients may retry after
	// retryAfterSeconds.
	errUnavailable = &userError{status: http.StatusServiceUnavailable, code: "unavailable", key: "error.unavailable"}
)

// retryAfterSeconds is the Retry-After of a 503.
const retryAfterSeconds = "5"

// badRequest is a problem with what the user sent; the message says which.
func badRequest(key string, data map[string]any, err error) *userError {
	return &userError{status: http.StatusBadRequest, code: "bad_request", key: key, data: data, err: err}
}

// classify maps any error to what the user sees: user errors as they are, a database that
// cannot be reached a 503 (the pool reconnects by itself once it is back), everything else a
// 500 whose detail goes to the log only.
func (s *server) classify(r *http.Request, err error) *userError {
	var ue *userError
	if errors.As(err, &ue) {
		return ue
	}
	var fx *metric.FXMissingError
	if errors.As(err, &fx) { // the seller's data lacks a rate: say which, as a 422
		return &userError{status: http.StatusUnprocessableEntity, code: "fx_missing", key: "error.fx_missing",
			data: map[string]any{"Currency": fx.Currency, "Day": fx.Day.Format("2006-01-02"), "Report": fx.Report}, err: err}
	}
	if store.Unavailable(err) {
		s.log.Warn("database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		return errUnavailable
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return &userError{status: http.StatusInternalServerError, code: "internal", key: "error.internal", err: err}
}

// fail renders an error page (or, for htmx, the message alone).
func (s *server) fail(w http.ResponseWriter, r *http.Request, c *reqctx, err error) {
	ue := s.classify(r, err)
	if ue.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	v := &errorView{page: s.newPage(r, c, "error.title"), Code: ue.status, Message: c.loc.MustT(ue.key, ue.data)}
	v.URI = "/" // the language picker returns to the board, not to the refused URL
	switch {
	case ue.status == http.StatusInternalServerError:
		v.Message = c.loc.MustT("error.internal", nil)
	case ue.status == http.StatusForbidden && ue.code == "forbidden":
		// name what was refused, and who can help, rather than "something went wrong"
		v.TitleKey, v.Message, v.Hint = "error.title_forbidden", s.forbiddenMessage(r, c), c.loc.MustT("error.forbidden_hint", nil)
	case ue.status == http.StatusNotFound:
		v.TitleKey = "error.title_not_found"
	}
	s.render(w, r, ue.status, "error", v)
}

type errorView struct {
	*page
	Code    int
	Message string
	Hint    string // what the user can do about it
}

// apiFail writes an error as JSON.
func (s *server) apiFail(w http.ResponseWriter, r *http.Request, c *reqctx, err error) {
	ue := s.classify(r, err)
	msg := c.loc.MustT(ue.key, ue.data)
	if ue.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	writeJSONError(w, ue.status, ue.code, msg)
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// writeJSON encodes v in full before it sends the status, so that a value that cannot be
// encoded answers 500 with a JSON error instead of 200 with an empty or cut body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		status = http.StatusInternalServerError
		json.NewEncoder(&buf).Encode(map[string]any{"error": map[string]string{"code": "internal", "message": "the answer could not be encoded"}})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
