package screening_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/sanctions/sanctionstest"
	"github.com/chainfi/chainguard/shared/screening"
)

// fixtureIndex builds the OFAC 2021-07 + UN + crypto index once per test
// binary.
var fixtureIndex = sync.OnceValues(func() (*fixtureData, error) {
	dir, err := sanctionstest.Dir()
	if err != nil {
		return nil, err
	}
	l, err := sanctionstest.Load(dir)
	if err != nil {
		return nil, err
	}
	ix, err := screening.Build(l.OFAC2021, l.UN, l.Crypto)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := ix.WriteTo(&buf); err != nil {
		return nil, err
	}
	return &fixtureData{lists: l, ix: ix, raw: buf.Bytes()}, nil
})

type fixtureData struct {
	lists *sanctionstest.Lists
	ix    *screening.Index
	raw   []byte
}

func requireFixtureIndex(tb testing.TB) *fixtureData {
	tb.Helper()
	sanctionstest.Require(tb)
	d, err := fixtureIndex()
	if err != nil {
		tb.Fatalf("build fixture index: %v", err)
	}
	return d
}

func listedNames(l *sanctionstest.Lists, n int, typos int) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	var ents []*sanctions.Entity
	for _, list := range []*sanctions.List{l.OFAC2021, l.UN} {
		for i := range list.Entities {
			ents = append(ents, &list.Entities[i])
		}
	}
	out := make([]string, n)
	for i := range out {
		b := []byte(ents[rng.IntN(len(ents))].PrimaryName())
		for k := 0; k < typos && len(b) > 3; k++ {
			p := 1 + rng.IntN(len(b)-1)
			b[p] = byte('a' + rng.IntN(26))
		}
		out[i] = string(b)
	}
	return out
}

func benchQueries(b *testing.B, names []string) {
	d := requireFixtureIndex(b)
	opt := screening.DefaultOptions()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		d.ix.Screen(screening.Query{Name: names[i%len(names)]}, opt)
	}
}

func BenchmarkScreenExact(b *testing.B) {
	d := requireFixtureIndex(b)
	benchQueries(b, listedNames(d.lists, 1000, 0))
}

func BenchmarkScreenMisspelt(b *testing.B) {
	d := requireFixtureIndex(b)
	benchQueries(b, listedNames(d.lists, 1000, 2))
}

func BenchmarkScreenNonListed(b *testing.B) {
	benchQueries(b, []string{"Patricia Lucas Wheeler", "Isabella Joaquin Torres", "Ingeborg Abrahamsen", "Kathryn Barr", "Reni Mehdi Klemm", "Maria Alice Nathan Leão", "حسین موسوی"})
}

// BenchmarkScreenArabicScript screens the UN's Arabic-script names (persons
// and organisations; some are screened in several readings) against the
// index: they are found through their Latin names, by consonants.
func BenchmarkScreenArabicScript(b *testing.B) {
	d := requireFixtureIndex(b)
	var names []string
	for _, e := range d.lists.UN.Entities {
		for _, n := range e.Names {
			if n.Kind == sanctions.NameOriginalScript && strings.ContainsFunc(n.Full, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
				names = append(names, n.Full)
			}
		}
	}
	benchQueries(b, names)
}

func BenchmarkLoad(b *testing.B) {
	d := requireFixtureIndex(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := screening.LoadBytes(d.raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScreenAddress(b *testing.B) {
	d := requireFixtureIndex(b)
	for b.Loop() {
		d.ix.ScreenAddress("ETH", "0x8576ACC5C05D6CE88F4E49BF65BDF0C62F91353C")
	}
}
