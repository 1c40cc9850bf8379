package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// tradeItem is a minimal trade for the stress test: the state machine's facts, versioned.
// (The trade service proper is built on the same pattern.)
type tradeItem struct {
	store.Meta
	ID       string `dynamodbav:"id"`
	Seller   string `dynamodbav:"seller"`
	Buyer    string `dynamodbav:"buyer"`
	Asset    string `dynamodbav:"asset"`
	Amount   string `dynamodbav:"amount"`
	State    string `dynamodbav:"state"`
	Created  string `dynamodbav:"created"`
	Deadline string `dynamodbav:"paymentDeadline"`
	Confirm  string `dynamodbav:"confirmDeadline,omitempty"`
	Opened   string `dynamodbav:"disputeOpened,omitempty"`
	Mediator string `dynamodbav:"mediator,omitempty"`
}

func (tradeItem) EntityType() string { return "trade" }

func parseT(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := store.ParseTime(s)
	return t
}

func (it tradeItem) trade() escrow.Trade {
	a, _ := ParseAmount(it.Amount)
	t := escrow.Trade{ID: it.ID, Seller: it.Seller, Buyer: it.Buyer, Asset: it.Asset, Amount: a.Big(), State: escrow.State(it.State),
		CreatedAt: parseT(it.Created), PaymentDeadline: parseT(it.Deadline), ConfirmDeadline: parseT(it.Confirm)}
	if it.Opened != "" {
		t.Dispute = &escrow.Dispute{OpenedAt: parseT(it.Opened), Mediator: it.Mediator, TakenAt: parseT(it.Opened)}
	}
	return t
}

func itemOfTrade(t escrow.Trade) tradeItem {
	it := tradeItem{ID: t.ID, Seller: t.Seller, Buyer: t.Buyer, Asset: t.Asset, Amount: t.Amount.String(), State: string(t.State),
		Created: store.FormatTime(t.CreatedAt), Deadline: store.FormatTime(t.PaymentDeadline)}
	if !t.ConfirmDeadline.IsZero() {
		it.Confirm = store.FormatTime(t.ConfirmDeadline)
	}
	if t.Dispute != nil {
		it.Opened, it.Mediator = store.FormatTime(t.Dispute.OpenedAt), t.Dispute.Mediator
	}
	return it
}

type race struct {
	f        *fixture
	log      *audit.Log
	tenant   store.TenantID
	policy   escrow.Policy
	attempts atomic.Int64 // TransactWriteItems sent
	retries  atomic.Int64 // version or transaction conflicts retried
	mu       sync.Mutex
	wins     map[string][]escrow.Action // per trade, the transitions committed
	moves    map[string]int             // per trade, the escrow-moving transitions committed
}

func (r *race) funds(t escrow.Trade) TradeFunds {
	return TradeFunds{Tenant: r.tenant, TradeID: t.ID, Seller: t.Seller, Buyer: t.Buyer, Asset: t.Asset, Amount: Amount{new(big.Int).Set(t.Amount)}}
}

// open stores a new trade and locks its amount in one transaction.
func (r *race) open(ctx context.Context, id, seller, buyer string, amount int64, now time.Time) error {
	tr := escrow.Open(escrow.Trade{ID: id, Seller: seller, Buyer: buyer, Asset: "USDT", Amount: big.NewInt(amount)}, 30*time.Minute, now)
	lock := r.funds(tr).Lock(now)
	for {
		tx := r.f.st.Tx()
		tx.Create(store.TradeKey(r.tenant, id), itemOfTrade(tr))
		if err := Stage(tx, lock); err != nil {
			return err
		}
		if _, err := r.log.Stage(tx, r.tenant, audit.Record{Action: "trade.opened", Actor: audit.Actor{Type: "user", ID: seller}, Subject: audit.Subject{Type: "trade", ID: id}}); err != nil {
			return err
		}
		r.attempts.Add(1)
		err := Outcome(ctx, r.f.st, lock, tx.Exec(ctx))
		if errors.Is(err, store.ErrConflict) {
			r.retries.Add(1)
			continue
		}
		return err
	}
}

// act is one request: read the trade, decide, write the new state with the ledger
// transaction of its effect and its audit record, on the version read; on a conflict,
// read again and decide again. It reports whether this request's transition committed.
func (r *race) act(ctx context.Context, id string, a escrow.Action, by escrow.Actor, now time.Time) (bool, error) {
	key := store.TradeKey(r.tenant, id)
	for {
		var it tradeItem
		if err := r.f.st.Get(ctx, key, &it); err != nil {
			return false, err
		}
		tr := it.trade()
		d, err := escrow.Decide(tr, a, by, now, r.policy)
		if err != nil {
			return false, nil // lost the race, or never allowed: nothing written
		}
		next := escrow.Apply(tr, d, by, now, r.policy)
		if next.Dispute != nil && next.Dispute.Mediator == "" {
			next.Dispute.Mediator = "m1" // taken at once, for the race below
		}
		tx := r.f.st.Tx()
		tx.Update(key, it.Version, itemOfTrade(next))
		var lt *Transaction
		switch d.Effect {
		case escrow.EffectRelease:
			x := r.funds(tr).Release(now)
			lt = &x
		case escrow.EffectRefund:
			x := r.funds(tr).Refund(now)
			lt = &x
		}
		if lt != nil {
			if err := Stage(tx, *lt); err != nil {
				return false, err
			}
		}
		if _, err := r.log.Stage(tx, r.tenant, audit.Record{Action: "trade." + string(a), Actor: audit.Actor{Type: string(by.Role), ID: by.ID}, Subject: audit.Subject{Type: "trade", ID: id}}); err != nil {
			return false, err
		}
		r.attempts.Add(1)
		err = tx.Exec(ctx)
		if failedVersion(err, key) {
			// The trade moved first: decide again on what it is now. Checked before the
			// ledger's outcome, which would call a refund another request already made of
			// the same content a replay.
			r.retries.Add(1)
			continue
		}
		if lt != nil {
			err = Outcome(ctx, r.f.st, *lt, err)
		}
		switch {
		case err == nil:
			r.mu.Lock()
			r.wins[id] = append(r.wins[id], a)
			if lt != nil {
				r.moves[id]++
			}
			r.mu.Unlock()
			return true, nil
		case errors.Is(err, store.ErrConflict):
			r.retries.Add(1)
			continue
		}
		return false, fmt.Errorf("%s %s: %w", id, a, err)
	}
}

// TestRacingTransitionsSettleEachTradeExactlyOnce opens many trades on a few shared
// sellers at once (some fail for funds), then fires competing transitions at every trade
// at the same instant: mark_paid, cancel and expire on the open trades; release,
// open_dispute and confirm_timeout on the paid ones; the mediator's verdict against the
// seller's concession on the disputed ones. Every request runs the real path: read,
// Decide, one TransactWriteItems with the trade's version, the ledger transaction and
// the audit record. Afterwards each trade moved its escrow out at most once and only in
// a final state, and the verifier finds the ledger and the trades' escrow sound.
func TestRacingTransitionsSettleEachTradeExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test")
	}
	f := setup(t)
	ctx := context.Background()
	const tn store.TenantID = "acme"
	const sellers, buyers, trades, workers = 4, 6, 200, 24
	r := &race{f: f, log: audit.New(f.db, f.table), tenant: tn, wins: map[string][]escrow.Action{}, moves: map[string]int{},
		policy: escrow.Policy{FourEyesAbove: map[string]*big.Int{"USDT": big.NewInt(1_000_000)}}}
	var users []string
	for i := range sellers {
		users = append(users, fmt.Sprintf("s%d", i))
	}
	for i := range buyers {
		users = append(users, fmt.Sprintf("b%d", i))
	}
	f.users(t, tn, users...)
	deposited := int64(0)
	for i := range sellers {
		f.deposit(t, tn, fmt.Sprintf("fund%d", i), fmt.Sprintf("s%d", i), "USDT", 1_000)
		deposited += 1_000
	}
	// A buyer holds funds too, which no trade may touch.
	f.deposit(t, tn, "fundb0", "b0", "USDT", 77)
	deposited += 77

	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	start := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	type spec struct {
		id            string
		seller, buyer string
		amount        int64
	}
	specs := make([]spec, trades)
	for i := range specs {
		specs[i] = spec{fmt.Sprintf("tr%03d", i), fmt.Sprintf("s%d", i%sellers), fmt.Sprintf("b%d", i%buyers), 1 + rng.Int64N(40)}
	}
	parallel := func(n int, fn func(i int)) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, workers)
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				fn(i)
			}()
		}
		wg.Wait()
	}
	var opened, refused atomic.Int64
	openedOK := make([]bool, trades)
	parallel(trades, func(i int) {
		s := specs[i]
		err := r.open(ctx, s.id, s.seller, s.buyer, s.amount, t0)
		switch fe, _ := failure.As(err); {
		case err == nil:
			opened.Add(1)
			openedOK[i] = true
		case fe != nil && fe.Code == CodeInsufficientFunds:
			refused.Add(1)
		default:
			t.Errorf("open %s: %v", s.id, err)
		}
	})
	if opened.Load() == 0 || refused.Load() == 0 {
		t.Fatalf("opened %d, refused %d: the test wants both", opened.Load(), refused.Load())
	}

	// Round 1 on escrow_locked: mark_paid (just in time), cancel, expire (just due).
	deadline := t0.Add(30 * time.Minute)
	round := func(actions func(s spec) []func() (bool, error)) {
		var jobs []func() (bool, error)
		for i, s := range specs {
			if openedOK[i] {
				jobs = append(jobs, actions(s)...)
			}
		}
		rng.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
		parallel(len(jobs), func(i int) {
			if _, err := jobs[i](); err != nil {
				t.Error(err)
			}
		})
	}
	round(func(s spec) []func() (bool, error) {
		buyer := escrow.Actor{Role: escrow.Buyer, ID: s.buyer}
		return []func() (bool, error){
			func() (bool, error) { return r.act(ctx, s.id, escrow.MarkPaid, buyer, deadline.Add(-time.Millisecond)) },
			func() (bool, error) { return r.act(ctx, s.id, escrow.Cancel, buyer, deadline.Add(-time.Millisecond)) },
			func() (bool, error) {
				return r.act(ctx, s.id, escrow.Expire, escrow.Actor{Role: escrow.System, ID: "timer"}, deadline)
			},
			func() (bool, error) { // the timer fires twice
				return r.act(ctx, s.id, escrow.Expire, escrow.Actor{Role: escrow.System, ID: "timer"}, deadline.Add(time.Second))
			},
		}
	})
	// Round 2 on paid: release, open_dispute (buyer), confirm_timeout.
	late := t0.Add(24 * time.Hour)
	// The seller releases on every other trade only: a release that loses to a dispute
	// is re-decided and still goes through (the seller concedes), so on the others the
	// dispute must stand for round 3.
	round(func(s spec) []func() (bool, error) {
		jobs := []func() (bool, error){
			func() (bool, error) {
				return r.act(ctx, s.id, escrow.OpenDispute, escrow.Actor{Role: escrow.Buyer, ID: s.buyer}, late)
			},
			func() (bool, error) {
				return r.act(ctx, s.id, escrow.ConfirmTimeout, escrow.Actor{Role: escrow.System, ID: "timer"}, late)
			},
		}
		if s.amount%2 == 0 {
			jobs = append(jobs, func() (bool, error) {
				return r.act(ctx, s.id, escrow.Release, escrow.Actor{Role: escrow.Seller, ID: s.seller}, late)
			})
		}
		return jobs
	})
	// Round 3 on disputed: verdicts both ways against the seller's concession. One
	// trade in four stays disputed (no verdict sent) to check open escrow.
	round(func(s spec) []func() (bool, error) {
		var n int
		fmt.Sscanf(s.id, "tr%d", &n)
		if n%4 == 0 {
			return nil
		}
		med := escrow.Actor{Role: escrow.Mediator, ID: "m1"}
		return []func() (bool, error){
			func() (bool, error) { return r.act(ctx, s.id, escrow.VerdictRelease, med, late) },
			func() (bool, error) { return r.act(ctx, s.id, escrow.VerdictRefund, med, late) },
			func() (bool, error) {
				return r.act(ctx, s.id, escrow.Release, escrow.Actor{Role: escrow.Seller, ID: s.seller}, late)
			},
		}
	})
	elapsed := time.Since(start)

	// Exactly once: each trade moved its escrow out at most once, and exactly once if
	// and only if it is in a final state.
	var list []TradeEscrow
	states := map[string]int{}
	for i, s := range specs {
		if !openedOK[i] {
			continue
		}
		var it tradeItem
		if err := f.st.Get(ctx, store.TradeKey(tn, s.id), &it); err != nil {
			t.Fatal(err)
		}
		st := escrow.State(it.State)
		states[it.State]++
		if want := map[bool]int{true: 1, false: 0}[st.Final()]; r.moves[s.id] != want {
			t.Errorf("%s in %s moved its escrow %d times (transitions %v)", s.id, st, r.moves[s.id], r.wins[s.id])
		}
		list = append(list, TradeEscrow{ID: s.id, Seller: s.seller, Asset: "USDT", Amount: AmountOf(s.amount), Open: !st.Final()})
	}
	rep := f.verify(t, tn, list)
	if !rep.OK() || rep.Unsettled != 0 {
		t.Fatalf("verifier: %+v", rep.Problems)
	}
	if u := rep.Assets["USDT"]; !u.Users.Equal(AmountOf(deposited)) || !u.External.Equal(AmountOf(-deposited)) {
		t.Fatalf("totals %+v, deposited %d", u, deposited)
	}
	if got := f.balances(t, tn, "b0"); got == "" {
		t.Fatal("b0 has no balance")
	}
	wins := map[string]int{}
	for _, ws := range r.wins {
		for _, w := range ws {
			wins[string(w)]++
		}
	}
	t.Logf("transitions committed: %v", wins)
	t.Logf("%d trades opened, %d refused for funds; final states %v; %d TransactWriteItems sent (%d conflicts retried) in %s (%.0f/s); verifier: %d transactions, %d entries, %d accounts in %s",
		opened.Load(), refused.Load(), states, r.attempts.Load(), r.retries.Load(), elapsed.Round(time.Millisecond),
		float64(r.attempts.Load())/elapsed.Seconds(), rep.Transactions, rep.Entries, rep.Accounts, rep.Duration.Round(time.Millisecond))
}

// TestReleaseAndRefundOfOneTradeCannotBothCommit bypasses the state machine: requests
// staging a release and a refund of the same trade race straight at the ledger. The
// shared settle id lets exactly one of them commit.
func TestReleaseAndRefundOfOneTradeCannotBothCommit(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const tn store.TenantID = "acme"
	f.users(t, tn, "s", "b")
	f.deposit(t, tn, "fund", "s", "BTC", 100)
	funds := TradeFunds{Tenant: tn, TradeID: "tr1", Seller: "s", Buyer: "b", Asset: "BTC", Amount: AmountOf(60)}
	tx := f.st.Tx()
	if err := Stage(tx, funds.Lock(f.now())); err != nil {
		t.Fatal(err)
	}
	if err := tx.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var committed, replayed, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			settle := funds.Release(f.now())
			if i%2 == 1 {
				settle = funds.Refund(f.now())
			}
			for {
				tx := f.st.Tx()
				if err := Stage(tx, settle); err != nil {
					t.Error(err)
					return
				}
				err := Outcome(ctx, f.st, settle, tx.Exec(ctx))
				switch fe, _ := failure.As(err); {
				case err == nil:
					committed.Add(1)
				case errors.Is(err, ErrReplayed):
					replayed.Add(1)
				case fe != nil && (fe.Code == CodeIDConflict || fe.Code == CodeInsufficientFunds):
					refused.Add(1)
				case errors.Is(err, store.ErrConflict):
					continue
				default:
					t.Error(err)
				}
				return
			}
		}()
	}
	wg.Wait()
	if committed.Load() != 1 || committed.Load()+replayed.Load()+refused.Load() != 16 {
		t.Fatalf("committed %d, replayed %d, refused %d", committed.Load(), replayed.Load(), refused.Load())
	}
	b := f.balances(t, tn, "s") + " | " + f.balances(t, tn, "b")
	if b != "BTC/available=40 BTC/escrow=0 | BTC/available=60" && b != "BTC/available=100 BTC/escrow=0 | " {
		t.Fatalf("balances: %s", b)
	}
	if r := f.verify(t, tn, []TradeEscrow{{ID: "tr1", Seller: "s", Asset: "BTC", Amount: AmountOf(60), Open: false}}); !r.OK() {
		t.Fatalf("verifier: %+v", r.Problems)
	}
}

func failedVersion(err error, key store.Key) bool {
	var te *store.TxError
	if !errors.As(err, &te) {
		return false
	}
	for _, f := range te.Failures {
		if f.Key == key {
			return true
		}
	}
	return false
}

// TestConcurrentMovementsOnOneAccountCountExactlyOnce sends deposits and withdrawals on
// one user's account from many goroutines, every request twice (a client retrying), so
// that balance items contend and ids replay at once. Each id is applied once, no
// withdrawal overdraws, and the verifier agrees.
func TestConcurrentMovementsOnOneAccountCountExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test")
	}
	f := setup(t)
	ctx := context.Background()
	const tn store.TenantID = "acme"
	const n, workers = 120, 16
	f.users(t, tn, "alice")
	f.deposit(t, tn, "seed", "alice", "BTC", 100)
	var applied, replayed, refused atomic.Int64
	var net atomic.Int64
	net.Store(100)
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i := range 2 * n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			k := i / 2 // each request twice
			amount := int64(1 + k%7)
			if k%3 == 0 {
				amount *= 9 // withdrawals large enough that some find the funds short
			}
			m := Movement{ID: fmt.Sprintf("m%d", k), User: "alice", Asset: "BTC", Amount: AmountOf(amount)}
			var rc Receipt
			var err error
			if k%3 == 0 {
				rc, err = f.svc.Withdraw(ctx, custody, tn, m)
			} else {
				rc, err = f.svc.Deposit(ctx, custody, tn, m)
			}
			switch {
			case err == nil && rc.Replayed:
				replayed.Add(1)
			case err == nil:
				applied.Add(1)
				if k%3 == 0 {
					net.Add(-amount)
				} else {
					net.Add(amount)
				}
			case code(err) == CodeInsufficientFunds:
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if applied.Load() > n || refused.Load() == 0 || applied.Load()+replayed.Load()+refused.Load() != 2*n {
		t.Fatalf("applied %d, replayed %d, refused %d of %d requests", applied.Load(), replayed.Load(), refused.Load(), 2*n)
	}
	want := fmt.Sprintf("BTC/available=%d", net.Load())
	if got := f.balances(t, tn, "alice"); got != want {
		t.Fatalf("balance %s, want %s", got, want)
	}
	r := f.verify(t, tn, nil)
	if !r.OK() || r.Transactions != int(applied.Load())+1 {
		t.Fatalf("verifier: %d transactions, %+v", r.Transactions, r.Problems)
	}
	t.Logf("%d requests (%d applied, %d replays answered, %d refused for funds) on one account in %s: %.0f requests/s",
		2*n, applied.Load(), replayed.Load(), refused.Load(), elapsed.Round(time.Millisecond), float64(2*n)/elapsed.Seconds())
}
