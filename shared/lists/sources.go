package lists

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/sanctions"
)

// Environment variables naming the source files (template.yaml parameters). An empty
// variable leaves that file out; a configured file that cannot be fetched fails the
// refresh rather than publishing a list with parts missing.
const (
	EnvOFACSDN      = "LIST_OFAC_SDN_URL"
	EnvOFACAlt      = "LIST_OFAC_ALT_URL"
	EnvOFACAdd      = "LIST_OFAC_ADD_URL"
	EnvOFACComments = "LIST_OFAC_COMMENTS_URL"
	EnvUN           = "LIST_UN_URL"
	EnvEU           = "LIST_EU_URL" // the EU consolidated financial sanctions list (FSF XML 1.1)
	EnvUK           = "LIST_UK_URL" // the UK Sanctions List (FCDO XML)
	// PEP datasets: US Congress (legislators-current.yaml) and executive (executive.yaml);
	// Australian federal politicians (all.csv) with ministries and cabinets.
	EnvPEPUSLegislators = "LIST_PEP_US_LEGISLATORS_URL"
	EnvPEPUSExecutive   = "LIST_PEP_US_EXECUTIVE_URL"
	EnvPEPAUAll         = "LIST_PEP_AU_ALL_URL"
	EnvPEPAUMinistry    = "LIST_PEP_AU_MINISTRY_URL"
	EnvPEPAUCabinet     = "LIST_PEP_AU_CABINET_URL"
	// EnvPEPWindowDays is how long a person stays a PEP after leaving office (default 365:
	// FATF Recommendation 12, EU Directive 2015/849 Art. 22).
	EnvPEPWindowDays = "PEP_WINDOW_DAYS"
	// EnvCrypto is a comma- or space-separated list of URLs of OFAC crypto address files,
	// each named sanctioned_addresses_<ASSET>.txt.
	EnvCrypto = "LIST_CRYPTO_URLS"
)

// ErrBadSources is returned for a source configuration that cannot work.
var ErrBadSources = errors.New("lists: invalid source configuration")

// File is one file of a source: the name its parser expects and where to get it.
type File struct {
	Name string
	URL  string
}

// Source is one list publication to fetch and parse.
type Source struct {
	Name  sanctions.Source
	Files []File
	Parse func(fs.FS) (*sanctions.List, error)
	// PEP marks a source of politically exposed persons: only current PEPs (in office, or
	// out of office for less than the window) are published, and deceased people never.
	PEP bool
}

// SourceURLs configure the sources; empty fields are not fetched.
type SourceURLs struct {
	OFACSDN, OFACAlt, OFACAdd, OFACComments string
	UN, EU, UK                              string
	Crypto                                  []string
	PEPUSLegislators, PEPUSExecutive        string
	PEPAUAll, PEPAUMinistry, PEPAUCabinet   string
}

// SourceURLsFromEnv reads the source URLs from the environment.
func SourceURLsFromEnv() SourceURLs {
	var e config.Env
	return SourceURLs{
		OFACSDN: e.Get(EnvOFACSDN, ""), OFACAlt: e.Get(EnvOFACAlt, ""),
		OFACAdd: e.Get(EnvOFACAdd, ""), OFACComments: e.Get(EnvOFACComments, ""),
		UN: e.Get(EnvUN, ""), EU: e.Get(EnvEU, ""), UK: e.Get(EnvUK, ""),
		PEPUSLegislators: e.Get(EnvPEPUSLegislators, ""), PEPUSExecutive: e.Get(EnvPEPUSExecutive, ""),
		PEPAUAll: e.Get(EnvPEPAUAll, ""), PEPAUMinistry: e.Get(EnvPEPAUMinistry, ""), PEPAUCabinet: e.Get(EnvPEPAUCabinet, ""),
		Crypto: strings.FieldsFunc(e.Get(EnvCrypto, ""), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }),
	}
}

var cryptoFileName = regexp.MustCompile(`^sanctioned_addresses_[A-Z0-9]{2,10}\.txt$`)

// Sources turns the configuration into sources, checking every URL.
func (u SourceURLs) Sources() ([]Source, error) {
	var out []Source
	ofacExtra := u.OFACAlt != "" || u.OFACAdd != "" || u.OFACComments != ""
	if u.OFACSDN == "" && ofacExtra {
		return nil, fmt.Errorf("%w: OFAC alt/add/comments configured without %s", ErrBadSources, EnvOFACSDN)
	}
	if u.OFACSDN != "" {
		s := Source{Name: sanctions.SourceOFAC, Parse: sanctions.ParseOFACDir}
		for _, f := range []File{
			{sanctions.OFACFileSDN, u.OFACSDN}, {sanctions.OFACFileAlt, u.OFACAlt},
			{sanctions.OFACFileAdd, u.OFACAdd}, {sanctions.OFACFileComments, u.OFACComments},
		} {
			if f.URL != "" {
				s.Files = append(s.Files, f)
			}
		}
		out = append(out, s)
	}
	if u.UN != "" {
		out = append(out, Source{Name: sanctions.SourceUN, Parse: sanctions.ParseUNDir,
			Files: []File{{sanctions.UNFileName, u.UN}}})
	}
	if u.EU != "" {
		out = append(out, Source{Name: sanctions.SourceEU, Parse: sanctions.ParseEUDir,
			Files: []File{{sanctions.EUFileName, u.EU}}})
	}
	if u.UK != "" {
		out = append(out, Source{Name: sanctions.SourceUK, Parse: sanctions.ParseUKDir,
			Files: []File{{sanctions.UKFileName, u.UK}}})
	}
	// Each PEP dataset is read whole: its parser needs every one of its files.
	if us := []string{u.PEPUSLegislators, u.PEPUSExecutive}; !allOrNone(us) {
		return nil, fmt.Errorf("%w: set both %s and %s, or neither", ErrBadSources, EnvPEPUSLegislators, EnvPEPUSExecutive)
	} else if us[0] != "" {
		out = append(out, Source{Name: sanctions.SourcePEPUS, Parse: sanctions.ParsePEPUSDir, PEP: true,
			Files: []File{{sanctions.PEPUSFileCurrent, us[0]}, {sanctions.PEPUSFileExecutive, us[1]}}})
	}
	if au := []string{u.PEPAUAll, u.PEPAUMinistry, u.PEPAUCabinet}; !allOrNone(au) {
		return nil, fmt.Errorf("%w: set all of %s, %s and %s, or none", ErrBadSources, EnvPEPAUAll, EnvPEPAUMinistry, EnvPEPAUCabinet)
	} else if au[0] != "" {
		out = append(out, Source{Name: sanctions.SourcePEPAU, Parse: sanctions.ParsePEPAUDir, PEP: true,
			Files: []File{{sanctions.PEPAUFileAll, au[0]}, {sanctions.PEPAUFileMinistry, au[1]}, {sanctions.PEPAUFileCabinet, au[2]}}})
	}
	if len(u.Crypto) > 0 {
		s := Source{Name: sanctions.SourceOFACCrypto, Parse: sanctions.ParseCryptoAddressDir}
		seen := map[string]bool{}
		for _, raw := range u.Crypto {
			pu, err := url.Parse(raw)
			if err != nil {
				return nil, fmt.Errorf("%w: crypto URL %q: %v", ErrBadSources, raw, err)
			}
			name := path.Base(pu.Path)
			if !cryptoFileName.MatchString(name) || seen[name] {
				return nil, fmt.Errorf("%w: crypto URL %q must end in a distinct sanctioned_addresses_<ASSET>.txt", ErrBadSources, raw)
			}
			seen[name] = true
			s.Files = append(s.Files, File{name, raw})
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no source configured (set %s, %s, %s and/or %s)", ErrBadSources, EnvOFACSDN, EnvUN, EnvEU, EnvUK)
	}
	for _, s := range out {
		for _, f := range s.Files {
			if err := checkURL(f.URL); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func allOrNone(urls []string) bool {
	set := 0
	for _, u := range urls {
		if u != "" {
			set++
		}
	}
	return set == 0 || set == len(urls)
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrBadSources, raw, err)
	}
	switch u.Scheme {
	case "https", "http":
		if u.Host == "" {
			return fmt.Errorf("%w: %q has no host", ErrBadSources, raw)
		}
	case "file":
		if u.Path == "" {
			return fmt.Errorf("%w: %q has no path", ErrBadSources, raw)
		}
	default:
		return fmt.Errorf("%w: %q: scheme must be https, http or file", ErrBadSources, raw)
	}
	return nil
}
