// Package events holds a sample event for every function (for `sam local invoke -e` and
// for the runner); this test keeps them true to template.yaml.
package events

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/infra/stack"
)

func TestEveryFunctionHasSampleEventsThatMatchItsRoutes(t *testing.T) {
	tpl, err := stack.LoadRepoTemplate()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range tpl.ByType("AWS::Serverless::Function") {
		props := tpl.Resources[id].Properties
		dir := filepath.Base(strings.TrimSuffix(props["CodeUri"].(string), "/"))
		samples, _ := filepath.Glob(dir + "*.json")
		if len(samples) == 0 {
			t.Errorf("%s (functions/%s) has no sample event in events/", id, dir)
			continue
		}
		routes := map[string]bool{}
		evs, _ := props["Events"].(map[string]any)
		for _, e := range evs {
			ev := e.(map[string]any)
			if ev["Type"] == "HttpApi" {
				p := ev["Properties"].(map[string]any)
				routes[p["Method"].(string)+" "+p["Path"].(string)] = true
			}
		}
		for _, s := range samples {
			raw, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			var ev struct {
				RouteKey string `json:"routeKey"`
			}
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Errorf("%s is not JSON: %v", s, err)
				continue
			}
			if ev.RouteKey != "" && !routes[ev.RouteKey] {
				t.Errorf("%s targets route %q, which %s does not serve", s, ev.RouteKey, id)
			}
		}
	}
}
