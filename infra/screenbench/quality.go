package main

import (
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
)

// Query classes.
const (
	className    = "name only"
	classNameDOB = "name+dob"
)

// Halves of every labelled set: thresholds and rules are tuned on the
// first and only reported on the second.
const (
	halfTune = iota
	halfHeld
)

// labelled is one labelled query.
type labelled struct {
	kind  string // list kind: sanctions, pep, or "-" for people on no list
	list  string // list or set of origin
	class string // className or classNameDOB
	set   string // variant: exact, typo1, typo2, arabic, cyrillic, ...
	want  string // "source|id" of the right entity, "" for non-listed
	half  int
	q     screening.Query
	// listed, for queries in another script, is the right entry's Latin
	// names, printed beside a miss (-v).
	listed []string
}

// observed is a labelled query with the top of its result.
type observed struct {
	labelled
	topScore float64
	right    bool // the right entity, or its twin on another list (twins), has the top score
	top      *screening.Match
	// wanted is the right entity's match when it was scored at all, and
	// rank its place in the result (-v: why a positive was missed).
	wanted *screening.Match
	rank   int
	// other is the best score of another entity than the wanted one and
	// its twins: for a positive, what the query would get if the wanted
	// entry were not listed (a false alert on someone else).
	other float64
}

func entityKey(src sanctions.Source, id string) string { return string(src) + "|" + id }

// halfOf splits deterministically by a hash of the row or entity id.
func halfOf(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() & 1)
}

func screenAll(ix *screening.Index, qs []labelled, tw *twins) []observed {
	probe := screening.DefaultOptions()
	probe.MinScore = 0.3
	probe.MaxResults = 48 // every candidate scored above MinScore, to tell why a positive was missed
	out := make([]observed, len(qs))
	for i, q := range qs {
		r := ix.Screen(q.q, probe)
		o := observed{labelled: q}
		if len(r.Matches) > 0 {
			o.topScore, o.top = r.Matches[0].Score, &r.Matches[0]
			for j, m := range r.Matches {
				k := entityKey(m.Source, m.EntityID)
				if q.want == "" || !tw.same(k, q.want) {
					o.other = max(o.other, m.Score)
					continue
				}
				if m.Score == o.topScore {
					o.right = true
				}
				if k == q.want && o.wanted == nil {
					o.wanted, o.rank = &r.Matches[j], j
				}
			}
		}
		out[i] = o
	}
	return out
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

// unBenchQueries are the UN positives of the public benchmark with their
// variants, name only and with birth date.
func unBenchQueries(un *sanctions.List, b *benchData) ([]labelled, int) {
	labels, unlabelled := labelPositives(un, b.positives)
	rng := rand.New(rand.NewPCG(42, 7))
	var out []labelled
	for i, p := range b.positives {
		if labels[i] == "" {
			continue
		}
		base := labelled{kind: "sanctions", list: "UN bench", want: entityKey(sanctions.SourceUN, labels[i]), half: halfOf(labels[i])}
		add := func(class, set, name, dob string) {
			l := base
			l.class, l.set, l.q = class, set, screening.Query{Name: name, DOB: dob}
			out = append(out, l)
		}
		add(className, "exact", p.Name, "")
		add(classNameDOB, "exact", p.Name, p.DOB)
		for _, kind := range variantKinds {
			if v := makeVariant(rng, kind, p.Name); v != "" && v != p.Name {
				add(className, kind, v, "")
				if kind == "typo1" || kind == "typo2" {
					add(classNameDOB, kind, v, p.DOB)
				}
			}
		}
	}
	return out, unlabelled
}

// listQueries builds positives from the entries of a list: each sampled
// entity's primary name (and, with allNames, every strong Latin alias)
// exactly and with one and two typos, name only and, for people with a
// listed birth date, with it. Every 'sample'-th entity by id hash is used.
func listQueries(kind, label string, l *sanctions.List, sample uint32, allNames bool) []labelled {
	var out []labelled
	for i := range l.Entities {
		e := &l.Entities[i]
		if len(e.Names) == 0 || !sampled(e.ID, sample) {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(hash32(e.ID)), 11))
		dob := queryDOB(e)
		base := labelled{kind: kind, list: label, want: entityKey(e.Source, e.ID), half: halfOf(e.ID)}
		for j, n := range e.Names {
			if j > 0 && (!allNames || n.Weak || n.Kind == sanctions.NameOriginalScript) {
				continue
			}
			for _, v := range []struct{ set, name string }{{"exact", n.Full}, {"typo1", typoN(rng, n.Full, 1)}, {"typo2", typoN(rng, n.Full, 2)}} {
				if v.set != "exact" && v.name == n.Full {
					continue // no word long enough for a typo
				}
				q := base
				q.class, q.set, q.q = className, v.set, screening.Query{Name: v.name, Type: askedType(e.Type)}
				out = append(out, q)
				if dob != "" {
					q.class, q.q.DOB = classNameDOB, dob
					out = append(out, q)
				}
				if other := otherBirthDate(e); v.set == "exact" && j == 0 && other != "" {
					// A namesake: the listed name, born years apart.
					// Not the listed person; a score says so.
					ns := base
					ns.want, ns.list, ns.set = "", "namesakes", "other birth date"
					ns.class, ns.q = classNameDOB, screening.Query{Name: v.name, DOB: other}
					out = append(out, ns)
				}
			}
		}
	}
	return out
}

func hash32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// sampled keeps one entity in 'every' by a hash of its id (a different bit
// of the hash than the split).
func sampled(id string, every uint32) bool { return every <= 1 || (hash32(id)>>1)%every == 0 }

// askedType is the type a caller gives when screening e by name: none for
// people and companies (the bench screens names only), but a ship or an
// aircraft is screened as one.
func askedType(t sanctions.EntityType) sanctions.EntityType {
	if t == sanctions.TypeVessel || t == sanctions.TypeAircraft {
		return t
	}
	return sanctions.TypeUnknown
}

// queryDOB is the first listed birth date of a person, as a caller writes
// it, or "" (ranges are not a caller's date).
func queryDOB(e *sanctions.Entity) string {
	if e.Type != sanctions.TypePerson || len(e.BirthDates) == 0 {
		return ""
	}
	d := e.BirthDates[0]
	if d.ToYear > d.Year || d.Circa || d.Precision == sanctions.PrecisionNone {
		return ""
	}
	return d.String()
}

// otherBirthDate is a full birth date seven years and a few days from
// the listed person's first, for a namesake born apart, when it is more
// than three years from every date the list gives the person (lists give
// several, and ranges); "" otherwise, and when the list has no full date.
func otherBirthDate(e *sanctions.Entity) string {
	if e.Type != sanctions.TypePerson || len(e.BirthDates) == 0 {
		return ""
	}
	d := e.BirthDates[0]
	if d.Precision != sanctions.PrecisionDay || d.Circa || d.ToYear > d.Year {
		return ""
	}
	t := time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC).AddDate(7, 0, 3)
	for _, l := range e.BirthDates {
		if t.Year() >= l.Year-3 && t.Year() <= max(l.Year, l.ToYear)+3 {
			return ""
		}
	}
	return t.Format("2006-01-02")
}

// cyrillicQueries are Russian-style Cyrillic renderings of the primary
// names of sampled people; North Korean names follow the Kontsevich
// system ('Kim Jong Un' -> 'Ким Чон Ын').
func cyrillicQueries(kind, label string, l *sanctions.List, sample uint32) []labelled {
	var out []labelled
	for i := range l.Entities {
		e := &l.Entities[i]
		if e.Type != sanctions.TypePerson || len(e.Names) == 0 || !sampled(e.ID, sample) {
			continue
		}
		name, set := toCyrillic(e.PrimaryName()), "cyrillic"
		if isNorthKorean(e) {
			name, set = koreanToCyrillic(e.PrimaryName()), "cyrillic korean"
		}
		out = append(out, labelled{kind: kind, list: label, class: className, set: set,
			want: entityKey(e.Source, e.ID), half: halfOf(e.ID), q: screening.Query{Name: name}})
	}
	return out
}

func isNorthKorean(e *sanctions.Entity) bool {
	for _, p := range e.Programs {
		if strings.HasPrefix(p, "DPRK") || strings.HasPrefix(p, "NK") {
			return true
		}
	}
	for _, c := range e.CountryCodes() {
		if c == "KP" {
			return true
		}
	}
	return strings.HasPrefix(e.Reference, "KP")
}

// arabicQueries are UN Arabic-script original names; they are screened
// against an index without original-script names, so only the Latin names
// can be found.
func arabicQueries(un *sanctions.List) ([]labelled, *sanctions.List) {
	stripped := &sanctions.List{Source: un.Source, Checksums: un.Checksums}
	var out []labelled
	for _, e := range un.Entities {
		c := e
		c.Names = nil
		var latin []string
		for _, n := range e.Names {
			if n.Kind != sanctions.NameOriginalScript {
				latin = append(latin, n.Full)
			}
		}
		for _, n := range e.Names {
			if n.Kind == sanctions.NameOriginalScript {
				if hasArabic(n.Full) {
					set := "arabic script"
					if n.Weak {
						set = "arabic script, weak alias"
					}
					out = append(out, labelled{kind: "sanctions", list: "UN", class: className, set: set,
						want: entityKey(e.Source, e.ID), half: halfOf(e.ID), q: screening.Query{Name: n.Full}, listed: latin})
				}
				continue
			}
			c.Names = append(c.Names, n)
		}
		stripped.Entities = append(stripped.Entities, c)
	}
	return out, stripped
}

// withoutOriginalScript is l without its original-script names.
func withoutOriginalScript(l *sanctions.List) *sanctions.List {
	out := &sanctions.List{Source: l.Source, Checksums: l.Checksums}
	for _, e := range l.Entities {
		c := e
		c.Names = nil
		for _, n := range e.Names {
			if n.Kind != sanctions.NameOriginalScript {
				c.Names = append(c.Names, n)
			}
		}
		if len(c.Names) > 0 {
			out.Entities = append(out.Entities, c)
		}
	}
	return out
}

// commonGivenNames complete the first names of the negatives: names that
// are frequent among customers and among listed people.
var commonGivenNames = []string{
	"John", "Victoria", "Daniel", "Mary", "Mohammed", "Muhammad", "Ali", "Anna", "James", "Robert",
	"Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles", "Christopher", "Mark",
	"Paul", "Steven", "Andrew", "Kevin", "Brian", "George", "Edward", "Peter", "Patricia", "Jennifer",
	"Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen", "Nancy", "Lisa", "Margaret",
	"Sandra", "Ahmed", "Ahmad", "Hassan", "Hussein", "Omar", "Ibrahim", "Abdullah", "Fatima", "Aisha",
	"Maria", "Jose", "Juan", "Carlos", "Luis", "Ivan", "Sergei", "Vladimir", "Olga", "Natalia",
	"Wei", "Li", "Kim", "Chen", "Yusuf", "Khalid", "Mahmoud", "Mustafa", "Hamid", "Reza",
}

// givenNameQueries are single given names, name only: the first names of
// the negatives and commonGivenNames, once each.
func givenNameQueries(b *benchData) []labelled {
	seen := map[string]bool{}
	var out []labelled
	add := func(n string) {
		n = strings.TrimSpace(n)
		k := strings.ToLower(n)
		if n == "" || strings.ContainsAny(n, " -") || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, labelled{kind: "-", list: "given names", class: className, set: "single given name",
			half: halfOf("given:" + k), q: screening.Query{Name: n}})
	}
	for _, p := range b.negatives {
		add(p.First)
	}
	for _, n := range commonGivenNames {
		add(n)
	}
	return out
}

// negativeQueries are the benchmark's synthetic non-listed people. One
// whose name is, word for word, a name on a screened list is not a
// non-listed person for a name-only query, but a namesake (the benchmark
// predates the PEP lists: "John Brown" is an Australian politician): it
// belongs at review, and is counted apart ("namesakes"). A name in Arabic
// script is a listed name when the list writes it so (the UN's original
// script) or when our labelled sets, written from the Latin names without
// the engine, write a listed person's name so (حسین موسوی is how a
// Persian writes OFAC's MUSAVI, Hossein): the engine never decides who is
// a namesake.
func negativeQueries(b *benchData, lists ...*sanctions.List) []labelled {
	listed := map[string]bool{}
	for _, l := range lists {
		for i := range l.Entities {
			for _, n := range l.Entities[i].Names {
				switch {
				case n.Weak:
				case n.Kind == sanctions.NameOriginalScript:
					listed[arabicNameKey(n.Full)] = true
				default:
					listed[nameKey(n.Full)] = true
				}
			}
		}
	}
	for _, data := range []string{arabicWrittenCSV, arabicDevCSV, arabicDevPersonsCSV} {
		recs, _ := csv.NewReader(strings.NewReader(data)).ReadAll()
		for i, rec := range recs {
			if i > 0 && len(rec) >= 4 {
				listed[arabicNameKey(rec[3])] = true
			}
		}
	}
	out := make([]labelled, len(b.negatives), 2*len(b.negatives))
	for i, p := range b.negatives {
		list, set := "negatives", "non-listed person"
		if listed[nameKey(p.Name)] || hasArabic(p.Name) && listed[arabicNameKey(p.Name)] {
			list, set = "namesakes", "exact namesake of a listed name"
		}
		out[i] = labelled{kind: "-", list: list, class: className, set: set,
			half: halfOf(fmt.Sprintf("neg:%d", i)), q: screening.Query{Name: p.Name}}
		if p.DOB != "" {
			// The same people with the birth date the benchmark gives
			// them: how often a birth date lifts a stranger.
			d := out[i]
			d.class, d.q.DOB = classNameDOB, p.DOB
			out = append(out, d)
		}
	}
	return out
}

// arabicNameKey folds the letters the spellings of a name in Arabic script
// vary in (Arabic and Persian yeh and kaf, the seats of hamza, ta marbuta,
// the zero-width non-joiner, spaces), for comparing names as written.
func arabicNameKey(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch r {
		case 'ي', 'ى', 'ې', 'ۍ':
			r = 'ی'
		case 'ك':
			r = 'ک'
		case 'أ', 'إ', 'آ', 'ٱ':
			r = 'ا'
		case 'ة':
			r = 'ه'
		case '\u200c', ' ', '-':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func quality(ix *screening.Index, lists *allLists, b *benchData, verbose bool, near float64) {
	opt := screening.DefaultOptions()
	unBench, unlabelled := unBenchQueries(lists.UN, b)
	var qs []labelled
	qs = append(qs, unBench...)
	qs = append(qs, listQueries("sanctions", "OFAC", lists.OFAC2021, 3, false)...)
	qs = append(qs, listQueries("sanctions", "UN", lists.UN, 1, false)...)
	qs = append(qs, listQueries("sanctions", "EU", lists.EU, 1, true)...)
	qs = append(qs, listQueries("sanctions", "UK", lists.UK, 1, true)...)
	qs = append(qs, listQueries("pep", "PEP-US", lists.PEPUS, 1, false)...)
	qs = append(qs, listQueries("pep", "PEP-AU", lists.PEPAU, 1, false)...)
	qs = append(qs, cyrillicQueries("sanctions", "OFAC", lists.OFAC2021, 3)...)
	qs = append(qs, cyrillicQueries("sanctions", "UN", lists.UN, 1)...)
	qs = append(qs, cyrillicQueries("sanctions", "EU", lists.EU, 1)...)
	qs = append(qs, cyrillicQueries("sanctions", "UK", lists.UK, 1)...)
	qs = append(qs, cyrillicQueries("pep", "PEP-US", lists.PEPUS, 1)...)
	qs = append(qs, cyrillicQueries("pep", "PEP-AU", lists.PEPAU, 1)...)
	qs = append(qs, negativeQueries(b, lists.screened()...)...)
	qs = append(qs, givenNameQueries(b)...)
	tw := newTwins(lists.screened()...)
	obs := screenAll(ix, qs, tw)

	arQs, stripped := arabicQueries(lists.UN)
	// No list of the Arabic-script index keeps its original-script names:
	// the EU and UK lists publish the same Arabic names as the UN's, and a
	// query would find them exactly instead of through its Latin names.
	arIx, err := screening.Build(withoutOriginalScript(lists.OFAC2021), stripped, withoutOriginalScript(lists.EU),
		withoutOriginalScript(lists.UK), lists.PEPUS, lists.PEPAU)
	if err != nil {
		fmt.Println("arabic:", err)
		return
	}
	obs = append(obs, screenAll(arIx, arQs, tw)...)
	written, err := arabicWrittenQueries(lists.OFAC2021)
	if err != nil {
		fmt.Println("arabic:", err)
		return
	}
	obs = append(obs, screenAll(arIx, written, tw)...)
	dev, err := arabicDevQueries(lists.OFAC2021)
	if err != nil {
		fmt.Println("arabic:", err)
		return
	}
	obs = append(obs, screenAll(arIx, dev, tw)...)
	// What production sees: the same queries against the full index, where
	// the listed original-script names can match.
	arFull := append([]labelled(nil), arQs...)
	for i := range arFull {
		arFull[i].set = "arabic script, full index"
	}
	obs = append(obs, screenAll(ix, arFull, tw)...)

	fmt.Println("== Quality: labelled queries screened against the all-lists index, no entity type given (except for vessels and aircraft)")
	fmt.Printf("UN benchmark positives: %d labelled, %d without an exactly named UN entry (excluded)\n", len(b.positives)-unlabelled, unlabelled)
	fmt.Printf("default thresholds: match >= %.2f, review >= %.2f\n", opt.Thresholds.Match, opt.Thresholds.Review)
	fmt.Println("each set is split by a hash of the entity (or row) id: 'tune' is the half the thresholds were set on, 'held' the held-out half")
	fmt.Println("hit = the right entry is first (or its twin on another list: an EU or UK entry citing its UN reference, a person of the same name and full birth date, or an organisation of the same name; ties count) AND its score is at or above the threshold")
	fmt.Printf("twins: %d subjects listed on more than one list\n", tw.groups())
	fmt.Println()
	targets(obs, opt.Thresholds)
	detail(obs, opt.Thresholds)
	calibration(obs)
	calibrationMap(obs)
	sweep(obs)
	if verbose {
		misses(obs, opt.Thresholds, near)
	}
}

// stat is a hit count over a selection of observations.
type stat struct{ n, k int }

func (s stat) String() string {
	if s.n == 0 {
		return fmt.Sprintf("%8s %6s", "-", "")
	}
	return fmt.Sprintf("%7.2f%% %6d", pct(s.k, s.n), s.n)
}

func count(obs []observed, sel func(*observed) bool, hit func(*observed) bool) [2]stat {
	var s [2]stat
	for i := range obs {
		o := &obs[i]
		if sel(o) {
			s[o.half].n++
			if hit(o) {
				s[o.half].k++
			}
		}
	}
	return s
}

func hitAt(t float64) func(*observed) bool {
	return func(o *observed) bool { return o.right && o.topScore >= t }
}

func flaggedAt(t float64) func(*observed) bool {
	return func(o *observed) bool { return o.topScore >= t }
}

// otherAt says whether another entity than the wanted one (and its
// twins) scored at t or above.
func otherAt(t float64) func(*observed) bool {
	return func(o *observed) bool { return o.other >= t }
}

// arabicOf selects the Arabic-script positives (every labelled set, the
// development sets too) whose wanted entry, found, is of type typ.
func arabicOf(typ sanctions.EntityType) func(*observed) bool {
	return func(o *observed) bool {
		return strings.HasPrefix(o.set, "arabic script") && o.set != "arabic script, full index" && o.wanted != nil && o.wanted.EntityType == typ
	}
}

func targets(obs []observed, th screening.Thresholds) {
	listed := func(class, set string) func(*observed) bool {
		return func(o *observed) bool { return o.want != "" && o.class == class && o.set == set }
	}
	rows := []struct {
		name, goal string
		sel        func(*observed) bool
		hit        func(*observed) bool
	}{
		{"one typo, name only: hit at review", ">= 99%", listed(className, "typo1"), hitAt(th.Review)},
		{"two typos, name only: hit at review", ">= 97%", listed(className, "typo2"), hitAt(th.Review)},
		{"exact name, name only: hit at review", "", listed(className, "exact"), hitAt(th.Review)},
		{"non-listed people, name only: to review", "<= 0.5%", func(o *observed) bool { return o.list == "negatives" && o.class == className }, flaggedAt(th.Review)},
		{"non-listed people, name+dob: to review", "", func(o *observed) bool { return o.list == "negatives" && o.class == classNameDOB }, flaggedAt(th.Review)},
		{"exact namesakes of listed names: to review", "", func(o *observed) bool { return o.list == "namesakes" && o.set != "other birth date" }, flaggedAt(th.Review)},
		{"namesakes born 7 years apart: to review", "", func(o *observed) bool { return o.set == "other birth date" }, flaggedAt(th.Review)},
		{"single given names: to review", "<= 5%", func(o *observed) bool { return o.list == "given names" }, flaggedAt(th.Review)},
		{"Arabic script (UN): hit at review", ">= 90%", func(o *observed) bool { return o.set == "arabic script" }, hitAt(th.Review)},
		{"Arabic script (UN), full index: hit at review", "", func(o *observed) bool { return o.set == "arabic script, full index" }, hitAt(th.Review)},
		{"Arabic script (OFAC, written): hit at review", ">= 90%", func(o *observed) bool { return o.set == "arabic script, written" }, hitAt(th.Review)},
		{"Arabic script (OFAC organisations, dev: tuning only)", "", func(o *observed) bool { return o.set == "arabic script, dev organisations" }, hitAt(th.Review)},
		{"Arabic script (OFAC persons, dev: tuning only)", "", func(o *observed) bool { return o.set == "arabic script, dev persons" }, hitAt(th.Review)},
		{"Arabic script (OFAC organisations, dev 2: tuning only)", "", func(o *observed) bool { return o.set == "arabic script, dev organisations 2" }, hitAt(th.Review)},
		{"Arabic script, both sets: hit at review", ">= 90%", func(o *observed) bool { return o.set == "arabic script" || o.set == "arabic script, written" }, hitAt(th.Review)},
		{"Arabic orgs, entry left out: to review", "", arabicOf(sanctions.TypeOrganisation), otherAt(th.Review)},
		{"Arabic persons, entry left out: to review", "", arabicOf(sanctions.TypePerson), otherAt(th.Review)},
		{"Cyrillic, all: hit at review", ">= 90%", func(o *observed) bool { return strings.HasPrefix(o.set, "cyrillic") }, hitAt(th.Review)},
		{"Cyrillic, Korean names: hit at review", "", func(o *observed) bool { return o.set == "cyrillic korean" }, hitAt(th.Review)},
		{"name+dob exact: hit at match", "", listed(classNameDOB, "exact"), hitAt(th.Match)},
		{"name+dob one typo: hit at review", "", listed(classNameDOB, "typo1"), hitAt(th.Review)},
		{"name+dob two typos: hit at review", "", listed(classNameDOB, "typo2"), hitAt(th.Review)},
		{"name only exact: hit at match", "", listed(className, "exact"), hitAt(th.Match)},
	}
	fmt.Println("Targets (all lists pooled)")
	fmt.Printf("%-44s %8s %15s %15s\n", "", "goal", "tune   n", "held   n")
	for _, r := range rows {
		s := count(obs, r.sel, r.hit)
		fmt.Printf("%-44s %8s %15s %15s\n", r.name, r.goal, s[halfTune], s[halfHeld])
	}
	fmt.Println()
}

// detail prints hits per list kind, list, query class and variant.
func detail(obs []observed, th screening.Thresholds) {
	type key struct{ kind, list, class, set string }
	var keys []key
	seen := map[key]bool{}
	for i := range obs {
		k := key{obs[i].kind, obs[i].list, obs[i].class, obs[i].set}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.kind != b.kind {
			return a.kind > b.kind
		}
		if a.list != b.list {
			return a.list < b.list
		}
		return a.class < b.class
	})
	fmt.Println("Per list kind, list, query class and variant (for non-listed sets: share flagged)")
	fmt.Printf("%-9s %-11s %-9s %-19s %15s %15s %15s %15s\n", "kind", "list", "class", "variant",
		"tune review", "tune match", "held review", "held match")
	for _, k := range keys {
		sel := func(o *observed) bool {
			return o.kind == k.kind && o.list == k.list && o.class == k.class && o.set == k.set
		}
		rev, mat := hitAt(th.Review), hitAt(th.Match)
		if k.kind == "-" {
			rev, mat = flaggedAt(th.Review), flaggedAt(th.Match)
		}
		r, m := count(obs, sel, rev), count(obs, sel, mat)
		fmt.Printf("%-9s %-11s %-9s %-19s %15s %15s %15s %15s\n", k.kind, k.list, k.class, k.set, r[halfTune], m[halfTune], r[halfHeld], m[halfHeld])
	}
	for _, kind := range []string{"sanctions", "pep"} {
		for _, class := range []string{className, classNameDOB} {
			sel := func(o *observed) bool { return o.kind == kind && o.class == class && o.set != "exact" }
			r := count(obs, sel, hitAt(th.Review))
			fmt.Printf("%-9s %-11s %-9s %-19s %15s %15s %15s %15s\n", kind, "(all)", class, "(all variants)", r[halfTune], "", r[halfHeld], "")
		}
	}
	fmt.Println()
}

// calibration prints, per band of top score, how many labelled queries
// land there and the share whose top entry is the right one (for
// non-listed people it never is).
func calibration(obs []observed) {
	bands := []float64{0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0001}
	fmt.Println("Calibration: per band of top score, queries landing there and share whose top entry is right")
	fmt.Printf("%-11s %22s %22s %22s\n", "band", "name only (tune/held)", "name+dob (tune/held)", "all (tune/held)")
	for b := 0; b+1 < len(bands); b++ {
		lo, hi := bands[b], bands[b+1]
		in := func(o *observed) bool { return o.topScore >= lo && o.topScore < hi }
		right := func(o *observed) bool { return o.right }
		cell := func(class string) string {
			s := count(obs, func(o *observed) bool { return in(o) && (class == "" || o.class == class) }, right)
			return fmt.Sprintf("%s %s", calCell(s[halfTune]), calCell(s[halfHeld]))
		}
		label := fmt.Sprintf("%.2f-%.2f", lo, min(hi, 1))
		if lo == 0 {
			label = "<0.50"
		}
		fmt.Printf("%-11s %22s %22s %22s\n", label, cell(className), cell(classNameDOB), cell(""))
	}
	fmt.Println("(cells: share right / queries; '<0.50' includes queries with no candidate at all)")
	fmt.Println()
}

func calCell(s stat) string {
	if s.n == 0 {
		return fmt.Sprintf("%10s", "-")
	}
	return fmt.Sprintf("%3.0f%%/%-5d", pct(s.k, s.n), s.n)
}

// sweep shows, on the tuning half only, the trade-off per threshold.
func sweep(obs []observed) {
	fmt.Println("Per threshold, tuning half only (hit = right first and >= threshold; flagged = top >= threshold)")
	fmt.Printf("%-9s %10s %10s %10s %10s %10s %10s %10s %10s\n", "threshold", "typo1", "typo2", "exact", "dob typo2", "arabic", "cyrillic", "negatives", "given")
	tune := func(sel func(*observed) bool) func(*observed) bool {
		return func(o *observed) bool { return o.half == halfTune && sel(o) }
	}
	for t := 0.60; t <= 0.981; t += 0.02 {
		row := []struct {
			sel func(*observed) bool
			hit func(*observed) bool
		}{
			{func(o *observed) bool { return o.want != "" && o.class == className && o.set == "typo1" }, hitAt(t)},
			{func(o *observed) bool { return o.want != "" && o.class == className && o.set == "typo2" }, hitAt(t)},
			{func(o *observed) bool { return o.want != "" && o.class == className && o.set == "exact" }, hitAt(t)},
			{func(o *observed) bool { return o.class == classNameDOB && o.set == "typo2" }, hitAt(t)},
			{func(o *observed) bool { return o.set == "arabic script" }, hitAt(t)},
			{func(o *observed) bool { return strings.HasPrefix(o.set, "cyrillic") }, hitAt(t)},
			{func(o *observed) bool { return o.list == "negatives" && o.class == className }, flaggedAt(t)},
			{func(o *observed) bool { return o.list == "given names" }, flaggedAt(t)},
		}
		fmt.Printf("%-9.2f", t)
		for _, c := range row {
			s := count(obs, tune(c.sel), c.hit)[halfTune]
			fmt.Printf(" %9.2f%%", pct(s.k, s.n))
		}
		fmt.Println()
	}
	fmt.Println()
}

// misses lists, for the tuning half only, the labelled queries missed at
// review and the non-listed ones flagged.
func misses(obs []observed, th screening.Thresholds, near float64) {
	fpAt := th.Review
	if near > 0 {
		fpAt = min(fpAt, near)
	}
	for i := range obs {
		o := &obs[i]
		if o.half != halfTune {
			continue
		}
		miss := o.want != "" && (!o.right || o.topScore < th.Review)
		fp := o.want == "" && o.topScore >= fpAt
		if !miss && !fp {
			continue
		}
		fmt.Printf("%s/%s/%s/%s want=%s right=%v top=%.3f q=%q dob=%q", o.kind, o.list, o.class, o.set, o.want, o.right, o.topScore, o.q.Name, o.q.DOB)
		if o.top != nil {
			fmt.Printf(" got=%s|%s matched=%q %s", o.top.Source, o.top.EntityID, o.top.Explanation.MatchedName, o.top.Explanation.Formula)
		}
		if miss {
			switch w := o.wanted; {
			case w == nil:
				fmt.Print("\n\twanted: no candidate (or below 0.3)")
			default:
				fmt.Printf("\n\twanted: rank %d matched=%q %s", o.rank+1, w.Explanation.MatchedName, w.Explanation.Formula)
			}
		}
		if len(o.listed) > 0 {
			fmt.Printf("\n\tprepared %q; listed %q", screening.NormalizeName(o.q.Name, o.q.Type), o.listed)
		}
		fmt.Println()
	}
}

func pct(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(k) / float64(n)
}

func hasArabic(s string) bool {
	for _, r := range s {
		if r >= 0x0600 && r <= 0x06FF {
			return true
		}
	}
	return false
}

// isotonic fits, by pool-adjacent-violators, the share of right top
// entries as a non-decreasing function of the top score. It returns the
// fitted blocks: their lowest score and share.
func isotonic(obs []observed, sel func(*observed) bool) (lo, p []float64, n []int) {
	type pt struct {
		s float64
		y float64
	}
	var pts []pt
	for i := range obs {
		if sel(&obs[i]) {
			y := 0.0
			if obs[i].right {
				y = 1
			}
			pts = append(pts, pt{obs[i].topScore, y})
		}
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].s < pts[j].s })
	for _, q := range pts {
		lo, p, n = append(lo, q.s), append(p, q.y), append(n, 1)
		for k := len(p) - 1; k > 0 && p[k-1] >= p[k]; k-- {
			tot := n[k-1] + n[k]
			p[k-1] = (p[k-1]*float64(n[k-1]) + p[k]*float64(n[k])) / float64(tot)
			n[k-1] = tot
			lo, p, n = lo[:k], p[:k], n[:k]
		}
	}
	return lo, p, n
}

// fitted is the isotonic share at score s.
func fitted(lo, p []float64, s float64) float64 {
	i := sort.SearchFloat64s(lo, s+1e-9) - 1
	if i < 0 {
		return 0
	}
	return p[i]
}

// calibrationMap fits, on the tuning half, the probability that the top
// entry is the right one as a monotone function of the top score, per
// query class, and shows it at a few scores with the held-out half's
// observed share per band beside it. The shares depend on the mix of the
// labelled sets (the prior), so they compare classes, not absolute risk.
func calibrationMap(obs []observed) {
	classes := []string{className, classNameDOB}
	fmt.Println("Calibration map: P(top entry right | top score), isotonic fit on the tuning half; held-out observed share per band beside it")
	fmt.Printf("%-11s", "score")
	for _, c := range classes {
		fmt.Printf(" %22s", c+" fit/held")
	}
	fmt.Println()
	type fit struct{ lo, p []float64 }
	fits := make([]fit, len(classes))
	for k, c := range classes {
		c := c
		lo, p, _ := isotonic(obs, func(o *observed) bool { return o.half == halfTune && o.class == c })
		fits[k] = fit{lo, p}
	}
	knots := []float64{0.5, 0.6, 0.7, 0.75, 0.8, 0.82, 0.85, 0.88, 0.9, 0.92, 0.95, 1.0}
	for i, s := range knots {
		hi := 1.0001
		if i+1 < len(knots) {
			hi = knots[i+1]
		}
		fmt.Printf("%-11s", fmt.Sprintf("%.2f-%.2f", s, min(hi, 1)))
		for k, c := range classes {
			c := c
			h := count(obs, func(o *observed) bool {
				return o.class == c && o.topScore >= s && o.topScore < hi
			}, func(o *observed) bool { return o.right })[halfHeld]
			fmt.Printf(" %9.1f%% %s", 100*fitted(fits[k].lo, fits[k].p, s), calCell(h))
		}
		fmt.Println()
	}
	fmt.Println("(fit: share right at the band's lower score; held: share right / queries in the band)")
	fmt.Println()
}
