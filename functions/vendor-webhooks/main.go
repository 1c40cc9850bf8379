// Command vendor-webhooks receives the identity vendors' webhooks: it verifies the
// signature on the raw body before anything else, records each event once and queues it
// for the decision, and answers within a few hundred milliseconds.
package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		var env config.Env
		sumsubARN, metamapARN := env.Required(onboarding.EnvSumsubSecretARN), env.Required(onboarding.EnvMetaMapSecretARN)
		if err := env.Err(); err != nil {
			return nil, err
		}
		sm := secretsmanager.NewFromConfig(d.AWS)
		var ss onboarding.SumsubSecret
		var ms onboarding.MetaMapSecret
		if err := onboarding.ReadSecret(ctx, sm, sumsubARN, &ss); err != nil {
			return nil, err
		}
		if err := onboarding.ReadSecret(ctx, sm, metamapARN, &ms); err != nil {
			return nil, err
		}
		if ss.WebhookSecret == "" && ms.WebhookSecret == "" {
			return nil, fmt.Errorf("no vendor webhook secret is set")
		}
		svc, err := onboarding.FromPlatform(ctx, d, onboarding.NeedQueue)
		if err != nil {
			return nil, err
		}
		return newServer(d, svc, secrets{sumsub: []byte(ss.WebhookSecret), metamap: []byte(ms.WebhookSecret)}).Handle, nil
	})
}
