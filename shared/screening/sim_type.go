package screening

import "github.com/chainfi/chainguard/shared/sanctions"

// TypeAgreement grades entity type agreement.
type TypeAgreement string

// Type agreement grades.
const (
	TypeMatch    TypeAgreement = "match"
	TypeMismatch TypeAgreement = "mismatch"
	TypeUnknown  TypeAgreement = "unknown"
)

// compareType penalises a person query against an organisation, vessel or
// aircraft entry (and the reverse). Vessels and aircraft are organisations
// for a caller who only distinguishes people from companies.
func compareType(q, listed sanctions.EntityType) (TypeAgreement, float64) {
	if q == sanctions.TypeUnknown || listed == sanctions.TypeUnknown {
		return TypeUnknown, 0
	}
	if q == listed {
		return TypeMatch, 0
	}
	if q == sanctions.TypePerson || listed == sanctions.TypePerson {
		return TypeMismatch, -0.25
	}
	if q == sanctions.TypeOrganisation {
		return TypeMatch, 0
	}
	return TypeMismatch, -0.10
}
