package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chainfi/chainguard/shared/store"
)

type mapItem = map[string]types.AttributeValue

// Message kinds on the delivery queue.
const (
	kindAttempt = "attempt" // make attempt number Attempt of Delivery
	kindReplay  = "replay"  // re-send Endpoint's failed deliveries since Since, after After
)

// message is one job of the delivery queue.
type message struct {
	Kind     string `json:"kind"`
	Tenant   string `json:"tenant"`
	Delivery string `json:"delivery,omitempty"`
	Attempt  int    `json:"attempt,omitempty"`
	// Manual: a retry or replay the tenant asked for (no automatic retry follows it).
	Manual bool `json:"manual,omitempty"`
	// NotBefore is when the attempt is due: a message that arrives earlier (a delay longer
	// than SQS allows) is sent on again.
	NotBefore string `json:"notBefore,omitempty"`
	Endpoint  string `json:"endpoint,omitempty"`
	Since     string `json:"since,omitempty"`
	After     string `json:"after,omitempty"` // the replay's position: the last index sort key done
	// Token names the chain of automatic attempts the message belongs to: the delivery
	// keeps the current one, and a message of a retired chain (a duplicate's fork) is
	// dropped.
	Token string `json:"token,omitempty"`
}

func newToken() string { return strings.ToLower(store.NewID()) }

func (m message) valid() error {
	if !store.ValidID(m.Tenant) {
		return fmt.Errorf("delivery: message without a valid tenant")
	}
	switch m.Kind {
	case kindAttempt:
		if !store.ValidID(m.Delivery) || m.Attempt < 1 {
			return fmt.Errorf("delivery: attempt message without a delivery or an attempt number")
		}
	case kindReplay:
		if !store.ValidID(m.Endpoint) || parseTS(m.Since).IsZero() {
			return fmt.Errorf("delivery: replay message without an endpoint or a time")
		}
	default:
		return fmt.Errorf("delivery: unknown message kind %q", m.Kind)
	}
	return nil
}

// enqueue sends one message, delayed by at most SQS's maximum.
func (s *Service) enqueue(ctx context.Context, m message, delay time.Duration) error {
	if s.sqs == nil || s.queueURL == "" {
		return fmt.Errorf("delivery: no delivery queue configured")
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = s.sqs.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(s.queueURL), MessageBody: aws.String(string(body)),
		DelaySeconds: int32(delaySeconds(delay)),
	})
	if err != nil {
		return fmt.Errorf("delivery: queue %s: %w", m.Kind, err)
	}
	return nil
}

// enqueueAll sends messages due now, ten per call.
func (s *Service) enqueueAll(ctx context.Context, ms []message) error {
	if len(ms) > 0 && (s.sqs == nil || s.queueURL == "") {
		return fmt.Errorf("delivery: no delivery queue configured")
	}
	for start := 0; start < len(ms); start += 10 {
		chunk := ms[start:min(start+10, len(ms))]
		in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(s.queueURL)}
		for i, m := range chunk {
			body, err := json.Marshal(m)
			if err != nil {
				return err
			}
			in.Entries = append(in.Entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body))})
		}
		out, err := s.sqs.SendMessageBatch(ctx, in)
		if err != nil {
			return fmt.Errorf("delivery: queue attempts: %w", err)
		}
		if len(out.Failed) > 0 {
			return fmt.Errorf("delivery: queue attempts: %d of %d not queued (%s)", len(out.Failed), len(chunk), aws.ToString(out.Failed[0].Code))
		}
	}
	return nil
}

// toDeadLetters copies the message of an exhausted delivery to the dead-letter queue,
// where an alarm sees it.
func (s *Service) toDeadLetters(ctx context.Context, m message) error {
	if s.dlqURL == "" {
		return nil
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = s.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(s.dlqURL), MessageBody: aws.String(string(body))})
	return err
}

func delaySeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(min(d, maxQueueDelay).Round(time.Second) / time.Second)
}
