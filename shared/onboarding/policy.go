package onboarding

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/store"
)

// Proof-of-address settings.
const (
	ProofNever           = "never"
	ProofAlways          = "always"
	ProofPerJurisdiction = "per_jurisdiction"
)

// Policy is a tenant's KYC policy (PUT /v1/kyc-policy).
type Policy struct {
	// ProofOfAddress: never, always, or per_jurisdiction (the profile's default, unless
	// Jurisdictions names the ones that ask for it).
	ProofOfAddress string   `json:"proofOfAddress" dynamodbav:"proofOfAddress"`
	Jurisdictions  []string `json:"proofOfAddressJurisdictions,omitempty" dynamodbav:"proofOfAddressJurisdictions,omitempty"`
	DeadlineHours  int      `json:"kycDeadlineHours" dynamodbav:"kycDeadlineHours"`
	Vendor         string   `json:"vendor" dynamodbav:"vendor"` // preferred vendor
	UpdatedAt      string   `json:"updatedAt,omitempty" dynamodbav:"updatedAt,omitempty"`
}

// DefaultPolicy is the policy of a tenant that set none.
func DefaultPolicy() Policy {
	return Policy{ProofOfAddress: ProofPerJurisdiction, DeadlineHours: 24, Vendor: VendorSumsub}
}

type policyItem struct {
	store.Meta
	Policy
	TenantID string `dynamodbav:"tenantId"`
}

func (policyItem) EntityType() string { return EntityPolicy }

func policyKey(t store.TenantID) store.Key {
	return store.Key{PK: store.TenantKey(t).PK, SK: "KYCPOLICY"}
}

// Policy answers the tenant's KYC policy (the default when none was set).
func (s *Service) Policy(ctx context.Context, t store.TenantID) (Policy, error) {
	var it policyItem
	err := s.Store.Get(ctx, policyKey(t), &it)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultPolicy(), nil
	}
	if err != nil {
		return Policy{}, err
	}
	return it.Policy, nil
}

// SetPolicy validates and stores the tenant's KYC policy, audited.
func (s *Service) SetPolicy(ctx context.Context, t store.TenantID, by audit.Actor, p Policy) (Policy, error) {
	switch p.ProofOfAddress {
	case ProofNever, ProofAlways:
		if len(p.Jurisdictions) > 0 {
			return Policy{}, failure.InvalidInput("invalid_policy", "proofOfAddressJurisdictions goes only with per_jurisdiction")
		}
	case ProofPerJurisdiction:
		for _, j := range p.Jurisdictions {
			if _, ok := s.Jurisdictions.Get(j); !ok {
				return Policy{}, failure.InvalidInput("invalid_jurisdiction", "unknown jurisdiction %q", j)
			}
		}
	default:
		return Policy{}, failure.InvalidInput("invalid_policy", "proofOfAddress must be never, always or per_jurisdiction")
	}
	if p.DeadlineHours == 0 {
		p.DeadlineHours = 24
	}
	if p.DeadlineHours < 1 || p.DeadlineHours > 24*30 {
		return Policy{}, failure.InvalidInput("invalid_deadline", "kycDeadlineHours must be between 1 and 720")
	}
	if p.Vendor == "" {
		p.Vendor = VendorSumsub
	}
	if p.Vendor != VendorSumsub && p.Vendor != VendorMetaMap {
		return Policy{}, failure.InvalidInput("invalid_vendor", "vendor must be sumsub or metamap")
	}
	slices.Sort(p.Jurisdictions)
	p.Jurisdictions = slices.Compact(p.Jurisdictions)
	p.UpdatedAt = store.FormatTime(s.now())
	_, err := s.Audit.Commit(ctx, t, audit.Record{Action: "kyc_policy.updated", Actor: by, Subject: audit.Subject{Type: "tenant", ID: string(t)},
		Details: map[string]string{"proofOfAddress": p.ProofOfAddress, "jurisdictions": strings.Join(p.Jurisdictions, ","),
			"deadlineHours": strconv.Itoa(p.DeadlineHours), "vendor": p.Vendor}}, func(tx *store.Tx) {
		tx.Put(policyKey(t), policyItem{Policy: p, TenantID: string(t)})
	})
	if err != nil {
		return Policy{}, err
	}
	return p, nil
}

// proofOfAddress says whether the policy asks for it in a jurisdiction.
func (s *Service) proofOfAddress(p Policy, jurisdiction string) bool {
	switch p.ProofOfAddress {
	case ProofNever:
		return false
	case ProofAlways:
		return true
	}
	if len(p.Jurisdictions) > 0 {
		return slices.Contains(p.Jurisdictions, jurisdiction)
	}
	prof, _ := s.Jurisdictions.Get(jurisdiction)
	return prof.ProofOfAddress
}

// Report counts users by status, jurisdiction and risk tier.
type Report struct {
	Total          int                        `json:"total"`
	ByStatus       map[string]int             `json:"byStatus"`
	ByJurisdiction map[string]JurisdictionRow `json:"byJurisdiction"`
}

// JurisdictionRow is one region's counts (the seed's reporting per region).
type JurisdictionRow struct {
	Total      int            `json:"total"`
	ByStatus   map[string]int `json:"byStatus"`
	ByRiskTier map[string]int `json:"byRiskTier"`
}

// Report counts the tenant's users. It reads the users' index partitions (one query
// page per 1 MB of users); a tenant with millions of users would need a maintained
// aggregate instead.
func (s *Service) Report(ctx context.Context, t store.TenantID) (Report, error) {
	r := Report{ByStatus: map[string]int{}, ByJurisdiction: map[string]JurisdictionRow{}}
	for _, st := range lifecycle.Statuses {
		err := s.Store.QueryAll(ctx, store.QueryInput{Tenant: t, Index: store.IndexGSI1, PK: store.UsersByStatusPK(t, string(st))},
			func(items []map[string]types.AttributeValue) (bool, error) {
				for _, it := range items {
					var u userItem
					if err := store.Unmarshal(it, &u); err != nil {
						return false, err
					}
					r.add(u)
				}
				return true, nil
			})
		if err != nil {
			return Report{}, err
		}
	}
	return r, nil
}

func (r *Report) add(u userItem) {
	r.Total++
	r.ByStatus[string(u.Status)]++
	row, ok := r.ByJurisdiction[u.Jurisdiction]
	if !ok {
		row = JurisdictionRow{ByStatus: map[string]int{}, ByRiskTier: map[string]int{}}
	}
	row.Total++
	row.ByStatus[string(u.Status)]++
	row.ByRiskTier[u.RiskTier]++
	r.ByJurisdiction[u.Jurisdiction] = row
}

// Merge adds another tenant's report (the staff report across tenants).
func (r *Report) Merge(o Report) {
	r.Total += o.Total
	for k, v := range o.ByStatus {
		r.ByStatus[k] += v
	}
	for j, row := range o.ByJurisdiction {
		mine, ok := r.ByJurisdiction[j]
		if !ok {
			mine = JurisdictionRow{ByStatus: map[string]int{}, ByRiskTier: map[string]int{}}
		}
		mine.Total += row.Total
		for k, v := range row.ByStatus {
			mine.ByStatus[k] += v
		}
		for k, v := range row.ByRiskTier {
			mine.ByRiskTier[k] += v
		}
		r.ByJurisdiction[j] = mine
	}
}
