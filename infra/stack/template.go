// Package stack reads template.yaml, the single source of truth for wiring, and turns its
// resources into what the local runner and the integration tests need: resolved properties
// (intrinsic functions evaluated against local names) and emulator resources created the
// way the template declares them.
//
// Provision creates every resource of the template in an emulator (or any account an SDK
// configuration points at) and returns a Deployment: physical ids for intrinsics, the
// functions with Globals merged, and the wiring a runner must perform itself (HTTP routes
// and authorizers, queue pollers, DynamoDB stream sources, EventBridge relays, schedules).
// Build compiles a function bootstrap with the flags `sam build` uses; BuildMany compiles
// several in one go command.
//
// Only the intrinsic functions the template uses are supported (Ref, Fn::Sub, Fn::GetAtt,
// Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Join, Fn::Select, Condition); an
// unknown one is an error, not a silent pass-through.
package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM template.
type Template struct {
	Parameters map[string]Parameter `yaml:"Parameters"`
	Conditions map[string]any       `yaml:"Conditions"`
	Globals    map[string]any       `yaml:"Globals"`
	Resources  map[string]Resource  `yaml:"Resources"`
	Outputs    map[string]any       `yaml:"Outputs"`
}

// Parameter is a template parameter.
type Parameter struct {
	Type    string `yaml:"Type"`
	Default any    `yaml:"Default"`
}

// Resource is one entry of Resources, properties still unresolved.
type Resource struct {
	Type       string         `yaml:"Type"`
	Properties map[string]any `yaml:"Properties"`
	Metadata   map[string]any `yaml:"Metadata"`
	Condition  string         `yaml:"Condition"`
	DependsOn  any            `yaml:"DependsOn"` // a name or a list of names
}

// Load parses a template file, turning the short-form tags (!Ref, !Sub, ...) into their
// long forms so that the rest of the package sees one shape.
func Load(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("stack: read template: %w", err)
	}
	return Parse(raw)
}

// Parse parses template bytes.
func Parse(raw []byte) (*Template, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("stack: parse template: %w", err)
	}
	if err := expandTags(&root); err != nil {
		return nil, err
	}
	var t Template
	if err := root.Decode(&t); err != nil {
		return nil, fmt.Errorf("stack: decode template: %w", err)
	}
	return &t, nil
}

// ByType lists the logical ids of resources of one type, sorted.
func (t *Template) ByType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// FindRoot walks up from the working directory to the folder holding go.mod, so tests in
// any package can find template.yaml.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("stack: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// LoadRepoTemplate loads the repository's template.yaml.
func LoadRepoTemplate() (*Template, error) {
	root, err := FindRoot()
	if err != nil {
		return nil, err
	}
	return Load(filepath.Join(root, "template.yaml"))
}

var shortTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt", "!If": "Fn::If", "!Not": "Fn::Not",
	"!Equals": "Fn::Equals", "!And": "Fn::And", "!Or": "Fn::Or", "!Join": "Fn::Join",
	"!Select": "Fn::Select", "!Split": "Fn::Split", "!FindInMap": "Fn::FindInMap",
	"!GetAZs": "Fn::GetAZs", "!Base64": "Fn::Base64", "!ImportValue": "Fn::ImportValue",
}

func expandTags(n *yaml.Node) error {
	for _, c := range n.Content {
		if err := expandTags(c); err != nil {
			return err
		}
	}
	if n.Tag == "" || strings.HasPrefix(n.Tag, "!!") {
		return nil
	}
	name, ok := shortTags[n.Tag]
	if !ok {
		return fmt.Errorf("stack: unsupported tag %s at line %d", n.Tag, n.Line)
	}
	inner := *n
	inner.Tag = ""
	switch inner.Kind {
	case yaml.ScalarNode:
		inner.Tag = "!!str"
		if name == "Fn::GetAtt" {
			// !GetAtt A.B is the list [A, B].
			parts := strings.SplitN(inner.Value, ".", 2)
			seq := yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for _, p := range parts {
				seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p})
			}
			inner = seq
		}
	case yaml.SequenceNode:
		inner.Tag = "!!seq"
	case yaml.MappingNode:
		inner.Tag = "!!map"
	}
	*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: name},
		&inner,
	}}
	return nil
}

// ParamValue is a parameter's value given overrides, falling back to its default.
func (t *Template) ParamValue(name string, overrides map[string]string) (string, bool) {
	if v, ok := overrides[name]; ok {
		return v, true
	}
	p, ok := t.Parameters[name]
	if !ok {
		return "", false
	}
	switch d := p.Default.(type) {
	case nil:
		return "", true
	case string:
		return d, true
	case int:
		return strconv.Itoa(d), true
	default:
		return fmt.Sprint(d), true
	}
}
