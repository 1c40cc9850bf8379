package stack

import (
	"fmt"
	"sort"
	"time"
)

// SAM's defaults when neither the function nor Globals set them.
const (
	defaultTimeout  = 3 * time.Second
	defaultMemoryMB = 128
)

// Function is an AWS::Serverless::Function with Globals.Function merged in and every
// intrinsic resolved: what a runner needs to build and start it.
type Function struct {
	LogicalID string
	Name      string // FunctionName, or the name SAM would generate
	ARN       string
	CodeURI   string // relative to the template's folder
	Handler   string
	Runtime   string
	Arch      []string
	Timeout   time.Duration
	MemoryMB  int
	LogFormat string            // LoggingConfig.LogFormat (Text or JSON)
	Env       map[string]string // Environment.Variables
	Events    []EventSource     // sorted by name
}

// EventSource is one entry of a function's Events, properties resolved.
type EventSource struct {
	Name       string
	Type       string // HttpApi, SQS, EventBridgeRule, Schedule, ScheduleV2, ...
	Properties map[string]any
}

// FunctionProperties merges Globals.Function into the function's own properties the way
// SAM does: the function wins on scalars, maps are merged key by key, lists are appended
// (globals first). The result is still unresolved.
func (t *Template) FunctionProperties(logicalID string) (map[string]any, error) {
	res, ok := t.Resources[logicalID]
	if !ok || res.Type != "AWS::Serverless::Function" {
		return nil, fmt.Errorf("stack: no function %q in template", logicalID)
	}
	globals, _ := t.Globals["Function"].(map[string]any)
	merged, _ := mergeGlobals(globals, res.Properties).(map[string]any)
	if merged == nil {
		merged = map[string]any{}
	}
	return merged, nil
}

func mergeGlobals(global, local any) any {
	switch g := global.(type) {
	case map[string]any:
		l, ok := local.(map[string]any)
		if !ok {
			if local != nil {
				return local
			}
			return g
		}
		out := make(map[string]any, len(g)+len(l))
		for k, v := range g {
			out[k] = v
		}
		for k, v := range l {
			out[k] = mergeGlobals(g[k], v)
		}
		return out
	case []any:
		l, ok := local.([]any)
		if !ok {
			if local != nil {
				return local
			}
			return g
		}
		return append(append([]any{}, g...), l...)
	}
	if local == nil {
		return global
	}
	return local
}

type functionProps struct {
	FunctionName  string
	CodeUri       string
	Handler       string
	Runtime       string
	Architectures []string
	Timeout       float64
	MemorySize    float64
	LoggingConfig struct{ LogFormat string }
	Environment   struct{ Variables map[string]any }
	Events        map[string]struct {
		Type       string
		Properties map[string]any
	}
}

// Function resolves one function with r. Name and ARN follow SAM: FunctionName when set,
// otherwise "<stack>-<LogicalID>".
func (t *Template) Function(r *Resolver, logicalID string) (Function, error) {
	raw, err := t.FunctionProperties(logicalID)
	if err != nil {
		return Function{}, err
	}
	resolved, err := r.Resolve(raw)
	if err != nil {
		return Function{}, fmt.Errorf("stack: function %s: %w", logicalID, err)
	}
	var p functionProps
	if err := remarshal(resolved, &p); err != nil {
		return Function{}, fmt.Errorf("stack: function %s: %w", logicalID, err)
	}
	fn := Function{
		LogicalID: logicalID,
		Name:      p.FunctionName,
		CodeURI:   p.CodeUri,
		Handler:   p.Handler,
		Runtime:   p.Runtime,
		Arch:      p.Architectures,
		Timeout:   time.Duration(p.Timeout * float64(time.Second)),
		MemoryMB:  int(p.MemorySize),
		LogFormat: p.LoggingConfig.LogFormat,
		Env:       map[string]string{},
	}
	if fn.Name == "" {
		stackName, err := r.String(map[string]any{"Ref": "AWS::StackName"})
		if err != nil {
			return Function{}, err
		}
		fn.Name = stackName + "-" + logicalID
	}
	fn.ARN = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r.Region, r.Account, fn.Name)
	if fn.Timeout <= 0 {
		fn.Timeout = defaultTimeout
	}
	if fn.MemoryMB <= 0 {
		fn.MemoryMB = defaultMemoryMB
	}
	for k, v := range p.Environment.Variables {
		fn.Env[k] = scalar(v)
	}
	for name, ev := range p.Events {
		fn.Events = append(fn.Events, EventSource{Name: name, Type: ev.Type, Properties: ev.Properties})
	}
	sort.Slice(fn.Events, func(i, j int) bool { return fn.Events[i].Name < fn.Events[j].Name })
	return fn, nil
}
