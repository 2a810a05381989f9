package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"pulso/internal/auth"
	"pulso/internal/metric"
	"pulso/internal/monitor"
	"pulso/internal/notify"
	"pulso/internal/notify/dingtalk"
	"pulso/internal/notify/email"
	"pulso/internal/notify/feishu"
	"pulso/internal/notify/slack"
	"pulso/internal/notify/webhook"
	"pulso/internal/notify/wecom"
	"pulso/internal/store"
)

// Alert channels on the settings page: an administrator adds and edits the channels of the
// tenant's alerting document and sends a test message through one. A save goes through
// monitor.Apply, as `pulso alert apply` does: the whole document is checked, every channel
// secret is sealed under the secret key, and nothing is stored when anything fails. Secrets
// are write-only: the forms show a stored one masked (secret.Mask), and an empty secret field
// keeps the stored value.

// chField is one field of a channel type's form: its YAML key under the type's block, the
// label's message key, and how it is entered.
type chField struct {
	Key      string   // "url": the form field is "<type>.url", the YAML field <type>.url
	Label    string   // i18n key
	Kind     string   // text, secret, password, select, headers, list, number
	Options  []string // select: the values (the first is the default)
	Required bool
	Help     string // i18n key, optional
}

// channelFields are the fields the form offers per channel type (notify's Config types).
var channelFields = map[string][]chField{
	notify.DingTalk: {
		{Key: "url", Label: "channel.field.url", Kind: "secret", Required: true, Help: "channel.help.dingtalk_url"},
		{Key: "secret", Label: "channel.field.signing_secret", Kind: "password", Help: "channel.help.dingtalk_secret"},
		{Key: "msg_type", Label: "channel.field.msg_type", Kind: "select", Options: []string{"markdown", "text"}},
		{Key: "timeout", Label: "channel.field.timeout", Kind: "text", Help: "channel.help.timeout"},
	},
	notify.Feishu: {
		{Key: "url", Label: "channel.field.url", Kind: "secret", Required: true, Help: "channel.help.feishu_url"},
		{Key: "secret", Label: "channel.field.signing_secret", Kind: "password"},
		{Key: "msg_type", Label: "channel.field.msg_type", Kind: "select", Options: []string{"interactive", "text"}},
		{Key: "timeout", Label: "channel.field.timeout", Kind: "text", Help: "channel.help.timeout"},
	},
	notify.WeCom: {
		{Key: "url", Label: "channel.field.url", Kind: "secret", Required: true, Help: "channel.help.wecom_url"},
		{Key: "msg_type", Label: "channel.field.msg_type", Kind: "select", Options: []string{"markdown", "text"}},
		{Key: "timeout", Label: "channel.field.timeout", Kind: "text", Help: "channel.help.timeout"},
	},
	notify.Slack: {
		{Key: "url", Label: "channel.field.url", Kind: "secret", Required: true, Help: "channel.help.slack_url"},
		{Key: "timeout", Label: "channel.field.timeout", Kind: "text", Help: "channel.help.timeout"},
	},
	notify.Email: {
		{Key: "host", Label: "channel.field.host", Kind: "text", Required: true},
		{Key: "port", Label: "channel.field.port", Kind: "number", Help: "channel.help.port"},
		{Key: "username", Label: "channel.field.username", Kind: "text"},
		{Key: "password", Label: "channel.field.password", Kind: "password"},
		{Key: "from", Label: "channel.field.from", Kind: "text", Required: true, Help: "channel.help.from"},
		{Key: "to", Label: "channel.field.to", Kind: "list", Required: true, Help: "channel.help.to"},
		{Key: "helo_name", Label: "channel.field.helo_name", Kind: "text"},
		{Key: "ca_file", Label: "channel.field.ca_file", Kind: "text", Help: "channel.help.ca_file"},
		{Key: "timeout", Label: "channel.field.timeout", Kind: "text", Help: "channel.help.timeout"},
	},
	notify.Webhook: {
		{Key: "url", Label: "channel.field.url", Kind: "secret", Required: true, Help: "channel.help.webhook_url"},
		{Key: "secret", Label: "channel.field.signing_secret", Kind: "password", Help: "channel.help.webhook_secret"},
		{Key: "headers", Label: "channel.field.headers", Kind: "headers", Help: "channel.help.headers"},
		{Key: "timeout", Label: "channel.field.timeout", Kind: "text", Help: "channel.help.timeout"},
	},
}

// isSecret tells whether a field holds a secret (notify.ChannelConfig.Secrets lists the same).
func (f chField) isSecret() bool {
	return f.Kind == "secret" || f.Kind == "password" || f.Kind == "headers"
}

// channelValues are a channel's fields as the form shows them, keyed "<type>.<key>". On a
// masked channel (notify.ChannelConfig.Masked) the secret fields hold their masks.
func channelValues(ch notify.ChannelConfig) map[string]string {
	v := map[string]string{}
	put := func(k, s string) {
		if s != "" {
			v[ch.Type+"."+k] = s
		}
	}
	dur := func(d time.Duration) string {
		if d == 0 {
			return ""
		}
		return d.String()
	}
	switch {
	case ch.Type == notify.DingTalk && ch.DingTalk != nil:
		c := ch.DingTalk
		put("url", c.URL)
		put("secret", c.Secret)
		put("msg_type", c.MsgType)
		put("timeout", dur(c.Timeout))
	case ch.Type == notify.Feishu && ch.Feishu != nil:
		c := ch.Feishu
		put("url", c.URL)
		put("secret", c.Secret)
		put("msg_type", c.MsgType)
		put("timeout", dur(c.Timeout))
	case ch.Type == notify.WeCom && ch.WeCom != nil:
		c := ch.WeCom
		put("url", c.URL)
		put("msg_type", c.MsgType)
		put("timeout", dur(c.Timeout))
	case ch.Type == notify.Slack && ch.Slack != nil:
		put("url", ch.Slack.URL)
		put("timeout", dur(ch.Slack.Timeout))
	case ch.Type == notify.Email && ch.Email != nil:
		c := ch.Email
		put("host", c.Host)
		if c.Port != 0 {
			put("port", strconv.Itoa(c.Port))
		}
		put("username", c.Username)
		put("password", c.Password)
		put("from", c.From)
		put("to", strings.Join(c.To, ", "))
		put("helo_name", c.HeloName)
		put("ca_file", c.CAFile)
		put("timeout", dur(c.Timeout))
	case ch.Type == notify.Webhook && ch.Webhook != nil:
		c := ch.Webhook
		put("url", c.URL)
		put("secret", c.Secret)
		var hs []string
		for _, k := range slices.Sorted(maps.Keys(c.Headers)) {
			hs = append(hs, k+": "+c.Headers[k])
		}
		put("headers", strings.Join(hs, "\n"))
		put("timeout", dur(c.Timeout))
	}
	return v
}

// fieldError is a form field the user must fix: its label's key and what is wrong.
type fieldError struct {
	label, key string
	data       map[string]any
}

// buildChannel makes the channel a form describes. A secret field left empty keeps old's
// value (sealed as stored) unless its "clear" box is ticked; old is nil for a new channel.
func buildChannel(name, typ string, get func(string) string, old *notify.ChannelConfig) (notify.ChannelConfig, *fieldError) {
	fields, ok := channelFields[typ]
	if !ok {
		return notify.ChannelConfig{}, &fieldError{label: "settings.type", key: "channel.bad_type"}
	}
	var stored map[string]string // the old channel's secrets as stored (sealed)
	if old != nil && old.Type == typ {
		stored = map[string]string{}
		for _, s := range old.Secrets() {
			stored[s.Field] = s.Value
		}
	}
	val := map[string]string{}
	for _, f := range fields {
		form := typ + "." + f.Key
		v := strings.TrimSpace(get(form))
		if f.isSecret() && f.Kind != "headers" && v == "" && get(form+".clear") == "" {
			v = stored[form] // headers are kept below, as a whole
		}
		if f.Required && v == "" {
			return notify.ChannelConfig{}, &fieldError{label: f.Label, key: "channel.required"}
		}
		val[f.Key] = v
	}
	var timeout time.Duration
	if t := val["timeout"]; t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d < 0 || d > time.Hour {
			return notify.ChannelConfig{}, &fieldError{label: "channel.field.timeout", key: "channel.bad_timeout"}
		}
		timeout = d
	}
	ch := notify.ChannelConfig{Name: name, Type: typ}
	switch typ {
	case notify.DingTalk:
		ch.DingTalk = &dingtalk.Config{URL: val["url"], Secret: val["secret"], MsgType: val["msg_type"], Timeout: timeout}
	case notify.Feishu:
		ch.Feishu = &feishu.Config{URL: val["url"], Secret: val["secret"], MsgType: val["msg_type"], Timeout: timeout}
	case notify.WeCom:
		ch.WeCom = &wecom.Config{URL: val["url"], MsgType: val["msg_type"], Timeout: timeout}
	case notify.Slack:
		ch.Slack = &slack.Config{URL: val["url"], Timeout: timeout}
	case notify.Email:
		port := 0
		if p := val["port"]; p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return notify.ChannelConfig{}, &fieldError{label: "channel.field.port", key: "channel.bad_port"}
			}
			port = n
		}
		ch.Email = &email.Config{Host: val["host"], Port: port, Username: val["username"], Password: val["password"],
			From: val["from"], To: splitList(val["to"]), HeloName: val["helo_name"], CAFile: val["ca_file"], Timeout: timeout}
	case notify.Webhook:
		w := &webhook.Config{URL: val["url"], Secret: val["secret"], Timeout: timeout}
		form := typ + ".headers"
		switch {
		case val["headers"] != "":
			w.Headers = map[string]string{}
			for i, line := range strings.Split(val["headers"], "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				k, v, ok := strings.Cut(line, ":")
				if !ok || strings.TrimSpace(k) == "" {
					return notify.ChannelConfig{}, &fieldError{label: "channel.field.headers", key: "channel.bad_header", data: map[string]any{"Count": i + 1}}
				}
				w.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		case get(form+".clear") == "" && old != nil && old.Type == typ && old.Webhook != nil:
			w.Headers = maps.Clone(old.Webhook.Headers) // kept as stored
		}
		ch.Webhook = w
	}
	return ch, nil
}

// alertingSource is the tenant's stored alerting document, or the default configuration's
// when none is stored.
func (s *server) alertingSource(ctx context.Context, tenant string) ([]byte, error) {
	src, err := s.cfg.Store.Setting(ctx, tenant, monitor.SettingName)
	if errors.Is(err, store.ErrNotFound) {
		return yaml.Marshal(monitor.Default())
	}
	return []byte(src), err
}

// channelsOf parses the document's channels as written (secrets as stored: sealed).
func channelsOf(src []byte) ([]notify.ChannelConfig, error) {
	var doc struct {
		Channels []notify.ChannelConfig `yaml:"channels"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("alerting: %w", err)
	}
	return doc.Channels, nil
}

// shownChannels are the tenant's channels as a settings page may show them: masked, with the
// last 4 characters of each secret when the server's key opens them. keyProblem says why the
// secrets could not be opened ("" when they could, or when there are none).
func (s *server) shownChannels(ctx context.Context, tenant string, cat *metric.Catalog) (cfg monitor.Config, keyProblem string, err error) {
	src, err := s.alertingSource(ctx, tenant)
	if err != nil {
		return cfg, "", err
	}
	exists := func(id string) bool { _, err := cat.Get(id); return err == nil }
	if cfg, err = monitor.ParseConfig(src, exists); err != nil {
		return cfg, "", err
	}
	n, err := monitor.CountSecrets(src, tenant)
	if err != nil || len(n.ByKey) == 0 {
		return cfg.Redacted(), "", nil
	}
	kr, err := s.cfg.Keys.Load()
	if err == nil {
		var opened []byte
		if opened, err = monitor.OpenSecrets(src, tenant, kr); err == nil {
			var oc monitor.Config
			if oc, err = monitor.ParseConfig(opened, exists); err == nil {
				return oc.Redacted(), "", nil // the opened values live only in this call
			}
		}
	}
	return cfg.Redacted(), err.Error(), nil
}

// editChannels returns src with fn applied to its channels list (as YAML nodes), so that the
// rest of the document — contacts, rules, silences, comments — stays as written.
func editChannels(src []byte, fn func(list *yaml.Node) error) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("alerting: %w", err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("alerting: the document is not a mapping")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "channels" {
			list = root.Content[i+1]
		}
	}
	if list == nil {
		list = &yaml.Node{Kind: yaml.SequenceNode}
		root.Content = append([]*yaml.Node{{Kind: yaml.ScalarNode, Value: "channels"}, list}, root.Content...)
	} else if list.Kind != yaml.SequenceNode { // "channels:" with nothing after it
		*list = yaml.Node{Kind: yaml.SequenceNode}
	}
	if err := fn(list); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// channelIndex is the position of the channel named name in a channels list, or -1.
func channelIndex(list *yaml.Node, name string) int {
	for i, item := range list.Content {
		var ch struct {
			Name string `yaml:"name"`
		}
		if item.Decode(&ch) == nil && ch.Name == name {
			return i
		}
	}
	return -1
}

// mayEditChannels: channels are the whole tenant's, so only an administrator whose scopes
// are not restricted changes them (a country's administrator sees them).
func mayEditChannels(u *User) bool {
	return u.Can(auth.ManageChannels) && u.Scopes.Unrestricted()
}

// channelView is the add/edit page of one channel.
type channelView struct {
	*page
	Editing  string // the channel's name when editing (name and type are then fixed)
	Type     string
	Name     string
	Types    []string
	Blocks   []channelBlock
	Contacts []string // contacts that use the channel
	Flash    string
	Error    string
}

type channelBlock struct {
	Type   string
	Fields []channelFieldView
}

// channelDetail is one field of a channel as the settings list shows it (secrets masked);
// ValueKey, when set, is the message key of a value chosen from a list.
type channelDetail struct{ Label, Value, ValueKey string }

// channelDetails lists a masked channel's fields that are set, in the form's order.
func channelDetails(ch notify.ChannelConfig) []channelDetail {
	vals := channelValues(ch)
	var out []channelDetail
	for _, f := range channelFields[ch.Type] {
		if v := vals[ch.Type+"."+f.Key]; v != "" {
			d := channelDetail{Label: f.Label, Value: v}
			switch f.Kind {
			case "headers":
				d.Value = strings.ReplaceAll(v, "\n", "; ")
			case "select":
				d.ValueKey = "channel." + f.Key + "." + v
			}
			out = append(out, d)
		}
	}
	return out
}

type channelFieldView struct {
	chField
	Form   string // the form field's name: "<type>.<key>"
	Value  string // the value to show (never a secret)
	Stored string // a stored secret's mask ("••••abcd")
	Secret bool
}

// ChannelType names a channel type in the page's language.
func (p *page) ChannelType(t string) string { return p.tOr("channel.type."+t, t) }

// RuleType names an alert rule type in the page's language.
func (p *page) RuleType(t string) string { return p.tOr("rule.type."+t, t) }

// LangName is a language's own name ("Español"), or the code when it is not one Pulso speaks.
func (p *page) LangName(code string) string {
	if n, ok := langNames[code]; ok {
		return n
	}
	return code
}

// channelPage shows the add form (?type= preselects a type) or the edit form (?name=).
func (s *server) channelPage(w http.ResponseWriter, r *http.Request, c *reqctx) {
	name := r.URL.Query().Get("name")
	typ := r.URL.Query().Get("type")
	if typ != "" && channelFields[typ] == nil {
		s.fail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "type"}, nil))
		return
	}
	s.showChannel(w, r, c, http.StatusOK, name, typ, nil, "", "")
}

// showChannel renders the channel page; form holds what the user sent (nil: the stored
// values, or an empty form).
func (s *server) showChannel(w http.ResponseWriter, r *http.Request, c *reqctx, status int, editing, typ string, form func(string) string, flash, errMsg string) {
	ctx := r.Context()
	if !mayEditChannels(c.user) {
		s.fail(w, r, c, errForbidden)
		return
	}
	v := &channelView{page: s.newPage(r, c, "channel.title_new"), Editing: editing, Type: typ, Types: notify.Types, Flash: flash, Error: errMsg}
	for i := range v.Nav {
		v.Nav[i].Current = v.Nav[i].Href == "/settings" // the menu marks the settings page
	}
	if v.Type == "" {
		v.Type = notify.Types[0]
	}
	var values, masks map[string]string
	if editing != "" {
		e, err := s.engine(ctx, c.user.Tenant)
		if err != nil {
			s.fail(w, r, c, err)
			return
		}
		cfg, _, err := s.shownChannels(ctx, c.user.Tenant, e.Catalog)
		if err != nil {
			s.fail(w, r, c, err)
			return
		}
		i := slices.IndexFunc(cfg.Channels, func(ch notify.ChannelConfig) bool { return ch.Name == editing })
		if i < 0 {
			s.fail(w, r, c, errNotFound)
			return
		}
		ch := cfg.Channels[i]
		v.TitleKey, v.Type, v.Name = "channel.title_edit", ch.Type, ch.Name
		values, masks = channelValues(ch), channelValues(ch)
		for _, ct := range cfg.Contacts {
			if ct.Channel == ch.Name {
				v.Contacts = append(v.Contacts, ct.ID)
			}
		}
	}
	if form != nil {
		v.Name = form("name")
	}
	for _, t := range notify.Types {
		if editing != "" && t != v.Type {
			continue // a channel keeps its type: the other blocks are not offered
		}
		b := channelBlock{Type: t}
		for _, f := range channelFields[t] {
			fv := channelFieldView{chField: f, Form: t + "." + f.Key, Secret: f.isSecret()}
			switch {
			case fv.Secret:
				fv.Stored = masks[fv.Form] // never the value itself
			case form != nil:
				fv.Value = form(fv.Form)
			default:
				fv.Value = values[fv.Form]
			}
			b.Fields = append(b.Fields, fv)
		}
		v.Blocks = append(v.Blocks, b)
	}
	s.render(w, r, status, "channel", v)
}

// channelSave adds a channel (no "editing" field) or changes one, through monitor.Apply.
func (s *server) channelSave(w http.ResponseWriter, r *http.Request, c *reqctx) {
	ctx := r.Context()
	if !mayEditChannels(c.user) {
		s.fail(w, r, c, errForbidden)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, c, badRequest("error.bad_param", map[string]any{"Source": "form"}, err))
		return
	}
	get := r.PostForm.Get
	editing := get("editing")
	name, typ := strings.TrimSpace(get("name")), get("type")
	if editing != "" {
		name = editing
	}
	refuse := func(msg string) {
		s.showChannel(w, r, c, http.StatusBadRequest, editing, typ, get, "", msg)
	}
	e, err := s.engine(ctx, c.user.Tenant)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	src, err := s.alertingSource(ctx, c.user.Tenant)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	stored, err := channelsOf(src)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	var old *notify.ChannelConfig
	if i := slices.IndexFunc(stored, func(ch notify.ChannelConfig) bool { return ch.Name == name }); i >= 0 {
		old = &stored[i]
	}
	switch {
	case editing != "" && old == nil:
		s.fail(w, r, c, errNotFound)
		return
	case editing != "":
		typ = old.Type
	case old != nil:
		refuse(c.loc.MustT("channel.name_taken", nil))
		return
	case name == "":
		refuse(c.loc.MustT("channel.required", map[string]any{"Source": c.loc.MustT("settings.name", nil)}))
		return
	}
	ch, ferr := buildChannel(name, typ, get, old)
	if ferr != nil {
		data := map[string]any{"Source": c.loc.MustT(ferr.label, nil)}
		maps.Copy(data, ferr.data)
		refuse(c.loc.MustT(ferr.key, data))
		return
	}
	body, err := editChannels(src, func(list *yaml.Node) error {
		var item yaml.Node
		if err := item.Encode(ch); err != nil {
			return err
		}
		if i := channelIndex(list, name); i >= 0 {
			item.HeadComment = list.Content[i].HeadComment
			list.Content[i] = &item
		} else {
			list.Content = append(list.Content, &item)
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if _, err := monitor.Apply(ctx, s.cfg.Store, c.user.Tenant, e.Catalog, c.loc.MustT("settings.channels", nil), body, who(c.user), s.cfg.Keys); err != nil {
		var inv *monitor.InvalidError
		if errors.As(err, &inv) {
			refuse(c.loc.MustT("settings.invalid", nil) + " " + inv.Error())
			return
		}
		s.fail(w, r, c, err)
		return
	}
	action, flash := "channel.create", "channel.created"
	if editing != "" {
		action, flash = "channel.update", "channel.updated"
	}
	s.audit(ctx, c.user, clientIP(r), action, "channel:"+name, map[string]string{"type": typ, "secrets_set": strings.Join(changedSecrets(ch, old), ",")})
	s.showSettings(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, c.loc.MustT(flash, map[string]any{"Source": name}), "")
}

// changedSecrets names the secret fields a save set anew (never their values), for the audit.
func changedSecrets(ch notify.ChannelConfig, old *notify.ChannelConfig) []string {
	before := map[string]string{}
	if old != nil {
		for _, s := range old.Secrets() {
			before[s.Field] = s.Value
		}
	}
	var out []string
	for _, s := range ch.Secrets() {
		if before[s.Field] != s.Value {
			out = append(out, s.Field)
		}
	}
	return out
}

// channelDelete removes a channel; a contact that still uses it makes the document fail its
// check, and the page says so.
func (s *server) channelDelete(w http.ResponseWriter, r *http.Request, c *reqctx) {
	ctx := r.Context()
	if !mayEditChannels(c.user) {
		s.fail(w, r, c, errForbidden)
		return
	}
	name := r.PostFormValue("name")
	e, err := s.engine(ctx, c.user.Tenant)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	src, err := s.alertingSource(ctx, c.user.Tenant)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	found := false
	body, err := editChannels(src, func(list *yaml.Node) error {
		if i := channelIndex(list, name); i >= 0 {
			found = true
			list.Content = slices.Delete(list.Content, i, i+1)
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if !found {
		s.fail(w, r, c, errNotFound)
		return
	}
	if _, err := monitor.Apply(ctx, s.cfg.Store, c.user.Tenant, e.Catalog, c.loc.MustT("settings.channels", nil), body, who(c.user), s.cfg.Keys); err != nil {
		var inv *monitor.InvalidError
		if errors.As(err, &inv) {
			s.showChannel(w, r, c, http.StatusBadRequest, name, "", nil, "", c.loc.MustT("channel.not_deleted", nil)+" "+inv.Error())
			return
		}
		s.fail(w, r, c, err)
		return
	}
	s.audit(ctx, c.user, clientIP(r), "channel.delete", "channel:"+name, nil)
	s.showSettings(w, r, c, http.StatusOK, userForm{Role: string(auth.Viewer)}, c.loc.MustT("channel.deleted", map[string]any{"Source": name}), "")
}

// testTimeout bounds a test message (each channel also has its own timeout).
const testTimeout = 30 * time.Second

// channelTest sends a test message through a stored channel with the real notifier and shows
// whether it went, or the channel's (redacted) error.
func (s *server) channelTest(w http.ResponseWriter, r *http.Request, c *reqctx) {
	ctx := r.Context()
	if !mayEditChannels(c.user) {
		s.fail(w, r, c, errForbidden)
		return
	}
	name := r.PostFormValue("name")
	e, err := s.engine(ctx, c.user.Tenant)
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	sendErr := s.sendTest(ctx, c, e.Catalog, name) // it loads the channels and finds this one
	if errors.Is(sendErr, errNotFound) {
		s.fail(w, r, c, errNotFound)
		return
	}
	result := "sent"
	if sendErr != nil {
		result = "failed"
	}
	s.audit(ctx, c.user, clientIP(r), "channel.test", "channel:"+name, map[string]string{"result": result})
	if sendErr != nil {
		s.showChannel(w, r, c, http.StatusOK, name, "", nil, "", c.loc.MustT("channel.test_failed", map[string]any{"Source": name})+" "+sendErr.Error())
		return
	}
	s.showChannel(w, r, c, http.StatusOK, name, "", nil, c.loc.MustT("channel.test_sent", map[string]any{"Source": name}), "")
}

// sendTest opens the tenant's channel secrets (in memory only), builds the channel's notifier
// and sends one message in the user's language. Every error it returns is redacted: the
// notifiers' errors hold no secret, the secret errors name tenant, channel and field only.
func (s *server) sendTest(ctx context.Context, c *reqctx, cat *metric.Catalog, name string) error {
	kr, err := s.cfg.Keys.Load()
	if err != nil {
		return err
	}
	cfg, err := monitor.LoadOpenConfig(ctx, s.cfg.Store, c.user.Tenant, cat, kr)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cfg.Channels, func(ch notify.ChannelConfig) bool { return ch.Name == name })
	if i < 0 {
		return errNotFound
	}
	n, err := notify.Build(cfg.Channels[i])
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	now := s.cfg.Now().UTC()
	_, err = n.Notify(ctx, notify.Message{
		ID:      "test-" + randomToken()[:16],
		Tenant:  c.user.Tenant,
		Channel: name,
		Lang:    c.lang,
		Title:   c.loc.MustT("channel.test_title", nil),
		Text:    c.loc.MustT("channel.test_text", map[string]any{"Owner": who(c.user), "Source": name, "Since": now.Format("2006-01-02 15:04 UTC")}),
	})
	return err
}
