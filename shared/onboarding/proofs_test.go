package onboarding

import "testing"

func TestProofOfLifeNamesCompareWithoutCaseAccentsOrSpacing(t *testing.T) {
	same := [][2]string{{"Mária  Lindqvist", "MARIA LINDQVIST"}, {"Jean-Luc Picard", "jean luc picard"}, {"Zoë Ødegård", "Zoe Ødegard"}}
	for _, p := range same {
		if foldName(p[0]) != foldName(p[1]) {
			t.Errorf("%q and %q should compare equal: %q vs %q", p[0], p[1], foldName(p[0]), foldName(p[1]))
		}
	}
	if foldName("Maria Lindqvist") == foldName("Marta Lindqvist") || foldName("") != "" {
		t.Error("different names compared equal")
	}
}
