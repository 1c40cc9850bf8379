package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// twins groups the entries that are one listed subject on several lists,
// so that a labelled query counts as right when the top entry is the
// labelled subject's entry on another list. The labels name one entry per
// subject (the UN entry a benchmark row was made from, or the sampled
// entry of a list); an analyst who is shown the EU or UK implementation of
// that UN listing, or OFAC's entry of the same person, has the right
// answer. Entries are joined only on evidence the lists publish:
//
//   - an EU or UK entry citing a UN reference number ("UN reference:
//     TAi.002") is the UN entry with that reference;
//   - two persons on different lists with an identical name (the same
//     words after normalisation) and an identical full birth date are the
//     same person;
//   - two persons on different lists with an identical name of three
//     words or more (four when it is a weak alias) and a birth date in
//     the same year (OFAC often gives only the year) are the same person;
//   - two persons on different lists with the same passport or national
//     identity number (six characters or more, with a digit, compared
//     without spaces and punctuation) are the same person: OFAC and the
//     UN spell a person's names differently but publish the same
//     documents;
//   - two organisations on different lists with an identical name of two
//     words or more (the same words after normalisation, neither a weak
//     alias nor original script) are the same organisation: lists copy
//     the designating list's spelling of a group ("AL-ITIHAAD
//     AL-ISLAMIYA" on OFAC and the UN), and no birth date can join them.
type twins struct{ parent map[string]string }

var unRefRe = regexp.MustCompile(`UN reference: ([A-Za-z]+\.[0-9]+)`)

func newTwins(lists ...*sanctions.List) *twins {
	t := &twins{parent: map[string]string{}}
	unByRef := map[string]string{}
	for _, l := range lists {
		for i := range l.Entities {
			e := &l.Entities[i]
			if e.Source == sanctions.SourceUN && e.Reference != "" {
				unByRef[e.Reference] = entityKey(e.Source, e.ID)
			}
		}
	}
	type personKey struct{ name, dob string }
	byPerson := map[personKey]string{}
	byOrg := map[string]string{}
	byDoc := map[string]string{}
	for _, l := range lists {
		for i := range l.Entities {
			e := &l.Entities[i]
			k := entityKey(e.Source, e.ID)
			for _, m := range unRefRe.FindAllStringSubmatch(e.Remarks, -1) {
				if un, ok := unByRef[m[1]]; ok {
					t.union(k, un)
				}
			}
			if e.Type == sanctions.TypeOrganisation && e.Kind != sanctions.KindPEP {
				for _, n := range e.Names {
					if n.Weak || n.Kind == sanctions.NameOriginalScript {
						continue
					}
					nk := nameKey(n.Full)
					if strings.Count(nk, " ") < 1 {
						continue
					}
					if other, ok := byOrg[nk]; ok && !strings.HasPrefix(other, string(e.Source)+"|") {
						t.union(k, other)
					} else if !ok {
						byOrg[nk] = k
					}
				}
			}
			if e.Type != sanctions.TypePerson || e.Kind == sanctions.KindPEP {
				continue
			}
			for _, d := range e.Documents {
				dk := docKey(d)
				if dk == "" {
					continue
				}
				if other, ok := byDoc[dk]; ok && !strings.HasPrefix(other, string(e.Source)+"|") {
					t.union(k, other)
				} else if !ok {
					byDoc[dk] = k
				}
			}
			for _, d := range e.BirthDates {
				for y := d.Year; y <= max(d.Year, d.ToYear) && y > 0; y++ {
					for _, n := range e.Names {
						if n.Kind == sanctions.NameOriginalScript {
							continue
						}
						nk := nameKey(n.Full)
						if words := strings.Count(nk, " ") + 1; words < 3 || n.Weak && words < 4 {
							continue
						}
						pk := personKey{nk, fmt.Sprint("year ", y)}
						if other, ok := byPerson[pk]; ok && !strings.HasPrefix(other, string(e.Source)+"|") {
							t.union(k, other)
						} else if !ok {
							byPerson[pk] = k
						}
					}
				}
				if d.Precision != sanctions.PrecisionDay || d.Circa || d.ToYear > d.Year {
					continue
				}
				for _, n := range e.Names {
					if n.Weak || n.Kind == sanctions.NameOriginalScript {
						continue
					}
					nk := nameKey(n.Full)
					if strings.Count(nk, " ") < 1 {
						continue // one word is no identity
					}
					pk := personKey{nk, d.String()}
					if other, ok := byPerson[pk]; ok && !strings.HasPrefix(other, string(e.Source)+"|") {
						t.union(k, other)
					} else if !ok {
						byPerson[pk] = k
					}
				}
			}
		}
	}
	return t
}

func (t *twins) find(k string) string {
	for {
		p, ok := t.parent[k]
		if !ok || p == k {
			return k
		}
		k = p
	}
}

func (t *twins) union(a, b string) {
	ra, rb := t.find(a), t.find(b)
	if ra != rb {
		t.parent[ra] = rb
	}
}

// same reports whether two entity keys are one listed subject.
func (t *twins) same(a, b string) bool {
	return a == b || t != nil && t.find(a) == t.find(b)
}

// groups counts the subjects listed on more than one list.
func (t *twins) groups() int {
	roots := map[string]bool{}
	for k := range t.parent {
		roots[t.find(k)] = true
	}
	return len(roots)
}

// docKey is a passport or national identity number in a form two lists
// agree on, or "" for other documents and numbers too short to identify.
func docKey(d sanctions.Document) string {
	t := strings.ToLower(d.Type)
	if !strings.Contains(t, "passport") && !strings.Contains(t, "national") && !strings.Contains(t, "identi") {
		return ""
	}
	var b strings.Builder
	digit := false
	for _, r := range strings.ToUpper(d.Number) {
		switch {
		case r >= '0' && r <= '9':
			digit = true
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		}
	}
	if b.Len() < 6 || !digit {
		return ""
	}
	return b.String()
}
