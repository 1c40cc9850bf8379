package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/infra/stack"
)

func TestListSourcesPointAtTheFixturesThatExist(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{
		"sanctions/ofac-2021-07/sdn.csv",
		"sanctions/un/UN_consolidated.xml",
		"sanctions/crypto-addresses/sanctioned_addresses_XBT.txt",
		"sanctions/crypto-addresses/sanctioned_addresses_ETH.txt",
	} {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	declared := func(name string) bool { return name != "UnListUrl" } // as if the template had no UN source
	got := fixtureParams(dir, "http://127.0.0.1:3000", declared)
	if got["OfacSdnUrl"] != "http://127.0.0.1:3000/_local/fixtures/sanctions/ofac-2021-07/sdn.csv" {
		t.Errorf("OfacSdnUrl = %q", got["OfacSdnUrl"])
	}
	if _, ok := got["OfacAltUrl"]; ok {
		t.Error("a missing fixture file became a source")
	}
	if _, ok := got["UnListUrl"]; ok {
		t.Error("a parameter the template does not declare was set")
	}
	urls := strings.Split(got["CryptoAddressUrls"], ",")
	if len(urls) != 2 || !strings.HasSuffix(urls[0], "sanctioned_addresses_ETH.txt") {
		t.Errorf("CryptoAddressUrls = %q", got["CryptoAddressUrls"])
	}
}

func TestParamFlagsNeedNameAndValue(t *testing.T) {
	p := paramFlags{}
	if err := p.Set("Stage=dev"); err != nil || p["Stage"] != "dev" {
		t.Fatalf("p = %v, err %v", p, err)
	}
	if err := p.Set("novalue"); err == nil {
		t.Fatal("a flag without = was accepted")
	}
}

func TestAMissingFixtureFolderIsAnnouncedWithWhatItAffects(t *testing.T) {
	tpl := &stack.Template{Parameters: map[string]stack.Parameter{"OfacSdnUrl": {}, "UnListUrl": {}, "Stage": {}}}
	cases := []struct {
		name      string
		fixtures  string // "" means a folder that does not exist
		overrides map[string]string
		want      []string // substrings of the output; nil means no output
	}{
		{"a missing folder names itself, what it is and the sources that fall back", "",
			nil, []string{"no list fixtures at", "CHAINGUARD_FIXTURES", "public data folder", "OfacSdnUrl, UnListUrl keep their real download URLs", "fails offline"}},
		{"overrides for every source silence the warning", "",
			map[string]string{"OfacSdnUrl": "http://x", "UnListUrl": "http://y"}, nil},
		{"a folder with every file says nothing", "full", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "missing")
			if c.fixtures == "full" {
				dir = t.TempDir()
				for _, rel := range listSourceFiles {
					p := filepath.Join(dir, rel)
					_ = os.MkdirAll(filepath.Dir(p), 0o755)
					_ = os.WriteFile(p, []byte("x"), 0o644)
				}
			}
			t.Setenv("CHAINGUARD_FIXTURES", dir)
			var out strings.Builder
			rn := &Runner{opts: Options{Params: c.overrides}, con: newConsole(&out)}
			rn.warnMissingFixtures(tpl)
			if c.want == nil && out.Len() > 0 {
				t.Errorf("unexpected warning:\n%s", out.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("warning lacks %q:\n%s", w, out.String())
				}
			}
			if (c.want == nil) != (len(rn.warnings) == 0) {
				t.Errorf("banner warnings %v", rn.warnings)
			}
		})
	}
}
