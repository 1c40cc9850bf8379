package movements

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

// SignalPolicy sets the platform's built-in detectors. They run on every logged movement,
// whatever the client's rules, and open platform reviews: never a restriction.
type SignalPolicy struct {
	// PassThroughWindow and PassThroughUSD: a vault that received and sent at least
	// PassThroughUSD each within PassThroughWindow (funds passing through).
	PassThroughWindow time.Duration
	PassThroughCents  int64
	// FanOutWindow and FanOutNew: an initiator that sent to at least FanOutNew
	// destinations it never sent to before, within FanOutWindow.
	FanOutWindow time.Duration
	FanOutNew    int
}

// DefaultSignalPolicy: USD 10,000 in and out of one vault within an hour (the
// structuring threshold most AML regimes watch); 20 new destinations within an hour.
var DefaultSignalPolicy = SignalPolicy{PassThroughWindow: time.Hour, PassThroughCents: 10_000_00, FanOutWindow: time.Hour, FanOutNew: 20}

// Signal kinds.
const (
	SignalSanctionedAddress = "sanctioned_address"
	SignalWalletSanctioned  = "wallet_sanctioned"
	SignalPassThrough       = "pass_through"
	SignalFanOut            = "fan_out"
)

// addressHit is what the sanctioned-address lists say of one address.
type addressHit struct {
	Version string
	Matches []screening.AddressMatch
}

var errListsNotReady = failure.New(failure.Unavailable, "lists_not_ready", "no sanctions list version is loaded yet; retry shortly")

func (s *Service) screenAddress(ctx context.Context, a Address) (addressHit, error) {
	if s.Lists == nil {
		return addressHit{}, errListsNotReady
	}
	l, err := s.Lists.Current(ctx)
	if err != nil || l == nil || l.Index == nil {
		return addressHit{}, errListsNotReady
	}
	r := l.Index.ScreenAddress(a.Chain, a.Bare)
	out := addressHit{Version: l.Version}
	if r.Outcome == screening.OutcomeMatch {
		out.Matches = r.Matches
	}
	return out, nil
}

func shortHash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:12])
}

func matchEntity(m screening.AddressMatch) string {
	if m.EntityID != "" {
		return m.EntityID
	}
	return "addr:" + m.Normalized
}

// flagWallet opens the platform review of a user whose new wallet is on a sanctions list,
// and raises the client's alert for it, and records both on the link.
func (s *Service) flagWallet(ctx context.Context, t store.TenantID, l *Link, a Address, hit addressHit) error {
	linkRef := shortHash(l.UserID, a.Chain, a.Key)
	details := map[string]string{"chain": a.Chain, "listVersion": hit.Version}
	for i, m := range hit.Matches {
		if i < 3 {
			details[fmt.Sprintf("entity%d", i+1)] = string(m.Source) + ":" + matchEntity(m)
		}
	}
	if s.Reviews != nil {
		id, err := s.Reviews.OpenSignalReview(ctx, t, l.UserID, onboarding.Signal{Key: "wallet:" + linkRef, Kind: SignalWalletSanctioned, Strong: true, Details: details})
		if err != nil {
			return err
		}
		l.Screening.ReviewID = id
	}
	if s.Alerts != nil {
		for _, m := range hit.Matches {
			res, err := s.Alerts.Raise(ctx, alerts.Finding{Tenant: t, UserID: l.UserID, ListSource: string(m.Source), EntityID: matchEntity(m),
				EntityHash: shortHash(string(m.Source), m.Normalized, m.EntityID), SubjectHash: shortHash("wallet", a.Chain, a.Key),
				Kind: alerts.KindSanctions, Outcome: alerts.OutcomeMatch, Score: 1, ListVersion: hit.Version,
				ScreeningID: "wallet-" + linkRef, Reasons: []string{"address_exact", "wallet_linked"}})
			if err != nil {
				return err
			}
			if l.Screening.AlertID == "" {
				l.Screening.AlertID = res.AlertID
			}
		}
	}
	return nil
}

// detect runs the built-in detectors on one logged movement and opens platform reviews
// for the users involved. It is idempotent: each signal's key is derived from its
// evidence (the movement, the window), so a redelivered movement adds nothing.
func (s *Service) detect(ctx context.Context, t store.TenantID, m Movement) ([]string, error) {
	users := involvedUsers(m)
	var found []onboarding.Signal
	// A movement to or from a sanctioned address.
	for _, side := range []struct {
		name string
		p    Party
	}{{"source", m.Source}, {"destination", m.Destination}} {
		if side.p.Type != "address" {
			continue
		}
		hit, err := s.screenAddress(ctx, Address{Chain: side.p.Chain, Bare: side.p.Address, Key: side.p.AddressKey})
		if err != nil {
			return nil, err
		}
		if len(hit.Matches) == 0 {
			continue
		}
		d := map[string]string{"side": side.name, "chain": side.p.Chain, "asset": m.Asset, "amount": m.Amount, "listVersion": hit.Version,
			"entity": string(hit.Matches[0].Source) + ":" + matchEntity(hit.Matches[0])}
		found = append(found, onboarding.Signal{Key: "mv:" + shortHash(m.ID, side.name), Kind: SignalSanctionedAddress, Strong: true, MovementID: m.ID, Details: d})
	}
	at := timeOf(m.OccurredAt)
	pol := s.Signals
	// Funds passing through a vault: in and out above the threshold within the window.
	for _, p := range []Party{m.Source, m.Destination} {
		if p.Type != "vault" || pol.PassThroughCents <= 0 {
			continue
		}
		w, err := s.Velocity(ctx, t, []string{"V", p.VaultID}, pol.PassThroughWindow, at)
		if err != nil {
			return nil, err
		}
		if w.InCents >= pol.PassThroughCents && w.OutCents >= pol.PassThroughCents {
			bucket := at.Truncate(pol.PassThroughWindow).Format("2006010215")
			found = append(found, onboarding.Signal{Key: "pt:" + shortHash(p.VaultID, bucket), Kind: SignalPassThrough, MovementID: m.ID,
				Details: map[string]string{"vaultId": p.VaultID, "window": pol.PassThroughWindow.String(), "inUsd": usd(w.InCents), "outUsd": usd(w.OutCents)}})
		}
	}
	// Fan-out: many destinations the initiator never sent to before.
	if pol.FanOutNew > 0 {
		n, err := s.NewDestinations(ctx, t, initiator(m), pol.FanOutWindow, at, pol.FanOutNew)
		if err != nil {
			return nil, err
		}
		if n >= pol.FanOutNew {
			bucket := at.Truncate(pol.FanOutWindow).Format("2006010215")
			found = append(found, onboarding.Signal{Key: "fo:" + shortHash(strings.Join(initiator(m), ":"), bucket), Kind: SignalFanOut, MovementID: m.ID,
				Details: map[string]string{"window": pol.FanOutWindow.String(), "newDestinations": fmt.Sprint(n)}})
		}
	}
	var reviews []string
	for _, sig := range found {
		sig.At = store.FormatTime(s.now())
		for _, u := range users {
			if s.Reviews == nil {
				continue
			}
			id, err := s.Reviews.OpenSignalReview(ctx, t, u, sig)
			if err != nil {
				if f, ok := failure.As(err); ok && f.Kind == failure.NotFound {
					continue // a client's unverified user claim: nobody to review
				}
				return reviews, err
			}
			reviews = append(reviews, id)
		}
		if len(users) == 0 {
			s.Log.WarnContext(ctx, "platform signal without a user to review", "tenant", string(t), "movementId", m.ID, "signal", sig.Kind)
		}
	}
	return reviews, nil
}

func involvedUsers(m Movement) []string {
	var out []string
	for _, p := range []Party{m.Source, m.Destination} {
		if p.UserID != "" && (len(out) == 0 || out[0] != p.UserID) {
			out = append(out, p.UserID)
		}
	}
	return out
}

func usd(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }
