// Package core holds what every notification channel shares: the message, the Notifier
// interface, the error every channel returns, and helpers for redaction, HTTP delivery and
// rendering. Code outside internal/notify uses package notify, which re-exports these types;
// the channel subpackages import core so that notify can import them (notify.Build) without a
// cycle.
package core

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one notification, already localised. ID is the idempotency key: the outbox
// delivers a (Tenant, ID) once.
type Message struct {
	ID       string            `json:"id"`
	Tenant   string            `json:"tenant"`
	Channel  string            `json:"channel"`
	Lang     string            `json:"lang,omitempty"`
	Title    string            `json:"title"`
	Text     string            `json:"text"` // markdown-ish: **bold**, [label](url), lines
	Mentions []string          `json:"mentions,omitempty"`
	Link     string            `json:"link,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
}

// Notifier delivers a message to one channel. retry tells whether a failure is worth trying
// again later (network errors, 5xx, 429, vendor rate limits) or final (4xx, bad config,
// rejected content). Errors never contain secrets.
type Notifier interface {
	Notify(ctx context.Context, m Message) (retry bool, err error)
}

// SendError is the error every channel returns. Its text is redacted: it holds no webhook
// token, signing secret or password, and it wraps no error that might (only a context error,
// for errors.Is).
type SendError struct {
	Channel    string        // "dingtalk", "feishu", ...
	Status     int           // HTTP status, or SMTP reply code; 0 if none
	Code       int           // vendor error code (errcode / code); 0 if none
	Retry      bool          // whether trying again later may succeed
	RetryAfter time.Duration // the server's Retry-After, if it sent one
	msg        string
	ctxErr     error
}

func (e *SendError) Error() string { return e.Channel + ": " + e.msg }

// Unwrap returns context.Canceled or context.DeadlineExceeded when the send was cut short.
func (e *SendError) Unwrap() error { return e.ctxErr }

// Errorf builds a SendError whose text is scrubbed of secrets.
func Errorf(channel string, retry bool, secrets []string, format string, args ...any) *SendError {
	return &SendError{Channel: channel, Retry: retry, msg: Scrub(fmt.Sprintf(format, args...), secrets...)}
}

// Interrupted marks e as cut short when ctx is done: retryable, and errors.Is(e, ctx.Err()).
func Interrupted(ctx context.Context, e *SendError) *SendError {
	if cerr := ctx.Err(); cerr != nil {
		e.ctxErr = cerr
		e.Retry = true
	}
	return e
}

// Fail returns (e.Retry, e), the two results of Notify.
func Fail(e *SendError) (bool, error) { return e.Retry, e }

// RetryAfterOf returns the delay a server asked for, if err carries one.
func RetryAfterOf(err error) time.Duration {
	var se *SendError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// RetryStatus tells whether an HTTP status is worth retrying: 408, 425, 429 and 5xx.
func RetryStatus(status int) bool {
	return status == 408 || status == 425 || status == 429 || status >= 500
}

// Truncate cuts s to at most max bytes at a rune boundary, marking the cut with "…".
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ell = "…"
	cut := max - len(ell)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

// SortedFields returns the field names in order, so that rendering is stable.
func SortedFields(f map[string]string) []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// IsMobile tells whether a mention is a phone number (digits, optionally a leading '+',
// spaces or dashes) rather than a user id.
func IsMobile(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-':
		default:
			return false
		}
	}
	return digits >= 5
}

// SplitMentions separates phone numbers from user ids, dropping blanks and repeats.
func SplitMentions(ms []string) (mobiles, ids []string) {
	seen := map[string]bool{}
	for _, m := range ms {
		m = strings.TrimSpace(m)
		if m == "" || seen[m] {
			continue
		}
		seen[m] = true
		if IsMobile(m) {
			mobiles = append(mobiles, m)
		} else {
			ids = append(ids, m)
		}
	}
	return mobiles, ids
}

// LinkLabel is the label of the message's link in the message's language.
func LinkLabel(lang string) string {
	l := strings.ToLower(lang)
	switch {
	case strings.HasPrefix(l, "zh"):
		return "查看详情"
	case strings.HasPrefix(l, "pt"):
		return "Abrir no Pulso"
	case strings.HasPrefix(l, "es"):
		return "Abrir en Pulso"
	default:
		return "Open in Pulso"
	}
}

// Markdown renders the message as markdown: title as a heading, the text, the fields as
// "**name**: value" lines, and the link. Channels that speak markdown (DingTalk, WeCom,
// Feishu cards) use it.
func Markdown(m Message, heading string) string {
	var b strings.Builder
	if m.Title != "" {
		b.WriteString(heading)
		b.WriteString(m.Title)
		b.WriteString("\n\n")
	}
	b.WriteString(m.Text)
	if len(m.Fields) > 0 {
		b.WriteString("\n")
		for _, k := range SortedFields(m.Fields) {
			fmt.Fprintf(&b, "\n- **%s**: %s", k, m.Fields[k])
		}
	}
	if m.Link != "" {
		fmt.Fprintf(&b, "\n\n[%s](%s)", LinkLabel(m.Lang), m.Link)
	}
	return b.String()
}

// Plain renders the message as plain text (title, text, fields, link).
func Plain(m Message) string {
	var b strings.Builder
	if m.Title != "" {
		b.WriteString(m.Title)
		b.WriteString("\n\n")
	}
	b.WriteString(m.Text)
	if len(m.Fields) > 0 {
		b.WriteString("\n")
		for _, k := range SortedFields(m.Fields) {
			fmt.Fprintf(&b, "\n%s: %s", k, m.Fields[k])
		}
	}
	if m.Link != "" {
		fmt.Fprintf(&b, "\n\n%s: %s", LinkLabel(m.Lang), m.Link)
	}
	return b.String()
}
