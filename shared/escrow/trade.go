package escrow

import (
	"math/big"
	"time"
)

// Trade is what the state machine knows of a trade: the facts its guards read.
type Trade struct {
	ID     string
	Seller string
	Buyer  string
	Asset  string
	Amount *big.Int // in the asset's smallest unit

	State    State
	HeldFrom State     // the state a held trade resumes (on_hold only)
	HeldAt   time.Time // when it was held

	CreatedAt       time.Time
	PaymentDeadline time.Time // escrow_locked: expires at this time
	PaidAt          time.Time
	ConfirmDeadline time.Time // paid: goes to dispute at this time
	ClosedAt        time.Time // when it reached a final state

	// Restrictions with the platform of either party, as the service found them.
	BuyerRestricted  bool
	SellerRestricted bool

	Proofs   []ProofOfLife // in request order; the latest per subject counts
	Dispute  *Dispute
	Proposal *Proposal // a decision above the four-eyes threshold waiting for an approver
}

func (t Trade) restricted() bool { return t.BuyerRestricted || t.SellerRestricted }

// ProofStatus is where a proof-of-life request stands.
type ProofStatus string

// The statuses.
const (
	ProofPending ProofStatus = "pending"
	ProofPassed  ProofStatus = "passed" // verified and matched to the identity registered at onboarding
	ProofFailed  ProofStatus = "failed" // not verified, or not the registered person
)

// ProofOfLife is one request: Requester asked Subject for a liveness check.
type ProofOfLife struct {
	ID        string
	Subject   Role
	Requester Role
	Status    ProofStatus
	At        time.Time
}

func (t Trade) latestProof(subject Role) (ProofOfLife, bool) {
	for i := len(t.Proofs) - 1; i >= 0; i-- {
		if t.Proofs[i].Subject == subject {
			return t.Proofs[i], true
		}
	}
	return ProofOfLife{}, false
}

// ProofBlocks reports whether subject's latest proof of life is pending or failed: the
// escrow cannot then be released to them. A new request that passes lifts it.
//
// Only releases to the buyer are blocked. The escrow is the seller's own money, so a
// refund to a seller with an outstanding proof is not a release "to the party who had to
// prove it"; blocking it would strand the funds of a cancelled or expired trade.
func (t Trade) ProofBlocks(subject Role) bool {
	p, ok := t.latestProof(subject)
	return ok && p.Status != ProofPassed
}

func (t Trade) proofRequester(subject Role) Role {
	p, _ := t.latestProof(subject)
	return p.Requester
}

// Policy is the platform's (or tenant's) settings for trades and disputes. Zero durations
// take the defaults (DefaultPolicy).
type Policy struct {
	// ConfirmWindow: how long a seller has, after paid, to release or open a dispute
	// before the trade goes to a mediator by itself.
	ConfirmWindow time.Duration
	// FourEyesAbove: per asset, the amount above which a staff decision needs an
	// approver who is not the decider. An asset without an entry always needs one.
	FourEyesAbove map[string]*big.Int
	// DefaultLoss: a party that does not answer an evidence request by its deadline
	// loses. Off by default: the mediator decides.
	DefaultLoss bool
	// Dispute SLA: a mediator takes a new dispute within TakeWithin and decides within
	// DecideWithin of taking it, or it escalates to an approver, who decides within
	// EscalatedWithin.
	TakeWithin      time.Duration
	DecideWithin    time.Duration
	EscalatedWithin time.Duration
	// Evidence deadlines a mediator may set.
	MinEvidenceWindow time.Duration
	MaxEvidenceWindow time.Duration
	// HoldReviewWithin: staff decide a held trade within this, or it escalates.
	HoldReviewWithin time.Duration
	// Grace: how late a timer may fire before the stuck-trade check reports the trade.
	Grace time.Duration
	// ProofAnswerWithin: how long a party has to complete a proof of life before its
	// requester may cancel over it.
	ProofAnswerWithin time.Duration
}

// DefaultPolicy is the policy with every default filled in.
func DefaultPolicy() Policy { return Policy{}.withDefaults() }

func (p Policy) withDefaults() Policy {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&p.ConfirmWindow, 12*time.Hour)
	def(&p.TakeWithin, 2*time.Hour)
	def(&p.DecideWithin, 48*time.Hour)
	def(&p.EscalatedWithin, 24*time.Hour)
	def(&p.MinEvidenceWindow, time.Hour)
	def(&p.MaxEvidenceWindow, 72*time.Hour)
	def(&p.HoldReviewWithin, 72*time.Hour)
	def(&p.Grace, 15*time.Minute)
	def(&p.ProofAnswerWithin, 15*time.Minute)
	return p
}

// Open is a new trade in escrow_locked; the caller locks the amount (EffectLock) in the
// same transaction that stores it.
func Open(t Trade, window time.Duration, now time.Time) Trade {
	t.State = Locked
	t.CreatedAt = now
	t.PaymentDeadline = now.Add(window)
	return t
}

// Apply is t after the decided transition d, taken by by at now: the new state, and the
// times the timers and the stuck-trade check read. A proposal is consumed by any
// transition.
func Apply(t Trade, d Decision, by Actor, now time.Time, p Policy) Trade {
	p = p.withDefaults()
	t.Proposal = nil
	switch d.Action {
	case MarkPaid:
		t.PaidAt = now
		t.ConfirmDeadline = now.Add(p.ConfirmWindow)
	case OpenDispute, ConfirmTimeout:
		if t.Dispute == nil {
			t.Dispute = &Dispute{}
		}
		d2 := *t.Dispute
		d2.OpenedAt, d2.OpenedBy = now, by.Role
		if d.Action == ConfirmTimeout {
			d2.Reason = ReasonConfirmTimeout
		}
		t.Dispute = &d2
	case Hold:
		t.HeldFrom, t.HeldAt = t.State, now
	case Unhold:
		t = t.shifted(now.Sub(t.HeldAt))
		t.HeldFrom, t.HeldAt = "", time.Time{}
	}
	t.State = d.To
	if t.State.Final() {
		t.ClosedAt = now
	}
	return t
}

// shifted moves every running deadline by the time the trade was held, so that a hold
// neither eats the parties' time nor the mediator's.
func (t Trade) shifted(by time.Duration) Trade {
	move := func(x *time.Time) {
		if !x.IsZero() {
			*x = x.Add(by)
		}
	}
	move(&t.PaymentDeadline)
	move(&t.ConfirmDeadline)
	if t.Dispute != nil {
		d := t.Dispute.clone()
		move(&d.OpenedAt)
		move(&d.TakenAt)
		move(&d.EscalatedAt)
		for i := range d.Evidence {
			move(&d.Evidence[i].Deadline)
		}
		t.Dispute = &d
	}
	return t
}

// Duty is who or what must move a trade on, and by when.
type Duty struct {
	Owner  Role      // who must act
	Action Action    // what a timer fires ("" when a person must act)
	What   string    // in words
	Due    time.Time // when the timer fires, or the SLA runs out
}

// Duties lists what must happen to a trade in a non-final state (none in a final one):
// every non-final state has at least one, so no trade waits forever with funds locked.
//
//	escrow_locked  the buyer pays; timer: expire at the payment deadline (refund)
//	paid           the seller releases; timer: confirm_timeout at the confirm deadline (to a mediator)
//	disputed       a mediator takes it (TakeWithin) and decides (DecideWithin), else it
//	               escalates to an approver (EscalatedWithin); with DefaultLoss, evidence
//	               deadlines are timers too
//	on_hold        staff decide (HoldReviewWithin), else it escalates to an approver
func Duties(t Trade, p Policy) []Duty {
	p = p.withDefaults()
	switch t.State {
	case Locked:
		return []Duty{{Owner: System, Action: Expire, What: "payment window", Due: t.PaymentDeadline}}
	case Paid:
		return []Duty{{Owner: System, Action: ConfirmTimeout, What: "seller's confirmation", Due: t.ConfirmDeadline}}
	case Disputed:
		return disputeDuties(t, p)
	case OnHold:
		return []Duty{{Owner: Staff, What: "decide the held trade", Due: t.HeldAt.Add(p.HoldReviewWithin)}}
	}
	return nil
}

func disputeDuties(t Trade, p Policy) []Duty {
	d := t.Dispute
	if d == nil {
		return []Duty{{Owner: Mediator, What: "take the dispute", Due: time.Time{}}}
	}
	var out []Duty
	switch {
	case d.Escalated:
		out = append(out, Duty{Owner: Approver, What: "decide the escalated dispute", Due: d.EscalatedAt.Add(p.EscalatedWithin)})
	case d.Mediator == "":
		out = append(out, Duty{Owner: Mediator, What: "take the dispute", Due: d.OpenedAt.Add(p.TakeWithin)})
	default:
		out = append(out, Duty{Owner: Mediator, What: "decide the dispute", Due: d.TakenAt.Add(p.DecideWithin)})
	}
	if p.DefaultLoss {
		for _, e := range d.Evidence {
			if e.AnsweredAt.IsZero() {
				out = append(out, Duty{Owner: e.From, What: "answer evidence request " + e.ID, Due: e.Deadline})
			}
		}
	}
	return out
}

// Overdue reports the first duty of t that is past due by more than the policy's grace:
// the stuck-trade check lists such trades (a timer that did not fire, a queue nobody
// works). A dispute past its mediator's SLA is overdue until it is escalated.
func Overdue(t Trade, now time.Time, p Policy) (Duty, bool) {
	p = p.withDefaults()
	for _, d := range Duties(t, p) {
		if d.Due.IsZero() || now.After(d.Due.Add(p.Grace)) {
			return d, true
		}
	}
	return Duty{}, false
}
