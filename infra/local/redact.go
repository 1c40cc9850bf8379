package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// GET /_local/invocations leaves the process (a browser tab, a pasted log), so what it
// lists is redacted: the API keys and tokens of Authorization headers, and the bodies of
// requests, queue messages and table images, which carry personal data. Responses keep only
// their status and size. In-process callers (Runner.Invocations, the tests) see the full
// records; nothing redacted is stored twice.

// sensitiveHeaders are compared in lower case, as HTTP header names are case-insensitive.
var sensitiveHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true,
	"x-api-key": true, "x-amz-security-token": true,
}

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
				x[k] = "[redacted]"
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
			m[k] = "[redacted]"
		}
	}
	return m
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
