package core

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Redacted replaces a secret in logs, errors and printed configurations.
const Redacted = "REDACTED"

// minSecret is the shortest string Scrub replaces: shorter ones ("1", "ok") would mangle
// harmless text and are no secret worth the name.
const minSecret = 4

// RedactURL returns raw without its secrets: the user info and every query value are
// replaced, and the path is kept for its first keep segments only (keep < 0 keeps it all).
// The fragment is dropped. A URL that does not parse is replaced whole.
//
//	RedactURL("https://oapi.dingtalk.com/robot/send?access_token=abc", -1)
//	  = "https://oapi.dingtalk.com/robot/send?access_token=REDACTED"
//	RedactURL("https://hooks.slack.com/services/T0/B0/xyz", 1)
//	  = "https://hooks.slack.com/services/REDACTED"
func RedactURL(raw string, keep int) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[" + Redacted + " URL]"
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host}
	if u.User != nil {
		out.User = url.User(Redacted)
	}
	out.Path = redactPath(u.Path, keep)
	if u.RawQuery != "" {
		q := u.Query()
		names := make([]string, 0, len(q))
		for k := range q {
			names = append(names, k)
		}
		sort.Strings(names)
		parts := make([]string, 0, len(names))
		for _, k := range names {
			parts = append(parts, url.QueryEscape(k)+"="+Redacted)
		}
		out.RawQuery = strings.Join(parts, "&")
	}
	return out.String()
}

func redactPath(p string, keep int) string {
	if keep < 0 || p == "" || p == "/" {
		return p
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(segs) <= keep {
		return p
	}
	return "/" + strings.Join(append(segs[:keep:keep], Redacted), "/")
}

// URLSecrets lists the parts of raw that RedactURL(raw, keep) hides: user name and password,
// query values and the hidden path segments, and raw itself. Scrub them from any text that
// might quote the URL.
func URLSecrets(raw string, keep int) []string {
	out := []string{raw}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	if u.User != nil {
		out = append(out, u.User.Username())
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	for _, vs := range u.Query() {
		out = append(out, vs...)
	}
	for _, kv := range strings.Split(u.RawQuery, "&") { // as written: "+" may be meant literally
		if _, v, ok := strings.Cut(kv, "="); ok {
			out = append(out, v)
			if pv, err := url.PathUnescape(v); err == nil {
				out = append(out, pv)
			}
		}
	}
	if keep >= 0 {
		for _, p := range []string{u.Path, u.EscapedPath()} {
			segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
			if len(segs) > keep {
				out = append(out, segs[keep:]...)
				out = append(out, strings.Join(segs[keep:], "/"))
			}
		}
	}
	return out
}

// Scrub replaces every secret (and its URL-escaped forms) in s. Secrets shorter than four
// bytes are left alone.
func Scrub(s string, secrets ...string) string {
	var forms []string
	for _, sec := range secrets {
		if len(sec) < minSecret {
			continue
		}
		forms = append(forms, sec, url.QueryEscape(sec), url.PathEscape(sec))
	}
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) }) // the URL before its parts
	for _, f := range forms {
		if len(f) >= minSecret {
			s = strings.ReplaceAll(s, f, Redacted)
		}
	}
	return s
}

var urlPattern = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.\-]*://[^\s"'<>]+`)

// ScrubURLs redacts every URL found in s (user info, path and query values): a last guard
// for error text of unknown origin before it is logged or stored.
func ScrubURLs(s string) string {
	return urlPattern.ReplaceAllStringFunc(s, func(m string) string { return RedactURL(m, 0) })
}
