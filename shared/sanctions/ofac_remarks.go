package sanctions

import (
	"strconv"
	"strings"
)

// RemarkFields are the structured facts OFAC publishes inside the free-text
// remarks column of sdn.csv, separated by ";".
type RemarkFields struct {
	BirthDates    []Date
	BirthPlaces   []Place
	Nationalities []Country
	Citizenships  []Country
	Gender        string
	Documents     []Document
	Crypto        []CryptoAddress
	Aliases       []Name // a.k.a. 'X' in remarks: OFAC's weak aliases
	Other         []string
}

// documentPrefixes are the remark labels that introduce an identity
// document number. Longest first so that "Passport No." wins over "Passport".
var documentPrefixes = []string{
	"National Foreign ID Number", "Citizen's Card Number", "Birth Certificate Number",
	"Business Registration Number", "Registration Number", "Registration ID",
	"Identification Number", "National ID No.", "Tax ID No.", "Passport",
	"Cedula No.", "D.N.I.", "SSN", "RFC", "CURP", "NIT #", "Residency Number",
	"Driver's License No.", "Electoral Registry No.", "Personal ID Card",
	"Public Security and Immigration No.", "C.U.I.T.", "Kenyan ID No.",
	"Trade License No.", "Commercial Registry Number", "Company Number",
	"Unified Social Credit Code", "Legal Entity Number", "C.R. No.",
	"Vessel Registration Identification", "MMSI", "Aircraft Tail Number",
}

// ParseOFACRemarks extracts structured fields from an OFAC remarks string.
// Unknown segments are returned in Other, untouched.
func ParseOFACRemarks(remarks string) RemarkFields {
	var f RemarkFields
	for _, seg := range splitRemarks(remarks) {
		parseRemarkSegment(&f, seg)
	}
	return f
}

// splitRemarks splits on ";" outside single-quoted alias names.
func splitRemarks(s string) []string {
	var out []string
	start := 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			// An apostrophe opens a quote only after "a.k.a. " style labels
			// and closes before ";" / "." / end; inside names (O'BRIEN) it
			// is followed by a letter, so track only label-opened quotes.
			if !inQuote && i >= 2 && strings.HasSuffix(s[:i], ". ") {
				inQuote = true
			} else if inQuote && (i+1 == len(s) || s[i+1] == ';' || s[i+1] == '.') {
				inQuote = false
			}
		case ';':
			if !inQuote {
				out = appendSeg(out, s[start:i])
				start = i + 1
			}
		}
	}
	return appendSeg(out, s[start:])
}

func appendSeg(out []string, seg string) []string {
	seg = strings.TrimSpace(seg)
	seg = strings.TrimSuffix(seg, ".")
	if seg == "" || seg == "-0-" {
		return out
	}
	return append(out, seg)
}

func parseRemarkSegment(f *RemarkFields, seg string) {
	s := strings.TrimPrefix(seg, "alt. ")
	switch {
	case strings.HasPrefix(s, "DOB "):
		if d, ok := ParseOFACDate(s[4:]); ok {
			f.BirthDates = append(f.BirthDates, d)
			return
		}
	case strings.HasPrefix(s, "POB "):
		f.BirthPlaces = append(f.BirthPlaces, placeFromText(s[4:]))
		return
	case strings.HasPrefix(s, "nationality "):
		f.Nationalities = append(f.Nationalities, countryOf(s[len("nationality "):]))
		return
	case strings.HasPrefix(s, "citizen "):
		f.Citizenships = append(f.Citizenships, countryOf(s[len("citizen "):]))
		return
	case strings.HasPrefix(s, "Gender "):
		f.Gender = strings.TrimSpace(s[len("Gender "):])
		return
	case strings.HasPrefix(s, "Digital Currency Address - "):
		if c, ok := parseCryptoRemark(s[len("Digital Currency Address - "):]); ok {
			f.Crypto = append(f.Crypto, c)
			return
		}
	case strings.HasPrefix(s, "a.k.a. "), strings.HasPrefix(s, "f.k.a. "), strings.HasPrefix(s, "n.k.a. "):
		if n, ok := parseRemarkAlias(s); ok {
			f.Aliases = append(f.Aliases, n)
			return
		}
	}
	if d, ok := parseDocumentRemark(s); ok {
		f.Documents = append(f.Documents, d)
		return
	}
	f.Other = append(f.Other, seg)
}

func parseRemarkAlias(s string) (Name, bool) {
	kind := NameAlias
	switch s[:7] {
	case "f.k.a. ":
		kind = NameFormerly
	case "n.k.a. ":
		kind = NameNowKnown
	}
	rest := strings.TrimSpace(s[7:])
	rest = strings.TrimSuffix(rest, ".")
	if len(rest) >= 2 && rest[0] == '\'' && rest[len(rest)-1] == '\'' {
		rest = rest[1 : len(rest)-1]
	}
	rest = cleanSpace(rest)
	if rest == "" {
		return Name{}, false
	}
	return Name{Full: rest, Kind: kind, Weak: true}, true
}

// parseCryptoRemark reads "XBT 1AjZPMsnmpd..." (asset, space, address).
func parseCryptoRemark(s string) (CryptoAddress, bool) {
	fields := strings.Fields(s)
	if len(fields) < 2 {
		return CryptoAddress{}, false
	}
	return CryptoAddress{Asset: strings.ToUpper(fields[0]), Address: fields[1]}, true
}

// parseDocumentRemark reads "Passport T14553558 (Iran) issued 28 Oct 2008".
func parseDocumentRemark(s string) (Document, bool) {
	for _, p := range documentPrefixes {
		if !strings.HasPrefix(s, p+" ") {
			continue
		}
		rest := strings.TrimSpace(s[len(p)+1:])
		num := rest
		country := ""
		if i := strings.Index(rest, " ("); i >= 0 {
			num = rest[:i]
			if j := strings.IndexByte(rest[i:], ')'); j > 0 {
				country = rest[i+2 : i+j]
			}
		} else if i := strings.Index(rest, " issued"); i >= 0 {
			num = rest[:i]
		}
		num = strings.TrimSpace(num)
		if num == "" {
			return Document{}, false
		}
		return Document{Type: p, Number: num, Country: country, CountryCode: CountryCode(country)}, true
	}
	return Document{}, false
}

func placeFromText(s string) Place {
	s = cleanSpace(s)
	p := Place{Text: s}
	parts := strings.Split(s, ",")
	last := strings.TrimSpace(parts[len(parts)-1])
	if code := CountryCode(last); code != "" {
		p.Country, p.CountryCode = last, code
		if len(parts) > 1 {
			p.City = strings.TrimSpace(parts[0])
		}
	} else {
		p.City = strings.TrimSpace(parts[0])
	}
	return p
}

func countryOf(s string) Country {
	s = cleanSpace(s)
	return Country{Name: s, Code: CountryCode(s)}
}

var monthAbbrev = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// ParseOFACDate parses OFAC date notations: "25 Mar 1977", "Mar 1977",
// "1977", "circa 1960", "1960 to 1962", "01 Jan 1960 to 31 Dec 1962".
func ParseOFACDate(s string) (Date, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
	circa := false
	if rest, ok := strings.CutPrefix(s, "circa "); ok {
		circa, s = true, rest
	}
	if from, to, ok := strings.Cut(s, " to "); ok {
		a, okA := parseSingleDate(from)
		b, okB := parseSingleDate(to)
		if !okA || !okB || b.Year < a.Year {
			return Date{}, false
		}
		if a.Year == b.Year && a == b {
			a.Circa = circa
			return a, true
		}
		return Date{Year: a.Year, ToYear: b.Year, Precision: PrecisionYear, Circa: circa}, true
	}
	d, ok := parseSingleDate(s)
	d.Circa = circa
	return d, ok
}

func parseSingleDate(s string) (Date, bool) {
	f := strings.Fields(s)
	switch len(f) {
	case 1:
		y, ok := year(f[0])
		return Date{Year: y, Precision: PrecisionYear}, ok
	case 2:
		m, okM := monthAbbrev[strings.ToLower(f[0])]
		y, okY := year(f[1])
		return Date{Year: y, Month: m, Precision: PrecisionMonth}, okM && okY
	case 3:
		d, err := strconv.Atoi(f[0])
		m, okM := monthAbbrev[strings.ToLower(f[1])]
		y, okY := year(f[2])
		if err != nil || d < 1 || d > 31 || !okM || !okY {
			return Date{}, false
		}
		return Date{Year: y, Month: m, Day: d, Precision: PrecisionDay}, true
	}
	return Date{}, false
}

func year(s string) (int, bool) {
	y, err := strconv.Atoi(s)
	if err != nil || y < 1800 || y > 2200 {
		return 0, false
	}
	return y, true
}
