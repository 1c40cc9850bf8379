// Package platform wires the shared building blocks a function needs from its
// environment, once per process (at cold start): configuration, the AWS clients, the
// store, the audit trail, the event publisher and the tenants domain. A function's main
// calls Load and hands the parts to its handler.
package platform

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/logging"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
)

// Deps are the process-wide parts.
type Deps struct {
	Config  config.Base
	AWS     aws.Config
	Log     *slog.Logger
	DB      *dynamodb.Client // the process's one DynamoDB client, under Store and Audit
	Store   *store.Store
	Audit   *audit.Log
	Events  *events.Publisher // nil when EVENT_BUS_NAME is unset
	Tenants *tenants.Service
}

// Option asks Load for a part only some functions need (and only they are allowed to
// build: template.yaml grants the permissions function by function).
type Option func(*options)

type options struct {
	cursors bool
}

// WithCursors is for functions that page lists: Load reads the key that signs pagination
// cursors from Secrets Manager (the secret CURSOR_SECRET_ARN names) and fails when it
// cannot, so a function that pages never runs with a guessable key or none. Functions
// without it get a store that refuses to issue or accept cursors (store.ErrNoCursorSecret).
func WithCursors() Option { return func(o *options) { o.cursors = true } }

// cursorSecretTimeout bounds the cold-start read: a function that cannot get its key in
// this time is better restarted by Lambda than left waiting for its init deadline.
const cursorSecretTimeout = 5 * time.Second

// Load reads the environment and builds the clients. It fails fast, naming what is
// missing, so a miswired function never serves a request.
func Load(ctx context.Context, opts ...Option) (*Deps, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	base, err := config.LoadBase()
	if err != nil {
		return nil, err
	}
	log := logging.New(base.LogLevel, base.Service)
	awsCfg, err := config.AWS(ctx)
	if err != nil {
		return nil, err
	}
	var storeOpts []store.Option
	if o.cursors {
		secret, err := CursorSecret(ctx, secretsmanager.NewFromConfig(awsCfg), base.CursorSecretARN)
		if err != nil {
			return nil, err
		}
		storeOpts = append(storeOpts, store.WithCursorSecret(secret))
	}
	db := dynamodb.NewFromConfig(awsCfg)
	d := &Deps{
		Config: base, AWS: awsCfg, Log: log, DB: db,
		Store: store.New(db, base.TableName, storeOpts...),
		Audit: audit.New(db, base.TableName),
	}
	if base.EventBus != "" {
		d.Events = events.NewPublisher(eventbridge.NewFromConfig(awsCfg), base.EventBus)
	}
	// The tenants domain stages its events in the outbox: the event-publisher function
	// publishes them.
	d.Tenants = tenants.NewService(d.Store, d.Audit, log)
	return d, nil
}

// SecretReader is the part of *secretsmanager.Client that CursorSecret uses.
type SecretReader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// CursorSecret reads the cursor signing key: the secret's current value, which must be
// at least store.MinCursorSecretLen bytes (template.yaml generates 64 characters).
func CursorSecret(ctx context.Context, sm SecretReader, arn string) ([]byte, error) {
	if arn == "" {
		return nil, fmt.Errorf("config: missing or invalid environment variables: %s (this function pages lists and signs its cursors with that secret)", config.EnvCursorSecretARN)
	}
	ctx, cancel := context.WithTimeout(ctx, cursorSecretTimeout)
	defer cancel()
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("platform: read the cursor secret %s: %w", arn, err)
	}
	secret := out.SecretBinary
	if out.SecretString != nil {
		secret = []byte(*out.SecretString)
	}
	if len(secret) < store.MinCursorSecretLen {
		return nil, fmt.Errorf("platform: the cursor secret %s holds %d bytes, fewer than %d", arn, len(secret), store.MinCursorSecretLen)
	}
	return secret, nil
}
