package screening

import "testing"

func TestArabicScriptWordsMeetTheirOtherLatinRenderings(t *testing.T) {
	tests := []struct {
		name, arabic, latin string
		want                bool
	}{
		{"qaf read as g (Maghreb)", "قاسمي", "gasmi", true},
		{"qaf read as gh", "قدير", "ghedeir", true},
		{"dad read as z (Afghanistan, Pakistan)", "فضل", "fazal", true},
		{"sin and ha written as the digraph sh", "اسحاق", "ishaq", true},
		{"kaf and ha written as the digraph kh", "لكحل", "lakhal", true},
		{"tha read as s", "ثاقب", "saqib", true},
		{"a doubled waw is one sound", "عواد", "awwad", true},
		{"qaf is not m", "قاسمي", "masmi", false},
		{"dal is not z", "فدل", "fazal", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks := PrepareName(tt.arabic, "")
			if len(toks) != 1 {
				t.Fatalf("PrepareName(%q) = %v", tt.arabic, toks)
			}
			ar, la := newQToken(toks[0], 1), newQToken(Token{Text: tt.latin}, 1)
			got := keySim(&ar, &la) >= strongTokenSim
			if got != tt.want {
				t.Errorf("keySim(%s, %s) = %v (variants %q), want strong %v", ar.text, la.text, keySim(&ar, &la), ar.akeyAlt, tt.want)
			}
		})
	}
}

func TestTwoLatinWordsMeetOneArabicScriptWordWrittenJoined(t *testing.T) {
	toks := PrepareName("بنحسين", "")
	q := newQToken(toks[0], 1)
	if !abjadJoinMatches("ben", "hassine", &q) {
		t.Errorf("ben hassine does not meet %s", q.text)
	}
	if abjadJoinMatches("ben", "ali", &q) {
		t.Errorf("ben ali meets %s", q.text)
	}
}
