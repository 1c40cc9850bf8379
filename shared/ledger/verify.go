package ledger

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/store"
)

type mapItem = map[string]types.AttributeValue

// TradeEscrow is what the caller knows of one trade for the escrow check: its escrow must
// equal Amount while it is open and zero once it is closed.
type TradeEscrow struct {
	ID     string
	Seller string
	Asset  string
	Amount Amount
	Open   bool
}

// Problem is one broken invariant.
type Problem struct {
	Code    string `json:"code"`
	Subject string `json:"subject"` // an account, a transaction, a trade or an asset
	Detail  string `json:"detail"`
}

// Problem codes.
const (
	ProblemBadTransaction  = "bad_transaction"      // invalid shape, unbalanced, or content not matching its hash
	ProblemNegative        = "negative_balance"     // a user's account below zero
	ProblemBalanceMismatch = "balance_mismatch"     // a balance differs from the sum of its entries
	ProblemAssetTotals     = "asset_totals"         // users' sum != deposits - withdrawals, or external != -users
	ProblemTradeEscrow     = "trade_escrow"         // an open trade's escrow != its amount, a closed one's != 0
	ProblemEscrowNoTrade   = "escrow_without_trade" // escrow held for a reference the caller does not know
	ProblemSellerEscrow    = "seller_escrow"        // a seller's escrow != the sum of their open trades
)

// AssetTotals are the per-asset sums the verifier found.
type AssetTotals struct {
	Deposits    Amount `json:"deposits"`
	Withdrawals Amount `json:"withdrawals"`
	Users       Amount `json:"users"`    // all users' available and escrow balances
	External    Amount `json:"external"` // the external account (all shards): -Users when sound
}

// Report is what Verify found.
type Report struct {
	Tenant       store.TenantID         `json:"tenantId"`
	Transactions int                    `json:"transactions"`
	Entries      int                    `json:"entries"`
	Accounts     int                    `json:"accounts"`
	Unsettled    int                    `json:"unsettled"` // accounts that moved while being read: not judged
	Assets       map[string]AssetTotals `json:"assets"`
	Problems     []Problem              `json:"problems"`
	Duration     time.Duration          `json:"duration"`
}

// OK reports whether no invariant is broken.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify reads a tenant's whole ledger and checks its invariants:
//
//   - every transaction has a valid shape, balances per asset and matches its hash;
//   - every balance equals the sum of its entries, and no user's account is negative;
//   - per asset, the users' balances sum to deposits minus withdrawals and the external
//     account (all shards) to the opposite;
//   - when trades is not nil, it is taken as the tenant's complete list of trades: each
//     open trade's escrow (the sum of escrow entries carrying its id) equals its amount,
//     each closed trade's is zero, no escrow is held for an unknown reference, and each
//     seller's escrow balance is the sum of their open trades.
//
// It reads with strongly consistent Queries only (no Scan): every balance bucket, every
// transaction bucket, then every balance bucket again: 3*LedgerBuckets queries plus one
// per further page of store.MaxLimit items, LedgerBuckets at a time. An account whose balance changed between the
// two balance reads was moving during the check and is counted as Unsettled instead of
// judged, so the verifier can run beside live traffic; on a quiet ledger it is exact.
func (s *Service) Verify(ctx context.Context, tenant store.TenantID, trades []TradeEscrow) (Report, error) {
	start := time.Now()
	if !store.ValidID(string(tenant)) {
		return Report{}, fmt.Errorf("%w: tenant %q", store.ErrInvalidKey, tenant)
	}
	before, err := s.readBuckets(ctx, tenant, store.LedgerBalancePK)
	if err != nil {
		return Report{}, err
	}
	txs, err := s.readBuckets(ctx, tenant, store.LedgerTxPK)
	if err != nil {
		return Report{}, err
	}
	after, err := s.readBuckets(ctx, tenant, store.LedgerBalancePK)
	if err != nil {
		return Report{}, err
	}
	v := newVerifier(tenant)
	for _, it := range txs {
		v.addTx(it)
	}
	r := v.finish(before, after, trades)
	r.Duration = time.Since(start)
	return r, nil
}

// readBuckets reads every item of the tenant's LedgerBuckets partitions built by pk.
func (s *Service) readBuckets(ctx context.Context, tenant store.TenantID, pk func(store.TenantID, int) string) ([]mapItem, error) {
	parts := make([][]mapItem, store.LedgerBuckets)
	errs := make([]error, store.LedgerBuckets)
	var wg sync.WaitGroup
	for b := range store.LedgerBuckets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := store.QueryInput{PK: pk(tenant, b), Tenant: tenant, Limit: 1000}
			errs[b] = s.st.QueryAll(ctx, q, func(items []mapItem) (bool, error) {
				parts[b] = append(parts[b], items...)
				return true, nil
			})
		}()
	}
	wg.Wait()
	var out []mapItem
	for b := range parts {
		if errs[b] != nil {
			return nil, errs[b]
		}
		out = append(out, parts[b]...)
	}
	return out, nil
}

// acct identifies a balance item: an account, and for external accounts the shard.
type acct struct {
	Account
	shard int
}

func (a acct) String() string {
	if a.Kind == External {
		return fmt.Sprintf("%s#%02d", a.Account, a.shard)
	}
	return a.Account.String()
}

type refEscrow struct {
	asset  string
	amount Amount
}

// verifier accumulates transactions, then judges balances against them. It holds only
// sums, so its memory grows with accounts and trades, not with entries.
type verifier struct {
	tenant   store.TenantID
	r        Report
	sums     map[acct]Amount
	escrow   map[string]refEscrow // by trade reference
	deposits map[string]Amount
	withdraw map[string]Amount
}

func newVerifier(tenant store.TenantID) *verifier {
	return &verifier{
		tenant: tenant, r: Report{Tenant: tenant, Assets: map[string]AssetTotals{}},
		sums: map[acct]Amount{}, escrow: map[string]refEscrow{}, deposits: map[string]Amount{}, withdraw: map[string]Amount{},
	}
}

func (v *verifier) problem(code, subject, format string, args ...any) {
	v.r.Problems = append(v.r.Problems, Problem{Code: code, Subject: subject, Detail: fmt.Sprintf(format, args...)})
}

// addTx checks one stored transaction and adds its entries to the sums. A transaction
// that fails its checks is reported and its entries are still counted: the balances were
// moved by what is stored, so judging them against anything else would only add noise.
func (v *verifier) addTx(raw mapItem) {
	it, err := decodeTx(raw)
	if err != nil {
		v.problem(ProblemBadTransaction, "?", "undecodable: %v", err)
		return
	}
	v.r.Transactions++
	t, err := it.transaction()
	if err != nil {
		v.problem(ProblemBadTransaction, it.ID, "%v", err)
		return
	}
	switch {
	case it.TenantID != string(v.tenant) || store.LedgerTxKey(v.tenant, it.ID).PK != it.PK:
		v.problem(ProblemBadTransaction, it.ID, "stored under another tenant or bucket")
	case t.Hash() != it.Hash:
		v.problem(ProblemBadTransaction, it.ID, "content does not match its hash")
	}
	if err := t.Validate(); err != nil {
		v.problem(ProblemBadTransaction, it.ID, "%v", err)
	}
	for _, e := range t.Entries {
		v.r.Entries++
		k := acct{Account: e.Account}
		if e.Account.Kind == External {
			k.shard = externalShard(t.ID)
		}
		v.sums[k] = v.sums[k].Add(e.Amount)
		if e.Account.Kind == Escrow && t.Ref != "" {
			re := v.escrow[t.Ref]
			re.asset, re.amount = e.Account.Asset, re.amount.Add(e.Amount)
			v.escrow[t.Ref] = re
		}
		switch {
		case t.Kind == KindDeposit && e.Amount.Sign() > 0:
			v.deposits[e.Account.Asset] = v.deposits[e.Account.Asset].Add(e.Amount)
		case t.Kind == KindWithdrawal && e.Amount.Sign() < 0:
			v.withdraw[e.Account.Asset] = v.withdraw[e.Account.Asset].Add(e.Amount.Neg())
		}
	}
}

func (v *verifier) balances(items []mapItem) map[acct]Amount {
	out := make(map[acct]Amount, len(items))
	for _, raw := range items {
		var it balanceItem
		if err := store.Unmarshal(raw, &it); err != nil {
			v.problem(ProblemBalanceMismatch, "?", "undecodable balance: %v", err)
			continue
		}
		k := acct{Account: Account{Kind: AccountKind(it.Account), User: it.User, Asset: it.Asset}, shard: it.Shard}
		out[k] = it.Balance
	}
	return out
}

func (v *verifier) finish(beforeItems, afterItems []mapItem, trades []TradeEscrow) Report {
	before, after := v.balances(beforeItems), v.balances(afterItems)
	moving := map[string]bool{} // assets with an unsettled account
	seen := map[acct]bool{}
	judge := func(k acct) {
		if seen[k] {
			return
		}
		seen[k] = true
		v.r.Accounts++
		b, a := before[k], after[k]
		if !b.Equal(a) {
			v.r.Unsettled++
			moving[k.Asset] = true
			return
		}
		if k.Kind != External && a.Sign() < 0 {
			v.problem(ProblemNegative, k.String(), "balance %s", a)
		}
		if want := v.sums[k]; !want.Equal(a) {
			v.problem(ProblemBalanceMismatch, k.String(), "balance %s, entries sum to %s", a, want)
		}
		t := v.r.Assets[k.Asset]
		if k.Kind == External {
			t.External = t.External.Add(a)
		} else {
			t.Users = t.Users.Add(a)
		}
		v.r.Assets[k.Asset] = t
	}
	for _, k := range sortedAccts(after) {
		judge(k)
	}
	for _, k := range sortedAccts(before) {
		judge(k)
	}
	for _, k := range sortedAccts(v.sums) {
		judge(k)
	}
	for asset := range v.deposits {
		t := v.r.Assets[asset]
		v.r.Assets[asset] = t
	}
	for asset, t := range v.r.Assets {
		t.Deposits, t.Withdrawals = v.deposits[asset], v.withdraw[asset]
		v.r.Assets[asset] = t
		if moving[asset] {
			continue
		}
		if net := t.Deposits.Sub(t.Withdrawals); !t.Users.Equal(net) {
			v.problem(ProblemAssetTotals, asset, "users hold %s, deposits minus withdrawals are %s", t.Users, net)
		}
		if !t.External.Equal(t.Users.Neg()) {
			v.problem(ProblemAssetTotals, asset, "external is %s, users hold %s", t.External, t.Users)
		}
	}
	if trades != nil {
		v.checkTrades(trades, after, before)
	}
	sort.SliceStable(v.r.Problems, func(i, j int) bool { return v.r.Problems[i].Code < v.r.Problems[j].Code })
	return v.r
}

func (v *verifier) checkTrades(trades []TradeEscrow, after, before map[acct]Amount) {
	known := make(map[string]bool, len(trades))
	perSeller := map[acct]Amount{}
	for _, tr := range trades {
		known[tr.ID] = true
		got := v.escrow[tr.ID]
		want := Amount{}
		if tr.Open {
			want = tr.Amount
			k := acct{Account: Account{Kind: Escrow, User: tr.Seller, Asset: tr.Asset}}
			perSeller[k] = perSeller[k].Add(tr.Amount)
		}
		if !got.amount.Equal(want) || (!got.amount.IsZero() && got.asset != tr.Asset) {
			v.problem(ProblemTradeEscrow, tr.ID, "escrow %s %s, want %s %s (open %t)", got.amount, got.asset, want, tr.Asset, tr.Open)
		}
	}
	for ref, re := range v.escrow {
		if !known[ref] && !re.amount.IsZero() {
			v.problem(ProblemEscrowNoTrade, ref, "%s %s held in escrow", re.amount, re.asset)
		}
	}
	for k, bal := range after {
		if k.Kind != Escrow || !bal.Equal(before[k]) {
			continue
		}
		if want := perSeller[k]; !want.Equal(bal) {
			v.problem(ProblemSellerEscrow, k.String(), "escrow balance %s, open trades sum to %s", bal, want)
		}
	}
	for k, want := range perSeller {
		if _, ok := after[k]; !ok {
			v.problem(ProblemSellerEscrow, k.String(), "no escrow balance, open trades sum to %s", want)
		}
	}
}

func sortedAccts(m map[acct]Amount) []acct {
	out := make([]acct, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
