package web

import (
	"context"
	"encoding/json"
	"net/http"

	"pulso/internal/alert"
	"pulso/internal/auth"
	"pulso/internal/store"
)

// ackAlert acknowledges a firing alert the user may see.
func (s *server) ackAlert(ctx context.Context, u *User, lang, id, ip string) (alertItem, error) {
	it, err := s.findAlert(ctx, u, lang, id)
	if err != nil {
		return it, err
	}
	if !alert.Acknowledge(&it.Alert, who(u), s.cfg.Now().UTC()) {
		return it, badRequest("alerts.not_firing", nil, nil)
	}
	body, err := json.Marshal(it.Alert)
	if err != nil {
		return it, err
	}
	row := it.row
	row.State, row.Body = string(it.State), string(body)
	if err := s.cfg.Store.SaveAlerts(ctx, u.Tenant, []store.AlertRow{row}, nil); err != nil {
		return it, err
	}
	s.audit(ctx, u, ip, "alert.ack", "alert:"+id, nil)
	return it, nil
}

func (s *server) alertAck(w http.ResponseWriter, r *http.Request, c *reqctx) {
	if _, err := s.ackAlert(r.Context(), c.user, c.lang, r.PathValue("id"), clientIP(r)); err != nil {
		s.fail(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/alerts?done=ack", http.StatusSeeOther)
}

// audit records a change; a failure to write it is logged, not shown (the change is made).
func (s *server) audit(ctx context.Context, u *User, ip, action, object string, detail map[string]string) {
	err := s.cfg.Auth.Audit(ctx, auth.Entry{Tenant: u.Tenant, UserID: u.ID, Login: u.Login, Action: action, Object: object, Detail: detail, IP: ip})
	if err != nil {
		s.log.Error("audit", "action", action, "err", err)
	}
}
