package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// GET /_local/invocations leaves the process (a browser tab, a pasted log), so what it
// lists is redacted: the API keys and tokens of Authorization headers, query string values
// (a client may pass a key as ?api_key=...), idempotency keys, the token claims that name a
// person (email, username), and the bodies of requests, queue messages and table images,
// which carry personal data. Responses keep only their status and size. In-process callers (Runner.Invocations, the tests) see the full
// records; nothing redacted is stored twice.

// sensitiveHeaders are compared in lower case, as HTTP header names are case-insensitive.
var sensitiveHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true,
	"x-api-key": true, "x-amz-security-token": true,
	// An Idempotency-Key replayed within its window returns the stored answer, so it is
	// as good as a read of that answer.
	"idempotency-key": true,
}

// keptClaims are the JWT claims that stay readable: who (an opaque id) and which staff
// role, what debugging an authorizer needs; email, username and the rest name a person.
var keptClaims = map[string]bool{"sub": true, "cognito:groups": true}

const redacted = "[redacted]"

// redactRecord returns rec as GET /_local/invocations shows it.
func redactRecord(rec Record) Record {
	rec.Request = redactRequest(rec.Request)
	rec.Response = redactResponse(rec.Response)
	return rec
}

func redactRequest(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return sizeOnly(len(raw))
	}
	if _, isString := v.(string); isString {
		return sizeOnly(len(raw)) // a payload that was not JSON, kept as a string
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return sizeOnly(len(raw))
	}
	return out
}

// redactValue walks an event: HTTP headers and cookies, and every body or item image
// (SQS records, DynamoDB stream records) are replaced by what they were, not what they
// held.
func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch k {
			case "headers", "multiValueHeaders":
				x[k] = redactHeaders(val)
			case "cookies":
				x[k] = redacted
			case "claims":
				x[k] = redactClaims(val)
			case "rawQueryString":
				if s, ok := val.(string); ok {
					x[k] = redactQuery(s)
				}
			case "queryStringParameters", "multiValueQueryStringParameters":
				x[k] = redactValues(val)
			case "body":
				if s, ok := val.(string); ok {
					x[k] = fmt.Sprintf("[redacted: %d bytes]", len(s))
				}
			case "NewImage", "OldImage":
				if m, ok := val.(map[string]any); ok {
					x[k] = fmt.Sprintf("[redacted: %d attributes]", len(m))
				}
			default:
				x[k] = redactValue(val)
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = redactValue(x[i])
		}
		return x
	}
	return v
}

func redactHeaders(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k := range m {
		if sensitiveHeaders[strings.ToLower(k)] {
			m[k] = redacted
		}
	}
	return m
}

// redactClaims keeps the names of the claims and the values of keptClaims.
func redactClaims(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k := range m {
		if !keptClaims[k] {
			m[k] = redacted
		}
	}
	return m
}

// redactValues keeps a map's keys (query parameter names) and hides its values.
func redactValues(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k := range m {
		m[k] = redacted
	}
	return m
}

// redactQuery keeps the parameter names of a raw query string and hides their values:
// "api_key=s3cret&limit=5" becomes "api_key=[redacted]&limit=[redacted]".
func redactQuery(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		if name, _, found := strings.Cut(p, "="); found {
			parts[i] = name + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

// redactResponse keeps an HTTP answer's status code and body size, and only the size of
// anything else.
func redactResponse(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var resp struct {
		StatusCode *int    `json:"statusCode"`
		Body       *string `json:"body"`
	}
	if json.Unmarshal(raw, &resp) == nil && resp.StatusCode != nil {
		body := 0
		if resp.Body != nil {
			body = len(*resp.Body)
		}
		out, _ := json.Marshal(map[string]int{"statusCode": *resp.StatusCode, "bodyBytes": body})
		return out
	}
	return sizeOnly(len(raw))
}

func sizeOnly(n int) json.RawMessage {
	out, _ := json.Marshal(map[string]int{"bytes": n})
	return out
}
