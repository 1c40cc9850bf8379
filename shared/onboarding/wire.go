package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/jurisdictions"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/metamap"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/sumsub"
)

// Environment variables of the onboarding functions (template.yaml sets them).
const (
	EnvSumsubSecretARN  = "SUMSUB_SECRET_ARN"
	EnvMetaMapSecretARN = "METAMAP_SECRET_ARN"
	EnvSumsubBaseURL    = "SUMSUB_BASE_URL"
	EnvMetaMapBaseURL   = "METAMAP_BASE_URL"
	EnvLivenessFlow     = "METAMAP_LIVENESS_FLOW_ID"
	EnvQueueURL         = "KYC_EVENTS_QUEUE_URL"
	EnvListsBucket      = "LISTS_BUCKET"
)

// SumsubSecret is the Sumsub secret's JSON.
type SumsubSecret struct {
	AppToken      string `json:"appToken"`
	SecretKey     string `json:"secretKey"`
	WebhookSecret string `json:"webhookSecret"`
}

// MetaMapSecret is the MetaMap secret's JSON.
type MetaMapSecret struct {
	ClientID      string `json:"clientId"`
	ClientSecret  string `json:"clientSecret"`
	WebhookSecret string `json:"webhookSecret"`
}

// Part names what a function needs of the onboarding wiring (each also needs the IAM
// permissions template.yaml grants it).
type Part int

// Parts.
const (
	NeedVendors  Part = 1 << iota // the vendors' API clients (Secrets Manager)
	NeedScreener                  // the in-process screening engine (S3 list indexes)
	NeedQueue                     // the decision queue (SQS)
)

// FromPlatform builds the Service for a function from its environment.
func FromPlatform(ctx context.Context, d *platform.Deps, parts Part) (*Service, error) {
	var env config.Env
	jur, err := jurisdictions.Load()
	if err != nil {
		return nil, err
	}
	c := Config{Store: d.Store, Audit: d.Audit, Jurisdictions: jur, Log: d.Log}
	if d.Config.KeyID == "" {
		return nil, fmt.Errorf("%s is required: identity data and consent evidence are stored encrypted", config.EnvKeyID)
	}
	if c.Enc, err = envelope.New(kms.NewFromConfig(d.AWS), d.Config.KeyID); err != nil {
		return nil, err
	}
	var sumsubARN, metamapARN, sumsubURL, metamapURL, queueURL, bucket string
	if parts&NeedVendors != 0 {
		sumsubARN, metamapARN = env.Required(EnvSumsubSecretARN), env.Required(EnvMetaMapSecretARN)
		sumsubURL, metamapURL = env.Get(EnvSumsubBaseURL, "https://api.sumsub.com"), env.Get(EnvMetaMapBaseURL, metamap.DefaultBaseURL)
		c.LivenessFlow = env.Get(EnvLivenessFlow, DefaultLivenessFlow)
	}
	if parts&NeedQueue != 0 {
		queueURL = env.Required(EnvQueueURL)
	}
	if parts&NeedScreener != 0 {
		bucket = env.Required(EnvListsBucket)
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	if parts&NeedVendors != 0 {
		sm := secretsmanager.NewFromConfig(d.AWS)
		var ss SumsubSecret
		if err := ReadSecret(ctx, sm, sumsubARN, &ss); err != nil {
			return nil, err
		}
		var ms MetaMapSecret
		if err := ReadSecret(ctx, sm, metamapARN, &ms); err != nil {
			return nil, err
		}
		c.Vendors = map[string]Vendor{}
		// A vendor whose credentials are not filled in is left out: StartKYC answers
		// 503 vendor_not_configured for it.
		if ss.AppToken != "" && ss.SecretKey != "" {
			api, err := sumsub.NewClient(sumsub.Config{BaseURL: sumsubURL, AppToken: ss.AppToken, SecretKey: []byte(ss.SecretKey)})
			if err != nil {
				return nil, err
			}
			c.Vendors[VendorSumsub] = Sumsub{API: api}
		}
		if ms.ClientID != "" && ms.ClientSecret != "" {
			api, err := metamap.NewClient(metamap.Config{BaseURL: metamapURL, ClientID: ms.ClientID, ClientSecret: ms.ClientSecret})
			if err != nil {
				return nil, err
			}
			c.Vendors[VendorMetaMap] = MetaMap{API: api}
		}
	}
	if parts&NeedQueue != 0 {
		c.Queue = SQSQueue{Client: sqs.NewFromConfig(d.AWS), URL: queueURL}
	}
	if parts&NeedScreener != 0 {
		loader := lists.NewLoader(d.Store, lists.NewS3Client(d.AWS), bucket, lists.WithLoaderLog(d.Log))
		if _, err := loader.Current(ctx); err != nil {
			d.Log.Warn("no list version loaded at cold start", "error", err)
		}
		var env config.Env
		maxAge := env.Int(lists.EnvMaxListAgeHours, int(lists.DefaultMaxListAge/time.Hour))
		if err := env.Err(); err != nil {
			return nil, err
		}
		c.Screener = lists.NewScreener(d.Store, d.Audit, c.Enc, loader, lists.WithMaxListAge(time.Duration(maxAge)*time.Hour))
	}
	return New(c), nil
}

// ReadSecret reads a JSON secret once (at cold start).
func ReadSecret(ctx context.Context, sm platform.SecretReader, arn string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("onboarding: read the secret %s: %w", arn, err)
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), v); err != nil {
		return fmt.Errorf("onboarding: the secret %s is not the expected JSON", arn)
	}
	return nil
}

// SQSAPI is the part of *sqs.Client the queue uses.
type SQSAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// SQSQueue is the decision queue.
type SQSQueue struct {
	Client SQSAPI
	URL    string
}

// Enqueue sends one accepted vendor event.
func (q SQSQueue) Enqueue(ctx context.Context, ev VendorEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.URL), MessageBody: aws.String(string(b))})
	return err
}
