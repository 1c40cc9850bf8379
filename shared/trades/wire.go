package trades

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/ledger"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
)

// Environment variables.
const (
	EnvFourEyesAbove = "TRADES_FOUR_EYES_ABOVE" // JSON {"USDT":"1000000000",...} in smallest units
	EnvDefaultLoss   = "TRADES_DEFAULT_LOSS"    // "true": a party missing an evidence deadline loses
)

// PolicyFromEnv reads the dispute policy (the other settings keep their defaults).
func PolicyFromEnv() (escrow.Policy, error) {
	var env config.Env
	raw := env.Get(EnvFourEyesAbove, "{}")
	defaultLoss := env.Get(EnvDefaultLoss, "false") == "true"
	if err := env.Err(); err != nil {
		return escrow.Policy{}, err
	}
	var limits map[string]string
	if err := json.Unmarshal([]byte(raw), &limits); err != nil {
		return escrow.Policy{}, fmt.Errorf("%s is a JSON object of asset to amount: %w", EnvFourEyesAbove, err)
	}
	p := escrow.Policy{FourEyesAbove: map[string]*big.Int{}, DefaultLoss: defaultLoss}
	for asset, v := range limits {
		n, ok := new(big.Int).SetString(v, 10)
		if !ok || n.Sign() < 0 {
			return escrow.Policy{}, fmt.Errorf("%s: %s is not an amount", EnvFourEyesAbove, asset)
		}
		p.FourEyesAbove[asset] = n
	}
	return p, nil
}

// FromPlatform builds the Service for a function; users is onboarding's service (with
// its vendors when the function starts proofs of life).
func FromPlatform(ctx context.Context, d *platform.Deps, users *onboarding.Service) (*Service, error) {
	if users == nil {
		return nil, fmt.Errorf("trades: onboarding's service is required (the parties' status)")
	}
	pol, err := PolicyFromEnv()
	if err != nil {
		return nil, err
	}
	// Onboarding's encrypter is under the same key (config.EnvKeyID): one data-key
	// cache per process, not two.
	enc := users.Enc
	if enc == nil {
		if d.Config.KeyID == "" {
			return nil, fmt.Errorf("%s is required: dispute descriptions are stored encrypted", config.EnvKeyID)
		}
		e, err := envelope.New(kms.NewFromConfig(d.AWS), d.Config.KeyID)
		if err != nil {
			return nil, err
		}
		enc = e
	}
	s := Service{Store: d.Store, Audit: d.Audit, Ledger: ledger.New(ledger.Config{Store: d.Store, Audit: d.Audit}), Users: users, Enc: enc,
		Policy: pol, Log: d.Log}
	if users.Vendors != nil {
		s.Proofs = users
	}
	return New(s), nil
}

// FromPlatformWithUsers builds onboarding's service with parts, then the trades service
// on it: how every trades function starts.
func FromPlatformWithUsers(ctx context.Context, d *platform.Deps, parts onboarding.Part) (*Service, error) {
	users, err := onboarding.FromPlatform(ctx, d, parts)
	if err != nil {
		return nil, err
	}
	return FromPlatform(ctx, d, users)
}
