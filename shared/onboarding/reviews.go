package onboarding

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/store"
)

// Review kinds.
const (
	ReviewKindOnboarding = "onboarding"
	ReviewKindAppeal     = "appeal"
)

// Review statuses.
const (
	ReviewOpen             = "open"
	ReviewAwaitingApproval = "awaiting_approval"
	ReviewClosed           = "closed"
)

// Review decisions.
const (
	DecisionClear    = "clear"
	DecisionReject   = "reject"
	DecisionRestrict = "restrict"
)

// Review is a case a reviewer decides, with its evidence.
type Review struct {
	ID          string          `json:"id" dynamodbav:"reviewId"`
	TenantID    string          `json:"tenantId" dynamodbav:"tenantId"`
	UserID      string          `json:"userId" dynamodbav:"userId"`
	Kind        string          `json:"kind" dynamodbav:"kind"`
	Status      string          `json:"status" dynamodbav:"status"`
	Reason      string          `json:"reason" dynamodbav:"reason"`
	OpenedAt    string          `json:"openedAt" dynamodbav:"openedAt"`
	ScreeningID string          `json:"screeningId,omitempty" dynamodbav:"screeningId,omitempty"`
	ListVersion string          `json:"listVersion,omitempty" dynamodbav:"listVersion,omitempty"`
	MaxScore    float64         `json:"maxScore" dynamodbav:"maxScore"`
	Strong      bool            `json:"strongMatch" dynamodbav:"strong"`
	Flags       []string        `json:"flags" dynamodbav:"flags"`
	Evidence    []EvidenceMatch `json:"evidence" dynamodbav:"evidence"`
	Proposal    *Proposal       `json:"proposal,omitempty" dynamodbav:"proposal,omitempty"`
	Decision    *Proposal       `json:"decision,omitempty" dynamodbav:"decision,omitempty"`
	Steps       []ReviewStep    `json:"steps" dynamodbav:"steps"`
	// Signals are a platform signal review's evidence (the newest MaxSignals).
	Signals     []Signal `json:"signals,omitempty" dynamodbav:"signals,omitempty"`
	SignalCount int      `json:"signalCount,omitempty" dynamodbav:"signalCount,omitempty"`
}

// EvidenceMatch is one listed entity the screening found, as the list publishes it, with
// the engine's score and which fields agreed: list data and codes, no personal data.
type EvidenceMatch struct {
	EntityID    string   `json:"entityId" dynamodbav:"entityId"`
	Source      string   `json:"source" dynamodbav:"source"`
	PrimaryName string   `json:"listedName,omitempty" dynamodbav:"listedName,omitempty"`
	MatchedName string   `json:"matchedListedName,omitempty" dynamodbav:"matchedListedName,omitempty"`
	Programs    []string `json:"programs,omitempty" dynamodbav:"programs,omitempty"`
	Score       float64  `json:"score" dynamodbav:"score"`
	Outcome     string   `json:"outcome" dynamodbav:"outcome"`
	Agreed      []string `json:"agreed,omitempty" dynamodbav:"agreed,omitempty"`
	Disagreed   []string `json:"disagreed,omitempty" dynamodbav:"disagreed,omitempty"`
}

// Proposal is a reviewer's decision: proposed, or in effect.
type Proposal struct {
	Outcome     string `json:"outcome" dynamodbav:"outcome"`
	ReasonCode  string `json:"reasonCode" dynamodbav:"reasonCode"`
	Explanation string `json:"explanation" dynamodbav:"explanation"`
	ProposedBy  string `json:"proposedBy" dynamodbav:"proposedBy"`
	ProposedAt  string `json:"proposedAt" dynamodbav:"proposedAt"`
	ApprovedBy  string `json:"approvedBy,omitempty" dynamodbav:"approvedBy,omitempty"`
	ApprovedAt  string `json:"approvedAt,omitempty" dynamodbav:"approvedAt,omitempty"`
}

// ReviewStep is one step of a review's history.
type ReviewStep struct {
	Action string `json:"action" dynamodbav:"action"` // opened, proposed, approved, declined, decided
	By     string `json:"by" dynamodbav:"by"`
	At     string `json:"at" dynamodbav:"at"`
	Note   string `json:"note,omitempty" dynamodbav:"note,omitempty"`
}

type reviewItem struct {
	store.Meta
	Review
}

func (reviewItem) EntityType() string { return "review" }

func (r reviewItem) Indexes() store.Indexes {
	at, _ := store.ParseTime(r.OpenedAt)
	t := store.TenantID(r.TenantID)
	return store.Indexes{
		GSI1: store.Key{PK: store.ReviewsByStatusPK(r.Status), SK: store.FormatTime(at) + "#" + r.TenantID + "#" + r.ID},
		GSI2: store.Key{PK: store.SubjectReviewsPK(t, "user", r.UserID), SK: store.TimeSK(at, r.ID)},
	}
}

type reviewRef struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
}

func (reviewRef) EntityType() string { return "review_ref" }

func (s *Service) newReview(t store.TenantID, u userItem, kind, reason string, aml AMLSummary, ms []lists.Match) reviewItem {
	at := store.FormatTime(s.now())
	r := Review{ID: "rv_" + strings.ToLower(store.NewID()), TenantID: string(t), UserID: u.ID, Kind: kind, Status: ReviewOpen,
		Reason: reason, OpenedAt: at, ScreeningID: aml.ScreeningID, ListVersion: aml.ListVersion, MaxScore: aml.MaxScore,
		Strong: aml.MaxScore >= s.MatchThreshold, Flags: slices.Clone(aml.Flags), Evidence: []EvidenceMatch{},
		Steps: []ReviewStep{{Action: "opened", By: "system", At: at, Note: reason}}}
	if r.Flags == nil {
		r.Flags = []string{}
	}
	for _, m := range ms {
		e := EvidenceMatch{EntityID: m.EntityID, Source: m.Source, PrimaryName: m.PrimaryName, Programs: m.Programs, Score: m.Score, Outcome: m.Outcome}
		if m.Explanation != nil {
			e.MatchedName, e.Agreed, e.Disagreed = m.Explanation.MatchedName, m.Explanation.Agreed, m.Explanation.Disagreed
		}
		r.Evidence = append(r.Evidence, e)
	}
	return reviewItem{Review: r}
}

// stageReview adds a new review and its id's pointer to tx.
func (s *Service) stageReview(tx *store.Tx, r reviewItem) {
	tx.Create(store.ReviewKey(store.TenantID(r.TenantID), r.ID), r)
	tx.Create(store.ReviewRefKey(r.ID), reviewRef{TenantID: r.TenantID})
}

// Reviewer is a staff member acting on reviews.
type Reviewer struct {
	ID       string
	Analyst  bool
	Approver bool
}

func (r Reviewer) actor() audit.Actor { return audit.Actor{Type: "staff", ID: r.ID} }

var errReviewNotFound = failure.Missing("review_not_found", "no such review")

// ListReviews lists the platform's reviews in a status (open by default), oldest first.
func (s *Service) ListReviews(ctx context.Context, status string, limit int, cursor string) ([]Review, string, error) {
	if status == "" {
		status = ReviewOpen
	}
	if status != ReviewOpen && status != ReviewAwaitingApproval && status != ReviewClosed {
		return nil, "", failure.InvalidInput("invalid_status", "status must be open, awaiting_approval or closed")
	}
	page, err := s.Store.Query(ctx, store.QueryInput{Index: store.IndexGSI1, PK: store.ReviewsByStatusPK(status), Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	items, err := store.Items[reviewItem](page)
	if err != nil {
		return nil, "", err
	}
	out := make([]Review, len(items))
	for i, it := range items {
		out[i] = it.Review
	}
	return out, page.NextCursor, nil
}

func (s *Service) getReview(ctx context.Context, id string) (reviewItem, error) {
	if !store.ValidID(id) || len(id) > 64 {
		return reviewItem{}, errReviewNotFound
	}
	var ref reviewRef
	if err := s.Store.Get(ctx, store.ReviewRefKey(id), &ref); err != nil {
		if isNotFound(err) {
			return reviewItem{}, errReviewNotFound
		}
		return reviewItem{}, err
	}
	var r reviewItem
	if err := s.Store.Get(ctx, store.ReviewKey(store.TenantID(ref.TenantID), id), &r); err != nil {
		if isNotFound(err) {
			return reviewItem{}, errReviewNotFound
		}
		return reviewItem{}, err
	}
	return r, nil
}

// ReviewDetail is a review with its user as the reviewer sees it.
type ReviewDetail struct {
	Review
	User User `json:"user"`
}

// GetReview answers a review with its evidence and its user's status; the read is audited.
func (s *Service) GetReview(ctx context.Context, by Reviewer, id string) (ReviewDetail, error) {
	r, err := s.getReview(ctx, id)
	if err != nil {
		return ReviewDetail{}, err
	}
	t := store.TenantID(r.TenantID)
	u, err := s.getUser(ctx, t, r.UserID)
	if err != nil {
		return ReviewDetail{}, err
	}
	if _, err := s.Audit.Append(ctx, t, audit.Record{Action: "review.read", Actor: by.actor(), Subject: audit.Subject{Type: "review", ID: r.ID},
		Details: map[string]string{"userId": r.UserID}}); err != nil {
		return ReviewDetail{}, err
	}
	return ReviewDetail{Review: r.Review, User: u.view()}, nil
}

// DecisionInput is a reviewer's decision.
type DecisionInput struct {
	Outcome     string `json:"outcome"`
	ReasonCode  string `json:"reasonCode"`
	Explanation string `json:"explanation"`
}

var reasonPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{2,63}$`)

func (in DecisionInput) validate() error {
	switch in.Outcome {
	case DecisionClear, DecisionReject, DecisionRestrict:
	default:
		return failure.InvalidInput("invalid_outcome", "outcome must be clear, reject or restrict")
	}
	if !reasonPattern.MatchString(in.ReasonCode) {
		return failure.InvalidInput("invalid_reason_code", "reasonCode must be 3 to 64 lower-case letters, digits or _")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(in.Explanation))
	if n < 10 || n > 4000 || !utf8.ValidString(in.Explanation) {
		return failure.InvalidInput("invalid_explanation", "explanation must be 10 to 4,000 characters")
	}
	return nil
}

// needsApproval: rejecting, restricting or clearing a strong match takes a second person.
func (r Review) needsApproval(outcome string) bool {
	return outcome != DecisionClear || r.Strong
}

// Decide records a reviewer's decision. An analyst's clear of a review without a strong
// match takes effect at once; any other decision is a proposal that takes effect only
// when an approver who is not the proposer approves it.
func (s *Service) Decide(ctx context.Context, by Reviewer, id string, in DecisionInput) (ReviewDetail, error) {
	if !by.Analyst && !by.Approver {
		return ReviewDetail{}, failure.Denied("forbidden", "deciding a review needs the analyst or approver role")
	}
	if err := in.validate(); err != nil {
		return ReviewDetail{}, err
	}
	r, err := s.getReview(ctx, id)
	if err != nil {
		return ReviewDetail{}, err
	}
	if r.Status != ReviewOpen {
		return ReviewDetail{}, failure.Conflicting("review_not_open", "the review is %s", r.Status)
	}
	if err := validSignalOutcome(r, in.Outcome); err != nil {
		return ReviewDetail{}, err
	}
	at := store.FormatTime(s.now())
	p := Proposal{Outcome: in.Outcome, ReasonCode: in.ReasonCode, Explanation: strings.TrimSpace(in.Explanation), ProposedBy: by.ID, ProposedAt: at}
	if !r.needsApproval(in.Outcome) {
		return s.effect(ctx, by, r, p, "decided")
	}
	next := r
	next.Status, next.Proposal = ReviewAwaitingApproval, &p
	next.Steps = append(slices.Clone(r.Steps), ReviewStep{Action: "proposed", By: by.ID, At: at, Note: in.Outcome + ":" + in.ReasonCode})
	t := store.TenantID(r.TenantID)
	_, err = s.Audit.Commit(ctx, t, audit.Record{Action: "review.proposed", Actor: by.actor(), Subject: audit.Subject{Type: "review", ID: r.ID},
		Reason: in.ReasonCode, Details: map[string]string{"outcome": in.Outcome, "userId": r.UserID}}, func(tx *store.Tx) {
		tx.Update(store.ReviewKey(t, r.ID), r.Version, next)
	})
	if err != nil {
		return ReviewDetail{}, conflictAsReview(err)
	}
	return s.GetReview(ctx, by, id)
}

// ApprovalInput is an approver's answer to a proposal.
type ApprovalInput struct {
	Approve *bool  `json:"approve"`
	Comment string `json:"comment"`
}

// Approve is the second pair of eyes: an approver who did not propose approves (the
// decision takes effect) or declines (the review is open again).
func (s *Service) Approve(ctx context.Context, by Reviewer, id string, in ApprovalInput) (ReviewDetail, error) {
	if !by.Approver {
		return ReviewDetail{}, failure.Denied("forbidden", "approving needs the approver role")
	}
	if in.Approve == nil {
		return ReviewDetail{}, failure.InvalidInput("invalid_approve", "approve must be true or false")
	}
	if utf8.RuneCountInString(in.Comment) > 4000 {
		return ReviewDetail{}, failure.InvalidInput("invalid_comment", "comment must be at most 4,000 characters")
	}
	r, err := s.getReview(ctx, id)
	if err != nil {
		return ReviewDetail{}, err
	}
	if r.Status != ReviewAwaitingApproval || r.Proposal == nil {
		return ReviewDetail{}, failure.Conflicting("no_proposal", "the review has no proposal awaiting approval")
	}
	if r.Proposal.ProposedBy == by.ID {
		return ReviewDetail{}, failure.Denied("four_eyes", "the proposer cannot approve their own proposal")
	}
	at := store.FormatTime(s.now())
	if *in.Approve {
		p := *r.Proposal
		p.ApprovedBy, p.ApprovedAt = by.ID, at
		return s.effect(ctx, by, r, p, "approved")
	}
	next := r
	next.Status, next.Proposal = ReviewOpen, nil
	next.Steps = append(slices.Clone(r.Steps), ReviewStep{Action: "declined", By: by.ID, At: at, Note: strings.TrimSpace(in.Comment)})
	t := store.TenantID(r.TenantID)
	_, err = s.Audit.Commit(ctx, t, audit.Record{Action: "review.declined", Actor: by.actor(), Subject: audit.Subject{Type: "review", ID: r.ID},
		Details: map[string]string{"proposedBy": r.Proposal.ProposedBy, "outcome": r.Proposal.Outcome}}, func(tx *store.Tx) {
		tx.Update(store.ReviewKey(t, r.ID), r.Version, next)
	})
	if err != nil {
		return ReviewDetail{}, conflictAsReview(err)
	}
	return s.GetReview(ctx, by, id)
}

// effect applies a decision: the review closes and the user moves, in one transaction.
func (s *Service) effect(ctx context.Context, by Reviewer, r reviewItem, p Proposal, step string) (ReviewDetail, error) {
	if r.Kind == ReviewKindSignal {
		return s.signalEffect(ctx, by, r, p, step)
	}
	t := store.TenantID(r.TenantID)
	var trigger lifecycle.Trigger
	switch p.Outcome {
	case DecisionClear:
		trigger = lifecycle.ReviewCleared
	case DecisionReject:
		trigger = lifecycle.ReviewRejected
	default:
		trigger = lifecycle.ReviewRestricted
	}
	var moved userItem
	err := retry(ctx, func() error {
		u, err := s.getUser(ctx, t, r.UserID)
		if err != nil {
			return err
		}
		membersActive := false
		if u.Type == TypeCompany {
			if membersActive, err = s.membersActive(ctx, t, u.ID); err != nil {
				return err
			}
		}
		if trigger == lifecycle.ReviewCleared && r.Kind == ReviewKindAppeal && (u.AML == nil || u.AML.Outcome == "") {
			// An upheld appeal of an account never screened clean goes through the
			// screening (and back to review on a hit), never straight to active.
			trigger = lifecycle.AppealUpheld
		}
		next := r
		next.Status, next.Proposal, next.Decision = ReviewClosed, nil, &p
		next.Steps = append(slices.Clone(r.Steps), ReviewStep{Action: step, By: by.ID, At: store.FormatTime(s.now()), Note: p.Outcome + ":" + p.ReasonCode})
		tx := s.Store.Tx()
		moved, err = s.stage(tx, u, change{Trigger: trigger, By: by.actor(), MembersActive: membersActive,
			Details: map[string]string{"reviewId": r.ID, "decision": p.Outcome, "reasonCode": p.ReasonCode, "proposedBy": p.ProposedBy, "approvedBy": p.ApprovedBy},
			Mutate: func(n *userItem) {
				if p.Outcome == DecisionClear && n.AML != nil && (n.AML.Outcome == string(lifecycle.ScreeningHit) || n.AML.Outcome == string(lifecycle.ScreeningUnsure)) {
					aml := *n.AML
					aml.Outcome = string(lifecycle.ScreeningCleared)
					n.AML = &aml
					n.RiskTier = "medium"
				}
			},
			Extra: func(tx *store.Tx, _ userItem) { tx.Update(store.ReviewKey(t, r.ID), r.Version, next) }})
		if err != nil {
			return err
		}
		return tx.Exec(ctx)
	})
	if err != nil {
		return ReviewDetail{}, conflictAsReview(refusal(err))
	}
	if moved.Status == lifecycle.StatusPendingAML {
		if err := retry(ctx, func() error { return s.continueOnboarding(ctx, t, moved.ID) }); err != nil {
			return ReviewDetail{}, err
		}
		if moved, err = s.getUser(ctx, t, moved.ID); err != nil {
			return ReviewDetail{}, err
		}
	}
	if moved.Status == lifecycle.StatusActive {
		if err := s.companiesOf(ctx, t, moved.ID); err != nil {
			s.Log.WarnContext(ctx, "companies of an activated person not re-checked", "error", err.Error())
		}
	}
	return s.GetReview(ctx, by, r.ID)
}

func conflictAsReview(err error) error {
	var te *store.TxError
	if errors.As(err, &te) && strings.HasPrefix(te.Key.PK, "T#") && te.Key.SK == "CASE" {
		return failure.Conflicting("review_changed", "the review changed meanwhile; read it again")
	}
	return err
}

// AppealInput is POST /v1/users/{id}/appeals.
type AppealInput struct {
	Reason string `json:"reason"`
}

// Appeal opens a review of a suspended, restricted or rejected user, which needs a KYC
// approval newer than the decision appealed.
func (s *Service) Appeal(ctx context.Context, t store.TenantID, by audit.Actor, id string, in AppealInput) (User, error) {
	if n := utf8.RuneCountInString(in.Reason); n > 2000 {
		return User{}, failure.InvalidInput("invalid_reason", "reason must be at most 2,000 characters")
	}
	var out userItem
	err := retry(ctx, func() error {
		u, err := s.getUser(ctx, t, id)
		if err != nil {
			return err
		}
		r := s.newReview(t, u, ReviewKindAppeal, "appeal", AMLSummary{}, nil)
		if u.AML != nil {
			r.ScreeningID, r.MaxScore, r.Flags = u.AML.ScreeningID, u.AML.MaxScore, slices.Clone(u.AML.Flags)
			r.Strong = u.AML.MaxScore >= s.MatchThreshold
		}
		out, err = s.apply(ctx, u, change{Trigger: lifecycle.AppealOpened, By: by, Details: map[string]string{"reviewId": r.ID},
			Extra: func(tx *store.Tx, _ userItem) { s.stageReview(tx, r) }})
		return err
	})
	if err != nil {
		return User{}, refusal(err)
	}
	return out.view(), nil
}

// ---- company members --------------------------------------------------------------------

// MemberInput is POST /v1/users/{id}/members.
type MemberInput struct {
	UserID string   `json:"userId"`
	Roles  []string `json:"roles"`
}

var memberRoles = []string{"ubo", "director", "shareholder", "representative"}

// AddMember links an individual user of the tenant to a company user as a beneficial
// owner, director... A company becomes active only when every linked person is.
func (s *Service) AddMember(ctx context.Context, t store.TenantID, by audit.Actor, companyID string, in MemberInput) (User, error) {
	if len(in.Roles) == 0 {
		return User{}, failure.InvalidInput("invalid_roles", "roles must name at least one of %s", strings.Join(memberRoles, ", "))
	}
	for _, r := range in.Roles {
		if !slices.Contains(memberRoles, r) {
			return User{}, failure.InvalidInput("invalid_roles", "roles must be among %s", strings.Join(memberRoles, ", "))
		}
	}
	u, err := s.link(ctx, t, by, companyID, in.UserID, in.Roles)
	if err != nil {
		return User{}, err
	}
	if err := retry(ctx, func() error { return s.continueOnboarding(ctx, t, companyID) }); err != nil {
		return User{}, err
	}
	return s.GetUser(ctx, t, u.ID)
}

func (s *Service) link(ctx context.Context, t store.TenantID, by audit.Actor, companyID, personID string, roles []string) (userItem, error) {
	var out userItem
	err := retry(ctx, func() error {
		co, err := s.getUser(ctx, t, companyID)
		if err != nil {
			return err
		}
		if co.Type != TypeCompany {
			return failure.Conflicting("not_a_company", "members are linked to company users")
		}
		p, err := s.getUser(ctx, t, personID)
		if errors.Is(err, errUserNotFound) {
			return failure.InvalidInput("invalid_member", "userId is not a user of this tenant")
		}
		if err != nil {
			return err
		}
		if p.Type != TypeIndividual || p.ID == co.ID {
			return failure.InvalidInput("invalid_member", "a member is an individual user")
		}
		if co.Status == lifecycle.StatusActive && p.Status != lifecycle.StatusActive {
			// An active company stays one whose people are all active.
			return failure.Conflicting("member_not_active", "an active company takes only active people: link them once they are onboarded")
		}
		i := slices.IndexFunc(co.Members, func(m Member) bool { return m.UserID == p.ID })
		if i < 0 && len(co.Members) >= maxMembers {
			return failure.Refused("too_many_members", "a company has at most %d linked people", maxMembers)
		}
		out, err = s.apply(ctx, co, change{By: by, Action: "kyb.member_linked", Details: map[string]string{"memberId": p.ID, "roles": strings.Join(roles, ",")},
			Mutate: func(n *userItem) {
				n.Members = slices.Clone(co.Members)
				if i >= 0 {
					n.Members[i].Roles = roles
				} else {
					n.Members = append(n.Members, Member{UserID: p.ID, Roles: roles})
				}
			},
			Extra: func(tx *store.Tx, _ userItem) {
				tx.Put(store.UBOKey(t, co.ID, p.ID), memberItem{TenantID: string(t), CompanyID: co.ID, UserID: p.ID, Roles: roles})
			}})
		return err
	})
	return out, err
}

func isConflictCode(err error) bool {
	fe, ok := failure.As(err)
	return ok && fe.Kind == failure.Conflict
}
