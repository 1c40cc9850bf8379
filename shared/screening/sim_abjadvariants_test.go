package screening

import (
	"testing"

	"github.com/chainfi/chainguard/shared/sanctions"
)

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
	tok := func(s string) *qtoken { t := newQToken(Token{Text: s}, 1); return &t }
	if !abjadJoinMatches(tok("ben"), tok("hassine"), &q, &lazyKey{}) {
		t.Errorf("ben hassine does not meet %s", q.text)
	}
	if abjadJoinMatches(tok("ben"), tok("ali"), &q, &lazyKey{}) {
		t.Errorf("ben ali meets %s", q.text)
	}
}

func TestAnArabicScriptWordsListedSpellingsWithItsLettersComeFirst(t *testing.T) {
	var ents []sanctions.Entity
	add := func(name string) {
		ents = append(ents, sanctions.Entity{ID: name, Source: sanctions.SourceOFAC, Type: sanctions.TypePerson, Names: []sanctions.Name{{Full: name}}})
	}
	add("AHAD, Karim")
	for _, n := range []string{"KHUDAIDAD, Omar", "KHUDAIDAD, Bashir", "KHUDAIDAD, Salim"} {
		add(n)
	}
	add("NAVARRO, Jose")
	add("NOOR, Hamid")
	ix, err := Build(&sanctions.List{Source: sanctions.SourceOFAC, Checksums: map[string]string{"t": "1"}, Entities: ents})
	if err != nil {
		t.Fatal(err)
	}
	order := func(word string, texts ...string) []string {
		q := newQToken(PrepareName(word, sanctions.TypePerson)[0], 1)
		var seg []vocabSim
		for _, w := range texts {
			id, ok := ix.lookup(w)
			if !ok {
				t.Fatalf("%s not listed", w)
			}
			s, _ := tokenSim(&q, &ix.vtok[id])
			seg = append(seg, vocabSim{id: id, sim: s})
		}
		ix.sortAbjadVocab(&scratch{}, &q, seg)
		var out []string
		for _, v := range seg {
			out = append(out, ix.vocab[v.id])
		}
		return out
	}
	// احد (ahd) is written as Ahad is; Khudaidad, commoner here, has the
	// same key (hd) with another letter.
	if got := order("احد", "khudaidad", "ahad"); got[0] != "ahad" {
		t.Errorf("احد: %v", got)
	}
	// نور sounds as Noor does (0.95); Navarro has its consonants (0.96).
	if got := order("نور", "navarro", "noor"); got[0] != "noor" {
		t.Errorf("نور: %v", got)
	}
}
