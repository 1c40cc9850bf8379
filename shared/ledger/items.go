package ledger

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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

// decodeTx reads a transaction item without reflection: the verifier reads them by the
// hundred thousand. Anything unexpected falls back to the generic decoder, which also
// reports what is wrong.
func decodeTx(raw map[string]types.AttributeValue) (txItem, error) {
	str := func(name string) (string, bool) {
		v, ok := raw[name].(*types.AttributeValueMemberS)
		if !ok {
			return "", false
		}
		return v.Value, true
	}
	var it txItem
	var ok [7]bool
	it.Entity, ok[0] = str(store.AttrType)
	it.PK, ok[1] = str(store.AttrPK)
	it.TenantID, ok[2] = str("tenantId")
	it.ID, ok[3] = str("id")
	it.Kind, ok[4] = str("kind")
	it.At, ok[5] = str("at")
	it.Hash, ok[6] = str("hash")
	it.Ref, _ = str("ref")
	list, isList := raw["entries"].(*types.AttributeValueMemberL)
	if ok != [7]bool{true, true, true, true, true, true, true} || it.Entity != EntityTx || !isList {
		return decodeTxGeneric(raw)
	}
	it.Entries = make([]entryAttr, 0, len(list.Value))
	for _, v := range list.Value {
		m, isMap := v.(*types.AttributeValueMemberM)
		if !isMap {
			return decodeTxGeneric(raw)
		}
		var e entryAttr
		var fine [3]bool
		field := func(name string) (string, bool) {
			s, ok := m.Value[name].(*types.AttributeValueMemberS)
			if !ok {
				return "", false
			}
			return s.Value, true
		}
		e.Account, fine[0] = field("k")
		e.Asset, fine[1] = field("a")
		e.Amount, fine[2] = field("n")
		e.User, _ = field("u")
		if fine != [3]bool{true, true, true} {
			return decodeTxGeneric(raw)
		}
		it.Entries = append(it.Entries, e)
	}
	return it, nil
}

func decodeTxGeneric(raw map[string]types.AttributeValue) (txItem, error) {
	var it txItem
	err := store.Unmarshal(raw, &it)
	return it, err
}
