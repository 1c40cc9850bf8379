package platformtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

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
	claims := r.Claims
	if r.As != nil {
		headers["authorization"] = "Bearer " + r.As.Token
		if claims == nil {
			claims = r.As.Claims
		}
	}
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
	if claims != nil {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
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

// StaffCaller is a staff member as a staff route sees them: the Cognito ID token in the
// Authorization header and the claims the HttpApi JWT authorizer derived from it.
type StaffCaller struct {
	Token  string
	Claims map[string]string
}

// Staff is a staff member holding roles (Cognito groups), with a fresh ID token.
func Staff(sub string, roles ...string) *StaffCaller {
	now := time.Now().Unix()
	return StaffToken(map[string]any{
		"sub": sub, "cognito:groups": roles, "token_use": "id", "aud": "test-client",
		"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test",
		"iat": now, "auth_time": now, "exp": now + 3600,
	})
}

// StaffToken is a caller with a token of exactly these claims. The token is not signed
// (the authorizer, which checks signatures, is not part of a function); its claims are
// rendered for the function as API Gateway renders them: strings as they are, numbers
// as written, arrays as "[a b]".
func StaffToken(claims map[string]any) *StaffCaller {
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	enc := base64.RawURLEncoding
	c := &StaffCaller{
		Token:  enc.EncodeToString([]byte(`{"alg":"RS256","kid":"test"}`)) + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString([]byte("unsigned")),
		Claims: map[string]string{},
	}
	for k, v := range claims {
		c.Claims[k] = renderClaim(v)
	}
	return c
}

func renderClaim(v any) string {
	switch x := v.(type) {
	case []string:
		return "[" + strings.Join(x, " ") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, item := range x {
			parts[i] = renderClaim(item)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
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
// headers, body, and for staff routes the caller (As) or the JWT authorizer's claims.
type Request struct {
	RouteKey string
	Path     map[string]string
	Query    map[string]string
	Headers  map[string]string
	Body     string
	As       *StaffCaller      // a staff caller: their token and the authorizer's claims
	Claims   map[string]string // the authorizer's claims, when As is not enough
}
