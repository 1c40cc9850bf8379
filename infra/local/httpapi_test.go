package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/chainfi/chainguard/infra/stack"
)

func TestRoutesMatchLikeAPIGateway(t *testing.T) {
	rt := newRouter([]stack.Route{
		{Method: "GET", Path: "/v1/tenants/{tenantId}", FunctionID: "param"},
		{Method: "GET", Path: "/v1/tenants/mine", FunctionID: "literal"},
		{Method: "ANY", Path: "/v1/tenants/{tenantId}", FunctionID: "any"},
		{Method: "DELETE", Path: "/v1/tenants/{tenantId}/keys/{keyId}", FunctionID: "two-params"},
		{Method: "ANY", Path: "/files/{proxy+}", FunctionID: "greedy"},
		{Method: "GET", Path: "/files/readme", FunctionID: "readme"},
	})
	tests := []struct {
		name, method, path, want string
		params                   map[string]string
	}{
		{"a literal segment beats a parameter", "GET", "/v1/tenants/mine", "literal", nil},
		{"a parameter takes one segment", "GET", "/v1/tenants/t1", "param", map[string]string{"tenantId": "t1"}},
		{"an exact method beats ANY", "GET", "/v1/tenants/t1", "param", map[string]string{"tenantId": "t1"}},
		{"ANY catches other methods", "PATCH", "/v1/tenants/t1", "any", map[string]string{"tenantId": "t1"}},
		{"several parameters are extracted", "DELETE", "/v1/tenants/t1/keys/k9", "two-params", map[string]string{"tenantId": "t1", "keyId": "k9"}},
		{"a greedy parameter takes the rest", "PUT", "/files/a/b/c", "greedy", map[string]string{"proxy": "a/b/c"}},
		{"a literal beats a greedy parameter", "GET", "/files/readme", "readme", nil},
		{"a trailing slash is the same path", "GET", "/v1/tenants/t1/", "param", map[string]string{"tenantId": "t1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, params, ok := rt.match(tc.method, tc.path)
			if !ok || r.FunctionID != tc.want {
				t.Fatalf("match(%s %s) = %q, %v; want %q", tc.method, tc.path, r.FunctionID, ok, tc.want)
			}
			if !reflect.DeepEqual(params, tc.params) {
				t.Errorf("params = %v, want %v", params, tc.params)
			}
		})
	}
	for _, miss := range [][2]string{{"GET", "/v1/tenants"}, {"POST", "/v1/tenants/mine/x"}, {"GET", "/files"}, {"GET", "/nope"}} {
		if r, _, ok := rt.match(miss[0], miss[1]); ok {
			t.Errorf("%s %s matched %s, want no route", miss[0], miss[1], r.FunctionID)
		}
	}
}

func TestDefaultRouteCatchesUnmatchedRequests(t *testing.T) {
	rt := newRouter([]stack.Route{{Method: "GET", Path: "/a", FunctionID: "a"}, {Method: "ANY", Path: "", FunctionID: "default"}})
	r, _, ok := rt.match("POST", "/anything")
	if !ok || r.FunctionID != "default" || r.Key() != "$default" {
		t.Fatalf("got %q %q %v", r.FunctionID, r.Key(), ok)
	}
}

func TestEventIsPayloadFormat2(t *testing.T) {
	req := httptest.NewRequest("POST", "http://127.0.0.1:3000/v1/items/42?tag=a&tag=b&x=1", bytes.NewReader([]byte("hello")))
	req.Header.Set("Cookie", "a=1; b=2")
	req.Header.Set("X-Custom", "v1")
	req.Header.Add("X-Custom", "v2")
	req.Header.Set("User-Agent", "test-agent")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r, params, _ := newRouter([]stack.Route{{Method: "POST", Path: "/v1/items/{id}"}}).match("POST", "/v1/items/42")
	ev := buildEvent(req, []byte("hello"), eventInput{route: r, params: params, api: stack.HTTPAPI{ID: "abc123", Stage: "local"}, account: "123456789012", requestID: "rid", now: now})

	if ev.Version != "2.0" || ev.RouteKey != "POST /v1/items/{id}" || ev.RawPath != "/v1/items/42" || ev.RawQueryString != "tag=a&tag=b&x=1" {
		t.Errorf("event = %+v", ev)
	}
	if ev.PathParameters["id"] != "42" || ev.QueryStringParameters["tag"] != "a,b" {
		t.Errorf("params %v query %v", ev.PathParameters, ev.QueryStringParameters)
	}
	if !reflect.DeepEqual(ev.Cookies, []string{"a=1", "b=2"}) || ev.Headers["cookie"] != "" {
		t.Errorf("cookies %v, cookie header %q", ev.Cookies, ev.Headers["cookie"])
	}
	if ev.Headers["x-custom"] != "v1,v2" || ev.Headers["user-agent"] != "test-agent" {
		t.Errorf("headers = %v", ev.Headers)
	}
	rc := ev.RequestContext
	if rc.HTTP.Method != "POST" || rc.HTTP.Path != "/v1/items/42" || rc.HTTP.UserAgent != "test-agent" || rc.HTTP.SourceIP == "" ||
		rc.Stage != "local" || rc.RequestID != "rid" || rc.Time != "02/Jan/2026:03:04:05 +0000" || rc.TimeEpoch != now.UnixMilli() {
		t.Errorf("requestContext = %+v", rc)
	}
	if ev.Body != "hello" || ev.IsBase64Encoded {
		t.Errorf("text body = %q base64=%v", ev.Body, ev.IsBase64Encoded)
	}

	bin := []byte{0xff, 0xfe, 0x00}
	ev = buildEvent(httptest.NewRequest("POST", "/x", bytes.NewReader(bin)), bin, eventInput{route: r, now: now})
	if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString(bin) {
		t.Errorf("binary body = %q base64=%v", ev.Body, ev.IsBase64Encoded)
	}
}

func TestResponsesTranslateLikeAPIGateway(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		status  int
		header  http.Header
		body    string
	}{
		{"a structured response keeps status, headers and cookies",
			`{"statusCode":201,"headers":{"X-A":"1"},"multiValueHeaders":{"X-M":["a","b"]},"cookies":["s=1; HttpOnly","t=2"],"body":"{\"ok\":true}"}`,
			201, http.Header{"X-A": {"1"}, "X-M": {"a", "b"}, "Set-Cookie": {"s=1; HttpOnly", "t=2"}}, `{"ok":true}`},
		{"a base64 body is decoded", `{"statusCode":200,"isBase64Encoded":true,"body":"/wAB"}`, 200, http.Header{}, "\xff\x00\x01"},
		{"a plain string is the body of a JSON 200", `"hello"`, 200, http.Header{"Content-Type": {"application/json"}}, "hello"},
		{"an object without statusCode is the body", `{"message":"hi"}`, 200, http.Header{"Content-Type": {"application/json"}}, `{"message":"hi"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := translateResponse([]byte(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			if got.status != tc.status || string(got.body) != tc.body || !reflect.DeepEqual(got.header, tc.header) {
				t.Errorf("got %d %v %q", got.status, got.header, got.body)
			}
		})
	}
	for _, bad := range []string{`{"statusCode":99}`, `{"statusCode":200,"isBase64Encoded":true,"body":"***"}`, `not json`} {
		if _, err := translateResponse([]byte(bad)); err == nil {
			t.Errorf("translateResponse(%s) succeeded, want an error (API Gateway answers 500)", bad)
		}
	}
}
