package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/lists/liststest"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// TestTheScheduledRunPublishesOnceAndAnnouncesIt runs the handler the scheduler invokes
// with the sample event, twice, and reads the event off a rule's queue.
func TestTheScheduledRunPublishesOnceAndAnnouncesIt(t *testing.T) {
	ctx := context.Background()
	d := pt.Deps(t)
	cfg := d.AWS
	bus, queueURL := busWithQueue(t, cfg)
	sources, err := liststest.MiniSources(t).URLs.Sources()
	if err != nil {
		t.Fatal(err)
	}
	pub := &lists.Publisher{Store: d.Store, DB: dynamodb.NewFromConfig(cfg), Audit: d.Audit,
		Events: events.NewPublisher(eventbridge.NewFromConfig(cfg), bus),
		S3:     lists.NewS3Client(cfg), Bucket: liststest.Bucket(t, cfg), KMSKeyID: liststest.KMSKey(t, cfg), Sources: sources}
	var emf bytes.Buffer
	handle := newHandler(pub, &emf, time.Now)
	sample, err := os.ReadFile("../../events/list-refresh.json")
	if err != nil {
		t.Fatal(err)
	}

	first, err := handle(ctx, sample)
	if err != nil || first.Status != lists.StatusPublished {
		t.Fatalf("first run: %v %+v", err, first)
	}
	second, err := handle(ctx, sample)
	if err != nil || second.Status != lists.StatusUnchanged || second.Version.ID != first.Version.ID {
		t.Fatalf("second run: %v %+v", err, second)
	}
	// Each run wrote the metrics the lists-stale alarm watches: fresh sources, none failed.
	lines := strings.Split(strings.TrimSpace(emf.String()), "\n")
	var m struct{ OldestSourceAgeHours, SourcesFailed *float64 }
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &m) != nil || m.OldestSourceAgeHours == nil || *m.OldestSourceAgeHours > 0.1 ||
		m.SourcesFailed == nil || *m.SourcesFailed != 0 {
		t.Fatalf("metrics: %q", emf.String())
	}

	out, err := sqs.NewFromConfig(cfg).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("%d events, want one lists.version.published", len(out.Messages))
	}
	env, err := events.FromEventBridge([]byte(aws.ToString(out.Messages[0].Body)))
	if err != nil || env.Type != lists.EventVersionPublished {
		t.Fatalf("event: %v %+v", err, env)
	}
	var data lists.VersionEvent
	if err := json.Unmarshal(env.Data, &data); err != nil || data.Version != first.Version.ID || len(data.Sources) != 3 {
		t.Fatalf("event data: %v %s", err, env.Data)
	}
}

func busWithQueue(t *testing.T, cfg aws.Config) (bus, queueURL string) {
	t.Helper()
	ctx := context.Background()
	name := "lists-" + strings.ToLower(strings.ReplaceAll(t.Name(), "_", "-"))[:20]
	eb, q := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qo.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	pattern := `{"source":["chainguard"],"detail-type":["` + lists.EventVersionPublished + `"]}`
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(name), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(name),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	return name, aws.ToString(qo.QueueUrl)
}
