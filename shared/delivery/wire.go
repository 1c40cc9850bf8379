package delivery

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/webhooks"
)

// Environment of the webhook functions (template.yaml).
const (
	EnvQueueURL   = "WEBHOOK_QUEUE_URL"
	EnvDLQURL     = "WEBHOOK_DLQ_URL"
	EnvAllowLocal = "WEBHOOK_ALLOW_LOCAL_URLS" // "true" only where the stack runs locally
)

// FromPlatform builds the service from a function's dependencies and environment, once
// per cold start.
func FromPlatform(_ context.Context, d *platform.Deps) (*Service, error) {
	var env config.Env
	queue := env.Required(EnvQueueURL)
	dlq := env.Get(EnvDLQURL, "")
	// Loopback URLs only where the stack runs locally, whatever the variable says: a
	// misconfigured dev or prod stack must still refuse them.
	allowLocal := env.Bool(EnvAllowLocal, false) && d.Config.Stage == "local"
	if err := env.Err(); err != nil {
		return nil, err
	}
	if d.Config.KeyID == "" {
		return nil, fmt.Errorf("%s is required: signing secrets are stored encrypted", config.EnvKeyID)
	}
	enc, err := envelope.New(kms.NewFromConfig(d.AWS), d.Config.KeyID)
	if err != nil {
		return nil, err
	}
	policy := webhooks.URLPolicy{AllowLocal: allowLocal}
	return New(Config{
		Store: d.Store, Audit: d.Audit, Enc: enc, Sender: webhooks.NewSender(webhooks.SenderOptions{Policy: policy}), Policy: policy,
		SQS: sqs.NewFromConfig(d.AWS), QueueURL: queue, DLQURL: dlq, Log: d.Log, Metrics: os.Stdout,
	}), nil
}
