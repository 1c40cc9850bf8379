package screening

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/chainfi/chainguard/shared/sanctions"
)

func TestReorderLastFirst(t *testing.T) {
	tests := []struct {
		in   string
		typ  sanctions.EntityType
		want string
	}{
		{"YAN, Xiaobing", sanctions.TypePerson, "Xiaobing YAN"},
		{"AL-TIKRITI, Saddam Hussein", sanctions.TypeUnknown, "Saddam Hussein AL-TIKRITI"},
		{"CIMEX, S.A.", sanctions.TypeUnknown, "CIMEX, S.A."},
		{"CIMEX, S.A.", sanctions.TypeOrganisation, "CIMEX, S.A."},
		{"A, B, C", sanctions.TypePerson, "A, B, C"},
		{"No comma here", sanctions.TypePerson, "No comma here"},
		{", First", sanctions.TypePerson, ", First"},
	}
	for _, tt := range tests {
		if got := reorderLastFirst(tt.in, tt.typ); got != tt.want {
			t.Errorf("reorderLastFirst(%q, %s) = %q, want %q", tt.in, tt.typ, got, tt.want)
		}
	}
}

func TestTransliterate(t *testing.T) {
	tests := []struct {
		in, want string
		abjad    bool
	}{
		{"Владимир Путин", "Vladimir Putin", false},
		{"Хусейн", "Khuseyn", false},
		{"Щукин Юрий", "Shchukin Yuriy", false},
		{"Αλέξης Τσίπρας", "alexis tsipras", false},
		{"صدام حسين", "sdam hsin", true},
		{"التكريتي", "al tkriti", true},
		{"محمد", "mhmd", true},
		{"عبد الواحد", "bd al wahd", true},
		{"ثناء اللہ", "thna al lh", true},
		{"عبد الروف ذاکر", "bd al ruf zakr", true},
		{"قاري سیف الله توخى", "qari sif al lh tukhi", true},
		{"يحيى", "yhya", true},
		{"یحیی", "yhya", true}, // Persian writes the alif maqsura as ya
		{"محمدحسین", "mhmd hsin", true},
		{"محمدی", "mhmdi", true},
		{"عبدالحليم", "bd al hlim", true},
		{"عبدالله", "bd al lh", true},
		{"ﻤﺤﻤﺪ ﻛﺮﻴﻡ", "mhmd krim", true}, // presentation forms
		{"Mohammed", "Mohammed", false},
	}
	for _, tt := range tests {
		got, abjad := transliterate(tt.in)
		if fold(got) != fold(tt.want) || abjad != tt.abjad {
			t.Errorf("transliterate(%q) = %q (abjad %v), want %q (abjad %v)", tt.in, got, abjad, tt.want, tt.abjad)
		}
	}
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"Leão": "leao", "MÜLLER": "muller", "Straße": "strasse", "Łukasz": "lukasz",
		"Ｆｕｌｌｗｉｄｔｈ": "fullwidth", "Çağrı": "cagri", "ABC": "abc", "Søren": "soren",
	}
	for in, want := range tests {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokenize(t *testing.T) {
	tests := map[string][]string{
		"o'brien":                   {"obrien"},
		"sab'awi al-tikriti":        {"sabawi", "al", "tikriti"},
		"anglo-caribbean co., ltd.": {"anglo", "caribbean", "co", "ltd"},
		"s.a.":                      {"sa"},
		"  (x)  y/z ":               {"x", "y", "z"},
		"":                          nil,
	}
	for in, want := range tests {
		if got := tokenize(in); !slices.Equal(got, want) {
			t.Errorf("tokenize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDropHonorifics(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"sheikh", "ahmed", "ali"}, []string{"ahmed", "ali"}},
		{[]string{"dr", "no"}, []string{"dr", "no"}},                                 // a title and one name: how the person is known
		{[]string{"haji"}, []string{"haji"}},                                         // nothing would remain
		{[]string{"umair", "naeem", "sheikh"}, []string{"umair", "naeem", "sheikh"}}, // a title ends no name: a family name
		{[]string{"sheikh", "umair", "naeem", "sheikh"}, []string{"umair", "naeem", "sheikh"}},
		{[]string{"haji", "zadah"}, []string{"haji", "zadah"}}, // Hajizadeh written apart
	}
	for _, tt := range tests {
		if got := dropHonorifics(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("dropHonorifics(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLegalFormsBecomeTheirCanonicalForm(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"siemens", "aktiengesellschaft"}, []string{"siemens", "ag"}},
		{[]string{"anglo", "caribbean", "co", "ltd"}, []string{"anglo", "caribbean", "co", "ltd"}},
		{[]string{"romashka", "limited", "liability", "company"}, []string{"romashka", "llc"}},
		{[]string{"etco", "international", "company", "lipited"}, []string{"etco", "international", "co", "ltd"}}, // a typo in a long form
		{[]string{"gorge", "limtied"}, []string{"gorge", "ltd"}},
		{[]string{"limitless", "energy"}, []string{"limitless", "energy"}}, // two edits from "limited": a word
		{[]string{"closed", "joint", "stock", "company", "zest"}, []string{"cjsc", "zest"}},
	}
	for _, tt := range tests {
		if got := canonicalLegalForms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("canonicalLegalForms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeNamePipeline(t *testing.T) {
	tests := []struct {
		in   string
		typ  sanctions.EntityType
		want string
	}{
		{"11420 CORP.", sanctions.TypeOrganisation, "11420 corp"},
		{"11420 Corporation", sanctions.TypeUnknown, "11420 corp"},
		{"ANGLO-CARIBBEAN CO., LTD.", sanctions.TypeOrganisation, "anglo caribbean co ltd"},
		{"IYAD AG GHALI", sanctions.TypePerson, "iyad ag ghali"},
		{"YAN, Xiaobing", sanctions.TypePerson, "xiaobing yan"},
		{"Mr. José  Müller-Lüdenscheidt", sanctions.TypePerson, "jose muller ludenscheidt"},
		{"Шейх Саддам Хусейн", sanctions.TypePerson, "saddam khuseyn"},
		{"Ali Sa", sanctions.TypePerson, "ali sa"},                   // legal forms are not dropped from people
		{"سيف الله بن عمر", sanctions.TypePerson, "sif al lh bn mr"}, // عمر (Omar) is no "Mr"
		{"حاجی عمر", sanctions.TypePerson, "haji mr"},                // Haji Omar: a title and one name stay
		{"قاري سیف الله", sanctions.TypePerson, "qari sif al lh"},    // Qari and one name, Saifullah
		{"حاجی محمد عمر", sanctions.TypePerson, "mhmd mr"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.in, tt.typ); got != tt.want {
			t.Errorf("NormalizeName(%q, %s) = %q, want %q", tt.in, tt.typ, got, tt.want)
		}
	}
}

func TestPhoneticFormConvergesTransliterations(t *testing.T) {
	same := [][2]string{
		{"hussein", "khusein"}, {"yousef", "yusef"}, {"osama", "usama"}, {"abdullah", "abdulla"},
		{"marwan", "marvan"}, {"qadhafi", "kadafi"}, {"mohammed", "mohamed"},
		{"oxin", "oksin"}, {"aleksandr", "alexandr"}, {"maxim", "maksim"},
	}
	for _, p := range same {
		if a, b := phoneticForm(p[0]), phoneticForm(p[1]); a != b {
			t.Errorf("phoneticForm(%q) = %q, phoneticForm(%q) = %q; want equal", p[0], a, p[1], b)
		}
	}
	if phoneticForm("hassan") == phoneticForm("hussein") {
		t.Error("hassan and hussein must stay distinct")
	}
	if phoneticForm("oxin") == phoneticForm("oshin") {
		t.Error("the letter x is ks, not sh")
	}
	if skeleton(phoneticForm("hsin")) != skeleton(phoneticForm("hussein")) {
		t.Errorf("skeletons differ: %q %q", skeleton(phoneticForm("hsin")), skeleton(phoneticForm("hussein")))
	}
}

// TestGlossaryWordsAreUnambiguous: two spellings of a word that the
// glossary folds together (arabicKey) must read as one English word, or the
// glossary's reading would depend on the order a map is built in.
func TestGlossaryWordsAreUnambiguous(t *testing.T) {
	seen := map[string]string{}
	for _, g := range []map[string]string{arabicGlossary, arabicPlaces, arabicLegalPhrases} {
		for k, v := range g {
			ak := arabicKey(k)
			if o, ok := seen[ak]; ok && o != v {
				t.Errorf("%q folds to %q: read as %q and as %q", k, ak, v, o)
			}
			seen[ak] = v
		}
	}
}

// TestCommonNamesAreNamesNotGlossaryWords: every entry of the common names
// is one word of a person's name, and the glossary reads none of them in
// English (a nisba is not a place: المصري is al-Masri, not Egypt).
func TestCommonNamesAreNamesNotGlossaryWords(t *testing.T) {
	for _, n := range commonArabicNames {
		words := 0
		for _, tok := range PrepareName(n, sanctions.TypePerson) {
			if tok.Text != "al" {
				words++
			}
		}
		if words != 1 {
			t.Errorf("%s prepares to %d words, want 1", n, words)
		}
		if r, ok := glossaryTerm(n, true); ok {
			t.Errorf("%s has the glossary reading %q", n, r)
		}
	}
}

// TestAMisspeltLegalFormReadsTheSameEveryTime: a word near two legal forms
// gets the same one on every call (a map's order once chose).
func TestAMisspeltLegalFormReadsTheSameEveryTime(t *testing.T) {
	for _, w := range []string{"companie", "companies", "limted", "corporaton"} {
		first := canonicalLegalForm(w)
		for range 50 {
			if got := canonicalLegalForm(w); got != first {
				t.Fatalf("canonicalLegalForm(%q) = %q, then %q", w, first, got)
			}
		}
	}
	if got := canonicalLegalForm("companies"); got != "co" {
		t.Errorf("companies: %q, want co", got)
	}
}

// preparedCorpus is a fixed sample of names in the scripts and kinds
// PrepareName handles; preparedCorpusDigest is the digest of what
// PrepareName and Readings make of it under PrepareVersion.
var preparedCorpus = []struct {
	name string
	typ  sanctions.EntityType
}{
	{"PUTIN, Vladimir Vladimirovich", sanctions.TypePerson}, {"Siemens Aktiengesellschaft", sanctions.TypeOrganisation},
	{"JOINT-STOCK COMPANY RENOVA GROUP OF COMPANIES", sanctions.TypeOrganisation}, {"Iyad ag Ghali", sanctions.TypePerson},
	{"Ким Чен Ын", sanctions.TypeUnknown}, {"Аль-Багдади", sanctions.TypeUnknown}, {"Umair Naeem Sheikh", sanctions.TypeUnknown},
	{"حسین موسوی", sanctions.TypeUnknown}, {"ملا محمد عمر", sanctions.TypePerson}, {"بديع معلا", sanctions.TypeUnknown},
	{"امیرعلی حاجی زاده", sanctions.TypeUnknown}, {"مولوي آدم خان اڅکزی", sanctions.TypeUnknown},
	{"عبد الله يحيى الحاكم", sanctions.TypeUnknown}, {"شرکت کشتیرانی والفجر", sanctions.TypeUnknown},
	{"ميراج لإدارة النفايات والخدمات البيئية ش م م", sanctions.TypeUnknown}, {"الفرقة الأولى في الجيش العربي السوري", sanctions.TypeUnknown},
	{"Agha Jan Alizai اغا جان عالیزی", sanctions.TypeUnknown}, {"محمد الملا", sanctions.TypeUnknown}, {"ﻤﺤﻤﺪ", sanctions.TypeUnknown},
	{"شرکت سیمان شمال", sanctions.TypeUnknown}, {"مجید آقایی", sanctions.TypeUnknown}, {"مرتضی رضایی", sanctions.TypePerson},
	{"COASTAL REFINERY COMPANY PRIVATE JSC", sanctions.TypeOrganisation}, {"شركة مصفاة الساحل المساهمة المغفلة الخاصة", sanctions.TypeUnknown},
	{"حاجی گلاب گل ولد حاجی حضرت گل", sanctions.TypeUnknown}, {"إتش إس آي للتجارة م.م.ح", sanctions.TypeUnknown},
	{"BANDO, Haji", sanctions.TypePerson}, {"قاري سیف الله", sanctions.TypeUnknown},
}

const preparedCorpusDigest = "v3:924cd19bd0a8721b7bdb8f68"

// TestPrepareVersionCoversThePreparedCorpus: a change to what names are
// prepared into must come with a new PrepareVersion (monitoring then
// re-prepares its snapshots' queries), recorded here with its digest.
func TestPrepareVersionCoversThePreparedCorpus(t *testing.T) {
	// What monitoring keeps: the prepared query, its tokens (with their
	// script and translation flags) and its readings, as JSON.
	h := sha256.New()
	for _, c := range preparedCorpus {
		b, err := json.Marshal(Prepare(Query{Name: c.name, Type: c.typ}))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\x00%s\x00", c.name, b)
	}
	got := fmt.Sprintf("v%d:%x", PrepareVersion, h.Sum(nil)[:12])
	if got != preparedCorpusDigest {
		t.Errorf("the preparation of the corpus is %s, recorded %s: if PrepareName or Readings changed on purpose, bump PrepareVersion and record the new digest", got, preparedCorpusDigest)
	}
}

// TestInitialsAreReadAsListsWriteThem: a legal form's initials written with
// dots, and Latin letters spelt out in Arabic script, are the legal form
// and the acronym lists write.
func TestInitialsAreReadAsListsWriteThem(t *testing.T) {
	for in, want := range map[string]string{
		"بتروتك م.م.ح":                   "btrutk fze",
		"شركة شمس للصيرفة ش.م.ل.":        "co shms llsirfa sal",
		"إتش إس آي للتجارة م.م.ح":        "hsi lltjara fze",
		"شركة إس إي إس الدولية":          "co ses al dulia",
		"في بيت":                         "fi bit", // في is "in", not V
		"عبد الحق ولد محمد انور خان":     "bd al hq ould mhmd anur khan",
		"Abdul Haq son of M. Anwar Khan": "abdul haq ould m anwar khan", // "son of" is Ould
	} {
		if got := NormalizeName(in, sanctions.TypeUnknown); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}
