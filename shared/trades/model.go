package trades

import (
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/store"
)

// Trade is a P2P trade as clients and staff read it. Amount is in the asset's smallest
// unit (an exact integer string); FiatAmount an exact decimal string.
type Trade struct {
	ID                   string    `json:"id" dynamodbav:"tradeId"`
	Seller               string    `json:"seller" dynamodbav:"seller"`
	Buyer                string    `json:"buyer" dynamodbav:"buyer"`
	Asset                string    `json:"asset" dynamodbav:"asset"`
	Amount               string    `json:"amount" dynamodbav:"amount"`
	FiatCurrency         string    `json:"fiatCurrency" dynamodbav:"fiatCurrency"`
	FiatAmount           string    `json:"fiatAmount" dynamodbav:"fiatAmount"`
	PaymentMethod        string    `json:"paymentMethod" dynamodbav:"paymentMethod"`
	PaymentWindowMinutes int       `json:"paymentWindowMinutes" dynamodbav:"paymentWindowMinutes"`
	State                string    `json:"state" dynamodbav:"state"`
	HeldFrom             string    `json:"heldFrom,omitempty" dynamodbav:"heldFrom,omitempty"`
	HeldAt               string    `json:"heldAt,omitempty" dynamodbav:"heldAt,omitempty"`
	CreatedAt            string    `json:"createdAt" dynamodbav:"createdAt"`
	PaymentDeadline      string    `json:"paymentDeadline" dynamodbav:"paymentDeadline"`
	PaidAt               string    `json:"paidAt,omitempty" dynamodbav:"paidAt,omitempty"`
	ConfirmDeadline      string    `json:"confirmDeadline,omitempty" dynamodbav:"confirmDeadline,omitempty"`
	ClosedAt             string    `json:"closedAt,omitempty" dynamodbav:"closedAt,omitempty"`
	ReceiptAttachmentID  string    `json:"receiptAttachmentId,omitempty" dynamodbav:"receiptAttachmentId,omitempty"`
	Penalized            string    `json:"penalized,omitempty" dynamodbav:"penalized,omitempty"`
	Proofs               []Proof   `json:"proofsOfLife" dynamodbav:"proofs"`
	Dispute              *Dispute  `json:"dispute,omitempty" dynamodbav:"dispute,omitempty"`
	Proposal             *Proposal `json:"proposal,omitempty" dynamodbav:"proposal,omitempty"`
	History              []Step    `json:"history" dynamodbav:"history"`
	NextDuty             *Duty     `json:"nextDuty,omitempty" dynamodbav:"-"`
	Escrow               string    `json:"escrowHeld" dynamodbav:"-"` // what the escrow holds for this trade now
}

// Proof is one proof-of-life request on the trade.
type Proof struct {
	ID             string `json:"id" dynamodbav:"id"`
	Subject        string `json:"subject" dynamodbav:"subject"`     // buyer or seller: who proves
	Requester      string `json:"requester" dynamodbav:"requester"` // the other party
	Status         string `json:"status" dynamodbav:"status"`       // pending, passed, failed
	Reason         string `json:"reason,omitempty" dynamodbav:"reason,omitempty"`
	Vendor         string `json:"vendor" dynamodbav:"vendor"`
	VerificationID string `json:"verificationId" dynamodbav:"verificationId"`
	RequestedAt    string `json:"requestedAt" dynamodbav:"requestedAt"`
	CompletedAt    string `json:"completedAt,omitempty" dynamodbav:"completedAt,omitempty"`
}

// Dispute is the trade's dispute as staff and the parties see it (the description is
// stored encrypted and shown to the mediator only).
type Dispute struct {
	ID               string     `json:"id" dynamodbav:"id"`
	OpenedBy         string     `json:"openedBy" dynamodbav:"openedBy"`
	Reason           string     `json:"reason" dynamodbav:"reason"`
	OpenedAt         string     `json:"openedAt" dynamodbav:"openedAt"`
	Mediator         string     `json:"mediator,omitempty" dynamodbav:"mediator,omitempty"`
	TakenAt          string     `json:"takenAt,omitempty" dynamodbav:"takenAt,omitempty"`
	Escalated        bool       `json:"escalated" dynamodbav:"escalated"`
	EscalatedAt      string     `json:"escalatedAt,omitempty" dynamodbav:"escalatedAt,omitempty"`
	EscalationReason string     `json:"escalationReason,omitempty" dynamodbav:"escalationReason,omitempty"`
	Evidence         []Evidence `json:"evidenceRequests" dynamodbav:"evidence"`
	Verdict          *Verdict   `json:"verdict,omitempty" dynamodbav:"verdict,omitempty"`
	Description      string     `json:"description,omitempty" dynamodbav:"-"`
	DescriptionEnc   string     `json:"-" dynamodbav:"descriptionEnc,omitempty"`
}

// Evidence is a mediator's request for evidence from a party.
type Evidence struct {
	ID          string `json:"id" dynamodbav:"id"`
	From        string `json:"from" dynamodbav:"from"`
	By          string `json:"by" dynamodbav:"by"`
	RequestedAt string `json:"requestedAt" dynamodbav:"requestedAt"`
	Deadline    string `json:"deadline" dynamodbav:"deadline"`
	AnsweredAt  string `json:"answeredAt,omitempty" dynamodbav:"answeredAt,omitempty"`
}

// Verdict is how a dispute (or a held trade) was decided.
type Verdict struct {
	Outcome    string `json:"outcome" dynamodbav:"outcome"` // release_to_buyer or return_to_seller
	Reason     string `json:"reason" dynamodbav:"reason"`
	DecidedBy  string `json:"decidedBy" dynamodbav:"decidedBy"`
	ApprovedBy string `json:"approvedBy,omitempty" dynamodbav:"approvedBy,omitempty"`
	At         string `json:"at" dynamodbav:"at"`
}

// Proposal is a staff decision above the four-eyes threshold waiting for an approver.
type Proposal struct {
	ID     string `json:"id" dynamodbav:"-"` // derived: what an approval names
	Action string `json:"action" dynamodbav:"action"`
	By     string `json:"by" dynamodbav:"by"`
	Role   string `json:"role" dynamodbav:"role"`
	Reason string `json:"reason" dynamodbav:"reason"`
	At     string `json:"at" dynamodbav:"at"`
}

// Step is one transition of the trade's history.
type Step struct {
	Action string `json:"action" dynamodbav:"action"`
	From   string `json:"from,omitempty" dynamodbav:"from,omitempty"`
	To     string `json:"to" dynamodbav:"to"`
	Role   string `json:"role" dynamodbav:"role"`
	By     string `json:"by" dynamodbav:"by"`
	At     string `json:"at" dynamodbav:"at"`
}

// Duty is who must move the trade on next, and by when.
type Duty struct {
	Owner  string `json:"owner"`
	Action string `json:"action,omitempty"`
	What   string `json:"what"`
	Due    string `json:"due"`
}

// tradeItem is the stored trade; DueSK is the key of its due item (to move it).
type tradeItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Trade
	DueSK     string `dynamodbav:"dueSk,omitempty"`
	DueBucket int    `dynamodbav:"dueBucket"`
}

func (tradeItem) EntityType() string { return "trade" }

func (it tradeItem) Indexes() store.Indexes {
	at := parseTime(it.CreatedAt)
	return store.Indexes{GSI1: store.Key{PK: store.TenantTradesPK(store.TenantID(it.TenantID)), SK: store.TimeSK(at, it.ID)}}
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := store.ParseTime(s)
	return t
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return store.FormatTime(t)
}

// machine converts the stored trade for the state machine.
func (tr Trade) machine() escrow.Trade {
	amt, _ := new(big.Int).SetString(tr.Amount, 10)
	m := escrow.Trade{ID: tr.ID, Seller: tr.Seller, Buyer: tr.Buyer, Asset: tr.Asset, Amount: amt, State: escrow.State(tr.State),
		HeldFrom: escrow.State(tr.HeldFrom), HeldAt: parseTime(tr.HeldAt), CreatedAt: parseTime(tr.CreatedAt),
		PaymentDeadline: parseTime(tr.PaymentDeadline), PaidAt: parseTime(tr.PaidAt), ConfirmDeadline: parseTime(tr.ConfirmDeadline),
		ClosedAt: parseTime(tr.ClosedAt)}
	for _, p := range tr.Proofs {
		m.Proofs = append(m.Proofs, escrow.ProofOfLife{ID: p.ID, Subject: escrow.Role(p.Subject), Requester: escrow.Role(p.Requester),
			Status: escrow.ProofStatus(p.Status), At: parseTime(p.RequestedAt)})
	}
	if d := tr.Dispute; d != nil {
		md := &escrow.Dispute{ID: d.ID, OpenedBy: escrow.Role(d.OpenedBy), Reason: escrow.Reason(d.Reason), OpenedAt: parseTime(d.OpenedAt),
			Mediator: d.Mediator, TakenAt: parseTime(d.TakenAt), Escalated: d.Escalated, EscalatedAt: parseTime(d.EscalatedAt),
			EscalationReason: d.EscalationReason}
		for _, e := range d.Evidence {
			md.Evidence = append(md.Evidence, escrow.EvidenceRequest{ID: e.ID, From: escrow.Role(e.From), By: e.By,
				RequestedAt: parseTime(e.RequestedAt), Deadline: parseTime(e.Deadline), AnsweredAt: parseTime(e.AnsweredAt)})
		}
		m.Dispute = md
	}
	if p := tr.Proposal; p != nil {
		m.Proposal = &escrow.Proposal{Action: escrow.Action(p.Action), By: p.By, Role: escrow.Role(p.Role), Reason: p.Reason, At: parseTime(p.At)}
	}
	return m
}

// withMachine writes the state machine's view back onto the stored trade (the fields it
// owns), keeping what it does not know (fiat terms, proofs' vendor data, verdicts).
func (tr Trade) withMachine(m escrow.Trade) Trade {
	tr.State, tr.HeldFrom, tr.HeldAt = string(m.State), string(m.HeldFrom), fmtTime(m.HeldAt)
	tr.PaymentDeadline, tr.PaidAt, tr.ConfirmDeadline, tr.ClosedAt = fmtTime(m.PaymentDeadline), fmtTime(m.PaidAt), fmtTime(m.ConfirmDeadline), fmtTime(m.ClosedAt)
	if m.Dispute != nil {
		d := Dispute{}
		if tr.Dispute != nil {
			d = *tr.Dispute
		}
		d.ID, d.OpenedBy, d.Reason, d.OpenedAt = m.Dispute.ID, string(m.Dispute.OpenedBy), string(m.Dispute.Reason), fmtTime(m.Dispute.OpenedAt)
		d.Mediator, d.TakenAt, d.Escalated, d.EscalatedAt, d.EscalationReason = m.Dispute.Mediator, fmtTime(m.Dispute.TakenAt), m.Dispute.Escalated, fmtTime(m.Dispute.EscalatedAt), m.Dispute.EscalationReason
		d.Evidence = d.Evidence[:0:0]
		for _, e := range m.Dispute.Evidence {
			d.Evidence = append(d.Evidence, Evidence{ID: e.ID, From: string(e.From), By: e.By, RequestedAt: fmtTime(e.RequestedAt),
				Deadline: fmtTime(e.Deadline), AnsweredAt: fmtTime(e.AnsweredAt)})
		}
		if d.Evidence == nil {
			d.Evidence = []Evidence{}
		}
		tr.Dispute = &d
	}
	tr.Proposal = nil
	if p := m.Proposal; p != nil {
		tr.Proposal = &Proposal{Action: string(p.Action), By: p.By, Role: string(p.Role), Reason: p.Reason, At: fmtTime(p.At)}
	}
	return tr
}

var (
	userIDPattern   = regexp.MustCompile(`^usr_[0-9a-hjkmnp-tv-z]{26}$`)
	tradeIDPattern  = regexp.MustCompile(`^trd_[0-9a-hjkmnp-tv-z]{26}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	assetPattern    = regexp.MustCompile(`^[A-Z0-9]{2,12}$`)
	methodPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	fiatPattern     = regexp.MustCompile(`^(0|[1-9][0-9]{0,17})(\.[0-9]{1,2})?$`)
)

func newID(prefix string) string { return prefix + strings.ToLower(store.NewID()) }
