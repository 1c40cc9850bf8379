package ledger

import (
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

// Entity types.
const (
	EntityTx      = "ledger_tx"
	EntityBalance = "ledger_balance"
	EntityEntry   = "ledger_entry"
)

// AttrBalance is the number attribute of a balance item that transactions ADD to.
const AttrBalance = "balance"

type entryAttr struct {
	Account string `dynamodbav:"k"`
	User    string `dynamodbav:"u,omitempty"`
	Asset   string `dynamodbav:"a"`
	Amount  string `dynamodbav:"n"` // a string: exact, whatever reads it
}

// txItem is a stored transaction.
type txItem struct {
	store.Meta
	TenantID string      `dynamodbav:"tenantId"`
	ID       string      `dynamodbav:"id"`
	Kind     string      `dynamodbav:"kind"`
	Ref      string      `dynamodbav:"ref,omitempty"`
	At       string      `dynamodbav:"at"`
	Entries  []entryAttr `dynamodbav:"entries"`
	Hash     string      `dynamodbav:"hash"`
}

func (txItem) EntityType() string { return EntityTx }

func txItemOf(t Transaction) txItem {
	n := t.normalized()
	it := txItem{TenantID: string(t.Tenant), ID: t.ID, Kind: string(t.Kind), Ref: t.Ref, At: store.FormatTime(t.At), Hash: t.Hash()}
	for _, e := range n.Entries {
		it.Entries = append(it.Entries, entryAttr{Account: string(e.Account.Kind), User: e.Account.User, Asset: e.Account.Asset, Amount: e.Amount.String()})
	}
	return it
}

// transaction reads the item back; a malformed amount or time is an error.
func (it txItem) transaction() (Transaction, error) {
	at, err := store.ParseTime(it.At)
	if err != nil {
		return Transaction{}, err
	}
	t := Transaction{ID: it.ID, Tenant: store.TenantID(it.TenantID), Kind: Kind(it.Kind), Ref: it.Ref, At: at}
	for _, e := range it.Entries {
		a, err := ParseAmount(e.Amount)
		if err != nil {
			return Transaction{}, err
		}
		t.Entries = append(t.Entries, Entry{Account: Account{Kind: AccountKind(e.Account), User: e.User, Asset: e.Asset}, Amount: a})
	}
	return t, nil
}

// balanceItem is one account's balance. Balance is absent from the item written by
// Adjust's init (the ADD creates it).
type balanceItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Account  string `dynamodbav:"account"`
	User     string `dynamodbav:"user,omitempty"`
	Asset    string `dynamodbav:"asset"`
	Shard    int    `dynamodbav:"shard,omitempty"`
	Balance  Amount `dynamodbav:"balance"`
}

func (balanceItem) EntityType() string { return EntityBalance }

func balanceKey(t store.TenantID, a Account, txID string) (store.Key, balanceItem) {
	it := balanceItem{TenantID: string(t), Account: string(a.Kind), User: a.User, Asset: a.Asset}
	if a.Kind == External {
		it.Shard = externalShard(txID)
		return store.LedgerExternalKey(t, a.Asset, it.Shard), it
	}
	return store.LedgerBalanceKey(t, a.User, a.Asset, string(a.Kind)), it
}

// entryItem is one line of a user's statement.
type entryItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	TxID     string `dynamodbav:"txId"`
	Kind     string `dynamodbav:"kind"`
	Ref      string `dynamodbav:"ref,omitempty"`
	User     string `dynamodbav:"user"`
	Account  string `dynamodbav:"account"`
	Asset    string `dynamodbav:"asset"`
	Amount   string `dynamodbav:"amount"`
	At       string `dynamodbav:"at"`
}

func (entryItem) EntityType() string { return EntityEntry }

// StatementLine is one entry as a user's statement shows it.
type StatementLine struct {
	TxID    string      `json:"transactionId"`
	Kind    Kind        `json:"kind"`
	Ref     string      `json:"tradeId,omitempty"`
	Account AccountKind `json:"account"`
	Asset   string      `json:"asset"`
	Amount  Amount      `json:"amount"`
	At      time.Time   `json:"at"`
}

func (it entryItem) line() (StatementLine, error) {
	a, err := ParseAmount(it.Amount)
	if err != nil {
		return StatementLine{}, err
	}
	at, err := store.ParseTime(it.At)
	if err != nil {
		return StatementLine{}, err
	}
	return StatementLine{TxID: it.TxID, Kind: Kind(it.Kind), Ref: it.Ref, Account: AccountKind(it.Account), Asset: it.Asset, Amount: a, At: at}, nil
}
