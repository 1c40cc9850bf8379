package main

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/chainfi/chainguard/infra/stack"
)

// The runner serves the public list files under ../shared/fixtures as the list sources, so
// the list-refresh function downloads them over HTTP as it downloads OFAC's and the UN's
// files in AWS. Only the template's source parameters change: to URLs on the runner.
const fixturesPath = "/_local/fixtures/"

// fixturesDir is CHAINGUARD_FIXTURES or ../shared/fixtures beside the repository.
func fixturesDir(root string) string {
	if d := os.Getenv("CHAINGUARD_FIXTURES"); d != "" {
		return d
	}
	return filepath.Join(root, "..", "shared", "fixtures")
}

// listSourceFiles are the fixture files that stand in for the template's list-source
// parameters; CryptoAddressUrls takes every sanctions/crypto-addresses file.
var listSourceFiles = map[string]string{
	"OfacSdnUrl":          "sanctions/ofac-2021-07/sdn.csv",
	"OfacAltUrl":          "sanctions/ofac-2021-07/alt.csv",
	"OfacAddUrl":          "sanctions/ofac-2021-07/add.csv",
	"OfacCommentsUrl":     "sanctions/ofac-2021-07/sdn_comments.csv",
	"UnListUrl":           "sanctions/un/UN_consolidated.xml",
	"EuListUrl":           "sanctions/eu-2026-08-05-sample/fsf.xml",
	"UkListUrl":           "sanctions/uk-2026-09-07-sample/uk-sanctions-list.xml",
	"PepUsLegislatorsUrl": "pep/us-congress-2026-06/legislators-current.yaml",
	"PepUsExecutiveUrl":   "pep/us-congress-2026-06/executive.yaml",
	"PepAuAllUrl":         "pep/au-federal-2021/all.csv",
	"PepAuMinistryUrl":    "pep/au-federal-2021/ministry.csv",
	"PepAuCabinetUrl":     "pep/au-federal-2021/cabinet.csv",
}

// uncoveredListSources are the list-source parameters the template declares that neither
// a fixture nor an override covers: they keep their real download URLs.
func uncoveredListSources(fixtures, overrides map[string]string, declared func(string) bool) []string {
	var out []string
	for _, param := range append(slices.Sorted(maps.Keys(listSourceFiles)), "CryptoAddressUrls") {
		_, fixed := fixtures[param]
		_, overridden := overrides[param]
		if declared(param) && !fixed && !overridden {
			out = append(out, param)
		}
	}
	return out
}

// warnMissingFixtures says at start, loudly, when list sources will not come from the
// fixtures: the runner would otherwise fall back to the real download URLs in silence,
// and the first sign would be a failed list refresh and 503 lists_not_ready.
func (rn *Runner) warnMissingFixtures(tpl *stack.Template) {
	dir := fixturesDir(rn.root)
	declared := func(name string) bool { _, ok := tpl.Parameters[name]; return ok }
	missing := uncoveredListSources(fixtureParams(dir, "", declared), rn.opts.Params, declared)
	if len(missing) == 0 {
		return
	}
	where := dir + " (../shared/fixtures beside the repository)"
	if env := os.Getenv("CHAINGUARD_FIXTURES"); env != "" {
		where = dir + " ($CHAINGUARD_FIXTURES)"
	}
	if _, err := os.Stat(dir); err != nil {
		rn.con.printf("WARNING: no list fixtures at %s: that is the handbook's public data folder (OFAC 2021-07, UN, EU and UK samples, crypto addresses), which the runner serves as the list sources", where)
	} else {
		rn.con.printf("WARNING: the list fixtures at %s lack the files for some list sources", where)
	}
	rn.con.printf("WARNING: %s keep their real download URLs: the list refresh will try to download them, which fails offline, and screening answers 503 lists_not_ready until a refresh succeeds (set CHAINGUARD_FIXTURES or -param Name=URL)", strings.Join(missing, ", "))
	// Repeated in the banner, which is what stays on screen.
	rn.warnings = append(rn.warnings, fmt.Sprintf("no list fixtures for %s at %s: they use the real download URLs", strings.Join(missing, ", "), dir))
}

// fixtureParams maps the template's list-source parameters to fixture URLs on the runner,
// for the parameters the template declares and the files that exist.
func fixtureParams(dir, baseURL string, declared func(string) bool) map[string]string {
	url := func(rel string) string { return baseURL + fixturesPath + rel }
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(dir, rel))
		return err == nil
	}
	out := map[string]string{}
	for param, rel := range listSourceFiles {
		if declared(param) && exists(rel) {
			out[param] = url(rel)
		}
	}
	if declared("CryptoAddressUrls") {
		matches, _ := filepath.Glob(filepath.Join(dir, "sanctions", "crypto-addresses", "sanctioned_addresses_*.txt"))
		sort.Strings(matches)
		var urls []string
		for _, m := range matches {
			rel, err := filepath.Rel(dir, m)
			if err == nil {
				urls = append(urls, url(filepath.ToSlash(rel)))
			}
		}
		if len(urls) > 0 {
			out["CryptoAddressUrls"] = strings.Join(urls, ",")
		}
	}
	return out
}

// fixtureHandler serves the fixture folder read-only.
func fixtureHandler(dir string) http.Handler {
	return http.StripPrefix(fixturesPath, http.FileServer(http.Dir(dir)))
}

// paramFlags collects repeated -param Name=Value flags.
type paramFlags map[string]string

func (p paramFlags) String() string { return "" }

func (p paramFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return errBadParam
	}
	p[k] = val
	return nil
}
