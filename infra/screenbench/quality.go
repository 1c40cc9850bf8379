package main

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
)

// observed is the top result of one labelled query.
type observed struct {
	set      string
	want     string // expected entity id, "" for negatives
	topID    string
	topScore float64
	query    screening.Query
	top      *screening.Match
}

func nameKey(name string) string {
	toks := strings.Fields(screening.NormalizeName(name, sanctions.TypePerson))
	sort.Strings(toks)
	return strings.Join(toks, " ")
}

// labelPositives finds, for each benchmark positive, the UN entity that
// carries exactly that name (token set after normalisation), using the
// birth year to choose between namesakes. Rows without such an entity are
// reported and excluded from recall.
func labelPositives(un *sanctions.List, pos []person) ([]string, int) {
	byKey := map[string][]*sanctions.Entity{}
	for i := range un.Entities {
		e := &un.Entities[i]
		seen := map[string]bool{}
		for _, n := range e.Names {
			k := nameKey(n.Full)
			if !seen[k] {
				seen[k] = true
				byKey[k] = append(byKey[k], e)
			}
		}
	}
	labels := make([]string, len(pos))
	unlabelled := 0
	for i, p := range pos {
		cands := byKey[nameKey(p.Name)]
		if len(cands) == 0 {
			unlabelled++
			continue
		}
		labels[i] = cands[0].ID
		if len(cands) > 1 && len(p.DOB) >= 4 {
			for _, e := range cands {
				for _, d := range e.BirthDates {
					if fmt.Sprint(d.Year) == p.DOB[:4] {
						labels[i] = e.ID
					}
				}
			}
		}
	}
	return labels, unlabelled
}

func quality(unIx, fullIx *screening.Index, un *sanctions.List, b *benchData, verbose bool) {
	opt := screening.DefaultOptions()
	probe := opt
	probe.MinScore = 0.3
	labels, unlabelled := labelPositives(un, b.positives)
	screen := func(ix *screening.Index, set, want string, q screening.Query) observed {
		r := ix.Screen(q, probe)
		o := observed{set: set, want: want, query: q}
		if len(r.Matches) > 0 {
			o.topID, o.topScore, o.top = r.Matches[0].EntityID, r.Matches[0].Score, &r.Matches[0]
		}
		return o
	}
	var obs []observed
	rng := rand.New(rand.NewPCG(42, 7))
	for i, p := range b.positives {
		if labels[i] == "" {
			continue
		}
		q := screening.Query{Name: p.Name, DOB: p.DOB, Nationality: p.Nationality, Type: sanctions.TypePerson}
		obs = append(obs, screen(unIx, "positives", labels[i], q))
		for _, kind := range variantKinds {
			v := makeVariant(rng, kind, p.Name)
			if v == "" {
				continue
			}
			vq := q
			vq.Name = v
			obs = append(obs, screen(unIx, kind, labels[i], vq))
		}
		// The same person without birth date or nationality (name only).
		nq := screening.Query{Name: typoN(rng, p.Name, 1), Type: sanctions.TypePerson}
		obs = append(obs, screen(unIx, "typo1_name_only", labels[i], nq))
	}
	for _, p := range b.negatives {
		q := screening.Query{Name: p.Name, DOB: p.DOB, Nationality: p.Nationality, Type: sanctions.TypePerson}
		obs = append(obs, screen(fullIx, "negatives", "", q))
	}

	sets := append([]string{"positives"}, variantKinds...)
	sets = append(sets, "typo1_name_only")
	fmt.Println("== Quality (positives and variants screened against the UN list; negatives against OFAC+UN)")
	fmt.Printf("positives: %d labelled, %d without an exactly named UN entry (excluded)\n", len(b.positives)-unlabelled, unlabelled)
	fmt.Printf("default thresholds: match >= %.2f, review >= %.2f\n\n", opt.Thresholds.Match, opt.Thresholds.Review)
	fmt.Printf("%-22s %6s %10s %14s %12s\n", "set", "n", "top=right", ">=review", ">=match")
	count := func(set string, pred func(observed) bool) (int, int) {
		n, k := 0, 0
		for _, o := range obs {
			if o.set == set {
				n++
				if pred(o) {
					k++
				}
			}
		}
		return n, k
	}
	for _, s := range sets {
		n, right := count(s, func(o observed) bool { return o.topID == o.want })
		_, rev := count(s, func(o observed) bool { return o.topID == o.want && o.topScore >= opt.Thresholds.Review })
		_, mat := count(s, func(o observed) bool { return o.topID == o.want && o.topScore >= opt.Thresholds.Match })
		fmt.Printf("%-22s %6d %9.1f%% %13.2f%% %11.1f%%\n", s, n, pct(right, n), pct(rev, n), pct(mat, n))
	}
	n, rev := count("negatives", func(o observed) bool { return o.topScore >= opt.Thresholds.Review })
	_, mat := count("negatives", func(o observed) bool { return o.topScore >= opt.Thresholds.Match })
	fmt.Printf("%-22s %6d %10s %13.2f%% %11.2f%%   (share flagged: false positives)\n\n", "negatives", n, "-", pct(rev, n), pct(mat, n))

	fmt.Println("Per threshold (a query is flagged when its top score >= threshold):")
	fmt.Printf("%-9s %12s %12s %12s %12s %10s\n", "threshold", "recall pos", "recall typo", "recall all", "FP negatives", "precision")
	for t := 0.70; t <= 0.981; t += 0.02 {
		var tp, fpWrong, fn, fpNeg, typoN, typoTP, posN, posTP int
		for _, o := range obs {
			flagged := o.topScore >= t
			switch {
			case o.set == "negatives":
				if flagged {
					fpNeg++
				}
			case flagged && o.topID == o.want:
				tp++
			case flagged:
				fpWrong++
				fn++
			default:
				fn++
			}
			if o.set == "typo1" || o.set == "typo2" {
				typoN++
				if flagged && o.topID == o.want {
					typoTP++
				}
			}
			if o.set == "positives" {
				posN++
				if flagged && o.topID == o.want {
					posTP++
				}
			}
		}
		fmt.Printf("%-9.2f %11.2f%% %11.2f%% %11.2f%% %11.2f%% %9.2f%%\n", t,
			pct(posTP, posN), pct(typoTP, typoN), pct(tp, tp+fn), pct(fpNeg, len(b.negatives)), pct(tp, tp+fpWrong+fpNeg))
	}
	fmt.Println("(precision pools all labelled queries with the 2,000 negatives; a flagged positive whose top entry is wrong counts as a false positive)")
	fmt.Println()
	if verbose {
		for _, o := range obs {
			miss := o.set != "negatives" && (o.topID != o.want || o.topScore < opt.Thresholds.Review)
			fp := o.set == "negatives" && o.topScore >= opt.Thresholds.Review
			if miss || fp {
				fmt.Printf("%s want=%s got=%s %.3f q=%+v", o.set, o.want, o.topID, o.topScore, o.query)
				if o.top != nil {
					fmt.Printf(" matched=%q %s", o.top.Explanation.MatchedName, o.top.Explanation.Formula)
				}
				fmt.Println()
			}
		}
	}
}

func pct(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(k) / float64(n)
}

// arabic measures transliteration from Arabic script: each UN entry with
// an Arabic-script name is searched by that name in an index built without
// original-script names, so only the Latin names can be found.
func arabic(un *sanctions.List) {
	stripped := &sanctions.List{Source: un.Source, Checksums: un.Checksums}
	type q struct {
		id, name string
		typ      sanctions.EntityType
	}
	var qs []q
	for _, e := range un.Entities {
		c := e
		c.Names = nil
		for _, n := range e.Names {
			if n.Kind == sanctions.NameOriginalScript {
				if hasArabic(n.Full) {
					qs = append(qs, q{e.ID, n.Full, e.Type})
				}
				continue
			}
			c.Names = append(c.Names, n)
		}
		stripped.Entities = append(stripped.Entities, c)
	}
	ix, err := screening.Build(stripped)
	if err != nil {
		fmt.Println("arabic:", err)
		return
	}
	opt := screening.DefaultOptions()
	opt.MinScore = 0.3
	var first, review int
	for _, x := range qs {
		r := ix.Screen(screening.Query{Name: x.name, Type: x.typ}, opt)
		if len(r.Matches) > 0 && r.Matches[0].EntityID == x.id {
			first++
			if r.Matches[0].Score >= screening.DefaultOptions().Thresholds.Review {
				review++
			}
		}
	}
	fmt.Println("== Arabic-script names (UN NAME_ORIGINAL_SCRIPT) against the Latin names of the UN list")
	fmt.Printf("queries %d: right entry first %.1f%%, first and >= review %.1f%%\n\n", len(qs), pct(first, len(qs)), pct(review, len(qs)))
}

func hasArabic(s string) bool {
	for _, r := range s {
		if r >= 0x0600 && r <= 0x06FF {
			return true
		}
	}
	return false
}
