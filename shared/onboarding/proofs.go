package onboarding

import (
	"context"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// ProofsSink is where proof-of-life results go (shared/trades): the identity vendor's
// webhook for a liveness verification arrives here like a KYC one.
type ProofsSink interface {
	FindProof(ctx context.Context, vendor, verificationID string) (t store.TenantID, tradeID, proofID, userID string, ok bool, err error)
	CompleteProof(ctx context.Context, t store.TenantID, tradeID, proofID string, passed bool, reason string) error
}

// DefaultLivenessFlow is the MetaMap flow of a proof of life (a selfie liveness check
// with a document), overridden by METAMAP_LIVENESS_FLOW_ID.
const DefaultLivenessFlow = "liveness"

// Proof-of-life failure reasons (codes only).
const (
	ProofLivenessFailed     = "liveness_failed"
	ProofIdentityMismatch   = "identity_mismatch"
	ProofNoIdentity         = "no_registered_identity"
	ProofIdentityIncomplete = "identity_incomplete"
)

// StartProofOfLife starts a liveness verification of a user with MetaMap and answers
// what the user's front end needs to run it.
func (s *Service) StartProofOfLife(ctx context.Context, t store.TenantID, userID, proofID string) (string, string, map[string]string, error) {
	u, err := s.getUser(ctx, t, userID)
	if err != nil {
		return "", "", nil, err
	}
	v, ok := s.Vendors[VendorMetaMap]
	if !ok {
		return "", "", nil, failure.New(failure.Unavailable, "proof_of_life_unavailable", "the liveness vendor is not configured")
	}
	flow := s.LivenessFlow
	if flow == "" {
		flow = DefaultLivenessFlow
	}
	out, err := v.Start(ctx, StartInput{TenantID: string(t), UserID: u.ID, Level: flow})
	if err != nil {
		return "", "", nil, failure.New(failure.Unavailable, "vendor_unavailable", "the identity vendor did not answer; retry shortly").Wrap(err)
	}
	session := map[string]string{"proofId": proofID}
	for k, v := range out.Session {
		session[k] = v
	}
	return VendorMetaMap, out.ApplicantID, session, nil
}

// processProof decides a proof of life from the vendor's verification: passed when the
// vendor verified the person and the identity it read is the one registered at
// onboarding (name and date of birth), failed otherwise; pending changes nothing.
func (s *Service) processProof(ctx context.Context, ev VendorEvent, t store.TenantID, tradeID, proofID, userID string) error {
	if !ev.Decisive {
		s.markProcessed(ctx, ev)
		return nil
	}
	v, ok := s.Vendors[ev.Vendor]
	if !ok {
		return failure.New(failure.Unavailable, "vendor_unavailable", "vendor %s is not configured", ev.Vendor)
	}
	va, err := v.Applicant(ctx, ev.ApplicantID)
	if err != nil {
		return err
	}
	passed, reason := false, ""
	switch va.Outcome {
	case OutcomeApproved:
		passed, reason, err = s.sameIdentity(ctx, t, userID, va.Identity)
		if err != nil {
			return err
		}
	case OutcomeRejected, OutcomeRetry:
		reason = ProofLivenessFailed
	default:
		s.markProcessed(ctx, ev)
		return nil
	}
	if err := s.Proofs.CompleteProof(ctx, t, tradeID, proofID, passed, reason); err != nil {
		return err
	}
	s.Log.InfoContext(ctx, "proof of life decided", "tenant", string(t), "tradeId", tradeID, "proofId", proofID, "passed", passed, "reason", reason)
	s.markProcessed(ctx, ev)
	return nil
}

// sameIdentity compares the liveness check's identity with the user's registered one.
func (s *Service) sameIdentity(ctx context.Context, t store.TenantID, userID string, got Identity) (bool, string, error) {
	u, err := s.getUser(ctx, t, userID)
	if err != nil {
		return false, "", err
	}
	if u.IdentityEnc == "" {
		return false, ProofNoIdentity, nil
	}
	var reg Identity
	if err := s.open(ctx, t, u.ID, PurposeIdentity, u.IdentityEnc, &reg); err != nil {
		return false, "", err
	}
	if foldName(reg.Name()) == "" || foldName(reg.Name()) != foldName(got.Name()) {
		return false, ProofIdentityMismatch, nil
	}
	// Both dates must be known and equal: a liveness check that read no date of birth
	// proves a name, not a person.
	rd, gd := normDate(reg.DOB), normDate(got.DOB)
	if rd == "" || gd == "" {
		return false, ProofIdentityIncomplete, nil
	}
	if rd != gd {
		return false, ProofIdentityMismatch, nil
	}
	return true, "", nil
}

// normDate reads a date of birth as vendors write it (2006-01-02, 02/01/2006, 02.01.2006)
// into YYYY-MM-DD, or "" when it is none of those.
func normDate(s string) string {
	for _, layout := range []string{"2006-01-02", "02/01/2006", "02.01.2006", "2006/01/02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return ""
}

// foldName compares names without case, accents or spacing.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
