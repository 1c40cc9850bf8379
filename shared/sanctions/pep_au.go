package sanctions

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode/utf8"
)

// AU PEP file names, as published by the AustralianPoliticians dataset
// (Rohan Alexander, MIT).
const (
	PEPAUFileAll      = "all.csv"
	PEPAUFileMinistry = "ministry.csv"
	PEPAUFileCabinet  = "cabinet.csv"
)

// PEPAUFiles are the readers of one AU publication; all three are required.
type PEPAUFiles struct {
	All, Ministry, Cabinet io.Reader
}

// PEPAUParser parses a folder holding all.csv, ministry.csv and cabinet.csv.
type PEPAUParser struct{}

// Source implements Parser.
func (PEPAUParser) Source() Source { return SourcePEPAU }

// Parse implements Parser.
func (PEPAUParser) Parse(fsys fs.FS) (*List, error) { return ParsePEPAUDir(fsys) }

// ParsePEPAUDir parses the AU PEP files of a folder and records the
// checksum of every file read.
func ParsePEPAUDir(fsys fs.FS) (*List, error) {
	files := map[string][]byte{}
	for _, name := range []string{PEPAUFileAll, PEPAUFileMinistry, PEPAUFileCabinet} {
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read AU PEP %s: %w: %w", name, ErrMissingFile, err)
		}
		if err != nil {
			return nil, fmt.Errorf("read AU PEP %s: %w", name, err)
		}
		files[name] = b
	}
	l, err := ParsePEPAU(PEPAUFiles{
		All:      bytes.NewReader(files[PEPAUFileAll]),
		Ministry: bytes.NewReader(files[PEPAUFileMinistry]),
		Cabinet:  bytes.NewReader(files[PEPAUFileCabinet]),
	})
	if err != nil {
		return nil, err
	}
	for name, b := range files {
		l.Checksums[name] = checksum(b)
	}
	return l, nil
}

// ParsePEPAU parses the AU files. A file without a header holding the
// columns it needs is ErrFormat; rows that cannot be used (no id or name, a
// duplicate id, an appointment of an unknown person) are skipped and counted
// in List.Skipped.
//
// all.csv says whether a person sat in the House, the Senate or both, but
// not when: those positions are undated. Ministry and cabinet appointments
// carry dates.
func ParsePEPAU(in PEPAUFiles) (*List, error) {
	if in.All == nil || in.Ministry == nil || in.Cabinet == nil {
		return nil, fmt.Errorf("parse AU PEP: %w", ErrMissingFile)
	}
	l := newList(SourcePEPAU)
	byID := map[string]int{}
	pm := map[string]bool{} // flagged wasPrimeMinister
	err := readHeaderCSV(in.All, []string{"uniqueID", "surname", "allOtherNames"}, &l.Skipped, func(row csvRow) {
		e, ok := auEntity(row)
		if _, dup := byID[e.ID]; !ok || dup {
			l.Skipped++
			return
		}
		byID[e.ID] = len(l.Entities)
		l.Entities = append(l.Entities, e)
		pm[e.ID] = row.get("wasPrimeMinister") == "1"
	})
	if err != nil {
		return nil, fmt.Errorf("parse AU PEP %s: %w", PEPAUFileAll, err)
	}
	appoint := func(row csvRow, pos Position) {
		i, ok := byID[row.get("uniqueID")]
		if !ok {
			l.Skipped++
			return
		}
		l.Entities[i].Positions = append(l.Entities[i].Positions, pos)
	}
	err = readHeaderCSV(in.Ministry, []string{"uniqueID", "ministry_title", "ministry_from", "ministry_to"}, &l.Skipped, func(row csvRow) {
		appoint(row, auPosition(row.get("ministry_title"), auMinistry(row), row.get("ministry_from"), row.get("ministry_to")))
	})
	if err != nil {
		return nil, fmt.Errorf("parse AU PEP %s: %w", PEPAUFileMinistry, err)
	}
	err = readHeaderCSV(in.Cabinet, []string{"uniqueID", "cabinet_from", "cabinet_to"}, &l.Skipped, func(row csvRow) {
		appoint(row, auPosition("Member of Cabinet", row.get("cabinet"), row.get("cabinet_from"), row.get("cabinet_to")))
	})
	if err != nil {
		return nil, fmt.Errorf("parse AU PEP %s: %w", PEPAUFileCabinet, err)
	}
	// A prime minister whose ministries are not in ministry.csv (the file
	// stops in 2018) keeps the office, undated.
	for i := range l.Entities {
		e := &l.Entities[i]
		if pm[e.ID] && !hasPosition(e, "Prime Minister") {
			e.Positions = append(e.Positions, Position{Title: "Prime Minister", Body: "Australian Government", Country: "AU"})
		}
		// The dataset's id is the surname and the birth year ("Morrison1968"): personal
		// data, and entity ids travel in alerts, webhooks and logs. The id becomes an
		// opaque one; the person stays findable by the Wikidata reference.
		e.ID = AUEntityID(e.ID)
	}
	return l, nil
}

// AUEntityID is the entity id of the AU dataset's uniqueID: "au-" and 16 hex digits of
// its SHA-256, stable across publications.
func AUEntityID(uniqueID string) string {
	sum := sha256.Sum256([]byte("PEP-AU/" + uniqueID))
	return "au-" + hex.EncodeToString(sum[:8])
}

func auEntity(row csvRow) (Entity, bool) {
	id := row.get("uniqueID")
	surname := row.get("surname")
	given := row.get("allOtherNames")
	primary := cleanSpace(given + " " + surname)
	if id == "" || primary == "" {
		return Entity{}, false
	}
	e := Entity{
		ID:        id,
		Source:    SourcePEPAU,
		Type:      TypePerson,
		Kind:      KindPEP,
		Names:     []Name{{Full: primary, Kind: NamePrimary}},
		Gender:    pepGender(row.get("gender")),
		Reference: row.get("wikidataID"),
		Remarks:   row.get("comments"),
		// Members of the federal parliament must not owe allegiance to a
		// foreign power (Constitution s 44(i)); candidates must be Australian
		// citizens since 1984 (British subjects before).
		Citizenships: []Country{{Name: "Australia", Code: "AU"}},
	}
	if surname != "" {
		for _, col := range []string{"firstName", "commonName"} {
			if g := auGivenName(row.get(col)); g != "" {
				e.Names = appendName(e.Names, Name{Full: g + " " + surname, Kind: NameAlias})
			}
		}
	}
	for _, n := range auOtherNames(given, row.get("earlierOrLaterNames")) {
		e.Names = appendName(e.Names, n)
	}
	if d, ok := parsePEPDate(row.get("birthDate")); ok {
		e.BirthDates = []Date{d}
	} else if d, ok := parsePEPDate(row.get("birthYear")); ok && d.Precision == PrecisionYear {
		e.BirthDates = []Date{d}
	}
	if p := row.get("birthPlace"); p != "" {
		e.BirthPlaces = []Place{{Text: p}}
	}
	// An unreadable death date does not make a person deceased: being
	// dropped from PEP screening needs evidence.
	if d, ok := parsePEPDate(row.get("deathDate")); ok {
		e.Deceased, e.DeathDate = true, d
	}
	if row.get("member") == "1" {
		e.Positions = append(e.Positions, Position{Title: "Member of the House of Representatives", Body: "Parliament of Australia", Country: "AU"})
	}
	if row.get("senator") == "1" {
		e.Positions = append(e.Positions, Position{Title: "Senator", Body: "Parliament of Australia", Country: "AU"})
	}
	return e, true
}

// auGivenName drops a parenthesised note from a first or common name
// ("John (Sr)").
func auGivenName(s string) string {
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = s[:i]
	}
	return cleanSpace(s)
}

// auOtherNames reads earlierOrLaterNames: "nee Bird", "formerly Summers",
// "Also Sophie Panopolous", "Also Kathryn Jean Martin before marriage",
// separated by ";". A single word is a surname taken with the given names.
// Honours ("Later Sir Charles", "Lady Bjelke-Petersen") are not names.
func auOtherNames(given, s string) []Name {
	var out []Name
	for _, seg := range strings.Split(s, ";") {
		seg = strings.TrimSuffix(cleanSpace(seg), ".")
		var rest string
		kind := NameAlias
		if r, ok := cutPrefixFold(seg, "nee "); ok {
			rest, kind = r, NameFormerly
		} else if r, ok := cutPrefixFold(seg, "née "); ok {
			rest, kind = r, NameFormerly
		} else if r, ok := cutPrefixFold(seg, "formerly "); ok {
			rest, kind = r, NameFormerly
		} else if r, ok := cutPrefixFold(seg, "also "); ok {
			rest = r
		} else {
			continue
		}
		if r, ok := strings.CutSuffix(rest, " before marriage"); ok {
			rest, kind = r, NameFormerly
		}
		rest = cleanSpace(rest)
		switch {
		case rest == "":
			continue
		case !strings.Contains(rest, " ") && given != "":
			rest = cleanSpace(given + " " + rest)
		}
		out = append(out, Name{Full: rest, Kind: kind})
	}
	return out
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

func auMinistry(row csvRow) string {
	name := row.get("ministry")
	if name == "" {
		return "Australian Government"
	}
	body := name + " Ministry"
	if n := row.get("ministry_number"); n != "" {
		body += " (" + n + ")"
	}
	return body
}

func auPosition(title, body, from, to string) Position {
	pos := Position{Title: cleanSpace(title), Body: cleanSpace(body), Country: "AU"}
	if pos.Title == "" {
		pos.Title = "Minister"
	}
	pos.Start, _ = parsePEPDate(from)
	pos.End, _ = parsePEPDate(to)
	return pos
}

func hasPosition(e *Entity, title string) bool {
	for _, p := range e.Positions {
		if p.Title == title {
			return true
		}
	}
	return false
}

// csvRow is one data row of a CSV file with a header.
type csvRow struct {
	cols map[string]int
	rec  []string
}

// get returns the cleaned value of a column, "" when absent.
func (r csvRow) get(col string) string {
	i, ok := r.cols[col]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return cleanSpace(r.rec[i])
}

// readHeaderCSV reads a CSV file whose first row names the columns, refuses
// it (ErrFormat) when a required column is missing, and hands every data row to fn.
// Rows the CSV reader cannot read are counted in skipped; invalid UTF-8 is
// read as Latin-1.
func readHeaderCSV(r io.Reader, required []string, skipped *int, fn func(csvRow)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("empty file: %w", ErrFormat)
	}
	if err != nil {
		return fmt.Errorf("header: %w: %w", ErrFormat, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := cols[h]; !dup {
			cols[h] = i
		}
	}
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			return fmt.Errorf("column %q missing from header: %w", c, ErrFormat)
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				*skipped++
				continue
			}
			return err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		for i, f := range rec {
			if !utf8.ValidString(f) {
				rec[i] = latin1ToUTF8(f)
			}
		}
		fn(csvRow{cols: cols, rec: rec})
	}
}
