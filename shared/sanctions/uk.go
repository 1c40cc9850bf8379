package sanctions

import (
	"io"
	"io/fs"
	"strings"
)

// UKFileName is the name of the UK Sanctions List (FCDO, XML) in our
// fixtures. IsUKFileName also accepts the name on
// sanctionslist.fcdo.gov.uk/docs/ (UK-Sanctions-List.xml) and the name of
// the older assets.publishing.service.gov.uk attachment
// (UK_Sanctions_List.xml). A folder must hold exactly one of them.
const UKFileName = "uk-sanctions-list.xml"

// IsUKFileName reports whether a file name is one ParseUKDir reads.
func IsUKFileName(name string) bool {
	switch name {
	case UKFileName, "UK-Sanctions-List.xml", "UK_Sanctions_List.xml":
		return true
	}
	return false
}

// ukFormat is the FCDO XML: <Designations> of <Designation>, no namespace.
var ukFormat = xmlListFormat{root: "Designations", item: "Designation"}

type ukDesignation struct {
	UniqueID       string         `xml:"UniqueID"`
	OFSIGroupID    string         `xml:"OFSIGroupID"`
	UNReference    string         `xml:"UNReferenceNumber"`
	DateDesignated string         `xml:"DateDesignated"`
	Names          []ukName       `xml:"Names>Name"`
	NonLatinNames  []string       `xml:"NonLatinNames>NonLatinName>NameNonLatinScript"`
	Regime         string         `xml:"RegimeName"`
	Kind           string         `xml:"IndividualEntityShip"`
	OtherInfo      string         `xml:"OtherInformation"`
	Addresses      []ukAddress    `xml:"Addresses>Address"`
	Individuals    []ukIndividual `xml:"IndividualDetails>Individual"`
	Entities       []ukEntity     `xml:"EntityDetails>Entity"`
	Ships          []ukShip       `xml:"ShipDetails>Ship"`
}

type ukName struct {
	Name1    string `xml:"Name1"`
	Name2    string `xml:"Name2"`
	Name3    string `xml:"Name3"`
	Name4    string `xml:"Name4"`
	Name5    string `xml:"Name5"`
	Name6    string `xml:"Name6"` // the family name
	Type     string `xml:"NameType"`
	Strength string `xml:"AliasStrength"`
}

type ukAddress struct {
	Line1      string `xml:"AddressLine1"`
	Line2      string `xml:"AddressLine2"`
	Line3      string `xml:"AddressLine3"`
	Line4      string `xml:"AddressLine4"`
	Line5      string `xml:"AddressLine5"`
	Line6      string `xml:"AddressLine6"`
	PostalCode string `xml:"AddressPostalCode"`
	Country    string `xml:"AddressCountry"`
}

type ukIndividual struct {
	DOBs          []string  `xml:"DOBs>DOB"`
	Genders       []string  `xml:"Genders>Gender"`
	Nationalities []string  `xml:"Nationalities>Nationality"`
	Positions     []string  `xml:"Positions>Position"`
	BirthPlaces   []ukBirth `xml:"BirthDetails>Location"`
	Passports     []string  `xml:"PassportDetails>Passport>PassportNumber"`
	NationalIDs   []string  `xml:"NationalIdentifierDetails>NationalIdentifier>NationalIdentifierNumber"`
}

type ukBirth struct {
	Town    string `xml:"TownOfBirth"`
	Country string `xml:"CountryOfBirth"`
}

type ukEntity struct {
	RegistrationNumbers []string `xml:"BusinessRegistrationNumbers>BusinessRegistrationNumber"`
}

type ukShip struct {
	IMONumbers []string `xml:"IMONumbers>IMONumber"`
	Flags      []string `xml:"CurrentBelievedFlagOfShips>CurrentBelievedFlagOfShip"`
}

// UKParser parses a folder holding the UK Sanctions List (see IsUKFileName).
type UKParser struct{}

// Source implements Parser.
func (UKParser) Source() Source { return SourceUK }

// Parse implements Parser.
func (UKParser) Parse(fsys fs.FS) (*List, error) { return ParseUKDir(fsys) }

// ParseUKDir parses the one UK Sanctions List file of a folder, streaming
// it, and records its checksum.
func ParseUKDir(fsys fs.FS) (*List, error) {
	name, err := pickListFile(fsys, "UK list", IsUKFileName)
	if err != nil {
		return nil, err
	}
	return parseListFile(fsys, name, ParseUK)
}

// ParseUK streams the UK Sanctions List XML, decoding one Designation at a
// time. Designations without a unique id or a name, and repeated ids, are
// skipped and counted; a file that is not that list is ErrFormat.
func ParseUK(r io.Reader) (*List, error) {
	return streamEntities(r, SourceUK, ukFormat, "UK", ukToEntity)
}

func ukToEntity(rec *ukDesignation) (Entity, bool) {
	id := cleanSpace(rec.UniqueID)
	e := Entity{
		ID:     id,
		Source: SourceUK,
		// The unique id (AFG0001, RUS1234...) is the reference the UK list
		// itself cites.
		Reference: id,
		Names:     ukNames(rec),
	}
	if e.ID == "" || len(e.Names) == 0 {
		return Entity{}, false
	}
	switch strings.ToLower(cleanSpace(rec.Kind)) {
	case "individual":
		e.Type = TypePerson
	case "entity":
		e.Type = TypeOrganisation
	case "ship":
		e.Type = TypeVessel
	}
	if d, ok := ukDate(rec.DateDesignated); ok && d.Precision == PrecisionDay {
		e.ListedOn = d.String()
	}
	if r := cleanSpace(rec.Regime); r != "" {
		e.Programs = []string{r}
	}
	for _, a := range rec.Addresses {
		if p, ok := a.place(); ok {
			e.Addresses = appendUnique(e.Addresses, p)
		}
	}
	var positions []string
	for _, ind := range rec.Individuals {
		positions = ukIndividualDetails(&e, ind, positions)
	}
	for _, ent := range rec.Entities {
		for _, n := range ent.RegistrationNumbers {
			if n = cleanSpace(n); n != "" {
				e.Documents = appendUnique(e.Documents, Document{Type: "Business registration number", Number: n})
			}
		}
	}
	for _, s := range rec.Ships {
		for _, n := range s.IMONumbers {
			if n = cleanSpace(n); n != "" {
				e.Documents = appendUnique(e.Documents, Document{Type: "IMO number", Number: n})
			}
		}
		// Like OFAC's vessel flag: a place, so that country rules see it.
		for _, f := range s.Flags {
			if f = cleanSpace(f); f != "" {
				e.Addresses = appendUnique(e.Addresses, Place{Text: "vessel flag", Country: f, CountryCode: CountryCode(f)})
			}
		}
	}
	var remarks []string
	if o := cleanSpace(rec.OtherInfo); o != "" {
		remarks = append(remarks, o)
	}
	for _, p := range positions {
		remarks = append(remarks, "Position: "+p)
	}
	if un := cleanSpace(rec.UNReference); un != "" {
		remarks = append(remarks, "UN reference: "+un)
	}
	if g := cleanSpace(rec.OFSIGroupID); g != "" {
		remarks = append(remarks, "OFSI group ID: "+g)
	}
	e.Remarks = strings.Join(remarks, "; ")
	return e, true
}

// ukNames reads Name1..Name6 (given names first, Name6 the family name).
// The first "Primary Name" is the primary name; further primary names and
// "Primary Name Variation"s are strong aliases; an "Alias" whose
// AliasStrength says "Low quality" is weak. Non-Latin names follow as
// original-script names.
func ukNames(rec *ukDesignation) []Name {
	var names []Name
	primary := -1
	for _, n := range rec.Names {
		full := joinNonEmpty(" ", n.Name1, n.Name2, n.Name3, n.Name4, n.Name5, n.Name6)
		if full == "" {
			continue
		}
		typ := strings.ToLower(cleanSpace(n.Type))
		name := Name{Full: full, Kind: NameAlias}
		if typ == "alias" && strings.HasPrefix(strings.ToLower(cleanSpace(n.Strength)), "low") {
			name.Weak = true
		}
		if typ == "primary name" && primary < 0 {
			primary = len(names)
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil
	}
	if primary < 0 {
		// No primary name published: the first strong name stands in.
		primary = 0
		for i, n := range names {
			if !n.Weak {
				primary = i
				break
			}
		}
	}
	p := names[primary]
	p.Kind = NamePrimary
	out := []Name{p}
	for i, n := range names {
		if i != primary {
			out = appendName(out, n)
		}
	}
	for _, s := range rec.NonLatinNames {
		if s = cleanSpace(s); s != "" {
			out = appendName(out, Name{Full: s, Kind: NameOriginalScript})
		}
	}
	return out
}

func ukIndividualDetails(e *Entity, ind ukIndividual, positions []string) []string {
	for _, s := range ind.DOBs {
		if d, ok := ukDate(s); ok {
			e.BirthDates = appendUnique(e.BirthDates, d)
		}
	}
	for _, g := range ind.Genders {
		if g = cleanSpace(g); g != "" && e.Gender == "" {
			e.Gender = g
		}
	}
	for _, n := range ind.Nationalities {
		if n = cleanSpace(n); n != "" {
			e.Nationalities = appendUnique(e.Nationalities, countryOf(n))
		}
	}
	for _, b := range ind.BirthPlaces {
		town, country := cleanSpace(b.Town), cleanSpace(b.Country)
		if town != "" || country != "" {
			e.BirthPlaces = appendUnique(e.BirthPlaces, Place{Text: town, City: town, Country: country, CountryCode: CountryCode(country)})
		}
	}
	for _, n := range ind.Passports {
		if n = cleanSpace(n); n != "" {
			e.Documents = appendUnique(e.Documents, Document{Type: "Passport", Number: n})
		}
	}
	for _, n := range ind.NationalIDs {
		if n = cleanSpace(n); n != "" {
			e.Documents = appendUnique(e.Documents, Document{Type: "National identification number", Number: n})
		}
	}
	for _, p := range ind.Positions {
		if p = cleanSpace(p); p != "" {
			positions = appendUnique(positions, p)
		}
	}
	return positions
}

// place joins the address lines; the lines carry no fixed meaning (a city
// is on line 5 or 6 or not at all), so City is left empty.
func (a ukAddress) place() (Place, bool) {
	text := joinNonEmpty(", ", a.Line1, a.Line2, a.Line3, a.Line4, a.Line5, a.Line6, a.PostalCode)
	country := cleanSpace(a.Country)
	if text == "" && country == "" {
		return Place{}, false
	}
	return Place{Text: text, Country: country, CountryCode: CountryCode(country)}, true
}

// ukDate reads the list's dd/mm/yyyy dates, in which unknown parts are
// left as the letters "dd" and "mm" (or zeros): "dd/mm/1945" is a year,
// "dd/07/1960" a month. A day without a month is not kept.
func ukDate(s string) (Date, bool) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	if len(parts) != 3 {
		return Date{}, false
	}
	y, ok := year(strings.TrimSpace(parts[2]))
	if !ok {
		return Date{}, false
	}
	d := Date{Year: y, Precision: PrecisionYear}
	month, day := strings.TrimSpace(parts[1]), strings.TrimSpace(parts[0])
	if ukUnknownPart(month) {
		return d, true
	}
	m, ok := intIn(month, 1, 12)
	if !ok {
		return Date{}, false
	}
	d.Month, d.Precision = m, PrecisionMonth
	if ukUnknownPart(day) {
		return d, true
	}
	dd, ok := intIn(day, 1, 31)
	if !ok {
		return Date{}, false
	}
	d.Day, d.Precision = dd, PrecisionDay
	return d, true
}

// ukUnknownPart reports whether a day or month is left unknown: "dd",
// "mm", "00" or empty.
func ukUnknownPart(s string) bool {
	return strings.Trim(strings.ToLower(s), "dm0") == ""
}
