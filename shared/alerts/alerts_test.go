package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

const tenantA, tenantB store.TenantID = "tnt_a", "tnt_b"

func TestAFindingOpensOneAlertWithItsAuditRecordAndEventInOneTransaction(t *testing.T) {
	f := setup(t)
	f.calls.Reset()
	r := f.raise(t, finding(tenantA, userID(1), 1))
	if calls := f.calls.Reset(); calls["DynamoDB.GetItem"] != 1 || calls["DynamoDB.TransactWriteItems"] != 1 || len(calls) != 2 {
		t.Errorf("a new alert cost %v, want 1 GetItem and 1 TransactWriteItems", calls)
	}
	a := r.Alert
	if r.Action != Created || a == nil || !alertIDPattern.MatchString(a.ID) || a.Status != StatusOpen || a.Outcome != OutcomePotentialMatch ||
		a.EvidenceCount != 1 || len(a.Evidence) != 1 || a.Evidence[0].ScreeningID != "scr_1" || a.Evidence[0].RunID != "run_1" ||
		a.PreviousAlertID != "" || a.Resolution != nil {
		t.Fatalf("raise: %+v %+v", r, a)
	}
	got, err := f.svc.Get(context.Background(), tenantA, a.ID)
	if err != nil || got.ID != a.ID || got.FirstSeenAt != a.FirstSeenAt || got.Score != 0.86 || !slices.Equal(got.Evidence[0].Reasons, []string{"dob_year", "name_fuzzy"}) {
		t.Fatalf("get: %+v %v", got, err)
	}
	evs := f.outbox(t, tenantA)
	if len(evs) != 1 || evs[0].Type != EventCreated || evs[0].Data.AlertID != a.ID || evs[0].Data.UserID != userID(1) ||
		evs[0].Data.EntityID != "36216" || evs[0].Data.Status != StatusOpen {
		t.Fatalf("events %+v", evs)
	}
	if got := f.audits(t, tenantA); !slices.Equal(got, []string{"alert.created"}) {
		t.Fatalf("audit %v", got)
	}
}

func TestEvidenceGoesToTheOpenAlertAndOnlyMaterialChangesAreAnnounced(t *testing.T) {
	f := setup(t)
	u := userID(2)
	first := f.raise(t, finding(tenantA, u, 1))

	// A new list version with the same entry and subject: evidence, no event.
	v2 := finding(tenantA, u, 2)
	f.calls.Reset()
	if r := f.raise(t, v2); r.Action != Appended || r.AlertID != first.AlertID || r.Alert.EvidenceCount != 2 {
		t.Fatalf("v2: %+v", r)
	}
	if calls := f.calls.Reset(); calls["DynamoDB.GetItem"] != 2 || calls["DynamoDB.TransactWriteItems"] != 1 {
		t.Errorf("evidence cost %v", calls)
	}
	// The same finding again (a redelivered batch), and an older one again: nothing.
	f.calls.Reset()
	if r := f.raise(t, v2); r.Action != Unchanged || r.AlertID != first.AlertID || r.Alert != nil {
		t.Fatalf("redelivery: %+v", r)
	}
	if calls := f.calls.Reset(); calls["DynamoDB.GetItem"] != 1 || len(calls) != 1 {
		t.Errorf("a redelivery cost %v, want one GetItem", calls)
	}
	if r := f.raise(t, finding(tenantA, u, 1)); r.Action != Unchanged {
		t.Fatalf("older redelivery: %+v", r)
	}
	// Same list version and hashes under another screening id: the same finding.
	again := v2
	again.ScreeningID = "scr_other"
	if r := f.raise(t, again); r.Action != Unchanged {
		t.Fatalf("same version and hashes: %+v", r)
	}
	// The outcome rises, then the user's screened data changes, then the entry.
	v3 := finding(tenantA, u, 3)
	v3.Outcome, v3.Score = OutcomeMatch, 0.95
	if r := f.raise(t, v3); r.Action != Updated || r.Alert.Outcome != OutcomeMatch || r.Alert.Score != 0.95 {
		t.Fatalf("outcome: %+v", r)
	}
	v4 := finding(tenantA, u, 4)
	v4.SubjectHash = "subjecthash-2"
	if r := f.raise(t, v4); r.Action != Updated || r.Alert.Outcome != OutcomeMatch {
		t.Fatalf("subject: %+v (a weaker finding does not lower the outcome)", r)
	}
	v5 := finding(tenantA, u, 5)
	v5.SubjectHash, v5.EntityHash = "subjecthash-2", "entityhash-v2"
	if r := f.raise(t, v5); r.Action != Updated {
		t.Fatalf("entry: %+v", r)
	}
	want := []string{"alert.created", "alert.updated:outcome_raised", "alert.updated:subject_changed", "alert.updated:entry_changed"}
	if got := types_(f.outbox(t, tenantA)); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	audits := f.audits(t, tenantA)
	slices.Sort(audits)
	if !slices.Equal(audits, []string{"alert.created", "alert.evidence_added", "alert.updated", "alert.updated", "alert.updated"}) {
		t.Fatalf("audit %v", audits)
	}
}

func TestEvidenceIsBoundedAndCounted(t *testing.T) {
	f := setup(t)
	u := userID(3)
	var last Result
	for v := 1; v <= MaxEvidence+5; v++ {
		last = f.raise(t, finding(tenantA, u, v))
	}
	a := last.Alert
	if a.EvidenceCount != MaxEvidence+5 || len(a.Evidence) != MaxEvidence || a.Evidence[0].ScreeningID != "scr_6" || a.Evidence[MaxEvidence-1].ScreeningID != "scr_25" {
		t.Fatalf("count %d, kept %d, from %s to %s", a.EvidenceCount, len(a.Evidence), a.Evidence[0].ScreeningID, a.Evidence[len(a.Evidence)-1].ScreeningID)
	}
	if n := len(f.outbox(t, tenantA)); n != 1 {
		t.Fatalf("%d events for one alert and unchanged evidence", n)
	}
}

// The story over three list versions.
func TestAFalsePositiveIsRememberedUntilTheEntryOrTheUserChanges(t *testing.T) {
	f := setup(t)
	u := userID(4)
	v1 := f.raise(t, finding(tenantA, u, 1))
	if v1.Action != Created {
		t.Fatalf("v1: %+v", v1)
	}
	res := f.resolve(t, tenantA, v1.AlertID, ResolutionFalsePositive)
	if res.Status != StatusResolved || res.Resolution == nil || res.Resolution.Status != ResolutionFalsePositive || res.Resolution.By != "client:key1" ||
		res.Resolution.Comment == "" {
		t.Fatalf("resolved: %+v", res)
	}

	// v2: the entry and the user are as they were resolved: no alert, nothing written.
	f.calls.Reset()
	if r := f.raise(t, finding(tenantA, u, 2)); r.Action != Suppressed || r.AlertID != v1.AlertID || r.Alert != nil {
		t.Fatalf("v2: %+v", r)
	}
	if calls := f.calls.Reset(); calls["DynamoDB.GetItem"] != 1 || len(calls) != 1 {
		t.Errorf("a remembered false positive cost %v, want one GetItem", calls)
	}

	// v3: the listed entry changed: a new alert that refers to the resolution.
	v3 := finding(tenantA, u, 3)
	v3.EntityHash = "entityhash-v3"
	r3 := f.raise(t, v3)
	if r3.Action != Created || r3.AlertID == v1.AlertID || r3.Alert.PreviousAlertID != v1.AlertID || r3.Alert.PreviousResolution != ResolutionFalsePositive {
		t.Fatalf("v3: %+v", r3.Alert)
	}
	if r := f.raise(t, v3); r.Action != Unchanged || r.AlertID != r3.AlertID {
		t.Fatalf("v3 redelivered: %+v", r)
	}
	want := []string{"alert.created", "alert.updated:resolved", "alert.created"}
	evs := f.outbox(t, tenantA)
	if got := types_(evs); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if d := evs[2].Data; d.PreviousAlertID != v1.AlertID || d.PreviousResolution != ResolutionFalsePositive {
		t.Fatalf("alert.created of v3: %+v", d)
	}
	if d := evs[1].Data; d.Status != StatusResolved || d.ResolutionStatus != ResolutionFalsePositive {
		t.Fatalf("alert.updated of the resolution: %+v", d)
	}

	// The user's screened data changing re-alerts too, after v3's alert is resolved.
	f.resolve(t, tenantA, r3.AlertID, ResolutionFalsePositive)
	v4 := v3
	v4.ListVersion, v4.ScreeningID = "000004-3f9a1c0b7d2e", "scr_4"
	if r := f.raise(t, v4); r.Action != Suppressed {
		t.Fatalf("v4 unchanged: %+v", r)
	}
	v4.SubjectHash, v4.ScreeningID = "subjecthash-2", "scr_4b"
	if r := f.raise(t, v4); r.Action != Created || r.Alert.PreviousAlertID != r3.AlertID {
		t.Fatalf("v4 new subject: %+v", r)
	}
}

func TestAConfirmedAlertIsNotRaisedAgainForTheSameEntryAndUser(t *testing.T) {
	f := setup(t)
	u := userID(5)
	r := f.raise(t, finding(tenantA, u, 1))
	f.resolve(t, tenantA, r.AlertID, ResolutionConfirmed)
	if again := f.raise(t, finding(tenantA, u, 2)); again.Action != Suppressed || again.AlertID != r.AlertID {
		t.Fatalf("same hashes: %+v", again)
	}
	changed := finding(tenantA, u, 3)
	changed.EntityHash = "entityhash-v3"
	next := f.raise(t, changed)
	if next.Action != Created || next.Alert.PreviousAlertID != r.AlertID || next.Alert.PreviousResolution != ResolutionConfirmed {
		t.Fatalf("changed entry: %+v", next.Alert)
	}
}

func TestConcurrentRaisesOfOneFindingMakeExactlyOneAlert(t *testing.T) {
	f := setup(t)
	fd := finding(tenantA, userID(6), 1)
	fd.FoundAt = f.now()
	results := make([]Result, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			r, err := f.svc.Raise(context.Background(), fd)
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		})
	}
	wg.Wait()
	created := 0
	for _, r := range results {
		if r.Action == Created {
			created++
		} else if r.Action != Unchanged {
			t.Errorf("result %+v", r)
		}
	}
	ids := map[string]bool{}
	for _, r := range results {
		ids[r.AlertID] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Fatalf("%d created, alert ids %v", created, ids)
	}
	if got := types_(f.outbox(t, tenantA)); !slices.Equal(got, []string{"alert.created"}) {
		t.Fatalf("events %v", got)
	}
	list, _, err := f.svc.List(context.Background(), tenantA, Filter{}, "", 50)
	if err != nil || len(list) != 1 || list[0].EvidenceCount != 1 {
		t.Fatalf("list %+v %v", list, err)
	}
}

func TestConcurrentDifferentFindingsOfOnePairLandOnOneAlert(t *testing.T) {
	f := setup(t)
	u := userID(7)
	var wg sync.WaitGroup
	for v := 1; v <= 6; v++ {
		fd := finding(tenantA, u, v)
		fd.FoundAt = f.tick()
		wg.Go(func() {
			if _, err := f.svc.Raise(context.Background(), fd); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	list, _, err := f.svc.List(context.Background(), tenantA, Filter{UserID: u}, "", 50)
	if err != nil || len(list) != 1 || list[0].EvidenceCount != 6 || len(list[0].Evidence) != 6 {
		t.Fatalf("list %+v %v", list, err)
	}
}

func TestAnotherTenantsAlertIsNotFoundAndItsPairsAreItsOwn(t *testing.T) {
	f := setup(t)
	u := userID(8)
	a := f.raise(t, finding(tenantA, u, 1))
	ctx := context.Background()
	if _, err := f.svc.Get(ctx, tenantB, a.AlertID); code(err) != "alert_not_found" {
		t.Fatalf("get: %v", err)
	}
	_, err := f.svc.Resolve(ctx, client, tenantB, a.AlertID, ResolutionInput{Status: ResolutionConfirmed, Comment: "mine"})
	if code(err) != "alert_not_found" {
		t.Fatalf("resolve: %v", err)
	}
	if list, _, err := f.svc.List(ctx, tenantB, Filter{}, "", 50); err != nil || len(list) != 0 {
		t.Fatalf("list: %v %v", list, err)
	}
	if list, _, err := f.svc.List(ctx, tenantB, Filter{UserID: u}, "", 50); err != nil || len(list) != 0 {
		t.Fatalf("list by user: %v %v", list, err)
	}
	// The same user id and entry under another tenant is another pair.
	if r := f.raise(t, finding(tenantB, u, 1)); r.Action != Created || r.AlertID == a.AlertID {
		t.Fatalf("tenant B: %+v", r)
	}
	if got, err := f.svc.Get(ctx, tenantA, a.AlertID); err != nil || got.Status != StatusOpen {
		t.Fatalf("A's alert: %+v %v", got, err)
	}
}

func TestResolutionsAreCheckedBeforeAnythingChanges(t *testing.T) {
	f := setup(t)
	a := f.raise(t, finding(tenantA, userID(9), 1))
	ctx := context.Background()
	tests := []struct {
		name string
		id   string
		in   ResolutionInput
		want string
	}{
		{"an unknown status", a.AlertID, ResolutionInput{Status: "dismissed", Comment: "x"}, "invalid_resolution_status"},
		{"no status", a.AlertID, ResolutionInput{Comment: "x"}, "invalid_resolution_status"},
		{"no comment", a.AlertID, ResolutionInput{Status: ResolutionConfirmed}, "invalid_comment"},
		{"a blank comment", a.AlertID, ResolutionInput{Status: ResolutionConfirmed, Comment: "   "}, "invalid_comment"},
		{"a comment too long", a.AlertID, ResolutionInput{Status: ResolutionConfirmed, Comment: strings.Repeat("é", MaxCommentLen+1)}, "invalid_comment"},
		{"a control character", a.AlertID, ResolutionInput{Status: ResolutionConfirmed, Comment: "ok\x1b[31m"}, "invalid_comment"},
		{"an unknown alert", "alt_01jm9s346q3d25vt4f5v37e3s3", ResolutionInput{Status: ResolutionConfirmed, Comment: "x"}, "alert_not_found"},
		{"a malformed id", "alt_../x", ResolutionInput{Status: ResolutionConfirmed, Comment: "x"}, "alert_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.Resolve(ctx, client, tenantA, tt.id, tt.in); code(err) != tt.want {
				t.Fatalf("err %v, want %s", err, tt.want)
			}
		})
	}
	if got, _ := f.svc.Get(ctx, tenantA, a.AlertID); got.Status != StatusOpen {
		t.Fatalf("changed by a refused resolution: %+v", got)
	}
	f.tick()
	longest := strings.Repeat("é", MaxCommentLen)
	if _, err := f.svc.Resolve(ctx, client, tenantA, a.AlertID, ResolutionInput{Status: ResolutionConfirmed, Comment: longest}); err != nil {
		t.Fatalf("a comment of %d characters: %v", MaxCommentLen, err)
	}
	if _, err := f.svc.Resolve(ctx, client, tenantA, a.AlertID, ResolutionInput{Status: ResolutionFalsePositive, Comment: "again"}); code(err) != "alert_already_resolved" {
		t.Fatalf("second resolution: %v", err)
	}
	if got := types_(f.outbox(t, tenantA)); !slices.Equal(got, []string{"alert.created", "alert.updated:resolved"}) {
		t.Fatalf("events %v", got)
	}
}

func TestConcurrentResolutionsResolveOnce(t *testing.T) {
	f := setup(t)
	a := f.raise(t, finding(tenantA, userID(10), 1))
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range 4 {
		wg.Go(func() {
			_, err := f.svc.Resolve(context.Background(), client, tenantA, a.AlertID, ResolutionInput{Status: ResolutionConfirmed, Comment: "seen"})
			mu.Lock()
			codes[code(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[""] != 1 || codes["alert_already_resolved"] != 3 {
		t.Fatalf("outcomes %v", codes)
	}
}

func TestTheCommentIsStoredEncryptedAndNothingPersonalIsWritten(t *testing.T) {
	f := setup(t)
	a := f.raise(t, finding(tenantA, userID(11), 1))
	comment := "Not Vladimir Petrov: born 1971, ours 1990"
	if _, err := f.svc.Resolve(context.Background(), client, tenantA, a.AlertID, ResolutionInput{Status: ResolutionFalsePositive, Comment: comment}); err != nil {
		t.Fatal(err)
	}
	for _, it := range f.scan(t) {
		var m map[string]any
		if err := attributevalue.UnmarshalMap(it, &m); err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(m)
		if strings.Contains(strings.ToLower(string(raw)), "petrov") {
			t.Fatalf("the comment is stored in clear: %s", raw)
		}
	}
	got, err := f.svc.Get(context.Background(), tenantA, a.AlertID)
	if err != nil || got.Resolution.Comment != comment {
		t.Fatalf("get: %+v %v", got.Resolution, err)
	}
}

func TestAMalformedFindingIsRefused(t *testing.T) {
	f := setup(t)
	good := finding(tenantA, userID(12), 1)
	for name, mutate := range map[string]func(*Finding){
		"a user id that is not one":  func(x *Finding) { x.UserID = "John Smith" },
		"no entry hash":              func(x *Finding) { x.EntityHash = "" },
		"no subject hash":            func(x *Finding) { x.SubjectHash = "" },
		"an unknown kind":            func(x *Finding) { x.Kind = "adverse_media" },
		"an unknown outcome":         func(x *Finding) { x.Outcome = "clear" },
		"a score above 1":            func(x *Finding) { x.Score = 1.2 },
		"a reason that is free text": func(x *Finding) { x.Reasons = []string{"name matched John Smith"} },
		"no screening id":            func(x *Finding) { x.ScreeningID = "" },
		"a list version in words":    func(x *Finding) { x.ListVersion = "the latest" },
		"a lower-case source":        func(x *Finding) { x.ListSource = "ofac" },
	} {
		t.Run(name, func(t *testing.T) {
			fd := good
			mutate(&fd)
			if _, err := f.svc.Raise(context.Background(), fd); code(err) != "invalid_finding" {
				t.Fatalf("err %v", err)
			}
		})
	}
	if n := len(f.outbox(t, tenantA)); n != 0 {
		t.Fatalf("%d events", n)
	}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	if fe, ok := failure.As(err); ok {
		return fe.Code
	}
	if errors.Is(err, store.ErrBadCursor) {
		return "invalid_cursor"
	}
	return err.Error()
}
