package escrow

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Reason is why a party opened a dispute.
type Reason string

// The reasons.
const (
	ReasonPaymentNotReceived Reason = "payment_not_received"
	ReasonPaidNotReleased    Reason = "paid_not_released"
	ReasonWrongAmount        Reason = "wrong_amount"
	ReasonFraud              Reason = "fraud"
	ReasonOther              Reason = "other"
	// ReasonConfirmTimeout: opened by the system when the seller let the confirm
	// deadline pass.
	ReasonConfirmTimeout Reason = "confirm_timeout"
)

// Valid reports whether a party may give r.
func (r Reason) Valid() bool {
	return slices.Contains([]Reason{ReasonPaymentNotReceived, ReasonPaidNotReleased, ReasonWrongAmount, ReasonFraud, ReasonOther}, r)
}

// Dispute is the case a mediator works on.
type Dispute struct {
	ID       string
	OpenedBy Role
	Reason   Reason
	OpenedAt time.Time

	Mediator string // the analyst who took it
	TakenAt  time.Time

	Escalated        bool // to an approver, for a missed SLA
	EscalatedAt      time.Time
	EscalationReason string

	Evidence []EvidenceRequest
}

func (d Dispute) clone() Dispute {
	d.Evidence = slices.Clone(d.Evidence)
	return d
}

// EvidenceRequest asks a party for evidence by a deadline.
type EvidenceRequest struct {
	ID          string
	From        Role // buyer or seller
	By          string
	RequestedAt time.Time
	Deadline    time.Time
	AnsweredAt  time.Time // zero until answered
}

// missed: not answered by the deadline (an answer after it still reaches the mediator,
// but does not undo the default).
func (e EvidenceRequest) missed(now time.Time) bool {
	if !now.After(e.Deadline) {
		return false
	}
	return e.AnsweredAt.IsZero() || e.AnsweredAt.After(e.Deadline)
}

// Errors of the dispute model.
var (
	ErrTaken          = errors.New("escrow: the dispute already has a mediator")
	ErrNotMediator    = errors.New("escrow: only the dispute's mediator (or its approver once escalated) may do this")
	ErrBadDeadline    = errors.New("escrow: the evidence deadline is outside the policy's window")
	ErrNoSuchRequest  = errors.New("escrow: no such evidence request for this party")
	ErrNotParty       = errors.New("escrow: evidence comes from the buyer or the seller")
	ErrNotEscalatable = errors.New("escrow: the dispute is within its SLA or already escalated")
)

// Take assigns the dispute to a mediator. A dispute has one mediator; an escalated
// dispute may be taken over by the approver who owns it (approver true).
func (d Dispute) Take(mediator string, approver bool, now time.Time) (Dispute, error) {
	if mediator == "" {
		return d, ErrNotMediator
	}
	if d.Mediator != "" && !(approver && d.Escalated) {
		return d, ErrTaken
	}
	d.Mediator, d.TakenAt = mediator, now
	return d, nil
}

// RequestEvidence asks a party for evidence with a deadline within the policy's window.
func (d Dispute) RequestEvidence(by Actor, id string, from Role, deadline, now time.Time, p Policy) (Dispute, error) {
	p = p.withDefaults()
	if !(by.Role == Mediator && by.ID == d.Mediator) && !(by.Role == Approver && d.Escalated) {
		return d, ErrNotMediator
	}
	if from != Buyer && from != Seller {
		return d, ErrNotParty
	}
	if w := deadline.Sub(now); w < p.MinEvidenceWindow || w > p.MaxEvidenceWindow {
		return d, fmt.Errorf("%w: %s (between %s and %s)", ErrBadDeadline, w, p.MinEvidenceWindow, p.MaxEvidenceWindow)
	}
	d = d.clone()
	d.Evidence = append(d.Evidence, EvidenceRequest{ID: id, From: from, By: by.ID, RequestedAt: now, Deadline: deadline})
	return d, nil
}

// Answer records a party's answer to a request (the evidence itself is chat messages and
// attachments). A late answer is recorded with its time.
func (d Dispute) Answer(from Role, id string, now time.Time) (Dispute, error) {
	d = d.clone()
	for i, e := range d.Evidence {
		if e.ID == id && e.From == from {
			if d.Evidence[i].AnsweredAt.IsZero() {
				d.Evidence[i].AnsweredAt = now
			}
			return d, nil
		}
	}
	return d, ErrNoSuchRequest
}

// DefaultLoser is the party that loses by default under a DefaultLoss policy: the one
// party that missed an evidence deadline. With the policy off, or both parties in
// default, or none, there is none: the mediator decides.
func (d Dispute) DefaultLoser(now time.Time, p Policy) (Role, bool) {
	if !p.DefaultLoss {
		return "", false
	}
	var buyer, seller bool
	for _, e := range d.Evidence {
		if e.missed(now) {
			buyer = buyer || e.From == Buyer
			seller = seller || e.From == Seller
		}
	}
	switch {
	case buyer && !seller:
		return Buyer, true
	case seller && !buyer:
		return Seller, true
	}
	return "", false
}

// EscalationDue says whether the dispute has missed its SLA and must escalate to an
// approver, and why: not taken within TakeWithin of opening, or not decided within
// DecideWithin of being taken.
func (d Dispute) EscalationDue(now time.Time, p Policy) (string, bool) {
	p = p.withDefaults()
	switch {
	case d.Escalated:
		return "", false
	case d.Mediator == "" && now.After(d.OpenedAt.Add(p.TakeWithin)):
		return "not_taken", true
	case d.Mediator != "" && now.After(d.TakenAt.Add(p.DecideWithin)):
		return "not_decided", true
	}
	return "", false
}

// Escalate hands the dispute to the approvers when its SLA is missed (a timer or the
// sweep calls it; calling it again or early is refused, so a timer firing twice is
// harmless).
func (d Dispute) Escalate(now time.Time, p Policy) (Dispute, error) {
	why, due := d.EscalationDue(now, p)
	if !due {
		return d, ErrNotEscalatable
	}
	d.Escalated, d.EscalatedAt, d.EscalationReason = true, now, why
	return d, nil
}
