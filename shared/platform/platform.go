// Package platform wires the shared building blocks a function needs from its
// environment, once per process (at cold start): configuration, the AWS clients, the
// store, the audit trail, the event publisher and the tenants domain. A function's main
// calls Load and hands the parts to its handler.
package platform

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

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

// Load reads the environment and builds the clients. It fails fast, naming what is
// missing, so a miswired function never serves a request.
func Load(ctx context.Context) (*Deps, error) {
	base, err := config.LoadBase()
	if err != nil {
		return nil, err
	}
	log := logging.New(base.LogLevel, base.Service)
	awsCfg, err := config.AWS(ctx)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(awsCfg)
	d := &Deps{
		Config: base, AWS: awsCfg, Log: log, DB: db,
		Store: store.New(db, base.TableName),
		Audit: audit.New(db, base.TableName),
	}
	var opts []tenants.Option
	if base.EventBus != "" {
		d.Events = events.NewPublisher(eventbridge.NewFromConfig(awsCfg), base.EventBus)
		opts = append(opts, tenants.WithPublisher(d.Events))
	}
	d.Tenants = tenants.NewService(d.Store, d.Audit, log, opts...)
	return d, nil
}
