package sanctions

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// countryAliases maps the spellings lists use that differ from the CLDR
// English short names to ISO 3166-1 alpha-2 codes.
var countryAliases = map[string]string{
	"democratic republic of the congo":      "CD",
	"congo, democratic republic of the":     "CD",
	"drc":                                   "CD",
	"republic of the congo":                 "CG",
	"congo":                                 "CG",
	"iran (islamic republic of)":            "IR",
	"iran":                                  "IR",
	"syrian arab republic":                  "SY",
	"russian federation":                    "RU",
	"russia":                                "RU",
	"democratic people's republic of korea": "KP",
	"korea, north":                          "KP",
	"north korea":                           "KP",
	"republic of korea":                     "KR",
	"korea, south":                          "KR",
	"south korea":                           "KR",
	"lao people's democratic republic":      "LA",
	"libyan arab jamahiriya":                "LY",
	"united republic of tanzania":           "TZ",
	"venezuela (bolivarian republic of)":    "VE",
	"bolivia (plurinational state of)":      "BO",
	"state of palestine":                    "PS",
	"palestinian":                           "PS",
	"west bank":                             "PS",
	"gaza":                                  "PS",
	"viet nam":                              "VN",
	"united kingdom of great britain and northern ireland": "GB",
	"united kingdom":           "GB",
	"united states of america": "US",
	"united states":            "US",
	"burma":                    "MM",
	"cote d'ivoire":            "CI",
	"côte d'ivoire":            "CI",
	"ivory coast":              "CI",
	"republic of moldova":      "MD",
	"the former yugoslav republic of macedonia": "MK",
	"macedonia":                        "MK",
	"turkiye":                          "TR",
	"türkiye":                          "TR",
	"kosovo":                           "XK",
	"czech republic":                   "CZ",
	"swaziland":                        "SZ",
	"cabo verde":                       "CV",
	"brunei darussalam":                "BN",
	"micronesia (federated states of)": "FM",
	"sudan, south":                     "SS",
	"bosnia-herzegovina":               "BA",
	"bosnia and herzegovina":           "BA",
	"holy see":                         "VA",
	"netherlands antilles":             "AN",
	"yugoslavia":                       "RS",
	"serbia and montenegro":            "RS",
	"region: crimea":                   "UA",
	"crimea":                           "UA",
	"uae":                              "AE",
	"usa":                              "US",
	"uk":                               "GB",
	"hong kong":                        "HK",
	"china, hong kong special administrative region": "HK",
	"macau":                   "MO",
	"macao":                   "MO",
	"myanmar":                 "MM",
	"the gambia":              "GM",
	"bahamas, the":            "BS",
	"virgin islands, british": "VG",
	"congo, republic of the":  "CG",
	"cote d ivoire":           "CI",
	"macedonia, the former yugoslav republic of": "MK",
	"region: gaza":                     "PS",
	"saint vincent and the grenadines": "VC",
	"st. vincent and the grenadines":   "VC",
}

// countryIndex maps lower-case English country names and ISO codes to
// ISO codes. It is built once and never modified afterwards.
var countryIndex = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, 600)
	names := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() {
				continue
			}
			m[strings.ToLower(code)] = code
			if n := strings.ToLower(names.Name(r)); n != "" {
				m[n] = code
				// CLDR writes "Trinidad & Tobago", "St. Kitts & Nevis".
				n = strings.ReplaceAll(n, "&", "and")
				m[n] = code
				if rest, ok := strings.CutPrefix(n, "st. "); ok {
					m["saint "+rest] = code
				}
			}
		}
	}
	for k, v := range countryAliases {
		m[k] = v
	}
	return m
})

// CountryCode returns the ISO 3166-1 alpha-2 code of a country name or code
// as lists and customers write it ("Iran (Islamic Republic of)", "Syria",
// "af", "Korea, North"), or "" when unknown.
func CountryCode(name string) string {
	n := strings.ToLower(cleanSpace(strings.Trim(name, " .;,")))
	if n == "" {
		return ""
	}
	idx := countryIndex()
	if c, ok := idx[n]; ok {
		return c
	}
	// "Kabul, Afghanistan" / "Tehran, Iran": the country is the last part.
	if i := strings.LastIndexByte(n, ','); i >= 0 {
		if c, ok := idx[strings.TrimSpace(n[i+1:])]; ok {
			return c
		}
	}
	// "Iran (Islamic Republic of)" variants not in the alias table.
	if i := strings.IndexByte(n, '('); i > 0 {
		if c, ok := idx[strings.TrimSpace(n[:i])]; ok {
			return c
		}
	}
	return ""
}
