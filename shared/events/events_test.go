package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chainfi/chainguard/shared/emulator"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// busToQueue creates a bus with a rule that sends every chainguard event to a new queue.
func busToQueue(t *testing.T, name string) (*eventbridge.Client, *sqs.Client, string) {
	t.Helper()
	ctx := context.Background()
	cfg := emulator.TestConfig(t)
	eb, q := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qo.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	pattern := `{"source":["chainguard"]}`
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name + "-all"), EventBusName: aws.String(name), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name + "-all"), EventBusName: aws.String(name),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}})
	if err != nil {
		t.Fatal(err)
	}
	return eb, q, aws.ToString(qo.QueueUrl)
}

func drain(t *testing.T, q *sqs.Client, url string, want int) []Envelope {
	t.Helper()
	var got []Envelope
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			env, err := FromEventBridge([]byte(aws.ToString(m.Body)))
			if err != nil {
				t.Fatalf("message is not an envelope: %v", err)
			}
			got = append(got, env)
		}
	}
	return got
}

func TestPublishedEventsReachARuleTargetInBatches(t *testing.T) {
	eb, q, url := busToQueue(t, "bus-batches")
	pub := NewPublisher(eb, "bus-batches")
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	var sent []Envelope
	for i := 0; i < 25; i++ { // three PutEvents calls: 10 + 10 + 5
		ev, err := New("tenant.created", "t-1", map[string]int{"n": i}, now)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, ev)
	}
	if err := pub.Publish(context.Background(), sent...); err != nil {
		t.Fatal(err)
	}
	got := drain(t, q, url, 25)
	if len(got) != 25 {
		t.Fatalf("received %d events, want 25", len(got))
	}
	ids := map[string]bool{}
	for _, e := range got {
		ids[e.ID] = true
		if e.Type != "tenant.created" || e.TenantID != "t-1" || e.Version != EnvelopeVersion {
			t.Errorf("envelope changed on the way: %+v", e)
		}
	}
	for _, e := range sent {
		if !ids[e.ID] {
			t.Errorf("event %s was not delivered", e.ID)
		}
	}
}

func TestDecodeRefusesUnknownEnvelopeVersions(t *testing.T) {
	for _, raw := range []string{`{"id":"1","type":"x","version":2,"data":{}}`, `{"id":"1","version":1}`, `not json`} {
		if _, err := Decode([]byte(raw)); err == nil {
			t.Errorf("Decode(%s) accepted", raw)
		}
	}
}

// flaky is a unit-test double for our retry loop only: it fails the first entry of every
// call until failures run out. The integration test above covers the real service.
type flaky struct {
	failures int
	calls    [][]string
}

func (f *flaky) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	var ids []string
	out := &eventbridge.PutEventsOutput{}
	for i, e := range in.Entries {
		var env Envelope
		_ = json.Unmarshal([]byte(aws.ToString(e.Detail)), &env)
		ids = append(ids, env.ID)
		r := ebtypes.PutEventsResultEntry{EventId: aws.String(fmt.Sprint(i))}
		if i == 0 && f.failures > 0 {
			f.failures--
			r = ebtypes.PutEventsResultEntry{ErrorCode: aws.String("ThrottlingException"), ErrorMessage: aws.String("slow down")}
			out.FailedEntryCount++
		}
		out.Entries = append(out.Entries, r)
	}
	f.calls = append(f.calls, ids)
	return out, nil
}

func TestOnlyFailedEntriesAreRetried(t *testing.T) {
	f := &flaky{failures: 2}
	pub := NewPublisher(f, "b")
	pub.backoff = time.Millisecond
	var evs []Envelope
	for i := 0; i < 3; i++ {
		ev, _ := New("x.happened", "t", i, time.Now())
		evs = append(evs, ev)
	}
	if err := pub.Publish(context.Background(), evs...); err != nil {
		t.Fatalf("publish with transient failures: %v", err)
	}
	if len(f.calls) != 3 || len(f.calls[1]) != 1 || f.calls[1][0] != evs[0].ID {
		t.Fatalf("retries resent %v, want only the failed event each time", f.calls)
	}
}

func TestPersistentFailuresAreReportedByEventID(t *testing.T) {
	f := &flaky{failures: 100}
	pub := NewPublisher(f, "b")
	pub.backoff = time.Millisecond
	ev, _ := New("x.happened", "t", 1, time.Now())
	err := pub.Publish(context.Background(), ev)
	var pe *PublishError
	if !errors.As(err, &pe) || len(pe.Failed) != 1 || pe.Failed[0].ID != ev.ID || pe.Failed[0].Code != "ThrottlingException" {
		t.Fatalf("err = %v, want a PublishError naming %s", err, ev.ID)
	}
}

func TestConsumeReportsOnlyFailedRecords(t *testing.T) {
	batch := lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{{MessageId: "a", Body: "ok"}, {MessageId: "b", Body: "fail"}, {MessageId: "c", Body: "ok"}}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	resp := Consume(context.Background(), log, batch, func(_ context.Context, m lambdaevents.SQSMessage) error {
		if m.Body == "fail" {
			return errors.New("boom")
		}
		return nil
	})
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "b" {
		t.Fatalf("failures = %+v, want only b", resp.BatchItemFailures)
	}
}

func TestSendJSONDeliversOneMessageToAQueue(t *testing.T) {
	ctx := context.Background()
	q := sqs.NewFromConfig(emulator.TestConfig(t))
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("send-json")})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := New("screening.requested", "t-1", map[string]string{"id": "s-1"}, time.Now())
	if err := SendJSON(ctx, q, aws.ToString(out.QueueUrl), ev, "", ""); err != nil {
		t.Fatal(err)
	}
	got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: out.QueueUrl, WaitTimeSeconds: 1})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("received %d messages, err %v", len(got.Messages), err)
	}
	back, err := Decode([]byte(aws.ToString(got.Messages[0].Body)))
	if err != nil || back.ID != ev.ID || back.Type != ev.Type {
		t.Fatalf("message = %+v, %v", back, err)
	}
}
