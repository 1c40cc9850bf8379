package lifecycle

import (
	"errors"
	"testing"
	"time"
)

var triggers = []Trigger{ConsentGiven, ConsentWithdrawn, KYCApproved, KYCRetry, KYCRejected, ProhibitedRegion,
	ScreenedClear, ScreenedHit, ScreenedUnsure, DeadlineMissed, ReviewCleared, ReviewRejected, ReviewRestricted,
	AppealOpened, AppealUpheld, MembersChanged}

// allFacts enumerates every combination of facts that matters to a guard.
func allFacts() []Facts {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []Facts
	for _, consent := range []bool{false, true} {
		for _, kyc := range []KYC{KYCNone, KYCPending, KYCStatusApprove, KYCStatusRetry, KYCStatusReject} {
			for _, scr := range []Screening{ScreeningNone, ScreeningClear, ScreeningHit, ScreeningUnsure, ScreeningCleared} {
				for _, company := range []bool{false, true} {
					for _, members := range []bool{false, true} {
						for _, times := range [][2]time.Time{{}, {t0, t0.Add(time.Hour)}, {t0.Add(time.Hour), t0}, {t0, t0}} {
							out = append(out, Facts{Consent: consent, KYC: kyc, Screening: scr, Company: company,
								MembersActive: members, KYCDecidedAt: times[0], DecisionAt: times[1]})
						}
					}
				}
			}
		}
	}
	return out
}

func TestNoTransitionActivatesAnAccountWithoutConsentApprovedKYCAndACleanScreening(t *testing.T) {
	facts := allFacts()
	checked, activations := 0, 0
	for _, from := range Statuses {
		for _, on := range triggers {
			for _, f := range facts {
				tr, err := Decide(from, on, f)
				checked++
				if err != nil {
					continue
				}
				if tr.From != from || tr.Trigger != on || !tr.To.Valid() || tr.Reason == "" {
					t.Fatalf("Decide(%s, %s) = %+v", from, on, tr)
				}
				if tr.To == StatusActive {
					activations++
					if !f.Consent || f.KYC != KYCStatusApprove || (f.Screening != ScreeningClear && f.Screening != ScreeningCleared) {
						t.Fatalf("%s --%s--> active with %+v", from, on, f)
					}
					if f.Company && !f.MembersActive {
						t.Fatalf("company %s --%s--> active without its people: %+v", from, on, f)
					}
				}
			}
		}
	}
	if activations == 0 {
		t.Fatal("no combination activates: the check proves nothing")
	}
	t.Logf("%d decisions checked, %d activations, all with consent, approved KYC and a clean screening", checked, activations)
}

func TestEveryAllowedTransitionIsInTheTableAndEveryOtherIsRefused(t *testing.T) {
	inTable := map[[2]string]Transition{}
	for _, tr := range Table() {
		k := [2]string{string(tr.From), string(tr.Trigger)}
		if _, dup := inTable[k]; dup {
			t.Fatalf("two transitions for %v", k)
		}
		inTable[k] = tr
	}
	for _, from := range Statuses {
		for _, on := range triggers {
			want, allowed := inTable[[2]string{string(from), string(on)}]
			anyOK := false
			for _, f := range allFacts() {
				tr, err := Decide(from, on, f)
				if err == nil {
					anyOK = true
					if tr != want {
						t.Fatalf("Decide(%s, %s) = %+v, table says %+v", from, on, tr, want)
					}
				} else if !allowed && !errors.Is(err, ErrNotAllowed) {
					t.Fatalf("Decide(%s, %s) refused with %v, want ErrNotAllowed", from, on, err)
				}
			}
			if allowed != anyOK {
				t.Errorf("%s on %s: in table %v, reachable with some facts %v", from, on, allowed, anyOK)
			}
		}
	}
}

func TestClosedIsFinalAndRejectedLeavesOnlyByAppeal(t *testing.T) {
	for _, on := range triggers {
		for _, f := range allFacts() {
			if _, err := Decide(StatusClosed, on, f); err == nil {
				t.Fatalf("closed moved on %s", on)
			}
			if tr, err := Decide(StatusRejected, on, f); err == nil && on != AppealOpened {
				t.Fatalf("rejected moved on %s to %s", on, tr.To)
			}
		}
	}
}

func TestTheGuardsRefuseWithTheirReasons(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	approved := Facts{Consent: true, KYC: KYCStatusApprove}
	cases := []struct {
		name string
		from Status
		on   Trigger
		f    Facts
		want error
		to   Status
	}{
		{"a GREEN before consent moves nothing", StatusPendingConsent, KYCApproved, Facts{KYC: KYCStatusApprove}, ErrNotAllowed, ""},
		{"consent without a recorded consent is refused", StatusPendingConsent, ConsentGiven, Facts{}, ErrConsentRequired, ""},
		{"consent recorded asks for KYC", StatusPendingConsent, ConsentGiven, Facts{Consent: true}, nil, StatusPendingKYC},
		{"an approval after consent goes to screening", StatusPendingKYC, KYCApproved, approved, nil, StatusPendingAML},
		{"an approval whose facts lack consent is refused", StatusPendingKYC, KYCApproved, Facts{KYC: KYCStatusApprove}, ErrConsentRequired, ""},
		{"a GREEN replayed after a RED FINAL moves nothing", StatusRejected, KYCApproved, approved, ErrNotAllowed, ""},
		{"a clean screening activates", StatusPendingAML, ScreenedClear, Facts{Consent: true, KYC: KYCStatusApprove, Screening: ScreeningClear}, nil, StatusActive},
		{"a clean screening with withdrawn consent does not activate", StatusPendingAML, ScreenedClear, Facts{KYC: KYCStatusApprove, Screening: ScreeningClear}, ErrNotClean, ""},
		{"a hit goes to review", StatusPendingAML, ScreenedHit, Facts{Consent: true, KYC: KYCStatusApprove, Screening: ScreeningHit}, nil, StatusPendingReview},
		{"an inconclusive screening goes to review", StatusPendingAML, ScreenedUnsure, Facts{Consent: true, KYC: KYCStatusApprove, Screening: ScreeningUnsure}, nil, StatusPendingReview},
		{"a clear by staff on a user whose KYC is not approved is refused", StatusPendingReview, ReviewCleared, Facts{Consent: true, KYC: KYCStatusRetry, Screening: ScreeningCleared}, ErrKYCNotApproved, ""},
		{"a clear by staff without the screening cleared is refused", StatusPendingReview, ReviewCleared, Facts{Consent: true, KYC: KYCStatusApprove, Screening: ScreeningHit}, ErrNotClean, ""},
		{"a clear by staff of a cleared hit activates", StatusPendingReview, ReviewCleared, Facts{Consent: true, KYC: KYCStatusApprove, Screening: ScreeningCleared}, nil, StatusActive},
		{"a company whose people are not all active waits", StatusPendingAML, ScreenedClear, Facts{Consent: true, KYC: KYCStatusApprove, Screening: ScreeningClear, Company: true}, ErrMembersNotActive, ""},
		{"a company goes on when its people are active", StatusPendingAML, MembersChanged, Facts{Consent: true, KYC: KYCStatusApprove, Screening: ScreeningClear, Company: true, MembersActive: true}, nil, StatusActive},
		{"an appeal without a newer KYC approval is refused", StatusRejected, AppealOpened, Facts{Consent: true, KYC: KYCStatusApprove, KYCDecidedAt: t0, DecisionAt: t0.Add(time.Hour)}, ErrAppealNeedsKYC, ""},
		{"an appeal with a newer KYC approval opens a review", StatusRejected, AppealOpened, Facts{Consent: true, KYC: KYCStatusApprove, KYCDecidedAt: t0.Add(time.Hour), DecisionAt: t0}, nil, StatusPendingReview},
		{"a missed deadline suspends", StatusPendingKYC, DeadlineMissed, Facts{Consent: true}, nil, StatusSuspended},
		{"a missed deadline does not touch an active account", StatusActive, DeadlineMissed, approved, ErrNotAllowed, ""},
		{"a later approval resumes a suspended account", StatusSuspended, KYCApproved, approved, nil, StatusPendingAML},
		{"withdrawing consent before activation closes", StatusPendingReview, ConsentWithdrawn, Facts{}, nil, StatusClosed},
		{"withdrawing consent after activation is not an onboarding step", StatusActive, ConsentWithdrawn, Facts{}, ErrNotAllowed, ""},
		{"a prohibited region rejects even an active account", StatusActive, ProhibitedRegion, approved, nil, StatusRejected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := Decide(c.from, c.on, c.f)
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("got %+v, %v; want %v", tr, err, c.want)
				}
				return
			}
			if err != nil || tr.To != c.to {
				t.Fatalf("got %+v, %v; want %s", tr, err, c.to)
			}
		})
	}
}
