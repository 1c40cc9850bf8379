package onboarding

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/store"
)

func code(err error) string {
	if fe, ok := failure.As(err); ok {
		return fe.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestAUserBecomesActiveAfterConsentKYCApprovalAndACleanScreening(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u := f.user(t, "t-a", "ref-1", TypeIndividual, "EU")
	if u.Status != lifecycle.StatusPendingConsent {
		t.Fatalf("new user %s", u.Status)
	}
	if _, err := f.svc.StartKYC(ctx, "t-a", client, u.ID, StartKYCInput{Vendor: VendorSumsub}); code(err) != "consent_required" {
		t.Fatalf("KYC before consent: %v", err)
	}
	u, err := f.svc.Consent(ctx, "t-a", client, u.ID, ConsentInput{Version: "2026-01", Accepted: yes(), IP: "203.0.113.9", UserAgent: "ua"})
	if err != nil || u.Status != lifecycle.StatusPendingKYC || u.KYCDeadline == "" || u.Consent == nil || u.Consent.Version != "2026-01" {
		t.Fatalf("consent: %+v %v", u, err)
	}
	sess, err := f.svc.StartKYC(ctx, "t-a", client, u.ID, StartKYCInput{})
	if err != nil || sess["applicantId"] == "" || sess["accessToken"] == "" || sess["levelName"] != "id-and-liveness" {
		t.Fatalf("start KYC: %v %v", sess, err)
	}
	// Starting again reuses the applicant.
	again, err := f.svc.StartKYC(ctx, "t-a", client, u.ID, StartKYCInput{})
	if err != nil || again["applicantId"] != sess["applicantId"] {
		t.Fatalf("restart: %v %v", again, err)
	}
	f.clock.add(time.Minute)
	f.decide(t, sess["applicantId"], green(clean), f.clock.now())
	got := f.get(t, "t-a", u.ID)
	if got.Status != lifecycle.StatusActive || got.AML == nil || got.AML.Outcome != "clear" || got.AML.ScreeningID == "" || got.RiskTier != "low" {
		t.Fatalf("after GREEN: %+v aml %+v", got.Status, got.AML)
	}
	if got.KYC.ReviewAnswer != "GREEN" || got.KYC.ReviewedAt == "" {
		t.Errorf("KYC summary %+v", got.KYC)
	}
	want := []lifecycle.Status{lifecycle.StatusPendingConsent, lifecycle.StatusPendingKYC, lifecycle.StatusPendingAML, lifecycle.StatusActive}
	if !slices.Equal(statuses(got.History), want) {
		t.Errorf("history %v, want %v", statuses(got.History), want)
	}
	evs := f.statusEvents(t, u.ID)
	if !slices.Equal(evs, []string{"pending_aml>active", "pending_consent>pending_kyc", "pending_kyc>pending_aml"}) {
		t.Errorf("status events %v", evs)
	}
}

func TestTheSameExternalRefAnswersTheExistingUserEvenWhenRequestsRace(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	ids := make([]string, 8)
	created := make([]bool, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, c, err := f.svc.CreateUser(ctx, "t-r", client, CreateUserInput{ExternalRef: "same", Type: TypeIndividual, Jurisdiction: "UK"})
			if err != nil {
				t.Error(err)
			}
			ids[i], created[i] = u.ID, c
		}()
	}
	wg.Wait()
	n := 0
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("two users for one ref: %v", ids)
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d creations reported", n)
	}
	if _, _, err := f.svc.CreateUser(ctx, "t-r", client, CreateUserInput{ExternalRef: "same", Type: TypeCompany, Jurisdiction: "UK"}); code(err) != "external_ref_taken" {
		t.Errorf("same ref, other type: %v", err)
	}
	// Another tenant's same reference is another user, and ids do not cross tenants.
	other := f.user(t, "t-other", "same", TypeIndividual, "UK")
	if other.ID == ids[0] {
		t.Fatal("tenants share a user")
	}
	if _, err := f.svc.GetUser(ctx, "t-other", ids[0]); code(err) != "user_not_found" {
		t.Errorf("another tenant's user: %v", err)
	}
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for name, in := range map[string]CreateUserInput{
		"no ref":           {Type: TypeIndividual, Jurisdiction: "EU"},
		"ref with a hash":  {ExternalRef: "a#b", Type: TypeIndividual, Jurisdiction: "EU"},
		"unknown type":     {ExternalRef: "x", Type: "robot", Jurisdiction: "EU"},
		"unknown region":   {ExternalRef: "x", Type: TypeIndividual, Jurisdiction: "XX"},
		"lower-case code":  {ExternalRef: "x", Type: TypeIndividual, Jurisdiction: "eu"},
		"ref far too long": {ExternalRef: string(make([]byte, 200)), Type: TypeIndividual, Jurisdiction: "EU"},
	} {
		if _, _, err := f.svc.CreateUser(ctx, "t-b", client, in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	us, _, err := f.svc.ListUsers(ctx, "t-b", UserFilter{}, 50, "")
	if err != nil || len(us) != 0 {
		t.Fatalf("users after refusals: %d %v", len(us), err)
	}
	u := f.user(t, "t-b", "ok", TypeIndividual, "EU")
	if _, err := f.svc.Consent(ctx, "t-b", client, u.ID, ConsentInput{Version: "", Accepted: yes()}); code(err) != "invalid_version" {
		t.Errorf("empty version: %v", err)
	}
	if _, err := f.svc.Consent(ctx, "t-b", client, u.ID, ConsentInput{Version: "v1"}); code(err) != "invalid_accepted" {
		t.Errorf("no accepted: %v", err)
	}
	if _, err := f.svc.Consent(ctx, "t-b", client, u.ID, ConsentInput{Version: "v1", Accepted: yes(), IP: "not-an-ip"}); code(err) != "invalid_ip_address" {
		t.Errorf("a bad IP: %v", err)
	}
	if got := f.get(t, "t-b", u.ID); got.Status != lifecycle.StatusPendingConsent || got.Consent != nil {
		t.Errorf("after refused consents: %+v", got)
	}
}

func TestAVendorEventBeforeConsentOrAfterWithdrawalActivatesNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// An applicant nobody mapped (a GREEN for a user who never consented or started KYC).
	f.vendor.set("stray", green(clean))
	if err := f.svc.Process(ctx, reviewed("stray", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	u, applicant := f.consented(t, "t-w", "w1")
	if _, err := f.svc.WithdrawConsent(ctx, "t-w", client, u.ID, "203.0.113.9", "ua"); err != nil {
		t.Fatal(err)
	}
	f.clock.add(time.Minute)
	f.decide(t, applicant, green(clean), f.clock.now())
	got := f.get(t, "t-w", u.ID)
	if got.Status != lifecycle.StatusClosed || got.StatusReason != "consent_withdrawn" || got.AML != nil {
		t.Fatalf("GREEN after withdrawal: %s %s %+v", got.Status, got.StatusReason, got.AML)
	}
	var it userItem
	if err := f.st.Get(ctx, store.UserKey("t-w", u.ID), &it); err != nil || it.IdentityEnc != "" {
		t.Errorf("identity kept without consent: %v", err)
	}
}

func TestAReplayedGreenAfterARedFinalChangesNothing(t *testing.T) {
	f := setup(t)
	u, applicant := f.consented(t, "t-x", "x1")
	t1 := f.clock.now().Add(time.Minute)
	t2 := t1.Add(time.Minute)
	f.decide(t, applicant, red(true, "FORGERY"), t2)
	if got := f.get(t, "t-x", u.ID); got.Status != lifecycle.StatusRejected {
		t.Fatalf("RED FINAL: %s", got.Status)
	}
	// The earlier GREEN delivered late, and the RED again: nothing moves.
	f.decide(t, applicant, green(clean), t1)
	f.decide(t, applicant, red(true, "FORGERY"), t2)
	got := f.get(t, "t-x", u.ID)
	if got.Status != lifecycle.StatusRejected || got.KYC.ReviewAnswer != "RED" {
		t.Fatalf("after replays: %s %+v", got.Status, got.KYC)
	}
}

func TestAnOlderGreenArrivingAfterANewerRedIsIgnored(t *testing.T) {
	f := setup(t)
	u, applicant := f.consented(t, "t-o", "o1")
	t1 := f.clock.now().Add(time.Minute)
	f.decide(t, applicant, red(false, "LOW_QUALITY"), t1.Add(time.Second))
	f.decide(t, applicant, green(clean), t1)
	if got := f.get(t, "t-o", u.ID); got.Status != lifecycle.StatusKYCRetry {
		t.Fatalf("status %s, want kyc_retry", got.Status)
	}
	// A later GREEN (the applicant resubmitted) continues the flow.
	f.decide(t, applicant, green(clean), t1.Add(time.Hour))
	if got := f.get(t, "t-o", u.ID); got.Status != lifecycle.StatusActive {
		t.Fatalf("after resubmission: %s", got.Status)
	}
}

func TestRacingDeliveriesOfOneApprovalMakeOneDecisionAndOneScreening(t *testing.T) {
	f := setup(t)
	u, applicant := f.consented(t, "t-race", "r1")
	f.vendor.set(applicant, green(clean))
	ev := reviewed(applicant, f.clock.now().Add(time.Minute))
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f.svc.Process(context.Background(), ev) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, store.ErrConflict) {
			t.Fatal(err)
		}
	}
	// A delivery that lost every race is retried by the queue: run it once more.
	if err := f.svc.Process(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, "t-race", u.ID)
	if got.Status != lifecycle.StatusActive {
		t.Fatalf("status %s", got.Status)
	}
	n := 0
	for _, h := range got.History {
		if h.To == lifecycle.StatusActive {
			n++
		}
	}
	page, err := f.st.Query(context.Background(), store.QueryInput{Index: store.IndexGSI1, PK: store.UserScreeningsPK("t-race", u.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(page.Items) != 1 {
		t.Fatalf("%d activations, %d screenings", n, len(page.Items))
	}
	if evs := f.statusEvents(t, u.ID); len(evs) != 3 {
		t.Errorf("status events %v", evs)
	}
}

func TestASanctionedNameGoesToReviewAndFourEyesDecideTheClear(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u, applicant := f.consented(t, "t-s", "s1")
	f.decide(t, applicant, green(Identity{FirstName: "Viktor", MiddleName: "Antonovich", LastName: "Sanctionsky", DOB: "1970-03-04", Country: "DEU", Nationality: "DEU"}), f.clock.now().Add(time.Minute))
	got := f.get(t, "t-s", u.ID)
	if got.Status != lifecycle.StatusPendingReview || got.AML.Outcome != "hit" || !slices.Contains(got.AML.Flags, FlagSanctions) || got.AML.ReviewID == "" {
		t.Fatalf("sanctioned name: %s %+v", got.Status, got.AML)
	}
	open, _, err := f.svc.ListReviews(ctx, ReviewOpen, 50, "")
	if err != nil || len(open) != 1 || open[0].UserID != u.ID || !open[0].Strong || len(open[0].Evidence) == 0 || open[0].Evidence[0].EntityID != "UN-TEST-1" {
		t.Fatalf("open reviews %+v %v", open, err)
	}
	analyst := Reviewer{ID: "ana", Analyst: true}
	approver := Reviewer{ID: "appr", Approver: true}
	rv, err := f.svc.Decide(ctx, analyst, open[0].ID, DecisionInput{Outcome: DecisionClear, ReasonCode: "false_positive", Explanation: "different date of birth and nationality per passport"})
	if err != nil || rv.Status != ReviewAwaitingApproval || rv.User.Status != lifecycle.StatusPendingReview {
		t.Fatalf("clear of a strong match took effect alone: %+v %v", rv.Status, err)
	}
	if _, err := f.svc.Approve(ctx, Reviewer{ID: "ana", Approver: true}, open[0].ID, ApprovalInput{Approve: yes()}); code(err) != "four_eyes" {
		t.Fatalf("proposer approving: %v", err)
	}
	if _, err := f.svc.Approve(ctx, analyst, open[0].ID, ApprovalInput{Approve: yes()}); code(err) != "forbidden" {
		t.Fatalf("analyst approving: %v", err)
	}
	rv, err = f.svc.Approve(ctx, approver, open[0].ID, ApprovalInput{Approve: yes()})
	if err != nil || rv.Status != ReviewClosed || rv.Decision.ApprovedBy != "appr" || rv.User.Status != lifecycle.StatusActive || rv.User.AML.Outcome != "cleared_by_review" {
		t.Fatalf("after approval: %+v %v", rv, err)
	}
}

func TestARejectTakesEffectOnlyWithASecondPerson(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u, applicant := f.consented(t, "t-j", "j1")
	f.decide(t, applicant, green(Identity{FirstName: "Viktor", LastName: "Sanctionsky", DOB: "1970-03-04"}), f.clock.now().Add(time.Minute))
	id := f.get(t, "t-j", u.ID).AML.ReviewID
	p, err := f.svc.Decide(ctx, Reviewer{ID: "a1", Approver: true}, id, DecisionInput{Outcome: DecisionReject, ReasonCode: "true_match", Explanation: "name, date of birth agree with UN listing"})
	if err != nil || p.Status != ReviewAwaitingApproval || p.User.Status != lifecycle.StatusPendingReview {
		t.Fatalf("an approver's own reject took effect: %+v %v", p.Status, err)
	}
	if _, err := f.svc.Decide(ctx, Reviewer{ID: "a2", Analyst: true}, id, DecisionInput{Outcome: DecisionClear, ReasonCode: "x_y_z", Explanation: "a second proposal on top"}); code(err) != "review_not_open" {
		t.Fatalf("second proposal: %v", err)
	}
	// Declined: open again; then proposed and approved by someone else.
	if r, err := f.svc.Approve(ctx, Reviewer{ID: "a3", Approver: true}, id, ApprovalInput{Approve: no(), Comment: "need the passport"}); err != nil || r.Status != ReviewOpen {
		t.Fatalf("decline: %+v %v", r.Status, err)
	}
	if _, err := f.svc.Decide(ctx, Reviewer{ID: "a2", Analyst: true}, id, DecisionInput{Outcome: DecisionReject, ReasonCode: "true_match", Explanation: "passport confirms the listed person"}); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Approve(ctx, Reviewer{ID: "a1", Approver: true}, id, ApprovalInput{Approve: yes()})
	if err != nil || r.User.Status != lifecycle.StatusRejected || r.User.StatusReason != "review_rejected" {
		t.Fatalf("approved reject: %+v %v", r.User.Status, err)
	}
}

func TestAStaffClearOfAUserWhoseKYCIsNotApprovedIsRefused(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u, applicant := f.consented(t, "t-k", "k1")
	at := f.clock.now().Add(time.Minute)
	f.decide(t, applicant, green(Identity{FirstName: "Viktor", LastName: "Sanctionsky"}), at)
	id := f.get(t, "t-k", u.ID).AML.ReviewID
	// The vendor withdraws its approval (a newer RED RETRY): the review stays, the KYC is not approved.
	f.decide(t, applicant, red(false, "DOCUMENT_TEMPLATE"), at.Add(time.Minute))
	if got := f.get(t, "t-k", u.ID); got.Status != lifecycle.StatusPendingReview || got.KYC.ReviewAnswer != "RED" {
		t.Fatalf("after RED: %s %+v", got.Status, got.KYC)
	}
	// Without a strong match an analyst's clear takes effect at once, so it is the lifecycle that refuses.
	var it reviewItem
	ref, _ := f.svc.getReview(ctx, id)
	it = ref
	it.Strong = false
	if err := f.st.Put(ctx, store.ReviewKey("t-k", id), it); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Decide(ctx, Reviewer{ID: "ana", Analyst: true}, id, DecisionInput{Outcome: DecisionClear, ReasonCode: "false_positive", Explanation: "not the listed person at all"})
	if code(err) != "kyc_not_approved" {
		t.Fatalf("clear without KYC: %v", err)
	}
	if got := f.get(t, "t-k", u.ID); got.Status != lifecycle.StatusPendingReview {
		t.Fatalf("status %s", got.Status)
	}
}

func TestAScreeningThatCannotBeDoneSendsToReviewNeverToActive(t *testing.T) {
	f := setup(t)
	u, applicant := f.consented(t, "t-i", "i1")
	f.lists.loaded = nil // no list version loaded
	f.decide(t, applicant, green(clean), f.clock.now().Add(time.Minute))
	got := f.get(t, "t-i", u.ID)
	if got.Status != lifecycle.StatusPendingReview || got.AML.Outcome != "inconclusive" {
		t.Fatalf("lists not loaded: %s %+v", got.Status, got.AML)
	}
	rv, err := f.svc.getReview(context.Background(), got.AML.ReviewID)
	if err != nil || rv.Reason != "lists_not_loaded" {
		t.Fatalf("review %+v %v", rv, err)
	}
	f.lists.loaded = testIndex(t)
	u2, applicant2 := f.consented(t, "t-i", "i2")
	f.decide(t, applicant2, green(Identity{FirstName: "Al"}), f.clock.now().Add(time.Minute))
	if got := f.get(t, "t-i", u2.ID); got.Status != lifecycle.StatusPendingReview || got.AML.Outcome != "inconclusive" {
		t.Fatalf("a name too short: %s %+v", got.Status, got.AML)
	}
}

func TestTheVendorsAMLLabelsAreAHitEvenWhenOurListsAreClean(t *testing.T) {
	f := setup(t)
	u, applicant := f.consented(t, "t-l", "l1")
	a := green(clean)
	a.AMLLabels = []string{"PEP", "ADVERSE_MEDIA"}
	f.decide(t, applicant, a, f.clock.now().Add(time.Minute))
	got := f.get(t, "t-l", u.ID)
	if got.Status != lifecycle.StatusPendingReview || !slices.Equal(got.AML.Flags, []string{FlagPEP, FlagAdverseMedia}) {
		t.Fatalf("vendor labels: %s %+v", got.Status, got.AML)
	}
}

func TestAProhibitedNationalityIsRejectedWhateverTheVendorSaid(t *testing.T) {
	f := setup(t)
	u, applicant := f.consented(t, "t-p", "p1")
	f.decide(t, applicant, green(Identity{FirstName: "Ali", LastName: "Rezaei", Country: "SWE", Nationality: "IRN"}), f.clock.now().Add(time.Minute))
	got := f.get(t, "t-p", u.ID)
	if got.Status != lifecycle.StatusRejected || got.StatusReason != "prohibited_jurisdiction" {
		t.Fatalf("prohibited nationality: %s %s", got.Status, got.StatusReason)
	}
}

func TestAMissedDeadlineSuspendsAndALaterApprovalResumes(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u, applicant := f.consented(t, "t-d", "d1")
	early := f.user(t, "t-d", "d2", TypeIndividual, "EU")
	if st, err := f.svc.SuspendOverdue(ctx, 2); err != nil || st.Suspended != 0 {
		t.Fatalf("before the deadline: %+v %v", st, err)
	}
	f.clock.add(25 * time.Hour)
	st, err := f.svc.SuspendOverdue(ctx, 2)
	if err != nil || st.Suspended != 1 {
		t.Fatalf("after the deadline: %+v %v", st, err)
	}
	if got := f.get(t, "t-d", u.ID); got.Status != lifecycle.StatusSuspended || got.StatusReason != "kyc_deadline_missed" {
		t.Fatalf("status %s", got.Status)
	}
	if got := f.get(t, "t-d", early.ID); got.Status != lifecycle.StatusPendingConsent {
		t.Fatalf("a user without consent has no deadline: %s", got.Status)
	}
	if st, err := f.svc.SuspendOverdue(ctx, 2); err != nil || st.Due != 0 {
		t.Fatalf("second run: %+v %v", st, err)
	}
	f.decide(t, applicant, green(clean), f.clock.now())
	if got := f.get(t, "t-d", u.ID); got.Status != lifecycle.StatusActive {
		t.Fatalf("approval after suspension: %s", got.Status)
	}
}

func TestAnAppealNeedsAKYCApprovalNewerThanTheDecision(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u, applicant := f.consented(t, "t-ap", "ap1")
	at := f.clock.now().Add(time.Minute)
	f.decide(t, applicant, red(true, "FRAUDULENT_PATTERNS"), at)
	if _, err := f.svc.Appeal(ctx, "t-ap", client, u.ID, AppealInput{Reason: "I uploaded my own passport"}); code(err) != "appeal_needs_kyc" {
		t.Fatalf("appeal without a newer approval: %v", err)
	}
	f.clock.add(time.Hour)
	f.decide(t, applicant, green(clean), f.clock.now())
	if got := f.get(t, "t-ap", u.ID); got.Status != lifecycle.StatusRejected {
		t.Fatalf("a GREEN after rejection reopened the account: %s", got.Status)
	}
	got, err := f.svc.Appeal(ctx, "t-ap", client, u.ID, AppealInput{Reason: "new documents"})
	if err != nil || got.Status != lifecycle.StatusPendingReview {
		t.Fatalf("appeal: %+v %v", got.Status, err)
	}
	open, _, _ := f.svc.ListReviews(ctx, ReviewOpen, 50, "")
	if len(open) != 1 || open[0].Kind != ReviewKindAppeal {
		t.Fatalf("reviews %+v", open)
	}
	r, err := f.svc.Decide(ctx, Reviewer{ID: "ana", Analyst: true}, open[0].ID, DecisionInput{Outcome: DecisionClear, ReasonCode: "appeal_upheld", Explanation: "the new documents are genuine"})
	if err != nil || r.User.Status != lifecycle.StatusActive {
		t.Fatalf("appeal cleared: %+v %v", r.User.Status, err)
	}
}

func TestACompanyIsActiveOnlyWhenItsPeopleAre(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	co := f.user(t, "t-c", "acme", TypeCompany, "SG")
	if _, err := f.svc.Consent(ctx, "t-c", client, co.ID, ConsentInput{Version: "v1", Accepted: yes()}); err != nil {
		t.Fatal(err)
	}
	sess, err := f.svc.StartKYC(ctx, "t-c", client, co.ID, StartKYCInput{})
	if err != nil || sess["levelName"] != "kyb-company" {
		t.Fatalf("KYB start: %v %v", sess, err)
	}
	f.decide(t, sess["applicantId"], green(Identity{CompanyName: "Acme Trading Pte Ltd", Country: "SGP"}), f.clock.now().Add(time.Minute))
	if got := f.get(t, "t-c", co.ID); got.Status != lifecycle.StatusPendingAML || got.AML == nil || got.AML.Outcome != "clear" {
		t.Fatalf("a clean company without people: %s %+v", got.Status, got.AML)
	}
	ubo, app := f.consented(t, "t-c", "ubo1")
	if _, err := f.svc.AddMember(ctx, "t-c", client, co.ID, MemberInput{UserID: ubo.ID, Roles: []string{"ubo"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddMember(ctx, "t-c", client, co.ID, MemberInput{UserID: co.ID, Roles: []string{"ubo"}}); code(err) != "invalid_member" {
		t.Fatalf("a company as its own member: %v", err)
	}
	if got := f.get(t, "t-c", co.ID); got.Status != lifecycle.StatusPendingAML {
		t.Fatalf("company with a pending person: %s", got.Status)
	}
	f.decide(t, app, green(clean), f.clock.now().Add(2*time.Minute))
	if err := f.svc.companiesOf(ctx, "t-c", ubo.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, "t-c", co.ID); got.Status != lifecycle.StatusActive || len(got.Members) != 1 {
		t.Fatalf("company with its person active: %s %+v", got.Status, got.Members)
	}
	// An active company takes no person who is not active.
	pending, _ := f.consented(t, "t-c", "ubo2")
	if _, err := f.svc.AddMember(ctx, "t-c", client, co.ID, MemberInput{UserID: pending.ID, Roles: []string{"director"}}); code(err) != "member_not_active" {
		t.Fatalf("a pending person linked to an active company: %v", err)
	}
	if got := f.get(t, "t-c", co.ID); got.Status != lifecycle.StatusActive || len(got.Members) != 1 {
		t.Fatalf("after the refused link: %s %+v", got.Status, got.Members)
	}
}

func TestAnApprovalAtAnotherLevelOrFromBeforeOurKYCStartedApprovesNothing(t *testing.T) {
	f := setup(t)
	u, applicant := f.consented(t, "t-lv", "lv1")
	a := green(clean)
	a.Level = "basic-kyc-level"
	f.decide(t, applicant, a, f.clock.now().Add(time.Minute))
	if got := f.get(t, "t-lv", u.ID); got.Status != lifecycle.StatusPendingKYC {
		t.Fatalf("approval at another level: %s", got.Status)
	}
	b := green(clean)
	b.Level, b.ReviewedAt = "id-and-liveness", f.clock.now().Add(-time.Hour)
	f.decide(t, applicant, b, f.clock.now().Add(2*time.Minute))
	if got := f.get(t, "t-lv", u.ID); got.Status != lifecycle.StatusPendingKYC {
		t.Fatalf("approval reviewed before our KYC started: %s", got.Status)
	}
	// Sumsub's reviewDate has whole seconds: a review in the second our KYC started counts.
	c := green(clean)
	started, _ := time.Parse(time.RFC3339Nano, u.KYC.StartedAt)
	c.Level, c.ReviewedAt = "id-and-liveness", started.Truncate(time.Second)
	f.decide(t, applicant, c, f.clock.now().Add(3*time.Minute))
	if got := f.get(t, "t-lv", u.ID); got.Status != lifecycle.StatusActive {
		t.Fatalf("a proper approval: %s", got.Status)
	}
}

func TestAResentOldApprovalIsNoBasisForAnAppeal(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	u, applicant := f.consented(t, "t-rs", "rs1")
	reviewed := f.clock.now().Add(time.Minute)
	a := green(Identity{FirstName: "Viktor", LastName: "Sanctionsky", DOB: "1970-03-04"})
	a.ReviewedAt = reviewed
	f.decide(t, applicant, a, reviewed)
	f.clock.add(2 * time.Minute) // the reviewers decide after the vendor did
	id := f.get(t, "t-rs", u.ID).AML.ReviewID
	if _, err := f.svc.Decide(ctx, Reviewer{ID: "a1", Analyst: true}, id, DecisionInput{Outcome: DecisionReject, ReasonCode: "true_match", Explanation: "the listed person, by name and date"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Approve(ctx, Reviewer{ID: "a2", Approver: true}, id, ApprovalInput{Approve: yes()}); err != nil {
		t.Fatal(err)
	}
	// The same vendor review, delivered again later with a fresh createdAtMs.
	f.clock.add(time.Hour)
	f.decide(t, applicant, a, f.clock.now())
	if _, err := f.svc.Appeal(ctx, "t-rs", client, u.ID, AppealInput{Reason: "again"}); code(err) != "appeal_needs_kyc" {
		t.Fatalf("appeal on a re-sent review: %v", err)
	}
}

func TestDuplicateWebhooksAreProcessedOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ev := VendorEvent{Vendor: VendorSumsub, Type: "applicantPending", ApplicantID: "a1", At: f.clock.now(), Key: "dup-1"}
	for i := 0; i < 3; i++ {
		acc, err := f.svc.Receive(ctx, ev)
		if err != nil || acc.Duplicate != (i > 0) {
			t.Fatalf("delivery %d: %+v %v", i, acc, err)
		}
	}
	if len(f.queue.evs) != 1 {
		t.Fatalf("enqueued %d times", len(f.queue.evs))
	}
	// Received but never processed (the enqueue was lost): a late duplicate enqueues again.
	f.clock.add(5 * time.Minute)
	if acc, err := f.svc.Receive(ctx, ev); err != nil || !acc.Requeued {
		t.Fatalf("late duplicate: %+v %v", acc, err)
	}
}

func TestUsersAreListedByStatusAndJurisdictionAndCounted(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for i, j := range []string{"EU", "EU", "US", "JP", "KR"} {
		f.user(t, "t-list", "u"+string(rune('a'+i)), TypeIndividual, j)
	}
	f.consented(t, "t-list", "uz")
	all, cur, err := f.svc.ListUsers(ctx, "t-list", UserFilter{}, 2, "")
	if err != nil || len(all) != 2 || cur == "" {
		t.Fatalf("first page %d %q %v", len(all), cur, err)
	}
	seen := map[string]bool{}
	for _, u := range all {
		seen[u.ID] = true
	}
	for cur != "" {
		var page []User
		page, cur, err = f.svc.ListUsers(ctx, "t-list", UserFilter{}, 2, cur)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			seen[u.ID] = true
		}
	}
	if len(seen) != 6 {
		t.Fatalf("listed %d of 6", len(seen))
	}
	eu, _, _ := f.svc.ListUsers(ctx, "t-list", UserFilter{Jurisdiction: "EU"}, 50, "")
	pc, _, _ := f.svc.ListUsers(ctx, "t-list", UserFilter{Status: "pending_consent", Jurisdiction: "EU"}, 50, "")
	if len(eu) != 3 || len(pc) != 2 {
		t.Fatalf("EU %d, EU pending_consent %d", len(eu), len(pc))
	}
	if _, _, err := f.svc.ListUsers(ctx, "t-list", UserFilter{}, 2, "XX.abc"); err == nil {
		t.Error("a forged cursor was taken")
	}
	r, err := f.svc.Report(ctx, "t-list")
	if err != nil || r.Total != 6 || r.ByStatus["pending_consent"] != 5 || r.ByJurisdiction["EU"].Total != 3 || r.ByJurisdiction["EU"].ByRiskTier["unrated"] != 3 {
		t.Fatalf("report %+v %v", r, err)
	}
}

func TestThePolicyIsValidatedAndChoosesTheLevel(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for name, p := range map[string]Policy{
		"unknown proof":      {ProofOfAddress: "sometimes"},
		"unknown region":     {ProofOfAddress: ProofPerJurisdiction, Jurisdictions: []string{"XX"}},
		"deadline too long":  {ProofOfAddress: ProofNever, DeadlineHours: 10000},
		"unknown vendor":     {ProofOfAddress: ProofNever, Vendor: "acme"},
		"regions with never": {ProofOfAddress: ProofNever, Jurisdictions: []string{"EU"}},
	} {
		if _, err := f.svc.SetPolicy(ctx, "t-pol", client, p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if p, _ := f.svc.Policy(ctx, "t-pol"); p.DeadlineHours != 24 {
		t.Fatalf("refused policies changed it: %+v", p)
	}
	if _, err := f.svc.SetPolicy(ctx, "t-pol", client, Policy{ProofOfAddress: ProofAlways, DeadlineHours: 2}); err != nil {
		t.Fatal(err)
	}
	u, _ := f.consented(t, "t-pol", "pol1")
	if u.KYC.Level != "id-liveness-and-address" {
		t.Fatalf("level %s", u.KYC.Level)
	}
	if dl, _ := time.Parse(time.RFC3339Nano, u.KYCDeadline); dl.Sub(f.clock.now()) != 2*time.Hour {
		t.Fatalf("deadline %s", u.KYCDeadline)
	}
}

func TestAProgressEventStampedLikeTheDecisionDoesNotHideIt(t *testing.T) {
	f := setup(t)
	u, applicant := f.consented(t, "t-same", "s1")
	at := f.clock.now().Add(time.Minute)
	pending := VendorEvent{Vendor: VendorSumsub, Type: "applicantPending", ApplicantID: applicant, At: at, ReviewStatus: "pending", Key: "p-same"}
	if err := f.svc.Process(context.Background(), pending); err != nil {
		t.Fatal(err)
	}
	f.decide(t, applicant, green(clean), at)
	if got := f.get(t, "t-same", u.ID); got.Status != lifecycle.StatusActive {
		t.Fatalf("status %s", got.Status)
	}
	// And an older progress event after the decision changes nothing.
	old := pending
	old.At, old.Key, old.ReviewStatus = at.Add(-time.Second), "p-old", "init"
	if err := f.svc.Process(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, "t-same", u.ID); got.KYC.ReviewStatus != "completed" {
		t.Fatalf("review status %s", got.KYC.ReviewStatus)
	}
}
