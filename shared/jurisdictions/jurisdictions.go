// Package jurisdictions holds the jurisdiction profiles onboarding applies: which vendor
// level (or flow) a user's KYC uses, whether proof of address is asked for, and which
// residence and nationality countries are refused outright. The profiles are versioned
// configuration in this repository (profiles.json, embedded): a change is a reviewed
// commit with a new version, and every KYC records the version it was started under.
package jurisdictions

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

//go:embed profiles.json
var profilesJSON []byte

// Vendor levels per applicant kind.
type Levels struct {
	Individual            string `json:"individual"`
	IndividualWithAddress string `json:"individualWithAddress"`
	Company               string `json:"company"`
}

// Profile is one jurisdiction's onboarding rules.
type Profile struct {
	Code           string   `json:"code"`
	Name           string   `json:"name"`
	ProofOfAddress bool     `json:"proofOfAddress"`
	Refused        []string `json:"refused"` // ISO 3166-1 alpha-2, on top of the defaults
}

// Set is a loaded, validated version of the profiles.
type Set struct {
	Version  string
	Sumsub   Levels
	MetaMap  Levels
	refused  []string
	profiles map[string]Profile
	codes    []string
}

type file struct {
	Version  string `json:"version"`
	Notes    string `json:"notes"`
	Defaults struct {
		Sumsub  Levels   `json:"sumsub"`
		MetaMap Levels   `json:"metamap"`
		Refused []string `json:"refused"`
	} `json:"defaults"`
	Profiles []Profile `json:"profiles"`
}

// Load parses and validates the embedded profiles.
func Load() (*Set, error) { return Parse(profilesJSON) }

// Parse parses and validates a profiles document.
func Parse(raw []byte) (*Set, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("jurisdictions: %w", err)
	}
	if f.Version == "" || len(f.Profiles) == 0 {
		return nil, fmt.Errorf("jurisdictions: version and profiles are required")
	}
	for _, l := range []Levels{f.Defaults.Sumsub, f.Defaults.MetaMap} {
		if l.Individual == "" || l.IndividualWithAddress == "" || l.Company == "" {
			return nil, fmt.Errorf("jurisdictions: every vendor needs its three levels")
		}
	}
	s := &Set{Version: f.Version, Sumsub: f.Defaults.Sumsub, MetaMap: f.Defaults.MetaMap, profiles: map[string]Profile{}}
	for _, c := range f.Defaults.Refused {
		cc := Country(c)
		if cc == "" {
			return nil, fmt.Errorf("jurisdictions: unknown country %q in the defaults", c)
		}
		s.refused = append(s.refused, cc)
	}
	for _, p := range f.Profiles {
		if p.Code == "" || p.Name == "" {
			return nil, fmt.Errorf("jurisdictions: a profile needs a code and a name")
		}
		if _, dup := s.profiles[p.Code]; dup {
			return nil, fmt.Errorf("jurisdictions: %s twice", p.Code)
		}
		var refused []string
		for _, c := range p.Refused {
			cc := Country(c)
			if cc == "" {
				return nil, fmt.Errorf("jurisdictions: unknown country %q in %s", c, p.Code)
			}
			refused = append(refused, cc)
		}
		p.Refused = refused
		s.profiles[p.Code] = p
		s.codes = append(s.codes, p.Code)
	}
	return s, nil
}

// Codes lists the supported jurisdictions, in the file's order.
func (s *Set) Codes() []string { return slices.Clone(s.codes) }

// Get returns a jurisdiction's profile.
func (s *Set) Get(code string) (Profile, bool) {
	p, ok := s.profiles[code]
	return p, ok
}

// Refused reports whether a residence or nationality country (alpha-2 or alpha-3) is
// refused outright in the jurisdiction, and the normalised code. An empty or unknown
// country is not refused here: the screening and the reviewer see it.
func (s *Set) Refused(code, country string) (bool, string) {
	cc := Country(country)
	if cc == "" {
		return false, ""
	}
	if slices.Contains(s.refused, cc) {
		return true, cc
	}
	p, ok := s.profiles[code]
	return ok && slices.Contains(p.Refused, cc), cc
}

// Level is the vendor level (Sumsub level name, MetaMap flow id) for an applicant.
func (s *Set) Level(vendor string, company, proofOfAddress bool) string {
	l := s.Sumsub
	if vendor == "metamap" {
		l = s.MetaMap
	}
	switch {
	case company:
		return l.Company
	case proofOfAddress:
		return l.IndividualWithAddress
	}
	return l.Individual
}

// Country normalises an ISO 3166-1 alpha-2 or alpha-3 code ("IRN", "ir") to alpha-2,
// or "" when it is not a country.
func Country(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if len(c) != 2 && len(c) != 3 {
		return ""
	}
	r, err := language.ParseRegion(c)
	if err != nil || !r.IsCountry() {
		return ""
	}
	return r.String()
}
