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

// components are the per-field results that make up a final score.
type components struct {
	name    float64 // name similarity in [0, 1]
	quality float64 // name quality factor (weak alias, original script)
	dob     float64 // date of birth adjustment
	country float64 // nationality/country adjustment
	typ     float64 // entity type adjustment
}

// combine is the one place where the components of a match become its
// final score. Name similarity, scaled by the quality of the matched name,
// is the base; qualifiers add or subtract a bounded amount; the result is
// clamped to [0, 1].
func combine(c components) float64 {
	final := c.name*c.quality + c.dob + c.country + c.typ
	return round3(max(0, min(1, final)))
}

// formula renders combine's arithmetic for auditors.
func (c components) formula() string {
	return fmt.Sprintf("name %.3f x quality %.2f %+.2f dob %+.2f country %+.2f type = %.3f",
		c.name, c.quality, c.dob, c.country, c.typ, combine(c))
}

func nameQuality(kind sanctions.NameKind, weak bool) float64 {
	q := 1.0
	if weak {
		q = weakAliasQuality
	}
	if kind == sanctions.NameOriginalScript {
		q *= originalScriptQuality
	}
	return q
}

// explanation assembles the explanation of a match from its components.
func explanation(c components, name NameScore, dob, country, typ ComponentResult) Explanation {
	ex := Explanation{
		Name: name, NameQuality: c.quality, DOB: dob, Country: country, Type: typ,
		Final: combine(c), Formula: c.formula(),
	}
	for _, f := range []struct {
		field string
		r     ComponentResult
	}{{"dob", dob}, {"country", country}, {"type", typ}} {
		switch {
		case f.r.Adjustment > 0 || f.r.Agreement == string(TypeMatch):
			ex.Agreed = append(ex.Agreed, f.field+":"+f.r.Agreement)
		case f.r.Adjustment < 0:
			ex.Disagreed = append(ex.Disagreed, f.field+":"+f.r.Agreement)
		}
	}
	if len(name.UnmatchedQuery) > 0 {
		ex.Disagreed = append(ex.Disagreed, fmt.Sprintf("name:query words not in listed name %v", name.UnmatchedQuery))
	}
	if len(name.UnmatchedName) > 0 {
		ex.Disagreed = append(ex.Disagreed, fmt.Sprintf("name:listed words not in query %v", name.UnmatchedName))
	}
	return ex
}
