package web

import (
	"net/http"
	"slices"

	"pulso/internal/auth"
)

// setCurrency remembers the currency the user reads money in (USD, CNY or local: each
// country's own) with their settings, then goes back to the page they were on.
func (s *server) setCurrency(w http.ResponseWriter, r *http.Request, c *reqctx) {
	cur := r.PostFormValue("currency")
	if !slices.Contains(auth.Currencies, cur) {
		s.fail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "currency"}, nil))
		return
	}
	if c.user.Currency != cur {
		u := *c.user
		u.Currency = cur
		if _, err := s.cfg.Auth.UpdateUser(r.Context(), u); err != nil {
			s.fail(w, r, c, err)
			return
		}
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}
