package sanctions

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode/utf8"
)

// OFAC CSV file names inside a publication folder.
const (
	OFACFileSDN      = "sdn.csv"
	OFACFileAlt      = "alt.csv"
	OFACFileAdd      = "add.csv"
	OFACFileComments = "sdn_comments.csv"
)

// OFACFiles are the readers of one OFAC CSV publication. Only SDN is
// required; OFAC sometimes publishes sdn.csv alone.
type OFACFiles struct {
	SDN, Alt, Add, Comments io.Reader
}

// ParseOFACDir parses an OFAC CSV set from a folder (os.DirFS or an
// embedded FS) and records the checksum of every file read.
func ParseOFACDir(fsys fs.FS) (*List, error) {
	files := map[string][]byte{}
	for _, name := range []string{OFACFileSDN, OFACFileAlt, OFACFileAdd, OFACFileComments} {
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) && name != OFACFileSDN {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read OFAC %s: %w", name, err)
		}
		files[name] = b
	}
	in := OFACFiles{SDN: bytes.NewReader(files[OFACFileSDN])}
	if b, ok := files[OFACFileAlt]; ok {
		in.Alt = bytes.NewReader(b)
	}
	if b, ok := files[OFACFileAdd]; ok {
		in.Add = bytes.NewReader(b)
	}
	if b, ok := files[OFACFileComments]; ok {
		in.Comments = bytes.NewReader(b)
	}
	l, err := ParseOFAC(in)
	if err != nil {
		return nil, err
	}
	for name, b := range files {
		l.Checksums[name] = checksum(b)
	}
	return l, nil
}

// ParseOFAC parses an OFAC SDN CSV set. Rows that cannot be read are
// skipped and counted in List.Skipped; a broken SDN file is an error.
func ParseOFAC(in OFACFiles) (*List, error) {
	if in.SDN == nil {
		return nil, fmt.Errorf("parse OFAC: %w", ErrMissingFile)
	}
	l := newList(SourceOFAC)
	byID := map[string]*Entity{}
	remarks := map[string]string{}
	var order []string

	err := readCSV(in.SDN, func(rec []string) error {
		if len(rec) < 2 || ofacEmpty(rec[0]) == "" || ofacEmpty(rec[1]) == "" {
			l.Skipped++
			return nil
		}
		e := &Entity{ID: ofacEmpty(rec[0]), Source: SourceOFAC}
		e.Names = []Name{{Full: cleanSpace(ofacEmpty(rec[1])), Kind: NamePrimary}}
		e.Type = ofacType(field(rec, 2))
		e.Programs = ofacPrograms(field(rec, 3))
		if cs := field(rec, 5); cs != "" {
			e.Documents = append(e.Documents, Document{Type: "Call Sign", Number: cs})
		}
		if flag := field(rec, 9); flag != "" {
			e.Addresses = append(e.Addresses, Place{Text: "vessel flag", Country: flag, CountryCode: CountryCode(flag)})
		}
		if _, dup := byID[e.ID]; dup {
			l.Skipped++
			return nil
		}
		byID[e.ID] = e
		order = append(order, e.ID)
		remarks[e.ID] = field(rec, 11)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("parse OFAC %s: %w", OFACFileSDN, err)
	}

	// sdn_comments.csv continues remarks that did not fit in sdn.csv.
	if in.Comments != nil {
		err := readCSV(in.Comments, func(rec []string) error {
			id := field(rec, 0)
			if _, ok := byID[id]; !ok || len(rec) < 2 {
				l.Skipped++
				return nil
			}
			remarks[id] += field(rec, 1)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("parse OFAC %s: %w", OFACFileComments, err)
		}
	}
	for id, r := range remarks {
		applyRemarks(byID[id], r)
	}

	if in.Alt != nil {
		err := readCSV(in.Alt, func(rec []string) error {
			e, ok := byID[field(rec, 0)]
			name := cleanSpace(field(rec, 3))
			if !ok || name == "" {
				l.Skipped++
				return nil
			}
			kind := NameAlias
			switch strings.ToLower(field(rec, 2)) {
			case "fka":
				kind = NameFormerly
			case "nka":
				kind = NameNowKnown
			}
			weak := strings.Contains(strings.ToLower(field(rec, 4)), "weak")
			e.Names = appendName(e.Names, Name{Full: name, Kind: kind, Weak: weak})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("parse OFAC %s: %w", OFACFileAlt, err)
		}
	}

	if in.Add != nil {
		err := readCSV(in.Add, func(rec []string) error {
			e, ok := byID[field(rec, 0)]
			if !ok {
				l.Skipped++
				return nil
			}
			addr, city, country := field(rec, 2), field(rec, 3), field(rec, 4)
			if addr == "" && city == "" && country == "" {
				return nil
			}
			text := strings.Trim(strings.Join([]string{addr, city}, ", "), ", ")
			e.Addresses = append(e.Addresses, Place{Text: text, City: city, Country: country, CountryCode: CountryCode(country)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("parse OFAC %s: %w", OFACFileAdd, err)
		}
	}

	l.Entities = make([]Entity, 0, len(order))
	for _, id := range order {
		l.Entities = append(l.Entities, *byID[id])
	}
	return l, nil
}

func applyRemarks(e *Entity, remarks string) {
	e.Remarks = remarks
	f := ParseOFACRemarks(remarks)
	e.BirthDates = append(e.BirthDates, f.BirthDates...)
	e.BirthPlaces = append(e.BirthPlaces, f.BirthPlaces...)
	e.Nationalities = append(e.Nationalities, f.Nationalities...)
	e.Citizenships = append(e.Citizenships, f.Citizenships...)
	e.Documents = append(e.Documents, f.Documents...)
	e.Crypto = append(e.Crypto, f.Crypto...)
	e.Gender = f.Gender
	for _, n := range f.Aliases {
		e.Names = appendName(e.Names, n)
	}
}

// appendName adds n unless the same name is already there; a strong
// duplicate replaces a weak one.
func appendName(names []Name, n Name) []Name {
	for i, old := range names {
		if strings.EqualFold(old.Full, n.Full) {
			if old.Weak && !n.Weak {
				names[i].Weak = false
			}
			return names
		}
	}
	return append(names, n)
}

func ofacType(s string) EntityType {
	switch strings.ToLower(s) {
	case "individual":
		return TypePerson
	case "vessel":
		return TypeVessel
	case "aircraft":
		return TypeAircraft
	}
	return TypeOrganisation
}

// ofacPrograms splits "SDGT] [IFSR" (the CSV keeps inner brackets only).
func ofacPrograms(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "]") {
		p = strings.TrimSpace(strings.Trim(strings.TrimSpace(p), "[]"))
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func ofacEmpty(s string) string {
	s = strings.TrimSpace(s)
	if s == "-0-" {
		return ""
	}
	return s
}

func field(rec []string, i int) string {
	if i >= len(rec) {
		return ""
	}
	return ofacEmpty(rec[i])
}

// readCSV streams records from an OFAC CSV file. OFAC files end with a DOS
// EOF byte (0x1A) and may be Latin-1; both are tolerated.
func readCSV(r io.Reader, fn func([]string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue
			}
			return err
		}
		if len(rec) == 1 && strings.Trim(rec[0], "\x1a \r\n") == "" {
			continue
		}
		for i, f := range rec {
			if !utf8.ValidString(f) {
				rec[i] = latin1ToUTF8(f)
			}
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func latin1ToUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}
