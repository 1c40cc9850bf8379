package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/logging"
	"github.com/chainfi/chainguard/shared/store"
)

// syncBuffer is a log sink that an abandoned handler goroutine may still write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// invoke calls srv.Handle as Lambda would, with a context that expires in budget, and
// returns the answer and how long it took.
func invoke(t *testing.T, srv *Server, route string, budget time.Duration) (Response, ErrorBody, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	resp, err := srv.Handle(ctx, Request{RouteKey: route, RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "rid"}})
	took := time.Since(start)
	if err != nil {
		t.Fatalf("Handle returned an error, which API Gateway would turn into a bare 500: %v", err)
	}
	var eb ErrorBody
	_ = json.Unmarshal([]byte(resp.Body), &eb)
	return resp, eb, took
}

func TestAHandlerThatOverrunsGetsTheCodedTimeoutBeforeTheDeadline(t *testing.T) {
	const budget = 1500 * time.Millisecond
	margin := DefaultMargin(budget) // 500 ms: 10% of 1.5 s is less
	release := make(chan struct{})
	finished := make(chan struct{})
	var logs syncBuffer
	srv := &Server{Log: logging.NewTo(&logs, "INFO", "test"), Routes: Routes{
		// A handler that ignores its context, as a stuck call would.
		"POST /stuck": func(ctx context.Context, _ Request) (Response, error) {
			defer close(finished)
			<-release
			Annotate(ctx, "t-late", "client:late") // still running after the answer: no race
			return JSON(201, thing{Name: "created too late"}), nil
		},
	}}
	resp, eb, took := invoke(t, srv, "POST /stuck", budget)
	if resp.StatusCode != 504 || eb.Error.Code != "timeout" || eb.Error.RequestID != "rid" || resp.Headers["retry-after"] == "" {
		t.Fatalf("answer: %d %+v %v", resp.StatusCode, eb, resp.Headers)
	}
	if took < budget-margin-50*time.Millisecond || took >= budget-margin/2 {
		t.Fatalf("answered after %v; want at %v, before the %v deadline", took, budget-margin, budget)
	}
	if strings.Contains(resp.Body, "created too late") {
		t.Fatalf("the answer claims the late handler's success: %s", resp.Body)
	}
	t.Run("the late handler finishes without changing the answer", func(t *testing.T) {
		close(release)
		<-finished
		if !strings.Contains(logs.String(), `"status":504`) || !strings.Contains(logs.String(), "overran its deadline") {
			t.Fatalf("logs: %s", logs.String())
		}
	})
}

func TestHandlersGetTheDeadlineLessTheMargin(t *testing.T) {
	cases := []struct {
		name   string
		budget time.Duration
		margin func(time.Duration) time.Duration
		want   time.Duration // the handler's remaining time, about
	}{
		{"a 10 s budget keeps 10% back", 10 * time.Second, nil, 9 * time.Second},
		{"a 2 s budget keeps 500 ms back", 2 * time.Second, nil, 1500 * time.Millisecond},
		{"a configured margin is used", 2 * time.Second, func(time.Duration) time.Duration { return 200 * time.Millisecond }, 1800 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got time.Duration
			srv := &Server{Log: logging.NewTo(&bytes.Buffer{}, "ERROR", "test"), Margin: c.margin, Routes: Routes{
				"GET /dl": func(ctx context.Context, _ Request) (Response, error) {
					dl, ok := ctx.Deadline()
					if !ok {
						return Response{}, errors.New("no deadline")
					}
					got = time.Until(dl)
					return NoContent(), nil
				},
			}}
			resp, eb, _ := invoke(t, srv, "GET /dl", c.budget)
			if resp.StatusCode != 204 || got > c.want || got < c.want-100*time.Millisecond {
				t.Fatalf("%d %+v: handler had %v, want about %v", resp.StatusCode, eb, got, c.want)
			}
		})
	}
	t.Run("without a deadline the handler has none", func(t *testing.T) {
		srv := &Server{Log: logging.NewTo(&bytes.Buffer{}, "ERROR", "test"), Routes: Routes{
			"GET /dl": func(ctx context.Context, _ Request) (Response, error) {
				if _, ok := ctx.Deadline(); ok {
					return Response{}, errors.New("unexpected deadline")
				}
				return NoContent(), nil
			},
		}}
		resp, err := srv.Handle(context.Background(), Request{RouteKey: "GET /dl"})
		if err != nil || resp.StatusCode != 204 {
			t.Fatalf("%d %v", resp.StatusCode, err)
		}
	})
}

func TestAHandlerThatStopsAtItsDeadlineAnswersTheSameTimeout(t *testing.T) {
	srv := &Server{Log: logging.NewTo(&bytes.Buffer{}, "ERROR", "test"), Routes: Routes{
		// Storage calls return the context's error wrapped, as the SDK does.
		"POST /slow": func(ctx context.Context, _ Request) (Response, error) {
			<-ctx.Done()
			return Response{}, fmt.Errorf("store: put: operation error DynamoDB: PutItem: %w", &aws.RequestCanceledError{Err: ctx.Err()})
		},
		"POST /panics-late": func(ctx context.Context, _ Request) (Response, error) {
			<-ctx.Done()
			time.Sleep(20 * time.Millisecond)
			panic("after the answer")
		},
	}}
	for _, route := range []string{"POST /slow", "POST /panics-late"} {
		resp, eb, took := invoke(t, srv, route, time.Second)
		if resp.StatusCode != 504 || eb.Error.Code != "timeout" || took >= 900*time.Millisecond {
			t.Fatalf("%s: %d %+v after %v", route, resp.StatusCode, eb, took)
		}
	}
	time.Sleep(50 * time.Millisecond) // the late panic is recovered, not fatal
}

// timeoutErr is a network timeout, as net/http reports one.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestTimeoutsAndThrottlingMapToCodedErrors(t *testing.T) {
	op := func(err error) error {
		return fmt.Errorf("lists: record screening: %w", &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "TransactWriteItems", Err: err})
	}
	cases := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"our deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), 504, "timeout"},
		{"a cancelled SDK request", op(&aws.RequestCanceledError{Err: context.DeadlineExceeded}), 504, "timeout"},
		{"a network timeout", op(timeoutErr{}), 504, "timeout"},
		{"a service-side request timeout", op(&smithy.GenericAPIError{Code: "RequestTimeout"}), 504, "timeout"},
		{"a timeout failure kind", failure.New(failure.Timeout, "timeout", "t"), 504, "timeout"},
		{"DynamoDB throttling", op(&ddbtypes.ProvisionedThroughputExceededException{}), 503, "temporarily_unavailable"},
		{"a request limit", op(&ddbtypes.RequestLimitExceeded{}), 503, "temporarily_unavailable"},
		{"KMS throttling after the SDK's retries", op(&retry.MaxAttemptsError{Attempt: 3, Err: &smithy.GenericAPIError{Code: "ThrottlingException"}}), 503, "temporarily_unavailable"},
		{"the SDK's retry budget spent", op(ratelimit.QuotaExceededError{Available: 0, Requested: 5}), 503, "temporarily_unavailable"},
		{"a transaction cancelled for throttling", &store.TxError{Failures: []store.TxFailure{{Code: "ThrottlingError"}}}, 503, "temporarily_unavailable"},
		{"a validation error stays internal", op(&smithy.GenericAPIError{Code: "ValidationException"}), 500, "internal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, status := Classify(c.err)
			if status != c.status || f.Code != c.code {
				t.Fatalf("%v: %d %s, want %d %s", c.err, status, f.Code, c.status, c.code)
			}
		})
	}
}
