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
