package sanctions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// Source identifies the publication an entity comes from.
type Source string

// Known sources (the PEP sources are declared with the PEP model).
const (
	SourceOFAC       Source = "OFAC-SDN"
	SourceUN         Source = "UN-SC"
	SourceOFACCrypto Source = "OFAC-CRYPTO"
	SourceEU         Source = "EU-FSF"
	SourceUK         Source = "UK-HMT"
)

// EntityType is the kind of listed subject.
type EntityType string

// Entity types. TypeUnknown is used in queries when the caller does not know.
const (
	TypeUnknown      EntityType = ""
	TypePerson       EntityType = "person"
	TypeOrganisation EntityType = "organisation"
	TypeVessel       EntityType = "vessel"
	TypeAircraft     EntityType = "aircraft"
)

// NameKind says whether a name is the primary name or an alias.
type NameKind uint8

// Name kinds.
const (
	NamePrimary NameKind = iota
	NameAlias
	NameFormerly       // f.k.a.
	NameNowKnown       // n.k.a.
	NameOriginalScript // name in original script (UN NAME_ORIGINAL_SCRIPT)
)

func (k NameKind) String() string {
	switch k {
	case NamePrimary:
		return "primary"
	case NameAlias:
		return "aka"
	case NameFormerly:
		return "fka"
	case NameNowKnown:
		return "nka"
	case NameOriginalScript:
		return "original_script"
	}
	return "unknown"
}

// Name is one name of an entity. Weak aliases (OFAC "weak aka", UN "Low"
// quality) are kept but flagged: they should rank below strong names.
type Name struct {
	Full string   `json:"full"`
	Kind NameKind `json:"kind"`
	Weak bool     `json:"weak,omitempty"`
}

// DatePrecision says how much of a Date is known.
type DatePrecision uint8

// Date precisions.
const (
	PrecisionNone DatePrecision = iota
	PrecisionYear
	PrecisionMonth
	PrecisionDay
)

// Date is a possibly partial date. A range of years ("1960 to 1962",
// UN BETWEEN) sets ToYear > Year. Circa marks approximate dates.
type Date struct {
	Year      int           `json:"year,omitempty"`
	Month     int           `json:"month,omitempty"`
	Day       int           `json:"day,omitempty"`
	ToYear    int           `json:"to_year,omitempty"`
	Precision DatePrecision `json:"precision"`
	Circa     bool          `json:"circa,omitempty"`
}

// IsZero reports whether nothing is known of the date.
func (d Date) IsZero() bool { return d.Precision == PrecisionNone }

// String renders the date as YYYY, YYYY-MM, YYYY-MM-DD or YYYY..YYYY.
func (d Date) String() string {
	var s string
	switch d.Precision {
	case PrecisionNone:
		return ""
	case PrecisionYear:
		s = fmt.Sprintf("%04d", d.Year)
	case PrecisionMonth:
		s = fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	default:
		s = fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
	}
	if d.ToYear > d.Year {
		s += fmt.Sprintf("..%04d", d.ToYear)
	}
	if d.Circa {
		s = "~" + s
	}
	return s
}

// Place is a place of birth or an address. Country is the name as published;
// CountryCode is its ISO 3166-1 alpha-2 code when recognised.
type Place struct {
	Text        string `json:"text,omitempty"`
	City        string `json:"city,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
}

// Country is a nationality or citizenship.
type Country struct {
	Name string `json:"name"`
	Code string `json:"code,omitempty"`
}

// Document is an identity document (passport, national id, tax id...).
type Document struct {
	Type        string `json:"type"`
	Number      string `json:"number"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
}

// CryptoAddress is a sanctioned blockchain address with its asset ticker
// as published by OFAC (XBT, ETH, USDT, ...).
type CryptoAddress struct {
	Asset   string `json:"asset"`
	Address string `json:"address"`
}

// Entity is one listed subject, independent of its source format.
type Entity struct {
	ID            string          `json:"id"`
	Source        Source          `json:"source"`
	Type          EntityType      `json:"type"`
	Names         []Name          `json:"names"` // Names[0] is the primary name
	Gender        string          `json:"gender,omitempty"`
	BirthDates    []Date          `json:"birth_dates,omitempty"`
	BirthPlaces   []Place         `json:"birth_places,omitempty"`
	Nationalities []Country       `json:"nationalities,omitempty"`
	Citizenships  []Country       `json:"citizenships,omitempty"`
	Addresses     []Place         `json:"addresses,omitempty"`
	Documents     []Document      `json:"documents,omitempty"`
	Crypto        []CryptoAddress `json:"crypto,omitempty"`
	Programs      []string        `json:"programs,omitempty"`
	ListedOn      string          `json:"listed_on,omitempty"`
	Reference     string          `json:"reference,omitempty"` // e.g. UN reference number "QDi.001"
	Remarks       string          `json:"remarks,omitempty"`
	// Kind is KindSanctions (zero) for sanctions entries, KindPEP for
	// politically exposed persons.
	Kind EntryKind `json:"kind,omitempty"`
	// Positions are a PEP's public functions, in published order.
	Positions []Position `json:"positions,omitempty"`
	// Deceased is set when the source reports the person dead; a deceased
	// person is never a current PEP.
	Deceased bool `json:"deceased,omitempty"`
	// DeathDate is the date of death when published.
	DeathDate Date `json:"death_date,omitzero"`
}

// PrimaryName returns the entity's primary name.
func (e *Entity) PrimaryName() string {
	if len(e.Names) == 0 {
		return ""
	}
	return e.Names[0].Full
}

// CountryCodes returns the distinct ISO codes of nationalities,
// citizenships, birth places and addresses, in that order of preference.
func (e *Entity) CountryCodes() []string {
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, c := range e.Nationalities {
		add(c.Code)
	}
	for _, c := range e.Citizenships {
		add(c.Code)
	}
	for _, p := range e.BirthPlaces {
		add(p.CountryCode)
	}
	for _, p := range e.Addresses {
		add(p.CountryCode)
	}
	return out
}

// ContentHash is a stable hash of everything published about the entity.
// Two publications that list the same id with a different hash have changed
// the entry. Slices are hashed in published order except names, programs
// and crypto addresses, whose order carries no meaning.
func (e *Entity) ContentHash() string {
	h := sha256.New()
	w := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	w(e.ID, string(e.Source), string(e.Type), e.Gender, e.ListedOn, e.Reference, e.Remarks)
	names := make([]string, len(e.Names))
	for i, n := range e.Names {
		names[i] = fmt.Sprintf("%s|%d|%t", n.Full, n.Kind, n.Weak)
	}
	if len(names) > 1 {
		sort.Strings(names[1:])
	}
	w(names...)
	for _, d := range e.BirthDates {
		w(d.String())
	}
	for _, p := range e.BirthPlaces {
		w(p.Text, p.City, p.Country)
	}
	for _, c := range e.Nationalities {
		w("nat", c.Name)
	}
	for _, c := range e.Citizenships {
		w("cit", c.Name)
	}
	for _, p := range e.Addresses {
		w(p.Text, p.City, p.Country)
	}
	for _, d := range e.Documents {
		w(d.Type, d.Number, d.Country)
	}
	crypto := make([]string, len(e.Crypto))
	for i, c := range e.Crypto {
		crypto[i] = c.Asset + " " + c.Address
	}
	sort.Strings(crypto)
	w(crypto...)
	progs := append([]string(nil), e.Programs...)
	sort.Strings(progs)
	w(progs...)
	// PEP fields are written only when present, so that the hashes already
	// stored for sanctions entries do not change.
	if parts := pepHashParts(e); parts != nil {
		w(parts...)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// cleanSpace trims and collapses runs of white space.
func cleanSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
