package main

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"

	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
)

// arabicWrittenCSV is our own labelled set of names in Arabic script:
// a hashed one-in-ten sample of OFAC's entries under the Middle East,
// Iran and terrorism programmes whose names are Arabic, Persian, Pashto
// or Urdu, each written in Arabic script as a native speaker writes it
// (persons given names first; organisations with their generic words in
// the language, as they name themselves). It was written from the
// names alone, without the engine. Columns: ent_num, sdn_name, language
// (ar, fa, ps, ur), arabic_script.
//
//go:embed testdata/arabic_script_ofac.csv
var arabicWrittenCSV string

// arabicDevCSV is a development set of the same kind: organisations only,
// from a disjoint sample (remainders 1 and 2 of the same hash, where the
// written set is remainder 0), written the same way. All of it is tuning
// data: it is for finding what organisations need, never reported as
// held-out.
//
//go:embed testdata/arabic_script_ofac_dev.csv
var arabicDevCSV string

// arabicDevPersonsCSV is the persons' development set: 300 OFAC
// individuals of the same programmes from remainders 2 to 9 of the same
// hash (disjoint from both sets above), written the same way, all tuning
// data.
//
//go:embed testdata/arabic_script_ofac_dev_persons.csv
var arabicDevPersonsCSV string

// arabicDevOrgs2CSV is a second organisations' development set: 200
// OFAC organisations of the same programmes from remainders 3 to 9 of the
// same hash, none named as a UN entry is, chosen by hash value and
// written the same way by a writer who had not seen the other sets. It
// was first measured before any change was made from it; all of it is
// tuning data.
//
//go:embed testdata/arabic_script_ofac_dev_orgs2.csv
var arabicDevOrgs2CSV string

// arabicWrittenQueries are the rows of arabicWrittenCSV whose entry is on
// the OFAC list, labelled with it.
func arabicWrittenQueries(ofac *sanctions.List) ([]labelled, error) {
	return arabicCSVQueries(ofac, arabicWrittenCSV, "arabic script, written", false)
}

// arabicDevQueries are the rows of the two development sets, all in the
// tuning half.
func arabicDevQueries(ofac *sanctions.List) ([]labelled, error) {
	orgs, err := arabicCSVQueries(ofac, arabicDevCSV, "arabic script, dev organisations", true)
	if err != nil {
		return nil, err
	}
	persons, err := arabicCSVQueries(ofac, arabicDevPersonsCSV, "arabic script, dev persons", true)
	if err != nil {
		return nil, err
	}
	orgs2, err := arabicCSVQueries(ofac, arabicDevOrgs2CSV, "arabic script, dev organisations 2", true)
	if err != nil {
		return nil, err
	}
	return slices.Concat(orgs, persons, orgs2), nil
}

func arabicCSVQueries(ofac *sanctions.List, data, set string, allTune bool) ([]labelled, error) {
	r := csv.NewReader(strings.NewReader(data))
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read the Arabic-script set: %w", err)
	}
	byID := map[string]*sanctions.Entity{}
	for i := range ofac.Entities {
		byID[ofac.Entities[i].ID] = &ofac.Entities[i]
	}
	var out []labelled
	for i, rec := range recs {
		if i == 0 || len(rec) < 4 {
			continue
		}
		e, ok := byID[strings.TrimSpace(rec[0])]
		if !ok {
			return nil, fmt.Errorf("Arabic-script set: OFAC entry %s is not on the list", rec[0])
		}
		var latin []string
		for _, n := range e.Names {
			latin = append(latin, n.Full)
		}
		half := halfOf(e.ID)
		if allTune {
			half = halfTune
		}
		out = append(out, labelled{kind: "sanctions", list: "OFAC", class: className, set: set,
			want: entityKey(e.Source, e.ID), half: half, q: screening.Query{Name: rec[3], Type: askedType(e.Type)}, listed: latin})
	}
	return out, nil
}
