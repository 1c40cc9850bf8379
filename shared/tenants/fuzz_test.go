package tenants

import "testing"

// FuzzParseKey: the presented key is untrusted; parsing never panics and only keys of our
// exact shape are accepted, whose parts round-trip.
func FuzzParseKey(f *testing.F) {
	_, _, full, _ := newKeyMaterial()
	for _, s := range []string{full, "", "cgk_", "cgk_01ARZ3NDEKTSV4RRFFQ69G5FAV_x", full + "x", "Bearer " + full} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, secret, ok := parseKey(s)
		if !ok {
			return
		}
		if keyPrefix+id+"_"+secret != s {
			t.Fatalf("parsed %q into %q and %q", s, id, secret)
		}
	})
}

func FuzzBearer(f *testing.F) {
	for _, s := range []string{"Bearer x", "bearer  y ", "Basic z", "", "Bearer"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := bearer(h)
		if ok && tok == "" {
			t.Fatal("accepted an empty token")
		}
	})
}
