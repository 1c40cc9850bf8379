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
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

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
	// Margin is how long before the invocation's deadline the handler's context expires,
	// given the time the invocation had left when it started; nil means DefaultMargin.
	Margin func(remaining time.Duration) time.Duration
}

// DefaultMargin is max(500 ms, 10% of the remaining time). Within it the server answers
// the coded timeout, logs and hands the answer to the Lambda runtime; an SDK call that
// its context cancelled returns at once, but a response already in flight needs a few
// tens of milliseconds, and a cold runtime client more. 10% scales it for long timeouts
// whose stragglers are slower; 500 ms keeps it meaningful for short ones.
func DefaultMargin(remaining time.Duration) time.Duration {
	return max(500*time.Millisecond, remaining/10)
}

// requestInfo is written by the handler's goroutine (Annotate) and read by Handle's log
// line, possibly while an overrunning handler still runs: hence the lock.
type requestInfo struct {
	mu     sync.Mutex
	tenant string
	actor  string
}

func (ri *requestInfo) get() (tenant, actor string) {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	return ri.tenant, ri.actor
}

type infoKey struct{}

// Annotate records who the request acts for, so that the request's log line says it.
// Only identifiers: never a name or a key.
func Annotate(ctx context.Context, tenant, actor string) {
	if ri, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		ri.mu.Lock()
		defer ri.mu.Unlock()
		if tenant != "" {
			ri.tenant = tenant
		}
		if actor != "" {
			ri.actor = actor
		}
	}
}

// ErrTimeout is the answer of a request that ran out of time: its outcome is unknown
// (a write may have committed just before), so the message points to the retry that is
// safe.
var ErrTimeout = &failure.Error{Kind: failure.Timeout, Code: "timeout",
	Message: "the request did not finish in time and may have been applied; retry it (with the same Idempotency-Key where the route honours one)"}

// ErrUnavailable is the answer when AWS throttled us or refused for capacity after the
// SDK's retries: a dependency is unavailable, retrying later is the remedy.
var ErrUnavailable = &failure.Error{Kind: failure.Unavailable, Code: "temporarily_unavailable",
	Message: "a service we depend on is busy or unavailable; retry later (with the same Idempotency-Key where the route honours one)"}

// Handle is the Lambda entry point. The handler runs with a context that expires Margin
// before the invocation's deadline; if it has not answered by then, Handle answers
// ErrTimeout itself, without waiting for it, so that the client gets our error model
// instead of API Gateway's bare 500 when Lambda kills the invocation. The handler's
// goroutine may go on until its calls notice the cancelled context; its answer is then
// dropped, never sent as a success.
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
		resp = withHeaders(resp, reqID)
		tenant, actor := ri.get()
		s.Log.Info("request",
			"requestId", reqID, "route", req.RouteKey, "status", resp.StatusCode,
			"durationMs", now().Sub(start).Milliseconds(), "tenantId", tenant, "actor", actor)
	}()
	h, ok := s.Routes[req.RouteKey]
	if !ok {
		return errorResponse(failure.Missing("route_not_found", "no such route: %s", req.RouteKey), reqID), nil
	}
	if err := checkRequestText(req); err != nil {
		return errorResponse(err, reqID), nil
	}
	hctx, cancel := s.handlerContext(ctx)
	defer cancel()
	done := make(chan Response, 1) // buffered: an abandoned handler must not block forever
	go func() { done <- s.run(hctx, h, req, reqID) }()
	select {
	case r := <-done:
		return r, nil
	case <-hctx.Done():
	}
	select {
	case r := <-done: // it finished at the same moment: its own answer is the truth
		return r, nil
	default:
	}
	s.Log.Error("handler overran its deadline", "requestId", reqID, "route", req.RouteKey,
		"cause", context.Cause(hctx).Error())
	return errorResponse(ErrTimeout, reqID), nil
}

// handlerContext is ctx with the margin taken off its deadline. Without a deadline (tests,
// tools) there is nothing to keep a margin from.
func (s *Server) handlerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := DefaultMargin
	if s.Margin != nil {
		margin = s.Margin
	}
	return context.WithDeadline(ctx, dl.Add(-margin(time.Until(dl))))
}

// run calls the handler and turns its error or panic into the error model. It runs on a
// goroutine of its own, so it recovers panics itself: one escaping there would kill the
// process.
func (s *Server) run(ctx context.Context, h Handler, req Request, reqID string) (resp Response) {
	defer func() {
		if p := recover(); p != nil {
			s.Log.Error("handler panic", "requestId", reqID, "panic", fmt.Sprintf("%T", p), "stack", string(debug.Stack()))
			resp = errorResponse(failure.New(failure.Internal, "internal", "internal error"), reqID)
		}
	}()
	resp, err := h(ctx, req)
	if err != nil {
		if StatusOf(err) >= 500 {
			s.Log.Error("request failed", "requestId", reqID, "route", req.RouteKey, "error", err.Error())
		}
		return errorResponse(err, reqID)
	}
	return resp
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
// kind; storage, idempotency and AWS errors that escaped a handler get their natural
// meaning; anything else is internal and its text is not shown.
//
// Running out of time (our context's deadline, an SDK or network timeout) is 504 timeout:
// the outcome is unknown. Throttling and capacity refusals that outlasted the SDK's
// retries are 503 temporarily_unavailable: the dependency said no. Both invite a retry
// with the same Idempotency-Key, which returns the stored result if there is one.
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
	case timedOut(err):
		return ErrTimeout, http.StatusGatewayTimeout
	case throttled(err):
		return ErrUnavailable, http.StatusServiceUnavailable
	}
	return failure.New(failure.Internal, "internal", "internal error"), http.StatusInternalServerError
}

// timedOut: our deadline passed or the caller went away (the SDK wraps both in
// aws.RequestCanceledError, which unwraps to them), or a network or service timeout.
func timedOut(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	// TimeouterError: any error in the chain with Timeout() true (net.Error and kin).
	if retry.IsErrorTimeouts(retry.DefaultTimeouts).IsErrorTimeout(err) == aws.TrueTernary {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "RequestTimeout" || api.ErrorCode() == "RequestTimeoutException")
}

// throttled: AWS refused for rate or capacity (the SDK's own list of throttling codes),
// the SDK's retry budget ran out, or a transaction was cancelled for throttling.
func throttled(err error) bool {
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return true
	}
	var quota ratelimit.QuotaExceededError
	if errors.As(err, &quota) {
		return true
	}
	var tx *store.TxError
	if errors.As(err, &tx) {
		for _, f := range tx.Failures {
			if f.Code == "ThrottlingError" || f.Code == "ProvisionedThroughputExceeded" {
				return true
			}
		}
	}
	return false
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
	case failure.Timeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func errorResponse(err error, reqID string) Response {
	f, status := Classify(err)
	resp := JSON(status, ErrorBody{Error: ErrorDetail{Code: f.Code, Message: f.Message, RequestID: reqID}})
	switch status {
	case http.StatusUnauthorized:
		resp.Headers["www-authenticate"] = `Bearer realm="chainguard"`
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		resp.Headers["retry-after"] = "1"
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
