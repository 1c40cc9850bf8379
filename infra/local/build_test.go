package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/infra/stack"
)

func TestAFunctionThatDoesNotCompileLeavesTheOthersBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	tpl, err := stack.Load("testdata/build.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rn := &Runner{opts: withDefaults(Options{Template: "testdata/build.yaml", BuildDir: t.TempDir(), Out: &out})}
	rn.con = newConsole(&out)
	results := rn.buildAll(context.Background(), tpl)

	got := map[string]buildResult{}
	for _, r := range results {
		got[r.LogicalID] = r
	}
	cases := []struct {
		name  string
		id    string
		built bool
	}{
		{"the first function of a shared package is built", "EchoA", true},
		{"the second function of the same package gets its own bootstrap", "EchoB", true},
		{"the function that does not compile is reported, not built", "Broken", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := got[c.id]
			if c.built {
				info, err := os.Stat(r.Binary)
				if r.Err != nil || err != nil || info.Mode()&0o111 == 0 || !strings.HasSuffix(r.Binary, "/"+c.id+"/bootstrap") {
					t.Errorf("%+v (stat: %v)", r, err)
				}
				return
			}
			if r.Err == nil || r.Binary != "" || !strings.Contains(r.Err.Error(), "cannot use") {
				t.Errorf("%+v, want a compiler error", r)
			}
		})
	}
	if !strings.Contains(out.String(), "building each function on its own") {
		t.Errorf("the fallback was not announced:\n%s", out.String())
	}
}
