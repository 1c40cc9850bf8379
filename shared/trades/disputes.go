package trades

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Dispute queue statuses.
const (
	QueueNew       = "new"
	QueueTaken     = "taken"
	QueueEscalated = "escalated"
)

// queueStatus is where a trade sits in the platform's dispute queue ("" for nowhere).
func queueStatus(tr Trade) string {
	if tr.State != string(escrow.Disputed) || tr.Dispute == nil {
		return ""
	}
	switch {
	case tr.Dispute.Escalated:
		return QueueEscalated
	case tr.Dispute.Mediator != "":
		return QueueTaken
	}
	return QueueNew
}

type queueItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	TradeID  string `dynamodbav:"tradeId"`
	OpenedAt string `dynamodbav:"openedAt"`
	Mediator string `dynamodbav:"mediator,omitempty"`
	Asset    string `dynamodbav:"asset"`
	Amount   string `dynamodbav:"amount"`
	Reason   string `dynamodbav:"reason"`
}

func (queueItem) EntityType() string { return "dispute_queue" }

func queueKey(t store.TenantID, tr Trade) (store.Key, bool) {
	st := queueStatus(tr)
	if st == "" {
		return store.Key{}, false
	}
	return store.Key{PK: store.DisputeQueuePK(st), SK: tr.Dispute.OpenedAt + "#" + string(t) + "#" + tr.ID}, true
}

// stageQueue moves the trade's entry in the dispute queue.
func (s *Service) stageQueue(tx *store.Tx, t store.TenantID, before, after Trade) {
	oldK, hadOld := queueKey(t, before)
	newK, hasNew := queueKey(t, after)
	if hadOld && (!hasNew || oldK != newK) {
		tx.Remove(oldK)
	}
	if hasNew && (!hadOld || oldK != newK || before.Dispute.Mediator != after.Dispute.Mediator) {
		tx.Put(newK, queueItem{TenantID: string(t), TradeID: after.ID, OpenedAt: after.Dispute.OpenedAt, Mediator: after.Dispute.Mediator,
			Asset: after.Asset, Amount: after.Amount, Reason: after.Dispute.Reason})
	}
}

// Record is a user's P2P record, as the mediator sees it beside a case.
type Record struct {
	TradesCompleted   int64  `json:"tradesCompleted" dynamodbav:"completed"`
	TradesCancelled   int64  `json:"cancellationsCounted" dynamodbav:"cancelledPenalized"`
	DisputesOpened    int64  `json:"disputesOpened" dynamodbav:"disputesOpened"`
	DisputesWon       int64  `json:"disputesWon" dynamodbav:"disputesWon"`
	DisputesLost      int64  `json:"disputesLost" dynamodbav:"disputesLost"`
	PlatformStatus    string `json:"platformStatus" dynamodbav:"-"`
	PlatformRestricts bool   `json:"restricted" dynamodbav:"-"`
}

// stageRecords adds the parties' record counters a transition moves.
func stageRecords(tx *store.Tx, t store.TenantID, before, after Trade, d escrow.Decision) {
	add := map[string]map[string]int64{}
	inc := func(user, attr string) {
		if add[user] == nil {
			add[user] = map[string]int64{}
		}
		add[user][attr]++
	}
	switch after.State {
	case string(escrow.Released), string(escrow.ResolvedRelease), string(escrow.ResolvedRefund):
		if before.State != after.State {
			inc(after.Seller, "completed")
			inc(after.Buyer, "completed")
		}
	}
	if after.State == string(escrow.Disputed) && before.State != string(escrow.Disputed) && after.Dispute != nil {
		switch after.Dispute.OpenedBy {
		case string(escrow.Buyer):
			inc(after.Buyer, "disputesOpened")
		case string(escrow.Seller):
			inc(after.Seller, "disputesOpened")
		}
	}
	if before.State == string(escrow.Disputed) {
		switch after.State {
		case string(escrow.ResolvedRelease):
			inc(after.Buyer, "disputesWon")
			inc(after.Seller, "disputesLost")
		case string(escrow.ResolvedRefund):
			inc(after.Seller, "disputesWon")
			inc(after.Buyer, "disputesLost")
		}
	}
	if d.Penalized != "" && after.State == string(escrow.Cancelled) {
		if d.Penalized == escrow.Buyer {
			inc(after.Buyer, "cancelledPenalized")
		} else {
			inc(after.Seller, "cancelledPenalized")
		}
	}
	for user, counters := range add {
		tx.Tally(store.P2PRecordKey(t, user), store.Tally{Entity: "p2p_record", Add: counters})
	}
}

// DisputeInput is POST /v1/trades/{id}/disputes.
type DisputeInput struct {
	OpenedBy    string `json:"openedBy"` // the user id of the party (the client acts for its users)
	Reason      string `json:"reason"`
	Description string `json:"description"`
}

// OpenDispute asks for a mediator (buyer after paid; seller once the payment window ran
// out after paid). The description is stored encrypted.
func (s *Service) OpenDispute(ctx context.Context, t store.TenantID, client audit.Actor, id string, in DisputeInput) (Trade, error) {
	if !escrow.Reason(in.Reason).Valid() {
		return Trade{}, invalid("invalid_reason", "reason is payment_not_received, paid_not_released, wrong_amount, fraud or other")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(in.Description))
	if n > 4000 || strings.ContainsFunc(in.Description, func(r rune) bool { return r < 0x20 && r != '\n' || r >= '\u202A' && r <= '\u202E' }) {
		return Trade{}, invalid("invalid_description", "description is at most 4,000 characters of text")
	}
	if in.Reason == string(escrow.ReasonOther) && n == 0 {
		return Trade{}, invalid("invalid_description", "a dispute for reason other needs a description")
	}
	var enc string
	if n > 0 {
		var err error
		if enc, err = envelope.EncryptString(ctx, s.Enc, envelope.Context{Tenant: string(t), Record: id, Purpose: PurposeDispute}, in.Description); err != nil {
			return Trade{}, err
		}
	}
	return s.transition(ctx, t, client, id, escrow.OpenDispute, func(tr Trade) (escrow.Actor, error) {
		return partyActor(tr, in.OpenedBy)
	}, func(tr *Trade) error {
		tr.Dispute.Reason, tr.Dispute.DescriptionEnc = in.Reason, enc
		return nil
	})
}

// Staff is a staff member acting on disputes and held trades.
type Staff struct {
	ID       string
	Analyst  bool
	Approver bool
}

func (st Staff) actor() audit.Actor { return audit.Actor{Type: "staff", ID: st.ID} }

// lookup finds a trade by id alone (staff routes).
func (s *Service) lookup(ctx context.Context, id string) (store.TenantID, error) {
	if !tradeIDPattern.MatchString(id) {
		return "", errTradeNotFound
	}
	var ref tradeRef
	if err := s.Store.Get(ctx, store.TradeRefKey(id), &ref); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", errTradeNotFound
		}
		return "", err
	}
	return store.TenantID(ref.TenantID), nil
}

// CaseView is a trade as a mediator reads it: the trade, the dispute's description, and
// each party's record.
type CaseView struct {
	TenantID string `json:"tenantId"`
	Trade
	SellerRecord Record `json:"sellerRecord"`
	BuyerRecord  Record `json:"buyerRecord"`
}

// StaffGet answers a trade with its case for staff; the read is audited (it decrypts the
// dispute's description).
func (s *Service) StaffGet(ctx context.Context, st Staff, id string) (CaseView, error) {
	if !st.Analyst && !st.Approver {
		return CaseView{}, failure.Denied("forbidden", "reading a case needs the analyst or approver role")
	}
	t, err := s.lookup(ctx, id)
	if err != nil {
		return CaseView{}, err
	}
	it, err := s.get(ctx, t, id)
	if err != nil {
		return CaseView{}, err
	}
	v := CaseView{TenantID: string(t), Trade: s.view(it.Trade)}
	if it.Dispute != nil && it.Dispute.DescriptionEnc != "" {
		desc, err := envelope.DecryptString(ctx, s.Enc, envelope.Context{Tenant: string(t), Record: id, Purpose: PurposeDispute}, it.Dispute.DescriptionEnc)
		if err != nil {
			return CaseView{}, err
		}
		d := *v.Dispute
		d.Description = desc
		v.Dispute = &d
	}
	for _, p := range []struct {
		user string
		out  *Record
	}{{it.Seller, &v.SellerRecord}, {it.Buyer, &v.BuyerRecord}} {
		if err := s.Store.Get(ctx, store.P2PRecordKey(t, p.user), p.out); err != nil && !errors.Is(err, store.ErrNotFound) {
			return CaseView{}, err
		}
		if u, err := s.Users.GetUser(ctx, t, p.user); err == nil {
			p.out.PlatformStatus = string(u.Status)
			p.out.PlatformRestricts = u.Status != "active"
		}
	}
	if _, err := s.Audit.Append(ctx, t, audit.Record{Action: "trade.case_read", Actor: st.actor(), Subject: audit.Subject{Type: "trade", ID: id}}); err != nil {
		return CaseView{}, err
	}
	return v, nil
}

// QueueEntry is one dispute in the platform's queue.
type QueueEntry struct {
	TenantID string `json:"tenantId"`
	TradeID  string `json:"tradeId"`
	OpenedAt string `json:"openedAt"`
	Mediator string `json:"mediator,omitempty"`
	Asset    string `json:"asset"`
	Amount   string `json:"amount"`
	Reason   string `json:"reason"`
	Status   string `json:"status"`
}

// Queue lists the disputes of a status (new, taken, escalated), oldest first.
func (s *Service) Queue(ctx context.Context, st Staff, status, cursor string, limit int) ([]QueueEntry, string, error) {
	if !st.Analyst && !st.Approver {
		return nil, "", failure.Denied("forbidden", "the dispute queue needs the analyst or approver role")
	}
	if status == "" {
		status = QueueNew
	}
	if status != QueueNew && status != QueueTaken && status != QueueEscalated {
		return nil, "", invalid("invalid_status", "status is new, taken or escalated")
	}
	page, err := s.Store.Query(ctx, store.QueryInput{PK: store.DisputeQueuePK(status), Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	items, err := store.Items[queueItem](page)
	if err != nil {
		return nil, "", err
	}
	out := make([]QueueEntry, len(items))
	for i, q := range items {
		out[i] = QueueEntry{TenantID: q.TenantID, TradeID: q.TradeID, OpenedAt: q.OpenedAt, Mediator: q.Mediator, Asset: q.Asset, Amount: q.Amount, Reason: q.Reason, Status: status}
	}
	return out, page.NextCursor, nil
}

// caseChange changes a trade's dispute (no state change): take, evidence requests and
// answers, escalation, proposals. It is written on the version read, with the queue,
// the due item, the audit record and a trade.dispute_updated event.
func (s *Service) caseChange(ctx context.Context, t store.TenantID, id string, by audit.Actor, action string,
	change func(m escrow.Trade, now time.Time) (escrow.Trade, map[string]any, error)) (Trade, error) {
	for attempt := 0; ; attempt++ {
		it, err := s.get(ctx, t, id)
		if err != nil {
			return Trade{}, err
		}
		now := s.now()
		m := it.machine()
		nm, data, err := change(m, now)
		if err != nil {
			return Trade{}, decideError(err)
		}
		next := it
		next.Trade = it.Trade.withMachine(nm)
		key := store.TradeKey(t, id)
		due := s.dueFor(t, &next, nm)
		tx := s.Store.Tx()
		tx.Update(key, it.Version, next)
		stageDue(tx, it.DueSK, next, due)
		s.stageQueue(tx, t, it.Trade, next.Trade)
		if _, err := s.Audit.Stage(tx, t, audit.Record{Action: "trade." + action, Actor: by, Subject: audit.Subject{Type: "trade", ID: id}}); err != nil {
			return Trade{}, err
		}
		if data != nil {
			data["tradeId"], data["change"], data["at"] = id, action, fmtTime(now)
			if next.Dispute != nil {
				data["disputeId"] = next.Dispute.ID
			}
			ev, err := events.New(EventDisputeUpdated, string(t), data, now)
			if err != nil {
				return Trade{}, err
			}
			events.Stage(tx, ev)
		}
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

func disputeOf(m escrow.Trade) (escrow.Dispute, error) {
	if m.State != escrow.Disputed || m.Dispute == nil {
		return escrow.Dispute{}, failure.Conflicting("not_disputed", "the trade has no open dispute")
	}
	return *m.Dispute, nil
}

// Take assigns the dispute to the analyst calling (an approver may take over an
// escalated dispute).
func (s *Service) Take(ctx context.Context, st Staff, id string) (Trade, error) {
	if !st.Analyst && !st.Approver {
		return Trade{}, failure.Denied("forbidden", "taking a dispute needs the analyst role")
	}
	t, err := s.lookup(ctx, id)
	if err != nil {
		return Trade{}, err
	}
	return s.caseChange(ctx, t, id, st.actor(), "dispute_taken", func(m escrow.Trade, now time.Time) (escrow.Trade, map[string]any, error) {
		d, err := disputeOf(m)
		if err != nil {
			return m, nil, err
		}
		nd, err := d.Take(st.ID, st.Approver && d.Escalated, now)
		if err != nil {
			return m, nil, err
		}
		m.Dispute = &nd
		return m, map[string]any{}, nil
	})
}

// EvidenceInput is a mediator's request for evidence.
type EvidenceInput struct {
	From     string `json:"from"` // buyer or seller
	Deadline string `json:"deadline"`
}

// RequestEvidence asks a party for evidence by a deadline.
func (s *Service) RequestEvidence(ctx context.Context, st Staff, id string, in EvidenceInput) (Trade, error) {
	if !st.Analyst && !st.Approver {
		return Trade{}, failure.Denied("forbidden", "needs the analyst role")
	}
	deadline, err := time.Parse(time.RFC3339Nano, in.Deadline)
	if err != nil {
		return Trade{}, invalid("invalid_deadline", "deadline is an RFC 3339 time")
	}
	if in.From != string(escrow.Buyer) && in.From != string(escrow.Seller) {
		return Trade{}, invalid("invalid_party", "from is buyer or seller")
	}
	t, err := s.lookup(ctx, id)
	if err != nil {
		return Trade{}, err
	}
	reqID := newID("evr_")
	return s.caseChange(ctx, t, id, st.actor(), "evidence_requested", func(m escrow.Trade, now time.Time) (escrow.Trade, map[string]any, error) {
		d, err := disputeOf(m)
		if err != nil {
			return m, nil, err
		}
		role := escrow.Mediator
		if st.Approver && d.Escalated && d.Mediator != st.ID {
			role = escrow.Approver
		}
		nd, err := d.RequestEvidence(escrow.Actor{Role: role, ID: st.ID}, reqID, escrow.Role(in.From), deadline.UTC(), now, s.Policy)
		if err != nil {
			return m, nil, err
		}
		m.Dispute = &nd
		return m, map[string]any{"evidenceRequestId": reqID, "from": in.From, "deadline": fmtTime(deadline.UTC())}, nil
	})
}

// AnswerInput is a party's answer to an evidence request (the evidence itself is in the
// trade's chat: messages and receipts).
type AnswerInput struct {
	By string `json:"by"`
}

// AnswerEvidence records that a party answered an evidence request.
func (s *Service) AnswerEvidence(ctx context.Context, t store.TenantID, client audit.Actor, id, requestID string, in AnswerInput) (Trade, error) {
	if !store.ValidID(requestID) {
		return Trade{}, failure.Missing("evidence_request_not_found", "no such evidence request")
	}
	return s.caseChange(ctx, t, id, client, "evidence_answered", func(m escrow.Trade, now time.Time) (escrow.Trade, map[string]any, error) {
		tr := Trade{Seller: m.Seller, Buyer: m.Buyer}
		by, err := partyActor(tr, in.By)
		if err != nil {
			return m, nil, err
		}
		d, err := disputeOf(m)
		if err != nil {
			return m, nil, err
		}
		nd, err := d.Answer(by.Role, requestID, now)
		if err != nil {
			return m, nil, err
		}
		m.Dispute = &nd
		return m, map[string]any{"evidenceRequestId": requestID, "from": string(by.Role)}, nil
	})
}

// VerdictInput is a mediator's (or approver's) verdict on a dispute, or staff's decision
// on a held trade.
type VerdictInput struct {
	Verdict string `json:"verdict"` // release_to_buyer or return_to_seller (held trades: also resume)
	Reason  string `json:"reason"`
}

// Verdict decides a dispute (or a held trade). Within the four-eyes threshold the
// assigned mediator decides alone; above it the decision is a proposal (202) that an
// approver who is neither the proposer nor the mediator executes with Approve.
func (s *Service) Verdict(ctx context.Context, st Staff, id string, in VerdictInput) (Trade, bool, error) {
	if !st.Analyst && !st.Approver {
		return Trade{}, false, failure.Denied("forbidden", "needs the analyst or approver role")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Reason)); n < 10 || n > 2000 {
		return Trade{}, false, invalid("invalid_reason", "reason is 10 to 2,000 characters")
	}
	t, err := s.lookup(ctx, id)
	if err != nil {
		return Trade{}, false, err
	}
	it, err := s.get(ctx, t, id)
	if err != nil {
		return Trade{}, false, err
	}
	a, by, err := verdictAction(it.Trade, st, in.Verdict)
	if err != nil {
		return Trade{}, false, err
	}
	ctx = withVerdictReason(ctx, strings.TrimSpace(in.Reason))
	tr, err := s.transition(ctx, t, st.actor(), id, a, func(Trade) (escrow.Actor, error) { return by, nil }, nil)
	if err == nil {
		return tr, false, nil
	}
	if f, ok := failure.As(err); !ok || f.Code != "approval_required" {
		return Trade{}, false, err
	}
	// Above the threshold: a proposal for an approver.
	tr, err = s.caseChange(ctx, t, id, st.actor(), "verdict_proposed", func(m escrow.Trade, now time.Time) (escrow.Trade, map[string]any, error) {
		nm, err := escrow.Propose(m, a, by, strings.TrimSpace(in.Reason), now, s.Policy)
		return nm, map[string]any{"proposedAction": string(a)}, err
	})
	return tr, true, err
}

func verdictAction(tr Trade, st Staff, verdict string) (escrow.Action, escrow.Actor, error) {
	held := tr.State == string(escrow.OnHold)
	var a escrow.Action
	switch {
	case verdict == "release_to_buyer" && held:
		a = escrow.HoldRelease
	case verdict == "return_to_seller" && held:
		a = escrow.HoldRefund
	case verdict == "resume" && held:
		a = escrow.Unhold
	case verdict == "release_to_buyer":
		a = escrow.VerdictRelease
	case verdict == "return_to_seller":
		a = escrow.VerdictRefund
	default:
		return "", escrow.Actor{}, invalid("invalid_verdict", "verdict is release_to_buyer or return_to_seller (or resume, for a held trade)")
	}
	role := escrow.Mediator
	switch {
	case held:
		role = escrow.Staff
	case tr.Dispute != nil && tr.Dispute.Escalated && st.Approver && tr.Dispute.Mediator != st.ID:
		role = escrow.Approver
	}
	return a, escrow.Actor{Role: role, ID: st.ID}, nil
}

// ApprovalInput is an approver's answer to a proposal, which it names (proposalId, as the
// case shows it).
type ApprovalInput struct {
	ProposalID string `json:"proposalId"`
	Approve    *bool  `json:"approve"`
	Comment    string `json:"comment"`
}

// Approve executes (or declines) a proposal: four eyes.
func (s *Service) Approve(ctx context.Context, st Staff, id string, in ApprovalInput) (Trade, error) {
	if !st.Approver {
		return Trade{}, failure.Denied("forbidden", "approving needs the approver role")
	}
	if in.Approve == nil {
		return Trade{}, invalid("invalid_approve", "approve is true or false")
	}
	if utf8.RuneCountInString(in.Comment) > 2000 || strings.ContainsFunc(in.Comment, func(r rune) bool {
		return r < 0x20 && r != '\n' || unicode.Is(unicode.Cf, r)
	}) {
		return Trade{}, invalid("invalid_comment", "comment is at most 2,000 characters of text, without control or direction characters")
	}
	t, err := s.lookup(ctx, id)
	if err != nil {
		return Trade{}, err
	}
	it, err := s.get(ctx, t, id)
	if err != nil {
		return Trade{}, err
	}
	if it.Proposal == nil {
		return Trade{}, failure.Conflicting("no_proposal", "the trade has no proposal awaiting approval")
	}
	if in.ProposalID != proposalID(*it.Proposal) {
		return Trade{}, failure.Conflicting("proposal_changed", "proposalId does not name the pending proposal (it was replaced or is missing): read the case again")
	}
	if !*in.Approve {
		return s.caseChange(ctx, t, id, st.actor(), "verdict_declined", func(m escrow.Trade, now time.Time) (escrow.Trade, map[string]any, error) {
			if m.Proposal == nil {
				return m, nil, failure.Conflicting("no_proposal", "the trade has no proposal awaiting approval")
			}
			if m.Proposal.By == st.ID {
				return m, nil, escrow.ErrSameApprover
			}
			m.Proposal = nil
			return m, map[string]any{}, nil
		})
	}
	a := escrow.Action(it.Proposal.Action)
	want := proposalID(*it.Proposal)
	return s.transition(ctx, t, st.actor(), id, a, func(cur Trade) (escrow.Actor, error) {
		if cur.Proposal == nil || proposalID(*cur.Proposal) != want {
			return escrow.Actor{}, failure.Conflicting("proposal_changed", "the proposal was replaced meanwhile: read the case again")
		}
		return escrow.Actor{Role: escrow.Approver, ID: st.ID}, nil
	}, nil)
}

// queueAll reads a whole queue partition (the stuck check, tests).
func (s *Service) queueAll(ctx context.Context, status string) ([]queueItem, error) {
	var out []queueItem
	err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.DisputeQueuePK(status), Limit: store.MaxLimit}, func(items []map[string]types.AttributeValue) (bool, error) {
		for _, raw := range items {
			var q queueItem
			if err := store.Unmarshal(raw, &q); err != nil {
				return false, err
			}
			out = append(out, q)
		}
		return true, nil
	})
	return out, err
}

// TenantOf finds the tenant of a trade from its id alone (staff routes).
func (s *Service) TenantOf(ctx context.Context, id string) (store.TenantID, error) {
	return s.lookup(ctx, id)
}
