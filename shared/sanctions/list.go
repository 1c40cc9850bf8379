package sanctions

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
)

// ErrMissingFile is returned when a required file of a publication is absent.
var ErrMissingFile = errors.New("required list file missing")

// List is one parsed publication of one source.
type List struct {
	Source Source `json:"source"`
	// Version identifies the publication: the hash of its source checksums,
	// so that two parses of the same files have the same version.
	Checksums map[string]string `json:"checksums"` // file name -> sha256 hex
	Entities  []Entity          `json:"entities"`
	// Addresses not tied to an entity (OFAC crypto address files).
	Addresses []CryptoAddress `json:"addresses,omitempty"`
	// Skipped counts malformed rows or elements that were ignored.
	Skipped int `json:"skipped"`
}

func newList(src Source) *List {
	return &List{Source: src, Checksums: map[string]string{}}
}

// Version is a short stable identifier of the publication, derived from
// the checksums of the files it was parsed from.
func (l *List) Version() string {
	names := make([]string, 0, len(l.Checksums))
	for n := range l.Checksums {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	io.WriteString(h, string(l.Source))
	for _, n := range names {
		fmt.Fprintf(h, "|%s=%s", n, l.Checksums[n])
	}
	return string(l.Source) + "@" + hex.EncodeToString(h.Sum(nil)[:6])
}

// Parser reads one source's publication from a folder.
type Parser interface {
	Source() Source
	Parse(fsys fs.FS) (*List, error)
}

// OFACParser parses an OFAC SDN CSV folder.
type OFACParser struct{}

// Source implements Parser.
func (OFACParser) Source() Source { return SourceOFAC }

// Parse implements Parser.
func (OFACParser) Parse(fsys fs.FS) (*List, error) { return ParseOFACDir(fsys) }

// UNParser parses a folder holding UN_consolidated.xml.
type UNParser struct{}

// Source implements Parser.
func (UNParser) Source() Source { return SourceUN }

// Parse implements Parser.
func (UNParser) Parse(fsys fs.FS) (*List, error) { return ParseUNDir(fsys) }

// CryptoFilesParser parses a folder of sanctioned_addresses_<ASSET>.txt.
type CryptoFilesParser struct{}

// Source implements Parser.
func (CryptoFilesParser) Source() Source { return SourceOFACCrypto }

// Parse implements Parser.
func (CryptoFilesParser) Parse(fsys fs.FS) (*List, error) { return ParseCryptoAddressDir(fsys) }

func checksum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
