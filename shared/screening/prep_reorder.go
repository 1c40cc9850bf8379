package screening

import (
	"strings"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// reorderLastFirst turns "YAN, Xiaobing" into "Xiaobing YAN". It only acts
// on a single comma with short parts on both sides, and never when the part
// after the comma is a legal form ("CIMEX, S.A."), so organisation names
// keep their order.
func reorderLastFirst(s string, typ sanctions.EntityType) string {
	if typ != sanctions.TypePerson && typ != sanctions.TypeUnknown {
		return s
	}
	last, first, ok := strings.Cut(s, ",")
	if !ok || strings.Contains(first, ",") {
		return s
	}
	lastWords, firstWords := strings.Fields(last), strings.Fields(first)
	if len(lastWords) == 0 || len(firstWords) == 0 || len(lastWords) > 4 || len(firstWords) > 5 {
		return s
	}
	if typ == sanctions.TypeUnknown {
		for _, w := range tokenize(fold(first)) {
			if isLegalForm(w) {
				return s
			}
		}
	}
	return strings.TrimSpace(first) + " " + strings.TrimSpace(last)
}
