package screening

import (
	"testing"

	"github.com/chainfi/chainguard/shared/sanctions"
)

func TestDisguisesAreUnmasked(t *testing.T) {
	for in, want := range map[string]string{
		"Bas\u200bhar al-A\u200bssad":            "bashar al assad",
		"Sc\u00adott Morr\u00adison":             "scott morrison",
		"Sad\u2060dam\u200e Hus\u200dsein\ufeff": "saddam hussein",
		"\u202Enies\u200bsuH maddaS":             "saddam hussein",
		"\u202Enie\u202Csseen":                   "einsseen", // the override ends at its pop
		"Ѕаddаm Нussein":                         "saddam hussein",
		"ᴋɪᴍ Jong Un":                            "kim jong un",
		"Kɑdɑfi":                                 "kadafi",
		"Αli Ηassan":                             "ali hassan",
		"\u3164\u3164":                           "",
		"\u0640\u0640\u0640":                     "",
	} {
		if got := NormalizeName(in, sanctions.TypePerson); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	// A word wholly in Cyrillic or Greek is a name in that script, read by sound.
	if got := NormalizeName("Ким Чен Ын", sanctions.TypePerson); got == "" || got[0] != 'k' {
		t.Errorf("Korean in Cyrillic: %q", got)
	}
	if got := NormalizeName("Владимир Путин", sanctions.TypePerson); got != "vladimir putin" {
		t.Errorf("Russian in Cyrillic: %q", got)
	}
}

func TestADisguisedListedNameIsStillFound(t *testing.T) {
	ix := testIndex(t)
	plain := ix.Screen(Query{Name: "Saddam Hussein al-Tikriti"}, DefaultOptions())
	if len(plain.Matches) == 0 {
		t.Fatal("the plain name finds nothing in the test index")
	}
	for _, disguised := range []string{"Sad\u200bdam Hus\u00adsein al-Tikriti", "\u202Eitirki\u200bT-la niessuH maddaS",
		"Ѕаddаm Нussein аl-Тikriti", "ꜱᴀᴅᴅᴀᴍ Hussein al-Tikriti"} {
		r := ix.Screen(Query{Name: disguised}, DefaultOptions())
		if len(r.Matches) == 0 || r.Matches[0].EntityID != plain.Matches[0].EntityID || r.Matches[0].Score != plain.Matches[0].Score {
			t.Errorf("%q: %+v, want the plain name's %s at %.3f", disguised, r.Outcome, plain.Matches[0].EntityID, plain.Matches[0].Score)
		}
	}
}

func TestANameMustLeaveSomethingToScreen(t *testing.T) {
	for name, want := range map[string]bool{
		"John Smith": true, "Li": true, "金正恩": true, "Dr John": true, "Sheikh Omar": true,
		"\u3164\u3164": false, "\u200ba\u200b": false, "Mr": false, "Dr. Mrs.": false, "\u0640\u0640": false, "‮‬": false,
	} {
		if got := Screenable(name, sanctions.TypePerson); got != want {
			t.Errorf("%q: %v, want %v", name, got, want)
		}
	}
}

func TestSuffixesAndNumbersDoNotHideAPerson(t *testing.T) {
	for in, want := range map[string]string{
		"Saddam Hussein Jr":    "saddam hussein",
		"Saddam Hussein 1":     "saddam hussein",
		"Saddam Hussein III":   "saddam hussein",
		"John Jr":              "john jr", // two words must remain
		"Louis XIV Bourbon II": "louis xiv bourbon",
	} {
		if got := NormalizeName(in, sanctions.TypePerson); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"Thomas H. Kean, Jr.": "thomas h kean", // as a listed person's name reads
		"Saddam Hussein 1":    "saddam hussein 1",
		"John Jr":             "john jr",
	} {
		if got := NormalizeName(in, sanctions.TypeUnknown); got != want {
			t.Errorf("%q of no given type: %q, want %q", in, got, want)
		}
	}
	if got := NormalizeName("Gazprom 2", sanctions.TypeOrganisation); got != "gazprom 2" {
		t.Errorf("an organisation's number: %q", got)
	}
}
