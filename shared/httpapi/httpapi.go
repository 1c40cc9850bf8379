// Package httpapi is the edge of every HTTP function: it decodes API Gateway HTTP API
// (payload 2.0) requests, routes them, turns errors into the one error model
// {"error":{"code":"...","message":"...","requestId":"..."}} with the right status, and
// writes one structured log line per request. Handlers stay thin: decode, call one domain
// operation, encode.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/store"
)

// Request and Response are API Gateway HTTP API payload 2.0 events.
type (
	Request  = events.APIGatewayV2HTTPRequest
	Response = events.APIGatewayV2HTTPResponse
)

// Handler serves one route.
type Handler func(ctx context.Context, req Request) (Response, error)

// Routes maps an API Gateway route key ("GET /v1/me") to its handler.
type Routes map[string]Handler

// Server dispatches requests to routes and applies the error model and logging.
type Server struct {
	Log    *slog.Logger
	Routes Routes
	Now    func() time.Time
}

type requestInfo struct {
	tenant string
	actor  string
}

type infoKey struct{}

// Annotate records who the request acts for, so that the request's log line says it.
// Only identifiers: never a name or a key.
func Annotate(ctx context.Context, tenant, actor string) {
	if ri, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		if tenant != "" {
			ri.tenant = tenant
		}
		if actor != "" {
			ri.actor = actor
		}
	}
}

// Handle is the Lambda entry point.
func (s *Server) Handle(ctx context.Context, req Request) (resp Response, err error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	start := now()
	ri := &requestInfo{}
	ctx = context.WithValue(ctx, infoKey{}, ri)
	reqID := req.RequestContext.RequestID
	defer func() {
		if p := recover(); p != nil {
			s.Log.Error("handler panic", "requestId", reqID, "panic", fmt.Sprintf("%T", p), "stack", string(debug.Stack()))
			resp = errorResponse(failure.New(failure.Internal, "internal", "internal error"), reqID)
			err = nil
		}
		resp = withHeaders(resp, reqID)
		s.Log.Info("request",
			"requestId", reqID, "route", req.RouteKey, "status", resp.StatusCode,
			"durationMs", now().Sub(start).Milliseconds(), "tenantId", ri.tenant, "actor", ri.actor)
	}()
	h, ok := s.Routes[req.RouteKey]
	if !ok {
		return errorResponse(failure.Missing("route_not_found", "no such route: %s", req.RouteKey), reqID), nil
	}
	resp, herr := h(ctx, req)
	if herr != nil {
		status := StatusOf(herr)
		if status >= 500 {
			s.Log.Error("request failed", "requestId", reqID, "route", req.RouteKey, "error", herr.Error())
		}
		return errorResponse(herr, reqID), nil
	}
	return resp, nil
}

// ErrorBody is the error model every endpoint answers with.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId,omitempty"`
}

// Classify turns any error into a failure with its status: classified failures keep their
// kind; storage and idempotency errors that escaped a handler get their natural meaning;
// anything else is internal and its text is not shown.
func Classify(err error) (*failure.Error, int) {
	if f, ok := failure.As(err); ok {
		return f, statusOfKind(f.Kind)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return failure.Missing("not_found", "resource not found"), http.StatusNotFound
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrAlreadyExists):
		return failure.Conflicting("conflict", "the resource changed or already exists; reload and retry"), http.StatusConflict
	case errors.Is(err, store.ErrBadCursor):
		return failure.InvalidInput("invalid_cursor", "the pagination cursor is invalid or belongs to another query"), http.StatusBadRequest
	case errors.Is(err, idempotency.ErrPayloadMismatch):
		return failure.Refused("idempotency_key_reused", "this Idempotency-Key was used with a different request body"), http.StatusUnprocessableEntity
	case errors.Is(err, idempotency.ErrInProgress):
		return failure.Conflicting("request_in_progress", "a request with this Idempotency-Key is still being processed; retry later"), http.StatusConflict
	case errors.Is(err, context.DeadlineExceeded):
		return failure.New(failure.Unavailable, "timeout", "the request timed out; retry later"), http.StatusServiceUnavailable
	}
	return failure.New(failure.Internal, "internal", "internal error"), http.StatusInternalServerError
}

// StatusOf is the HTTP status an error answers with.
func StatusOf(err error) int {
	_, s := Classify(err)
	return s
}

func statusOfKind(k failure.Kind) int {
	switch k {
	case failure.Invalid:
		return http.StatusBadRequest
	case failure.Unauthenticated:
		return http.StatusUnauthorized
	case failure.Forbidden:
		return http.StatusForbidden
	case failure.NotFound:
		return http.StatusNotFound
	case failure.Conflict:
		return http.StatusConflict
	case failure.Unprocessable:
		return http.StatusUnprocessableEntity
	case failure.TooLarge:
		return http.StatusRequestEntityTooLarge
	case failure.Unsupported:
		return http.StatusUnsupportedMediaType
	case failure.TooMany:
		return http.StatusTooManyRequests
	case failure.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func errorResponse(err error, reqID string) Response {
	f, status := Classify(err)
	resp := JSON(status, ErrorBody{Error: ErrorDetail{Code: f.Code, Message: f.Message, RequestID: reqID}})
	if status == http.StatusUnauthorized {
		resp.Headers["www-authenticate"] = `Bearer realm="chainguard"`
	}
	return resp
}

// JSON encodes v as the response body.
func JSON(status int, v any) Response {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	return Response{
		StatusCode: status,
		Headers:    map[string]string{"content-type": "application/json"},
		Body:       string(body),
	}
}

// NoContent is an empty 204 answer.
func NoContent() Response {
	return Response{StatusCode: http.StatusNoContent, Headers: map[string]string{}}
}

func withHeaders(r Response, reqID string) Response {
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	r.Headers["cache-control"] = "no-store"
	r.Headers["x-content-type-options"] = "nosniff"
	r.Headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
	if reqID != "" {
		r.Headers["x-request-id"] = reqID
	}
	return r
}
