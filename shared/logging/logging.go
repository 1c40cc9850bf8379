// Package logging builds the structured JSON logger (log/slog) every function uses. The
// logger drops the values of attributes whose names say they hold secrets or personal
// data, so a careless log line cannot leak an API key, a token or a name.
package logging

import (
	"io"
	"log/slog"
	"os"
	"strings"
)

// Redacted replaces the value of a sensitive attribute.
const Redacted = "[redacted]"

// sensitive are attribute-name fragments whose values are never logged.
var sensitive = []string{
	"authorization", "api_key", "apikey", "x-api-key", "secret", "password", "passwd",
	"token", "cookie", "session", "signature", "digest",
	"name", "firstname", "lastname", "dob", "birth", "email", "phone", "address", "street",
	"document", "passport", "nationality", "ssn", "iban", "body", "payload",
}

// Sensitive reports whether an attribute called key must not be logged.
func Sensitive(key string) bool {
	k := strings.ToLower(key)
	for _, s := range sensitive {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// New is a JSON logger at level (DEBUG, INFO, WARN, ERROR; INFO when unknown) writing to
// stdout, which Lambda ships to CloudWatch.
func New(level, service string) *slog.Logger {
	return NewTo(os.Stdout, level, service)
}

// NewTo is New writing to w.
func NewTo(w io.Writer, level, service string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv, ReplaceAttr: redact})
	return slog.New(h).With("service", service)
}

func redact(groups []string, a slog.Attr) slog.Attr {
	// The message, level, time and service keys are ours; their names are not sensitive
	// but "msg" must never be rewritten.
	if len(groups) == 0 && (a.Key == slog.MessageKey || a.Key == slog.LevelKey || a.Key == slog.TimeKey || a.Key == "service") {
		return a
	}
	if a.Key == "route" || a.Key == "function" || a.Key == "code" {
		return a
	}
	if Sensitive(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	return a
}
