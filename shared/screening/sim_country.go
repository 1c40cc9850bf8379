package screening

import (
	"slices"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// CountryAgreement grades nationality/country agreement.
type CountryAgreement string

// Country agreement grades.
const (
	CountryMatch    CountryAgreement = "match"
	CountryMismatch CountryAgreement = "mismatch"
	CountryUnknown  CountryAgreement = "unknown"
)

// queryCountries turns the query's nationality and country (names or ISO
// codes) into ISO codes.
func queryCountries(q Query) []string {
	var out []string
	for _, c := range []string{q.Nationality, q.Country} {
		if code := sanctions.CountryCode(c); code != "" && !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out
}

// compareCountry checks the query's countries against every country the
// entity is linked to (nationality, citizenship, birth place, addresses).
// A mismatch is weak evidence: lists are incomplete and people move.
func compareCountry(q, listed []string) (CountryAgreement, float64, string) {
	if len(q) == 0 || len(listed) == 0 {
		return CountryUnknown, 0, ""
	}
	for _, c := range q {
		if slices.Contains(listed, c) {
			return CountryMatch, 0.02, c
		}
	}
	return CountryMismatch, -0.03, ""
}
