package jurisdictions

import "testing"

func TestTheProfilesInTheRepositoryLoad(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"EU", "US", "UK", "AE", "SG", "HK", "JP", "KR"}
	for _, c := range want {
		if _, ok := s.Get(c); !ok {
			t.Errorf("no profile for %s", c)
		}
	}
	if len(s.Codes()) != len(want) || s.Version == "" {
		t.Errorf("codes %v version %q", s.Codes(), s.Version)
	}
}

func TestRefusedCountriesAreFoundInEitherCodeForm(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		jur, country string
		refused      bool
	}{
		{"US", "IRN", true}, {"US", "ir", true}, {"JP", "PRK", true}, {"SG", "CUB", true},
		{"EU", "RUS", true}, {"UK", "BY", true}, {"US", "RUS", false}, {"EU", "DEU", false},
		{"EU", "", false}, {"EU", "XXX", false}, {"HK", "MMR", true},
	}
	for _, c := range cases {
		if got, _ := s.Refused(c.jur, c.country); got != c.refused {
			t.Errorf("Refused(%s, %s) = %v, want %v", c.jur, c.country, got, c.refused)
		}
	}
}

func TestTheLevelFollowsVendorKindAndProofOfAddress(t *testing.T) {
	s, _ := Load()
	if s.Level("sumsub", false, false) == s.Level("sumsub", false, true) || s.Level("sumsub", true, false) == "" || s.Level("metamap", false, false) == s.Level("sumsub", false, false) {
		t.Error("levels do not differ as they should")
	}
}

func TestABrokenProfileFileIsRefused(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":           `{}`,
		"unknown country": `{"version":"1","defaults":{"sumsub":{"individual":"a","individualWithAddress":"b","company":"c"},"metamap":{"individual":"a","individualWithAddress":"b","company":"c"},"refused":["ZZZ"]},"profiles":[{"code":"EU","name":"x"}]}`,
		"duplicate":       `{"version":"1","defaults":{"sumsub":{"individual":"a","individualWithAddress":"b","company":"c"},"metamap":{"individual":"a","individualWithAddress":"b","company":"c"}},"profiles":[{"code":"EU","name":"x"},{"code":"EU","name":"y"}]}`,
		"missing levels":  `{"version":"1","defaults":{},"profiles":[{"code":"EU","name":"x"}]}`,
	} {
		if _, err := Parse([]byte(raw)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}
