package webhooks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMatches(t *testing.T) {
	tests := []struct {
		filters []string
		event   string
		want    bool
	}{
		{[]string{"*"}, "tenant.suspended", true},
		{[]string{"*"}, "a.type.added.later", true},
		{[]string{"tenant.suspended", "tenant.resumed"}, "tenant.resumed", true},
		{[]string{"tenant.suspended"}, "tenant.resumed", false},
		{[]string{"tenant.*"}, "tenant.resumed", false}, // no wildcards but "*"
		{[]string{"tenant"}, "tenant.resumed", false},
		{nil, "tenant.resumed", false},
		{[]string{}, "webhook.test", false},
	}
	for _, tt := range tests {
		if got := Matches(tt.filters, tt.event); got != tt.want {
			t.Errorf("Matches(%q, %q) = %v", tt.filters, tt.event, got)
		}
	}
}

func TestValidateFilters(t *testing.T) {
	var all []string
	for _, et := range Catalogue() {
		all = append(all, et.Name)
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("x.t%d", i)
	}
	tests := []struct {
		name    string
		filters []string
		ok      bool
	}{
		{"every type", []string{"*"}, true},
		{"one type", []string{"tenant.suspended"}, true},
		{"every type by name", all, true},
		{"nothing", nil, false},
		{"an empty list", []string{}, false},
		{"51 entries", many, false},
		{"* with a name", []string{"*", "tenant.suspended"}, false},
		{"* twice", []string{"*", "*"}, false},
		{"a duplicate", []string{"tenant.suspended", "tenant.suspended"}, false},
		{"an unknown type", []string{"tenant.deleted"}, false},
		{"a wildcard other than *", []string{"tenant.*"}, false},
		{"an empty name", []string{""}, false},
		{"a name in another case", []string{"Tenant.Suspended"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateFilters(tt.filters)
			if tt.ok != (err == nil) {
				t.Fatalf("ValidateFilters(%q) = %v", tt.filters, err)
			}
			var fe *FilterError
			if err != nil && (!errors.As(err, &fe) || !errors.Is(err, ErrInvalidFilters) || fe.Reason == "") {
				t.Fatalf("error %#v", err)
			}
		})
	}
}

func TestValidateFiltersShortensAnEchoedName(t *testing.T) {
	err := ValidateFilters([]string{strings.Repeat("a", 10000)})
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("error of %d bytes", len(err.Error()))
	}
}
