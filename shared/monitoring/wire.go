package monitoring

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
)

// Environment variables of the monitoring functions (template.yaml sets them).
const (
	EnvQueueURL      = "MONITORING_QUEUE_URL"
	EnvScheduleGroup = "MONITORING_SCHEDULE_GROUP"
	EnvPlannerArn    = "MONITORING_PLANNER_ARN"
	EnvSchedulerRole = "MONITORING_SCHEDULER_ROLE_ARN"
	EnvSchedulerDLQ  = "MONITORING_SCHEDULER_DLQ_ARN"
	EnvListsBucket   = "LISTS_BUCKET"
	EnvBatchSize     = "MONITORING_BATCH_SIZE"
	EnvVendorRecheck = "MONITORING_VENDOR_RECHECK" // "true" wires the identity vendors
	EnvBucket        = "MONITORING_BUCKET"         // full runs' snapshots, for delta runs
)

// Part names what a function needs of the wiring.
type Part int

// Parts.
const (
	NeedSchedules Part = 1 << iota // the Scheduler API (configuration)
	NeedQueue                      // the work queue (planner)
	NeedScreening                  // users, lists, alerts (workers)
)

// FromPlatform builds the Service for a function from its environment.
func FromPlatform(ctx context.Context, d *platform.Deps, parts Part) (*Service, error) {
	var env config.Env
	s := &Service{Store: d.Store, DB: d.DB, Audit: d.Audit, Log: d.Log}
	if parts&NeedSchedules != 0 {
		s.Target = ScheduleTarget{Group: env.Required(EnvScheduleGroup), TargetArn: env.Required(EnvPlannerArn),
			RoleArn: env.Required(EnvSchedulerRole), DLQArn: env.Get(EnvSchedulerDLQ, "")}
		s.Scheduler = scheduler.NewFromConfig(d.AWS)
	}
	if parts&NeedQueue != 0 {
		s.QueueURL = env.Required(EnvQueueURL)
		s.Queue = sqs.NewFromConfig(d.AWS)
	}
	var bucket string
	if parts&(NeedQueue|NeedScreening) != 0 {
		s.BatchSize = env.Int(EnvBatchSize, defaultBatchUsers)
	}
	if parts&NeedScreening != 0 {
		bucket = env.Required(EnvListsBucket)
	}
	recheck := env.Get(EnvVendorRecheck, "") == "true"
	snapshots := ""
	if parts&(NeedQueue|NeedScreening) != 0 {
		snapshots = env.Get(EnvBucket, "")
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	if parts&(NeedQueue|NeedScreening) != 0 {
		need := onboarding.Part(0)
		if recheck && parts&NeedScreening != 0 {
			need |= onboarding.NeedVendors
		}
		users, err := onboarding.FromPlatform(ctx, d, need)
		if err != nil {
			return nil, err
		}
		s.Users = users
		if recheck && parts&NeedScreening != 0 {
			s.Vendor = users
		}
	}
	if snapshots != "" {
		s.Snapshots, s.SnapshotBucket = lists.NewS3Client(d.AWS), snapshots
		if d.Config.KeyID == "" {
			return nil, fmt.Errorf("%s is required: snapshots of monitored users are stored encrypted", config.EnvKeyID)
		}
		enc, err := envelope.New(kms.NewFromConfig(d.AWS), d.Config.KeyID)
		if err != nil {
			return nil, err
		}
		s.Enc = enc
	}
	if parts&NeedScreening != 0 {
		s3c := lists.NewS3Client(d.AWS)
		loader := lists.NewLoader(d.Store, s3c, bucket, lists.WithLoaderLog(d.Log))
		if _, err := loader.Current(ctx); err != nil {
			d.Log.Warn("no list version loaded at cold start", "error", err)
		}
		s.Lists, s.Objects, s.Bucket = loader, s3c, bucket
		s.Alerts = alerts.New(alerts.Config{Store: d.Store, Audit: d.Audit, Log: d.Log})
	}
	return s, nil
}
