package movements

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

// Kinds of movement.
const (
	KindVaultToVault   = "vault_to_vault"
	KindWalletToWallet = "wallet_to_wallet"
	KindVaultToWallet  = "vault_to_wallet"
	KindWalletToVault  = "wallet_to_vault"
)

// MaxBatch is the most movements one POST /v1/movements takes.
const MaxBatch = 500

// Retention is how long a movement is kept at least (the records carry no TTL: they are
// removed, if ever, by a retention job after this, never by the table).
const Retention = 5 * 365 * 24 * time.Hour

// Endpoint is one side of a movement: a vault, or a chain and address.
type Endpoint struct {
	VaultID string `json:"vaultId,omitempty"`
	Chain   string `json:"chain,omitempty"`
	Address string `json:"address,omitempty"`
	UserID  string `json:"userId,omitempty"` // optional: the client's claim; mappings win
}

// Initiator is who started the movement: personal data, stored encrypted.
type Initiator struct {
	DeviceID  string `json:"deviceId,omitempty"`
	SessionID string `json:"sessionId,omitempty"`
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// Approval is one step of the approval path: who approved, in which role, when. Stored
// encrypted (approvers are people).
type Approval struct {
	Approver string `json:"approver"`
	Role     string `json:"role"`
	At       string `json:"at"`
}

// Input is one movement as the client sends it.
type Input struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Source       Endpoint   `json:"source"`
	Destination  Endpoint   `json:"destination"`
	Asset        string     `json:"asset"`
	Chain        string     `json:"chain"`
	Amount       string     `json:"amount"`
	ValueUSD     string     `json:"valueUsd,omitempty"`
	OccurredAt   string     `json:"occurredAt"`
	TxHash       string     `json:"txHash,omitempty"`
	InitiatedBy  *Initiator `json:"initiatedBy,omitempty"`
	ApprovalPath []Approval `json:"approvalPath,omitempty"`
	DecisionID   string     `json:"decisionId,omitempty"` // the pre-signing decision, if any
}

// Party is a side of a stored movement, enriched at ingestion.
type Party struct {
	Type          string   `json:"type" dynamodbav:"type"` // vault or address
	VaultID       string   `json:"vaultId,omitempty" dynamodbav:"vaultId,omitempty"`
	Chain         string   `json:"chain,omitempty" dynamodbav:"chain,omitempty"`
	Address       string   `json:"address,omitempty" dynamodbav:"address,omitempty"` // as sent (trimmed)
	AddressKey    string   `json:"-" dynamodbav:"addressKey,omitempty"`              // normalised lookup key
	UserID        string   `json:"userId,omitempty" dynamodbav:"userId,omitempty"`
	UserFrom      string   `json:"userFrom,omitempty" dynamodbav:"userFrom,omitempty"` // mapping or client
	Jurisdictions []string `json:"jurisdictions,omitempty" dynamodbav:"jurisdictions,omitempty"`
	RiskTier      string   `json:"riskTier,omitempty" dynamodbav:"riskTier,omitempty"`
}

// Movement is a stored movement as the client reads it. InitiatedBy and ApprovalPath
// are only filled by Get (they are decrypted for it, and the read is audited).
type Movement struct {
	ID           string     `json:"id" dynamodbav:"id"`
	Kind         string     `json:"kind" dynamodbav:"kind"`
	Source       Party      `json:"source" dynamodbav:"source"`
	Destination  Party      `json:"destination" dynamodbav:"destination"`
	Asset        string     `json:"asset" dynamodbav:"asset"`
	Chain        string     `json:"chain" dynamodbav:"chain"`
	Amount       string     `json:"amount" dynamodbav:"amount"`
	ValueUSD     string     `json:"valueUsd,omitempty" dynamodbav:"valueUsd,omitempty"`
	OccurredAt   string     `json:"occurredAt" dynamodbav:"occurredAt"`
	LoggedAt     string     `json:"loggedAt" dynamodbav:"loggedAt"`
	TxHash       string     `json:"txHash,omitempty" dynamodbav:"txHash,omitempty"`
	DecisionID   string     `json:"decisionId,omitempty" dynamodbav:"decisionId,omitempty"`
	Corrects     string     `json:"corrects,omitempty" dynamodbav:"corrects,omitempty"`
	CorrectedBy  []string   `json:"correctedBy,omitempty" dynamodbav:"-"`
	InitiatedBy  *Initiator `json:"initiatedBy,omitempty" dynamodbav:"-"`
	ApprovalPath []Approval `json:"approvalPath,omitempty" dynamodbav:"-"`
}

var (
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
	vaultPattern   = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
	assetPattern   = regexp.MustCompile(`^[A-Z0-9]{2,12}$`)
	amountPattern  = regexp.MustCompile(`^(0|[1-9][0-9]{0,29})(\.[0-9]{1,18})?$`)
	txHashPattern  = regexp.MustCompile(`^[A-Za-z0-9:_-]{8,128}$`)
	userIDPattern  = regexp.MustCompile(`^usr_[0-9a-hjkmnp-tv-z]{26}$`)
	decisionIDPatt = regexp.MustCompile(`^dec_[0-9a-hjkmnp-tv-z]{26}$`)
	refPattern     = regexp.MustCompile(`^[A-Za-z0-9._:@/-]{1,128}$`)
)

func invalid(code, format string, args ...any) error {
	return failure.InvalidInput(code, format, args...)
}

// checked is an Input that passed validation, with its parsed and normalised parts.
type checked struct {
	in         Input
	occurredAt time.Time
	src, dst   Party
	usdCents   int64 // -1 when valueUsd is absent
	bodyHash   string
}

// Check validates an input and normalises it. now bounds occurredAt (at most 5 minutes
// ahead of the clock).
func Check(in Input, now time.Time) (checked, error) {
	c := checked{in: in, usdCents: -1}
	if !idPattern.MatchString(in.ID) {
		return c, invalid("invalid_id", "id is 1 to 128 characters of letters, digits and . _ : -")
	}
	var srcVault, dstVault bool
	switch in.Kind {
	case KindVaultToVault:
		srcVault, dstVault = true, true
	case KindWalletToWallet:
	case KindVaultToWallet:
		srcVault = true
	case KindWalletToVault:
		dstVault = true
	default:
		return c, invalid("invalid_kind", "kind is vault_to_vault, wallet_to_wallet, vault_to_wallet or wallet_to_vault")
	}
	if !assetPattern.MatchString(in.Asset) {
		return c, invalid("invalid_asset", "asset is an upper-case ticker of 2 to 12 letters and digits, like USDT")
	}
	chain := strings.ToUpper(strings.TrimSpace(in.Chain))
	if !assetPattern.MatchString(chain) {
		return c, invalid("invalid_chain", "chain is the network's code, like ETH, TRX or BTC")
	}
	if !amountPattern.MatchString(in.Amount) || isZero(in.Amount) {
		return c, invalid("invalid_amount", "amount is a positive decimal string with at most 18 decimals, like \"1250.5\" (never a number)")
	}
	if in.ValueUSD != "" {
		if !amountPattern.MatchString(in.ValueUSD) || len(strings.SplitN(in.ValueUSD, ".", 2)[0]) > 13 {
			return c, invalid("invalid_value_usd", "valueUsd is a decimal string below 10^13, like \"1250.50\"")
		}
		c.usdCents = cents(in.ValueUSD)
	}
	t, err := time.Parse(time.RFC3339Nano, in.OccurredAt)
	if err != nil {
		return c, invalid("invalid_occurred_at", "occurredAt is an RFC 3339 time, like 2026-12-01T10:00:00Z")
	}
	if t.After(now.Add(5 * time.Minute)) {
		return c, invalid("invalid_occurred_at", "occurredAt is in the future")
	}
	if t.Before(now.Add(-Retention)) {
		return c, invalid("invalid_occurred_at", "occurredAt is more than five years ago")
	}
	c.occurredAt = t.UTC().Truncate(time.Millisecond)
	if in.TxHash != "" && !txHashPattern.MatchString(in.TxHash) {
		return c, invalid("invalid_tx_hash", "txHash is 8 to 128 letters and digits")
	}
	if in.DecisionID != "" && !decisionIDPatt.MatchString(in.DecisionID) {
		return c, invalid("invalid_decision_id", "decisionId is the id of a pre-signing decision (dec_...)")
	}
	if c.src, err = endpoint("source", in.Source, srcVault, chain); err != nil {
		return c, err
	}
	if c.dst, err = endpoint("destination", in.Destination, dstVault, chain); err != nil {
		return c, err
	}
	if c.src.key() == c.dst.key() {
		return c, invalid("same_endpoints", "source and destination are the same")
	}
	if in.InitiatedBy != nil {
		ib := in.InitiatedBy
		for name, v := range map[string]string{"deviceId": ib.DeviceID, "sessionId": ib.SessionID, "userAgent": ib.UserAgent} {
			if len(v) > 512 || !cleanText(v, false) {
				return c, invalid("invalid_initiated_by", "initiatedBy.%s is at most 512 characters of text", name)
			}
		}
		if ib.IP != "" {
			if ip, err := netip.ParseAddr(ib.IP); err != nil || ip.Zone() != "" {
				return c, invalid("invalid_initiated_by", "initiatedBy.ip is an IPv4 or IPv6 address (without a zone)")
			}
		}
	}
	if len(in.ApprovalPath) > 20 {
		return c, invalid("invalid_approval_path", "approvalPath has at most 20 steps")
	}
	for i, a := range in.ApprovalPath {
		if !refPattern.MatchString(a.Approver) || !refPattern.MatchString(a.Role) {
			return c, invalid("invalid_approval_path", "approvalPath[%d]: approver and role are references of 1 to 128 characters", i)
		}
		if _, err := time.Parse(time.RFC3339Nano, a.At); err != nil {
			return c, invalid("invalid_approval_path", "approvalPath[%d].at is an RFC 3339 time", i)
		}
	}
	c.in.Chain = chain
	c.bodyHash = hashInput(c.in, "")
	return c, nil
}

// cleanText: valid UTF-8 without control or format characters (C0, C1, bidi overrides
// and isolates, zero-width characters, BOM); newline only where multiline is allowed.
func cleanText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		if r == '\n' && multiline {
			return false
		}
		return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
	})
}

func endpoint(side string, e Endpoint, vault bool, chain string) (Party, error) {
	if e.UserID != "" && !userIDPattern.MatchString(e.UserID) {
		return Party{}, invalid("invalid_"+side, "%s.userId is a user id (usr_...)", side)
	}
	if vault {
		if e.Address != "" || e.Chain != "" {
			return Party{}, invalid("invalid_"+side, "%s is a vault here: give vaultId, not an address", side)
		}
		if !vaultPattern.MatchString(e.VaultID) {
			return Party{}, invalid("invalid_"+side, "%s.vaultId is 1 to 128 characters of letters, digits and . _ : -", side)
		}
		return Party{Type: "vault", VaultID: e.VaultID, UserID: e.UserID}, nil
	}
	if e.VaultID != "" {
		return Party{}, invalid("invalid_"+side, "%s is a wallet here: give chain and address, not a vaultId", side)
	}
	c := strings.ToUpper(strings.TrimSpace(e.Chain))
	if c == "" {
		c = chain
	}
	a, err := NormalizeAddress(c, e.Address)
	if err != nil {
		return Party{}, addressError(side, err)
	}
	return Party{Type: "address", Chain: a.Chain, Address: a.Bare, AddressKey: a.Key, UserID: e.UserID}, nil
}

// Address is a chain address, checked and normalised by the screening engine's
// normaliser.
type Address struct {
	Chain string // the chain code as given (upper case): ETH, TRX, BTC...
	Bare  string // as the wallet shows it
	Key   string // the lookup key (what the lists and the mappings are keyed on)
}

// NormalizeAddress checks an address for its chain and returns its lookup key. A chain
// with no known address format is refused (unsupported_chain).
func NormalizeAddress(chain, address string) (Address, error) {
	chain = strings.ToUpper(strings.TrimSpace(chain))
	if !assetPattern.MatchString(chain) {
		return Address{}, invalid("invalid_chain", "chain is the network's code, like ETH, TRX or BTC")
	}
	if !knownChain(chain) {
		return Address{}, invalid("unsupported_chain", "addresses of chain %s cannot be checked; chains: %s", chain, strings.Join(Chains(), ", "))
	}
	if len(address) > MaxAddressLen {
		return Address{}, invalid("invalid_address", "an address is at most %d characters", MaxAddressLen)
	}
	a, err := screening.ParseAddress(chain, address)
	if err != nil {
		return Address{}, err
	}
	if why := chainMismatch(chain, a.Bare); why != "" {
		return Address{}, invalid("invalid_address", "not a valid %s address: %s", chain, why)
	}
	return Address{Chain: chain, Bare: a.Bare, Key: a.Key}, nil
}

func addressError(side string, err error) error {
	if f, ok := failure.As(err); ok {
		return f
	}
	if ae, ok := err.(*screening.AddressError); ok && ae.Unsupported {
		return invalid("unsupported_chain", "%s: addresses of chain %s cannot be checked; give a supported chain", side, ae.Asset)
	}
	return invalid("invalid_address", "%s: %s", side, err.Error())
}

// key is the party's key segment: V#vault or A#chain#addressKey.
func (p Party) key() string {
	if p.Type == "vault" {
		return "V#" + p.VaultID
	}
	return "A#" + p.Chain + "#" + p.AddressKey
}

func isZero(amount string) bool {
	return strings.Trim(strings.ReplaceAll(amount, ".", ""), "0") == ""
}

// cents converts a decimal string to whole cents, rounding down; values above 10^15
// dollars are capped (no aggregate needs more).
func cents(v string) int64 {
	whole, frac, _ := strings.Cut(v, ".")
	if len(whole) > 15 {
		return 1e17
	}
	var n int64
	for _, r := range whole {
		n = n*10 + int64(r-'0')
	}
	frac += "00"
	return n*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0')
}

// hashInput is the fingerprint of a movement's body and of what it corrects: the same id
// with another body, or correcting another record, is a conflict; the same, a replay.
func hashInput(in Input, corrects string) string {
	raw, _ := json.Marshal(struct {
		Input
		Corrects string `json:"corrects,omitempty"`
	}{in, corrects})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// timeOf parses a stored time.
func timeOf(s string) time.Time {
	t, _ := store.ParseTime(s)
	return t
}
