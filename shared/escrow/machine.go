package escrow

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// State is where a trade stands.
type State string

// The states.
const (
	Locked          State = "escrow_locked"    // the seller's amount is in escrow; the buyer is to pay off-platform
	Paid            State = "paid"             // the buyer says they paid; the seller is to confirm
	Released        State = "released"         // final: the seller confirmed; escrow went to the buyer
	Cancelled       State = "cancelled"        // final: cancelled or expired before paid; escrow back to the seller
	Disputed        State = "disputed"         // a mediator decides; the trade's own timers are frozen
	ResolvedRelease State = "resolved_release" // final: staff released the escrow to the buyer
	ResolvedRefund  State = "resolved_refund"  // final: staff returned the escrow to the seller
	OnHold          State = "on_hold"          // a party became restricted; staff decide
)

// States lists the states, the non-final ones first.
var States = []State{Locked, Paid, Disputed, OnHold, Released, Cancelled, ResolvedRelease, ResolvedRefund}

// Final reports whether nothing can happen to a trade in s any more: its escrow is zero.
func (s State) Final() bool {
	switch s {
	case Released, Cancelled, ResolvedRelease, ResolvedRefund:
		return true
	}
	return false
}

// Valid reports whether s is a state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// rank orders the states: every transition but unhold goes to a higher rank, so a trade
// only moves forward and every trade ends.
func (s State) rank() int {
	switch s {
	case Locked:
		return 0
	case Paid:
		return 1
	case Disputed:
		return 2
	case OnHold:
		return 3
	}
	return 4
}

// Action is what is asked of a trade.
type Action string

// The actions.
const (
	MarkPaid       Action = "mark_paid"       // buyer: I paid (optionally with a receipt)
	Release        Action = "release"         // seller: payment received, release to the buyer
	Cancel         Action = "cancel"          // buyer before paid; the requester of a failed or pending proof of life
	Expire         Action = "expire"          // timer: the payment window ran out before paid
	OpenDispute    Action = "open_dispute"    // a party asks for a mediator
	ConfirmTimeout Action = "confirm_timeout" // timer: the seller neither released nor disputed in time
	VerdictRelease Action = "verdict_release" // verdict release_to_buyer
	VerdictRefund  Action = "verdict_refund"  // verdict return_to_seller
	Hold           Action = "hold"            // a party became restricted with the platform
	Unhold         Action = "unhold"          // staff: the restriction is gone, the trade goes on where it was
	HoldRelease    Action = "hold_release"    // staff decide a held trade: to the buyer
	HoldRefund     Action = "hold_refund"     // staff decide a held trade: back to the seller
)

// Actions lists the actions.
var Actions = []Action{MarkPaid, Release, Cancel, Expire, OpenDispute, ConfirmTimeout, VerdictRelease, VerdictRefund, Hold, Unhold, HoldRelease, HoldRefund}

// Role is who asks.
type Role string

// The roles. Mediator is an analyst while assigned to the trade's dispute.
const (
	Buyer    Role = "buyer"
	Seller   Role = "seller"
	System   Role = "system" // timers and the platform's own reactions (restrictions)
	Mediator Role = "mediator"
	Approver Role = "approver"
	Staff    Role = "staff"
)

// Roles lists the roles.
var Roles = []Role{Buyer, Seller, System, Mediator, Approver, Staff}

// Actor is who asks: a role and the person's id (the user id of a party, the staff id).
type Actor struct {
	Role Role
	ID   string
}

// Effect is what a transition does to the ledger, in the same DynamoDB transaction.
type Effect string

// The effects. Lock happens once, when the trade is opened; a trade reaches exactly one
// final state, and only transitions into a final state move the escrow out.
const (
	EffectNone    Effect = "none"
	EffectLock    Effect = "lock"    // seller available -> seller escrow
	EffectRelease Effect = "release" // seller escrow -> buyer available
	EffectRefund  Effect = "refund"  // seller escrow -> seller available
)

// Transition is one row of the table.
type Transition struct {
	From   State
	Action Action
	To     State
	By     []Role
	Effect Effect
	Guard  string // what Decide checks besides the roles, in words
}

// Opening is how a trade begins: both parties active and not restricted, the amount
// locked from the seller's available balance (or 409 insufficient_funds).
var Opening = Transition{To: Locked, Action: "open", By: []Role{Seller, Buyer}, Effect: EffectLock,
	Guard: "both parties active and not restricted; the seller's available balance covers the amount"}

// table is the state machine. Decide finds the row for (state, action), checks the
// role, then the guard.
var table = []Transition{
	{Locked, MarkPaid, Paid, []Role{Buyer}, EffectNone, "before the payment deadline"},
	{Locked, Cancel, Cancelled, []Role{Buyer, Seller}, EffectRefund, "buyer: any time before paid; seller: only over a proof of life they asked of the buyer that failed or is pending past its answer time"},
	{Locked, Expire, Cancelled, []Role{System}, EffectRefund, "at or after the payment deadline"},
	{Locked, Hold, OnHold, []Role{System, Staff}, EffectNone, "a party is restricted"},

	{Paid, Release, Released, []Role{Seller}, EffectRelease, "no proof of life of the buyer pending or failed"},
	{Paid, OpenDispute, Disputed, []Role{Buyer, Seller}, EffectNone, "buyer: any time; seller: once the payment deadline has passed"},
	{Paid, ConfirmTimeout, Disputed, []Role{System}, EffectNone, "at or after the confirm deadline"},
	{Paid, Hold, OnHold, []Role{System, Staff}, EffectNone, "a party is restricted"},

	{Disputed, Release, Released, []Role{Seller}, EffectRelease, "the seller concedes; no proof of life of the buyer pending or failed"},
	{Disputed, VerdictRelease, ResolvedRelease, []Role{Mediator, Approver, System}, EffectRelease, "four eyes above the asset's threshold; no proof of life of the buyer pending or failed; system: only a default loss of the seller"},
	{Disputed, VerdictRefund, ResolvedRefund, []Role{Mediator, Approver, System}, EffectRefund, "four eyes above the asset's threshold; system: only a default loss of the buyer"},
	{Disputed, Hold, OnHold, []Role{System, Staff}, EffectNone, "a party is restricted"},

	{OnHold, Unhold, Locked, []Role{Staff}, EffectNone, "held from escrow_locked; no party restricted; deadlines move by the time held"},
	{OnHold, Unhold, Paid, []Role{Staff}, EffectNone, "held from paid; no party restricted; deadlines move by the time held"},
	{OnHold, Unhold, Disputed, []Role{Staff}, EffectNone, "held from disputed; no party restricted; deadlines move by the time held"},
	{OnHold, HoldRelease, ResolvedRelease, []Role{Staff, Approver}, EffectRelease, "four eyes above the asset's threshold; no proof of life of the buyer pending or failed"},
	{OnHold, HoldRefund, ResolvedRefund, []Role{Staff, Approver}, EffectRefund, "four eyes above the asset's threshold"},
}

// Table returns a copy of the transition table.
func Table() []Transition {
	out := make([]Transition, len(table))
	for i, t := range table {
		t.By = slices.Clone(t.By)
		out[i] = t
	}
	return out
}

// Errors of Decide. Callers map ErrNotAllowed and the guards to 409 with the code in
// the error's text, ErrForbidden to 403, ErrNeedsApproval to 202 (a proposal is stored).
var (
	ErrNotAllowed      = errors.New("escrow: transition not allowed")         // invalid_transition
	ErrForbidden       = errors.New("escrow: not allowed for this actor")     // forbidden
	ErrTooEarly        = errors.New("escrow: its time has not come")          // too_early
	ErrTooLate         = errors.New("escrow: its deadline has passed")        // deadline_passed
	ErrProofOfLife     = errors.New("escrow: a proof of life is outstanding") // proof_of_life_outstanding
	ErrRestricted      = errors.New("escrow: a party is restricted")          // party_restricted
	ErrNotRestricted   = errors.New("escrow: no party is restricted")         // not_restricted
	ErrNeedsApproval   = errors.New("escrow: needs an approver's approval")   // approval_required
	ErrSameApprover    = errors.New("escrow: the approver cannot approve their own decision or case")
	ErrNoDefault       = errors.New("escrow: no default loss applies") // no_default_loss
	ErrNotAssigned     = errors.New("escrow: the dispute is not assigned to this mediator")
	ErrNoCancelExcuse  = errors.New("escrow: the seller may cancel only over a proof of life they asked for")
	ErrDisputeNotReady = errors.New("escrow: the dispute has no mediator yet")
)

// Decision is an allowed transition and what it implies.
type Decision struct {
	Transition
	// Penalized is the party a cancellation counts against on their record ("" for none):
	// the buyer cancelling, unless over a proof of life they asked of the seller.
	Penalized Role
	// Approved is set when the transition executes a proposal (four eyes).
	Approved *Proposal
}

// Decide answers whether by may take action on t at now under policy p: the row of the
// table, the actor's role and identity, then the guards. It reads nothing but its
// arguments; the caller applies the answer (Apply) with optimistic locking on the trade,
// so that of concurrent actions exactly one wins and the others are re-decided against
// the new state. It checks a party's id against the trade and a mediator's against the
// dispute; that a caller holds the staff, approver or system role is for the caller (the
// HTTP layer's authentication) to establish.
func Decide(t Trade, a Action, by Actor, now time.Time, p Policy) (Decision, error) {
	row, err := lookup(t, a)
	if err != nil {
		return Decision{}, err
	}
	if !slices.Contains(row.By, by.Role) {
		return Decision{}, fmt.Errorf("%w: %s cannot %s", ErrForbidden, by.Role, a)
	}
	if err := t.identify(by); err != nil {
		return Decision{}, err
	}
	d := Decision{Transition: row}
	if err := guard(t, &d, by, now, p); err != nil {
		return Decision{}, err
	}
	return d, nil
}

func lookup(t Trade, a Action) (Transition, error) {
	for _, row := range table {
		if row.From != t.State || row.Action != a {
			continue
		}
		if a == Unhold && row.To != t.HeldFrom {
			continue
		}
		return row, nil
	}
	return Transition{}, fmt.Errorf("%w: %s on %s", ErrNotAllowed, a, t.State)
}

// identify checks that the actor is who their role says: the trade's buyer or seller, the
// dispute's assigned mediator.
func (t Trade) identify(by Actor) error {
	if by.ID == "" {
		return fmt.Errorf("%w: an actor needs an id", ErrForbidden)
	}
	switch by.Role {
	case Buyer:
		if by.ID != t.Buyer {
			return fmt.Errorf("%w: %s is not the buyer", ErrForbidden, by.ID)
		}
	case Seller:
		if by.ID != t.Seller {
			return fmt.Errorf("%w: %s is not the seller", ErrForbidden, by.ID)
		}
	case Mediator:
		if t.Dispute == nil || t.Dispute.Mediator == "" {
			return ErrDisputeNotReady
		}
		if t.Dispute.Mediator != by.ID {
			return ErrNotAssigned
		}
	}
	return nil
}

func guard(t Trade, d *Decision, by Actor, now time.Time, p Policy) error {
	party := by.Role == Buyer || by.Role == Seller
	if party && t.restricted() {
		return ErrRestricted
	}
	if d.Effect == EffectRelease && t.ProofBlocks(Buyer) {
		return fmt.Errorf("%w: the buyer's", ErrProofOfLife)
	}
	switch d.Action {
	case MarkPaid:
		if !now.Before(t.PaymentDeadline) {
			return ErrTooLate
		}
	case Expire:
		if now.Before(t.PaymentDeadline) {
			return ErrTooEarly
		}
	case ConfirmTimeout:
		if now.Before(t.ConfirmDeadline) {
			return ErrTooEarly
		}
	case Cancel:
		return cancelGuard(t, d, by, now, p)
	case OpenDispute:
		if by.Role == Seller && now.Before(t.PaymentDeadline) {
			return fmt.Errorf("%w: the seller may open a dispute once the payment deadline has passed", ErrTooEarly)
		}
	case Hold:
		if !t.restricted() {
			return ErrNotRestricted
		}
	case Unhold:
		if t.restricted() {
			return ErrRestricted
		}
	case VerdictRelease, VerdictRefund:
		return verdictGuard(t, d, by, now, p)
	case HoldRelease, HoldRefund:
		return approvalGuard(t, d, by, p, "", true)
	}
	return nil
}

// cancelGuard: the buyer may cancel before paid (counted against them, unless over a
// proof of life they asked of the seller); the seller only over a proof of life they
// asked of the buyer. A proof excuses a cancellation once it failed, or once it has been
// pending for Policy.ProofAnswerWithin: the other party gets that long to prove
// themselves, so a request is not a way to walk out of a trade at once.
func cancelGuard(t Trade, d *Decision, by Actor, now time.Time, p Policy) error {
	p = p.withDefaults()
	excused := func(subject, requester Role) bool {
		pr, ok := t.latestProof(subject)
		if !ok || pr.Requester != requester || pr.Status == ProofPassed {
			return false
		}
		return pr.Status == ProofFailed || !now.Before(pr.At.Add(p.ProofAnswerWithin))
	}
	if by.Role == Seller {
		if !excused(Buyer, Seller) {
			return ErrNoCancelExcuse
		}
		return nil
	}
	if !excused(Seller, Buyer) {
		d.Penalized = Buyer
	}
	return nil
}

// verdictGuard: the assigned mediator decides alone at or below the asset's threshold;
// above it they propose and an approver who is neither the proposer nor the mediator
// executes the proposal. Once the dispute escalated, an approver owns it and decides
// alone at or below the threshold (above it, one approver proposes and another approves).
// The system decides only a default loss, within the same four-eyes rule.
func verdictGuard(t Trade, d *Decision, by Actor, now time.Time, p Policy) error {
	if t.Dispute == nil {
		return ErrDisputeNotReady
	}
	if by.Role == System {
		loser, ok := t.Dispute.DefaultLoser(now, p)
		if !ok || (d.Action == VerdictRelease) != (loser == Seller) {
			return ErrNoDefault
		}
	}
	return approvalGuard(t, d, by, p, t.Dispute.Mediator, t.Dispute.Escalated)
}

// approvalGuard applies four eyes. Anyone but an approver decides alone only at or below
// the threshold (ErrNeedsApproval above it: the service stores their proposal). An
// approver executes a proposal of the same action made by someone else, or decides alone
// where approverAlone says they own the case and the amount is within the threshold.
func approvalGuard(t Trade, d *Decision, by Actor, p Policy, mediator string, approverAlone bool) error {
	four := p.NeedsFourEyes(t.Asset, t.Amount)
	if by.Role != Approver {
		if four {
			return ErrNeedsApproval
		}
		return nil
	}
	if mediator != "" && by.ID == mediator {
		return fmt.Errorf("%w: %s mediates this dispute", ErrSameApprover, by.ID)
	}
	if pr := t.Proposal; pr != nil && pr.Action == d.Action {
		if pr.By == by.ID {
			return ErrSameApprover
		}
		d.Approved = pr
		return nil
	}
	switch {
	case !approverAlone:
		return fmt.Errorf("%w: no proposal to approve; the mediator decides", ErrForbidden)
	case four:
		return ErrNeedsApproval
	}
	return nil
}

// Proposal is a decision above the four-eyes threshold waiting for an approver.
type Proposal struct {
	Action Action    `json:"action"`
	By     string    `json:"by"`
	Role   Role      `json:"role"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Propose records by's decision for an approver: it must be one by could take alone
// but for the four-eyes rule. A new proposal replaces an older one.
func Propose(t Trade, a Action, by Actor, reason string, now time.Time, p Policy) (Trade, error) {
	_, err := Decide(t, a, by, now, p)
	if !errors.Is(err, ErrNeedsApproval) {
		if err == nil {
			return t, fmt.Errorf("%w: %s may decide alone", ErrNotAllowed, by.Role)
		}
		return t, err
	}
	t.Proposal = &Proposal{Action: a, By: by.ID, Role: by.Role, Reason: reason, At: now}
	return t, nil
}

// NeedsFourEyes reports whether a decision on amount of asset needs an approver: above
// the asset's threshold, and always for an asset without one (a missing setting must not
// remove the second pair of eyes).
func (p Policy) NeedsFourEyes(asset string, amount *big.Int) bool {
	limit, ok := p.FourEyesAbove[asset]
	if !ok || limit == nil || amount == nil {
		return true
	}
	return amount.Cmp(limit) > 0
}
