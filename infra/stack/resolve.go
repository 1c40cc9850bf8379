package stack

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// NoValue is what AWS::NoValue resolves to: the resolver drops map keys and list items
// that hold it.
type noValue struct{}

// NoValue marks a property that an Fn::If removed.
var NoValue = noValue{}

// Resolver evaluates intrinsic functions for one deployment of the template.
type Resolver struct {
	Template *Template
	Params   map[string]string // parameter overrides
	Region   string
	Account  string
	// StackName is what AWS::StackName gives; empty means "chainguard-local".
	StackName string
	// Ref gives the physical id of a logical resource (what !Ref returns).
	Ref func(logicalID string) (string, error)
	// Attr gives an attribute of a logical resource (what !GetAtt returns).
	Attr func(logicalID, attr string) (string, error)
}

// Resolve evaluates every intrinsic function inside v.
func (r *Resolver) Resolve(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					return r.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, val := range x {
			rv, err := r.Resolve(val)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if rv != NoValue {
				out[k] = rv
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, val := range x {
			rv, err := r.Resolve(val)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if rv != NoValue {
				out = append(out, rv)
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

// String resolves v and requires a string.
func (r *Resolver) String(v any) (string, error) {
	rv, err := r.Resolve(v)
	if err != nil {
		return "", err
	}
	switch s := rv.(type) {
	case string:
		return s, nil
	case int, int64, float64, bool:
		return fmt.Sprint(s), nil
	}
	return "", fmt.Errorf("stack: expected a string, got %T", rv)
}

func (r *Resolver) intrinsic(name string, arg any) (any, error) {
	switch name {
	case "Ref":
		id, _ := arg.(string)
		return r.ref(id)
	case "Fn::GetAtt":
		parts, err := r.stringList(arg)
		if err != nil || len(parts) != 2 {
			return nil, fmt.Errorf("stack: bad Fn::GetAtt %v", arg)
		}
		if r.Attr == nil {
			return nil, errors.New("stack: no attribute resolver")
		}
		return r.Attr(parts[0], parts[1])
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::If":
		list, ok := arg.([]any)
		if !ok || len(list) != 3 {
			return nil, fmt.Errorf("stack: bad Fn::If %v", arg)
		}
		cond, _ := list[0].(string)
		ok, err := r.Condition(cond)
		if err != nil {
			return nil, err
		}
		if ok {
			return r.Resolve(list[1])
		}
		return r.Resolve(list[2])
	case "Condition":
		cond, _ := arg.(string)
		return r.Condition(cond)
	case "Fn::Equals":
		list, ok := arg.([]any)
		if !ok || len(list) != 2 {
			return nil, fmt.Errorf("stack: bad Fn::Equals %v", arg)
		}
		a, err := r.String(list[0])
		if err != nil {
			return nil, err
		}
		b, err := r.String(list[1])
		if err != nil {
			return nil, err
		}
		return a == b, nil
	case "Fn::Not", "Fn::And", "Fn::Or":
		list, ok := arg.([]any)
		if !ok || len(list) == 0 {
			return nil, fmt.Errorf("stack: bad %s %v", name, arg)
		}
		var vals []bool
		for _, item := range list {
			rv, err := r.Resolve(item)
			if err != nil {
				return nil, err
			}
			b, ok := rv.(bool)
			if !ok {
				return nil, fmt.Errorf("stack: %s expects conditions, got %T", name, rv)
			}
			vals = append(vals, b)
		}
		switch name {
		case "Fn::Not":
			return !vals[0], nil
		case "Fn::And":
			for _, b := range vals {
				if !b {
					return false, nil
				}
			}
			return true, nil
		default:
			for _, b := range vals {
				if b {
					return true, nil
				}
			}
			return false, nil
		}
	case "Fn::Join":
		list, ok := arg.([]any)
		if !ok || len(list) != 2 {
			return nil, fmt.Errorf("stack: bad Fn::Join %v", arg)
		}
		sep, _ := list[0].(string)
		items, err := r.stringList(list[1])
		if err != nil {
			return nil, err
		}
		return strings.Join(items, sep), nil
	case "Fn::Select":
		list, ok := arg.([]any)
		if !ok || len(list) != 2 {
			return nil, fmt.Errorf("stack: bad Fn::Select %v", arg)
		}
		idx, err := r.String(list[0])
		if err != nil {
			return nil, err
		}
		items, err := r.Resolve(list[1])
		if err != nil {
			return nil, err
		}
		arr, _ := items.([]any)
		var i int
		if _, err := fmt.Sscan(idx, &i); err != nil || i < 0 || i >= len(arr) {
			return nil, fmt.Errorf("stack: Fn::Select index %s out of range", idx)
		}
		return arr[i], nil
	}
	return nil, fmt.Errorf("stack: unsupported intrinsic %s", name)
}

// Condition evaluates a named condition of the template.
func (r *Resolver) Condition(name string) (bool, error) {
	c, ok := r.Template.Conditions[name]
	if !ok {
		return false, fmt.Errorf("stack: unknown condition %q", name)
	}
	v, err := r.Resolve(c)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("stack: condition %q is not a boolean", name)
	}
	return b, nil
}

func (r *Resolver) ref(id string) (any, error) {
	switch id {
	case "AWS::Region":
		return r.Region, nil
	case "AWS::AccountId":
		return r.Account, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::StackName":
		if r.StackName != "" {
			return r.StackName, nil
		}
		return "chainguard-local", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return NoValue, nil
	}
	if v, ok := r.Template.ParamValue(id, r.Params); ok {
		return v, nil
	}
	if _, ok := r.Template.Resources[id]; ok {
		if r.Ref == nil {
			return nil, errors.New("stack: no resource resolver")
		}
		return r.Ref(id)
	}
	return nil, fmt.Errorf("stack: Ref to unknown %q", id)
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func (r *Resolver) sub(arg any) (any, error) {
	var tmpl string
	vars := map[string]any{}
	switch x := arg.(type) {
	case string:
		tmpl = x
	case []any:
		if len(x) != 2 {
			return nil, fmt.Errorf("stack: bad Fn::Sub %v", arg)
		}
		tmpl, _ = x[0].(string)
		m, _ := x[1].(map[string]any)
		for k, v := range m {
			vars[k] = v
		}
	default:
		return nil, fmt.Errorf("stack: bad Fn::Sub %v", arg)
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		var v any
		var err error
		if expr, ok := vars[name]; ok {
			v, err = r.Resolve(expr)
		} else if res, attr, ok := strings.Cut(name, "."); ok {
			v, err = r.intrinsic("Fn::GetAtt", []any{res, attr})
		} else {
			v, err = r.ref(name)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return ""
		}
		return fmt.Sprint(v)
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return strings.ReplaceAll(out, "${!", "${"), nil
}

func (r *Resolver) stringList(v any) ([]string, error) {
	rv, err := r.Resolve(v)
	if err != nil {
		return nil, err
	}
	arr, ok := rv.([]any)
	if !ok {
		return nil, fmt.Errorf("stack: expected a list, got %T", rv)
	}
	out := make([]string, len(arr))
	for i, a := range arr {
		out[i] = fmt.Sprint(a)
	}
	return out, nil
}
