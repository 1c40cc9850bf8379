package platformtest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/httpapi"
)

// Call sends a request through a server the way API Gateway would and decodes the JSON
// answer into a map (nil for an empty body).
func Call(t *testing.T, srv *httpapi.Server, r Request) (int, map[string]any) {
	t.Helper()
	method, path, _ := strings.Cut(r.RouteKey, " ")
	for k, v := range r.Path {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	headers := map[string]string{}
	for k, v := range r.Headers {
		headers[strings.ToLower(k)] = v
	}
	if r.Body != "" {
		if _, ok := headers["content-type"]; !ok {
			headers["content-type"] = "application/json"
		}
	}
	req := events.APIGatewayV2HTTPRequest{
		RouteKey: r.RouteKey, RawPath: path, Headers: headers, PathParameters: r.Path,
		QueryStringParameters: r.Query, Body: r.Body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "test-req",
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, SourceIP: "127.0.0.1"},
		},
	}
	if r.Claims != nil {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: r.Claims},
		}
	}
	resp, err := srv.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: handler error: %v", r.RouteKey, err)
	}
	if resp.Headers["x-request-id"] != "test-req" {
		t.Errorf("%s: no request id header", r.RouteKey)
	}
	if resp.Body == "" {
		return resp.StatusCode, nil
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("%s: body is not JSON: %s", r.RouteKey, resp.Body)
	}
	return resp.StatusCode, body
}

// ErrorCode is the code of an error answer ("" if the body is not one).
func ErrorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// Staff are claims of a staff member holding roles, as the JWT authorizer passes them.
func Staff(sub string, roles ...string) map[string]string {
	return map[string]string{"sub": sub, "cognito:groups": "[" + strings.Join(roles, " ") + "]"}
}

// Bearer is an Authorization header for an API key.
func Bearer(key string) map[string]string { return map[string]string{"authorization": "Bearer " + key} }

// Get walks a decoded JSON body: Get(body, "tenant", "id").
func Get(body map[string]any, path ...string) any {
	var cur any = body
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// Request is one HTTP API call: the route key ("GET /v1/me"), path parameters, query,
// headers, body, and for staff routes the JWT authorizer's claims.
type Request struct {
	RouteKey string
	Path     map[string]string
	Query    map[string]string
	Headers  map[string]string
	Body     string
	Claims   map[string]string
}
