package webhooks

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func TestCatalogueHasTheAgreedTypes(t *testing.T) {
	want := []string{
		"alert.created", "alert.updated", "apikey.created", "apikey.revoked", "movement.flagged", "movement.logged",
		"tenant.resumed", "tenant.suspended", "trade.dispute_updated", "trade.proof_of_life", "trade.state_changed", "user.status_changed", "webhook.endpoint_disabled", "webhook.endpoint_recovered", "webhook.test",
	}
	var got []string
	for _, et := range Catalogue() {
		got = append(got, et.Name)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("catalogue %q, want %q", got, want)
	}
}

func TestCatalogueIsSortedWithUniqueWellFormedNames(t *testing.T) {
	names := regexp.MustCompile(`^[a-z]+(\.[a-z_]+)+$`)
	types := Catalogue()
	for i, et := range types {
		if !names.MatchString(et.Name) {
			t.Errorf("name %q", et.Name)
		}
		if i > 0 && types[i-1].Name >= et.Name {
			t.Errorf("%q comes after %q", et.Name, types[i-1].Name)
		}
		if et.Description == "" {
			t.Errorf("%s has no description", et.Name)
		}
	}
}

func TestEveryExampleValidates(t *testing.T) {
	for _, et := range Catalogue() {
		if err := ValidateData(et.Name, et.Example); err != nil {
			t.Errorf("%s: %v", et.Name, err)
		}
	}
}

// schemaDoc is the part of a catalogue schema the structural tests read.
type schemaDoc struct {
	Schema               string                    `json:"$schema"`
	Type                 string                    `json:"type"`
	AdditionalProperties *bool                     `json:"additionalProperties"`
	Required             []string                  `json:"required"`
	Properties           map[string]schemaProperty `json:"properties"`
}

type schemaProperty struct {
	Type        string   `json:"type"`
	Minimum     *float64 `json:"minimum"`
	Maximum     *float64 `json:"maximum"`
	Pattern     string   `json:"pattern"`
	Format      string   `json:"format"`
	Enum        []string `json:"enum"`
	Description string   `json:"description"`
}

func readSchema(t *testing.T, et EventType) schemaDoc {
	t.Helper()
	var doc schemaDoc
	if err := json.Unmarshal(et.Schema, &doc); err != nil {
		t.Fatalf("%s: %v", et.Name, err)
	}
	return doc
}

// Payloads carry ids, codes, timestamps and bounded numbers only: every property is a
// string held to a pattern, an enumeration or a format, or a number held to a range, so
// no free text (and so no personal data) fits.
func TestEverySchemaIsClosedAndHoldsNoFreeText(t *testing.T) {
	for _, et := range Catalogue() {
		doc := readSchema(t, et)
		if doc.Schema != "https://json-schema.org/draft/2020-12/schema" || doc.Type != "object" {
			t.Errorf("%s: $schema %q, type %q", et.Name, doc.Schema, doc.Type)
		}
		if doc.AdditionalProperties == nil || *doc.AdditionalProperties {
			t.Errorf("%s: additionalProperties is not false", et.Name)
		}
		if len(doc.Required) == 0 {
			t.Errorf("%s: no required field", et.Name)
		}
		var raw map[string]any
		if err := json.Unmarshal(et.Schema, &raw); err != nil {
			t.Fatal(err)
		}
		for name, p := range raw["properties"].(map[string]any) {
			checkHeld(t, et.Name+"."+name, p.(map[string]any), raw)
		}
		for _, r := range doc.Required {
			if _, ok := doc.Properties[r]; !ok {
				t.Errorf("%s: required %q is not a property", et.Name, r)
			}
		}
	}
}

// checkHeld: a string is held to a pattern, an enumeration or a format; a number or an
// integer to a range (an integer at least to a minimum); an array's items and a closed
// object's properties are held the same way, through $ref to $defs too.
func checkHeld(t *testing.T, path string, p, root map[string]any) {
	t.Helper()
	if ref, ok := p["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		def, ok := root["$defs"].(map[string]any)[name].(map[string]any)
		if !ok {
			t.Errorf("%s: $ref %q not found", path, ref)
			return
		}
		withDesc := map[string]any{"description": p["description"]}
		for k, v := range def {
			if k != "description" {
				withDesc[k] = v
			}
		}
		checkHeld(t, path, withDesc, root)
		return
	}
	if d, _ := p["description"].(string); d == "" && !strings.HasSuffix(path, "[]") {
		t.Errorf("%s: no description", path)
	}
	switch p["type"] {
	case "string":
		if p["pattern"] == nil && p["format"] == nil && p["enum"] == nil {
			t.Errorf("%s: free text (a string with no pattern, format or enum)", path)
		}
	case "number":
		if p["minimum"] == nil || p["maximum"] == nil {
			t.Errorf("%s: a number without a range", path)
		}
	case "integer":
		if p["minimum"] == nil {
			t.Errorf("%s: an integer without a minimum", path)
		}
	case "array":
		items, ok := p["items"].(map[string]any)
		if !ok {
			t.Errorf("%s: an array without items", path)
			return
		}
		checkHeld(t, path+"[]", items, root)
	case "object":
		if ap, ok := p["additionalProperties"].(bool); !ok || ap {
			t.Errorf("%s: an object that is not closed", path)
		}
		props, _ := p["properties"].(map[string]any)
		for name, q := range props {
			checkHeld(t, path+"."+name, q.(map[string]any), root)
		}
	default:
		t.Errorf("%s: type %v", path, p["type"])
	}
}

func TestValidateDataRefusesBrokenExamples(t *testing.T) {
	for _, et := range Catalogue() {
		doc := readSchema(t, et)
		example := func() map[string]any {
			var m map[string]any
			if err := json.Unmarshal(et.Example, &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		refuse := func(what string, m map[string]any) {
			t.Helper()
			b, _ := json.Marshal(m)
			err := ValidateData(et.Name, b)
			if !errors.Is(err, ErrInvalidData) {
				t.Errorf("%s with %s: %v", et.Name, what, err)
			}
		}
		for _, r := range doc.Required {
			m := example()
			delete(m, r)
			refuse("no "+r, m)
		}
		m := example()
		m["extra"] = "x"
		refuse("an extra field", m)
		for name, p := range doc.Properties {
			m := example()
			m[name] = 42
			refuse(name+" as a number", m)
			m[name] = "john.smith@example.com"
			refuse(name+" as an e-mail address", m)
			switch {
			case len(p.Enum) > 0:
				m[name] = strings.ToUpper(p.Enum[0])
				refuse(name+" outside its enumeration", m)
			case p.Format == "date-time":
				m[name] = "2026-03-07 09:15"
				refuse(name+" not RFC 3339", m)
			case p.Pattern != "":
				// Another id's form, or (for a pattern that takes it, such as a client's
				// own reference) words with spaces.
				m[name] = "ep_01JM9S346Q3D25VT4F5V37E3S3"
				if regexp.MustCompile(p.Pattern).MatchString("ep_01JM9S346Q3D25VT4F5V37E3S3") {
					m[name] = "John Smith, born 1970"
				}
				refuse(name+" off its pattern", m)
			}
		}
	}
}

func TestValidateDataExamples(t *testing.T) {
	tests := []struct {
		name, event, data string
		want              error
	}{
		{"a suspension", "tenant.suspended", `{"tenantId":"tnt_01je28jt97kb6cq643dzvmxxqk","reason":"aml_concerns"}`, nil},
		{"a resumption without a reason", "tenant.resumed", `{"tenantId":"tnt_01je28jt97kb6cq643dzvmxxqk"}`, nil},
		{"a resumption with a suspension reason", "tenant.resumed", `{"tenantId":"tnt_01je28jt97kb6cq643dzvmxxqk","reason":"aml_concerns"}`, ErrInvalidData},
		{"a manual disabling (reserved)", "webhook.endpoint_disabled", `{"endpointId":"ep_01jm9s346q3d25vt4f5v37e3s3","reason":"manual","failingSince":"2026-03-02T09:15:00Z","disabledAt":"2026-03-07T09:15:04.512+01:00"}`, nil},
		{"a date that is not a date-time", "webhook.endpoint_recovered", `{"endpointId":"ep_01jm9s346q3d25vt4f5v37e3s3","recoveredAt":"2026-03-08"}`, ErrInvalidData},
		{"an impossible date", "webhook.endpoint_recovered", `{"endpointId":"ep_01jm9s346q3d25vt4f5v37e3s3","recoveredAt":"2026-02-30T10:00:00Z"}`, ErrInvalidData},
		{"a key id in lower case", "apikey.created", `{"tenantId":"tnt_01je28jt97kb6cq643dzvmxxqk","keyId":"01jfbf5kznwj47tan9zt24mnpz"}`, ErrInvalidData},
		{"a tenant id with a letter outside Crockford's base32", "apikey.revoked", `{"tenantId":"tnt_01je28jt97kb6cq643dzvmxxqu","keyId":"01JFBF5KZNWJ47TAN9ZT24MNPZ"}`, ErrInvalidData},
		{"an array", "webhook.test", `[]`, ErrInvalidData},
		{"not JSON", "webhook.test", `{"endpointId":`, ErrInvalidData},
		{"an unknown type", "tenant.deleted", `{}`, ErrUnknownEventType},
		{"the wildcard is no type", "*", `{}`, ErrUnknownEventType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateData(tt.event, []byte(tt.data))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("ValidateData = %v; want %v", err, tt.want)
			}
		})
	}
}

func TestValidateDataSaysWhichFieldIsWrong(t *testing.T) {
	err := ValidateData("tenant.suspended", []byte(`{"tenantId":"tnt_01je28jt97kb6cq643dzvmxxqk","reason":"because"}`))
	if err == nil || !strings.Contains(err.Error(), "/reason") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %q", err)
	}
}

func TestLookup(t *testing.T) {
	et, ok := Lookup("tenant.suspended")
	if !ok || et.Name != "tenant.suspended" || len(et.Schema) == 0 || len(et.Example) == 0 {
		t.Fatalf("Lookup = %+v, %v", et, ok)
	}
	for _, name := range []string{"", "*", "tenant", "tenant.deleted", "Tenant.Suspended"} {
		if _, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) found a type", name)
		}
	}
}

func TestCatalogueReturnsCopies(t *testing.T) {
	first := Catalogue()
	first[0].Name = "changed"
	first[0].Schema[0] = 'X'
	et, _ := Lookup("apikey.created")
	et.Example[0] = 'X'
	again := Catalogue()
	if again[0].Name != "alert.created" || again[0].Schema[0] != '{' || again[0].Example[0] != '{' {
		t.Fatal("a caller changed the catalogue")
	}
}

func TestCatalogueIsSafeForConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, et := range Catalogue() {
				if err := ValidateData(et.Name, et.Example); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestReadCatalogueRefusesMalformedFiles(t *testing.T) {
	good := `{"name":"x.y","description":"d","schema":{"type":"object"},"example":{}}`
	tests := []struct {
		name  string
		files fstest.MapFS
	}{
		{"a name unlike the file's", fstest.MapFS{"catalogue/x.z.json": {Data: []byte(good)}}},
		{"a malformed name", fstest.MapFS{"catalogue/X.y.json": {Data: []byte(strings.Replace(good, "x.y", "X.y", 1))}}},
		{"an unknown field", fstest.MapFS{"catalogue/x.y.json": {Data: []byte(strings.Replace(good, `"example"`, `"examples"`, 1))}}},
		{"no example", fstest.MapFS{"catalogue/x.y.json": {Data: []byte(`{"name":"x.y","description":"d","schema":{}}`)}}},
		{"no description", fstest.MapFS{"catalogue/x.y.json": {Data: []byte(strings.Replace(good, `"d"`, `""`, 1))}}},
		{"an invalid schema", fstest.MapFS{"catalogue/x.y.json": {Data: []byte(strings.Replace(good, `"object"`, `"thing"`, 1))}}},
		{"not JSON", fstest.MapFS{"catalogue/x.y.json": {Data: []byte(`{`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := readCatalogue(tt.files); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if c, err := readCatalogue(fstest.MapFS{"catalogue/x.y.json": {Data: []byte(good)}}); err != nil || len(c.types) != 1 {
		t.Fatalf("a good file: %v", err)
	}
}
