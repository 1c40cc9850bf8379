package rules

import (
	"time"

	"github.com/chainfi/chainguard/shared/failure"
)

// Kind is the kind of a movement.
type Kind string

// The kinds of movement.
const (
	VaultToVault   Kind = "vault_to_vault"
	WalletToWallet Kind = "wallet_to_wallet"
	VaultToWallet  Kind = "vault_to_wallet"
	WalletToVault  Kind = "wallet_to_vault"
)

// Valid reports whether k is a kind of movement.
func (k Kind) Valid() bool {
	switch k {
	case VaultToVault, WalletToWallet, VaultToWallet, WalletToVault:
		return true
	}
	return false
}

// Direction is derived from the kind, so that a rule can say "leaving custody" without
// listing kinds: out (vault to wallet), in (wallet to vault), internal (vault to vault),
// external (wallet to wallet).
func (k Kind) Direction() string {
	switch k {
	case VaultToWallet:
		return "out"
	case WalletToVault:
		return "in"
	case VaultToVault:
		return "internal"
	case WalletToWallet:
		return "external"
	}
	return ""
}

// The party types.
const (
	PartyVault   = "vault"
	PartyAddress = "address"
)

// Movement is the movement a decision is about, as the movements service knows it. Amounts
// are exact decimal strings, as in the API: nothing is rounded before a rule sees it.
type Movement struct {
	ID         string    `json:"id"`
	Kind       Kind      `json:"kind"`
	Asset      string    `json:"asset"`
	Chain      string    `json:"chain"`
	Amount     string    `json:"amount"`             // exact decimal, e.g. "1200.000000000000000001"
	ValueUSD   string    `json:"valueUsd,omitempty"` // exact decimal; "" when the client gave none
	OccurredAt time.Time `json:"occurredAt"`
	TxHash     string    `json:"txHash,omitempty"`
}

// Party is the source or the destination of a movement, enriched at ingestion from the
// mappings (user, jurisdiction) and the screening engine (sanctioned).
type Party struct {
	Type          string   `json:"type"` // PartyVault or PartyAddress
	VaultID       string   `json:"vaultId,omitempty"`
	Chain         string   `json:"chain,omitempty"`
	Address       string   `json:"address,omitempty"` // normalised for its chain
	UserID        string   `json:"userId,omitempty"`
	Jurisdictions []string `json:"jurisdictions,omitempty"` // jurisdiction tags of the user
	Country       string   `json:"country,omitempty"`       // ISO 3166-1 alpha-2 of the user
	RiskTier      string   `json:"riskTier,omitempty"`
	Sanctioned    bool     `json:"sanctioned"` // the address is on a sanctioned-address list
}

// Key names the party for velocity aggregates: its user when it has one, else its vault,
// else its chain and address. The initiating party of a movement is the key of its source.
func (p Party) Key() string {
	switch {
	case p.UserID != "":
		return "user:" + p.UserID
	case p.Type == PartyVault:
		return "vault:" + p.VaultID
	default:
		return "address:" + p.Chain + ":" + p.Address
	}
}

// Input is what the rules see: the movement and its two parties, as given. It is recorded
// in the decision unchanged, so that the decision can be replayed.
type Input struct {
	Movement    Movement `json:"movement"`
	Source      Party    `json:"source"`
	Destination Party    `json:"destination"`
}

// Validate checks what the rules rely on: a known kind, exact decimal amounts, a time and
// parties of a known type. Codes: invalid_movement_kind, invalid_amount, invalid_value_usd,
// missing_occurred_at, invalid_party, field_too_long (MaxFieldBytes,
// MaxJurisdictions).
func (in Input) Validate() error {
	m := in.Movement
	if !m.Kind.Valid() {
		return failure.InvalidInput("invalid_movement_kind", "movement kind %q is not one of vault_to_vault, wallet_to_wallet, vault_to_wallet, wallet_to_vault", m.Kind)
	}
	if !isDecimal(m.Amount) {
		return failure.InvalidInput("invalid_amount", "movement amount %q is not an exact decimal", m.Amount)
	}
	if m.ValueUSD != "" {
		if !isDecimal(m.ValueUSD) {
			return failure.InvalidInput("invalid_value_usd", "movement valueUsd %q is not an exact decimal", m.ValueUSD)
		}
	}
	if m.OccurredAt.IsZero() {
		return failure.InvalidInput("missing_occurred_at", "movement occurredAt is required")
	}
	for _, p := range []struct {
		name  string
		party Party
	}{{"source", in.Source}, {"destination", in.Destination}} {
		if p.party.Type != PartyVault && p.party.Type != PartyAddress {
			return failure.InvalidInput("invalid_party", "%s type %q is not vault or address", p.name, p.party.Type)
		}
		if len(p.party.Jurisdictions) > MaxJurisdictions {
			return failure.InvalidInput("field_too_long", "%s has %d jurisdictions; the limit is %d", p.name, len(p.party.Jurisdictions), MaxJurisdictions)
		}
	}
	// The static cost bounds of the rules assume these limits.
	if n := in.longestField(); n > MaxFieldBytes {
		return failure.InvalidInput("field_too_long", "a field of the movement or its parties is %d bytes; the limit is %d", n, MaxFieldBytes)
	}
	return nil
}

func (in Input) longestField() int {
	m, s, d := &in.Movement, &in.Source, &in.Destination
	n := 0
	for _, f := range [...]string{m.ID, string(m.Kind), m.Asset, m.Chain, m.TxHash,
		s.Type, s.VaultID, s.Chain, s.Address, s.UserID, s.Country, s.RiskTier,
		d.Type, d.VaultID, d.Chain, d.Address, d.UserID, d.Country, d.RiskTier} {
		n = max(n, len(f))
	}
	for _, js := range [][]string{s.Jurisdictions, d.Jurisdictions} {
		for _, j := range js {
			n = max(n, len(j))
		}
	}
	return n
}
