package screening

import (
	"fmt"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// weakAliasQuality and originalScriptQuality scale the name score of weak
// aliases (OFAC weak a.k.a., UN "Low" quality) and of names matched through
// transliteration of an original-script name.
const (
	weakAliasQuality      = 0.94
	originalScriptQuality = 0.97
)

// combine is the one place where the components of a match become its
// final score. Name similarity is the base; qualifiers add or subtract a
// bounded amount; the result is clamped to [0, 1].
func combine(name NameScore, kind sanctions.NameKind, weak bool, dob, country, typ ComponentResult) (float64, Explanation) {
	quality := 1.0
	if weak {
		quality = weakAliasQuality
	}
	if kind == sanctions.NameOriginalScript {
		quality *= originalScriptQuality
	}
	final := name.Score*quality + dob.Adjustment + country.Adjustment + typ.Adjustment
	final = round3(max(0, min(1, final)))
	ex := Explanation{
		Name: name, NameQuality: quality, DOB: dob, Country: country, Type: typ, Final: final,
		Formula: fmt.Sprintf("name %.3f x quality %.2f %+.2f dob %+.2f country %+.2f type = %.3f",
			name.Score, quality, dob.Adjustment, country.Adjustment, typ.Adjustment, final),
	}
	for _, c := range []struct {
		field string
		r     ComponentResult
	}{{"dob", dob}, {"country", country}, {"type", typ}} {
		switch {
		case c.r.Adjustment > 0 || c.r.Agreement == string(TypeMatch):
			ex.Agreed = append(ex.Agreed, c.field+":"+c.r.Agreement)
		case c.r.Adjustment < 0:
			ex.Disagreed = append(ex.Disagreed, c.field+":"+c.r.Agreement)
		}
	}
	if len(name.UnmatchedQuery) > 0 {
		ex.Disagreed = append(ex.Disagreed, fmt.Sprintf("name:query words not in listed name %v", name.UnmatchedQuery))
	}
	if len(name.UnmatchedName) > 0 {
		ex.Disagreed = append(ex.Disagreed, fmt.Sprintf("name:listed words not in query %v", name.UnmatchedName))
	}
	return final, ex
}
