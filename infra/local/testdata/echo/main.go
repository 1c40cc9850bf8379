// Command echo is the runner's test function: it answers each kind of event in a way the
// integration test can observe. It lives under testdata so that ./... skips it; the
// runner builds it by path from testdata/template.yaml.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() { lambda.Start(handle) }

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		RouteKey string `json:"routeKey"`
		Records  []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
		DetailType string `json:"detail-type"`
	}
	_ = json.Unmarshal(raw, &probe)
	switch {
	case len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:dynamodb":
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, err
		}
		// Items with fail=true fail, reported by sequence number.
		var resp events.DynamoDBEventResponse
		for _, r := range ev.Records {
			if f, ok := r.Change.NewImage["fail"]; ok && f.DataType() == events.DataTypeBoolean && f.Boolean() {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			}
		}
		return resp, nil
	case probe.RouteKey != "":
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, err
		}
		return httpEvent(ctx, ev)
	case len(probe.Records) > 0:
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, err
		}
		var resp events.SQSEventResponse
		for _, r := range ev.Records {
			if r.Body == "fail" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, nil
	case probe.DetailType != "":
		return map[string]string{"seen": probe.DetailType}, nil
	}
	return map[string]json.RawMessage{"input": raw}, nil
}

func httpEvent(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (any, error) {
	switch ev.RawPath {
	case "/sleep":
		ms, _ := strconv.Atoi(ev.QueryStringParameters["ms"])
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return "slept", nil
	case "/fail":
		return nil, &failure{"boom"}
	case "/binary":
		return events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: base64.StdEncoding.EncodeToString([]byte{0xff, 0x00, 0x01}), IsBase64Encoded: true,
			Headers: map[string]string{"Content-Type": "application/octet-stream"}}, nil
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	body, _ := json.Marshal(map[string]any{
		"event":       ev,
		"env":         env("STAGE", "QUEUE_URL", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_ENDPOINT_URL", "SUMSUB_BASE_URL", "METAMAP_BASE_URL"),
		"functionArn": lc.InvokedFunctionArn,
		"requestId":   lc.AwsRequestID,
		"deadlineIn":  time.Until(deadline).Seconds(),
	})
	return events.APIGatewayV2HTTPResponse{
		StatusCode:        200,
		Headers:           map[string]string{"Content-Type": "application/json", "X-Echo": "1"},
		MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}},
		Cookies:           []string{"session=abc; HttpOnly", "theme=dark"},
		Body:              string(body),
	}, nil
}

type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

func env(names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = os.Getenv(n)
	}
	return out
}
