package screening

import (
	"math"
	"testing"

	"github.com/chainfi/chainguard/shared/sanctions"
)

func TestJaroWinklerKnownValues(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},
		{"dwayne", "duane", 0.840},
		{"dixon", "dicksonx", 0.813},
		{"abc", "abc", 1},
		{"abc", "xyz", 0},
		{"", "abc", 0},
	}
	for _, tt := range tests {
		if got := jaroWinkler(tt.a, tt.b); math.Abs(got-tt.want) > 0.001 {
			t.Errorf("jaroWinkler(%q, %q) = %.3f, want %.3f", tt.a, tt.b, got, tt.want)
		}
		if jaroWinkler(tt.a, tt.b) != jaroWinkler(tt.b, tt.a) {
			t.Errorf("jaroWinkler(%q, %q) not symmetric", tt.a, tt.b)
		}
	}
}

func toks(names ...string) []qtoken {
	out := make([]qtoken, len(names))
	for i, n := range names {
		out[i] = newQToken(Token{Text: n}, 1)
	}
	return out
}

func TestCompareNames(t *testing.T) {
	tests := []struct {
		name     string
		q, n     []qtoken
		min, max float64
		how      string
	}{
		{"identical in another order", toks("saddam", "hussein"), toks("hussein", "saddam"), 1, 1, "exact"},
		{"joined tokens", toks("abdulrahman", "ali"), toks("abdul", "rahman", "ali"), 0.99, 1, "joined"},
		{"split tokens", toks("abdul", "rahman", "ali"), toks("abdulrahman", "ali"), 0.99, 1, "joined"},
		{"missing middle name costs a little", toks("frank", "bwambale"), toks("frank", "kakolele", "bwambale"), 0.85, 0.95, "exact"},
		{"initial", toks("j", "smith"), toks("john", "smith"), 0.9, 0.99, "exact"},
		{"one typo", toks("ngudjolo", "mathieu"), toks("mathieu", "ngudjola"), 0.95, 0.99, "exact"},
		{"transliteration variant", toks("khusein"), toks("hussein"), 0.94, 0.96, "phonetic"},
		{"different names", toks("patricia", "wheeler"), toks("gaston", "iyamuremye"), 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := compareNames(tt.q, tt.n, nil)
			if a.score < tt.min || a.score > tt.max {
				t.Fatalf("score = %.3f, want [%.2f, %.2f]", a.score, tt.min, tt.max)
			}
			ex := a.explain()
			if tt.how == "" {
				if len(ex.Pairs) != 0 {
					t.Errorf("pairs = %+v, want none", ex.Pairs)
				}
				return
			}
			found := false
			for _, p := range ex.Pairs {
				found = found || p.How == tt.how
			}
			if !found {
				t.Errorf("no pair matched %q: %+v", tt.how, ex.Pairs)
			}
		})
	}
}

func TestCompareNamesReportsUnmatchedWords(t *testing.T) {
	ex := compareNames(toks("frank", "bwambale", "junior"), toks("frank", "kakolele", "bwambale"), nil)
	ns := ex.explain()
	if len(ns.UnmatchedQuery) != 1 || ns.UnmatchedQuery[0] != "junior" || len(ns.UnmatchedName) != 1 || ns.UnmatchedName[0] != "kakolele" {
		t.Errorf("unmatched = %v / %v", ns.UnmatchedQuery, ns.UnmatchedName)
	}
}

func date(s string) sanctions.Date {
	d, ok := ParseQueryDate(s)
	if !ok {
		panic(s)
	}
	return d
}

func TestCompareDOB(t *testing.T) {
	yearRange := sanctions.Date{Year: 1973, ToYear: 1975, Precision: sanctions.PrecisionYear}
	circa := sanctions.Date{Year: 1960, Precision: sanctions.PrecisionYear, Circa: true}
	tests := []struct {
		q      string
		listed []sanctions.Date
		want   DOBAgreement
		adj    float64
	}{
		{"1977-03-25", []sanctions.Date{date("1977-03-25")}, DOBExact, 0.06},
		{"1977-03-02", []sanctions.Date{date("1977-03-25")}, DOBSameMonth, 0.04},
		{"1977-11-02", []sanctions.Date{date("1977-03-25")}, DOBSameYear, 0.02},
		{"1978-03-25", []sanctions.Date{date("1977-03-25")}, DOBNearYear, -0.05},
		{"1990-03-25", []sanctions.Date{date("1977-03-25")}, DOBMismatch, -0.40},
		{"1967-03-25", []sanctions.Date{date("1976-03-25")}, DOBOneDigit, -0.20}, // year digits swapped
		{"1966-01-02", []sanctions.Date{date("1968-01-02")}, DOBOneDigit, -0.20}, // one digit mistyped
		{"1966-01-02", []sanctions.Date{date("1968-01-03")}, DOBMismatch, -0.40}, // two digits: another date
		{"1967", []sanctions.Date{date("1976")}, DOBOneDigit, -0.20},
		{"1977-03-25", []sanctions.Date{date("1977")}, DOBExact, 0.06}, // the list knows only the year
		{"1977", []sanctions.Date{date("1977-03-25")}, DOBSameYear, 0.02},
		{"1974-06-01", []sanctions.Date{yearRange}, DOBSameYear, 0.02},
		{"1976-06-01", []sanctions.Date{yearRange}, DOBNearYear, -0.05},
		{"1962", []sanctions.Date{circa}, DOBNearYear, 0},
		{"1977-05-03", []sanctions.Date{date("1977-03-05")}, DOBSameMonth, 0.04}, // day and month swapped
		{"1990", []sanctions.Date{date("1950"), date("1990-01-01")}, DOBSameYear, 0.02},
		{"25/03/1977", []sanctions.Date{date("1977-03-25")}, DOBExact, 0.06},
		{"1977", nil, DOBUnknown, 0},
	}
	for _, tt := range tests {
		got, adj, _ := compareDOB(date(tt.q), tt.listed)
		if got != tt.want || adj != tt.adj {
			t.Errorf("compareDOB(%s, %v) = %s %+.2f, want %s %+.2f", tt.q, tt.listed, got, adj, tt.want, tt.adj)
		}
	}
}

func TestCompareCountryAndType(t *testing.T) {
	if g, adj, c := compareCountry(queryCountries(Query{Nationality: "Iran"}), []string{"IQ", "IR"}); g != CountryMatch || adj <= 0 || c != "IR" {
		t.Errorf("country match = %s %v %s", g, adj, c)
	}
	if g, adj, _ := compareCountry([]string{"FR"}, []string{"IR"}); g != CountryMismatch || adj >= 0 {
		t.Errorf("country mismatch = %s %v", g, adj)
	}
	if g, _, _ := compareCountry(nil, []string{"IR"}); g != CountryUnknown {
		t.Errorf("no query country = %s", g)
	}
	typeTests := []struct {
		q, l sanctions.EntityType
		want TypeAgreement
		neg  bool
	}{
		{sanctions.TypePerson, sanctions.TypePerson, TypeMatch, false},
		{sanctions.TypePerson, sanctions.TypeOrganisation, TypeMismatch, true},
		{sanctions.TypeOrganisation, sanctions.TypeVessel, TypeMatch, false},
		{sanctions.TypeVessel, sanctions.TypeAircraft, TypeMismatch, true},
		{sanctions.TypeUnknown, sanctions.TypeAircraft, TypeUnknown, true}, // not asked for: less likely
		{sanctions.TypeUnknown, sanctions.TypeOrganisation, TypeUnknown, false},
	}
	for _, tt := range typeTests {
		if g, adj := compareType(tt.q, tt.l); g != tt.want || (adj < 0) != tt.neg {
			t.Errorf("compareType(%s, %s) = %s %v", tt.q, tt.l, g, adj)
		}
	}
}

func TestCombineIsClampedAndExplained(t *testing.T) {
	c := components{name: 0.98, quality: 1, dob: 0.06, country: 0.02}
	if got := combine(c); got != 1 {
		t.Errorf("combine = %v, want clamped 1", got)
	}
	c = components{name: 0.5, quality: weakAliasQuality, dob: -0.2, typ: -0.25}
	if got := combine(c); got != 0.02 {
		t.Errorf("combine = %v, want 0.02", got)
	}
	if f := c.formula(); f != "name 0.500 x quality 0.94 -0.20 dob +0.00 country -0.25 type = 0.020" {
		t.Errorf("formula = %q", f)
	}
}

func TestNormalizeAddress(t *testing.T) {
	tests := []struct {
		asset, in, key, chain string
	}{
		{"ETH", "0x8576ACC5C05D6CE88F4E49BF65BDF0C62F91353C", "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c", ChainEVM},
		{"USDT", "  0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c ", "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c", ChainEVM},
		{"XBT", "BC1QSXDGZ3ZCSWF4RJH4DLX2PDMVXXPS4DJJVNV6W5", "bc1qsxdgz3zcswf4rjh4dlx2pdmvxxps4djjvnv6w5", ChainBech32},
		{"XBT", "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V", "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V", ChainBase58},
		{"BCH", "bitcoincash:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", ChainBech32},
		{"BCH", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", ChainBech32},
		{"TRX", "TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG", "TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG", ChainBase58},
		{"XMR", "5BE5543FF73456AB9F2D207887E2AF87322C651EA1A873C5B25B7FFAE456C320", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", ChainHex},
		{"XBT", "bc1QSXDGZ3ZCSWF4RJH4DLX2PDMVXXPS4DJJVNV6W5", "bc1QSXDGZ3ZCSWF4RJH4DLX2PDMVXXPS4DJJVNV6W5", ChainBase58}, // mixed-case bech32 is invalid: no folding
	}
	for _, tt := range tests {
		key, chain := NormalizeAddress(tt.asset, tt.in)
		if key != tt.key || chain != tt.chain {
			t.Errorf("NormalizeAddress(%s, %q) = %q %s, want %q %s", tt.asset, tt.in, key, chain, tt.key, tt.chain)
		}
	}
}

func TestDamerauDistanceCountsASlippedTranspositionAsTwo(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"kevin", "kevin", 0},
		{"kevin", "kvein", 1},
		{"kevin", "kvlein", 2},
		{"fischer", "fisecr", 2},
		{"santos", "sngatos", 2},
		{"wood", "wolf", 2},
		{"abc", "xyz", 3},
	}
	for _, tt := range tests {
		if got := damerauDistance(tt.a, tt.b, 3); got != tt.want {
			t.Errorf("damerauDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := osaDistance(tt.a, tt.b, 3); got < tt.want {
			t.Errorf("osaDistance(%q, %q) = %d below the unrestricted distance %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestLongVowelsWrittenInArabicScriptAreInTheLatinSpelling(t *testing.T) {
	tests := []struct {
		ar, la string
		want   bool
	}{
		{"hsin", "husein", true},   // حسين, Hussein
		{"hsin", "ehsan", false},   // حسين is not Ehsan
		{"hani", "han", false},     // هانيه is not Khan
		{"jmal", "jamel", true},    // جمال, Djamel
		{"aslam", "islam", true},   // an initial alif carries any vowel
		{"turk", "turek", true},    // تورک, Torek
		{"mnsur", "mansur", true},  // منصور
		{"mnsur", "mansar", false}, // the waw is written
	}
	for _, tt := range tests {
		if got := longVowelsAgree(phoneticForm(tt.ar), phoneticForm(tt.la)); got != tt.want {
			t.Errorf("longVowelsAgree(%q, %q) = %v, want %v", tt.ar, tt.la, got, tt.want)
		}
	}
}

func TestAFrenchSoftCMatchesAnArabicSin(t *testing.T) {
	ar := newQToken(Token{Text: "lunisi", Abjad: true}, 1) // لونيسي
	for _, tt := range []struct {
		latin string
		want  float64
	}{
		{"lounici", abjadKeySim},
		{"lounis", abjadKeySim},
	} {
		la := newQToken(Token{Text: tt.latin}, 1)
		if got := keySim(&ar, &la); got != tt.want {
			t.Errorf("keySim(lunisi, %s) = %v, want %v", tt.latin, got, tt.want)
		}
	}
	la := newQToken(Token{Text: "lunik"}, 1)
	if got := keySim(&ar, &la); got >= abjadKeySim {
		t.Errorf("keySim(lunisi, lunik) = %v: a hard c or k is not a sin", got)
	}
}

func TestAMiddleNameInPlaceOfTheFirstKeepsAPersonBelowReview(t *testing.T) {
	cases := []struct {
		name   string
		q, n   []qtoken
		capped bool
	}{
		{"middle name opens the query, first name missing", toks("elizabeth", "johnson"), toks("julie", "elizabeth", "johnson"), true},
		{"first and last name, middle missing", toks("julie", "johnson"), toks("julie", "elizabeth", "johnson"), false},
		{"full name", toks("julie", "elizabeth", "johnson"), toks("julie", "elizabeth", "johnson"), false},
		{"two-word listed name", toks("elizabeth", "johnson"), toks("elizabeth", "johnson"), false},
		{"listed first name an initial, the query called by the middle name", toks("french", "hill"), toks("j", "french", "hill"), false},
		{"listed first name an initial met by a name, the middle name left out", toks("james", "hill"), toks("j", "french", "hill"), true},
		{"listed first name an initial met by a name, the middle name given", toks("james", "french", "hill"), toks("j", "french", "hill"), false},
		{"listed name of initial and surname", toks("james", "hill"), toks("j", "hill"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := compareNames(c.q, c.n, nil)
			got := nameCap(&a, false, sanctions.TypePerson, sanctions.TypeUnknown)
			if (got <= capMiddleFirst) != c.capped {
				t.Errorf("cap %.2f, want capped at %.2f: %v", got, capMiddleFirst, c.capped)
			}
			if org := nameCap(&a, false, sanctions.TypeOrganisation, sanctions.TypeUnknown); org <= capMiddleFirst {
				t.Errorf("an organisation is capped at %.2f", org)
			}
		})
	}
}

func TestACommonFirstNameLeftOutDoesNotCapAPerson(t *testing.T) {
	n := toks("muhammad", "naeem", "sheikh")
	n[0].weight = lowWeight / 2 // a first name most listed persons share
	a := compareNames(toks("naeem", "sheikh"), n, nil)
	if got := nameCap(&a, false, sanctions.TypePerson, sanctions.TypeUnknown); got <= capMiddleFirst {
		t.Errorf("cap %.2f: a common first name left out should not cap the name", got)
	}
}

// TestLongVowelsAgree: the long vowels and diphthongs an Arabic-script
// word writes, and its letters for sounds Arabic lacks (b for p, f for
// v), against Latin spellings (both in phonetic form).
func TestLongVowelsAgree(t *testing.T) {
	for _, tt := range []struct {
		ar, la string
		want   bool
	}{
		{"hsin", phoneticForm("hossein"), true},
		{"hsn", phoneticForm("hossein"), false}, // Hassan writes no diphthong
		{"hsn", phoneticForm("hassan"), true},
		{"hsin", phoneticForm("ehsan"), false},
		{"ambls", phoneticForm("impulse"), true}, // امبلس: b for p
		{"nufa", phoneticForm("nova"), true},     // نوفا: f for v
		{"qad", phoneticForm("qaid"), true},      // قائد: the alif stands for ai
		{"hidr", phoneticForm("haydar"), true},
		{"salh", phoneticForm("salah"), true}, // صالح: the final h Latin phonetic forms drop
		{"salh", phoneticForm("saleh"), true},
		{"mrtzi", phoneticForm("morteza"), true}, // مرتضی: Persian writes the alif maqsura as ya
		{"mrtzi", phoneticForm("mortezi"), true},
		{"zahir", phoneticForm("zuhayr"), true}, // زهير: the a only keeps z and h apart
		{"rzai", phoneticForm("rezaie"), true},  // رضایی
		{"ri", phoneticForm("ra"), false},       // ری is not Ra
	} {
		if got := longVowelsAgree(phoneticForm(tt.ar), tt.la); got != tt.want {
			t.Errorf("longVowelsAgree(%q, %q) = %v, want %v", tt.ar, tt.la, got, tt.want)
		}
	}
}

func TestTheArticleIsNoWordOfOneConsonant(t *testing.T) {
	tok := func(s string, abjad bool) qtoken { return newQToken(Token{Text: s, Abjad: abjad}, 1) }
	for _, c := range []struct {
		ar, la string
		pairs  bool
	}{
		{"li", "al", false},  // علي is not the AL- of a Latin name
		{"lh", "al", false},  // nor is the lh of الله
		{"al", "ali", false}, // nor the article an Ali
		{"al", "al", true},
		{"al", "ul", true}, // Harakat ul-Mujahideen
		{"li", "ali", true},
		{"lh", "ali", false}, // the lh of الله is Allah
		{"lh", "allah", true},
		{"lbabidi", "abd", false}, // an Arabic-script word's own l is no article
		{"zbidi", "alzubaidi", true},
	} {
		a, l := tok(c.ar, true), tok(c.la, false)
		if s, _ := tokenSim(&a, &l); (s >= minTokenSim) != c.pairs {
			t.Errorf("%s ~ %s: %.2f, want pairing %v", c.ar, c.la, s, c.pairs)
		}
	}
}

func TestTitlesAndCountriesPairOnlyWithTheirKind(t *testing.T) {
	tok := func(s string) qtoken { return newQToken(Token{Text: s}, 1) }
	for _, c := range []struct {
		q, n   string
		listed bool // the query word is itself a listed word
		pairs  bool
	}{
		{"qari", "qadri", false, false}, // a title is no spelling of a name
		{"qadri", "qari", true, false},
		{"hji", "haji", false, true}, // a title misspelt
		{"hajji", "haji", true, true},
		{"iraq", "iran", true, false}, // two countries
		{"iraqi", "iraq", true, true},
	} {
		q, n := tok(c.q), tok(c.n)
		q.listed = c.listed
		if s, _ := tokenSim(&q, &n); (s >= minTokenSim) != c.pairs {
			t.Errorf("%s ~ %s: %.2f, want pairing %v", c.q, c.n, s, c.pairs)
		}
	}
}
