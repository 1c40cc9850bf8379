package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Items is how many items of a DynamoDB transaction t takes when staged: its record,
// one balance per entry and one statement line per user entry.
func (t Transaction) Items() int {
	n := 1 + len(t.Entries)
	for _, e := range t.Entries {
		if e.Account.Kind != External {
			n++
		}
	}
	return n
}

// Stage adds t to a transaction the caller executes, so that a trade's state change, its
// ledger transaction and its audit record commit together or not at all:
//
//   - the transaction record, created under a key that follows from t.ID (a replay
//     cancels the whole transaction: see Outcome);
//   - per entry an ADD to the account's balance, conditioned so that a user's account
//     never goes below zero and no balance leaves ±MaxAmount;
//   - per user entry a line of the user's statement.
//
// An invalid t adds nothing and is returned as an error wrapping ErrInvalid or
// ErrUnbalanced. Call Outcome with the error of tx.Exec.
func Stage(tx *store.Tx, t Transaction) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if tx.Len()+t.Items() > store.MaxTxItems {
		return fmt.Errorf("%w: %d items on top of %d exceed a DynamoDB transaction", ErrInvalid, t.Items(), tx.Len())
	}
	n := t.normalized()
	tx.Create(store.LedgerTxKey(t.Tenant, t.ID), txItemOf(n))
	maxB, minExt := MaxAmount.big(), MaxAmount.Neg().big()
	for i, e := range n.Entries {
		key, init := balanceKey(t.Tenant, e.Account, t.ID)
		b := store.Bounds{Min: new(big.Int), Max: maxB}
		if e.Account.Kind == External {
			b.Min = minExt
		}
		tx.Adjust(key, init, AttrBalance, e.Amount.Big(), b)
		if e.Account.Kind == External {
			continue
		}
		tx.Create(store.LedgerEntryKey(t.Tenant, e.Account.User, t.At, t.ID, i), entryItem{
			TenantID: string(t.Tenant), TxID: t.ID, Kind: string(t.Kind), Ref: t.Ref, User: e.Account.User,
			Account: string(e.Account.Kind), Asset: e.Account.Asset, Amount: e.Amount.String(), At: store.FormatTime(t.At),
		})
	}
	return nil
}

// ErrReplayed: the transaction was already stored with the same content; the caller's
// transaction was not executed again. Callers treat it as success (and do not emit what
// the first execution emitted).
var ErrReplayed = errors.New("ledger: transaction already applied")

// Failure codes.
const (
	CodeInsufficientFunds = "insufficient_funds"
	CodeIDConflict        = "ledger_id_conflict"
	CodeBalanceLimit      = "balance_limit"
)

// Outcome explains the error of executing a store transaction that carried t (staged with
// Stage):
//
//   - nil: committed;
//   - ErrReplayed: t's id was already stored with the same content;
//   - a *failure.Error ledger_id_conflict (409): t's id is stored with other content;
//   - a *failure.Error insufficient_funds (409): a debited user account holds too little;
//   - a *failure.Error balance_limit (422): a balance would pass ±MaxAmount;
//   - otherwise execErr itself (the caller's own items, a conflict to retry...).
//
// The record of t is looked at first: a replay may also find the funds gone. A caller
// whose own items carry conditions (a trade's version) looks at their failures before
// calling Outcome: a trade settled by a concurrent request with the same content would
// otherwise read as a replay of this one.
func Outcome(ctx context.Context, st *store.Store, t Transaction, execErr error) error {
	var te *store.TxError
	if execErr == nil || !errors.As(execErr, &te) {
		return execErr
	}
	recKey := store.LedgerTxKey(t.Tenant, t.ID)
	for _, f := range te.Failures {
		if f.Key == recKey && errors.Is(f.Err, store.ErrAlreadyExists) {
			return replay(ctx, st, t)
		}
	}
	n := t.normalized()
	for _, f := range te.Failures {
		if !errors.Is(f.Err, store.ErrConditionFailed) {
			continue
		}
		for _, e := range n.Entries {
			if key, _ := balanceKey(t.Tenant, e.Account, t.ID); key != f.Key {
				continue
			}
			if e.Amount.Sign() < 0 && e.Account.Kind != External {
				return failure.Conflicting(CodeInsufficientFunds, "insufficient funds: %s cannot be debited %s", e.Account.Kind, e.Amount.Neg()).Wrap(execErr)
			}
			return failure.Refused(CodeBalanceLimit, "the %s account would pass the largest balance", e.Account.Kind).Wrap(execErr)
		}
	}
	return execErr
}

func replay(ctx context.Context, st *store.Store, t Transaction) error {
	var it txItem
	if err := st.Get(ctx, store.LedgerTxKey(t.Tenant, t.ID), &it); err != nil {
		return fmt.Errorf("ledger: read %s after a replay: %w", t.ID, err)
	}
	if it.Hash != t.Hash() {
		return failure.Conflicting(CodeIDConflict, "transaction %s was already recorded with other content", t.ID)
	}
	return ErrReplayed
}

// Get reads a stored transaction (store.ErrNotFound if absent).
func Get(ctx context.Context, st *store.Store, tenant store.TenantID, id string) (Transaction, error) {
	if !validTxID(id) {
		return Transaction{}, fmt.Errorf("%w: id %q", store.ErrInvalidKey, id)
	}
	var it txItem
	if err := st.Get(ctx, store.LedgerTxKey(tenant, id), &it); err != nil {
		return Transaction{}, err
	}
	return it.transaction()
}
