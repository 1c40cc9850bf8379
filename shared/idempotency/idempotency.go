// Package idempotency makes an operation run at most once per key: a Go port of the
// design of AWS Lambda Powertools' idempotency utility, on the store's single table.
//
// Do and DoTx record the operation under store.IdempotencyKey(tenant, scope, key) before
// running it:
//
//   - A conditional put creates the record INPROGRESS, with a SHA-256 hash of the payload,
//     a lock expiry tied to the caller's remaining time (ctx.Deadline(), else a timeout) so
//     that the lock of a crashed or timed-out invocation frees itself, and expiresAt (the
//     table's TTL, also the logical expiry; 24 hours by default). The put succeeds only if
//     there is no record, the record has expired, or it is INPROGRESS with an expired lock.
//   - When the put is refused, the existing record comes back with the failure
//     (ReturnValuesOnConditionCheckFailure=ALL_OLD; a consistent read if the backend does
//     not return it): a different payload hash is ErrPayloadMismatch (HTTP 422), a
//     COMPLETED record is replayed without running the operation, an INPROGRESS one is
//     ErrInProgress (HTTP 409).
//   - DoTx: the operation adds the write that marks the record COMPLETED with its result
//     to its own transaction (Completion.Stage), so the record is completed exactly when
//     the operation's effect commits. A timeout between the commit and the answer cannot
//     leave the key INPROGRESS over a stored effect: the retry replays the result.
//   - Do: for operations that are not one transaction, the record becomes COMPLETED in a
//     write of its own after the operation; a failure between the two leaves the key
//     locked until its lock expires, and the operation may then run again.
//   - If the operation fails (or panics) the record is deleted so that the client can
//     retry at once, if it is still INPROGRESS: after a timeout the operation's commit
//     may have landed after all, and then the COMPLETED record stays. If there is no time
//     left to delete it, the lock expires with the deadline.
//
// Every write after the put is conditioned on the lock id of this invocation, so an
// invocation whose lock was taken over never overwrites or deletes the new owner's record,
// and with DoTx its late transaction is cancelled instead of storing the effect twice.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

// Errors of Do, compared with errors.Is. Errors of the operation itself are returned as
// they are.
var (
	// ErrInProgress: the same operation is running in another invocation (HTTP 409).
	ErrInProgress = errors.New("idempotency: operation already in progress")
	// ErrPayloadMismatch: the key was used with another payload (HTTP 422).
	ErrPayloadMismatch = errors.New("idempotency: key already used with a different payload")
	// ErrResultNotSaved: the operation succeeded, its result is returned, but recording it
	// failed; a retry after the lock expires would run the operation again.
	ErrResultNotSaved = errors.New("idempotency: result not recorded")
)

// MaxKeyLen is the longest idempotency key accepted.
const MaxKeyLen = 128

// ValidKey reports whether key is an idempotency key we accept: 1 to MaxKeyLen
// characters of [A-Za-z0-9._:-]. UUIDs, ULIDs and Stripe-style keys fit. Anything wider
// is refused rather than normalised: two keys a proxy or our local runner would turn
// into the same text (invalid bytes become U+FFFD, repeated headers are joined with a
// comma, surrounding spaces are trimmed) must not name the same operation.
func ValidKey(key string) bool {
	if key == "" || len(key) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// Record statuses.
const (
	StatusInProgress = "INPROGRESS"
	StatusCompleted  = "COMPLETED"
)

// EntityType is the store entity type of idempotency records.
const EntityType = "idempotency"

// Defaults.
const (
	DefaultExpiry      = 24 * time.Hour
	DefaultLockTimeout = 30 * time.Second
	maxAttempts        = 3
)

// record is the item kept per key.
type record struct {
	store.Meta
	Tenant      store.TenantID `dynamodbav:"tenantId"`
	Scope       string         `dynamodbav:"scope"`
	Status      string         `dynamodbav:"status"`
	PayloadHash string         `dynamodbav:"payloadHash"`
	ExpiresAt   int64          `dynamodbav:"expiresAt"`                  // epoch seconds (TTL)
	LockExpiry  int64          `dynamodbav:"inProgressExpiry,omitempty"` // epoch milliseconds
	LockID      string         `dynamodbav:"lockId,omitempty"`
	Result      []byte         `dynamodbav:"result,omitempty"`
	CreatedAt   string         `dynamodbav:"createdAt"`
	CompletedAt string         `dynamodbav:"completedAt,omitempty"`
}

func (record) EntityType() string { return EntityType }

// Service runs operations idempotently. It is safe for concurrent use.
type Service struct {
	st          *store.Store
	now         func() time.Time
	expiry      time.Duration
	lockTimeout time.Duration
}

// Option configures a Service.
type Option func(*Service)

// WithExpiry sets how long a key is remembered (default 24 hours).
func WithExpiry(d time.Duration) Option { return func(s *Service) { s.expiry = d } }

// WithLockTimeout sets how long an in-progress lock holds when the context has no
// deadline (default 30 seconds). With a deadline, the lock lasts until the deadline.
func WithLockTimeout(d time.Duration) Option { return func(s *Service) { s.lockTimeout = d } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns a service keeping its records in st.
func New(st *store.Store, opts ...Option) *Service {
	s := &Service{st: st, now: time.Now, expiry: DefaultExpiry, lockTimeout: DefaultLockTimeout}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Do runs fn once for (tenant, scope, key) and payload. The first call runs fn and
// records its result; a retry with the same payload returns the recorded result without
// running fn (replayed is true). The same key with a different payload fails with
// ErrPayloadMismatch, a call while another is running with ErrInProgress. If fn fails its
// error is returned as is and the key is released. scope must be a valid key segment
// (store.ValidID) and key a ValidKey, else store.ErrInvalidKey. The result must fit in a
// DynamoDB item (well under 400 KB).
//
// The result is recorded in a write after fn: prefer DoTx when fn's effect is one
// transaction.
func (s *Service) Do(ctx context.Context, tenant store.TenantID, scope, key string, payload []byte, fn func(ctx context.Context) ([]byte, error)) (result []byte, replayed bool, err error) {
	return s.do(ctx, tenant, scope, key, payload, func(ctx context.Context, c *Completion) error {
		result, err := fn(ctx)
		c.result = result
		return err
	}, false)
}

// DoTx is Do for an operation whose effect is one transaction: fn must call
// done.Stage(tx, result) while building that transaction, which then also marks the key
// COMPLETED with result, on the condition that this invocation still holds the key. So the
// effect is stored if and only if the key is completed: a retry after a lost answer
// replays result, and an invocation whose lock expired and was taken over has its
// transaction cancelled (ErrInProgress) instead of storing the effect a second time.
// DoTx returns the staged result. fn returning nil without having staged is a programming
// error (ErrNotStaged).
func (s *Service) DoTx(ctx context.Context, tenant store.TenantID, scope, key string, payload []byte, fn func(ctx context.Context, done *Completion) error) (result []byte, replayed bool, err error) {
	return s.do(ctx, tenant, scope, key, payload, fn, true)
}

// ErrNotStaged: DoTx's operation succeeded without staging its completion.
var ErrNotStaged = errors.New("idempotency: the operation did not stage its completion")

// Completion is what DoTx's operation adds to its transaction to complete the key.
type Completion struct {
	s      *Service
	key    store.Key
	lock   *record
	result []byte
	staged bool
}

// Stage adds to tx the write that marks the key COMPLETED with result, conditioned on the
// record still being INPROGRESS under this invocation's lock. It only adds an item, so it
// may be called from a function that builds the transaction again on a retry (such as
// audit.Log.Commit's changes); the last call's result is the one DoTx returns.
func (c *Completion) Stage(tx *store.Tx, result []byte) {
	c.result = append([]byte(nil), result...)
	c.staged = true
	tx.PutIf(c.key, c.s.completed(c.lock, c.result), c.s.held(c.lock))
}

func (s *Service) do(ctx context.Context, tenant store.TenantID, scope, key string, payload []byte, fn func(context.Context, *Completion) error, inTx bool) ([]byte, bool, error) {
	if err := store.CheckIDs(string(tenant), scope, key); err != nil {
		return nil, false, fmt.Errorf("idempotency: %w", err)
	}
	if !ValidKey(key) {
		return nil, false, fmt.Errorf("idempotency: %w: the key is not 1 to %d characters of [A-Za-z0-9._:-]", store.ErrInvalidKey, MaxKeyLen)
	}
	k := store.IdempotencyKey(tenant, scope, key)
	sum := sha256.Sum256(payload)
	hash := hex.EncodeToString(sum[:])

	for attempt := 0; ; attempt++ {
		lock, existing, err := s.acquire(ctx, k, tenant, scope, hash)
		if err != nil {
			return nil, false, err
		}
		if lock != nil {
			return s.run(ctx, &Completion{s: s, key: k, lock: lock}, fn, inTx)
		}
		if existing != nil && !s.takeable(existing) {
			return s.answer(k, existing, hash)
		}
		// The record vanished or expired between the refused put and the read: try again.
		if attempt+1 >= maxAttempts {
			return nil, false, fmt.Errorf("idempotency: %s/%s: record keeps changing: %w", scope, key, ErrInProgress)
		}
	}
}

// acquire tries to take the key. It returns the new lock record, or the record that holds
// the key (nil if it disappeared meanwhile).
func (s *Service) acquire(ctx context.Context, k store.Key, tenant store.TenantID, scope, hash string) (*record, *record, error) {
	now := s.now()
	lockUntil := now.Add(s.lockTimeout)
	if dl, ok := ctx.Deadline(); ok {
		remaining := time.Until(dl)
		if remaining <= 0 {
			return nil, nil, fmt.Errorf("idempotency: %w", context.DeadlineExceeded)
		}
		lockUntil = now.Add(remaining)
	}
	lock := &record{
		Tenant:      tenant,
		Scope:       scope,
		Status:      StatusInProgress,
		PayloadHash: hash,
		ExpiresAt:   now.Add(s.expiry).Unix(),
		LockExpiry:  lockUntil.UnixMilli(),
		LockID:      store.NewID(),
		CreatedAt:   store.FormatTime(now),
	}
	cond := store.Cond{
		Expr:   "attribute_not_exists(PK) OR #exp < :now OR (#status = :inprogress AND #lockExp < :nowMs)",
		Names:  map[string]string{"#exp": store.AttrExpiresAt, "#status": "status", "#lockExp": "inProgressExpiry"},
		Values: map[string]any{":now": now.Unix(), ":nowMs": now.UnixMilli(), ":inprogress": StatusInProgress},
	}
	err := s.st.PutIf(ctx, k, lock, cond)
	if err == nil {
		return lock, nil, nil
	}
	var ce *store.ConditionError
	if !errors.As(err, &ce) {
		return nil, nil, fmt.Errorf("idempotency: take %s: %w", k.PK, err)
	}
	var existing record
	if ce.Current != nil {
		if err := store.Unmarshal(ce.Current, &existing); err != nil {
			return nil, nil, fmt.Errorf("idempotency: %w", err)
		}
		return nil, &existing, nil
	}
	// The backend did not return the old item: read it.
	switch err := s.st.Get(ctx, k, &existing); {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil, nil
	case err != nil:
		return nil, nil, fmt.Errorf("idempotency: read %s: %w", k.PK, err)
	}
	return nil, &existing, nil
}

// takeable reports whether the conditional put would now accept to replace rec (only
// possible when rec came from the fallback read, not with the failed condition).
func (s *Service) takeable(rec *record) bool {
	now := s.now()
	return rec.ExpiresAt < now.Unix() || (rec.Status == StatusInProgress && rec.LockExpiry < now.UnixMilli())
}

// answer turns the record that holds the key into Do's answer.
func (s *Service) answer(k store.Key, rec *record, hash string) ([]byte, bool, error) {
	switch {
	case rec.PayloadHash != hash:
		return nil, false, fmt.Errorf("idempotency: %s/%s: %w", rec.Scope, k.PK, ErrPayloadMismatch)
	case rec.Status == StatusCompleted:
		return rec.Result, true, nil
	default:
		return nil, false, fmt.Errorf("idempotency: %s/%s: %w", rec.Scope, k.PK, ErrInProgress)
	}
}

// held is the condition of every write after the lock: the record is still INPROGRESS
// under our lock id. The status matters as much as the id: a COMPLETED record keeps the
// lock id it was completed under, and the release after a timed-out commit must not
// delete it.
func (s *Service) held(lock *record) store.Cond {
	return store.Cond{Expr: "#lock = :lock AND #status = :inprogress",
		Names:  map[string]string{"#lock": "lockId", "#status": "status"},
		Values: map[string]any{":lock": lock.LockID, ":inprogress": StatusInProgress}}
}

// completed is the lock record turned COMPLETED with result.
func (s *Service) completed(lock *record, result []byte) *record {
	now := s.now()
	done := *lock
	done.Status = StatusCompleted
	done.Result = result
	done.LockExpiry = 0
	done.ExpiresAt = now.Add(s.expiry).Unix()
	done.CompletedAt = store.FormatTime(now)
	return &done
}

// run executes fn under the lock and records the outcome.
func (s *Service) run(ctx context.Context, c *Completion, fn func(context.Context, *Completion) error, inTx bool) (result []byte, replayed bool, err error) {
	k := c.key
	// Release even if ctx is cancelled or fn panics, or the key stays locked until expiry.
	// Its context outlives ctx, for a caller that answered a timeout and left this running.
	release := func() error {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err := s.st.DeleteIf(rctx, k, s.held(c.lock))
		if err != nil && !errors.Is(err, store.ErrConditionFailed) {
			return fmt.Errorf("idempotency: release %s: %w", k.PK, err)
		}
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			_ = release()
			panic(p)
		}
	}()

	err = fn(ctx, c)
	switch {
	case err != nil && inTx && lostLock(err, k):
		// Our lock expired and another invocation took the key: our transaction was
		// cancelled, the other invocation's answer is the one to wait for.
		return nil, false, fmt.Errorf("idempotency: %s: the lock expired and was taken over: %w", k.PK, ErrInProgress)
	case err != nil:
		if rerr := release(); rerr != nil {
			return nil, false, errors.Join(err, rerr)
		}
		return nil, false, err
	case inTx && !c.staged:
		_ = release()
		return nil, false, fmt.Errorf("%w (%s)", ErrNotStaged, k.PK)
	case inTx:
		return c.result, false, nil
	}

	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	switch err := s.st.PutIf(sctx, k, s.completed(c.lock, c.result), s.held(c.lock)); {
	case errors.Is(err, store.ErrConditionFailed):
		// Our lock expired and another invocation owns the key now: the operation did run
		// and its result is valid; the new owner records its own.
		return c.result, false, nil
	case err != nil:
		return c.result, false, fmt.Errorf("%w: %w", ErrResultNotSaved, err)
	}
	return c.result, false, nil
}

// lostLock: fn's transaction was cancelled because the completion item's condition
// failed, i.e. the record is no longer INPROGRESS under our lock.
func lostLock(err error, k store.Key) bool {
	var te *store.TxError
	if !errors.As(err, &te) {
		return false
	}
	for _, f := range te.Failures {
		if f.Key == k && errors.Is(f.Err, store.ErrConditionFailed) {
			return true
		}
	}
	return false
}
