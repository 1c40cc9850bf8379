package trades

import (
	"context"
	"errors"
	"slices"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// ProofInput is POST /v1/trades/{id}/proof-of-life.
type ProofInput struct {
	RequestedBy string `json:"requestedBy"` // buyer or seller: the other party proves
}

// ProofStarted is what the proving party's front end needs to run the vendor's liveness
// check.
type ProofStarted struct {
	Trade   Trade             `json:"trade"`
	Proof   Proof             `json:"proofOfLife"`
	Session map[string]string `json:"session"`
}

type proofRef struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	TradeID  string `dynamodbav:"tradeId"`
	ProofID  string `dynamodbav:"proofId"`
	UserID   string `dynamodbav:"userId"`
}

func (proofRef) EntityType() string { return "proof_ref" }

// maxProofsPerSubject bounds the proofs of life one party can be asked for on a trade:
// a requester cannot hold a release back by asking again and again.
const maxProofsPerSubject = 2

// mayRequestProof: an open trade without a dispute (once disputed, the mediator asks for
// evidence), no proof of that party pending, and fewer than maxProofsPerSubject asked.
func mayRequestProof(tr Trade, subject escrow.Role) error {
	st := escrow.State(tr.State)
	if st.Final() {
		return failure.Conflicting("trade_closed", "the trade is %s", tr.State)
	}
	if st == escrow.Disputed || st == escrow.OnHold {
		return failure.Conflicting("trade_disputed", "the trade is %s: the mediator asks for evidence", tr.State)
	}
	n := 0
	for _, p := range tr.Proofs {
		if p.Subject != string(subject) {
			continue
		}
		n++
		if p.Status == string(escrow.ProofPending) {
			return failure.Conflicting("proof_pending", "a proof of life of the %s is already pending", subject)
		}
	}
	if n >= maxProofsPerSubject {
		return failure.Conflicting("too_many_proofs", "the %s was asked for %d proofs of life already", subject, n)
	}
	return nil
}

// RequestProof asks the other party of an open trade for a liveness check through the
// identity vendor. While it is pending or failed, the escrow cannot be released to the
// buyer if the buyer is the one proving, and the requester may cancel without penalty
// before paid (the state machine's rules).
func (s *Service) RequestProof(ctx context.Context, t store.TenantID, client audit.Actor, id string, in ProofInput) (ProofStarted, error) {
	if in.RequestedBy != string(escrow.Buyer) && in.RequestedBy != string(escrow.Seller) {
		return ProofStarted{}, invalid("invalid_requested_by", "requestedBy is buyer or seller")
	}
	if s.Proofs == nil {
		return ProofStarted{}, failure.New(failure.Unavailable, "proof_of_life_unavailable", "proof of life is not configured")
	}
	it, err := s.get(ctx, t, id)
	if err != nil {
		return ProofStarted{}, err
	}
	if escrow.State(it.State).Final() {
		return ProofStarted{}, failure.Conflicting("trade_closed", "the trade is %s", it.State)
	}
	subject, subjectUser := escrow.Seller, it.Seller
	if in.RequestedBy == string(escrow.Seller) {
		subject, subjectUser = escrow.Buyer, it.Buyer
	}
	if err := mayRequestProof(it.Trade, subject); err != nil {
		return ProofStarted{}, err
	}
	proofID := newID("pol_")
	vendor, verification, session, err := s.Proofs.StartProofOfLife(ctx, t, subjectUser, proofID)
	if err != nil {
		return ProofStarted{}, err
	}
	now := s.now()
	p := Proof{ID: proofID, Subject: string(subject), Requester: in.RequestedBy, Status: string(escrow.ProofPending), Vendor: vendor,
		VerificationID: verification, RequestedAt: fmtTime(now)}
	tr, err := s.proofChange(ctx, t, id, client, "proof_of_life_requested", func(tr *Trade) error {
		// Checked again on the version written: concurrent requests make one proof.
		if err := mayRequestProof(*tr, subject); err != nil {
			return err
		}
		tr.Proofs = append(slices.Clone(tr.Proofs), p)
		return nil
	}, func(tx *store.Tx) {
		tx.Create(store.ProofRefKey(vendor, verification), proofRef{TenantID: string(t), TradeID: id, ProofID: proofID, UserID: subjectUser})
	})
	if err != nil {
		return ProofStarted{}, err
	}
	return ProofStarted{Trade: tr, Proof: p, Session: session}, nil
}

// FindProof answers the trade of a vendor verification, if it is a proof of life.
func (s *Service) FindProof(ctx context.Context, vendor, verificationID string) (t store.TenantID, tradeID, proofID, userID string, ok bool, err error) {
	if !store.ValidID(vendor) || !store.ValidID(verificationID) {
		return "", "", "", "", false, nil
	}
	var ref proofRef
	if err := s.Store.Get(ctx, store.ProofRefKey(vendor, verificationID), &ref); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", "", "", "", false, nil
		}
		return "", "", "", "", false, err
	}
	return store.TenantID(ref.TenantID), ref.TradeID, ref.ProofID, ref.UserID, true, nil
}

// CompleteProof records a proof's result (passed: verified and matched to the identity
// registered at onboarding) and tells both parties. A result already recorded is not
// changed (the vendor may send its webhook again).
func (s *Service) CompleteProof(ctx context.Context, t store.TenantID, tradeID, proofID string, passed bool, reason string) error {
	status := string(escrow.ProofFailed)
	if passed {
		status = string(escrow.ProofPassed)
	}
	_, err := s.proofChange(ctx, t, tradeID, audit.Actor{Type: "system", ID: "proof-of-life"}, "proof_of_life_completed", func(tr *Trade) error {
		i := slices.IndexFunc(tr.Proofs, func(p Proof) bool { return p.ID == proofID })
		if i < 0 {
			return failure.Missing("proof_not_found", "no such proof of life")
		}
		if tr.Proofs[i].Status != string(escrow.ProofPending) {
			return errUnchanged
		}
		ps := slices.Clone(tr.Proofs)
		ps[i].Status, ps[i].Reason, ps[i].CompletedAt = status, reason, fmtTime(s.now())
		tr.Proofs = ps
		return nil
	}, nil)
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

var errUnchanged = errors.New("trades: unchanged")

// proofChange writes a change of the trade's proofs with the event both parties get.
func (s *Service) proofChange(ctx context.Context, t store.TenantID, id string, by audit.Actor, action string,
	change func(*Trade) error, extra func(*store.Tx)) (Trade, error) {
	for attempt := 0; ; attempt++ {
		it, err := s.get(ctx, t, id)
		if err != nil {
			return Trade{}, err
		}
		next := it
		if err := change(&next.Trade); err != nil {
			return Trade{}, err
		}
		now := s.now()
		key := store.TradeKey(t, id)
		tx := s.Store.Tx()
		tx.Update(key, it.Version, next)
		if extra != nil {
			extra(tx)
		}
		var changed Proof
		for _, p := range next.Proofs {
			if i := slices.IndexFunc(it.Proofs, func(q Proof) bool { return q.ID == p.ID }); i < 0 || it.Proofs[i].Status != p.Status {
				changed = p
			}
		}
		if _, err := s.Audit.Stage(tx, t, audit.Record{Action: "trade." + action, Actor: by, Subject: audit.Subject{Type: "trade", ID: id},
			Details: map[string]string{"proofId": changed.ID, "subject": changed.Subject, "status": changed.Status}}); err != nil {
			return Trade{}, err
		}
		ev, err := events.New(EventProofOfLife, string(t), map[string]any{"tradeId": id, "proofId": changed.ID, "subject": changed.Subject,
			"requester": changed.Requester, "status": changed.Status, "seller": it.Seller, "buyer": it.Buyer, "at": fmtTime(now)}, now)
		if err != nil {
			return Trade{}, err
		}
		events.Stage(tx, ev)
		err = tx.Exec(ctx)
		if failedOn(err, key) && attempt < 8 {
			if err := backoff(ctx, attempt); err != nil {
				return Trade{}, err
			}
			continue
		}
		if err != nil {
			return Trade{}, err
		}
		return s.view(next.Trade), nil
	}
}
