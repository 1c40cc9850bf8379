package webhooks

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// EventType is one type of the catalogue: what the data of its messages looks like.
type EventType struct {
	Name        string          `json:"name"`        // like "tenant.suspended"
	Description string          `json:"description"` // for the API's listing and the docs
	Schema      json.RawMessage `json:"schema"`      // JSON Schema 2020-12 of the message's data
	Example     json.RawMessage `json:"example"`     // a data value that the schema accepts
}

// Errors of ValidateData.
var (
	ErrUnknownEventType = errors.New("webhooks: unknown event type")
	ErrInvalidData      = errors.New("webhooks: data does not match the event type's schema")
)

// eventNamePattern is the shape of every name: a lower-case group, then one or more
// dot-separated parts of lower case and underscores.
var eventNamePattern = regexp.MustCompile(`^[a-z]+(\.[a-z_]+)+$`)

//go:embed catalogue/*.json
var catalogueFiles embed.FS

// catalogue is read and compiled on first use. It is package state but never changes
// after that: the files are part of the binary.
type catalogue struct {
	types   []EventType // sorted by name
	schemas map[string]*jsonschema.Schema
}

var loadCatalogue = sync.OnceValues(func() (*catalogue, error) { return readCatalogue(catalogueFiles) })

// mustCatalogue panics on a malformed catalogue: the files are compiled in, and the tests
// load them, so this is a build that should never have been shipped.
func mustCatalogue() *catalogue {
	c, err := loadCatalogue()
	if err != nil {
		panic(err)
	}
	return c
}

func readCatalogue(fsys fs.FS) (*catalogue, error) {
	paths, err := fs.Glob(fsys, "catalogue/*.json")
	if err != nil {
		return nil, err
	}
	c := &catalogue{schemas: make(map[string]*jsonschema.Schema)}
	compiler := jsonschema.NewCompiler()
	compiler.DefaultDraft(jsonschema.Draft2020)
	compiler.AssertFormat()
	for _, p := range paths {
		et, err := readEventType(fsys, p)
		if err != nil {
			return nil, err
		}
		if _, dup := c.schemas[et.Name]; dup {
			return nil, fmt.Errorf("webhooks: catalogue: %s: duplicate event type %q", p, et.Name)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(et.Schema))
		if err != nil {
			return nil, fmt.Errorf("webhooks: catalogue: %s: schema: %w", p, err)
		}
		loc := schemaLocation(et.Name)
		if err := compiler.AddResource(loc, doc); err != nil {
			return nil, fmt.Errorf("webhooks: catalogue: %s: %w", p, err)
		}
		sch, err := compiler.Compile(loc)
		if err != nil {
			return nil, fmt.Errorf("webhooks: catalogue: %s: %w", p, err)
		}
		c.schemas[et.Name] = sch
		c.types = append(c.types, et)
	}
	slices.SortFunc(c.types, func(a, b EventType) int { return strings.Compare(a.Name, b.Name) })
	return c, nil
}

// schemaLocation names a schema for the compiler; nothing is fetched from it.
func schemaLocation(name string) string { return "urn:chainguard:webhooks:" + name }

func readEventType(fsys fs.FS, path string) (EventType, error) {
	b, err := fs.ReadFile(fsys, path)
	if err != nil {
		return EventType{}, err
	}
	var et EventType
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&et); err != nil {
		return EventType{}, fmt.Errorf("webhooks: catalogue: %s: %w", path, err)
	}
	want := strings.TrimSuffix(strings.TrimPrefix(path, "catalogue/"), ".json")
	switch {
	case !eventNamePattern.MatchString(et.Name):
		return EventType{}, fmt.Errorf("webhooks: catalogue: %s: name %q does not match %s", path, et.Name, eventNamePattern)
	case et.Name != want:
		return EventType{}, fmt.Errorf("webhooks: catalogue: %s: name %q differs from the file name", path, et.Name)
	case et.Description == "" || len(et.Schema) == 0 || len(et.Example) == 0:
		return EventType{}, fmt.Errorf("webhooks: catalogue: %s: description, schema and example are required", path)
	}
	et.Schema = compact(et.Schema)
	et.Example = compact(et.Example)
	return et, nil
}

func compact(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b // Decode accepted it, so it is valid JSON
	}
	return buf.Bytes()
}

// Catalogue returns every event type, sorted by name. The slice and its contents are the
// caller's to keep.
func Catalogue() []EventType {
	types := mustCatalogue().types
	out := make([]EventType, len(types))
	for i, et := range types {
		out[i] = et.clone()
	}
	return out
}

// Lookup returns the event type of that name.
func Lookup(name string) (EventType, bool) {
	types := mustCatalogue().types
	i, found := slices.BinarySearchFunc(types, name, func(et EventType, n string) int { return strings.Compare(et.Name, n) })
	if !found {
		return EventType{}, false
	}
	return types[i].clone(), true
}

func knownType(name string) bool {
	_, ok := mustCatalogue().schemas[name]
	return ok
}

func (e EventType) clone() EventType {
	e.Schema = bytes.Clone(e.Schema)
	e.Example = bytes.Clone(e.Example)
	return e
}

// ValidateData checks the data of a message of that type against the type's schema. The
// error wraps ErrUnknownEventType or ErrInvalidData, and for the latter says which fields
// are wrong.
func ValidateData(name string, data []byte) error {
	sch, ok := mustCatalogue().schemas[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownEventType, name)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: %s: not JSON: %w", ErrInvalidData, name, err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("%w: %s: %s", ErrInvalidData, name, describe(err))
	}
	return nil
}

// describe flattens a validation error into one line: "at /reason: value must be one of
// ...; at ...".
func describe(err error) string {
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return err.Error()
	}
	printer := message.NewPrinter(language.English)
	var parts []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			parts = append(parts, fmt.Sprintf("at '/%s': %s", strings.Join(e.InstanceLocation, "/"), e.ErrorKind.LocalizedString(printer)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(verr)
	return strings.Join(parts, "; ")
}
