package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Config wires a Service.
type Config struct {
	Store *store.Store
	Audit *audit.Log
	Now   func() time.Time // time.Now when nil
	// Attempts bounds the retries of a transaction DynamoDB cancelled for a conflict
	// with a concurrent one on the same balance (TransactionConflict); 5 when zero.
	Attempts int
}

// Service is the custody side's deposits and withdrawals and the users' balances and
// statements.
type Service struct {
	st       *store.Store
	audit    *audit.Log
	now      func() time.Time
	attempts int
}

// New builds a Service.
func New(cfg Config) *Service {
	s := &Service{st: cfg.Store, audit: cfg.Audit, now: cfg.Now, attempts: cfg.Attempts}
	if s.now == nil {
		s.now = time.Now
	}
	if s.attempts <= 0 {
		s.attempts = 5
	}
	return s
}

// Movement is a deposit or withdrawal request: {"id", "user", "asset", "amount"}. The id
// is the client's; it makes the request idempotent.
type Movement struct {
	ID     string `json:"id"`
	User   string `json:"user"`
	Asset  string `json:"asset"`
	Amount Amount `json:"amount"`
}

// Receipt is a movement's stored transaction; Replayed tells a repeated request, answered
// with the transaction the first one stored.
type Receipt struct {
	Transaction Transaction `json:"transaction"`
	Replayed    bool        `json:"replayed"`
}

func (m Movement) validate() error {
	switch {
	case !store.ValidID(m.ID) || len(m.ID) > 128:
		return failure.InvalidInput("invalid_id", "id must be 1 to 128 characters without '#' or '/'")
	case !store.ValidID(m.User):
		return failure.InvalidInput("invalid_user", "user is not a valid id")
	case !ValidAsset(m.Asset):
		return failure.InvalidInput("invalid_asset", "asset must be 1 to 32 letters, digits, '.', '_' or '-'")
	case m.Amount.Sign() <= 0:
		return failure.InvalidInput("invalid_amount", "amount must be a positive integer in the asset's smallest unit")
	case !m.Amount.InRange():
		return failure.InvalidInput("invalid_amount", "amount exceeds %s", MaxAmount)
	}
	return nil
}

// Deposit credits the user's available balance from custody. The user must exist in
// the tenant (user_not_found otherwise, 404). The same id again answers the stored
// transaction (Replayed); with another content it is 409 ledger_id_conflict.
func (s *Service) Deposit(ctx context.Context, by audit.Actor, tenant store.TenantID, m Movement) (Receipt, error) {
	if err := m.validate(); err != nil {
		return Receipt{}, err
	}
	return s.commit(ctx, by, "ledger.deposited", m, func(at time.Time) Transaction {
		return Deposit(tenant, m.ID, m.User, m.Asset, m.Amount, at)
	})
}

// Withdraw debits the user's available balance to custody: 409 insufficient_funds, with
// nothing written, when it holds less than the amount.
func (s *Service) Withdraw(ctx context.Context, by audit.Actor, tenant store.TenantID, m Movement) (Receipt, error) {
	if err := m.validate(); err != nil {
		return Receipt{}, err
	}
	return s.commit(ctx, by, "ledger.withdrawn", m, func(at time.Time) Transaction {
		return Withdrawal(tenant, m.ID, m.User, m.Asset, m.Amount, at)
	})
}

var userExists = store.Cond{Expr: "attribute_exists(#pk)", Names: map[string]string{"#pk": store.AttrPK}}

func (s *Service) commit(ctx context.Context, by audit.Actor, action string, m Movement, build func(time.Time) Transaction) (Receipt, error) {
	for attempt := 1; ; attempt++ {
		t := build(s.now().UTC())
		if err := t.Validate(); err != nil {
			return Receipt{}, failure.InvalidInput("invalid_transaction", "%v", err)
		}
		userKey := store.UserKey(t.Tenant, m.User)
		rec := audit.Record{
			Action: action, Actor: by, Subject: audit.Subject{Type: "user", ID: m.User},
			Details: map[string]string{"transactionId": t.ID, "asset": m.Asset, "amount": m.Amount.String()},
		}
		_, err := s.audit.Commit(ctx, t.Tenant, rec, func(tx *store.Tx) {
			tx.Check(userKey, userExists)
			if err := Stage(tx, t); err != nil {
				tx.Fail(err)
			}
		})
		err = Outcome(ctx, s.st, t, err)
		switch {
		case err == nil:
			return Receipt{Transaction: t}, nil
		case errors.Is(err, ErrReplayed):
			stored, gerr := Get(ctx, s.st, t.Tenant, t.ID)
			if gerr != nil {
				return Receipt{}, gerr
			}
			return Receipt{Transaction: stored, Replayed: true}, nil
		case failedOn(err, userKey):
			return Receipt{}, failure.Missing("user_not_found", "no such user")
		case errors.Is(err, store.ErrConflict) && attempt < s.attempts:
			if err := backoff(ctx, attempt); err != nil {
				return Receipt{}, err
			}
			continue
		}
		return Receipt{}, err
	}
}

// failedOn reports whether a transaction failed on a condition of key.
func failedOn(err error, key store.Key) bool {
	var te *store.TxError
	if !errors.As(err, &te) {
		return false
	}
	for _, f := range te.Failures {
		if f.Key == key && errors.Is(f.Err, store.ErrConditionFailed) {
			return true
		}
	}
	return false
}

// backoff waits a random while below 10ms<<attempt before a retry (full jitter).
func backoff(ctx context.Context, attempt int) error {
	return store.Backoff{Base: 10 * time.Millisecond, Full: true}.Wait(ctx, attempt)
}

// Balance is one account of a user.
type Balance struct {
	Asset   string      `json:"asset"`
	Account AccountKind `json:"account"`
	Amount  Amount      `json:"amount"`
}

// Balances lists a user's accounts (GET /v1/users/{id}/balances): one strongly
// consistent Query of the user's balance bucket. Accounts never moved are absent.
func (s *Service) Balances(ctx context.Context, tenant store.TenantID, user string) ([]Balance, error) {
	if err := store.CheckIDs(string(tenant), user); err != nil {
		return nil, failure.InvalidInput("invalid_user", "user is not a valid id")
	}
	var out []Balance
	q := store.QueryInput{
		PK: store.LedgerBalancePK(tenant, store.LedgerBucket(user)), SKPrefix: store.LedgerUserBalanceSKPrefix(user),
		Tenant: tenant, Limit: store.MaxLimit,
	}
	err := s.st.QueryAll(ctx, q, func(items []mapItem) (bool, error) {
		for _, raw := range items {
			var it balanceItem
			if err := store.Unmarshal(raw, &it); err != nil {
				return false, err
			}
			out = append(out, Balance{Asset: it.Asset, Account: AccountKind(it.Account), Amount: it.Balance})
		}
		return true, nil
	})
	return out, err
}

// Statement is one page of a user's entries, newest first.
type Statement struct {
	Entries    []StatementLine `json:"entries"`
	NextCursor string          `json:"nextCursor,omitempty"`
}

// Entries lists a user's entries newest first (GET /v1/users/{id}/ledger): one Query of
// the user's statement partition per page, with the store's signed cursors.
func (s *Service) Entries(ctx context.Context, tenant store.TenantID, user, cursor string, limit int) (Statement, error) {
	if err := store.CheckIDs(string(tenant), user); err != nil {
		return Statement{}, failure.InvalidInput("invalid_user", "user is not a valid id")
	}
	page, err := s.st.Query(ctx, store.QueryInput{
		PK: store.LedgerEntriesPK(tenant, user), SKPrefix: store.LedgerEntrySKPrefix, Tenant: tenant,
		Limit: limit, Cursor: cursor, Descending: true,
	})
	if errors.Is(err, store.ErrBadCursor) {
		return Statement{}, failure.InvalidInput("invalid_cursor", "the cursor is not valid for this listing")
	}
	if err != nil {
		return Statement{}, err
	}
	items, err := store.Items[entryItem](page)
	if err != nil {
		return Statement{}, err
	}
	out := Statement{Entries: make([]StatementLine, 0, len(items)), NextCursor: page.NextCursor}
	for _, it := range items {
		l, err := it.line()
		if err != nil {
			return Statement{}, fmt.Errorf("ledger: entry %s: %w", it.SK, err)
		}
		out.Entries = append(out.Entries, l)
	}
	return out, nil
}
