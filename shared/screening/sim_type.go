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

// unaskedVesselPrior lowers vessels and aircraft for queries without a type.
const unaskedVesselPrior = -0.15

// compareType penalises a person query against an organisation, vessel or
// aircraft entry (and the reverse). Vessels and aircraft are organisations
// for a caller who only distinguishes people from companies.
func compareType(q, listed sanctions.EntityType) (TypeAgreement, float64) {
	if q == sanctions.TypeUnknown && (listed == sanctions.TypeVessel || listed == sanctions.TypeAircraft) {
		// Callers screen customers and counterparties: people and
		// companies. A ship or aircraft is an unlikely answer to a
		// query that does not say it is looking for one.
		return TypeUnknown, unaskedVesselPrior
	}
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
