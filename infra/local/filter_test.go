package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// record is a DynamoDB stream record as the filter sees it.
const record = `{
  "eventName": "INSERT", "eventSource": "aws:dynamodb",
  "dynamodb": {
    "Keys": {"PK": {"S": "T#t1"}},
    "NewImage": {"entity": {"S": "audit_record"}, "kind": {"S": "tenant.created"}, "seq": {"N": "7"}, "tags": {"SS": ["a", "b"]}},
    "SizeBytes": 120
  }
}`

func TestFiltersMatchStreamRecordsAsLambdaDoes(t *testing.T) {
	cases := []struct {
		name     string
		patterns []string
		want     bool
	}{
		{"no filter lets every record through", nil, true},
		{"an exact event name and a nested image value match",
			[]string{`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"entity":{"S":["audit_record"]}}}}`}, true},
		{"another event name does not match", []string{`{"eventName":["MODIFY","REMOVE"]}`}, false},
		{"one of several filters is enough",
			[]string{`{"eventName":["REMOVE"]}`, `{"dynamodb":{"NewImage":{"entity":{"S":["audit_record"]}}}}`}, true},
		{"every field of one pattern must match",
			[]string{`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"entity":{"S":["session"]}}}}`}, false},
		{"a prefix matches the start of a string", []string{`{"dynamodb":{"NewImage":{"kind":{"S":[{"prefix":"tenant."}]}}}}`}, true},
		{"a prefix elsewhere does not match", []string{`{"dynamodb":{"NewImage":{"kind":{"S":[{"prefix":"created"}]}}}}`}, false},
		{"a suffix matches the end of a string", []string{`{"dynamodb":{"NewImage":{"kind":{"S":[{"suffix":".created"}]}}}}`}, true},
		{"equals-ignore-case ignores case", []string{`{"eventName":[{"equals-ignore-case":"insert"}]}`}, true},
		{"anything-but refuses the listed values", []string{`{"eventName":[{"anything-but":["INSERT","MODIFY"]}]}`}, false},
		{"anything-but accepts the others", []string{`{"eventName":[{"anything-but":"REMOVE"}]}`}, true},
		{"anything-but a prefix", []string{`{"dynamodb":{"NewImage":{"kind":{"S":[{"anything-but":{"prefix":"key."}}]}}}}`}, true},
		{"anything-but does not match a missing field", []string{`{"dynamodb":{"OldImage":{"kind":{"S":[{"anything-but":"x"}]}}}}`}, false},
		{"exists true needs the field", []string{`{"dynamodb":{"NewImage":{"entity":[{"exists":true}]}}}`}, true},
		{"exists false needs its absence", []string{`{"dynamodb":{"OldImage":[{"exists":false}]}}`}, true},
		{"exists false fails on a present field", []string{`{"dynamodb":{"NewImage":[{"exists":false}]}}`}, false},
		{"a field inside a missing object is missing", []string{`{"dynamodb":{"OldImage":{"entity":{"S":["audit_record"]}}}}`}, false},
		{"a list value matches when one element does", []string{`{"dynamodb":{"NewImage":{"tags":{"SS":["b"]}}}}`}, true},
		{"numbers compare as numbers", []string{`{"dynamodb":{"SizeBytes":[120.0]}}`}, true},
		{"numeric ranges", []string{`{"dynamodb":{"SizeBytes":[{"numeric":[">",100,"<=",120]}]}}`}, true},
		{"numeric ranges exclude", []string{`{"dynamodb":{"SizeBytes":[{"numeric":["<",100]}]}}`}, false},
		{"DynamoDB numbers are strings, so exact strings match them", []string{`{"dynamodb":{"NewImage":{"seq":{"N":["7"]}}}}`}, true},
	}
	var rec any
	if err := json.Unmarshal([]byte(record), &rec); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := compileFilter(c.patterns)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.match(rec); got != c.want {
				t.Errorf("match = %v, want %v", got, c.want)
			}
		})
	}
}

func TestFiltersTheRunnerCannotHonourAreRefused(t *testing.T) {
	cases := []struct {
		name, pattern, want string
	}{
		{"not JSON", `{eventName`, "not a JSON object"},
		{"a bare value instead of a list", `{"eventName":"INSERT"}`, "must be a list"},
		{"an empty list", `{"eventName":[]}`, "empty list"},
		{"an unknown operator", `{"eventName":[{"wildcard":"IN*"}]}`, `"wildcard" is not supported`},
		{"a malformed numeric", `{"n":[{"numeric":[">"]}]}`, "numeric wants"},
		{"exists with a string", `{"n":[{"exists":"yes"}]}`, "exists wants"},
		{"a list among the alternatives", `{"a":[[1]]}`, "an alternative must be"},
		{"an empty list among the alternatives", `{"a":["x",[]]}`, "an alternative must be"},
		{"a list among anything-but's values", `{"a":[{"anything-but":[[1]]}]}`, "anything-but lists hold"},
		{"an object among anything-but's values", `{"a":[{"anything-but":[{"x":1}]}]}`, "anything-but lists hold"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := compileFilter([]string{c.pattern})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one that mentions %q", err, c.want)
			}
		})
	}
}

// Lambda compares a pattern's alternatives with the record's values, which can be lists
// or objects; only scalars compare, so anything else is refused before a record arrives.
func TestNoCompiledFilterPanicsOnListOrObjectValues(t *testing.T) {
	patterns := []string{
		`{"a":[1,"x",true,null]}`,
		`{"a":[{"anything-but":[1,"x"]}]}`,
		`{"a":[{"anything-but":"x"}]}`,
		`{"a":[{"prefix":"x"},{"numeric":[">",0]},{"exists":true}]}`,
	}
	records := []string{`{"a":[[1]]}`, `{"a":[["x"]]}`, `{"a":[{"b":1}]}`, `{"a":{"b":[1]}}`, `{"a":[[true],[null]]}`}
	for _, p := range patterns {
		f, err := compileFilter([]string{p})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, r := range records {
			var rec any
			if err := json.Unmarshal([]byte(r), &rec); err != nil {
				t.Fatal(err)
			}
			func() {
				defer func() {
					if v := recover(); v != nil {
						t.Errorf("pattern %s on record %s panicked: %v", p, r, v)
					}
				}()
				f.match(rec)
			}()
		}
	}
}
