package sanctions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode"
)

// ErrFormat is returned when a file is not the publication format its
// parser reads (another list, an HTML error page, an empty download).
var ErrFormat = errors.New("not the expected list format")

// xmlListFormat describes an XML publication made of one root element
// whose direct children of one name are the listed subjects.
type xmlListFormat struct {
	root      string // local name of the root element
	namespace string // the root's namespace; a root without one is accepted too
	item      string // local name of one listed subject
}

// stream decodes r token by token and hands each item element to each,
// which decodes it (and only it) with dec.DecodeElement. Only one item is
// held in memory at a time, so a full publication of tens of megabytes
// streams through. A file whose root is not the expected one is ErrFormat;
// a file that ends before its root is closed is an error, so that a cut
// download is never taken for a publication that removed entries.
func (f xmlListFormat) stream(r io.Reader, each func(dec *xml.Decoder, se *xml.StartElement) error) error {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if depth == 0 {
				return fmt.Errorf("no <%s> root element: %w", f.root, ErrFormat)
			}
			return fmt.Errorf("file ends before </%s>: %w", f.root, io.ErrUnexpectedEOF)
		}
		if err != nil && depth == 0 {
			return fmt.Errorf("before any root element: %w: %w", ErrFormat, err)
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if t.Name.Local != f.root || (t.Name.Space != "" && t.Name.Space != f.namespace) {
					return fmt.Errorf("root element <%s> (namespace %q), want <%s>: %w", t.Name.Local, t.Name.Space, f.root, ErrFormat)
				}
				depth = 1
				continue
			}
			if depth == 1 && t.Name.Local == f.item {
				if err := each(dec, &t); err != nil {
					return err
				}
				continue
			}
			depth++
		case xml.EndElement:
			if depth == 0 {
				return fmt.Errorf("</%s> before any root element: %w", t.Name.Local, ErrFormat)
			}
			depth--
			if depth == 0 {
				return nil
			}
		}
	}
}

// parseListFile streams one file of fsys through parse while hashing it,
// and records its sha256 in the list's checksums under its name.
func parseListFile(fsys fs.FS, name string, parse func(io.Reader) (*List, error)) (*List, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	h := sha256.New()
	r := io.TeeReader(f, h)
	l, err := parse(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// Whatever follows the root element still belongs to the file's checksum.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	l.Checksums[name] = hex.EncodeToString(h.Sum(nil))
	return l, nil
}

// pickListFile returns the one file of the folder's top level that accept
// recognises. None is ErrMissingFile; several are an error, because a
// folder holds one publication and guessing which is current could screen
// against a stale list. Names are compared as listed, so that a
// case-insensitive file system cannot make one file count twice.
func pickListFile(fsys fs.FS, what string, accept func(name string) bool) (string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return "", fmt.Errorf("list %s folder: %w", what, err)
	}
	var found []string
	for _, e := range entries {
		if !e.IsDir() && accept(e.Name()) {
			found = append(found, e.Name())
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%s: %w", what, ErrMissingFile)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%s: %d candidate files in one folder (%s); keep one", what, len(found), strings.Join(found, ", "))
}

// isLatinScript reports whether every letter of s is of the Latin script,
// so that names in Arabic, Cyrillic, Chinese... are told apart from their
// transliterations.
func isLatinScript(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

// appendUnique appends v unless s already holds it: the lists repeat the
// same birth place, date or passport once per legal act that cites it.
func appendUnique[T comparable](s []T, v T) []T {
	for _, old := range s {
		if old == v {
			return s
		}
	}
	return append(s, v)
}

// joinNonEmpty joins the cleaned non-empty parts with sep; separators the
// parts already end with ("Vali-e asr St.,") are not doubled.
func joinNonEmpty(sep string, parts ...string) string {
	out := make([]string, 0, len(parts))
	trim := " " + strings.TrimSpace(sep)
	for _, p := range parts {
		if p = strings.Trim(cleanSpace(p), trim); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// streamEntities reads a list export item by item with f, decoding each item as a T and
// converting it with conv: items conv refuses, and repeated ids, are skipped and counted.
func streamEntities[T any](r io.Reader, src Source, f xmlListFormat, label string, conv func(*T) (Entity, bool)) (*List, error) {
	l := newList(src)
	seen := map[string]bool{}
	err := f.stream(r, func(dec *xml.Decoder, se *xml.StartElement) error {
		var rec T
		if err := dec.DecodeElement(&rec, se); err != nil {
			return err
		}
		e, ok := conv(&rec)
		if !ok || seen[e.ID] {
			l.Skipped++
			return nil
		}
		seen[e.ID] = true
		l.Entities = append(l.Entities, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("parse %s XML: %w", label, err)
	}
	return l, nil
}
