package trades

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"time"

	"golang.org/x/text/currency"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/ledger"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/store"
)

// Users is what trades need of onboarding: a user's platform status.
type Users interface {
	GetUser(ctx context.Context, t store.TenantID, id string) (onboarding.User, error)
}

// Receipts checks a receipt named when a buyer marks a trade paid (shared/tradechat).
type Receipts interface {
	VerifiedReceipt(ctx context.Context, t store.TenantID, tradeID, attachmentID, userID string) error
}

// ProofVendor starts a liveness check of a user with the identity vendor.
type ProofVendor interface {
	StartProofOfLife(ctx context.Context, t store.TenantID, userID, proofID string) (vendor, verificationID string, session map[string]string, err error)
}

// Service is the P2P escrow: trades, their timers, disputes and proofs of life, over the
// ledger. It is safe for concurrent use.
type Service struct {
	Store    *store.Store
	Audit    *audit.Log
	Ledger   *ledger.Service
	Users    Users
	Enc      envelope.Encrypter
	Proofs   ProofVendor
	Receipts Receipts
	Policy   escrow.Policy
	Now      func() time.Time
	Log      *slog.Logger
}

// New fills in the defaults.
func New(s Service) *Service {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	return &s
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// Event types.
const (
	EventStateChanged   = "trade.state_changed"
	EventProofOfLife    = "trade.proof_of_life"
	EventDisputeUpdated = "trade.dispute_updated"
)

// Encryption purposes.
const PurposeDispute = "trade.dispute"

// OpenInput is POST /v1/trades.
type OpenInput struct {
	Seller               string `json:"seller"`
	Buyer                string `json:"buyer"`
	Asset                string `json:"asset"`
	Amount               string `json:"amount"`
	FiatCurrency         string `json:"fiatCurrency"`
	FiatAmount           string `json:"fiatAmount"`
	PaymentMethod        string `json:"paymentMethod"`
	PaymentWindowMinutes int    `json:"paymentWindowMinutes"`
}

func invalid(code, format string, args ...any) error {
	return failure.InvalidInput(code, format, args...)
}

var errTradeNotFound = failure.Missing("trade_not_found", "no such trade")

func (in OpenInput) check() (ledger.Amount, error) {
	switch {
	case !userIDPattern.MatchString(in.Seller) || !userIDPattern.MatchString(in.Buyer):
		return ledger.Amount{}, invalid("invalid_party", "seller and buyer are user ids (usr_...)")
	case in.Seller == in.Buyer:
		return ledger.Amount{}, invalid("invalid_party", "the seller cannot buy from themselves")
	case !assetPattern.MatchString(in.Asset):
		return ledger.Amount{}, invalid("invalid_asset", "asset is an upper-case ticker, like USDT")
	case !validCurrency(in.FiatCurrency):
		return ledger.Amount{}, invalid("invalid_fiat_currency", "fiatCurrency is an ISO 4217 code, like EUR")
	case !fiatPattern.MatchString(in.FiatAmount) || in.FiatAmount == "0" || in.FiatAmount == "0.0" || in.FiatAmount == "0.00":
		return ledger.Amount{}, invalid("invalid_fiat_amount", "fiatAmount is a positive decimal string with at most 2 decimals")
	case !methodPattern.MatchString(in.PaymentMethod):
		return ledger.Amount{}, invalid("invalid_payment_method", "paymentMethod is a code like sepa_transfer or revolut")
	case in.PaymentWindowMinutes < 5 || in.PaymentWindowMinutes > 1440:
		return ledger.Amount{}, invalid("invalid_payment_window", "paymentWindowMinutes is 5 to 1440")
	}
	amt, err := ledger.ParseAmount(in.Amount)
	if err != nil || amt.Sign() <= 0 || !amt.InRange() {
		return ledger.Amount{}, invalid("invalid_amount", "amount is a positive integer string in the asset's smallest unit, below 10^36")
	}
	return amt, nil
}

// validCurrency: an ISO 4217 code the platform knows.
func validCurrency(c string) bool {
	if !currencyPattern.MatchString(c) {
		return false
	}
	u, err := currency.ParseISO(c)
	return err == nil && u.String() == c
}

// Open opens a trade: both parties active with the platform, the amount locked from the
// seller's available balance into escrow (409 insufficient_funds), in one transaction with
// the trade, its timer, the audit record and the event.
func (s *Service) Open(ctx context.Context, t store.TenantID, by audit.Actor, in OpenInput, extra ...func(*store.Tx, Trade)) (Trade, error) {
	amt, err := in.check()
	if err != nil {
		return Trade{}, err
	}
	for _, u := range []string{in.Seller, in.Buyer} {
		user, err := s.Users.GetUser(ctx, t, u)
		if err != nil {
			return Trade{}, err
		}
		if user.Status != lifecycle.StatusActive {
			return Trade{}, failure.Conflicting("party_not_active", "user %s is %s: both parties must be active", u, user.Status)
		}
	}
	now := s.now()
	id := newID("trd_")
	m := escrow.Open(escrow.Trade{ID: id, Seller: in.Seller, Buyer: in.Buyer, Asset: in.Asset, Amount: amt.Big()},
		time.Duration(in.PaymentWindowMinutes)*time.Minute, now)
	tr := Trade{ID: id, Seller: in.Seller, Buyer: in.Buyer, Asset: in.Asset, Amount: amt.String(), FiatCurrency: in.FiatCurrency,
		FiatAmount: in.FiatAmount, PaymentMethod: in.PaymentMethod, PaymentWindowMinutes: in.PaymentWindowMinutes, CreatedAt: fmtTime(now),
		Proofs: []Proof{}, History: []Step{{Action: "open", To: string(escrow.Locked), Role: "client", By: by.ID, At: fmtTime(now)}}}
	tr = tr.withMachine(m)
	it := tradeItem{TenantID: string(t), Trade: tr, DueBucket: dueBucket(id)}
	lock := funds(t, tr).Lock(now)
	tx := s.Store.Tx()
	due := s.dueFor(t, &it, m)
	tx.Create(store.TradeKey(t, id), it)
	stageDue(tx, "", it, due)
	tx.Create(store.TradeRefKey(id), tradeRef{TenantID: string(t)})
	for _, u := range []string{in.Seller, in.Buyer} {
		tx.Create(openTradeKey(t, u, id), openTradeItem{TenantID: string(t), TradeID: id})
	}
	if err := ledger.Stage(tx, lock); err != nil {
		return Trade{}, err
	}
	if err := s.stageRecord(tx, t, by, it.Trade, "trade.opened", "", "open", now); err != nil {
		return Trade{}, err
	}
	for _, x := range extra {
		x(tx, it.Trade)
	}
	if err := ledger.Outcome(ctx, s.Store, lock, tx.Exec(ctx)); err != nil {
		return Trade{}, err
	}
	return s.view(it.Trade), nil
}

// openTradeItem points from a party to a trade that is not final (HoldUser's list).
type openTradeItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	TradeID  string `dynamodbav:"tradeId"`
}

func (openTradeItem) EntityType() string { return "open_trade" }

func openTradeKey(t store.TenantID, userID, tradeID string) store.Key {
	return store.Key{PK: store.UserPK(t, userID), SK: "OPENTRADE#" + tradeID}
}

type tradeRef struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
}

func (tradeRef) EntityType() string { return "trade_ref" }

func funds(t store.TenantID, tr Trade) ledger.TradeFunds {
	amt, _ := ledger.ParseAmount(tr.Amount)
	return ledger.TradeFunds{Tenant: t, TradeID: tr.ID, Seller: tr.Seller, Buyer: tr.Buyer, Asset: tr.Asset, Amount: amt}
}

func dueBucket(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % store.TradeDueBuckets)
}

// dueItem is an open trade's next duty on the platform's timer partitions.
type dueItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	TradeID  string `dynamodbav:"tradeId"`
	Due      string `dynamodbav:"due"`
	Owner    string `dynamodbav:"owner"`
	Action   string `dynamodbav:"action,omitempty"`
}

func (dueItem) EntityType() string { return "trade_due" }

// dueFor sets the trade's due key to its next duty ("" once final) and answers the due
// item to write (nil for none).
func (s *Service) dueFor(t store.TenantID, it *tradeItem, m escrow.Trade) *dueItem {
	it.DueSK = ""
	if m.State.Final() {
		return nil
	}
	d := nextDuty(m, s.Policy)
	if d.Due.IsZero() {
		return nil
	}
	it.DueSK = store.TradeDueSK(fmtTime(d.Due), t, it.ID)
	return &dueItem{TenantID: string(t), TradeID: it.ID, Due: fmtTime(d.Due), Owner: string(d.Owner), Action: string(d.Action)}
}

// stageDue moves the due item from oldSK to the trade's new one.
func stageDue(tx *store.Tx, oldSK string, it tradeItem, due *dueItem) {
	if oldSK == it.DueSK {
		return
	}
	if oldSK != "" {
		tx.Remove(store.Key{PK: store.TradeDuePK(it.DueBucket), SK: oldSK})
	}
	if due != nil {
		tx.Put(store.Key{PK: store.TradeDuePK(it.DueBucket), SK: it.DueSK}, *due)
	}
}

// stageRecord adds the audit record and the event of a change.
func (s *Service) stageRecord(tx *store.Tx, t store.TenantID, by audit.Actor, tr Trade, action, from, step string, now time.Time) error {
	if _, err := s.Audit.Stage(tx, t, audit.Record{Action: action, Actor: by, Subject: audit.Subject{Type: "trade", ID: tr.ID},
		Details: map[string]string{"from": from, "to": tr.State, "step": step}}); err != nil {
		return err
	}
	if from == tr.State {
		return nil
	}
	data := map[string]any{"tradeId": tr.ID, "seller": tr.Seller, "buyer": tr.Buyer, "to": tr.State, "action": step, "at": fmtTime(now)}
	if from != "" {
		data["from"] = from
	}
	ev, err := events.New(EventStateChanged, string(t), data, now)
	if err != nil {
		return err
	}
	events.Stage(tx, ev)
	return nil
}

// Get answers a trade.
func (s *Service) Get(ctx context.Context, t store.TenantID, id string) (Trade, error) {
	it, err := s.get(ctx, t, id)
	if err != nil {
		return Trade{}, err
	}
	return s.view(it.Trade), nil
}

func (s *Service) get(ctx context.Context, t store.TenantID, id string) (tradeItem, error) {
	if !tradeIDPattern.MatchString(id) {
		return tradeItem{}, errTradeNotFound
	}
	var it tradeItem
	if err := s.Store.Get(ctx, store.TradeKey(t, id), &it); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return tradeItem{}, errTradeNotFound
		}
		return tradeItem{}, err
	}
	if it.TenantID != string(t) {
		return tradeItem{}, errTradeNotFound
	}
	return it, nil
}

// view adds what a reader needs: the next duty and what the escrow holds.
func (s *Service) view(tr Trade) Trade {
	m := tr.machine()
	tr.Escrow = "0"
	if !m.State.Final() {
		tr.Escrow = tr.Amount
		for _, d := range escrow.Duties(m, s.Policy) {
			if tr.NextDuty == nil || fmtTime(d.Due) < tr.NextDuty.Due {
				tr.NextDuty = &Duty{Owner: string(d.Owner), Action: string(d.Action), What: d.What, Due: fmtTime(d.Due)}
			}
		}
	}
	if tr.Dispute != nil {
		d := *tr.Dispute
		d.DescriptionEnc = ""
		tr.Dispute = &d
	}
	if tr.Proposal != nil {
		p := *tr.Proposal
		p.ID = proposalID(p)
		tr.Proposal = &p
	}
	return tr
}

// proposalID names a proposal by its content: an approval names the proposal it saw, so
// a proposal replaced meanwhile is not approved by mistake.
func proposalID(p Proposal) string {
	sum := sha256.Sum256([]byte(p.Action + "\x00" + p.By + "\x00" + p.At + "\x00" + p.Reason))
	return "prp_" + hex.EncodeToString(sum[:10])
}

// ClientView is a trade as the client (and its users) see it: no staff identities and no
// mediator's pending proposal.
func ClientView(tr Trade) Trade {
	tr.Proposal = nil
	if tr.Dispute != nil {
		d := *tr.Dispute
		if d.Mediator != "" {
			d.Mediator = "assigned"
		}
		ev := make([]Evidence, len(d.Evidence))
		for i, e := range d.Evidence {
			e.By = ""
			ev[i] = e
		}
		d.Evidence = ev
		if d.Verdict != nil {
			v := *d.Verdict
			v.DecidedBy, v.ApprovedBy = "", ""
			d.Verdict = &v
		}
		d.Description = ""
		tr.Dispute = &d
	}
	hist := make([]Step, len(tr.History))
	for i, h := range tr.History {
		if h.Role != string(escrow.Buyer) && h.Role != string(escrow.Seller) && h.Role != "client" {
			h.By = ""
		}
		hist[i] = h
	}
	tr.History = hist
	return tr
}

// Party actions and what the API calls them.
var partyActions = map[string]escrow.Action{"paid": escrow.MarkPaid, "release": escrow.Release, "cancel": escrow.Cancel}

// ActInput is a party's action: which user acts (the client acts for its users).
type ActInput struct {
	By                  string `json:"by"`
	ReceiptAttachmentID string `json:"receiptAttachmentId,omitempty"` // mark paid
}

// Act takes a party's action (paid, release, cancel) on a trade.
func (s *Service) Act(ctx context.Context, t store.TenantID, client audit.Actor, id, action string, in ActInput) (Trade, error) {
	a, ok := partyActions[action]
	if !ok {
		return Trade{}, failure.Missing("unknown_action", "no such action")
	}
	if in.ReceiptAttachmentID != "" && (a != escrow.MarkPaid || !store.ValidID(in.ReceiptAttachmentID)) {
		return Trade{}, invalid("invalid_receipt", "receiptAttachmentId goes with paid and names an uploaded attachment")
	}
	if in.ReceiptAttachmentID != "" {
		if s.Receipts == nil {
			return Trade{}, invalid("invalid_receipt", "receipts are not available")
		}
		if err := s.Receipts.VerifiedReceipt(ctx, t, id, in.ReceiptAttachmentID, in.By); err != nil {
			return Trade{}, err
		}
	}
	return s.transition(ctx, t, client, id, a, func(tr Trade) (escrow.Actor, error) {
		return partyActor(tr, in.By)
	}, func(tr *Trade) error {
		if in.ReceiptAttachmentID != "" {
			tr.ReceiptAttachmentID = in.ReceiptAttachmentID
		}
		return nil
	})
}

// partyActor is the role of a user in the trade (404 for anybody else: no oracle).
func partyActor(tr Trade, user string) (escrow.Actor, error) {
	switch user {
	case tr.Buyer:
		return escrow.Actor{Role: escrow.Buyer, ID: user}, nil
	case tr.Seller:
		return escrow.Actor{Role: escrow.Seller, ID: user}, nil
	}
	if !userIDPattern.MatchString(user) {
		return escrow.Actor{}, invalid("invalid_by", "by is the acting party's user id")
	}
	return escrow.Actor{}, failure.Denied("not_a_party", "the user is not a party to this trade")
}

// transition is every state change: read the trade and both parties' restrictions,
// decide, then write the new state with the ledger transaction of its effect, the due
// item, the parties' records, the audit record and the event in one transaction on the
// version read. A lost race is decided again on the new state.
func (s *Service) transition(ctx context.Context, t store.TenantID, client audit.Actor, id string, a escrow.Action,
	actor func(Trade) (escrow.Actor, error), mutate func(*Trade) error) (Trade, error) {
	for attempt := 0; ; attempt++ {
		it, err := s.get(ctx, t, id)
		if err != nil {
			return Trade{}, err
		}
		by, err := actor(it.Trade)
		if err != nil {
			return Trade{}, err
		}
		m := it.machine()
		if m.BuyerRestricted, m.SellerRestricted, err = s.restricted(ctx, t, it.Trade); err != nil {
			return Trade{}, err
		}
		now := s.now()
		d, err := escrow.Decide(m, a, by, now, s.Policy)
		if err != nil {
			return Trade{}, decideError(err)
		}
		next, err := s.commit(ctx, t, client, it, m, d, by, now, mutate)
		if err == nil {
			return s.view(next), nil
		}
		if !errors.Is(err, store.ErrConflict) || attempt >= 8 {
			return Trade{}, err
		}
		if err := backoff(ctx, attempt); err != nil {
			return Trade{}, err
		}
	}
}

// commit writes one decided transition (see transition).
func (s *Service) commit(ctx context.Context, t store.TenantID, client audit.Actor, it tradeItem, m escrow.Trade, d escrow.Decision,
	by escrow.Actor, now time.Time, mutate func(*Trade) error) (Trade, error) {
	nm := escrow.Apply(m, d, by, now, s.Policy)
	next := it
	next.Trade = it.Trade.withMachine(nm)
	next.History = append(slices.Clone(it.History), Step{Action: string(d.Action), From: it.State, To: string(nm.State), Role: string(by.Role), By: by.ID, At: fmtTime(now)})
	if d.Penalized != "" {
		next.Penalized = string(d.Penalized)
	}
	if nm.Dispute != nil && (it.Dispute == nil || it.State != string(escrow.Disputed)) && d.To == escrow.Disputed && next.Dispute.ID == "" {
		next.Dispute.ID = newID("dsp_")
	}
	if mutate != nil {
		if err := mutate(&next.Trade); err != nil {
			return Trade{}, err
		}
	}
	if d.Approved != nil || d.Action == escrow.VerdictRelease || d.Action == escrow.VerdictRefund || d.Action == escrow.HoldRelease || d.Action == escrow.HoldRefund {
		v := &Verdict{Outcome: "return_to_seller", DecidedBy: by.ID, At: fmtTime(now)}
		if d.Effect == escrow.EffectRelease {
			v.Outcome = "release_to_buyer"
		}
		if d.Approved != nil {
			v.DecidedBy, v.ApprovedBy, v.Reason = d.Approved.By, by.ID, d.Approved.Reason
		} else {
			v.Reason = verdictReason(ctx)
		}
		if next.Dispute != nil {
			dd := *next.Dispute
			dd.Verdict = v
			next.Dispute = &dd
		}
	}
	key := store.TradeKey(t, it.ID)
	due := s.dueFor(t, &next, nm)
	tx := s.Store.Tx()
	tx.Update(key, it.Version, next)
	stageDue(tx, it.DueSK, next, due)
	var lt *ledger.Transaction
	switch d.Effect {
	case escrow.EffectRelease:
		x := funds(t, it.Trade).Release(now)
		lt = &x
	case escrow.EffectRefund:
		x := funds(t, it.Trade).Refund(now)
		lt = &x
	}
	if lt != nil {
		if err := ledger.Stage(tx, *lt); err != nil {
			return Trade{}, err
		}
	}
	s.stageQueue(tx, t, it.Trade, next.Trade)
	stageRecords(tx, t, it.Trade, next.Trade, d)
	if nm.State.Final() {
		tx.Remove(openTradeKey(t, it.Seller, it.ID))
		tx.Remove(openTradeKey(t, it.Buyer, it.ID))
	}
	actor := client
	if by.Role != escrow.Buyer && by.Role != escrow.Seller {
		actor = audit.Actor{Type: actorType(by.Role), ID: by.ID}
	}
	if err := s.stageRecord(tx, t, actor, next.Trade, "trade."+string(d.Action), it.State, string(d.Action), now); err != nil {
		return Trade{}, err
	}
	err := tx.Exec(ctx)
	if failedOn(err, key) {
		return Trade{}, store.ErrConflict
	}
	if lt != nil {
		err = ledger.Outcome(ctx, s.Store, *lt, err)
		if errors.Is(err, ledger.ErrReplayed) {
			// The settlement is stored and the trade is not: impossible in one
			// transaction; report it rather than guess.
			return Trade{}, fmt.Errorf("trades: %s settled without its state change", it.ID)
		}
	}
	if err != nil {
		return Trade{}, err
	}
	s.Log.InfoContext(ctx, "trade moved", "tenant", string(t), "tradeId", it.ID, "action", string(d.Action), "from", it.State, "to", next.State)
	return next.Trade, nil
}

type verdictReasonKey struct{}

// withVerdictReason carries a staff member's reason into the transition.
func withVerdictReason(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, verdictReasonKey{}, reason)
}

func verdictReason(ctx context.Context) string {
	r, _ := ctx.Value(verdictReasonKey{}).(string)
	return r
}

func nextDuty(m escrow.Trade, p escrow.Policy) escrow.Duty {
	var next escrow.Duty
	for _, d := range escrow.Duties(m, p) {
		if next.Due.IsZero() || d.Due.Before(next.Due) {
			next = d
		}
	}
	return next
}

func actorType(r escrow.Role) string {
	switch r {
	case escrow.System:
		return "system"
	case escrow.Buyer, escrow.Seller:
		return "user"
	}
	return "staff"
}

func failedOn(err error, key store.Key) bool {
	var te *store.TxError
	if !errors.As(err, &te) {
		return false
	}
	for _, f := range te.Failures {
		if f.Key == key && (errors.Is(f.Err, store.ErrConflict) || errors.Is(f.Err, store.ErrNotFound)) {
			return true
		}
		if f.Code == "TransactionConflict" {
			return true
		}
	}
	return false
}

// backoff waits before retrying a change that lost a race.
func backoff(ctx context.Context, attempt int) error { return store.ConflictBackoff.Wait(ctx, attempt) }

// restricted reads both parties' platform status.
func (s *Service) restricted(ctx context.Context, t store.TenantID, tr Trade) (buyer, seller bool, err error) {
	is := func(id string) (bool, error) {
		u, err := s.Users.GetUser(ctx, t, id)
		if err != nil {
			if f, ok := failure.As(err); ok && f.Kind == failure.NotFound {
				return true, nil // a party gone from the platform cannot trade
			}
			return false, err
		}
		return u.Status != lifecycle.StatusActive, nil
	}
	if buyer, err = is(tr.Buyer); err != nil {
		return
	}
	seller, err = is(tr.Seller)
	return
}

// decideError maps the state machine's refusals to API errors.
func decideError(err error) error {
	codes := []struct {
		e    error
		kind failure.Kind
		code string
	}{
		{escrow.ErrForbidden, failure.Forbidden, "forbidden"},
		{escrow.ErrTooEarly, failure.Conflict, "too_early"},
		{escrow.ErrTooLate, failure.Conflict, "deadline_passed"},
		{escrow.ErrProofOfLife, failure.Conflict, "proof_of_life_outstanding"},
		{escrow.ErrRestricted, failure.Conflict, "party_restricted"},
		{escrow.ErrNotRestricted, failure.Conflict, "not_restricted"},
		{escrow.ErrNeedsApproval, failure.Conflict, "approval_required"},
		{escrow.ErrSameApprover, failure.Forbidden, "four_eyes"},
		{escrow.ErrNoDefault, failure.Conflict, "no_default_loss"},
		{escrow.ErrNotAssigned, failure.Forbidden, "not_assigned"},
		{escrow.ErrNoCancelExcuse, failure.Conflict, "cancel_not_allowed"},
		{escrow.ErrDisputeNotReady, failure.Conflict, "dispute_not_taken"},
		{escrow.ErrTaken, failure.Conflict, "dispute_taken"},
		{escrow.ErrNotMediator, failure.Forbidden, "not_mediator"},
		{escrow.ErrBadDeadline, failure.Invalid, "invalid_deadline"},
		{escrow.ErrNoSuchRequest, failure.NotFound, "evidence_request_not_found"},
		{escrow.ErrNotParty, failure.Invalid, "invalid_party"},
		{escrow.ErrNotEscalatable, failure.Conflict, "not_escalatable"},
		{escrow.ErrNotAllowed, failure.Conflict, "invalid_transition"},
	}
	for _, c := range codes {
		if errors.Is(err, c.e) {
			return failure.New(c.kind, c.code, "%s", trimEscrow(err.Error())).Wrap(err)
		}
	}
	return err
}

func trimEscrow(s string) string {
	if len(s) > 8 && s[:8] == "escrow: " {
		return s[8:]
	}
	return s
}
