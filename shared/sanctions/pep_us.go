package sanctions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// US PEP file names, as published by the congress-legislators project
// (github.com/unitedstates/congress-legislators, CC0).
const (
	PEPUSFileCurrent    = "legislators-current.yaml"
	PEPUSFileHistorical = "legislators-historical.yaml"
	PEPUSFileExecutive  = "executive.yaml"
)

// PEPUSFiles are the readers of one US publication. Current and Executive
// are required; Historical (every former member since 1789, about 12,000
// people) is read when given, so that members who left within the window
// are kept.
type PEPUSFiles struct {
	Current, Historical, Executive io.Reader
}

// PEPUSParser parses a folder holding legislators-current.yaml and
// executive.yaml (and legislators-historical.yaml if present).
type PEPUSParser struct{}

// Source implements Parser.
func (PEPUSParser) Source() Source { return SourcePEPUS }

// Parse implements Parser.
func (PEPUSParser) Parse(fsys fs.FS) (*List, error) { return ParsePEPUSDir(fsys) }

// ParsePEPUSDir parses the US PEP files of a folder and records the
// checksum of every file read.
func ParsePEPUSDir(fsys fs.FS) (*List, error) {
	files := map[string][]byte{}
	for _, name := range []string{PEPUSFileCurrent, PEPUSFileHistorical, PEPUSFileExecutive} {
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			if name == PEPUSFileHistorical {
				continue
			}
			return nil, fmt.Errorf("read US PEP %s: %w: %w", name, ErrMissingFile, err)
		}
		if err != nil {
			return nil, fmt.Errorf("read US PEP %s: %w", name, err)
		}
		files[name] = b
	}
	in := PEPUSFiles{Current: bytes.NewReader(files[PEPUSFileCurrent]), Executive: bytes.NewReader(files[PEPUSFileExecutive])}
	if b, ok := files[PEPUSFileHistorical]; ok {
		in.Historical = bytes.NewReader(b)
	}
	l, err := ParsePEPUS(in)
	if err != nil {
		return nil, err
	}
	for name, b := range files {
		l.Checksums[name] = checksum(b)
	}
	return l, nil
}

type usPerson struct {
	ID struct {
		Bioguide string `yaml:"bioguide"`
		Govtrack string `yaml:"govtrack"`
		Wikidata string `yaml:"wikidata"`
	} `yaml:"id"`
	Name struct {
		First        string `yaml:"first"`
		Middle       string `yaml:"middle"`
		Last         string `yaml:"last"`
		Suffix       string `yaml:"suffix"`
		Nickname     string `yaml:"nickname"`
		OfficialFull string `yaml:"official_full"`
	} `yaml:"name"`
	Bio struct {
		Birthday string `yaml:"birthday"`
		Gender   string `yaml:"gender"`
	} `yaml:"bio"`
	Terms           []usTerm `yaml:"terms"`
	LeadershipRoles []usRole `yaml:"leadership_roles"`
}

type usTerm struct {
	Type     string `yaml:"type"`
	Start    string `yaml:"start"`
	End      string `yaml:"end"`
	State    string `yaml:"state"`
	District string `yaml:"district"`
}

type usRole struct {
	Title   string `yaml:"title"`
	Chamber string `yaml:"chamber"`
	Start   string `yaml:"start"`
	End     string `yaml:"end"`
}

// ParsePEPUS parses the US files. A file that is not a YAML list is
// ErrFormat; a person that cannot be decoded, or has no id or name, is skipped
// and counted in List.Skipped. A person found in more than one file (a
// former president back in the House) becomes one entity with the
// positions of both.
func ParsePEPUS(in PEPUSFiles) (*List, error) {
	if in.Current == nil || in.Executive == nil {
		return nil, fmt.Errorf("parse US PEP: %w", ErrMissingFile)
	}
	l := newList(SourcePEPUS)
	byID := map[string]int{}
	for _, f := range []struct {
		name string
		r    io.Reader
	}{{PEPUSFileCurrent, in.Current}, {PEPUSFileHistorical, in.Historical}, {PEPUSFileExecutive, in.Executive}} {
		if f.r == nil {
			continue
		}
		items, err := yamlList(f.r)
		if err != nil {
			return nil, fmt.Errorf("parse US PEP %s: %w", f.name, err)
		}
		for _, item := range items {
			e, ok := usEntity(item)
			if !ok {
				l.Skipped++
				continue
			}
			if i, dup := byID[e.ID]; dup {
				mergePEP(&l.Entities[i], e)
				continue
			}
			byID[e.ID] = len(l.Entities)
			l.Entities = append(l.Entities, e)
		}
	}
	return l, nil
}

// yamlList reads a YAML document whose top level is a list and returns its
// items undecoded, so that one bad item does not lose the others. The YAML
// library limits nesting depth and alias expansion; a panic inside it is
// turned into an error all the same, since the input is untrusted.
func yamlList(r io.Reader) (items []*yaml.Node, err error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			items, err = nil, fmt.Errorf("yaml decoder failed: %v: %w", p, ErrFormat)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("top level is not a list: %w", ErrFormat)
	}
	return doc.Content[0].Content, nil
}

func usEntity(item *yaml.Node) (e Entity, ok bool) {
	defer func() {
		if recover() != nil {
			e, ok = Entity{}, false
		}
	}()
	var p usPerson
	if err := item.Decode(&p); err != nil {
		return Entity{}, false
	}
	e = Entity{
		Source:    SourcePEPUS,
		Type:      TypePerson,
		Kind:      KindPEP,
		Gender:    pepGender(p.Bio.Gender),
		Reference: cleanSpace(p.ID.Wikidata),
		// Members of Congress, the President and the Vice President must be
		// US citizens (Constitution Art. I §2-3, Art. II §1, 12th Amendment).
		Citizenships: []Country{{Name: "United States", Code: "US"}},
	}
	// Bioguide is Congress's own identifier; the executive file lacks it for
	// a few early presidents, who have a GovTrack id instead.
	switch {
	case cleanSpace(p.ID.Bioguide) != "":
		e.ID = cleanSpace(p.ID.Bioguide)
	case cleanSpace(p.ID.Govtrack) != "":
		e.ID = "govtrack-" + cleanSpace(p.ID.Govtrack)
	default:
		return Entity{}, false
	}
	n := p.Name
	legal := cleanSpace(n.First + " " + n.Middle + " " + n.Last + " " + n.Suffix)
	primary := cleanSpace(n.OfficialFull)
	if primary == "" {
		primary = legal
	}
	if primary == "" {
		return Entity{}, false
	}
	e.Names = []Name{{Full: primary, Kind: NamePrimary}}
	if legal != "" {
		e.Names = appendName(e.Names, Name{Full: legal, Kind: NameAlias})
	}
	if nick := cleanSpace(n.Nickname); nick != "" && cleanSpace(n.Last) != "" {
		e.Names = appendName(e.Names, Name{Full: cleanSpace(nick + " " + n.Last), Kind: NameAlias})
	}
	if d, ok := parsePEPDate(p.Bio.Birthday); ok {
		e.BirthDates = []Date{d}
	}
	for _, t := range p.Terms {
		if pos, ok := usTermPosition(t); ok {
			e.Positions = append(e.Positions, pos)
		}
	}
	for _, r := range p.LeadershipRoles {
		title := cleanSpace(r.Title)
		if title == "" {
			continue
		}
		pos := Position{Title: title, Body: usChamber(r.Chamber), Country: "US"}
		pos.Start, _ = parsePEPDate(r.Start)
		pos.End, _ = parsePEPDate(r.End)
		e.Positions = append(e.Positions, pos)
	}
	return e, true
}

func usChamber(s string) string {
	switch strings.ToLower(cleanSpace(s)) {
	case "senate", "sen":
		return "United States Senate"
	case "house", "rep":
		return "United States House of Representatives"
	}
	return cleanSpace(s)
}

// usNonVoting names the House members of territories and the District,
// who are delegates (or, for Puerto Rico, the resident commissioner).
var usNonVoting = map[string]string{
	"DC": "Delegate", "GU": "Delegate", "VI": "Delegate", "AS": "Delegate", "MP": "Delegate",
	"PR": "Resident Commissioner",
	// Historical territories (Dakota, Orleans, Philippines...) also sent
	// delegates; their terms ended long ago and keep their plain title.
}

func usTermPosition(t usTerm) (Position, bool) {
	state := cleanSpace(t.State)
	pos := Position{Country: "US"}
	switch cleanSpace(t.Type) {
	case "sen":
		pos.Title, pos.Body = "Senator", "United States Senate"
		if state != "" {
			pos.Title += " for " + state
		}
	case "rep":
		pos.Title, pos.Body = "Representative", "United States House of Representatives"
		if v, ok := usNonVoting[state]; ok {
			pos.Title = v
		}
		if state != "" {
			pos.Title += " for " + state + usDistrict(t.District, state)
		}
	case "prez":
		pos.Title, pos.Body = "President of the United States", "Executive Office of the President"
	case "viceprez":
		pos.Title, pos.Body = "Vice President of the United States", "Executive Office of the President"
	case "":
		return Position{}, false
	default:
		pos.Title = cleanSpace(t.Type)
	}
	pos.Start, _ = parsePEPDate(t.Start)
	pos.End, _ = parsePEPDate(t.End)
	return pos, true
}

// usDistrict renders the district: "-3", " (at large)" for district 0, and
// nothing for the -1 the data uses when the district is unknown.
func usDistrict(s, state string) string {
	if _, ok := usNonVoting[state]; ok {
		return ""
	}
	n, err := strconv.Atoi(cleanSpace(s))
	switch {
	case err != nil || n < 0:
		return ""
	case n == 0:
		return " (at large)"
	}
	return "-" + strconv.Itoa(n)
}

// mergePEP adds to dst what src says of the same person.
func mergePEP(dst *Entity, src Entity) {
	for _, n := range src.Names {
		kind := n.Kind
		if kind == NamePrimary {
			kind = NameAlias
		}
		dst.Names = appendName(dst.Names, Name{Full: n.Full, Kind: kind, Weak: n.Weak})
	}
	dst.Positions = append(dst.Positions, src.Positions...)
	if len(dst.BirthDates) == 0 {
		dst.BirthDates = src.BirthDates
	}
	if dst.Gender == "" {
		dst.Gender = src.Gender
	}
	if dst.Reference == "" {
		dst.Reference = src.Reference
	}
	if src.Deceased {
		dst.Deceased = true
		if dst.DeathDate.IsZero() {
			dst.DeathDate = src.DeathDate
		}
	}
}
