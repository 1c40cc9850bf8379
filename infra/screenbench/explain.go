package main

import (
	"fmt"

	"github.com/chainfi/chainguard/shared/screening"
)

// explainQuery prints the best matches of one name with their token
// pairs, against the all-lists index and the index of the Arabic-script
// set (no original-script names): to see why a labelled query was missed.
func explainQuery(name string, idx map[string]*screening.Index) {
	opt := screening.DefaultOptions()
	opt.MinScore, opt.MaxResults = 0.3, 12
	q := screening.Query{Name: name}
	for _, label := range []string{"all lists", "no original script"} {
		ix := idx[label]
		r := ix.Screen(q, opt)
		fmt.Printf("== %s: %q prepared %q\n", label, name, screening.NormalizeName(name, q.Type))
		for _, m := range r.Matches {
			fmt.Printf("%.3f %s|%s %q %s\n", m.Score, m.Source, m.EntityID, m.Explanation.MatchedName, m.Explanation.Formula)
			for _, p := range m.Explanation.Name.Pairs {
				fmt.Printf("\t%s~%s %.3f %s\n", p.Query, p.Name, p.Similarity, p.How)
			}
			if len(m.Explanation.Name.UnmatchedQuery)+len(m.Explanation.Name.UnmatchedName) > 0 {
				fmt.Printf("\tunmatched query %v name %v\n", m.Explanation.Name.UnmatchedQuery, m.Explanation.Name.UnmatchedName)
			}
		}
	}
}

func runExplain(dir, name string) error {
	lists, err := loadAllLists(dir)
	if err != nil {
		return err
	}
	// The index as the service loads it: built, written and read back.
	m, err := measureIndex("", lists.screened()...)
	if err != nil {
		return err
	}
	all := m.ix
	_, stripped := arabicQueries(lists.UN)
	ar, err := screening.Build(withoutOriginalScript(lists.OFAC2021), stripped, withoutOriginalScript(lists.EU),
		withoutOriginalScript(lists.UK), lists.PEPUS, lists.PEPAU)
	if err != nil {
		return err
	}
	explainQuery(name, map[string]*screening.Index{"all lists": all, "no original script": ar})
	return nil
}
