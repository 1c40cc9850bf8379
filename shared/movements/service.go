package movements

import (
	"context"
	"log/slog"
	"time"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/store"
)

// Users is what movements need of onboarding: a user's status, jurisdiction and risk tier.
type Users interface {
	GetUser(ctx context.Context, t store.TenantID, id string) (onboarding.User, error)
}

// Reviews opens platform reviews of users (onboarding's review mechanism).
type Reviews interface {
	OpenSignalReview(ctx context.Context, t store.TenantID, userID string, sig onboarding.Signal) (string, error)
}

// Alerter raises the client's alerts (shared/alerts).
type Alerter interface {
	Raise(ctx context.Context, f alerts.Finding) (alerts.Result, error)
}

// Lists hands out the current sanctions list version (its sanctioned addresses).
type Lists interface {
	Current(ctx context.Context) (*lists.Loaded, error)
}

// Service is movement logging, mappings, client rules and lists, decisions and the
// platform's risk signals. Each function wires the parts it uses; it is safe for
// concurrent use.
type Service struct {
	Store   *store.Store
	Audit   *audit.Log
	Enc     envelope.Encrypter
	Users   Users
	Reviews Reviews
	Alerts  Alerter
	Lists   Lists
	Log     *slog.Logger
	Now     func() time.Time
	Signals SignalPolicy
	// Workers is how many movements of a batch are written at once (default 8).
	Workers int
	// BacktestLimit is the most movements a backtest reads, warm-up
	// included (default MaxBacktestMovements).
	BacktestLimit int

	rules *ruleCache
}

// New returns a Service with defaults filled in.
func New(s Service) *Service {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Workers <= 0 {
		s.Workers = 8
	}
	if s.BacktestLimit <= 0 {
		s.BacktestLimit = MaxBacktestMovements
	}
	if s.Signals == (SignalPolicy{}) {
		s.Signals = DefaultSignalPolicy
	}
	s.rules = newRuleCache()
	return &s
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// Encryption purposes.
const (
	PurposeContext = "movement.context" // initiatedBy and approvalPath
)

// seal encrypts v's JSON for one field of a record (envelope.EncryptJSON).
func (s *Service) seal(ctx context.Context, t store.TenantID, record, purpose string, v any) (string, error) {
	return envelope.EncryptJSON(ctx, s.Enc, envelope.Context{Tenant: string(t), Record: record, Purpose: purpose}, v)
}

// open decrypts a field sealed by seal into v.
func (s *Service) open(ctx context.Context, t store.TenantID, record, purpose, enc string, v any) error {
	return envelope.DecryptJSON(ctx, s.Enc, envelope.Context{Tenant: string(t), Record: record, Purpose: purpose}, enc, v)
}

// conflictRetry: 8 attempts, store.ConflictBackoff between them.
var conflictRetry = store.RetryPolicy{Attempts: 8, Backoff: store.ConflictBackoff}

// retry runs fn again while it loses an optimistic race (a version conflict, or a
// transaction conflict on a hot aggregate item). An item created meanwhile is not retried:
// the callers answer it themselves (a replayed movement id).
func retry(ctx context.Context, fn func() error) error {
	return store.RetryConflicts(ctx, conflictRetry, fn)
}
