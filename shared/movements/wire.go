package movements

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
)

// Part names what a function needs beyond the table.
type Part int

const (
	NeedLists   Part = 1 << iota // the sanctions lists (wallet links, checks, processing)
	NeedExports                  // the export queue and bucket
)

// Environment variables.
const (
	EnvListsBucket     = "LISTS_BUCKET"
	EnvExportsBucket   = "EXPORTS_BUCKET"
	EnvExportsQueueURL = "EXPORTS_QUEUE_URL"
)

// FromPlatform builds the Service (and the Exporter, with NeedExports) for a function.
func FromPlatform(ctx context.Context, d *platform.Deps, parts Part) (*Service, *Exporter, error) {
	var env config.Env
	var listsBucket, exportsBucket, queueURL string
	if parts&NeedLists != 0 {
		listsBucket = env.Required(EnvListsBucket)
	}
	if parts&NeedExports != 0 {
		exportsBucket, queueURL = env.Required(EnvExportsBucket), env.Required(EnvExportsQueueURL)
	}
	if err := env.Err(); err != nil {
		return nil, nil, err
	}
	if d.Config.KeyID == "" {
		return nil, nil, fmt.Errorf("%s is required: movement contexts are stored encrypted", config.EnvKeyID)
	}
	enc, err := envelope.New(kms.NewFromConfig(d.AWS), d.Config.KeyID)
	if err != nil {
		return nil, nil, err
	}
	users, err := onboarding.FromPlatform(ctx, d, 0)
	if err != nil {
		return nil, nil, err
	}
	s := Service{Store: d.Store, Audit: d.Audit, Enc: enc, Users: users, Reviews: users, Log: d.Log,
		Alerts: alerts.New(alerts.Config{Store: d.Store, Audit: d.Audit, Log: d.Log})}
	if parts&NeedLists != 0 {
		loader := lists.NewLoader(d.Store, lists.NewS3Client(d.AWS), listsBucket, lists.WithLoaderLog(d.Log))
		if _, err := loader.Current(ctx); err != nil {
			d.Log.Warn("no list version loaded at cold start", "error", err)
		}
		s.Lists = loader
	}
	var x *Exporter
	if parts&NeedExports != 0 {
		s3c := lists.NewS3Client(d.AWS)
		x = &Exporter{Queue: sqs.NewFromConfig(d.AWS), QueueURL: queueURL, S3: s3c, Presign: presigner{s3.NewPresignClient(s3c)},
			Bucket: exportsBucket, KeyID: d.Config.KeyID}
	}
	return New(s), x, nil
}

type presigner struct{ c *s3.PresignClient }

func (p presigner) PresignGetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.PresignOptions)) (*PresignedRequest, error) {
	r, err := p.c.PresignGetObject(ctx, in, optFns...)
	if err != nil {
		return nil, err
	}
	return &PresignedRequest{URL: r.URL}, nil
}
