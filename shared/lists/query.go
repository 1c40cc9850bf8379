package lists

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
)

// Query types a screening accepts.
const (
	TypePerson       = "person"
	TypeOrganisation = "organisation"
	TypeVessel       = "vessel"
	TypeAircraft     = "aircraft"
	TypeAddress      = "address"
)

// Limits of a query.
const (
	MinNameLen      = 2
	MaxNameLen      = 200
	MaxReferenceLen = 128
	MaxAddressLen   = 128
	// MaxAddressInputLen bounds the address as sent, which may be a payment URI with
	// parameters (bitcoin:...?amount=...&label=...); the address in it is at most
	// MaxAddressLen.
	MaxAddressInputLen = 512
)

// Query is what is screened: a named subject with optional qualifiers, or a crypto
// address. It is personal data: it is stored only encrypted.
type Query struct {
	Type        string `json:"type"`
	Name        string `json:"name,omitempty"`
	DateOfBirth string `json:"dateOfBirth,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	Country     string `json:"country,omitempty"`
	Asset       string `json:"asset,omitempty"`
	Address     string `json:"address,omitempty"`
	// Lists chooses the kinds of list a named query is screened against: "sanctions",
	// "pep" or both (the default).
	Lists []string `json:"lists,omitempty"`
}

// Kinds of list a query may ask for.
const (
	ListSanctions = string(screening.KindSanctions)
	ListPEP       = string(screening.KindPEP)
)

var (
	dateRe    = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$`)
	assetRe   = regexp.MustCompile(`^[A-Z0-9]{2,10}$`)
	addressRe = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// Normalize trims the query and checks it strictly, returning a failure.Invalid with a
// code naming the field. Country codes are upper-cased, assets too.
func (q Query) Normalize(now time.Time) (Query, error) {
	q.Type = strings.TrimSpace(q.Type)
	q.Name = strings.TrimSpace(q.Name)
	q.DateOfBirth = strings.TrimSpace(q.DateOfBirth)
	q.Nationality = strings.ToUpper(strings.TrimSpace(q.Nationality))
	q.Country = strings.ToUpper(strings.TrimSpace(q.Country))
	q.Asset = strings.ToUpper(strings.TrimSpace(q.Asset))
	q.Address = strings.TrimSpace(q.Address)
	switch q.Type {
	case TypeAddress:
		return q, q.checkAddress()
	case TypePerson, TypeOrganisation, TypeVessel, TypeAircraft:
		return q, q.checkNamed(now)
	case "":
		return q, failure.InvalidInput("type_required", "type is required: person, organisation, vessel, aircraft or address")
	default:
		return q, failure.InvalidInput("invalid_type", "type must be person, organisation, vessel, aircraft or address")
	}
}

func (q Query) checkAddress() error {
	if q.Name != "" || q.DateOfBirth != "" || q.Nationality != "" || q.Country != "" || len(q.Lists) > 0 {
		return failure.InvalidInput("field_not_allowed", "an address screening takes only asset and address")
	}
	if q.Asset == "" {
		return failure.InvalidInput("asset_required", "asset is required for an address (e.g. XBT, ETH, USDT)")
	}
	if !assetRe.MatchString(q.Asset) {
		return failure.InvalidInput("invalid_asset", "asset must be a ticker of 2 to 10 letters or digits")
	}
	if q.Address == "" {
		return failure.InvalidInput("address_required", "address is required")
	}
	// The address is kept as sent: it is what the client screened. What is checked here
	// is the address a payment URI holds; its checksum is checked when it is screened
	// (screening.Index.ScreenQueryAddress), where a listed address, however malformed,
	// still matches.
	if len(q.Address) > MaxAddressInputLen {
		return invalidAddress()
	}
	a, _ := screening.ParseAddress(q.Asset, q.Address)
	if len(a.Bare) < 20 || len(a.Bare) > MaxAddressLen || !addressRe.MatchString(a.Bare) {
		return invalidAddress()
	}
	return nil
}

func invalidAddress() error {
	return failure.InvalidInput("invalid_address", "address must be 20 to %d letters and digits, or a payment URI that holds one", MaxAddressLen)
}

func (q Query) checkNamed(now time.Time) error {
	if q.Asset != "" || q.Address != "" {
		return failure.InvalidInput("field_not_allowed", "asset and address belong to an address screening")
	}
	if q.Name == "" {
		return failure.InvalidInput("name_required", "name is required")
	}
	if n := utf8.RuneCountInString(q.Name); n < MinNameLen || n > MaxNameLen || !utf8.ValidString(q.Name) {
		return failure.InvalidInput("invalid_name", "name must be %d to %d characters", MinNameLen, MaxNameLen)
	}
	letters := 0
	for _, r := range q.Name {
		if unicode.IsControl(r) {
			return failure.InvalidInput("invalid_name", "name must not contain control characters")
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters == 0 {
		return failure.InvalidInput("invalid_name", "name must contain letters")
	}
	// What the engine reads: a name of invisible characters, blank fillers or honorifics
	// alone would be screened as nothing and answered clear.
	if !screening.Screenable(q.Name, q.entityType()) {
		return failure.InvalidInput("invalid_name", "name has nothing to screen once invisible characters and honorifics are set aside")
	}
	if q.DateOfBirth != "" {
		if q.Type != TypePerson {
			return failure.InvalidInput("field_not_allowed", "dateOfBirth applies to a person only")
		}
		if !validDate(q.DateOfBirth, now) {
			return failure.InvalidInput("invalid_date_of_birth", "dateOfBirth must be YYYY, YYYY-MM or YYYY-MM-DD, a real date after 1900 and not in the future")
		}
	}
	if q.Nationality != "" {
		if q.Type != TypePerson {
			return failure.InvalidInput("field_not_allowed", "nationality applies to a person only")
		}
		if !isCountryCode(q.Nationality) {
			return failure.InvalidInput("invalid_nationality", "nationality must be an ISO 3166-1 alpha-2 code")
		}
	}
	if q.Country != "" && !isCountryCode(q.Country) {
		return failure.InvalidInput("invalid_country", "country must be an ISO 3166-1 alpha-2 code")
	}
	if len(q.Lists) > 2 {
		return failure.InvalidInput("invalid_lists", "lists takes at most \"sanctions\" and \"pep\"")
	}
	for _, l := range q.Lists {
		if l != ListSanctions && l != ListPEP {
			return failure.InvalidInput("invalid_lists", "lists must name \"sanctions\", \"pep\" or both")
		}
	}
	if q.Lists != nil && len(q.Lists) == 0 {
		return failure.InvalidInput("invalid_lists", "lists, when given, must name at least one kind of list")
	}
	return nil
}

// kinds are the engine's list kinds the query asks for (nil: all).
func (q Query) kinds() []screening.ListKind {
	var out []screening.ListKind
	for _, l := range q.Lists {
		out = append(out, screening.ListKind(l))
	}
	return out
}

func validDate(s string, now time.Time) bool {
	m := dateRe.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	layout := map[int]string{1: "2006", 2: "2006-01", 3: "2006-01-02"}[strings.Count(s, "-")+1]
	t, err := time.Parse(layout, s)
	if err != nil {
		return false
	}
	return t.Year() >= 1900 && !t.After(now)
}

func isCountryCode(s string) bool {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return false
	}
	return sanctions.CountryCode(s) == s
}

// entityType maps a query type to the engine's.
func (q Query) entityType() sanctions.EntityType {
	switch q.Type {
	case TypePerson:
		return sanctions.TypePerson
	case TypeOrganisation:
		return sanctions.TypeOrganisation
	case TypeVessel:
		return sanctions.TypeVessel
	case TypeAircraft:
		return sanctions.TypeAircraft
	}
	return sanctions.TypeUnknown
}
