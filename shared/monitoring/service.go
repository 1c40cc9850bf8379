package monitoring

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/store"
)

// Users is what monitoring needs of onboarding: the tenant's users by status, and their
// screening queries (in memory only).
type Users interface {
	// UsersInStatus pages the users in st created at or after since (zero: all).
	UsersInStatus(ctx context.Context, t store.TenantID, st lifecycle.Status, since time.Time, cursor string, limit int) ([]string, string, error)
	Subjects(ctx context.Context, t store.TenantID, ids []string) ([]onboarding.Subject, map[string]error, error)
}

// Alerter raises alerts for findings (shared/alerts).
type Alerter interface {
	Raise(ctx context.Context, f alerts.Finding) (alerts.Result, error)
}

// AMLRechecker asks the identity vendor to re-run its AML check of a user (optional).
type AMLRechecker interface {
	RecheckAML(ctx context.Context, t store.TenantID, userID string) error
}

// Lists hands out the list version to screen with, and reads a version's objects.
type Lists interface {
	Current(ctx context.Context) (*lists.Loaded, error)
}

// Queue sends planned batches to the workers.
type Queue interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// SnapshotStore is the monitoring bucket.
type SnapshotStore = lists.ObjectStore

// BatchWriter writes the users' monitoring statuses in bulk.
type BatchWriter interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Service is ongoing monitoring. Each function uses the parts it needs.
type Service struct {
	Store     *store.Store
	DB        BatchWriter
	Audit     *audit.Log
	Scheduler SchedulerAPI
	Target    ScheduleTarget
	Queue     Queue
	QueueURL  string
	Users     Users
	Lists     Lists
	Objects   lists.ObjectStore // the lists bucket (delta entries, entry hashes)
	Bucket    string
	Alerts    Alerter
	// Snapshots hold full runs' subjects for delta runs (nil: delta runs read every user).
	Snapshots      SnapshotStore
	SnapshotBucket string
	Enc            envelope.Encrypter
	Vendor         AMLRechecker // nil: vendor rechecks are not available
	Log            *slog.Logger
	Now            func() time.Time
	// BatchSize is how many users one queue message carries (default 100).
	BatchSize int

	cache versionCache
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) batchSize() int {
	if s.BatchSize > 0 {
		return min(s.BatchSize, maxBatchUsers)
	}
	return defaultBatchUsers
}

// Batch sizes: 100 users a message keeps a worker invocation well inside its timeout
// (about 15 ms of screening, a few reads) and a message far below SQS's 256 KB.
const (
	defaultBatchUsers = 100
	maxBatchUsers     = 500
)
