package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"pulso/internal/alert"
	"pulso/internal/monitor"
	"pulso/internal/store"
)

// silenceAlert adds a silence for the alert's KPI and scope to the tenant's alerting
// configuration (the YAML document is edited as a tree, so its comments and the rest stay as
// written) and marks the stored alert silenced.
func (s *server) silenceAlert(ctx context.Context, u *User, lang, id string, hours int, comment, ip string) error {
	if hours < 1 || hours > 24*30 {
		return badRequest("error.bad_param", map[string]any{"Source": "hours"}, nil)
	}
	it, err := s.findAlert(ctx, u, lang, id)
	if err != nil {
		return err
	}
	e, err := s.engine(ctx, u.Tenant)
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC().Truncate(time.Second)
	sil := alert.Silence{ID: fmt.Sprintf("web-%s-%d", id, now.Unix()), KPIs: []string{it.KPI}, Scope: map[string][]string{},
		From: now, To: now.Add(time.Duration(hours) * time.Hour), Comment: comment, By: who(u)}
	for k, v := range it.Scope {
		sil.Scope[k] = []string{v}
	}
	src, err := s.cfg.Store.Setting(ctx, u.Tenant, monitor.SettingName)
	if errors.Is(err, store.ErrNotFound) {
		def, err := yaml.Marshal(monitor.Default())
		if err != nil {
			return err
		}
		src = string(def)
	} else if err != nil {
		return err
	}
	out, err := appendSilence([]byte(src), sil)
	if err != nil {
		return err
	}
	exists := func(id string) bool { _, err := e.Catalog.Get(id); return err == nil }
	if _, err := monitor.ParseConfig(out, exists); err != nil {
		return fmt.Errorf("silence: the edited alerting configuration does not check: %w", err)
	}
	if err := s.cfg.Store.PutSetting(ctx, u.Tenant, monitor.SettingName, string(out), who(u)); err != nil {
		return err
	}
	it.Silenced = true
	body, err := json.Marshal(it.Alert)
	if err != nil {
		return err
	}
	row := it.row
	row.Body = string(body)
	if err := s.cfg.Store.SaveAlerts(ctx, u.Tenant, []store.AlertRow{row}, nil); err != nil {
		return err
	}
	s.audit(ctx, u, ip, "alert.silence", "alert:"+id, map[string]string{"hours": strconv.Itoa(hours)})
	return nil
}

// appendSilence adds a silence to the silences list of an alerting YAML document.
func appendSilence(src []byte, sil alert.Silence) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("alerting: %w", err)
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("alerting: the document is not a mapping")
	}
	var item yaml.Node
	if err := item.Encode(sil); err != nil {
		return nil, err
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "silences" {
			list = root.Content[i+1]
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		if list != nil { // "silences:" with nothing after it
			*list = *seq
		} else {
			list = seq
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "silences"}, list)
		}
	}
	list.Content = append(list.Content, &item)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (s *server) alertSilence(w http.ResponseWriter, r *http.Request, c *reqctx) {
	hours, err := strconv.Atoi(r.PostFormValue("hours"))
	if err != nil {
		s.fail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "hours"}, err))
		return
	}
	if err := s.silenceAlert(r.Context(), c.user, c.lang, r.PathValue("id"), hours, r.PostFormValue("comment"), clientIP(r)); err != nil {
		s.fail(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/alerts?done=silence", http.StatusSeeOther)
}
