package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

func TestKeySegments(t *testing.T) {
	t.Run("ids with a separator are rejected before a key is built", func(t *testing.T) {
		for _, id := range []string{"a#b", "", "x\x00", "a/b", strings.Repeat("x", 129)} {
			if err := store.CheckIDs("ok", id); !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("CheckIDs(%q) = %v, want ErrInvalidKey", id, err)
			}
		}
		if err := store.CheckIDs("01HZX", "user-1", "acme"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a builder given a separator panics instead of forging another key", func(t *testing.T) {
		builders := map[string]func(){
			"tenant":  func() { store.UserKey("acme#U#victim", "x") },
			"user":    func() { store.UserKey("acme", "u#CONSENT") },
			"address": func() { store.UserAddressKey("acme", "u", "eth", "0xab#cd") },
			"trade":   func() { store.TradeMessageKey("acme", "t1", "") },
		}
		for name, build := range builders {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: no panic", name)
					}
				}()
				build()
			}()
		}
	})
	t.Run("tenant partitions cannot collide through a shared prefix", func(t *testing.T) {
		a, b := store.UserPK("acme", "1"), store.UserPK("acme1", "1")
		if strings.HasPrefix(b, store.TenantKey("acme").PK+"#") || a == b {
			t.Fatalf("%q and %q", a, b)
		}
	})
	t.Run("an invalid key is refused by every operation", func(t *testing.T) {
		if err := (store.Key{PK: "x"}).Validate(); !errors.Is(err, store.ErrInvalidKey) {
			t.Fatal(err)
		}
	})
}

func TestTimesAndIDsSort(t *testing.T) {
	a := store.FormatTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	b := store.FormatTime(time.Date(2025, 1, 1, 0, 0, 0, 100_000_000, time.FixedZone("x", 0)))
	if !(a < b) || a != "2025-01-01T00:00:00.000Z" {
		t.Fatalf("%s !< %s", a, b)
	}
	if _, err := store.ParseTime(b); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for range 1000 {
		id := store.NewID()
		if len(id) != 26 || id <= prev || !store.ValidID(id) {
			t.Fatalf("id %q after %q", id, prev)
		}
		prev = id
	}
	if _, err := store.IDTime(prev); err != nil {
		t.Fatal(err)
	}
}

func TestAlertPairKeys(t *testing.T) {
	k := store.AlertPairKey("acme", "usr_1", "OFAC-SDN", "12345")
	if k.PK != store.UserPK("acme", "usr_1") || k.SK != "ALERTPAIR#OFAC-SDN#E:12345" {
		t.Fatalf("key %+v", k)
	}
	t.Run("an entry id that cannot be a segment gets its hash, one key per id", func(t *testing.T) {
		a := store.AlertPairKey("acme", "usr_1", "UN-SC", "QDi#1")
		b := store.AlertPairKey("acme", "usr_1", "UN-SC", "QDi#2")
		if !strings.HasPrefix(a.SK, "ALERTPAIR#UN-SC#H:") || a == b || a != store.AlertPairKey("acme", "usr_1", "UN-SC", "QDi#1") {
			t.Fatalf("%q %q", a.SK, b.SK)
		}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a hashed id never collides with an id that looks like a hash", func(t *testing.T) {
		h := store.AlertPairKey("acme", "u", "S", "x#y")
		e := store.AlertPairKey("acme", "u", "S", strings.TrimPrefix(h.SK, "ALERTPAIR#S#H:"))
		if h == e {
			t.Fatal("collision")
		}
	})
}
