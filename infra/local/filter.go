package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// eventFilter is a compiled FilterCriteria: Lambda's event filtering for stream sources.
// A record passes when any of the patterns matches it; a source without patterns passes
// everything. The syntax is EventBridge's event patterns, the subset Lambda documents:
// nested objects, arrays of alternatives, exact strings, numbers, booleans and null, and
// the operators prefix, suffix, equals-ignore-case, anything-but (values or a prefix),
// exists and numeric. Anything else is refused when the filter is compiled, so that a
// pattern the runner cannot honour is not silently misread.
type eventFilter []patternNode

// patternNode is an object of a pattern: each field holds either a nested object or a
// list of alternatives for a leaf value.
type patternNode map[string]patternField

type patternField struct {
	nested patternNode
	leaf   []valueMatcher
}

// valueMatcher tests one leaf; present is false when the record lacks the field.
type valueMatcher func(v any, present bool) bool

func compileFilter(patterns []string) (eventFilter, error) {
	var f eventFilter
	for i, p := range patterns {
		var obj map[string]any
		if err := json.Unmarshal([]byte(p), &obj); err != nil {
			return nil, fmt.Errorf("filter %d: not a JSON object: %w", i, err)
		}
		node, err := compileNode(obj)
		if err != nil {
			return nil, fmt.Errorf("filter %d: %w", i, err)
		}
		f = append(f, node)
	}
	return f, nil
}

// match reports whether the record (as JSON decodes it: maps, slices, strings, float64,
// bool, nil) passes the filter.
func (f eventFilter) match(record any) bool {
	if len(f) == 0 {
		return true
	}
	for _, n := range f {
		if n.match(record) {
			return true
		}
	}
	return false
}

func compileNode(obj map[string]any) (patternNode, error) {
	node := patternNode{}
	for k, v := range obj {
		switch x := v.(type) {
		case map[string]any:
			nested, err := compileNode(x)
			if err != nil {
				return nil, fmt.Errorf("%s.%w", k, err)
			}
			node[k] = patternField{nested: nested}
		case []any:
			if len(x) == 0 {
				return nil, fmt.Errorf("%s: an empty list matches nothing", k)
			}
			var leaf []valueMatcher
			for _, alt := range x {
				m, err := compileMatcher(alt)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", k, err)
				}
				leaf = append(leaf, m)
			}
			node[k] = patternField{leaf: leaf}
		default:
			return nil, fmt.Errorf("%s: a leaf must be a list of values or operators, got %v", k, v)
		}
	}
	return node, nil
}

func (n patternNode) match(v any) bool {
	obj, _ := v.(map[string]any)
	for k, field := range n {
		val, present := obj[k]
		if field.nested != nil {
			if !field.nested.match(val) {
				return false
			}
			continue
		}
		if !matchLeaf(field.leaf, val, present) {
			return false
		}
	}
	return true
}

// matchLeaf: a list value in the record matches when any of its elements does.
func matchLeaf(alts []valueMatcher, v any, present bool) bool {
	values := []any{v}
	if list, ok := v.([]any); ok && present {
		values = list
	}
	for _, m := range alts {
		for _, x := range values {
			if m(x, present) {
				return true
			}
		}
	}
	return false
}

// isScalar reports whether v is a JSON string, number, boolean or null. Only those can be
// compared with ==: a list or an object among a pattern's alternatives (Lambda refuses
// them too) would panic when compared with a list value of the same type in a record.
func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, bool, nil:
		return true
	}
	return false
}

func compileMatcher(alt any) (valueMatcher, error) {
	op, isOp := alt.(map[string]any)
	if !isOp {
		if !isScalar(alt) {
			return nil, fmt.Errorf("an alternative must be a string, number, boolean, null or operator object, got %v", alt)
		}
		return equalTo(alt), nil
	}
	if len(op) != 1 {
		return nil, fmt.Errorf("an operator object holds one operator, got %v", op)
	}
	var name string
	var arg any
	for name, arg = range op { // its only entry
	}
	switch name {
	case "prefix", "suffix", "equals-ignore-case":
		s, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("%s wants a string", name)
		}
		return stringOp(name, s), nil
	case "exists":
		want, ok := arg.(bool)
		if !ok {
			return nil, fmt.Errorf("exists wants true or false")
		}
		return func(_ any, present bool) bool { return present == want }, nil
	case "anything-but":
		return anythingBut(arg)
	case "numeric":
		return numeric(arg)
	}
	return nil, fmt.Errorf("operator %q is not supported by the local runner", name)
}

func equalTo(want any) valueMatcher {
	return func(v any, present bool) bool {
		if !present {
			return false
		}
		if wn, ok := want.(float64); ok {
			vn, ok := v.(float64)
			return ok && vn == wn
		}
		return v == want
	}
}

func stringOp(name, arg string) valueMatcher {
	return func(v any, present bool) bool {
		s, ok := v.(string)
		if !present || !ok {
			return false
		}
		switch name {
		case "prefix":
			return strings.HasPrefix(s, arg)
		case "suffix":
			return strings.HasSuffix(s, arg)
		default:
			return strings.EqualFold(s, arg)
		}
	}
}

func anythingBut(arg any) (valueMatcher, error) {
	var not []valueMatcher
	switch x := arg.(type) {
	case []any:
		for _, v := range x {
			if !isScalar(v) {
				return nil, fmt.Errorf("anything-but lists hold strings, numbers, booleans or null, got %v", v)
			}
			not = append(not, equalTo(v))
		}
	case map[string]any:
		p, ok := x["prefix"].(string)
		if len(x) != 1 || !ok {
			return nil, fmt.Errorf("anything-but takes values or {\"prefix\": ...}")
		}
		not = append(not, stringOp("prefix", p))
	default:
		not = append(not, equalTo(x))
	}
	return func(v any, present bool) bool {
		if !present {
			return false
		}
		for _, m := range not {
			if m(v, true) {
				return false
			}
		}
		return true
	}, nil
}

// numeric takes [op, n] or [op, n, op, n] with op one of = < <= > >=.
func numeric(arg any) (valueMatcher, error) {
	list, ok := arg.([]any)
	if !ok || (len(list) != 2 && len(list) != 4) {
		return nil, fmt.Errorf("numeric wants [op, n] or [op, n, op, n]")
	}
	type bound struct {
		op string
		n  float64
	}
	var bounds []bound
	for i := 0; i < len(list); i += 2 {
		op, ok1 := list[i].(string)
		n, ok2 := list[i+1].(float64)
		switch {
		case !ok1 || !ok2:
			return nil, fmt.Errorf("numeric wants an operator then a number, got %v %v", list[i], list[i+1])
		case op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=":
			return nil, fmt.Errorf("numeric operator %q", op)
		}
		bounds = append(bounds, bound{op, n})
	}
	return func(v any, present bool) bool {
		x, ok := v.(float64)
		if !present || !ok {
			return false
		}
		for _, b := range bounds {
			pass := map[string]bool{"=": x == b.n, "<": x < b.n, "<=": x <= b.n, ">": x > b.n, ">=": x >= b.n}[b.op]
			if !pass {
				return false
			}
		}
		return true
	}, nil
}
