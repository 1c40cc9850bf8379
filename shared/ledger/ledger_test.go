package ledger

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

func code(err error) string {
	if fe, ok := failure.As(err); ok {
		return fe.Code
	}
	return fmt.Sprint(err)
}

func TestADepositTwiceIsStoredOnceAndOtherContentUnderItsIdIsRefused(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const tn store.TenantID = "acme"
	f.users(t, tn, "alice")
	f.calls.Reset()
	first := f.deposit(t, tn, "d1", "alice", "BTC", 150_000)
	if calls := f.calls.Reset(); calls["DynamoDB.TransactWriteItems"] != 1 || len(calls) != 1 {
		t.Errorf("a deposit costs %v, want one TransactWriteItems", calls)
	}
	again := f.deposit(t, tn, "d1", "alice", "BTC", 150_000)
	if first.Replayed || !again.Replayed || !again.Transaction.At.Equal(first.Transaction.At) || again.Transaction.ID != "dep:d1" {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	t.Logf("a replayed deposit costs %v", f.calls.Reset())
	if got := f.balances(t, tn, "alice"); got != "BTC/available=150000" {
		t.Fatalf("balances after a replay: %s", got)
	}
	_, err := f.svc.Deposit(ctx, custody, tn, Movement{ID: "d1", User: "alice", Asset: "BTC", Amount: AmountOf(1)})
	if code(err) != CodeIDConflict {
		t.Fatalf("other content under the same id: %v", err)
	}
	if got := f.balances(t, tn, "alice"); got != "BTC/available=150000" {
		t.Fatalf("balances after a conflict: %s", got)
	}
	counts := f.scan(t)
	if counts[EntityTx] != 1 || counts[EntityEntry] != 1 || counts["audit_record"] != 1 {
		t.Fatalf("items: %v", counts)
	}
	if r := f.verify(t, tn, nil); !r.OK() {
		t.Fatalf("verifier: %+v", r.Problems)
	}
}

func TestAWithdrawalOverTheBalanceIs409AndChangesNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const tn store.TenantID = "acme"
	f.users(t, tn, "alice")
	f.deposit(t, tn, "d1", "alice", "ETH", 1_000)
	before := f.scan(t)
	_, err := f.svc.Withdraw(ctx, custody, tn, Movement{ID: "w1", User: "alice", Asset: "ETH", Amount: AmountOf(1_001)})
	fe, ok := failure.As(err)
	if !ok || fe.Code != CodeInsufficientFunds || fe.Kind != failure.Conflict {
		t.Fatalf("overdraft: %v", err)
	}
	// A user who never held the asset has no balance item: the same answer.
	_, err = f.svc.Withdraw(ctx, custody, tn, Movement{ID: "w2", User: "alice", Asset: "BTC", Amount: AmountOf(1)})
	if code(err) != CodeInsufficientFunds {
		t.Fatalf("withdrawal of an asset never held: %v", err)
	}
	if after := f.scan(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("items changed: %v -> %v", before, after)
	}
	if got := f.balances(t, tn, "alice"); got != "ETH/available=1000" {
		t.Fatalf("balances: %s", got)
	}
	// The refused id is free: the same withdrawal within the funds goes through.
	if _, err := f.svc.Withdraw(ctx, custody, tn, Movement{ID: "w1", User: "alice", Asset: "ETH", Amount: AmountOf(1_000)}); err != nil {
		t.Fatal(err)
	}
	if got := f.balances(t, tn, "alice"); got != "ETH/available=0" {
		t.Fatalf("balances: %s", got)
	}
	r := f.verify(t, tn, nil)
	if !r.OK() || !r.Assets["ETH"].Deposits.Equal(AmountOf(1000)) || !r.Assets["ETH"].Withdrawals.Equal(AmountOf(1000)) || !r.Assets["ETH"].External.IsZero() {
		t.Fatalf("verifier: %+v", r)
	}
}

func TestMovementsAreRefusedForUnknownUsersAndBadInput(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.users(t, "acme", "alice")
	cases := []struct {
		name string
		m    Movement
		want string
	}{
		{"a user of another tenant", Movement{ID: "x", User: "bob", Asset: "BTC", Amount: AmountOf(1)}, "user_not_found"},
		{"a zero amount", Movement{ID: "x", User: "alice", Asset: "BTC", Amount: AmountOf(0)}, "invalid_amount"},
		{"a negative amount", Movement{ID: "x", User: "alice", Asset: "BTC", Amount: AmountOf(-5)}, "invalid_amount"},
		{"an amount over the maximum", Movement{ID: "x", User: "alice", Asset: "BTC", Amount: MaxAmount.Add(AmountOf(1))}, "invalid_amount"},
		{"an asset with a separator", Movement{ID: "x", User: "alice", Asset: "B#C", Amount: AmountOf(1)}, "invalid_asset"},
		{"an id with a separator", Movement{ID: "x#y", User: "alice", Asset: "BTC", Amount: AmountOf(1)}, "invalid_id"},
	}
	f.users(t, "other", "bob")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := f.svc.Deposit(ctx, custody, "acme", c.m); code(err) != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
		})
	}
	if n := f.scan(t)[EntityTx]; n != 0 {
		t.Fatalf("%d transactions stored", n)
	}
}

func TestAStatementListsEntriesNewestFirstPageByPage(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const tn store.TenantID = "acme"
	f.users(t, tn, "alice", "bob")
	for i := 1; i <= 5; i++ {
		f.deposit(t, tn, fmt.Sprintf("d%d", i), "alice", "BTC", int64(i))
	}
	f.deposit(t, tn, "b1", "bob", "BTC", 9)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		st, err := f.svc.Entries(ctx, tn, "alice", cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range st.Entries {
			got = append(got, fmt.Sprintf("%s:%s", e.TxID, e.Amount))
		}
		if cursor = st.NextCursor; cursor == "" || pages > 5 {
			break
		}
	}
	if fmt.Sprint(got) != "[dep:d5:5 dep:d4:4 dep:d3:3 dep:d2:2 dep:d1:1]" {
		t.Fatalf("statement: %v", got)
	}
	st, _ := f.svc.Entries(ctx, tn, "alice", "", 2)
	if _, err := f.svc.Entries(ctx, tn, "bob", st.NextCursor, 2); code(err) != "invalid_cursor" {
		t.Fatalf("alice's cursor on bob's statement: %v", err)
	}
}

func TestTheVerifierFindsTamperedBalancesAndTransactions(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const tn store.TenantID = "acme"
	f.users(t, tn, "alice")
	f.deposit(t, tn, "d1", "alice", "BTC", 100)
	// A balance edited behind the ledger's back.
	key := store.LedgerBalanceKey(tn, "alice", "BTC", string(Available))
	if err := f.st.Put(ctx, key, balanceItem{TenantID: string(tn), Account: string(Available), User: "alice", Asset: "BTC", Balance: AmountOf(-1)}); err != nil {
		t.Fatal(err)
	}
	// A transaction whose amount was edited (its hash no longer matches).
	tr, err := Get(ctx, f.st, tn, "dep:d1")
	if err != nil {
		t.Fatal(err)
	}
	it := txItemOf(tr)
	it.Entries[1].Amount = "1000"
	if err := f.st.Put(ctx, store.LedgerTxKey(tn, tr.ID), it); err != nil {
		t.Fatal(err)
	}
	r := f.verify(t, tn, nil)
	var codes []string
	for _, p := range r.Problems {
		codes = append(codes, p.Code)
	}
	want := "[asset_totals asset_totals bad_transaction bad_transaction balance_mismatch negative_balance]"
	if fmt.Sprint(codes) != want {
		t.Fatalf("problems: %v\n%+v", codes, r.Problems)
	}
}

func TestStageRefusesWhatCannotBeALedgerTransaction(t *testing.T) {
	f := setup(t)
	funds := TradeFunds{Tenant: "acme", TradeID: "tr1", Seller: "s", Buyer: "b", Asset: "BTC", Amount: AmountOf(5)}
	at := f.now()
	lock := funds.Lock(at)
	cases := map[string]Transaction{
		"an unbalanced lock": func() Transaction {
			t := lock
			t.Entries = []Entry{lock.Entries[0], {lock.Entries[1].Account, AmountOf(4)}}
			return t
		}(),
		"a release to the seller": func() Transaction {
			t := funds.Release(at)
			t.Entries[1].Account.User = "s"
			return t
		}(),
		"a refund to the buyer": func() Transaction {
			t := funds.Refund(at)
			t.Entries[1].Account.User = "b"
			return t
		}(),
		"a lock without its trade": func() Transaction { t := lock; t.Ref = ""; return t }(),
		"a deposit into escrow": {ID: "dep:x", Tenant: "acme", Kind: KindDeposit, At: at, Entries: []Entry{
			{Account{External, "", "BTC"}, AmountOf(-1)}, {Account{Escrow, "s", "BTC"}, AmountOf(1)}}},
		"one account twice": {ID: "dep:x", Tenant: "acme", Kind: KindDeposit, At: at, Entries: []Entry{
			{Account{Available, "s", "BTC"}, AmountOf(-1)}, {Account{Available, "s", "BTC"}, AmountOf(1)}}},
		"two assets": {ID: "dep:x", Tenant: "acme", Kind: KindDeposit, At: at, Entries: []Entry{
			{Account{External, "", "ETH"}, AmountOf(-1)}, {Account{Available, "s", "BTC"}, AmountOf(1)}}},
		"an unknown kind": func() Transaction { t := lock; t.Kind = "gift"; return t }(),
	}
	for name, tr := range cases {
		t.Run(name, func(t *testing.T) {
			tx := f.st.Tx()
			if err := Stage(tx, tr); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnbalanced) || tx.Len() != 0 {
				t.Fatalf("err %v, %d items", err, tx.Len())
			}
		})
	}
	if err := lock.Validate(); err != nil {
		t.Fatal(err)
	}
	if lock.Items() != 5 || Deposit("acme", "x", "u", "BTC", AmountOf(1), at).Items() != 4 {
		t.Fatal("item counts")
	}
}

func TestAmountsAreExactIntegers(t *testing.T) {
	for _, s := range []string{"", "-", "01", "1.5", "1e3", "+1", " 1", "0x10"} {
		if _, err := ParseAmount(s); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
	wei, err := ParseAmount("123456789012345678901234567890") // 1.2e11 ETH in wei: past int64
	if err != nil || wei.String() != "123456789012345678901234567890" {
		t.Fatal(wei, err)
	}
	var a Amount
	if err := a.UnmarshalJSON([]byte(`"42"`)); err != nil || !a.Equal(AmountOf(42)) {
		t.Fatal(a, err)
	}
	if err := a.UnmarshalJSON([]byte(`42.0`)); err == nil {
		t.Fatal("a fraction was accepted")
	}
	if b, _ := wei.MarshalJSON(); string(b) != `"123456789012345678901234567890"` {
		t.Fatal(string(b))
	}
	if tr := (TradeFunds{Tenant: "t", TradeID: "x", Seller: "s", Buyer: "b", Asset: "A", Amount: AmountOf(1)}).Lock(testTime); tr.Hash() != reorder(tr).Hash() {
		t.Fatal("the hash depends on the order of entries")
	}
}

var testTime = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func reorder(t Transaction) Transaction {
	t.Entries = []Entry{t.Entries[1], t.Entries[0]}
	return t
}

func TestAStoredNumberIsReadInAnyFormDynamoDBGivesIt(t *testing.T) {
	for s, want := range map[string]string{"1000": "1000", "1E+3": "1000", "-5": "-5", "1.0E+38": "100000000000000000000000000000000000000"} {
		var a Amount
		if err := a.UnmarshalDynamoDBAttributeValue(&types.AttributeValueMemberN{Value: s}); err != nil || a.String() != want {
			t.Errorf("%s: %s %v", s, a, err)
		}
	}
	var a Amount
	if err := a.UnmarshalDynamoDBAttributeValue(&types.AttributeValueMemberN{Value: "1.5"}); err == nil {
		t.Error("a fraction was read as an amount")
	}
}

func TestNoBalancePassesTheLargestAmount(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const tn store.TenantID = "acme"
	f.users(t, tn, "alice", "bob")
	if _, err := f.svc.Deposit(ctx, custody, tn, Movement{ID: "d1", User: "alice", Asset: "ETH", Amount: MaxAmount}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Deposit(ctx, custody, tn, Movement{ID: "d2", User: "alice", Asset: "ETH", Amount: AmountOf(1)})
	if fe, ok := failure.As(err); !ok || fe.Code != CodeBalanceLimit || fe.Kind != failure.Unprocessable {
		t.Fatalf("a credit past the maximum: %v", err)
	}
	// The external shard of d1 holds -MaxAmount: another deposit landing on it is refused
	// the same way (not as insufficient funds of the custody side).
	shard := externalShard(DepositID("d1"))
	id := ""
	for i := 0; id == ""; i++ {
		if c := fmt.Sprintf("b%d", i); externalShard(DepositID(c)) == shard {
			id = c
		}
	}
	if _, err := f.svc.Deposit(ctx, custody, tn, Movement{ID: id, User: "bob", Asset: "ETH", Amount: AmountOf(1)}); code(err) != CodeBalanceLimit {
		t.Fatalf("an external shard past the minimum: %v", err)
	}
	if r := f.verify(t, tn, nil); !r.OK() {
		t.Fatalf("verifier: %+v", r.Problems)
	}
}

func TestTheVerifiersDecoderReadsWhatTheGenericOneReads(t *testing.T) {
	funds := TradeFunds{Tenant: "acme", TradeID: "tr1", Seller: "s", Buyer: "b", Asset: "BTC", Amount: AmountOf(5)}
	for _, tr := range []Transaction{funds.Lock(testTime), Deposit("acme", "d", "u", "ETH", AmountOf(9), testTime)} {
		raw, err := store.Marshal(store.LedgerTxKey("acme", tr.ID), txItemOf(tr))
		if err != nil {
			t.Fatal(err)
		}
		fast, err1 := decodeTx(raw)
		slow, err2 := decodeTxGeneric(raw)
		fast.Meta, slow.Meta = store.Meta{}, store.Meta{}
		if err1 != nil || err2 != nil || fmt.Sprintf("%+v", fast) != fmt.Sprintf("%+v", slow) {
			t.Fatalf("fast %+v %v\nslow %+v %v", fast, err1, slow, err2)
		}
		delete(raw, "hash")
		if _, err := decodeTx(raw); err != nil {
			t.Fatalf("an item without its hash still decodes (and fails its check): %v", err)
		}
	}
}
