package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/chainfi/chainguard/shared/failure"
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

// DecodeJSONLimit decodes a JSON object body into v: unknown fields, trailing data, a
// wrong media type or a body over limit bytes are refused with a clear 4xx.
func DecodeJSONLimit(req Request, v any, limit int) error {
	body, err := Body(req)
	if err != nil {
		return err
	}
	if len(body) > limit {
		return failure.New(failure.TooLarge, "body_too_large", "the body is larger than %d bytes", limit)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return failure.InvalidInput("empty_body", "a JSON body is required")
	}
	if ct := Header(req, "content-type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return failure.New(failure.Unsupported, "unsupported_media_type", "send the body as application/json")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return failure.InvalidInput("invalid_json", "the body must hold exactly one JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return failure.InvalidInput("invalid_json", "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return failure.InvalidInput("invalid_field", "field %q must be a %s", typ.Field, typ.Type.String())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return failure.InvalidInput("unknown_field", "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return failure.InvalidInput("invalid_json", "the JSON body ends too early")
	}
	return failure.InvalidInput("invalid_json", "the body is not a valid JSON object")
}

// Header returns a request header (API Gateway lower-cases their names).
func Header(req Request, name string) string {
	if v, ok := req.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
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
