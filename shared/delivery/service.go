package delivery

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/webhooks"
)

// SQS is the part of the SQS client the service uses.
type SQS interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// Service holds endpoints and deliveries. It is safe for concurrent use.
type Service struct {
	st       *store.Store
	audit    *audit.Log
	enc      envelope.Encrypter
	sender   *webhooks.Sender
	policy   webhooks.URLPolicy
	sqs      SQS
	queueURL string
	dlqURL   string
	log      *slog.Logger
	metrics  io.Writer
	now      func() time.Time
	rand     func() float64
	// sendTimeout is the sender's timeout per attempt (webhooks.DefaultTimeout unless the
	// sender was built with another).
	sendTimeout time.Duration
}

// Config wires a Service. Store, Audit, Enc and Sender are required; the queue is
// required to dispatch, deliver, retry and replay.
type Config struct {
	Store    *store.Store
	Audit    *audit.Log
	Enc      envelope.Encrypter
	Sender   *webhooks.Sender
	Policy   webhooks.URLPolicy
	SQS      SQS
	QueueURL string // the delivery queue
	DLQURL   string // its dead-letter queue: where exhausted deliveries are copied
	Log      *slog.Logger
	Metrics  io.Writer // CloudWatch embedded-metric lines (nil: discarded)
	Now      func() time.Time
	Rand     func() float64 // jitter source (tests)
	// SendTimeout is the Sender's timeout per attempt (0: webhooks.DefaultTimeout).
	SendTimeout time.Duration
}

// New builds the service.
func New(c Config) *Service {
	s := &Service{
		st: c.Store, audit: c.Audit, enc: c.Enc, sender: c.Sender, policy: c.Policy, sqs: c.SQS,
		queueURL: c.QueueURL, dlqURL: c.DLQURL, log: c.Log, metrics: c.Metrics,
		now: c.Now, rand: c.Rand, sendTimeout: c.SendTimeout,
	}
	if s.sendTimeout <= 0 {
		s.sendTimeout = webhooks.DefaultTimeout
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.metrics == nil {
		s.metrics = io.Discard
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Float64
	}
	return s
}

// Limits and timings.
const (
	// MaxEndpoints per tenant.
	MaxEndpoints = 10
	// DisableAfter is how long an endpoint may fail every attempt before it is disabled.
	DisableAfter = 5 * 24 * time.Hour
	// PreviousSecretTTL is how long a rotated-out secret still signs deliveries.
	PreviousSecretTTL = 24 * time.Hour
	// maxQueueDelay is SQS's longest message delay.
	maxQueueDelay = 15 * time.Minute
	// claimTTL bounds an attempt in flight (the send's timeout and the writes around it);
	// a claim older than that belongs to a worker that died.
	claimTTL = 45 * time.Second
	// secretPurpose is the envelope purpose of signing secrets.
	secretPurpose = "webhook.secret"
)

func (s *Service) nowUTC() time.Time { return s.now().UTC() }

func ts(t time.Time) string { return store.FormatTime(t) }

func parseTS(v string) time.Time {
	t, err := store.ParseTime(v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// sendBudget is the time an attempt may take once it is sent: the sender's timeout and a
// margin to record it, all of which must fit in the claim.
func (s *Service) sendBudget() time.Duration { return s.sendTimeout + 5*time.Second }
