package stack

import (
	"slices"
	"strings"
	"testing"
)

// The emulator does not enforce IAM, so the least-privilege rules of template.yaml are
// checked here, on the template itself.

const auditSealer = "AuditSealerFunction"

type statement struct {
	Sid       string
	Effect    string
	Actions   []string
	Resource  any
	Condition map[string]any
}

// isTable reports whether a statement's Resource is the table itself (!GetAtt Table.Arn).
func isTable(r any) bool {
	m, ok := r.(map[string]any)
	if !ok {
		return false
	}
	ga, _ := m["Fn::GetAtt"].([]any)
	return len(ga) == 2 && ga[0] == "Table" && ga[1] == "Arn"
}

func functionStatements(t *testing.T) map[string][]statement {
	t.Helper()
	tpl, err := LoadRepoTemplate()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]statement{}
	for _, id := range tpl.ByType("AWS::Serverless::Function") {
		pols, _ := tpl.Resources[id].Properties["Policies"].([]any)
		for _, p := range pols {
			pm, _ := p.(map[string]any)
			sts, _ := pm["Statement"].([]any)
			for _, s := range sts {
				sm := s.(map[string]any)
				st := statement{Effect: str(sm["Effect"]), Sid: str(sm["Sid"])}
				switch a := sm["Action"].(type) {
				case string:
					st.Actions = []string{a}
				case []any:
					for _, x := range a {
						st.Actions = append(st.Actions, str(x))
					}
				}
				st.Condition, _ = sm["Condition"].(map[string]any)
				st.Resource = sm["Resource"]
				out[id] = append(out[id], st)
			}
		}
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }

func (s statement) allows(prefix string, actions ...string) bool {
	if s.Effect != "Allow" {
		return false
	}
	for _, a := range s.Actions {
		if slices.Contains(actions, a) || (prefix != "" && strings.HasPrefix(a, prefix) && len(actions) == 0) {
			return true
		}
	}
	return false
}

func conditionKey(c map[string]any, op, key string) any {
	m, _ := c[op].(map[string]any)
	return m[key]
}

var tableWrites = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}

func TestOnlyTheSealerMayWriteTheAuditChains(t *testing.T) {
	all := functionStatements(t)
	if _, ok := all[auditSealer]; !ok {
		t.Fatalf("template.yaml has no %s", auditSealer)
	}
	for fn, sts := range all {
		writes, denied := false, false
		for _, s := range sts {
			if s.allows("", tableWrites...) {
				writes = true
				if fn == auditSealer {
					keys, _ := conditionKey(s.Condition, "ForAllValues:StringLike", "dynamodb:LeadingKeys").([]any)
					if !slices.Equal(keys, []any{"AUDITCHAIN#*", "T#*#AUDIT#*"}) {
						t.Errorf("%s: %s writes the table beyond the chain and record partitions: %v", fn, s.Sid, keys)
					}
				}
			}
			if s.Effect == "Deny" && isTable(s.Resource) && !slices.ContainsFunc(tableWrites, func(a string) bool { return !slices.Contains(s.Actions, a) }) {
				keys, _ := conditionKey(s.Condition, "ForAnyValue:StringLike", "dynamodb:LeadingKeys").([]any)
				denied = denied || slices.Contains(keys, any("AUDITCHAIN#*"))
			}
		}
		if writes && fn != auditSealer && !denied {
			t.Errorf("%s writes the table but is not denied the audit chains (AUDITCHAIN#*)", fn)
		}
	}
}

func TestEveryKMSPermissionIsConditioned(t *testing.T) {
	for fn, sts := range functionStatements(t) {
		for _, s := range sts {
			if s.Effect != "Allow" || !slices.ContainsFunc(s.Actions, func(a string) bool { return strings.HasPrefix(a, "kms:") }) {
				continue
			}
			via := conditionKey(s.Condition, "StringEquals", "kms:ViaService")
			app := conditionKey(s.Condition, "StringEquals", "kms:EncryptionContext:app")
			if via == nil && app == nil {
				t.Errorf("%s: %s uses the key neither through a service nor under our encryption context", fn, s.Sid)
			}
			usesData := slices.ContainsFunc(s.Actions, func(a string) bool { return a != "kms:DescribeKey" })
			if via != nil && usesData {
				ctx := false
				for k := range s.Condition["StringEquals"].(map[string]any) {
					ctx = ctx || strings.HasPrefix(k, "kms:EncryptionContext:")
				}
				if !ctx {
					t.Errorf("%s: %s uses the key through a service for any resource: condition it on the resource's encryption context", fn, s.Sid)
				}
			}
		}
	}
}
