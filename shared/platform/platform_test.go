package platform_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/platform"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

var staff = audit.Actor{Type: "staff", ID: "s"}

// twoTenants are deps of a function that pages lists, over a table holding two tenants,
// so that a page of one ends with a cursor.
func twoTenants(t *testing.T) *platform.Deps {
	t.Helper()
	d := pt.Deps(t)
	for _, name := range []string{"Alpha Exchange", "Beta Desk"} {
		if _, _, err := d.Tenants.CreateTenant(context.Background(), staff, name, ""); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestCursorsAreSignedWithTheSecretFromSecretsManager(t *testing.T) {
	ctx := context.Background()
	d := twoTenants(t)
	first, cursor, err := d.Tenants.List(ctx, 1, "")
	if err != nil || len(first) != 1 || cursor == "" {
		t.Fatalf("first page: %v %q %v", first, cursor, err)
	}

	// Another instance of the same deployment (same table, same secret) continues it.
	other, err := platform.Load(ctx, platform.WithCursors())
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := other.Tenants.List(ctx, 1, cursor)
	if err != nil || len(second) != 1 || second[0].ID == first[0].ID {
		t.Fatalf("second page on another instance: %v %v", second, err)
	}

	// What a client knowing the old scheme (a key derived from the table name) forges.
	derived := store.New(d.DB, d.Config.TableName, store.WithCursorSecret([]byte("chainguard-cursor-v1:"+d.Config.TableName)))
	page, err := derived.Query(ctx, store.QueryInput{Index: store.IndexGSI1, PK: store.TenantListPK, Limit: 1})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("forging: %v", err)
	}
	if _, _, err := d.Tenants.List(ctx, 1, page.NextCursor); !errors.Is(err, store.ErrBadCursor) {
		t.Fatalf("a cursor signed with the table-derived key: err = %v, want ErrBadCursor", err)
	}
}

func TestAFunctionThatPagesFailsAtColdStartWithoutItsSecret(t *testing.T) {
	cfg := emulator.TestConfig(t)
	pt.Deps(t) // the table and the rest of the environment
	cases := map[string]string{
		"no CURSOR_SECRET_ARN":           "",
		"a secret that does not exist":   "arn:aws:secretsmanager:us-east-1:123456789012:secret:chainguard-test-missing-AbCdEf",
		"a secret shorter than 32 bytes": pt.CursorSecret(t, cfg, pt.RandomSecret(t, 31)),
	}
	for name, arn := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(config.EnvCursorSecretARN, arn)
			if _, err := platform.Load(context.Background(), platform.WithCursors()); err == nil {
				t.Fatal("Load succeeded")
			} else if name == "no CURSOR_SECRET_ARN" && !strings.Contains(err.Error(), config.EnvCursorSecretARN) {
				t.Fatalf("err = %v, want it to name %s", err, config.EnvCursorSecretARN)
			}
		})
	}
}

// A function that does not page is not allowed to read the secret, so Load must not try;
// its store then refuses cursors rather than sign them with a guessable key.
func TestAFunctionThatDoesNotPageNeverReadsTheSecret(t *testing.T) {
	twoTenants(t)
	t.Setenv(config.EnvCursorSecretARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:not-readable-AbCdEf")
	d, err := platform.Load(context.Background())
	if err != nil {
		t.Fatalf("Load without WithCursors: %v", err)
	}
	if _, _, err := d.Tenants.List(context.Background(), 1, ""); !errors.Is(err, store.ErrNoCursorSecret) {
		t.Fatalf("paging without a secret: err = %v, want ErrNoCursorSecret", err)
	}
}

// The emulator does not enforce IAM, so this keeps template.yaml and the functions'
// wiring in step: exactly the functions whose main asks for platform.WithCursors may read
// the cursor secret; a statement that reads it reads only it, and other secrets (the
// identity vendors') are read only by their own statements.
func TestOnlyTheFunctionsThatPageReadTheCursorSecret(t *testing.T) {
	tpl, err := stack.LoadRepoTemplate()
	if err != nil {
		t.Fatal(err)
	}
	root, err := stack.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	env, _ := tpl.Globals["Function"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	if ref, _ := env[config.EnvCursorSecretARN].(map[string]any); ref["Ref"] != "CursorSecret" {
		t.Fatalf("Globals: %s = %v, want !Ref CursorSecret", config.EnvCursorSecretARN, env[config.EnvCursorSecretARN])
	}
	if tpl.Resources["CursorSecret"].Type != "AWS::SecretsManager::Secret" {
		t.Fatal("template.yaml has no CursorSecret secret")
	}
	var paging []string
	for _, id := range tpl.ByType("AWS::Serverless::Function") {
		props := tpl.Resources[id].Properties
		mainGo := filepath.Join(root, strings.TrimSuffix(props["CodeUri"].(string), "/"), "main.go")
		asks := asksForCursors(t, mainGo)
		reads := false
		pols, _ := props["Policies"].([]any)
		for _, p := range pols {
			sts, _ := p.(map[string]any)["Statement"].([]any)
			for _, s := range sts {
				st := s.(map[string]any)
				if !slices.ContainsFunc(actions(st), func(a string) bool { return strings.HasPrefix(a, "secretsmanager:") }) {
					continue
				}
				if !slices.Equal(actions(st), []string{"secretsmanager:GetSecretValue"}) {
					t.Errorf("%s: %v: secrets are only read (secretsmanager:GetSecretValue)", id, st["Action"])
				}
				ref, _ := st["Resource"].(map[string]any)
				if ref["Ref"] != "CursorSecret" {
					if strings.Contains(fmt.Sprint(st["Resource"]), "CursorSecret") {
						t.Errorf("%s: %v: the cursor secret is read by a statement of its own", id, st["Resource"])
					}
					continue
				}
				reads = reads || st["Effect"] == "Allow"
			}
		}
		if asks != reads {
			t.Errorf("%s: main asks for platform.WithCursors: %v; policy reads the cursor secret: %v", id, asks, reads)
		}
		if asks {
			paging = append(paging, id)
		}
	}
	if len(paging) == 0 {
		t.Fatal("no function pages lists: the test looks at the wrong files")
	}
	t.Logf("functions that read the cursor secret: %v", paging)
}

func actions(st map[string]any) []string {
	switch a := st["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, len(a))
		for i, x := range a {
			out[i], _ = x.(string)
		}
		return out
	}
	return nil
}

// asksForCursors reports whether a function's main.go calls platform.WithCursors.
func asksForCursors(t *testing.T, path string) bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "WithCursors" {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "platform" {
				found = true
			}
		}
		return !found
	})
	return found
}
