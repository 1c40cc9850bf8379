package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/logging"
	"github.com/chainfi/chainguard/shared/store"
)

type thing struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

func req(body string) Request {
	return Request{Body: body, Headers: map[string]string{"content-type": "application/json"}}
}

func codeOf(err error) string {
	f, _ := Classify(err)
	return f.Code
}

func TestBase64BodiesAreDecodedFirst(t *testing.T) {
	r := req(base64.StdEncoding.EncodeToString([]byte(`{"name":"b64"}`)))
	r.IsBase64Encoded = true
	var v thing
	if err := DecodeJSON(r, &v); err != nil || v.Name != "b64" {
		t.Fatalf("v = %+v, err = %v", v, err)
	}
}

func TestErrorsMapToStatusesInOnePlace(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{failure.InvalidInput("bad_x", "x"), 400, "bad_x"},
		{failure.New(failure.Unauthenticated, "no_key", "k"), 401, "no_key"},
		{failure.Denied("forbidden_role", "r"), 403, "forbidden_role"},
		{fmt.Errorf("wrapped: %w", failure.Missing("gone", "g")), 404, "gone"},
		{store.ErrNotFound, 404, "not_found"},
		{&store.TxError{Err: store.ErrConflict}, 409, "conflict"},
		{store.ErrBadCursor, 400, "invalid_cursor"},
		{idempotency.ErrPayloadMismatch, 422, "idempotency_key_reused"},
		{idempotency.ErrInProgress, 409, "request_in_progress"},
		{errors.New("db password is hunter2"), 500, "internal"},
	}
	for _, c := range cases {
		f, status := Classify(c.err)
		if status != c.status || f.Code != c.code {
			t.Errorf("%v: %d %s, want %d %s", c.err, status, f.Code, c.status, c.code)
		}
		if status == 500 && strings.Contains(f.Message, "hunter2") {
			t.Errorf("an internal error leaks its text: %q", f.Message)
		}
	}
}

func TestServerAnswersTheErrorModelAndLogsOneLine(t *testing.T) {
	var logs bytes.Buffer
	srv := &Server{Log: logging.NewTo(&logs, "INFO", "test"), Routes: Routes{
		"GET /ok": func(ctx context.Context, _ Request) (Response, error) {
			Annotate(ctx, "t-1", "client:k")
			return JSON(200, thing{Name: "x"}), nil
		},
		"GET /fail": func(context.Context, Request) (Response, error) {
			return Response{}, failure.Refused("nope", "not now")
		},
		"GET /panic": func(context.Context, Request) (Response, error) { panic("boom") },
	}}
	call := func(route string) (Response, ErrorBody) {
		r := Request{RouteKey: route, RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "rid"}}
		resp, err := srv.Handle(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		var eb ErrorBody
		_ = json.Unmarshal([]byte(resp.Body), &eb)
		return resp, eb
	}
	if resp, _ := call("GET /ok"); resp.StatusCode != 200 || resp.Headers["x-request-id"] != "rid" || resp.Headers["cache-control"] != "no-store" {
		t.Fatalf("ok: %+v", resp)
	}
	if resp, eb := call("GET /fail"); resp.StatusCode != 422 || eb.Error.Code != "nope" || eb.Error.RequestID != "rid" {
		t.Fatalf("fail: %d %+v", resp.StatusCode, eb)
	}
	if resp, eb := call("GET /panic"); resp.StatusCode != 500 || eb.Error.Code != "internal" {
		t.Fatalf("panic: %d %+v", resp.StatusCode, eb)
	}
	if resp, eb := call("GET /nowhere"); resp.StatusCode != 404 || eb.Error.Code != "route_not_found" {
		t.Fatalf("unknown route: %d %+v", resp.StatusCode, eb)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var first map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &first)
	if first["route"] != "GET /ok" || first["status"] != float64(200) || first["tenantId"] != "t-1" {
		t.Fatalf("request log line = %v", first)
	}
}

func TestPageParams(t *testing.T) {
	for q, ok := range map[string]bool{"": true, "1": true, "200": true, "0": false, "201": false, "x": false} {
		r := Request{QueryStringParameters: map[string]string{}}
		if q != "" {
			r.QueryStringParameters["limit"] = q
		}
		if _, err := PageParams(r); (err == nil) != ok {
			t.Errorf("limit=%q: err = %v", q, err)
		}
	}
}
