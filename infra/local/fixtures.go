package main

import (
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

// fixtureParams maps the template's list-source parameters to fixture URLs on the runner,
// for the parameters the template declares and the files that exist.
func fixtureParams(dir, baseURL string, declared func(string) bool) map[string]string {
	url := func(rel string) string { return baseURL + fixturesPath + rel }
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(dir, rel))
		return err == nil
	}
	out := map[string]string{}
	files := map[string]string{
		"OfacSdnUrl":      "sanctions/ofac-2021-07/sdn.csv",
		"OfacAltUrl":      "sanctions/ofac-2021-07/alt.csv",
		"OfacAddUrl":      "sanctions/ofac-2021-07/add.csv",
		"OfacCommentsUrl": "sanctions/ofac-2021-07/sdn_comments.csv",
		"UnListUrl":       "sanctions/un/UN_consolidated.xml",
	}
	for param, rel := range files {
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
