package tenants

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

func actions(t *testing.T, f fixture, tenant string) []string {
	t.Helper()
	var out []string
	for _, e := range entries(t, f.audit, store.TenantID(tenant)) {
		out = append(out, e.Action)
	}
	return out
}

func TestASuspendedTenantsKeysStopAtOnceAndResumingRestoresThem(t *testing.T) {
	f, calls := countedFixture(t)
	ctx := context.Background()
	tn, first, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.IssueKey(ctx, staff, tn.ID, "second")
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := f.svc.IssueKey(ctx, staff, tn.ID, "old")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RevokeKey(ctx, staff, tn.ID, revoked.ID, RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
	_, other, err := f.svc.CreateTenant(ctx, staff, "Other Desk", "")
	if err != nil {
		t.Fatal(err)
	}

	got, err := f.svc.Suspend(ctx, staff, tn.ID, "aml_concerns")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusSuspended || got.SuspendReason != "aml_concerns" || got.SuspendedAt == "" {
		t.Fatalf("suspended tenant = %+v", got)
	}
	stored, _ := f.svc.Get(ctx, tn.ID)
	if stored.Status != StatusSuspended || stored.Version != got.Version {
		t.Fatalf("stored tenant = %+v, answered version %d", stored, got.Version)
	}

	calls.take()
	for _, k := range []IssuedKey{first, second} {
		_, err := f.svc.Authenticate(ctx, "Bearer "+k.Secret)
		if kindOf(err) != failure.Forbidden || codeOf(err) != "tenant_suspended" {
			t.Fatalf("key %s of a suspended tenant: err = %v, want 403 tenant_suspended", k.ID, err)
		}
	}
	if ops := calls.take(); !slices.Equal(ops, []string{"GetItem", "GetItem"}) {
		t.Fatalf("two authentications of a suspended tenant's keys made %v, want one GetItem each", ops)
	}
	for name, header := range map[string]string{
		"a revoked key":  "Bearer " + revoked.Secret,
		"a wrong secret": "Bearer " + first.Secret[:len(first.Secret)-4] + "AAAA",
	} {
		if _, err := f.svc.Authenticate(ctx, header); codeOf(err) != "invalid_api_key" {
			t.Errorf("%s of a suspended tenant: err = %v, want the 401 of any bad credential", name, err)
		}
	}
	if _, err := f.svc.Authenticate(ctx, "Bearer "+other.Secret); err != nil {
		t.Fatalf("another tenant's key: %v", err)
	}
	if _, err := f.svc.IssueKey(ctx, staff, tn.ID, "new"); codeOf(err) != "tenant_not_active" {
		t.Fatalf("issuing a key to a suspended tenant: %v", err)
	}

	again, err := f.svc.Suspend(ctx, staff, tn.ID, "other")
	if err != nil || again.Version != got.Version || again.SuspendReason != "aml_concerns" {
		t.Fatalf("suspending again = %+v, %v; want the tenant as it is", again, err)
	}

	resumed, err := f.svc.Resume(ctx, staff, tn.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Status != StatusActive || resumed.SuspendReason != "" || resumed.SuspendedAt != "" {
		t.Fatalf("resumed tenant = %+v", resumed)
	}
	calls.take()
	for _, k := range []IssuedKey{first, second} {
		if p, err := f.svc.Authenticate(ctx, "Bearer "+k.Secret); err != nil || p.Tenant != store.TenantID(tn.ID) {
			t.Fatalf("key %s after resuming: %+v, %v", k.ID, p, err)
		}
	}
	if ops := calls.take(); !slices.Equal(ops, []string{"GetItem", "GetItem"}) {
		t.Fatalf("two authentications made %v, want one GetItem each", ops)
	}
	if _, err := f.svc.Authenticate(ctx, "Bearer "+revoked.Secret); codeOf(err) != "invalid_api_key" {
		t.Fatalf("resuming revived a revoked key: %v", err)
	}
	if again, err := f.svc.Resume(ctx, staff, tn.ID, ""); err != nil || again.Version != resumed.Version {
		t.Fatalf("resuming again = %+v, %v; want the tenant as it is", again, err)
	}

	es := entries(t, f.audit, store.TenantID(tn.ID))
	var suspended, resumedEntries int
	for _, e := range es {
		switch e.Action {
		case "tenant.suspended":
			suspended++
			if e.Reason != "aml_concerns" || e.Actor != staff || e.Subject.ID != tn.ID || e.Details["activeKeys"] != "2" {
				t.Errorf("suspension entry = %+v", e)
			}
		case "tenant.resumed":
			resumedEntries++
		}
	}
	if suspended != 1 || resumedEntries != 1 {
		t.Fatalf("audit actions = %v, want one suspension and one resumption", actions(t, f, tn.ID))
	}
}

func TestSuspensionReasonsAreCodesFromAFixedSetNeverFreeText(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tn, key, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, reason := range []string{
		"", "x", "John Smith", "john@example.com", "Fraud", "unpaid invoice", "r\u00e9vision", string(make([]byte, 65)),
		"john.smith-gmail.com", "kyb_review", "AML_CONCERNS", " aml_concerns", "aml_concerns\n", "review_completed",
	} {
		if _, err := f.svc.Suspend(ctx, staff, tn.ID, reason); codeOf(err) != "invalid_reason" {
			t.Errorf("reason %q: err = %v, want invalid_reason", reason, err)
		}
	}
	for _, reason := range []string{"Jane Doe called", "jane.doe-gmail.com", "kyb_approved", "suspected_fraud"} {
		if _, err := f.svc.Resume(ctx, staff, tn.ID, reason); codeOf(err) != "invalid_reason" {
			t.Errorf("resume reason %q: err = %v, want invalid_reason", reason, err)
		}
	}
	if got, _ := f.svc.Get(ctx, tn.ID); got.Status != StatusActive {
		t.Fatalf("refused suspensions changed the tenant: %+v", got)
	}
	if _, err := f.svc.Authenticate(ctx, "Bearer "+key.Secret); err != nil {
		t.Fatalf("refused suspensions stopped the key: %v", err)
	}
	for _, reason := range []string{
		"suspected_fraud", "sanctions_exposure", "aml_concerns", "non_payment", "contract_terminated",
		"regulator_request", "security_incident", "client_request", "other",
	} {
		if err := validReason(reason, suspendReasons, true); err != nil {
			t.Errorf("suspension reason %q refused: %v", reason, err)
		}
	}
	for _, reason := range []string{"", "review_completed", "payment_received", "client_request", "other"} {
		if err := validReason(reason, resumeReasons, false); err != nil {
			t.Errorf("resumption reason %q refused: %v", reason, err)
		}
	}
}

func TestSuspendingAnUnknownTenantIsNotFound(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, id := range []string{"tnt_missing", "no#such"} {
		if _, err := f.svc.Suspend(ctx, staff, id, "aml_concerns"); codeOf(err) != "tenant_not_found" {
			t.Errorf("suspend %q: %v", id, err)
		}
		if _, err := f.svc.Resume(ctx, staff, id, ""); codeOf(err) != "tenant_not_found" {
			t.Errorf("resume %q: %v", id, err)
		}
	}
}

// A key issued while the tenant is being suspended must not escape the suspension: the
// two transactions both condition on the tenant's version, so one of them fails.
func TestNoKeyEscapesAConcurrentSuspension(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for round := range 4 {
		tn, _, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var issued []IssuedKey
		var mu sync.Mutex
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if k, err := f.svc.IssueKey(ctx, staff, tn.ID, "race"); err == nil {
					mu.Lock()
					issued = append(issued, k)
					mu.Unlock()
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 { // retried on conflicts, as a client would
				_, err := f.svc.Suspend(ctx, staff, tn.ID, "aml_concerns")
				if kindOf(err) != failure.Conflict && !errors.Is(err, store.ErrConflict) {
					if err != nil {
						t.Errorf("suspend: %v", err)
					}
					return
				}
			}
		}()
		wg.Wait()
		got, err := f.svc.Get(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != StatusSuspended {
			t.Fatalf("round %d: suspension never committed: %+v", round, got)
		}
		for _, k := range issued {
			if _, err := f.svc.Authenticate(ctx, "Bearer "+k.Secret); codeOf(err) != "tenant_suspended" {
				t.Fatalf("round %d: key %s issued during the suspension authenticates: %v", round, k.ID, err)
			}
		}
	}
}

// Suspend and Resume read every key of the tenant, page after page, inside the process:
// they work on a store built without the secret that signs clients' cursors. Pages of
// one key make every key a page of its own.
func TestSuspendAndResumeNeedNoCursorSecret(t *testing.T) {
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	st, al := store.New(db, table), audit.New(db, table) // no store.WithCursorSecret
	svc := NewService(st, al, slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.keyPageSize = 1
	ctx := context.Background()

	tn, first, err := svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	keys := []IssuedKey{first}
	for _, label := range []string{"second", "old", "third"} {
		k, err := svc.IssueKey(ctx, staff, tn.ID, label)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if _, err := svc.RevokeKey(ctx, staff, tn.ID, keys[2].ID, RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
	active := []IssuedKey{keys[0], keys[1], keys[3]}

	if _, err := svc.Suspend(ctx, staff, tn.ID, "other"); err != nil {
		t.Fatalf("suspend without a cursor secret: %v", err)
	}
	for _, k := range active {
		if _, err := svc.Authenticate(ctx, "Bearer "+k.Secret); codeOf(err) != "tenant_suspended" {
			t.Fatalf("key %s after the suspension: %v, want 403 tenant_suspended", k.ID, err)
		}
	}
	if _, err := svc.Resume(ctx, staff, tn.ID, "review_completed"); err != nil {
		t.Fatalf("resume without a cursor secret: %v", err)
	}
	for _, k := range active {
		if _, err := svc.Authenticate(ctx, "Bearer "+k.Secret); err != nil {
			t.Fatalf("key %s after resuming: %v", k.ID, err)
		}
	}
	if _, _, err := svc.Keys(ctx, tn.ID, 1, ""); !errors.Is(err, store.ErrNoCursorSecret) {
		t.Fatalf("listing keys for a client still needs the secret: %v", err)
	}
}
