package escrow

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

const window = 30 * time.Minute

var policy = Policy{FourEyesAbove: map[string]*big.Int{"BTC": big.NewInt(1_000_000)}}

// actorOf is the right person for each role in the fixtures below.
func actorOf(r Role) Actor {
	switch r {
	case Buyer:
		return Actor{r, "b"}
	case Seller:
		return Actor{r, "s"}
	case Mediator:
		return Actor{r, "m1"}
	case Approver:
		return Actor{r, "a1"}
	case Staff:
		return Actor{r, "st"}
	}
	return Actor{r, "timer"}
}

// facts is one point of the fact space the exhaustive test walks.
type facts struct {
	at         int // 0 before the payment deadline, 1 after it, 2 after the confirm deadline
	buyerPOL   ProofStatus
	sellerPOL  ProofStatus // requested by the buyer
	restricted Role        // "", buyer or seller
	large      bool        // above the four-eyes threshold
	dispute    int         // 0 none, 1 untaken, 2 taken by m1, 3 escalated and taken by m1
	proposal   Action      // "", verdict_release, verdict_refund, hold_release, hold_refund
	proposer   string
	defaults   int // DefaultLoss on and 1: the buyer, 2: the seller missed an evidence deadline
	heldFrom   State
}

func (f facts) build(s State) (Trade, time.Time, Policy) {
	amount := big.NewInt(500)
	if f.large {
		amount = big.NewInt(2_000_000)
	}
	tr := Open(Trade{ID: "tr1", Seller: "s", Buyer: "b", Asset: "BTC", Amount: amount}, window, t0)
	tr.State = s
	tr.PaidAt = t0.Add(10 * time.Minute)
	tr.ConfirmDeadline = tr.PaidAt.Add(12 * time.Hour)
	now := []time.Time{t0.Add(5 * time.Minute), t0.Add(time.Hour), t0.Add(13 * time.Hour)}[f.at]
	if f.buyerPOL != "" {
		tr.Proofs = append(tr.Proofs, ProofOfLife{ID: "p1", Subject: Buyer, Requester: Seller, Status: f.buyerPOL})
	}
	if f.sellerPOL != "" {
		tr.Proofs = append(tr.Proofs, ProofOfLife{ID: "p2", Subject: Seller, Requester: Buyer, Status: f.sellerPOL})
	}
	tr.BuyerRestricted, tr.SellerRestricted = f.restricted == Buyer, f.restricted == Seller
	p := policy
	if f.dispute > 0 {
		d := Dispute{ID: "d1", OpenedBy: Buyer, Reason: ReasonPaidNotReleased, OpenedAt: t0.Add(20 * time.Minute)}
		if f.dispute >= 2 {
			d.Mediator, d.TakenAt = "m1", t0.Add(25*time.Minute)
		}
		if f.dispute == 3 {
			d.Escalated, d.EscalatedAt = true, t0.Add(50*time.Hour)
		}
		if f.defaults > 0 {
			from := []Role{Buyer, Seller}[f.defaults-1]
			d.Evidence = []EvidenceRequest{{ID: "e1", From: from, By: "m1", RequestedAt: t0, Deadline: t0.Add(time.Minute)}}
		}
		tr.Dispute = &d
	}
	p.DefaultLoss = f.defaults > 0
	if f.proposal != "" {
		tr.Proposal = &Proposal{Action: f.proposal, By: f.proposer, At: now}
	}
	if s == OnHold {
		tr.HeldFrom, tr.HeldAt = f.heldFrom, t0.Add(15*time.Minute)
	}
	return tr, now, p
}

// factSpace is the facts worth varying in state s: disputes, proposals and default
// losses only where a dispute or a hold is decided.
func factSpace(s State) []facts {
	type prop struct {
		a  Action
		by string
	}
	disputes, props, defaults, held := []int{0}, []prop{{}}, []int{0}, []State{Locked}
	if s == Disputed || s == OnHold {
		disputes = []int{0, 1, 2, 3}
		props = []prop{{}, {VerdictRelease, "m1"}, {VerdictRefund, "a1"}, {HoldRelease, "st"}, {HoldRefund, "a1"}}
		defaults = []int{0, 1, 2}
	}
	if s == OnHold {
		held = []State{Locked, Paid, Disputed}
	}
	var out []facts
	for at := range 3 {
		for _, bp := range []ProofStatus{"", ProofPending, ProofFailed, ProofPassed} {
			for _, sp := range []ProofStatus{"", ProofPending, ProofFailed} {
				for _, r := range []Role{"", Buyer, Seller} {
					for _, large := range []bool{false, true} {
						for _, dispute := range disputes {
							for _, pr := range props {
								for _, def := range defaults {
									for _, hf := range held {
										out = append(out, facts{at, bp, sp, r, large, dispute, pr.a, pr.by, def, hf})
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

// TestEveryStateActionAndRoleIsDecidedByTheTableAndItsGuards walks every (state, action,
// role) over a space of facts and checks each answer against the rules read off the
// issue, independently of how Decide is written; then that every row and role of the
// table is reachable.
func TestEveryStateActionAndRoleIsDecidedByTheTableAndItsGuards(t *testing.T) {
	var mu sync.Mutex
	reached := map[string]bool{}
	calls := 0
	t.Run("states", func(t *testing.T) {
		for _, s := range States {
			t.Run(string(s), func(t *testing.T) {
				t.Parallel()
				space, n := factSpace(s), 0
				for _, a := range Actions {
					for _, r := range Roles {
						for _, f := range space {
							tr, now, p := f.build(s)
							d, err := Decide(tr, a, actorOf(r), now, p)
							n++
							if msg := judge(tr, a, r, now, p, f, d, err); msg != "" {
								t.Fatalf("%s %s by %s with %+v: %s (err %v)", s, a, r, f, msg, err)
							}
							if err == nil {
								mu.Lock()
								reached[fmt.Sprint(d.From, d.Action, d.To, r)] = true
								mu.Unlock()
							}
						}
					}
				}
				mu.Lock()
				calls += n
				mu.Unlock()
			})
		}
	})
	for _, row := range table {
		for _, r := range row.By {
			if !reached[fmt.Sprint(row.From, row.Action, row.To, r)] {
				t.Errorf("%s -%s-> %s by %s is never allowed", row.From, row.Action, row.To, r)
			}
		}
	}
	t.Logf("%d decisions", calls)
}

// judge returns what is wrong with Decide's answer, or "".
func judge(tr Trade, a Action, r Role, now time.Time, p Policy, f facts, d Decision, err error) string {
	var row *Transition
	for i := range table {
		if table[i].From == tr.State && table[i].Action == a && (a != Unhold || table[i].To == tr.HeldFrom) {
			row = &table[i]
		}
	}
	if row == nil {
		if !errors.Is(err, ErrNotAllowed) {
			return "not in the table, so not allowed"
		}
		return ""
	}
	if !slices.Contains(row.By, r) {
		if !errors.Is(err, ErrForbidden) {
			return "role not in the row, so forbidden"
		}
		return ""
	}
	if err != nil {
		return "" // refusals are checked by the named tests; what matters here is what passes
	}
	if d.Transition.From != row.From || d.To != row.To || d.Effect != row.Effect {
		return "not the row's transition"
	}
	party := r == Buyer || r == Seller
	_ = party
	four := p.NeedsFourEyes(tr.Asset, tr.Amount)
	buyerBlocked := f.buyerPOL == ProofPending || f.buyerPOL == ProofFailed
	sellerBlocked := f.sellerPOL == ProofPending || f.sellerPOL == ProofFailed
	switch {
	case party && f.restricted != "":
		return "a party acted while a party is restricted"
	case d.Effect == EffectRelease && buyerBlocked:
		return "released to a buyer with an outstanding proof of life"
	case a == MarkPaid && !now.Before(tr.PaymentDeadline):
		return "marked paid after the deadline"
	case a == Expire && now.Before(tr.PaymentDeadline):
		return "expired early"
	case a == ConfirmTimeout && now.Before(tr.ConfirmDeadline):
		return "confirm timeout early"
	case a == OpenDispute && r == Seller && now.Before(tr.PaymentDeadline):
		return "seller disputed within the payment window"
	case a == Cancel && r == Seller && !buyerBlocked:
		return "the seller cancelled without a proof-of-life excuse"
	case a == Cancel && r == Buyer && (d.Penalized == "") != sellerBlocked:
		return "the buyer's penalty does not follow the proof of life they asked for"
	case a == Hold && f.restricted == "":
		return "held without a restriction"
	case a == Unhold && f.restricted != "":
		return "unheld while restricted"
	case (a == VerdictRelease || a == VerdictRefund) && r == Mediator && (f.dispute < 2):
		return "a verdict by a mediator not assigned"
	case (a == VerdictRelease || a == VerdictRefund) && r == System && (f.defaults == 0 || (a == VerdictRefund) != (f.defaults == 1)):
		return "a system verdict without a default loss against the losing party"
	}
	staffDecision := a == VerdictRelease || a == VerdictRefund || a == HoldRelease || a == HoldRefund
	if staffDecision && four {
		if r != Approver || d.Approved == nil || d.Approved.By == "a1" || d.Approved.Action != a || (tr.Dispute != nil && tr.Dispute.Mediator == "a1") {
			return "four eyes broken"
		}
	}
	if r == Approver && (a == VerdictRelease || a == VerdictRefund) && d.Approved == nil && !(f.dispute == 3 && !four) {
		return "an approver decided a dispute alone that is not theirs"
	}
	next := Apply(tr, d, actorOf(r), now, p)
	if next.State != row.To || next.Proposal != nil || next.State.Final() != !next.ClosedAt.IsZero() {
		return "Apply did not follow the decision"
	}
	return ""
}

func TestNamedGuards(t *testing.T) {
	base := Open(Trade{ID: "tr1", Seller: "s", Buyer: "b", Asset: "BTC", Amount: big.NewInt(500)}, window, t0)
	paid := func() Trade {
		d, err := Decide(base, MarkPaid, Actor{Buyer, "b"}, t0.Add(time.Minute), policy)
		if err != nil {
			t.Fatal(err)
		}
		return Apply(base, d, Actor{Buyer, "b"}, t0.Add(time.Minute), policy)
	}()
	disputed := func() Trade {
		d, _ := Decide(paid, OpenDispute, Actor{Buyer, "b"}, t0.Add(2*time.Minute), policy)
		tr := Apply(paid, d, Actor{Buyer, "b"}, t0.Add(2*time.Minute), policy)
		dd, _ := tr.Dispute.Take("m1", false, t0.Add(3*time.Minute))
		tr.Dispute = &dd
		return tr
	}()
	withProof := func(tr Trade, subject, requester Role, st ProofStatus) Trade {
		tr.Proofs = append(slices.Clone(tr.Proofs), ProofOfLife{Subject: subject, Requester: requester, Status: st})
		return tr
	}
	large := func(tr Trade) Trade { tr.Amount = big.NewInt(5_000_000); return tr }
	cases := []struct {
		name string
		tr   Trade
		a    Action
		by   Actor
		at   time.Duration
		want error
	}{
		{"someone else cannot mark the buyer's trade paid", base, MarkPaid, Actor{Buyer, "mallory"}, time.Minute, ErrForbidden},
		{"the seller cannot mark paid", base, MarkPaid, Actor{Seller, "s"}, time.Minute, ErrForbidden},
		{"paid after the window is too late", base, MarkPaid, Actor{Buyer, "b"}, window, ErrTooLate},
		{"expiry within the window is too early", base, Expire, Actor{System, "timer"}, window - time.Second, ErrTooEarly},
		{"expiry at the deadline is allowed", base, Expire, Actor{System, "timer"}, window, nil},
		{"expiry fired again after it cancelled is not allowed", func() Trade { x := base; x.State = Cancelled; return x }(), Expire, Actor{System, "timer"}, window, ErrNotAllowed},
		{"expiry after paid is not allowed", paid, Expire, Actor{System, "timer"}, window, ErrNotAllowed},
		{"the buyer cannot cancel after paid", paid, Cancel, Actor{Buyer, "b"}, 5 * time.Minute, ErrNotAllowed},
		{"the seller cannot cancel without a proof-of-life excuse", base, Cancel, Actor{Seller, "s"}, time.Minute, ErrNoCancelExcuse},
		{"the seller cancels over the buyer's failed proof they asked for", withProof(base, Buyer, Seller, ProofFailed), Cancel, Actor{Seller, "s"}, time.Minute, nil},
		{"release is blocked by the buyer's pending proof", withProof(paid, Buyer, Seller, ProofPending), Release, Actor{Seller, "s"}, 5 * time.Minute, ErrProofOfLife},
		{"release is allowed once a newer proof passed", withProof(withProof(paid, Buyer, Seller, ProofFailed), Buyer, Seller, ProofPassed), Release, Actor{Seller, "s"}, 5 * time.Minute, nil},
		{"the seller's own pending proof does not block release to the buyer", withProof(paid, Seller, Buyer, ProofPending), Release, Actor{Seller, "s"}, 5 * time.Minute, nil},
		{"the seller cannot dispute within the payment window", paid, OpenDispute, Actor{Seller, "s"}, 5 * time.Minute, ErrTooEarly},
		{"the seller disputes once the window ran out", paid, OpenDispute, Actor{Seller, "s"}, window, nil},
		{"the buyer disputes right after paid", paid, OpenDispute, Actor{Buyer, "b"}, 2 * time.Minute, nil},
		{"a dispute before paid is not allowed", base, OpenDispute, Actor{Buyer, "b"}, 2 * time.Minute, ErrNotAllowed},
		{"confirm timeout before its deadline", paid, ConfirmTimeout, Actor{System, "timer"}, 12 * time.Hour, ErrTooEarly},
		{"confirm timeout at its deadline", paid, ConfirmTimeout, Actor{System, "timer"}, 12*time.Hour + time.Minute, nil},
		{"a party cannot act while restricted", func() Trade { x := paid; x.SellerRestricted = true; return x }(), Release, Actor{Seller, "s"}, 5 * time.Minute, ErrRestricted},
		{"hold needs a restriction", paid, Hold, Actor{System, "restrictions"}, 5 * time.Minute, ErrNotRestricted},
		{"another analyst cannot give the verdict", disputed, VerdictRefund, Actor{Mediator, "m2"}, 5 * time.Minute, ErrNotAssigned},
		{"the mediator decides a small amount alone", disputed, VerdictRefund, Actor{Mediator, "m1"}, 5 * time.Minute, nil},
		{"the mediator needs an approver above the threshold", large(disputed), VerdictRefund, Actor{Mediator, "m1"}, 5 * time.Minute, ErrNeedsApproval},
		{"an approver without a proposal does not bypass the mediator", large(disputed), VerdictRefund, Actor{Approver, "a1"}, 5 * time.Minute, ErrForbidden},
		{"the system gives no verdict without a default-loss policy", disputed, VerdictRefund, Actor{System, "timer"}, 5 * time.Minute, ErrNoDefault},
		{"a verdict release waits for the buyer's proof", withProof(disputed, Buyer, Seller, ProofFailed), VerdictRelease, Actor{Mediator, "m1"}, 5 * time.Minute, ErrProofOfLife},
		{"the seller may concede during a dispute", disputed, Release, Actor{Seller, "s"}, 5 * time.Minute, nil},
		{"the buyer cannot cancel a dispute", disputed, Cancel, Actor{Buyer, "b"}, 5 * time.Minute, ErrNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decide(c.tr, c.a, c.by, t0.Add(c.at), policy)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestAVerdictAboveTheThresholdTakesTwoPeople(t *testing.T) {
	tr := Open(Trade{ID: "tr1", Seller: "s", Buyer: "b", Asset: "BTC", Amount: big.NewInt(5_000_000)}, window, t0)
	tr.State, tr.Dispute = Disputed, &Dispute{ID: "d1", OpenedAt: t0, Mediator: "m1", TakenAt: t0}
	now := t0.Add(time.Hour)
	proposed, err := Propose(tr, VerdictRelease, Actor{Mediator, "m1"}, "receipt matches the bank statement", now, policy)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decide(proposed, VerdictRelease, Actor{Approver, "m1"}, now, policy); !errors.Is(err, ErrSameApprover) {
		t.Fatalf("the mediator approving their own verdict: %v", err)
	}
	if _, err := Decide(proposed, VerdictRefund, Actor{Approver, "a1"}, now, policy); !errors.Is(err, ErrForbidden) {
		t.Fatalf("an approver giving the other verdict: %v", err)
	}
	d, err := Decide(proposed, VerdictRelease, Actor{Approver, "a1"}, now, policy)
	if err != nil || d.Approved == nil || d.Approved.By != "m1" || d.To != ResolvedRelease {
		t.Fatalf("approval: %+v %v", d, err)
	}
	if _, err := Propose(tr, VerdictRelease, Actor{Mediator, "m1"}, "", now, Policy{FourEyesAbove: map[string]*big.Int{"BTC": big.NewInt(1e9)}}); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("a proposal where the mediator decides alone: %v", err)
	}
	// An asset without a threshold always needs four eyes.
	tr.Asset = "DOGE"
	tr.Amount = big.NewInt(1)
	if _, err := Decide(tr, VerdictRelease, Actor{Mediator, "m1"}, now, policy); !errors.Is(err, ErrNeedsApproval) {
		t.Fatalf("an asset without a threshold: %v", err)
	}
}

func TestADisputeEscalatesWhenItsSLAIsMissedAndDefaultLossIsOptIn(t *testing.T) {
	p := policy.withDefaults()
	d := Dispute{ID: "d1", OpenedAt: t0}
	if _, due := d.EscalationDue(t0.Add(p.TakeWithin), p); due {
		t.Fatal("escalated at the SLA's edge")
	}
	if _, err := d.Escalate(t0.Add(time.Hour), p); !errors.Is(err, ErrNotEscalatable) {
		t.Fatal("escalated within the SLA")
	}
	esc, err := d.Escalate(t0.Add(p.TakeWithin+time.Second), p)
	if err != nil || !esc.Escalated || esc.EscalationReason != "not_taken" {
		t.Fatalf("%+v %v", esc, err)
	}
	if _, err := esc.Escalate(t0.Add(p.TakeWithin+time.Minute), p); !errors.Is(err, ErrNotEscalatable) {
		t.Fatal("a timer firing twice escalated twice")
	}
	taken, _ := d.Take("m1", false, t0.Add(time.Minute))
	if _, err := taken.Take("m2", false, t0.Add(2*time.Minute)); !errors.Is(err, ErrTaken) {
		t.Fatal("a taken dispute was taken again")
	}
	if why, due := taken.EscalationDue(t0.Add(time.Minute+p.DecideWithin+time.Second), p); !due || why != "not_decided" {
		t.Fatal("an undecided dispute did not escalate")
	}
	// Evidence: the deadline within the window, from a party, by the mediator.
	if _, err := taken.RequestEvidence(Actor{Mediator, "m1"}, "e1", Buyer, t0.Add(10*time.Minute), t0, p); !errors.Is(err, ErrBadDeadline) {
		t.Fatal("a ten-minute deadline was accepted")
	}
	if _, err := taken.RequestEvidence(Actor{Mediator, "m2"}, "e1", Buyer, t0.Add(2*time.Hour), t0, p); !errors.Is(err, ErrNotMediator) {
		t.Fatal("another analyst requested evidence")
	}
	withReq, err := taken.RequestEvidence(Actor{Mediator, "m1"}, "e1", Buyer, t0.Add(2*time.Hour), t0, p)
	if err != nil {
		t.Fatal(err)
	}
	late := t0.Add(3 * time.Hour)
	if _, ok := withReq.DefaultLoser(late, p); ok {
		t.Fatal("a default loss without the policy")
	}
	on := p
	on.DefaultLoss = true
	if loser, ok := withReq.DefaultLoser(late, on); !ok || loser != Buyer {
		t.Fatal("the silent buyer did not lose by default under the policy")
	}
	answered, _ := withReq.Answer(Buyer, "e1", t0.Add(time.Hour))
	if _, ok := answered.DefaultLoser(late, on); ok {
		t.Fatal("a party that answered in time lost by default")
	}
	// The system executes the default loss (below the threshold).
	tr := Open(Trade{ID: "tr1", Seller: "s", Buyer: "b", Asset: "BTC", Amount: big.NewInt(5)}, window, t0)
	tr.State, tr.Dispute = Disputed, &withReq
	if _, err := Decide(tr, VerdictRelease, Actor{System, "timer"}, late, on); !errors.Is(err, ErrNoDefault) {
		t.Fatal("the silent buyer won by default")
	}
	if d, err := Decide(tr, VerdictRefund, Actor{System, "timer"}, late, on); err != nil || d.To != ResolvedRefund {
		t.Fatalf("default loss: %v", err)
	}
}

func TestAHoldPausesTheTradeAndUnholdResumesItWithItsTime(t *testing.T) {
	tr := Open(Trade{ID: "tr1", Seller: "s", Buyer: "b", Asset: "BTC", Amount: big.NewInt(5)}, window, t0)
	tr.BuyerRestricted = true
	d, err := Decide(tr, Hold, Actor{System, "restrictions"}, t0.Add(10*time.Minute), policy)
	if err != nil {
		t.Fatal(err)
	}
	held := Apply(tr, d, Actor{System, "restrictions"}, t0.Add(10*time.Minute), policy)
	if held.State != OnHold || held.HeldFrom != Locked {
		t.Fatalf("%+v", held)
	}
	if _, ok := Overdue(held, t0.Add(24*time.Hour), policy); ok {
		t.Fatal("a held trade within its review SLA is overdue")
	}
	if duty, ok := Overdue(held, t0.Add(80*time.Hour), policy); !ok || duty.Owner != Staff {
		t.Fatal("a held trade past its review SLA is not listed")
	}
	if _, err := Decide(held, Unhold, Actor{Staff, "st"}, t0.Add(2*time.Hour), policy); !errors.Is(err, ErrRestricted) {
		t.Fatal("unheld while restricted")
	}
	held.BuyerRestricted = false
	d, err = Decide(held, Unhold, Actor{Staff, "st"}, t0.Add(2*time.Hour+10*time.Minute), policy)
	if err != nil || d.To != Locked {
		t.Fatal(d, err)
	}
	back := Apply(held, d, Actor{Staff, "st"}, t0.Add(2*time.Hour+10*time.Minute), policy)
	// Held for two hours: the payment deadline moved by two hours.
	if !back.PaymentDeadline.Equal(t0.Add(window + 2*time.Hour)) {
		t.Fatalf("payment deadline %s", back.PaymentDeadline)
	}
	if _, err := Decide(back, Expire, Actor{System, "timer"}, t0.Add(window+time.Hour), policy); !errors.Is(err, ErrTooEarly) {
		t.Fatal("the original expiry timer, firing late, cancelled a resumed trade")
	}
}

func TestEveryOpenTradeHasADutyAndOverdueOnesAreListed(t *testing.T) {
	tr := Open(Trade{ID: "tr1", Seller: "s", Buyer: "b", Asset: "BTC", Amount: big.NewInt(5)}, window, t0)
	if _, ok := Overdue(tr, t0.Add(window+10*time.Minute), policy); ok {
		t.Fatal("overdue within the grace")
	}
	if duty, ok := Overdue(tr, t0.Add(window+time.Hour), policy); !ok || duty.Action != Expire {
		t.Fatal("an escrow_locked trade past its window is not listed")
	}
	disputed := tr
	disputed.State, disputed.Dispute = Disputed, &Dispute{OpenedAt: t0}
	if duty, ok := Overdue(disputed, t0.Add(3*time.Hour), policy); !ok || duty.Owner != Mediator {
		t.Fatal("an untaken dispute past its SLA is not listed")
	}
	for _, s := range States {
		x := tr
		x.State, x.Dispute = s, &Dispute{OpenedAt: t0}
		if _, ok := Overdue(x, t0.Add(1000*time.Hour), policy); ok == s.Final() {
			t.Errorf("%s: overdue %t", s, ok)
		}
	}
}
