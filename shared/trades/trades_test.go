package trades

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/ledger"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/store"
)

func TestATradeLocksThenReleasesToTheBuyer(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	seller, buyer := f.user(t, 1, 500_000_000), f.user(t, 2, 0)
	tr := f.open(t, seller, buyer, 100_000_000)
	if tr.State != "escrow_locked" || f.balance(t, seller, "available") != "400000000" || f.balance(t, seller, "escrow") != "100000000" {
		t.Fatalf("opened: %+v", tr)
	}
	if tr.NextDuty == nil || tr.NextDuty.Action != "expire" {
		t.Fatalf("duty: %+v", tr.NextDuty)
	}
	// The seller cannot release before paid; a stranger is not a party.
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "release", ActInput{By: seller}); code(err) != "invalid_transition" {
		t.Fatalf("early release: %v", err)
	}
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: userID(9)}); code(err) != "not_a_party" {
		t.Fatalf("stranger: %v", err)
	}
	f.advance(5 * time.Minute)
	f.svc.Receipts = fakeReceipts{ok: map[string]string{"att_1": buyer}}
	tr, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer, ReceiptAttachmentID: "att_1"})
	if err != nil || tr.State != "paid" || tr.ReceiptAttachmentID != "att_1" {
		t.Fatalf("paid: %+v %v", tr, err)
	}
	tr, err = f.svc.Act(ctx, f.tenant, client, tr.ID, "release", ActInput{By: seller})
	if err != nil || tr.State != "released" || tr.Escrow != "0" {
		t.Fatalf("release: %+v %v", tr, err)
	}
	if f.balance(t, buyer, "available") != "100000000" || f.balance(t, seller, "escrow") != "0" {
		t.Fatalf("balances after release: buyer %s seller escrow %s", f.balance(t, buyer, "available"), f.balance(t, seller, "escrow"))
	}
	// Released is final: nothing moves it again.
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "cancel", ActInput{By: buyer}); code(err) != "invalid_transition" {
		t.Fatalf("cancel after release: %v", err)
	}
	// Insufficient funds: 409 and nothing written.
	if _, err := f.svc.Open(ctx, f.tenant, client, OpenInput{Seller: seller, Buyer: buyer, Asset: "USDT", Amount: "400000001", FiatCurrency: "EUR",
		FiatAmount: "1", PaymentMethod: "sepa_transfer", PaymentWindowMinutes: 30}); code(err) != "insufficient_funds" {
		t.Fatalf("insufficient: %v", err)
	}
	if f.balance(t, seller, "available") != "400000000" {
		t.Fatalf("balance changed by a refused trade")
	}
	// Another tenant sees nothing.
	if _, err := f.svc.Get(ctx, "tnt_other", tr.ID); code(err) != "trade_not_found" {
		t.Fatalf("other tenant: %v", err)
	}
}

func TestAnUnpaidTradeExpiresAndRefundsOnceWhenTheTimerFiresTwice(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	seller, buyer := f.user(t, 1, 100), f.user(t, 2, 0)
	tr := f.open(t, seller, buyer, 60)
	f.advance(29 * time.Minute)
	if res, err := f.svc.Sweep(ctx, f.now()); err != nil || res.Fired != 0 {
		t.Fatalf("early sweep: %+v %v", res, err)
	}
	f.advance(2 * time.Minute)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = f.svc.Sweep(ctx, f.now()) }()
	}
	wg.Wait()
	got, _ := f.svc.Get(ctx, f.tenant, tr.ID)
	if got.State != "cancelled" || f.balance(t, seller, "available") != "100" || f.balance(t, seller, "escrow") != "0" {
		t.Fatalf("after expiry: %s, available %s", got.State, f.balance(t, seller, "available"))
	}
	// Paying after expiry is refused.
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer}); code(err) != "invalid_transition" {
		t.Fatalf("paid after expiry: %v", err)
	}
	if res, _ := f.svc.Sweep(ctx, f.now()); res.Due != 0 {
		t.Fatalf("the closed trade still has a timer: %+v", res)
	}
}

func TestADisputeIsMediatedWithEvidenceAndAVerdictWithFourEyes(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	seller, buyer := f.user(t, 1, 5_000_000_000), f.user(t, 2, 0)
	tr := f.open(t, seller, buyer, 2_000_000_000) // 2,000 USDT: above the 1,000 threshold
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer}); err != nil {
		t.Fatal(err)
	}
	// The seller may not dispute before the payment window ran out; the buyer may.
	if _, err := f.svc.OpenDispute(ctx, f.tenant, client, tr.ID, DisputeInput{OpenedBy: seller, Reason: "payment_not_received"}); code(err) != "too_early" {
		t.Fatalf("seller too early: %v", err)
	}
	tr, err := f.svc.OpenDispute(ctx, f.tenant, client, tr.ID, DisputeInput{OpenedBy: buyer, Reason: "paid_not_released", Description: "I sent the SEPA transfer at 10:03, reference 4711."})
	if err != nil || tr.State != "disputed" || tr.Dispute == nil || tr.Dispute.Description != "" {
		t.Fatalf("dispute: %+v %v", tr.Dispute, err)
	}
	q, _, err := f.svc.Queue(ctx, Staff{ID: "an1", Analyst: true}, QueueNew, "", 50)
	if err != nil || !containsTrade(q, tr.ID) {
		t.Fatalf("queue: %+v %v", q, err)
	}
	mediator := Staff{ID: "an1", Analyst: true}
	if _, err := f.svc.Take(ctx, mediator, tr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Take(ctx, Staff{ID: "an2", Analyst: true}, tr.ID); code(err) != "dispute_taken" {
		t.Fatalf("second take: %v", err)
	}
	cv, err := f.svc.StaffGet(ctx, mediator, tr.ID)
	if err != nil || cv.Dispute.Description == "" || cv.BuyerRecord.DisputesOpened != 1 {
		t.Fatalf("case: %+v %v", cv, err)
	}
	tr, err = f.svc.RequestEvidence(ctx, mediator, tr.ID, EvidenceInput{From: "seller", Deadline: f.now().Add(24 * time.Hour).Format(time.RFC3339)})
	if err != nil || len(tr.Dispute.Evidence) != 1 {
		t.Fatalf("evidence: %+v %v", tr.Dispute, err)
	}
	if _, err := f.svc.AnswerEvidence(ctx, f.tenant, client, tr.ID, tr.Dispute.Evidence[0].ID, AnswerInput{By: seller}); err != nil {
		t.Fatal(err)
	}
	// Above the threshold the mediator's verdict is a proposal; the mediator cannot
	// approve it, another approver executes it.
	tr, proposed, err := f.svc.Verdict(ctx, mediator, tr.ID, VerdictInput{Verdict: "release_to_buyer", Reason: "Bank statement shows the transfer arrived."})
	if err != nil || !proposed || tr.State != "disputed" || tr.Proposal == nil {
		t.Fatalf("verdict: %+v %v %v", tr, proposed, err)
	}
	if _, err := f.svc.Approve(ctx, Staff{ID: "an1", Approver: true}, tr.ID, ApprovalInput{ProposalID: tr.Proposal.ID, Approve: yes()}); code(err) != "four_eyes" && code(err) != "forbidden" {
		t.Fatalf("self approval: %v", err)
	}
	if _, err := f.svc.Approve(ctx, Staff{ID: "ap1", Approver: true}, tr.ID, ApprovalInput{ProposalID: "prp_stale", Approve: yes()}); code(err) != "proposal_changed" {
		t.Fatalf("approval of another proposal: %v", err)
	}
	tr, err = f.svc.Approve(ctx, Staff{ID: "ap1", Approver: true}, tr.ID, ApprovalInput{ProposalID: tr.Proposal.ID, Approve: yes()})
	if err != nil || tr.State != "resolved_release" || tr.Dispute.Verdict == nil || tr.Dispute.Verdict.ApprovedBy != "ap1" {
		t.Fatalf("approved: %+v %v", tr, err)
	}
	if f.balance(t, buyer, "available") != "2000000000" || f.balance(t, seller, "escrow") != "0" {
		t.Fatalf("funds after verdict")
	}
	cv, _ = f.svc.StaffGet(ctx, mediator, tr.ID)
	if cv.BuyerRecord.DisputesWon != 1 || cv.SellerRecord.DisputesLost != 1 || cv.SellerRecord.TradesCompleted != 1 {
		t.Fatalf("records: %+v %+v", cv.BuyerRecord, cv.SellerRecord)
	}
}

func containsTrade(q []QueueEntry, id string) bool {
	for _, e := range q {
		if e.TradeID == id {
			return true
		}
	}
	return false
}

func TestAProofOfLifeBlocksReleaseToTheBuyerUntilItPasses(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	seller, buyer := f.user(t, 1, 1000), f.user(t, 2, 0)
	tr := f.open(t, seller, buyer, 100)
	p, err := f.svc.RequestProof(ctx, f.tenant, client, tr.ID, ProofInput{RequestedBy: "seller"})
	if err != nil || p.Proof.Subject != "buyer" || p.Proof.Status != "pending" || p.Session["verificationId"] == "" {
		t.Fatalf("request: %+v %v", p, err)
	}
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "release", ActInput{By: seller}); code(err) != "proof_of_life_outstanding" {
		t.Fatalf("release with a pending proof: %v", err)
	}
	tenant, tradeID, proofID, user, ok, err := f.svc.FindProof(ctx, "metamap", p.Proof.VerificationID)
	if err != nil || !ok || tenant != f.tenant || tradeID != tr.ID || user != buyer {
		t.Fatalf("find: %v %v", ok, err)
	}
	for i := 0; i < 2; i++ { // the vendor's webhook, twice
		if err := f.svc.CompleteProof(ctx, tenant, tradeID, proofID, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	tr, err = f.svc.Act(ctx, f.tenant, client, tr.ID, "release", ActInput{By: seller})
	if err != nil || tr.State != "released" || tr.Proofs[0].Status != "passed" {
		t.Fatalf("release after the proof: %+v %v", tr, err)
	}
}

func TestARestrictedPartyPutsTheTradeOnHoldAndStaffDecide(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	seller, buyer := f.user(t, 1, 1000), f.user(t, 2, 0)
	tr := f.open(t, seller, buyer, 100)
	f.users.set(buyer, lifecycle.StatusRestricted)
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer}); code(err) != "party_restricted" {
		t.Fatalf("restricted party acts: %v", err)
	}
	n, err := f.svc.HoldUser(ctx, f.tenant, buyer)
	if err != nil || n != 1 {
		t.Fatalf("hold: %d %v", n, err)
	}
	if n, _ := f.svc.HoldUser(ctx, f.tenant, buyer); n != 0 {
		t.Fatalf("hold again: %d", n)
	}
	got, _ := f.svc.Get(ctx, f.tenant, tr.ID)
	if got.State != "on_hold" || got.HeldFrom != "escrow_locked" {
		t.Fatalf("held: %+v", got)
	}
	// Below the threshold staff decide alone: back to the seller.
	got, proposed, err := f.svc.Verdict(ctx, Staff{ID: "st1", Analyst: true}, tr.ID, VerdictInput{Verdict: "return_to_seller", Reason: "Buyer restricted after a sanctions hit."})
	if err != nil || proposed || got.State != "resolved_refund" || f.balance(t, seller, "available") != "1000" {
		t.Fatalf("hold decision: %+v %v %v", got, proposed, err)
	}
}

// TestRacingActionsSettleEveryTradeExactlyOnce fires release, cancel, dispute and expiry
// at many trades at the same instant, then checks that every trade reached one final
// state (or stayed open), moved its escrow at most once, and that the ledger verifier
// finds balances, totals and every trade's escrow sound.
// stressTrades is the size of the racing test (TestStressRacingTradesAtScale raises it).
var stressTrades = 30

func TestRacingActionsSettleEveryTradeExactlyOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	n := stressTrades
	sellers := []string{f.user(t, 1, 1_000_000_000), f.user(t, 2, 1_000_000_000), f.user(t, 3, 1_000_000_000)}
	buyer := f.user(t, 4, 0)
	var ids []string
	for i := 0; i < n; i++ {
		ids = append(ids, f.open(t, sellers[i%3], buyer, int64(1000+i)).ID)
	}
	// Half are paid first.
	for i, id := range ids {
		if i%2 == 0 {
			if _, err := f.svc.Act(ctx, f.tenant, client, id, "paid", ActInput{By: buyer}); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.advance(31 * time.Minute) // the payment windows ran out: expiry races too
	var wg sync.WaitGroup
	var mu sync.Mutex
	internal := map[string]int{}
	note := func(err error) {
		if c := code(err); len(c) > 9 && c[:9] == "internal:" {
			mu.Lock()
			internal[c]++
			mu.Unlock()
		}
	}
	// The five requests of a trade race each other; trades go 40 at a time, so that the
	// emulator (one Python process) is not what fails.
	wave := make(chan struct{}, 40)
	for i, id := range ids {
		seller := sellers[i%3]
		wave <- struct{}{}
		var tw sync.WaitGroup
		for _, do := range []func(){
			func() { _, err := f.svc.Act(ctx, f.tenant, client, id, "release", ActInput{By: seller}); note(err) },
			func() { _, err := f.svc.Act(ctx, f.tenant, client, id, "cancel", ActInput{By: buyer}); note(err) },
			func() {
				_, err := f.svc.OpenDispute(ctx, f.tenant, client, id, DisputeInput{OpenedBy: seller, Reason: "payment_not_received"})
				note(err)
			},
			func() { _, err := f.svc.fire(ctx, f.tenant, id); note(err) },
			func() { _, err := f.svc.fire(ctx, f.tenant, id); note(err) },
		} {
			wg.Add(1)
			tw.Add(1)
			go func() { defer wg.Done(); defer tw.Done(); do() }()
		}
		go func() { tw.Wait(); <-wave }()
	}
	wg.Wait()
	for c, n := range internal {
		t.Errorf("%d requests failed: %s", n, c)
	}
	var escrows []ledger.TradeEscrow
	states := map[string]int{}
	for _, id := range ids {
		tr, err := f.svc.Get(ctx, f.tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		states[tr.State]++
		moves := 0
		for _, h := range tr.History {
			switch h.To {
			case "released", "cancelled", "resolved_release", "resolved_refund":
				moves++
			}
		}
		if moves > 1 {
			t.Errorf("%s settled %d times: %+v", id, moves, tr.History)
		}
		amt, _ := ledger.ParseAmount(tr.Amount)
		escrows = append(escrows, ledger.TradeEscrow{ID: id, Seller: tr.Seller, Asset: tr.Asset, Amount: amt, Open: !escrow.State(tr.State).Final()})
	}
	rep, err := f.ledger.Verify(ctx, f.tenant, escrows)
	if err != nil || !rep.OK() {
		t.Fatalf("verifier: %+v %v", rep.Problems, err)
	}
	t.Logf("%d trades, 5 racing requests each: %v; verifier %s", n, states, rep.Duration)
	if states["released"]+states["cancelled"]+states["disputed"] != n {
		t.Fatalf("states: %v", states)
	}
}

func TestAnUntakenDisputeEscalatesAndAMissedEvidenceDeadlineLosesByDefaultWhenThePolicySaysSo(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.svc.Policy.DefaultLoss = true
	seller, buyer := f.user(t, 1, 1000), f.user(t, 2, 0)
	tr := f.open(t, seller, buyer, 100) // below the four-eyes threshold
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.OpenDispute(ctx, f.tenant, client, tr.ID, DisputeInput{OpenedBy: buyer, Reason: "paid_not_released"}); err != nil {
		t.Fatal(err)
	}
	// Nobody takes it within 2 hours: the sweep escalates it, once.
	f.advance(2*time.Hour + time.Minute)
	for i := 0; i < 2; i++ {
		if _, err := f.svc.Sweep(ctx, f.now()); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := f.svc.Get(ctx, f.tenant, tr.ID)
	if got.Dispute == nil || !got.Dispute.Escalated || got.Dispute.EscalationReason != "not_taken" {
		t.Fatalf("escalation: %+v", got.Dispute)
	}
	q, _, _ := f.svc.Queue(ctx, Staff{ID: "ap1", Approver: true}, QueueEscalated, "", 50)
	if !containsTrade(q, tr.ID) {
		t.Fatalf("escalated queue: %+v", q)
	}
	// The approver takes it over and asks the seller for evidence; the seller does not
	// answer in time: with DefaultLoss the sweep gives the verdict against the seller.
	ap := Staff{ID: "ap1", Approver: true}
	if _, err := f.svc.Take(ctx, ap, tr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RequestEvidence(ctx, ap, tr.ID, EvidenceInput{From: "seller", Deadline: f.now().Add(2 * time.Hour).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	f.advance(2*time.Hour + time.Minute)
	if _, err := f.svc.Sweep(ctx, f.now()); err != nil {
		t.Fatal(err)
	}
	got, _ = f.svc.Get(ctx, f.tenant, tr.ID)
	if got.State != "resolved_release" || f.balance(t, buyer, "available") != "100" {
		t.Fatalf("default loss: %s %+v", got.State, got.Dispute)
	}
}

type fakeReceipts struct{ ok map[string]string } // attachment -> uploader

func (f fakeReceipts) VerifiedReceipt(_ context.Context, _ store.TenantID, _, att, user string) error {
	if f.ok[att] != user {
		return failure.New(failure.Unprocessable, "receipt_not_usable", "not a verified receipt of the buyer")
	}
	return nil
}

// Findings of the hostile probe of issue 12, kept as tests.
func TestProofsOfLifeCannotBeStackedOrUsedToWalkOut(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	seller, buyer := f.user(t, 1, 1000), f.user(t, 2, 0)
	tr := f.open(t, seller, buyer, 100)
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.svc.RequestProof(ctx, f.tenant, client, tr.ID, ProofInput{RequestedBy: "seller"}); err == nil {
				mu.Lock()
				created++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	got, _ := f.svc.Get(ctx, f.tenant, tr.ID)
	if created != 1 || len(got.Proofs) != 1 {
		t.Fatalf("concurrent requests made %d proofs (%d answered 201)", len(got.Proofs), created)
	}
	// The seller asked: they cannot cancel at once, only once the buyer had time.
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "cancel", ActInput{By: seller}); code(err) != "cancel_not_allowed" {
		t.Fatalf("seller cancels at once: %v", err)
	}
	f.advance(16 * time.Minute)
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "cancel", ActInput{By: seller}); err != nil {
		t.Fatalf("seller cancels after the answer time: %v", err)
	}
}

func TestBadTradeInputsAndReceiptsAreRefused(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.svc.Receipts = fakeReceipts{ok: map[string]string{"att_good": userID(2)}}
	seller, buyer := f.user(t, 1, 1000), f.user(t, 2, 0)
	base := OpenInput{Seller: seller, Buyer: buyer, Asset: "USDT", Amount: "10", FiatCurrency: "EUR", FiatAmount: "1", PaymentMethod: "sepa_transfer", PaymentWindowMinutes: 30}
	for c, mut := range map[string]func(*OpenInput){
		"invalid_amount":        func(in *OpenInput) { in.Amount = "1" + strings.Repeat("0", 40) },
		"invalid_asset":         func(in *OpenInput) { in.Asset = "usdt" },
		"invalid_fiat_currency": func(in *OpenInput) { in.FiatCurrency = "ZZZ" },
	} {
		in := base
		mut(&in)
		if _, err := f.svc.Open(ctx, f.tenant, client, in); code(err) != c {
			t.Errorf("%s: %v", c, err)
		}
	}
	tr := f.open(t, seller, buyer, 10)
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer, ReceiptAttachmentID: "att_fake"}); code(err) != "receipt_not_usable" {
		t.Fatalf("fake receipt: %v", err)
	}
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer, ReceiptAttachmentID: "att_good"}); err != nil {
		t.Fatalf("verified receipt: %v", err)
	}
	v := ClientView(tr)
	if v.Proposal != nil {
		t.Fatal("client view shows a proposal")
	}
}
