package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chainfi/chainguard/shared/logging"
)

// payload has the shapes a route's request takes: strings, numbers, arrays, objects.
type payload struct {
	Name string            `json:"name"`
	N    int               `json:"n"`
	Tags []string          `json:"tags"`
	Meta map[string]string `json:"meta"`
}

func TestDecodeJSONRefusesWhatItShould(t *testing.T) {
	cases := []struct {
		name, body, ctype string
		code              string
		want              string // the decoded name, when accepted
	}{
		{"a valid object is decoded", `{"name":"a","n":1}`, "application/json", "", "a"},
		{"a charset parameter is accepted", `{"name":"a"}`, "application/json; charset=utf-8", "", "a"},
		{"a +json media type is accepted", `{"name":"a"}`, "application/merge-patch+json", "", "a"},
		{"non-ASCII UTF-8 is kept as sent", `{"name":"Müller Ωμέγα 東京"}`, "application/json", "", "Müller Ωμέγα 東京"},
		{"an escaped surrogate pair is one character", `{"name":"\ud83d\ude00"}`, "application/json", "", "😀"},
		{"null members leave their field empty", `{"name":null,"tags":null}`, "application/json", "", ""},
		{"an unknown field is refused", `{"name":"a","x":1}`, "application/json", "unknown_field", ""},
		{"a field in another case is refused", `{"Name":"a"}`, "application/json", "unknown_field", ""},
		{"a field in upper case is refused", `{"NAME":"a"}`, "application/json", "unknown_field", ""},
		{"a case variant next to the field is refused", `{"name":"a","Name":"b"}`, "application/json", "unknown_field", ""},
		{"a duplicate field is refused", `{"name":"A","name":"B"}`, "application/json", "duplicate_field", ""},
		{"a duplicate spelled with an escape is refused", `{"name":"A","n\u0061me":"B"}`, "application/json", "duplicate_field", ""},
		{"a duplicate key inside a map is refused", `{"meta":{"k":"1","k":"2"}}`, "application/json", "duplicate_field", ""},
		{"invalid UTF-8 in a value is refused", "{\"name\":\"M\xfcller\"}", "application/json", "invalid_utf8", ""},
		{"invalid UTF-8 in a name is refused", "{\"n\xffame\":\"a\"}", "application/json", "invalid_utf8", ""},
		{"invalid UTF-8 outside strings is refused", "{\"name\":\"a\"}\xff", "application/json", "invalid_utf8", ""},
		{"a truncated UTF-8 sequence is refused", "{\"name\":\"\xe6\x9d\"}", "application/json", "invalid_utf8", ""},
		{"an encoded surrogate half is refused", "{\"name\":\"\xed\xa0\x80\"}", "application/json", "invalid_utf8", ""},
		{"an unpaired surrogate escape is refused", `{"name":"\ud800"}`, "application/json", "invalid_utf8", ""},
		{"a wrong type is refused", `{"n":"1"}`, "application/json", "invalid_field", ""},
		{"a wrong type in an array is refused", `{"tags":["a",1]}`, "application/json", "invalid_field", ""},
		{"a number out of range is refused", `{"n":1e999}`, "application/json", "invalid_field", ""},
		{"a fraction for an integer is refused", `{"n":1.5}`, "application/json", "invalid_field", ""},
		{"trailing data is refused", `{"name":"a"} []`, "application/json", "invalid_json", ""},
		{"a second object is refused", `{"name":"a"}{"name":"b"}`, "application/json", "invalid_json", ""},
		{"a truncated body is refused", `{"name":`, "application/json", "invalid_json", ""},
		{"a JSON null body is refused", `null`, "application/json", "invalid_json", ""},
		{"a JSON array body is refused", `[{"name":"a"}]`, "application/json", "invalid_json", ""},
		{"a JSON string body is refused", `"a"`, "application/json", "invalid_json", ""},
		{"a comment is refused", `{"name":"a" /* x */}`, "application/json", "invalid_json", ""},
		{"an empty body is refused", ` `, "application/json", "empty_body", ""},
		{"form data is refused", `name=a`, "application/x-www-form-urlencoded", "unsupported_media_type", ""},
		{"a body over the limit is refused", `{"name":"` + strings.Repeat("a", DefaultMaxBody) + `"}`, "application/json", "body_too_large", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := req(c.body)
			r.Headers["content-type"] = c.ctype
			var v payload
			err := DecodeJSON(r, &v)
			if c.code == "" && (err != nil || v.Name != c.want) || c.code != "" && codeOf(err) != c.code {
				t.Fatalf("err = %v, name = %q; want code %q, name %q", err, v.Name, c.code, c.want)
			}
			if _, status := Classify(err); err != nil && status >= 500 {
				t.Fatalf("a refused body answers %d", status)
			}
		})
	}
}

func TestRefusalsNameTheField(t *testing.T) {
	cases := []struct{ name, body, says string }{
		{"an unknown field", `{"Name":"a"}`, `"Name"`},
		{"a duplicate", `{"name":"A","name":"B"}`, `"name"`},
		{"a wrong type deep down", `{"tags":["a",1]}`, `"tags/1"`},
		{"a very long unknown name is shortened", `{"` + strings.Repeat("é", 100) + `":1}`, `..."`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _ := Classify(DecodeJSON(req(c.body), &payload{}))
			if !strings.Contains(f.Message, c.says) || !utf8.ValidString(f.Message) || len(f.Message) > 200 {
				t.Fatalf("message %q does not say %s", f.Message, c.says)
			}
		})
	}
}

func TestQueryPathAndReadHeadersMustBeUTF8(t *testing.T) {
	bad := "ca\xffe"
	cases := []struct {
		name   string
		modify func(r *Request)
		status int
	}{
		{"a clean request passes", func(*Request) {}, 204},
		{"non-ASCII UTF-8 passes", func(r *Request) { r.QueryStringParameters["q"] = "Müller" }, 204},
		{"a query value is refused", func(r *Request) { r.QueryStringParameters["cursor"] = bad }, 400},
		{"a query name is refused", func(r *Request) { r.QueryStringParameters[bad] = "1" }, 400},
		{"a path parameter is refused", func(r *Request) { r.PathParameters["id"] = bad }, 400},
		{"the Idempotency-Key header is refused", func(r *Request) { r.Headers["idempotency-key"] = bad }, 400},
		{"the Authorization header is refused", func(r *Request) { r.Headers["authorization"] = "Bearer " + bad }, 400},
		{"the Content-Type header is refused", func(r *Request) { r.Headers["content-type"] = bad }, 400},
		{"a header we never read is left alone", func(r *Request) { r.Headers["user-agent"] = bad }, 204},
		// U+FFFD is what invalid bytes become in a lenient decoder (our runner turned the
		// probe's ?%ff=1 into it): refused like the bytes it stands for.
		{"U+FFFD as a query name is refused", func(r *Request) { r.QueryStringParameters["\uFFFD"] = "1" }, 400},
		{"U+FFFD in a query value is refused", func(r *Request) { r.QueryStringParameters["cursor"] = "ca\uFFFDe" }, 400},
		{"U+FFFD in a path parameter is refused", func(r *Request) { r.PathParameters["id"] = "\uFFFD" }, 400},
		{"U+FFFD in the Idempotency-Key header is refused", func(r *Request) { r.Headers["idempotency-key"] = "k\uFFFD" }, 400},
		{"U+FFFD in the Authorization header is refused", func(r *Request) { r.Headers["authorization"] = "Bearer \uFFFD" }, 400},
		{"U+FFFD in a header we never read is left alone", func(r *Request) { r.Headers["user-agent"] = "\uFFFD" }, 204},
	}
	srv := &Server{Log: logging.NewTo(io.Discard, "ERROR", "test"), Routes: Routes{
		"GET /x/{id}": func(context.Context, Request) (Response, error) { return NoContent(), nil },
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Request{RouteKey: "GET /x/{id}", QueryStringParameters: map[string]string{},
				PathParameters: map[string]string{"id": "1"}, Headers: map[string]string{}}
			c.modify(&r)
			resp, _ := srv.Handle(context.Background(), r)
			var eb ErrorBody
			_ = json.Unmarshal([]byte(resp.Body), &eb)
			if resp.StatusCode != c.status || c.status == 400 && eb.Error.Code != "invalid_utf8" {
				t.Fatalf("%d %s, want %d", resp.StatusCode, resp.Body, c.status)
			}
		})
	}
	t.Run("PageParams refuses a cursor that is not UTF-8 on its own", func(t *testing.T) {
		_, err := PageParams(Request{QueryStringParameters: map[string]string{"cursor": bad}})
		if codeOf(err) != "invalid_cursor" {
			t.Fatalf("err = %v", err)
		}
	})
}

// FuzzDecodeJSON: no body, however malformed, panics or gets past without a 4xx code;
// and what is accepted is what a lenient reader would also read, the same way: valid
// UTF-8, no duplicate or case-folded names, one object. encoding/json (v1) is the oracle:
// it accepts a superset, so for a body we accept it must agree on every field.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"a","n":1}`, `{`, `[]`, `{"n":1e999}`, `{"name":"\ud800"}`, "\xff", `null`,
		`{"name":"A","name":"B"}`, `{"Name":"a"}`, "{\"name\":\"\xc3\"}", `{"tags":["a","b"],"meta":{"k":"v"}}`,
		`{"meta":{"k":"1","K":"2"}}`, `{"name":"\u00e9\ud83d\ude00"}`, `{"name":"a"} `, `{"n":-0,"tags":[]}`} {
		f.Add(s, false)
	}
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"name":"b64"}`)), true)
	f.Fuzz(func(t *testing.T, body string, b64 bool) {
		r := req(body)
		r.IsBase64Encoded = b64
		var v payload
		err := DecodeJSON(r, &v)
		if err != nil {
			if _, status := Classify(err); status < 400 || status >= 500 {
				t.Fatalf("decode error %v maps to %d", err, status)
			}
			return
		}
		raw, _ := Body(r)
		if !utf8.Valid(raw) {
			t.Fatalf("accepted invalid UTF-8: %q", raw)
		}
		if !utf8.ValidString(v.Name) || !utf8.ValidString(strings.Join(v.Tags, "")) {
			t.Fatalf("decoded invalid UTF-8: %+v", v)
		}
		var lenient payload
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&lenient); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", raw, err)
		}
		if !reflect.DeepEqual(v, lenient) {
			t.Fatalf("%q decodes as %+v, encoding/json reads %+v", raw, v, lenient)
		}
	})
}

// FuzzRequestText: a request is refused with invalid_utf8 exactly when a query parameter,
// a path parameter or a header the API reads is not valid UTF-8 or holds U+FFFD; other
// headers never matter.
func FuzzRequestText(f *testing.F) {
	f.Add("cursor", "abc", "id-1", "key-1", "agent")
	f.Add("q", "M\xfcller", "id", "k", "x")
	f.Add("q\xff", "v", "\xed\xa0\x80", "k\xc3", "\xff")
	f.Add("\uFFFD", "1", "id", "k", "\uFFFD")
	srv := &Server{Log: logging.NewTo(io.Discard, "ERROR", "test"), Routes: Routes{
		"GET /x/{id}": func(context.Context, Request) (Response, error) { return NoContent(), nil },
	}}
	f.Fuzz(func(t *testing.T, qName, qValue, pathID, idemKey, agent string) {
		r := Request{RouteKey: "GET /x/{id}", QueryStringParameters: map[string]string{qName: qValue},
			PathParameters: map[string]string{"id": pathID},
			Headers:        map[string]string{"idempotency-key": idemKey, "user-agent": agent}}
		resp, err := srv.Handle(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		clean := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError) }
		valid := clean(qName) && clean(qValue) && clean(pathID) && clean(idemKey)
		var eb ErrorBody
		_ = json.Unmarshal([]byte(resp.Body), &eb)
		if valid && resp.StatusCode != 204 || !valid && (resp.StatusCode != 400 || eb.Error.Code != "invalid_utf8") {
			t.Fatalf("valid=%v: %d %s", valid, resp.StatusCode, resp.Body)
		}
	})
}

func TestIdempotencyKeysAreReadStrictly(t *testing.T) {
	withKey := func(v string) Request { return Request{Headers: map[string]string{"idempotency-key": v}} }
	t.Run("no header is no key", func(t *testing.T) {
		if key, err := IdempotencyKey(Request{Headers: map[string]string{"authorization": "x"}}); key != "" || err != nil {
			t.Fatalf("key %q, err %v", key, err)
		}
	})
	for _, key := range []string{
		"3f2b8c9e-1d4a-4b6f-9a7e-2c5d8e1f0a3b", // UUID
		"01ARZ3NDEKTSV4RRFFQ69G5FAV",           // ULID
		"req_8f2Kx:retry.1",                    // Stripe-style, with the other allowed marks
		"a",
		strings.Repeat("k", 128),
	} {
		t.Run("accepts "+key[:min(len(key), 40)], func(t *testing.T) {
			if got, err := IdempotencyKey(withKey(key)); got != key || err != nil {
				t.Fatalf("key %q, err %v", got, err)
			}
		})
	}
	t.Run("the header's name is matched in any case", func(t *testing.T) {
		if got, err := IdempotencyKey(Request{Headers: map[string]string{"Idempotency-Key": "k1"}}); got != "k1" || err != nil {
			t.Fatalf("key %q, err %v", got, err)
		}
	})
	for name, key := range map[string]string{
		"an empty header":                 "",
		"a blank header":                  "   ",
		"a tab":                           "a\tb",
		"two headers joined with a comma": "k1,k2",
		"a space inside":                  "k 1",
		"a leading space":                 " k1",
		"U+FFFD":                          "k\uFFFD",
		"invalid UTF-8":                   "k\xff",
		"a non-ASCII letter":              "cl\u00e9",
		"a key separator":                 "k#1",
		"a slash":                         "k/1",
		"a NUL":                           "k\x00",
		"129 characters":                  strings.Repeat("k", 129),
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			_, err := IdempotencyKey(withKey(key))
			if f, status := Classify(err); err == nil || status != 400 || f.Code != "invalid_idempotency_key" {
				t.Fatalf("err = %v, want 400 invalid_idempotency_key", err)
			}
		})
	}
}
