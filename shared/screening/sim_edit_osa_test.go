package screening

import (
	"math/rand/v2"
	"testing"
)

// osaReference is the full-matrix optimal string alignment distance that
// osaDistance must equal wherever the distance is within the limit.
func osaReference(a, b string) int {
	la, lb := len(a), len(b)
	d := make([][]int, la+1)
	for i := range d {
		d[i] = make([]int, lb+1)
		d[i][0] = i
	}
	for j := 0; j <= lb; j++ {
		d[0][j] = j
	}
	for i := 1; i <= la; i++ {
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[la][lb]
}

func TestBandedOSADistanceEqualsTheFullMatrixWithinItsLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	word := func() string {
		b := make([]byte, 1+rng.IntN(12))
		for i := range b {
			b[i] = "abcde"[rng.IntN(5)]
		}
		return string(b)
	}
	for n := 0; n < 200000; n++ {
		a, b := word(), word()
		if rng.IntN(2) == 0 {
			bb := []byte(a)
			for k := rng.IntN(4); k > 0 && len(bb) > 1; k-- {
				p := rng.IntN(len(bb) - 1)
				switch rng.IntN(3) {
				case 0:
					bb[p], bb[p+1] = bb[p+1], bb[p]
				case 1:
					bb[p] = "abcde"[rng.IntN(5)]
				default:
					bb = append(bb[:p], bb[p+1:]...)
				}
			}
			b = string(bb)
		}
		limit := rng.IntN(4)
		want := min(osaReference(a, b), limit+1)
		if got := osaDistance(a, b, limit); got != want {
			t.Fatalf("osaDistance(%q, %q, %d) = %d, want %d", a, b, limit, got, want)
		}
	}
}
