package screening

import (
	"bytes"
	"errors"
	"github.com/chainfi/chainguard/shared/sanctions/sanctionstest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chainfi/chainguard/shared/sanctions"
)

func testLists() []*sanctions.List {
	d := func(s string) sanctions.Date { return date(s) }
	ofac := &sanctions.List{Source: sanctions.SourceOFAC, Checksums: map[string]string{"sdn.csv": "x"}, Entities: []sanctions.Entity{
		{ID: "25308", Source: sanctions.SourceOFAC, Type: sanctions.TypePerson, Names: []sanctions.Name{
			{Full: "YAN, Xiaobing"}, {Full: "ZHOU, William", Kind: sanctions.NameAlias, Weak: true}},
			BirthDates: []sanctions.Date{d("1977-03-25")}, Citizenships: []sanctions.Country{{Name: "China", Code: "CN"}},
			Programs: []string{"SDNTK"},
			Crypto:   []sanctions.CryptoAddress{{Asset: "ETH", Address: "0x8576ACC5c05d6ce88f4e49bf65bdf0c62f91353c"}}},
		{ID: "12345", Source: sanctions.SourceOFAC, Type: sanctions.TypeOrganisation, Names: []sanctions.Name{{Full: "11420 CORP."}}},
		{ID: "306", Source: sanctions.SourceOFAC, Type: sanctions.TypeOrganisation, Names: []sanctions.Name{
			{Full: "BANCO NACIONAL DE CUBA"}, {Full: "NATIONAL BANK OF CUBA", Kind: sanctions.NameAlias}}},
		{ID: "9647", Source: sanctions.SourceOFAC, Type: sanctions.TypeVessel, Names: []sanctions.Name{{Full: "ATLANTIC STAR"}}},
	}}
	un := &sanctions.List{Source: sanctions.SourceUN, Checksums: map[string]string{"UN_consolidated.xml": "y"}, Entities: []sanctions.Entity{
		{ID: "6908555", Source: sanctions.SourceUN, Type: sanctions.TypePerson, Names: []sanctions.Name{
			{Full: "SADDAM HUSSEIN AL-TIKRITI"}, {Full: "صدام حسين التكريتي", Kind: sanctions.NameOriginalScript}},
			BirthDates: []sanctions.Date{d("1937-04-28")}, Nationalities: []sanctions.Country{{Name: "Iraq", Code: "IQ"}}},
		{ID: "6908011", Source: sanctions.SourceUN, Type: sanctions.TypePerson, Names: []sanctions.Name{
			{Full: "MATHIEU CHUI NGUDJOLO"}, {Full: "Cui Ngudjolo", Kind: sanctions.NameAlias}},
			BirthDates: []sanctions.Date{d("1970-10-08")}},
		{ID: "7000001", Source: sanctions.SourceUN, Type: sanctions.TypePerson, Names: []sanctions.Name{{Full: "ABDUL RAHMAN YASIN"}},
			BirthDates: []sanctions.Date{d("1960")}},
	}}
	crypto := &sanctions.List{Source: sanctions.SourceOFACCrypto, Checksums: map[string]string{"f": "z"}, Addresses: []sanctions.CryptoAddress{
		{Asset: "USDT", Address: "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c"},
		{Asset: "XBT", Address: "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"},
	}}
	return []*sanctions.List{ofac, un, crypto}
}

func testIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := Build(testLists()...)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestScreenFindsTheRightEntity(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		name    string
		q       Query
		wantID  string
		outcome Outcome
	}{
		{"exact OFAC person written naturally", Query{Name: "Xiaobing Yan"}, "25308", OutcomeMatch},
		{"LAST, First with typo", Query{Name: "YAN, Xiaobong"}, "25308", OutcomeMatch},
		{"UN person reordered", Query{Name: "Al-Tikriti Saddam Hussein"}, "6908555", OutcomeMatch},
		{"Cyrillic spelling", Query{Name: "Саддам Хусейн Аль-Тикрити"}, "6908555", OutcomeMatch},
		{"Arabic script", Query{Name: "صدام حسين التكريتي"}, "6908555", OutcomeMatch},
		{"honorific and missing middle name", Query{Name: "Sheikh Mathieu Ngudjolo"}, "6908011", OutcomePotentialMatch},
		{"joined tokens", Query{Name: "Abdulrahman Yasin"}, "7000001", OutcomeMatch},
		{"company without legal form", Query{Name: "11420 Corporation", Type: sanctions.TypeOrganisation}, "12345", OutcomeMatch},
		{"company alias", Query{Name: "National Bank of Cuba"}, "306", OutcomeMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ix.Screen(tt.q, DefaultOptions())
			if len(r.Matches) == 0 {
				t.Fatalf("no match; outcome %s", r.Outcome)
			}
			m := r.Matches[0]
			if m.EntityID != tt.wantID || r.Outcome != tt.outcome {
				t.Fatalf("top = %s %.3f (%s), outcome %s; want %s %s\n%s", m.EntityID, m.Score, m.PrimaryName, r.Outcome, tt.wantID, tt.outcome, m.Explanation.Formula)
			}
		})
	}
}

func TestScreenClearsUnrelatedNames(t *testing.T) {
	ix := testIndex(t)
	for _, name := range []string{"Patricia Lucas Wheeler", "Ingeborg Abrahamsen", "Corp", "", "李小兵"} {
		r := ix.Screen(Query{Name: name}, DefaultOptions())
		if r.Outcome != OutcomeClear || len(r.Matches) != 0 {
			t.Errorf("%q: outcome %s matches %+v", name, r.Outcome, r.Matches)
		}
	}
	r := ix.Screen(Query{Name: "李小兵"}, DefaultOptions())
	if len(r.Notes) == 0 {
		t.Error("untransliterated script should be noted")
	}
}

func TestScreenExplainsTheMatch(t *testing.T) {
	ix := testIndex(t)
	r := ix.Screen(Query{Name: "William Zhou", DOB: "1977-03-25", Nationality: "China", Type: sanctions.TypePerson}, DefaultOptions())
	if len(r.Matches) == 0 {
		t.Fatal("no match")
	}
	m := r.Matches[0]
	ex := m.Explanation
	if m.EntityID != "25308" || m.Source != sanctions.SourceOFAC || m.PrimaryName != "YAN, Xiaobing" || !slices.Equal(m.Programs, []string{"SDNTK"}) {
		t.Errorf("match = %+v", m)
	}
	if ex.MatchedName != "ZHOU, William" || ex.MatchedNameKind != "aka" || !ex.WeakAlias || ex.NameQuality != weakAliasQuality {
		t.Errorf("matched name = %q %s weak=%v quality=%v", ex.MatchedName, ex.MatchedNameKind, ex.WeakAlias, ex.NameQuality)
	}
	if ex.DOB.Agreement != string(DOBExact) || ex.DOB.Listed != "1977-03-25" || ex.Country.Agreement != string(CountryMatch) || ex.Type.Agreement != string(TypeMatch) {
		t.Errorf("components = %+v %+v %+v", ex.DOB, ex.Country, ex.Type)
	}
	if !slices.Contains(ex.Agreed, "dob:exact") || !slices.Contains(ex.Agreed, "country:match") {
		t.Errorf("agreed = %v", ex.Agreed)
	}
	if len(ex.Name.Pairs) != 2 || ex.Name.Pairs[0].How != "exact" {
		t.Errorf("pairs = %+v", ex.Name.Pairs)
	}
	// A weak alias is capped: the agreeing birth date and nationality lift
	// it to review, not to a match.
	if ex.Final != m.Score || !strings.Contains(ex.Formula, "capped at") || m.Outcome != OutcomePotentialMatch {
		t.Errorf("final %v score %v formula %q", ex.Final, m.Score, ex.Formula)
	}
	if r.ListVersion != ix.Version() || !strings.Contains(r.ListVersion, "OFAC-SDN@") || !strings.Contains(r.ListVersion, "UN-SC@") {
		t.Errorf("list version = %q", r.ListVersion)
	}
}

func TestQualifiersMoveTheOutcome(t *testing.T) {
	ix := testIndex(t)
	base := Query{Name: "Mathieu Chui Ngudjolo", Type: sanctions.TypePerson}
	score := func(q Query) (float64, Result) {
		r := ix.Screen(q, Options{Thresholds: DefaultOptions().Thresholds, MinScore: 0.01})
		if len(r.Matches) == 0 || r.Matches[0].EntityID != "6908011" {
			t.Fatalf("%+v: %+v", q, r.Matches)
		}
		return r.Matches[0].Score, r
	}
	nameOnly, _ := score(base)
	withDOB := base
	withDOB.DOB = "1970-10-08"
	exact, _ := score(withDOB)
	wrongDOB := base
	wrongDOB.DOB = "1990-01-01"
	wrong, r := score(wrongDOB)
	asOrg := base
	asOrg.Type = sanctions.TypeOrganisation
	org, _ := score(asOrg)
	if !(exact >= nameOnly && wrong < nameOnly-0.15 && org < nameOnly-0.2) {
		t.Errorf("scores: name only %.3f, exact DOB %.3f, wrong DOB %.3f, as organisation %.3f", nameOnly, exact, wrong, org)
	}
	if r.Outcome != OutcomeClear || !slices.Contains(r.Matches[0].Explanation.Disagreed, "dob:mismatch") {
		t.Errorf("wrong DOB: outcome %s, disagreed %v", r.Outcome, r.Matches[0].Explanation.Disagreed)
	}
}

func TestThresholdsAreConfiguration(t *testing.T) {
	ix := testIndex(t)
	q := Query{Name: "Mathieu Ngudjolo"}
	strict := Options{Thresholds: Thresholds{Match: 0.99, Review: 0.98}}
	loose := Options{Thresholds: Thresholds{Match: 0.5, Review: 0.4}}
	if r := ix.Screen(q, strict); r.Outcome != OutcomeClear {
		t.Errorf("strict: %s", r.Outcome)
	}
	if r := ix.Screen(q, loose); r.Outcome != OutcomeMatch {
		t.Errorf("loose: %s", r.Outcome)
	}
	if err := (Options{Thresholds: Thresholds{Match: 0.5, Review: 0.9}}).Validate(); !errors.Is(err, ErrBadOptions) {
		t.Errorf("inverted thresholds: %v", err)
	}
	if err := DefaultOptions().Validate(); err != nil {
		t.Error(err)
	}
	if r := ix.Screen(Query{Name: "Saddam Hussein"}, Options{MaxResults: 1, MinScore: 0.01}); len(r.Matches) != 1 {
		t.Errorf("max results: %d", len(r.Matches))
	}
}

func TestScreenAddress(t *testing.T) {
	ix := testIndex(t)
	r := ix.ScreenAddress("ETH", "0x8576ACC5C05D6CE88F4E49BF65BDF0C62F91353C")
	if r.Outcome != OutcomeMatch || r.Chain != ChainEVM || len(r.Matches) != 2 {
		t.Fatalf("EVM lookup = %+v", r)
	}
	var fromRemarks, fromFile bool
	for _, m := range r.Matches {
		fromRemarks = fromRemarks || (m.EntityID == "25308" && m.Source == sanctions.SourceOFAC && m.EntityName == "YAN, Xiaobing")
		// The address file names no entity: the match borrows the entity that lists the
		// same address, with its programme and list, so the analyst sees whose it is.
		fromFile = fromFile || (m.EntityID == "25308" && m.Source == sanctions.SourceOFACCrypto && m.Asset == "USDT" &&
			m.EntitySource == sanctions.SourceOFAC && len(m.Programs) == 1 && m.Programs[0] == "SDNTK")
	}
	if !fromRemarks || !fromFile {
		t.Errorf("matches = %+v", r.Matches)
	}
	if r := ix.ScreenAddress("XBT", "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"); r.Outcome != OutcomeMatch {
		t.Errorf("base58 exact: %+v", r)
	}
	if r := ix.ScreenAddress("XBT", "1ajzpmsnmpdk2rv9kqnfmurtxinscvro9v"); r.Outcome != OutcomeClear {
		t.Errorf("base58 is case-sensitive: %+v", r)
	}
	if r := ix.ScreenAddress("ETH", ""); r.Outcome != OutcomeClear {
		t.Errorf("empty: %+v", r)
	}
}

func TestSerializedIndexRoundTrip(t *testing.T) {
	ix := testIndex(t)
	var buf bytes.Buffer
	n, err := ix.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v (buffer %d)", n, err, buf.Len())
	}
	loaded, err := Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Version() != ix.Version() || loaded.Stats() != ix.Stats() {
		t.Fatalf("loaded %v %+v, built %v %+v", loaded.Version(), loaded.Stats(), ix.Version(), ix.Stats())
	}
	for _, q := range []Query{{Name: "Xiaobing Yan", DOB: "1977"}, {Name: "صدام حسين التكريتي"}, {Name: "Abdulrahman Yasin"}} {
		a, b := ix.Screen(q, DefaultOptions()), loaded.Screen(q, DefaultOptions())
		if len(a.Matches) != len(b.Matches) || len(a.Matches) == 0 || a.Matches[0].Score != b.Matches[0].Score || a.Matches[0].Explanation.Formula != b.Matches[0].Explanation.Formula {
			t.Errorf("%q: built %+v, loaded %+v", q.Name, a.Matches, b.Matches)
		}
	}
	if r := loaded.ScreenAddress("USDT", "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c"); len(r.Matches) != 2 {
		t.Errorf("addresses after load: %+v", r)
	}
	var again bytes.Buffer
	if _, err := loaded.WriteTo(&again); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("re-serialising a loaded index changes the bytes")
	}
}

func TestLoadRejectsCorruptIndexes(t *testing.T) {
	var buf bytes.Buffer
	if _, err := testIndex(t).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	cases := map[string][]byte{
		"empty":       nil,
		"wrong magic": append([]byte("XXXX"), good[4:]...),
		"truncated":   good[:len(good)/2],
		"bad version": append(append([]byte("CGSX"), 9, 0, 0, 0), good[8:]...),
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-3] ^= 0xff // an address entity reference
	cases["corrupt reference"] = flipped
	for name, b := range cases {
		if _, err := LoadBytes(b); !errors.Is(err, ErrBadIndex) {
			t.Errorf("%s: err = %v, want ErrBadIndex", name, err)
		}
	}
}

func TestScreenIsSafeForConcurrentUse(t *testing.T) {
	ix := testIndex(t)
	want := ix.Screen(Query{Name: "Saddam Hussein Tikriti"}, DefaultOptions())
	if len(want.Matches) == 0 {
		t.Fatal("no match")
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				r := ix.Screen(Query{Name: "Saddam Hussein Tikriti"}, DefaultOptions())
				if len(r.Matches) == 0 || r.Matches[0].Score != want.Matches[0].Score {
					t.Error("concurrent result differs")
					return
				}
				ix.Screen(Query{Name: "Xiaobing Yan"}, DefaultOptions())
			}
		}()
	}
	wg.Wait()
}

func FuzzLoad(f *testing.F) {
	var buf bytes.Buffer
	ix, err := Build(testLists()...)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := ix.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("CGSX\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, err := LoadBytes(b)
		if err != nil {
			return
		}
		ix.Screen(Query{Name: "saddam hussein", DOB: "1937"}, DefaultOptions())
		ix.ScreenAddress("ETH", "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c")
	})
}

func FuzzScreenName(f *testing.F) {
	ix, err := Build(testLists()...)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"Saddam Hussein", "YAN, Xiaobing", "صدام", "Хусейн", "", ",", "a a a a a a a a a a a a a a a a a a a a",
		"شرکت سیمان شمال", "امیرعلی حاجی زاده", "ملی بانک سهامی عام ش م م", "مرتضی رضایی آقایی", "محمد الملا", "Umair Naeem Sheikh LLC"} {
		f.Add(s, "1977-03-25")
	}
	f.Fuzz(func(t *testing.T, name, dob string) {
		r := ix.Screen(Query{Name: name, DOB: dob, Nationality: name}, DefaultOptions())
		for _, m := range r.Matches {
			if m.Score < 0 || m.Score > 1 || m.Explanation.Final != m.Score {
				t.Fatalf("bad score %+v", m)
			}
		}
	})
}

// TestReadingsShareTheirWordsSimilarListedWordsUnchanged: the words a
// name's readings share are looked up once (vocabCache), and every reading
// then screens exactly as it would on its own.
func TestReadingsShareTheirWordsSimilarListedWordsUnchanged(t *testing.T) {
	l := sanctionstest.Must(t)
	ix, err := Build(l.OFAC2021, l.UN)
	if err != nil {
		t.Fatal(err)
	}
	opt := DefaultOptions().withDefaults()
	opt.MinScore = 0.3
	for _, name := range []string{"شرکت سیمان شمال", "ميراج لإدارة النفايات والخدمات البيئية ش م م", "جبهة النصرة",
		"Agha Jan Alizai اغا جان عالیزی", "صدام حسين", "شركة مصفاة الساحل المساهمة المغفلة الخاصة", "موسسه مهندسین مشاور ایمن سازان", "Hossein Musavi حسین موسوی"} {
		p := Prepare(Query{Name: name})
		var cache vocabCache
		readings := [][]Token{p.Tokens}
		for _, r := range p.Alt {
			readings = append(readings, r.Tokens)
		}
		for i, toks := range readings {
			alone := ix.screenTokens(p, PreparedReading{Tokens: toks}, p.namesCompany(), opt, nil)
			shared := ix.screenTokens(p, PreparedReading{Tokens: toks}, p.namesCompany(), opt, &cache)
			if !reflect.DeepEqual(alone.Matches, shared.Matches) {
				t.Errorf("%s, reading %d: alone %+v, with the shared words %+v", name, i, alone.Matches, shared.Matches)
			}
		}
	}
}
