package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

// AccountKind names the accounts of the ledger.
type AccountKind string

// The accounts. Every user has an available and an escrow account per asset; each asset
// has one external account, the custody side of deposits and withdrawals.
const (
	Available AccountKind = "available" // the user's spendable funds
	Escrow    AccountKind = "escrow"    // the user's funds locked in open trades (as seller)
	External  AccountKind = "external"  // custody: what the users' accounts are backed by
)

// Account is one account: a user's available or escrow funds in an asset, or the asset's
// external account (no user).
type Account struct {
	Kind  AccountKind `json:"account"`
	User  string      `json:"user,omitempty"`
	Asset string      `json:"asset"`
}

func (a Account) String() string {
	if a.Kind == External {
		return "external:" + a.Asset
	}
	return string(a.Kind) + ":" + a.User + ":" + a.Asset
}

// Kind is what a transaction does. Each kind has one fixed shape (see shapeOf), so a
// transaction can only move money the way its kind says: escrow can only go back to its
// owner's available account or to a buyer's.
type Kind string

// The kinds.
const (
	KindDeposit    Kind = "deposit"    // external -a, user available +a
	KindWithdrawal Kind = "withdrawal" // user available -a, external +a
	KindLock       Kind = "lock"       // seller available -a, seller escrow +a (trade opened)
	KindRelease    Kind = "release"    // seller escrow -a, buyer available +a (trade released)
	KindRefund     Kind = "refund"     // seller escrow -a, seller available +a (trade cancelled)
)

// Kinds lists the kinds.
var Kinds = []Kind{KindDeposit, KindWithdrawal, KindLock, KindRelease, KindRefund}

// Entry is one line of a transaction. The sign convention: Amount is the change of the
// account's balance, positive for a credit and negative for a debit. Users' accounts
// hold what the platform owes them and never go below zero; the external account of an
// asset holds the custody side and so is the negative of what the users hold (a deposit
// credits the user's available account and debits external). Every transaction sums to
// zero per asset, hence so does the whole ledger.
type Entry struct {
	Account Account `json:"account"`
	Amount  Amount  `json:"amount"`
}

// Transaction is one balanced change of the ledger. ID makes it idempotent: it is
// stored once, a replay with the same content is recognised as done and one with other
// content is refused.
type Transaction struct {
	ID      string         `json:"id"`
	Tenant  store.TenantID `json:"-"`
	Kind    Kind           `json:"kind"`
	Entries []Entry        `json:"entries"`
	Ref     string         `json:"ref,omitempty"` // the trade for lock, release and refund
	At      time.Time      `json:"at"`
}

// MaxEntries bounds a transaction's entries: each costs up to two items of the
// DynamoDB transaction (balance and statement line), which holds at most 100.
const MaxEntries = 8

// Errors of validation (wrapped in a *failure.Error by the service).
var (
	ErrInvalid    = errors.New("ledger: invalid transaction")
	ErrUnbalanced = errors.New("ledger: transaction does not balance")
)

// ValidAsset reports whether s can name an asset: 1 to 32 letters, digits, '.', '_' or '-'.
func ValidAsset(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// validTxID: the id is a key segment and carries prefixes such as "dep:" (see MovementID).
func validTxID(s string) bool {
	return s != "" && len(s) <= 200 && !strings.ContainsAny(s, "#\x00")
}

func (a Account) validate() error {
	if !ValidAsset(a.Asset) {
		return fmt.Errorf("%w: asset %q", ErrInvalid, a.Asset)
	}
	switch a.Kind {
	case Available, Escrow:
		if !store.ValidID(a.User) {
			return fmt.Errorf("%w: user %q", ErrInvalid, a.User)
		}
	case External:
		if a.User != "" {
			return fmt.Errorf("%w: the external account has no user", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: account kind %q", ErrInvalid, a.Kind)
	}
	return nil
}

// Validate checks everything that can be checked without the table: ids, accounts,
// amounts (non-zero, within MaxAmount), no account twice (DynamoDB refuses a transaction
// touching an item twice), balance per asset, and the shape of the kind.
func (t Transaction) Validate() error {
	switch {
	case !validTxID(t.ID):
		return fmt.Errorf("%w: id %q", ErrInvalid, t.ID)
	case !store.ValidID(string(t.Tenant)):
		return fmt.Errorf("%w: tenant %q", ErrInvalid, t.Tenant)
	case t.At.IsZero():
		return fmt.Errorf("%w: no time", ErrInvalid)
	case len(t.Entries) < 2 || len(t.Entries) > MaxEntries:
		return fmt.Errorf("%w: %d entries", ErrInvalid, len(t.Entries))
	case t.Ref != "" && !store.ValidID(t.Ref):
		return fmt.Errorf("%w: ref %q", ErrInvalid, t.Ref)
	}
	seen := map[Account]bool{}
	sums := map[string]Amount{}
	for _, e := range t.Entries {
		if err := e.Account.validate(); err != nil {
			return err
		}
		if seen[e.Account] {
			return fmt.Errorf("%w: account %s twice", ErrInvalid, e.Account)
		}
		seen[e.Account] = true
		if e.Amount.IsZero() || !e.Amount.InRange() {
			return fmt.Errorf("%w: amount %s on %s", ErrInvalid, e.Amount, e.Account)
		}
		sums[e.Account.Asset] = sums[e.Account.Asset].Add(e.Amount)
	}
	for asset, s := range sums {
		if !s.IsZero() {
			return fmt.Errorf("%w: %s sums to %s", ErrUnbalanced, asset, s)
		}
	}
	return t.checkShape()
}

// checkShape enforces the one shape each kind has.
func (t Transaction) checkShape() error {
	bad := func(why string) error { return fmt.Errorf("%w: a %s %s", ErrInvalid, t.Kind, why) }
	if len(t.Entries) != 2 {
		return bad("has two entries")
	}
	var debit, credit Entry
	for _, e := range t.Entries {
		if e.Amount.Sign() < 0 {
			debit = e
		} else {
			credit = e
		}
	}
	if debit.Amount.IsZero() || credit.Amount.IsZero() {
		return bad("debits one account and credits another")
	}
	from, to := debit.Account, credit.Account
	needRef := true
	var ok bool
	switch t.Kind {
	case KindDeposit:
		ok, needRef = from.Kind == External && to.Kind == Available, false
	case KindWithdrawal:
		ok, needRef = from.Kind == Available && to.Kind == External, false
	case KindLock:
		ok = from.Kind == Available && to.Kind == Escrow && from.User == to.User
	case KindRelease:
		ok = from.Kind == Escrow && to.Kind == Available && from.User != to.User
	case KindRefund:
		ok = from.Kind == Escrow && to.Kind == Available && from.User == to.User
	default:
		return fmt.Errorf("%w: kind %q", ErrInvalid, t.Kind)
	}
	switch {
	case !ok:
		return bad(fmt.Sprintf("cannot move %s to %s", from, to))
	case needRef && t.Ref == "":
		return bad("needs the trade it belongs to (ref)")
	case !needRef && t.Ref != "":
		return bad("has no trade reference")
	}
	return nil
}

// normalized sorts the entries (debits first, then by account), so that the same
// transaction given in another order is stored and hashed alike.
func (t Transaction) normalized() Transaction {
	t.Entries = slices.Clone(t.Entries)
	slices.SortFunc(t.Entries, func(a, b Entry) int {
		if c := a.Amount.Sign() - b.Amount.Sign(); c != 0 {
			return c
		}
		return strings.Compare(a.Account.String(), b.Account.String())
	})
	return t
}

type hashInput struct {
	V       int     `json:"v"`
	Tenant  string  `json:"tenant"`
	ID      string  `json:"id"`
	Kind    Kind    `json:"kind"`
	Ref     string  `json:"ref"`
	Entries []Entry `json:"entries"`
}

// Hash is the digest of the transaction's content: tenant, id, kind, reference and
// entries, not its time (a replay later is the same transaction).
func (t Transaction) Hash() string {
	n := t.normalized()
	b, _ := json.Marshal(hashInput{V: 1, Tenant: string(t.Tenant), ID: t.ID, Kind: t.Kind, Ref: t.Ref, Entries: n.Entries})
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// externalShard picks the shard of the external account a transaction moves.
func externalShard(txID string) int {
	h := fnv.New32a()
	h.Write([]byte(txID))
	return int(h.Sum32() % store.LedgerExternalShards)
}

// ---- transaction ids and builders ----------------------------------------------------------

// DepositID and WithdrawalID are the ledger ids of a client's movement ids. The prefix
// keeps the id spaces apart: a client's id can never take a trade's transaction id.
func DepositID(id string) string    { return "dep:" + id }
func WithdrawalID(id string) string { return "wdr:" + id }

// Deposit is the transaction crediting user with amount from custody.
func Deposit(tenant store.TenantID, id, user, asset string, amount Amount, at time.Time) Transaction {
	return Transaction{ID: DepositID(id), Tenant: tenant, Kind: KindDeposit, At: at, Entries: []Entry{
		{Account{External, "", asset}, amount.Neg()},
		{Account{Available, user, asset}, amount},
	}}
}

// Withdrawal is the transaction debiting user's available funds to custody.
func Withdrawal(tenant store.TenantID, id, user, asset string, amount Amount, at time.Time) Transaction {
	return Transaction{ID: WithdrawalID(id), Tenant: tenant, Kind: KindWithdrawal, At: at, Entries: []Entry{
		{Account{Available, user, asset}, amount.Neg()},
		{Account{External, "", asset}, amount},
	}}
}

// TradeFunds is what a trade holds in escrow: who sells to whom, what and how much.
type TradeFunds struct {
	Tenant  store.TenantID
	TradeID string
	Seller  string
	Buyer   string
	Asset   string
	Amount  Amount
}

// LockID is the id of a trade's lock. SettleID is the id of its release or its refund:
// one id for both, so that the ledger itself stores at most one of them per trade,
// whatever the state machine above it does.
func LockID(tradeID string) string   { return "trade:" + tradeID + ":lock" }
func SettleID(tradeID string) string { return "trade:" + tradeID + ":settle" }

// Lock moves the amount from the seller's available account into escrow.
func (f TradeFunds) Lock(at time.Time) Transaction {
	return Transaction{ID: LockID(f.TradeID), Tenant: f.Tenant, Kind: KindLock, Ref: f.TradeID, At: at, Entries: []Entry{
		{Account{Available, f.Seller, f.Asset}, f.Amount.Neg()},
		{Account{Escrow, f.Seller, f.Asset}, f.Amount},
	}}
}

// Release moves the escrow to the buyer's available account.
func (f TradeFunds) Release(at time.Time) Transaction {
	return Transaction{ID: SettleID(f.TradeID), Tenant: f.Tenant, Kind: KindRelease, Ref: f.TradeID, At: at, Entries: []Entry{
		{Account{Escrow, f.Seller, f.Asset}, f.Amount.Neg()},
		{Account{Available, f.Buyer, f.Asset}, f.Amount},
	}}
}

// Refund moves the escrow back to the seller's available account.
func (f TradeFunds) Refund(at time.Time) Transaction {
	return Transaction{ID: SettleID(f.TradeID), Tenant: f.Tenant, Kind: KindRefund, Ref: f.TradeID, At: at, Entries: []Entry{
		{Account{Escrow, f.Seller, f.Asset}, f.Amount.Neg()},
		{Account{Available, f.Seller, f.Asset}, f.Amount},
	}}
}
