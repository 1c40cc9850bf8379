package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chainfi/chainguard/shared/emulator"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// TestRunnerIntegration starts the runner once on testdata/template.yaml (the echo
// function behind every kind of trigger) against the emulator, and checks what a client
// can observe: HTTP answers, messages left in queues, invocation records.
func TestRunnerIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs functions")
	}
	out := io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	rn, err := Start(context.Background(), Options{
		Template: "testdata/template.yaml", Addr: "127.0.0.1:0", Stage: "test", MaxProcs: 2,
		BuildDir: t.TempDir(), StateDir: t.TempDir(), Out: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rn.Close)
	cfg := emulator.TestConfig(t)

	t.Run("unknown resource types are skipped, not fatal", func(t *testing.T) {
		if len(rn.dep.Skipped) != 1 || !strings.Contains(rn.dep.Skipped[0], "AWS::Made::Up") {
			t.Errorf("skipped = %v", rn.dep.Skipped)
		}
	})

	t.Run("an HTTP route invokes the function with a v2 event", func(t *testing.T) {
		req, _ := http.NewRequest("GET", rn.URL()+"/items/42?q=1&q=2", nil)
		req.Header.Set("Cookie", "a=1; b=2")
		resp, body := do(t, req)
		if resp.StatusCode != 200 || resp.Header.Get("X-Echo") != "1" || len(resp.Header.Values("Set-Cookie")) != 2 || len(resp.Header.Values("X-Multi")) != 2 {
			t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
		}
		var got struct {
			Event struct {
				RouteKey       string            `json:"routeKey"`
				PathParameters map[string]string `json:"pathParameters"`
				Query          map[string]string `json:"queryStringParameters"`
				Cookies        []string          `json:"cookies"`
				RequestContext struct {
					Stage string `json:"stage"`
				} `json:"requestContext"`
			} `json:"event"`
			Env         map[string]string `json:"env"`
			FunctionArn string            `json:"functionArn"`
			DeadlineIn  float64           `json:"deadlineIn"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		ev := got.Event
		if ev.RouteKey != "GET /items/{id}" || ev.PathParameters["id"] != "42" || ev.Query["q"] != "1,2" || len(ev.Cookies) != 2 || ev.RequestContext.Stage != "test" {
			t.Errorf("event = %+v", ev)
		}
		if got.Env["STAGE"] != "test" || !strings.HasSuffix(got.Env["QUEUE_URL"], "/echo-test-work") || got.Env["AWS_LAMBDA_FUNCTION_NAME"] != "echo-test" ||
			got.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] != "128" || got.Env["AWS_ENDPOINT_URL"] == "" {
			t.Errorf("environment = %v", got.Env)
		}
		if !strings.HasSuffix(got.FunctionArn, ":function:echo-test") || got.DeadlineIn <= 0 || got.DeadlineIn > 5 {
			t.Errorf("context: arn %s, deadline in %.1fs (Timeout is 5s)", got.FunctionArn, got.DeadlineIn)
		}
	})

	t.Run("binary bodies travel base64-encoded both ways", func(t *testing.T) {
		req, _ := http.NewRequest("POST", rn.URL()+"/things/a/b", bytes.NewReader([]byte{0xff, 0xfe}))
		resp, body := do(t, req)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"isBase64Encoded":true`) || !strings.Contains(string(body), `"proxy":"a/b"`) {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
		req, _ = http.NewRequest("GET", rn.URL()+"/binary", nil)
		resp, body = do(t, req)
		if resp.StatusCode != 201 || !bytes.Equal(body, []byte{0xff, 0x00, 0x01}) || resp.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("%d %v %x", resp.StatusCode, resp.Header, body)
		}
	})

	t.Run("API Gateway's own answers", func(t *testing.T) {
		for path, want := range map[string]string{"/nope": `{"message":"Not Found"}`, "/fail": `{"message":"Internal Server Error"}`, "/private": `{"message":"Unauthorized"}`} {
			req, _ := http.NewRequest("GET", rn.URL()+path, nil)
			resp, body := do(t, req)
			if strings.TrimSpace(string(body)) != want {
				t.Errorf("GET %s = %d %s, want %s", path, resp.StatusCode, body, want)
			}
		}
	})

	t.Run("the JWT authorizer accepts the emulator's Cognito tokens", func(t *testing.T) {
		s := &staffSeeder{
			idp: cognitoidentityprovider.NewFromConfig(cfg), poolID: rn.dep.Resources["Pool"].Ref,
			clientID: rn.dep.Resources["PoolClient"].Ref, now: time.Now,
		}
		staff, err := s.seedStaff(context.Background(), []string{"analyst"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{staff[0].IDToken, staff[0].AccessToken} {
			req, _ := http.NewRequest("GET", rn.URL()+"/private", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, body := do(t, req)
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"cognito:groups":"[analyst]"`) {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		}
		req, _ := http.NewRequest("GET", rn.URL()+"/private", nil)
		req.Header.Set("Authorization", "Bearer "+staff[0].IDToken[:len(staff[0].IDToken)-4]+"AAAA")
		if resp, _ := do(t, req); resp.StatusCode != 401 {
			t.Errorf("a tampered token: %d", resp.StatusCode)
		}
	})

	t.Run("SQS: partial batch failures are retried then dead-lettered", func(t *testing.T) {
		q := sqs.NewFromConfig(cfg)
		work, dlq := rn.dep.Resources["WorkQueue"].Ref, rn.dep.Resources["WorkDLQ"].Ref
		for _, body := range []string{"ok-1", "fail", "ok-2"} {
			if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(work), MessageBody: aws.String(body)}); err != nil {
				t.Fatal(err)
			}
		}
		var dead []string
		eventually(t, 20*time.Second, func() bool {
			out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq), MaxNumberOfMessages: 10, VisibilityTimeout: 30})
			if err != nil {
				return false
			}
			for _, m := range out.Messages {
				dead = append(dead, aws.ToString(m.Body))
			}
			return len(dead) > 0
		})
		if len(dead) != 1 || dead[0] != "fail" {
			t.Fatalf("dead-lettered %v, want only the failing record", dead)
		}
		attrs, err := q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(work), AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
		if err != nil {
			t.Fatal(err)
		}
		if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
			t.Errorf("work queue still holds messages: %v", attrs.Attributes)
		}
		if n := countRecords(rn, "EchoFunction", "sqs echo-test-work"); n < 2 {
			t.Errorf("%d SQS invocations, want the first batch and at least one retry of the failed record", n)
		}
	})

	t.Run("EventBridge: a matching event reaches the function through the relay", func(t *testing.T) {
		eb := eventbridge.NewFromConfig(cfg)
		_, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			{EventBusName: aws.String("echo-test"), Source: aws.String("other.source"), DetailType: aws.String("ignored"), Detail: aws.String(`{}`)},
			{EventBusName: aws.String("echo-test"), Source: aws.String("echo.test"), DetailType: aws.String("tenant.created"), Detail: aws.String(`{"tenantId":"t1"}`)},
		}})
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		eventually(t, 10*time.Second, func() bool {
			recs := filterRecords(rn.Invocations(), func(r Record) bool { return strings.HasPrefix(r.Trigger, "eventbridge ") })
			if len(recs) == 0 {
				return false
			}
			rec = recs[0]
			return true
		})
		var ev struct {
			DetailType string          `json:"detail-type"`
			Account    string          `json:"account"`
			Detail     json.RawMessage `json:"detail"`
		}
		_ = json.Unmarshal(rec.Request, &ev)
		if rec.Outcome != "ok" || ev.DetailType != "tenant.created" || ev.Account != "123456789012" || string(rec.Response) != `{"seen":"tenant.created"}` {
			t.Errorf("record = %+v, event = %+v", rec, ev)
		}
		time.Sleep(1500 * time.Millisecond)
		if n := countRecords(rn, "EchoFunction", "eventbridge "); n != 1 {
			t.Errorf("%d EventBridge invocations, want 1 (the other event does not match the pattern)", n)
		}
	})

	t.Run("DynamoDB streams: filtered records reach the function in order, failures go to OnFailure", func(t *testing.T) {
		testStreams(t, rn, cfg)
	})

	t.Run("the vendor sandbox: credentials.json, our Sumsub client through the runner, the secrets", func(t *testing.T) {
		testVendors(t, rn)
	})

	t.Run("the invocation list redacts Authorization headers and bodies", func(t *testing.T) {
		req, _ := http.NewRequest("POST", rn.URL()+"/things/secret", strings.NewReader(`{"name":"Jane Doe"}`))
		req.Header.Set("AUTHORIZATION", "Bearer cgk_k1_s3cret")
		if resp, _ := do(t, req); resp.StatusCode != 200 {
			t.Fatalf("POST = %d", resp.StatusCode)
		}
		resp, body := do(t, mustRequest("GET", rn.URL()+"/_local/invocations?function=EchoFunction"))
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"routeKey":"ANY /things/{proxy+}"`) {
			t.Fatalf("%d %.300s", resp.StatusCode, body)
		}
		for _, secret := range []string{"cgk_k1_s3cret", "Jane Doe", `"X-Echo"`} {
			if strings.Contains(string(body), secret) {
				t.Errorf("GET /_local/invocations shows %s", secret)
			}
		}
	})

	t.Run("schedules fire on demand with their Input or a scheduled event", func(t *testing.T) {
		var buf bytes.Buffer
		if err := fire(rn.ln.Addr().String(), "echo-test-tick", &buf); err != nil {
			t.Fatal(err)
		}
		var res FireResult
		if err := json.Unmarshal(buf.Bytes(), &res); err != nil {
			t.Fatal(err, buf.String())
		}
		if res.Outcome != "ok" || res.Function != "EchoFunction" || string(res.Response) != `{"input":{"tick":true}}` {
			t.Errorf("fire tick = %+v (response %s)", res, res.Response)
		}
		resp, body := do(t, controlRequest("POST", rn.URL()+"/_local/schedules/echo-test-nightly"))
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"seen":"Scheduled Event"`) {
			t.Errorf("fire nightly = %d %s", resp.StatusCode, body)
		}
		crossSite, _ := http.NewRequest("POST", rn.URL()+"/_local/schedules/echo-test-nightly", strings.NewReader("x"))
		crossSite.Header.Set("Content-Type", "text/plain")
		crossSite.Header.Set("Origin", "http://evil.example")
		if resp, body := do(t, crossSite); resp.StatusCode != 403 {
			t.Errorf("a cross-site POST without %s = %d %s, want 403", controlHeader, resp.StatusCode, body)
		}
		if resp, _ := do(t, controlRequest("POST", rn.URL()+"/_local/schedules/nope")); resp.StatusCode != 404 {
			t.Errorf("unknown schedule: %d", resp.StatusCode)
		}
	})

	t.Run("the Timeout is enforced and the process replaced", func(t *testing.T) {
		start := time.Now()
		resp, body := do(t, mustRequest("GET", rn.URL()+"/sleep?ms=3000"))
		if resp.StatusCode != 500 || time.Since(start) > 2500*time.Millisecond {
			t.Fatalf("%d %s after %s; want a 500 after the 1 s timeout", resp.StatusCode, body, time.Since(start))
		}
		recs := filterRecords(rn.Invocations(), func(r Record) bool { return r.Function == "SleeperFunction" })
		if last := recs[len(recs)-1]; last.Outcome != "timeout" || last.Error == nil || !strings.Contains(last.Error.Message, "timed out after 1.00 seconds") {
			t.Errorf("record = %+v", last)
		}
		if n := rn.fns["SleeperFunction"].processes(); n != 0 {
			t.Errorf("%d processes left after the timeout, want the killed one gone", n)
		}
		resp, body = do(t, mustRequest("GET", rn.URL()+"/sleep?ms=10"))
		recs = filterRecords(rn.Invocations(), func(r Record) bool { return r.Function == "SleeperFunction" })
		if resp.StatusCode != 200 || string(body) != "slept" || !recs[len(recs)-1].Cold {
			t.Errorf("next invocation: %d %s cold=%v, want a fresh process", resp.StatusCode, body, recs[len(recs)-1].Cold)
		}
	})

	t.Run("warm processes are reused and concurrency adds processes", func(t *testing.T) {
		done := make(chan int, 2)
		for range 2 {
			go func() {
				resp, err := http.Get(rn.URL() + "/sleep?ms=300")
				if err != nil {
					done <- 0
					return
				}
				resp.Body.Close()
				done <- resp.StatusCode
			}()
		}
		if a, b := <-done, <-done; a != 200 || b != 200 {
			t.Fatalf("statuses %d %d", a, b)
		}
		if n := rn.fns["SleeperFunction"].processes(); n != 2 {
			t.Errorf("%d processes after two concurrent calls, want 2", n)
		}
	})
}

// testStreams writes to the test table and follows the records through the echo
// function, whose filter takes only inserted audit_record items and which fails items
// with fail=true.
func testStreams(t *testing.T, rn *Runner, cfg aws.Config) {
	ctx := context.Background()
	db := dynamodb.NewFromConfig(cfg)
	table := rn.dep.Resources["AuditTable"].Ref
	put := func(items ...map[string]ddbtypes.AttributeValue) {
		t.Helper()
		var reqs []ddbtypes.WriteRequest
		for _, it := range items {
			reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: it}})
		}
		if _, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{table: reqs}}); err != nil {
			t.Fatal(err)
		}
	}
	item := func(pk, entity string, fail bool) map[string]ddbtypes.AttributeValue {
		return map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: pk}, "entity": &ddbtypes.AttributeValueMemberS{Value: entity},
			"fail": &ddbtypes.AttributeValueMemberBOOL{Value: fail},
		}
	}
	// deliveries lists, per invocation, the keys it carried (and keeps the events).
	deliveries := func() ([][]string, []events.DynamoDBEvent) {
		var keys [][]string
		var evs []events.DynamoDBEvent
		for _, r := range rn.Invocations() {
			if !strings.HasPrefix(r.Trigger, "dynamodb "+table) {
				continue
			}
			var ev events.DynamoDBEvent
			if err := json.Unmarshal(r.Request, &ev); err != nil {
				t.Fatalf("not a DynamoDB event: %v", err)
			}
			var ks []string
			for _, rec := range ev.Records {
				ks = append(ks, rec.Change.Keys["PK"].String())
			}
			keys, evs = append(keys, ks), append(evs, ev)
		}
		return keys, evs
	}
	flat := func(keys [][]string) string {
		var all []string
		for _, ks := range keys {
			all = append(all, ks...)
		}
		return strings.Join(all, ",")
	}

	put(item("a1", "audit_record", false), item("x1", "session", false), item("a2", "audit_record", false))
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table),
		Key:              map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: "a1"}},
		UpdateExpression: aws.String("SET sealed = :t"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":t": &ddbtypes.AttributeValueMemberBOOL{Value: true}},
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, func() bool { k, _ := deliveries(); return flat(k) == "a1,a2" })
	time.Sleep(2 * time.Second) // the filtered-out insert and the MODIFY must not follow
	keys, evs := deliveries()
	if flat(keys) != "a1,a2" {
		t.Fatalf("delivered %v, want a1 then a2 only (x1 and the MODIFY are filtered out)", keys)
	}
	rec := evs[0].Records[0]
	ch := rec.Change
	if rec.EventSource != "aws:dynamodb" || rec.EventName != "INSERT" || rec.EventSourceArn != rn.dep.Resources["AuditTable"].Attrs["StreamArn"] ||
		rec.AWSRegion != "us-east-1" || rec.EventID == "" || ch.SequenceNumber == "" || ch.StreamViewType != "NEW_AND_OLD_IMAGES" ||
		ch.NewImage["entity"].String() != "audit_record" || ch.ApproximateCreationDateTime.IsZero() || ch.SizeBytes == 0 {
		t.Errorf("record = %+v", rec)
	}

	// a4 succeeds, a3 fails every time, a5 comes after it: a4 is delivered once, then
	// a3 and a5 are retried from a3 until MaximumRetryAttempts (2) and handed to OnFailure.
	put(item("a4", "audit_record", false), item("a3", "audit_record", true), item("a5", "audit_record", false))
	q := sqs.NewFromConfig(cfg)
	var failure struct {
		RequestContext struct {
			Condition              string `json:"condition"`
			FunctionArn            string `json:"functionArn"`
			ApproximateInvokeCount int    `json:"approximateInvokeCount"`
			RequestID              string `json:"requestId"`
		} `json:"requestContext"`
		ResponseContext struct {
			StatusCode int `json:"statusCode"`
		} `json:"responseContext"`
		BatchInfo struct {
			ShardID             string `json:"shardId"`
			StartSequenceNumber string `json:"startSequenceNumber"`
			EndSequenceNumber   string `json:"endSequenceNumber"`
			BatchSize           int    `json:"batchSize"`
			StreamArn           string `json:"streamArn"`
		} `json:"DDBStreamBatchInfo"`
	}
	eventually(t, 20*time.Second, func() bool {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(rn.dep.Resources["SealFailures"].Ref), WaitTimeSeconds: 1})
		if err != nil || len(out.Messages) == 0 {
			return false
		}
		return json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &failure) == nil
	})
	keys, evs = deliveries()
	if got := strings.TrimPrefix(flat(keys), "a1,a2,"); got != "a4,a3,a5,a3,a5,a3,a5" {
		t.Errorf("deliveries after a2: %s, want a4,a3,a5 once, then a3,a5 for each of the 2 retries", got)
	}
	seq := map[string]string{}
	for _, ev := range evs {
		for _, r := range ev.Records {
			seq[r.Change.Keys["PK"].String()] = r.Change.SequenceNumber
		}
	}
	b := failure.BatchInfo
	if failure.RequestContext.Condition != "RetryAttemptsExhausted" || failure.RequestContext.ApproximateInvokeCount != 3 ||
		!strings.HasSuffix(failure.RequestContext.FunctionArn, ":function:echo-test") || failure.RequestContext.RequestID == "" ||
		failure.ResponseContext.StatusCode != 200 || b.StartSequenceNumber != seq["a3"] || b.EndSequenceNumber != seq["a5"] ||
		b.BatchSize != 2 || b.ShardID == "" || b.StreamArn != rn.dep.Resources["AuditTable"].Attrs["StreamArn"] {
		t.Errorf("OnFailure record = %+v (sequence numbers %v)", failure, seq)
	}

	// The shard moved on.
	put(item("a6", "audit_record", false))
	eventually(t, 10*time.Second, func() bool { k, _ := deliveries(); return strings.HasSuffix(flat(k), ",a6") })
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func mustRequest(method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		panic(err)
	}
	return req
}

// controlRequest is a request to a /_local control endpoint, as the fire command sends it.
func controlRequest(method, url string) *http.Request {
	req := mustRequest(method, url)
	req.Header.Set(controlHeader, "1")
	return req
}

func eventually(t *testing.T, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func countRecords(rn *Runner, fn, triggerPrefix string) int {
	return len(filterRecords(rn.Invocations(), func(r Record) bool {
		return r.Function == fn && strings.HasPrefix(r.Trigger, triggerPrefix)
	}))
}
