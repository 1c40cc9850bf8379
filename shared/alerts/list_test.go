package alerts

import (
	"context"
	"testing"
	"time"
)

func TestListingFiltersAndPagesNewestFirst(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	start := f.now()
	// Six users: odd ones on a PEP list; users 1 and 2 resolved.
	ids := map[int]string{}
	for n := 1; n <= 6; n++ {
		fd := finding(tenantA, userID(100+n), 1)
		if n%2 == 1 {
			fd.Kind, fd.ListSource = KindPEP, "US-PEP"
		}
		ids[n] = f.raise(t, fd).AlertID
	}
	mid := f.now()
	f.resolve(t, tenantA, ids[1], ResolutionFalsePositive)
	f.resolve(t, tenantA, ids[2], ResolutionConfirmed)

	all := func(filter Filter, limit int) []string {
		t.Helper()
		var out []string
		cursor := ""
		for pages := 0; ; pages++ {
			items, next, err := f.svc.List(ctx, tenantA, filter, cursor, limit)
			if err != nil {
				t.Fatalf("%+v: %v", filter, err)
			}
			if len(items) > limit || pages > 20 {
				t.Fatalf("page of %d (limit %d), %d pages", len(items), limit, pages)
			}
			for _, a := range items {
				out = append(out, a.ID)
			}
			if next == "" {
				return out
			}
			cursor = next
		}
	}
	tests := []struct {
		name   string
		filter Filter
		want   []int
	}{
		{"open, newest first", Filter{Status: StatusOpen}, []int{6, 5, 4, 3}},
		{"resolved", Filter{Status: StatusResolved}, []int{2, 1}},
		{"everything: open first, then resolved", Filter{}, []int{6, 5, 4, 3, 2, 1}},
		{"pep", Filter{Kind: KindPEP}, []int{5, 3, 1}},
		{"open sanctions", Filter{Status: StatusOpen, Kind: KindSanctions}, []int{6, 4}},
		{"one user", Filter{UserID: userID(104)}, []int{4}},
		{"one user, resolved", Filter{UserID: userID(102), Status: StatusResolved}, []int{2}},
		{"one user, another kind", Filter{UserID: userID(102), Kind: KindPEP}, nil},
		{"a user without alerts", Filter{UserID: userID(199)}, nil},
		{"from the middle", Filter{From: mid.Add(-2 * time.Minute)}, []int{6, 5, 4}},
		{"up to the middle", Filter{Status: StatusOpen, To: mid.Add(-2 * time.Minute)}, []int{4, 3}},
		{"a window", Filter{From: start.Add(2 * time.Minute), To: start.Add(3 * time.Minute)}, []int{3, 2}},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 2, 50} {
			got := all(tt.filter, limit)
			var want []string
			for _, n := range tt.want {
				want = append(want, ids[n])
			}
			if len(got) != len(want) {
				t.Errorf("%s (limit %d): %d alerts, want %d", tt.name, limit, len(got), len(want))
				continue
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s (limit %d): alert %d is %s, want %s", tt.name, limit, i, got[i], want[i])
				}
			}
		}
	}
}

func TestListingRefusesBadFiltersAndForeignCursors(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for n := 1; n <= 3; n++ {
		f.raise(t, finding(tenantA, userID(200+n), 1))
	}
	for name, tt := range map[string]struct {
		filter Filter
		want   string
	}{
		"an unknown status":       {Filter{Status: "closed"}, "invalid_status"},
		"an unknown kind":         {Filter{Kind: "adverse_media"}, "invalid_kind"},
		"a window ending first":   {Filter{From: f.now(), To: f.now().Add(-time.Hour)}, "invalid_time_range"},
		"an unknown cursor shape": {Filter{}, "invalid_cursor"},
	} {
		cursor := ""
		if tt.want == "invalid_cursor" {
			cursor = "x.abc"
		}
		if _, _, err := f.svc.List(ctx, tenantA, tt.filter, cursor, 10); code(err) != tt.want {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, next, err := f.svc.List(ctx, tenantA, Filter{Status: StatusOpen}, "", 1)
	if err != nil || next == "" {
		t.Fatalf("first page: %q %v", next, err)
	}
	if _, _, err := f.svc.List(ctx, tenantB, Filter{Status: StatusOpen}, next, 1); code(err) != "invalid_cursor" {
		t.Fatalf("another tenant's cursor: %v", err)
	}
	if _, _, err := f.svc.List(ctx, tenantA, Filter{Status: StatusOpen, Kind: KindPEP}, next, 1); code(err) != "invalid_cursor" {
		t.Fatalf("another filter's cursor: %v", err)
	}
	if _, _, err := f.svc.List(ctx, tenantA, Filter{}, "r."+next, 1); code(err) != "invalid_cursor" {
		t.Fatalf("a cursor moved to the other phase: %v", err)
	}
}
