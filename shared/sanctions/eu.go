package sanctions

import (
	"io"
	"io/fs"
	"path"
	"strings"
)

// File names of the EU consolidated financial sanctions list (FSF, XML
// export format 1.1) in a folder. EUFileName is the short name of our
// fixtures; EUExportFilePattern (a path.Match pattern) is the name the
// official download carries (Content-Disposition of
// .../fsf/public/files/xmlFullSanctionsList_1_1/content), for example
// "20260805-FULL-1_1(xsd).xml". A folder must hold exactly one of them.
const (
	EUFileName          = "fsf.xml"
	EUExportFilePattern = "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-FULL-1_1(xsd).xml"
)

// euFormat is the FSF XML export: <export> of <sanctionEntity>.
var euFormat = xmlListFormat{root: "export", namespace: "http://eu.europa.ec/fpi/fsd/export", item: "sanctionEntity"}

type euEntity struct {
	LogicalID       string         `xml:"logicalId,attr"`
	Reference       string         `xml:"euReferenceNumber,attr"`
	UNID            string         `xml:"unitedNationId,attr"`
	DesignationDate string         `xml:"designationDate,attr"`
	Remarks         []string       `xml:"remark"`
	Regulations     []euRegulation `xml:"regulation"`
	SubjectType     euSubjectType  `xml:"subjectType"`
	Names           []euName       `xml:"nameAlias"`
	Citizenships    []euCountry    `xml:"citizenship"`
	Births          []euBirth      `xml:"birthdate"`
	Addresses       []euAddress    `xml:"address"`
	Identifications []euIdentity   `xml:"identification"`
}

type euRegulation struct {
	Programme       string `xml:"programme,attr"`
	PublicationDate string `xml:"publicationDate,attr"`
}

type euSubjectType struct {
	Code string `xml:"code,attr"`
}

type euName struct {
	Whole    string   `xml:"wholeName,attr"`
	First    string   `xml:"firstName,attr"`
	Middle   string   `xml:"middleName,attr"`
	Last     string   `xml:"lastName,attr"`
	Function string   `xml:"function,attr"`
	Gender   string   `xml:"gender,attr"`
	Language string   `xml:"nameLanguage,attr"`
	Strong   string   `xml:"strong,attr"`
	Remarks  []string `xml:"remark"`
}

type euCountry struct {
	Code        string `xml:"countryIso2Code,attr"`
	Description string `xml:"countryDescription,attr"`
}

type euBirth struct {
	euCountry
	Circa     string `xml:"circa,attr"`
	Calendar  string `xml:"calendarType,attr"`
	Date      string `xml:"birthdate,attr"`
	Day       string `xml:"dayOfMonth,attr"`
	Month     string `xml:"monthOfYear,attr"`
	Year      string `xml:"year,attr"`
	YearFrom  string `xml:"yearRangeFrom,attr"`
	YearTo    string `xml:"yearRangeTo,attr"`
	City      string `xml:"city,attr"`
	Region    string `xml:"region,attr"`
	PlaceName string `xml:"place,attr"`
}

type euAddress struct {
	euCountry
	Street    string `xml:"street,attr"`
	POBox     string `xml:"poBox,attr"`
	Zip       string `xml:"zipCode,attr"`
	City      string `xml:"city,attr"`
	Region    string `xml:"region,attr"`
	PlaceName string `xml:"place,attr"`
}

type euIdentity struct {
	euCountry
	Number      string `xml:"number,attr"`
	LatinNumber string `xml:"latinNumber,attr"`
	TypeCode    string `xml:"identificationTypeCode,attr"`
	TypeText    string `xml:"identificationTypeDescription,attr"`
}

// EUParser parses a folder holding the EU consolidated financial sanctions
// list (see EUFileName and EUExportFilePattern).
type EUParser struct{}

// Source implements Parser.
func (EUParser) Source() Source { return SourceEU }

// Parse implements Parser.
func (EUParser) Parse(fsys fs.FS) (*List, error) { return ParseEUDir(fsys) }

// IsEUFileName reports whether a file name is one ParseEUDir reads.
func IsEUFileName(name string) bool {
	if name == EUFileName {
		return true
	}
	ok, _ := path.Match(EUExportFilePattern, name)
	return ok
}

// ParseEUDir parses the one EU list file of a folder, streaming it, and
// records its checksum.
func ParseEUDir(fsys fs.FS) (*List, error) {
	name, err := pickListFile(fsys, "EU list", IsEUFileName)
	if err != nil {
		return nil, err
	}
	return parseListFile(fsys, name, ParseEU)
}

// ParseEU streams the EU FSF XML export, decoding one sanctionEntity at a
// time. Entities without an id or a name, and repeated ids, are skipped
// and counted; a file that is not an FSF export is ErrFormat.
func ParseEU(r io.Reader) (*List, error) {
	return streamEntities(r, SourceEU, euFormat, "EU", euToEntity)
}

func euToEntity(rec *euEntity) (Entity, bool) {
	e := Entity{
		ID:        cleanSpace(rec.LogicalID),
		Source:    SourceEU,
		Reference: cleanSpace(rec.Reference),
		ListedOn:  euListedOn(rec),
	}
	switch strings.ToLower(cleanSpace(rec.SubjectType.Code)) {
	case "person":
		e.Type = TypePerson
	case "enterprise":
		e.Type = TypeOrganisation
	}
	// A subject of unknown type is still screened by name: dropping it
	// would hide a listed subject.
	var notes []string
	e.Names, e.Gender, notes = euNames(rec.Names)
	if e.ID == "" || len(e.Names) == 0 {
		return Entity{}, false
	}
	var remarks []string
	for _, r := range rec.Remarks {
		// "none" is how the export fills an empty remark.
		if r = cleanSpace(r); r != "" && !strings.EqualFold(r, "none") {
			remarks = appendUnique(remarks, r)
		}
	}
	for _, n := range notes {
		remarks = appendUnique(remarks, n)
	}
	if un := cleanSpace(rec.UNID); un != "" {
		remarks = append(remarks, "UN reference: "+un)
		if e.Reference == "" {
			e.Reference = un
		}
	}
	e.Remarks = strings.Join(remarks, "; ")
	for _, reg := range rec.Regulations {
		if p := cleanSpace(reg.Programme); p != "" {
			e.Programs = appendUnique(e.Programs, p)
		}
	}
	for _, c := range rec.Citizenships {
		if country, ok := c.country(); ok {
			e.Citizenships = appendUnique(e.Citizenships, country)
		}
	}
	for _, b := range rec.Births {
		if d, ok := b.date(); ok {
			e.BirthDates = appendUnique(e.BirthDates, d)
		}
		if p, ok := b.place(); ok {
			e.BirthPlaces = appendUnique(e.BirthPlaces, p)
		}
	}
	for _, a := range rec.Addresses {
		if p, ok := a.place(); ok {
			e.Addresses = appendUnique(e.Addresses, p)
		}
	}
	for _, id := range rec.Identifications {
		if d, ok := id.document(); ok {
			e.Documents = appendUnique(e.Documents, d)
		}
	}
	return e, true
}

// euListedOn is the designation date, or else the earliest publication
// date of the legal acts cited: the export leaves designationDate empty on
// many old entries, whose listing act is then the earliest one.
func euListedOn(rec *euEntity) string {
	if d, ok := ParseISODate(rec.DesignationDate); ok && d.Precision == PrecisionDay {
		return d.String()
	}
	earliest := ""
	for _, reg := range rec.Regulations {
		d, ok := ParseISODate(reg.PublicationDate)
		if !ok || d.Precision != PrecisionDay {
			continue
		}
		if s := d.String(); earliest == "" || s < earliest {
			earliest = s
		}
	}
	return earliest
}

// euNames turns the name aliases into names, the primary first, and
// collects the gender, the functions and the remarks written on them. The
// export marks no primary name; the primary is the first alias that passes
// the most of these tests: strong, in Latin script, in English or of no
// stated language, not remarked as an alias of the UN's "good/low quality"
// kind (on UN-derived entries the UN's primary name carries no such
// remark). Weak aliases are those with strong="false" and those remarked
// as "low quality" (UN-derived entries carry the UN's alias quality only
// in a remark).
func euNames(aliases []euName) (names []Name, gender string, notes []string) {
	var cands []Name
	var rank []int
	for _, a := range aliases {
		full := cleanSpace(a.Whole)
		if full == "" {
			full = joinNonEmpty(" ", a.First, a.Middle, a.Last)
		}
		if full == "" {
			continue
		}
		quality, weak := euAliasQuality(a)
		n := Name{Full: full, Kind: NameAlias, Weak: weak}
		switch {
		case !isLatinScript(full):
			n.Kind = NameOriginalScript
		case euFormerName(a):
			n.Kind = NameFormerly
		}
		cands = append(cands, n)
		rank = append(rank, euPrimaryRank(n, a.Language, quality))
		if gender == "" {
			gender = euGender(a.Gender)
		}
		if f := cleanSpace(a.Function); f != "" {
			notes = appendUnique(notes, "Function: "+f)
		}
		for _, r := range a.Remarks {
			if r = cleanSpace(r); r != "" && !euQualityRemark(r) {
				notes = appendUnique(notes, r)
			}
		}
	}
	if len(cands) == 0 {
		return nil, gender, notes
	}
	primary := 0
	for i := range cands {
		if rank[i] > rank[primary] {
			primary = i
		}
	}
	p := cands[primary]
	p.Kind = NamePrimary
	names = []Name{p}
	for i, n := range cands {
		if i != primary {
			names = appendName(names, n)
		}
	}
	return names, gender, notes
}

// euPrimaryRank scores how well an alias fits as the primary name; the
// tests are ordered, so a strong name always beats a weak one.
func euPrimaryRank(n Name, lang string, qualityRemark bool) int {
	rank := 0
	for _, ok := range []bool{
		!n.Weak,
		n.Kind == NameAlias, // Latin script, not a former name
		lang == "" || strings.EqualFold(strings.TrimSpace(lang), "EN"),
		!qualityRemark,
	} {
		rank <<= 1
		if ok {
			rank |= 1
		}
	}
	return rank
}

// euAliasQuality reports whether an alias carries a UN alias-quality
// remark ("good quality alias", "low quality alias") and whether it is weak.
func euAliasQuality(a euName) (qualityRemark, weak bool) {
	weak = strings.EqualFold(strings.TrimSpace(a.Strong), "false")
	for _, r := range a.Remarks {
		if !euQualityRemark(r) {
			continue
		}
		qualityRemark = true
		if strings.HasPrefix(strings.ToLower(cleanSpace(r)), "low quality") {
			weak = true
		}
	}
	return qualityRemark, weak
}

// euFormerName reports whether an alias is remarked as a former name
// ("former name of Sovcombank").
func euFormerName(a euName) bool {
	for _, r := range a.Remarks {
		if strings.HasPrefix(strings.ToLower(cleanSpace(r)), "former name") {
			return true
		}
	}
	return false
}

// euQualityRemark matches the export's "good quality alias" and "low
// quality alias" remarks, misspellings ("aliias") included.
func euQualityRemark(r string) bool {
	r = strings.ToLower(cleanSpace(r))
	return strings.HasPrefix(r, "good quality ali") || strings.HasPrefix(r, "low quality ali")
}

func euGender(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "M":
		return "Male"
	case "F":
		return "Female"
	}
	return ""
}

// country reads an EU country reference. "00" / "UNKNOWN" is the
// export's way of saying there is none.
func (c euCountry) country() (Country, bool) {
	name := cleanSpace(c.Description)
	if strings.EqualFold(name, "unknown") {
		name = ""
	}
	code := CountryCode(c.Code)
	if code == "" {
		code = CountryCode(name)
	}
	if name == "" && code == "" {
		return Country{}, false
	}
	return Country{Name: name, Code: code}, true
}

// date reads a date of birth: a full date, a year with or without month
// and day, or a range of years, possibly circa. Dates in another calendar
// than the Gregorian are kept only through the Gregorian date the export
// gives beside them (birthdate); their own year, month and day are not
// comparable with a customer's date of birth.
func (b euBirth) date() (Date, bool) {
	circa := strings.EqualFold(strings.TrimSpace(b.Circa), "true")
	if d, ok := ParseISODate(b.Date); ok {
		d.Circa = circa
		return d, true
	}
	if cal := strings.TrimSpace(b.Calendar); cal != "" && !strings.EqualFold(cal, "GREGORIAN") {
		return Date{}, false
	}
	from, okFrom := year(strings.TrimSpace(b.YearFrom))
	to, okTo := year(strings.TrimSpace(b.YearTo))
	switch {
	case okFrom && okTo && from < to:
		return Date{Year: from, ToYear: to, Precision: PrecisionYear, Circa: circa}, true
	case okFrom && okTo && from == to:
		return Date{Year: from, Precision: PrecisionYear, Circa: circa}, true
	case okFrom != okTo:
		return Date{Year: max(from, to), Precision: PrecisionYear, Circa: circa}, true
	}
	y, ok := year(strings.TrimSpace(b.Year))
	if !ok {
		return Date{}, false
	}
	d := Date{Year: y, Precision: PrecisionYear, Circa: circa}
	if m, ok := intIn(b.Month, 1, 12); ok {
		d.Month, d.Precision = m, PrecisionMonth
		if day, ok := intIn(b.Day, 1, 31); ok {
			d.Day, d.Precision = day, PrecisionDay
		}
	}
	return d, true
}

func (b euBirth) place() (Place, bool) {
	c, _ := b.country()
	text := joinNonEmpty(", ", b.PlaceName, b.City, b.Region)
	if text == "" && c.Name == "" && c.Code == "" {
		return Place{}, false
	}
	return Place{Text: text, City: cleanSpace(b.City), Country: c.Name, CountryCode: c.Code}, true
}

func (a euAddress) place() (Place, bool) {
	c, _ := a.country()
	pobox := cleanSpace(a.POBox)
	if pobox != "" {
		pobox = "PO Box " + pobox
	}
	text := joinNonEmpty(", ", a.Street, pobox, a.Zip, a.City, a.Region, a.PlaceName)
	if text == "" && c.Name == "" && c.Code == "" {
		return Place{}, false
	}
	return Place{Text: text, City: cleanSpace(a.City), Country: c.Name, CountryCode: c.Code}, true
}

// document reads an identification. The export writes "-" for a number it
// does not know; the Latin transliteration stands in for a missing number.
func (id euIdentity) document() (Document, bool) {
	num := cleanSpace(id.Number)
	if strings.Trim(num, "-") == "" {
		num = cleanSpace(id.LatinNumber)
	}
	if strings.Trim(num, "-") == "" {
		return Document{}, false
	}
	typ := cleanSpace(id.TypeText)
	if typ == "" {
		typ = cleanSpace(id.TypeCode)
	}
	c, _ := id.country()
	return Document{Type: typ, Number: num, Country: c.Name, CountryCode: c.Code}, true
}

// intIn parses s as an integer within [lo, hi].
func intIn(s string, lo, hi int) (int, bool) {
	var n int
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 4 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, n >= lo && n <= hi
}
