package sanctions

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// UNFileName is the file name of the UN consolidated list in a folder.
const UNFileName = "UN_consolidated.xml"

type unRecord struct {
	DataID         string      `xml:"DATAID"`
	First          string      `xml:"FIRST_NAME"`
	Second         string      `xml:"SECOND_NAME"`
	Third          string      `xml:"THIRD_NAME"`
	Fourth         string      `xml:"FOURTH_NAME"`
	ListType       string      `xml:"UN_LIST_TYPE"`
	Reference      string      `xml:"REFERENCE_NUMBER"`
	ListedOn       string      `xml:"LISTED_ON"`
	Gender         string      `xml:"GENDER"`
	Comments       string      `xml:"COMMENTS1"`
	Nationality    []string    `xml:"NATIONALITY>VALUE"`
	OriginalScript []string    `xml:"NAME_ORIGINAL_SCRIPT"`
	IndAliases     []unAlias   `xml:"INDIVIDUAL_ALIAS"`
	EntAliases     []unAlias   `xml:"ENTITY_ALIAS"`
	IndAddresses   []unAddress `xml:"INDIVIDUAL_ADDRESS"`
	EntAddresses   []unAddress `xml:"ENTITY_ADDRESS"`
	DOBs           []unDOB     `xml:"INDIVIDUAL_DATE_OF_BIRTH"`
	POBs           []unAddress `xml:"INDIVIDUAL_PLACE_OF_BIRTH"`
	Documents      []unDoc     `xml:"INDIVIDUAL_DOCUMENT"`
}

type unAlias struct {
	Quality string `xml:"QUALITY"`
	Name    string `xml:"ALIAS_NAME"`
}

type unAddress struct {
	Street  string `xml:"STREET"`
	City    string `xml:"CITY"`
	State   string `xml:"STATE_PROVINCE"`
	Zip     string `xml:"ZIP_CODE"`
	Country string `xml:"COUNTRY"`
	Note    string `xml:"NOTE"`
}

type unDOB struct {
	Type     string `xml:"TYPE_OF_DATE"`
	Date     string `xml:"DATE"`
	Year     string `xml:"YEAR"`
	FromYear string `xml:"FROM_YEAR"`
	ToYear   string `xml:"TO_YEAR"`
}

type unDoc struct {
	Type           string `xml:"TYPE_OF_DOCUMENT"`
	Type2          string `xml:"TYPE_OF_DOCUMENT2"`
	Number         string `xml:"NUMBER"`
	IssuingCountry string `xml:"ISSUING_COUNTRY"`
	CountryOfIssue string `xml:"COUNTRY_OF_ISSUE"`
}

// ParseUNDir parses UN_consolidated.xml from a folder.
func ParseUNDir(fsys fs.FS) (*List, error) {
	b, err := fs.ReadFile(fsys, UNFileName)
	if err != nil {
		return nil, fmt.Errorf("read UN list: %w", err)
	}
	l, err := ParseUN(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	l.Checksums[UNFileName] = checksum(b)
	return l, nil
}

// ParseUN streams the UN consolidated XML, decoding one INDIVIDUAL or
// ENTITY element at a time.
func ParseUN(r io.Reader) (*List, error) {
	l := newList(SourceUN)
	dec := xml.NewDecoder(r)
	dec.Strict = false
	seen := map[string]bool{}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse UN XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || (se.Name.Local != "INDIVIDUAL" && se.Name.Local != "ENTITY") {
			continue
		}
		var rec unRecord
		if err := dec.DecodeElement(&rec, &se); err != nil {
			return nil, fmt.Errorf("parse UN XML %s: %w", se.Name.Local, err)
		}
		e, ok := unEntity(&rec, se.Name.Local == "INDIVIDUAL")
		if !ok || seen[e.ID] {
			l.Skipped++
			continue
		}
		seen[e.ID] = true
		l.Entities = append(l.Entities, e)
	}
	return l, nil
}

func unEntity(rec *unRecord, individual bool) (Entity, bool) {
	e := Entity{
		ID:        strings.TrimSpace(rec.DataID),
		Source:    SourceUN,
		Type:      TypeOrganisation,
		Gender:    strings.TrimSpace(rec.Gender),
		ListedOn:  strings.TrimSpace(rec.ListedOn),
		Reference: strings.TrimSpace(rec.Reference),
		Remarks:   cleanSpace(rec.Comments),
	}
	if individual {
		e.Type = TypePerson
	}
	// UN writes given names first and the family name last; commas inside
	// a name part carry no ordering meaning.
	primary, acronym := unPrimaryName(rec.First, rec.Second, rec.Third, rec.Fourth)
	if e.ID == "" || primary == "" {
		return Entity{}, false
	}
	e.Names = []Name{{Full: primary, Kind: NamePrimary}}
	if acronym != "" {
		e.Names = appendName(e.Names, Name{Full: acronym, Kind: NameAlias})
	}
	if lt := strings.TrimSpace(rec.ListType); lt != "" {
		e.Programs = []string{lt}
	}
	for _, a := range append(rec.IndAliases, rec.EntAliases...) {
		for _, name := range unAliasNames(a.Name) {
			switch strings.ToLower(strings.TrimSpace(a.Quality)) {
			case "low":
				name.Weak = true
			case "f.k.a.":
				if name.Kind == NameAlias {
					name.Kind = NameFormerly
				}
			}
			e.Names = appendName(e.Names, name)
		}
	}
	for _, s := range rec.OriginalScript {
		if s = cleanSpace(s); s != "" {
			e.Names = appendName(e.Names, Name{Full: s, Kind: NameOriginalScript})
		}
	}
	for _, n := range rec.Nationality {
		if n = cleanSpace(n); n != "" {
			e.Nationalities = append(e.Nationalities, countryOf(n))
		}
	}
	for _, a := range append(rec.IndAddresses, rec.EntAddresses...) {
		if p, ok := unPlace(a); ok {
			e.Addresses = append(e.Addresses, p)
		}
	}
	for _, a := range rec.POBs {
		if p, ok := unPlace(a); ok {
			e.BirthPlaces = append(e.BirthPlaces, p)
		}
	}
	for _, d := range rec.DOBs {
		if date, ok := unDate(d); ok {
			e.BirthDates = append(e.BirthDates, date)
		}
	}
	for _, d := range rec.Documents {
		num := cleanSpace(d.Number)
		if num == "" {
			continue
		}
		typ := cleanSpace(d.Type)
		if t2 := cleanSpace(d.Type2); t2 != "" {
			typ += " (" + t2 + ")"
		}
		c := cleanSpace(d.IssuingCountry)
		if c == "" {
			c = cleanSpace(d.CountryOfIssue)
		}
		e.Documents = append(e.Documents, Document{Type: typ, Number: num, Country: c, CountryCode: CountryCode(c)})
	}
	return e, true
}

func unPlace(a unAddress) (Place, bool) {
	parts := []string{}
	for _, s := range []string{a.Street, a.City, a.State, a.Zip} {
		if s = cleanSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	country := cleanSpace(a.Country)
	if len(parts) == 0 && country == "" {
		return Place{}, false
	}
	return Place{Text: strings.Join(parts, ", "), City: cleanSpace(a.City), Country: country, CountryCode: CountryCode(country)}, true
}

// unDate reads EXACT (DATE or YEAR), APPROXIMATELY (YEAR) and BETWEEN
// (FROM_YEAR, TO_YEAR) dates of birth.
func unDate(d unDOB) (Date, bool) {
	typ := strings.ToUpper(strings.TrimSpace(d.Type))
	if typ == "BETWEEN" {
		from, okF := year(strings.TrimSpace(d.FromYear))
		to, okT := year(strings.TrimSpace(d.ToYear))
		if !okF || !okT || to < from {
			return Date{}, false
		}
		return Date{Year: from, ToYear: to, Precision: PrecisionYear}, true
	}
	circa := typ == "APPROXIMATELY"
	if s := strings.TrimSpace(d.Date); s != "" {
		if date, ok := ParseISODate(s); ok {
			date.Circa = circa
			return date, true
		}
	}
	if y, ok := year(strings.TrimSpace(d.Year)); ok {
		return Date{Year: y, Precision: PrecisionYear, Circa: circa}, true
	}
	return Date{}, false
}

// ParseISODate parses YYYY, YYYY-MM or YYYY-MM-DD (extra text after the
// day, such as a time zone, is ignored).
func ParseISODate(s string) (Date, bool) {
	s = strings.TrimSpace(s)
	parts := strings.SplitN(s, "-", 3)
	y, ok := year(parts[0])
	if !ok {
		return Date{}, false
	}
	d := Date{Year: y, Precision: PrecisionYear}
	if len(parts) >= 2 {
		m, err := strconv.Atoi(parts[1])
		if err != nil || m < 1 || m > 12 {
			return Date{}, false
		}
		d.Month, d.Precision = m, PrecisionMonth
	}
	if len(parts) == 3 {
		ds := parts[2]
		if len(ds) > 2 {
			ds = ds[:2]
		}
		day, err := strconv.Atoi(ds)
		if err != nil || day < 1 || day > 31 {
			return Date{}, false
		}
		d.Day, d.Precision = day, PrecisionDay
	}
	return d, true
}

// unPrimaryName joins the UN's name parts (given names first, the family
// name last; commas inside a part carry no ordering meaning). A part that
// is only "na" is the list's placeholder for a part it does not know
// ("FAIZULLAH KHAN NOORZAI na") and is no word of the name. An
// organisation's name written "AL-ITIHAAD AL-ISLAMIYA / AIAI" is a name
// and its acronym: they are returned apart, so that neither carries the
// other's words.
func unPrimaryName(parts ...string) (name, acronym string) {
	kept := parts[:0:0]
	for _, p := range parts {
		// Lower case only: NA in capitals is a Korean family name (나).
		if t := strings.TrimSpace(p); t != "na" && !strings.EqualFold(t, "n/a") {
			kept = append(kept, t)
		}
	}
	name = cleanSpace(strings.ReplaceAll(strings.Join(kept, " "), ",", " "))
	if i := strings.LastIndex(name, " / "); i > 0 {
		if a := strings.TrimSpace(name[i+3:]); isAcronym(a) {
			return strings.TrimSpace(name[:i]), a
		}
	}
	return name, ""
}

// isAcronym reports whether s is one word of 2 to 8 capital letters.
func isAcronym(s string) bool {
	if n := len(s); n < 2 || n > 8 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
