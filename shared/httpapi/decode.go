package httpapi

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/idempotency"
)

// DefaultMaxBody is the largest JSON body a client route accepts.
const DefaultMaxBody = 64 << 10

// Body returns the raw request body, base64-decoded when API Gateway encoded it.
func Body(req Request) ([]byte, error) {
	if !req.IsBase64Encoded {
		return []byte(req.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, failure.InvalidInput("invalid_body", "the body is not valid base64")
	}
	return b, nil
}

// DecodeJSON decodes the body into v with DefaultMaxBody as the limit.
func DecodeJSON(req Request, v any) error { return DecodeJSONLimit(req, v, DefaultMaxBody) }

// decodeOptions are JSON v2's strict semantics, spelled out because they are the point:
// a body that two parsers could read differently is refused instead of guessed at.
// Duplicate names (encoding/json keeps the last one: {"name":"A","name":"B"} screened B),
// names in another case ({"Name":...} filled name) and invalid UTF-8 (silently
// rewritten to U+FFFD and stored) are errors, and so are unknown fields. Unmarshal also
// refuses anything after the top-level value.
var decodeOptions = json.JoinOptions(
	json.RejectUnknownMembers(true),
	json.MatchCaseInsensitiveNames(false),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
)

// DecodeJSONLimit decodes a JSON object body into v: invalid UTF-8, duplicate or unknown
// fields (names are case-sensitive), a body that is not one JSON object, a wrong media
// type or a body over limit bytes are refused with a clear 4xx.
func DecodeJSONLimit(req Request, v any, limit int) error {
	body, err := Body(req)
	if err != nil {
		return err
	}
	if len(body) > limit {
		return failure.New(failure.TooLarge, "body_too_large", "the body is larger than %d bytes", limit)
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return failure.InvalidInput("empty_body", "a JSON body is required")
	}
	if ct := Header(req, "content-type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return failure.New(failure.Unsupported, "unsupported_media_type", "send the body as application/json")
		}
	}
	// Checked on the whole body, before parsing: the parser would report it too, but only
	// inside strings, and a clear code is worth one pass over at most 64 KiB.
	if !utf8.Valid(body) {
		return failure.InvalidInput("invalid_utf8", "the body is not valid UTF-8")
	}
	// A JSON null would decode into v as "nothing to do" and let an empty request through.
	if trimmed[0] != '{' {
		return failure.InvalidInput("invalid_json", "the body must be a JSON object")
	}
	if err := json.Unmarshal(body, v, decodeOptions); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError turns a JSON v2 error into a 400 with a code. Names quoted in messages come
// from the body (which is valid UTF-8 by then) and are shortened.
func jsonError(err error) error {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName) && errors.As(err, &syn):
		return failure.InvalidInput("duplicate_field", "field %q appears more than once", field(syn.JSONPointer))
	case errors.Is(err, json.ErrUnknownName) && errors.As(err, &sem):
		return failure.InvalidInput("unknown_field", "unknown field %q (field names are case-sensitive)", field(sem.JSONPointer))
	case errors.As(err, &syn):
		return syntaxError(syn)
	case errors.As(err, &sem) && sem.JSONPointer == "":
		return failure.InvalidInput("invalid_json", "the body must be a JSON object")
	case errors.As(err, &sem):
		return failure.InvalidInput("invalid_field", "field %q must be %s", field(sem.JSONPointer), expected(sem.GoType))
	}
	return failure.InvalidInput("invalid_json", "the body is not a valid JSON object")
}

func syntaxError(syn *jsontext.SyntacticError) error {
	switch {
	case errors.Is(syn, io.ErrUnexpectedEOF):
		return failure.InvalidInput("invalid_json", "the JSON body ends too early")
	// A \uD800 escape without its pair is the escaped twin of invalid UTF-8: encoding/json
	// turned it into U+FFFD. The library has no exported error for it, only this text;
	// if the text changes the answer is still a 400, as invalid_json.
	case strings.Contains(syn.Err.Error(), "surrogate"):
		return failure.InvalidInput("invalid_utf8", "field %q holds an unpaired UTF-16 surrogate escape", field(syn.JSONPointer))
	}
	return failure.InvalidInput("invalid_json", "malformed JSON at byte %d", syn.ByteOffset)
}

// field names a member by its JSON pointer without the leading slash ("tags/1").
func field(p jsontext.Pointer) string {
	s := strings.TrimPrefix(string(p), "/")
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// expected says what JSON a Go type takes, in the caller's terms.
func expected(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number in range"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return expected(t.Elem())
	}
	return "of another type"
}

// checkRequestText refuses a request whose query parameters, path parameters or
// interpreted headers are not valid UTF-8. Go strings carry any bytes: an invalid one
// would reach a key, a log line or a DynamoDB string (which the SDK's JSON encoding
// rewrites to U+FFFD) instead of being refused. U+FFFD itself is refused too: it is what
// invalid bytes become on the way to us (our local runner, and any proxy that decodes
// leniently), so a text holding it was most likely invalid when the client sent it, and
// two different invalid texts would arrive as the same one. Only the headers the API
// reads are checked: proxies and browsers add others that we never look at, and refusing
// a request for one of those would fail it for data we ignore.
func checkRequestText(req Request) error {
	for k, v := range req.QueryStringParameters {
		if !cleanText(k) || !cleanText(v) {
			return failure.InvalidInput("invalid_utf8", "the query string is not valid UTF-8 (or holds U+FFFD)")
		}
	}
	for k, v := range req.PathParameters {
		if !cleanText(k) || !cleanText(v) {
			return failure.InvalidInput("invalid_utf8", "the path is not valid UTF-8 (or holds U+FFFD)")
		}
	}
	for _, name := range [...]string{"authorization", "content-type", "idempotency-key"} {
		if !cleanText(Header(req, name)) {
			return failure.InvalidInput("invalid_utf8", "header %s is not valid UTF-8 (or holds U+FFFD)", name)
		}
	}
	return nil
}

// cleanText: valid UTF-8 without U+FFFD, the replacement character.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError)
}

// Header returns a request header (API Gateway lower-cases their names); "" when it is
// absent or empty.
func Header(req Request, name string) string {
	v, _ := LookupHeader(req, name)
	return v
}

// LookupHeader returns a request header and whether the request carried it, so that a
// header sent empty is not mistaken for one not sent.
func LookupHeader(req Request, name string) (string, bool) {
	if v, ok := req.Headers[strings.ToLower(name)]; ok {
		return v, true
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

var errIdempotencyKey = failure.InvalidInput("invalid_idempotency_key",
	"Idempotency-Key must be 1 to %d characters of A-Z, a-z, 0-9, '.', '_', ':' and '-' (a UUID or ULID fits)", idempotency.MaxKeyLen)

// IdempotencyKey reads the Idempotency-Key header of a route that honours it: "" when
// the request has none, the key when it is an idempotency.ValidKey, else 400
// invalid_idempotency_key. A header that is present but empty or blank is refused, not
// read as absent: the client meant to send a key, and running its request without one
// would make its retry run it twice. So is a header sent twice, which API Gateway joins
// with a comma.
func IdempotencyKey(req Request) (string, error) {
	key, present := LookupHeader(req, "idempotency-key")
	if !present {
		return "", nil
	}
	if !idempotency.ValidKey(key) {
		return "", errIdempotencyKey
	}
	return key, nil
}

// PathParam returns a path parameter, refusing an empty one.
func PathParam(req Request, name string) (string, error) {
	v := req.PathParameters[name]
	if v == "" {
		return "", failure.InvalidInput("missing_path_parameter", "path parameter %s is required", name)
	}
	return v, nil
}

// Page is the pagination a list route accepts: ?limit=&cursor=.
type Page struct {
	Limit  int
	Cursor string
}

// PageParams reads limit (1..200, default 50) and cursor from the query string.
func PageParams(req Request) (Page, error) {
	p := Page{Limit: 50, Cursor: req.QueryStringParameters["cursor"]}
	// Server.Handle checks this already; PageParams is also called on requests built
	// elsewhere, and a cursor is compared byte for byte with what we signed.
	if !utf8.ValidString(p.Cursor) {
		return Page{}, failure.InvalidInput("invalid_cursor", "the cursor is not valid UTF-8")
	}
	if s := req.QueryStringParameters["limit"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return Page{}, failure.InvalidInput("invalid_limit", "limit must be an integer from 1 to 200")
		}
		p.Limit = n
	}
	if len(p.Cursor) > 2048 {
		return Page{}, failure.InvalidInput("invalid_cursor", "the cursor is too long")
	}
	return p, nil
}

// List is the shape of every paginated answer.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}
