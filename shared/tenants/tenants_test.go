package tenants

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

var staff = audit.Actor{Type: "staff", ID: "staff-1"}

type fixture struct {
	svc   *Service
	st    *store.Store
	audit *audit.Log
}

func newFixture(t *testing.T, opts ...Option) fixture {
	t.Helper()
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	st, al := store.New(db, table, store.WithCursorSecret(testCursorSecret(t))), audit.New(db, table)
	return fixture{svc: NewService(st, al, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...), st: st, audit: al}
}

// testCursorSecret is a random cursor secret, as long as a deployed one.
func testCursorSecret(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return []byte(hex.EncodeToString(b))
}

func kindOf(err error) failure.Kind {
	if f, ok := failure.As(err); ok {
		return f.Kind
	}
	return -1
}

func codeOf(err error) string {
	if f, ok := failure.As(err); ok {
		return f.Code
	}
	return ""
}

func entries(t *testing.T, al *audit.Log, tenant store.TenantID) []audit.Entry {
	t.Helper()
	if _, err := al.SealPending(context.Background(), 0, 0); err != nil { // the audit-sealer's work
		t.Fatal(err)
	}
	es, _, err := al.List(context.Background(), tenant, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestACreatedTenantAuthenticatesWithItsFirstKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tn, key, err := f.svc.CreateTenant(ctx, staff, "  Acme Exchange ", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if tn.Name != "Acme Exchange" || tn.Status != StatusActive || !strings.HasPrefix(key.Secret, "cgk_") {
		t.Fatalf("tenant %+v key %+v", tn, key.APIKey)
	}
	p, err := f.svc.Authenticate(ctx, "Bearer "+key.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if p.Tenant != store.TenantID(tn.ID) || p.KeyID != key.ID {
		t.Fatalf("principal = %+v", p)
	}
	// Only the hash is stored.
	var stored APIKey
	if err := f.st.Get(ctx, store.APIKeyKey(key.ID), &stored); err != nil {
		t.Fatal(err)
	}
	if stored.Hash == "" || strings.Contains(stored.Hash, key.Secret[len(keyPrefix)+keyIDLen+1:]) {
		t.Fatalf("stored key holds its secret: %+v", stored)
	}
	js, _ := json.Marshal(stored)
	if strings.Contains(string(js), stored.Hash) {
		t.Fatal("the key hash is part of the key's JSON")
	}
	es := entries(t, f.audit, store.TenantID(tn.ID))
	if len(es) != 1 || es[0].Action != "tenant.created" || es[0].Actor != staff {
		t.Fatalf("audit = %+v", es)
	}
}

func TestBadCredentialsAreRefusedAlike(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, key, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.svc.IssueKey(ctx, staff, key.TenantID, "second")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RevokeKey(ctx, staff, key.TenantID, other.ID, RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
	wrongSecret := key.Secret[:len(key.Secret)-4] + "AAAA"
	unknown := keyPrefix + "01J00000000000000000000000" + key.Secret[len(keyPrefix)+keyIDLen:]
	cases := map[string]struct {
		header string
		code   string
	}{
		"no header":           {"", "missing_api_key"},
		"basic scheme":        {"Basic " + key.Secret, "missing_api_key"},
		"malformed key":       {"Bearer cgk_nope", "invalid_api_key"},
		"wrong secret":        {"Bearer " + wrongSecret, "invalid_api_key"},
		"unknown key id":      {"Bearer " + unknown, "invalid_api_key"},
		"revoked key":         {"Bearer " + other.Secret, "invalid_api_key"},
		"key with extra text": {"Bearer " + key.Secret + "x", "invalid_api_key"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.Authenticate(ctx, c.header)
			if kindOf(err) != failure.Unauthenticated || codeOf(err) != c.code {
				t.Fatalf("err = %v, want 401 %s", err, c.code)
			}
		})
	}
}

func TestAFailureBurstIsAuditedOncePerWindow(t *testing.T) {
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, WithClock(func() time.Time { return at }))
	ctx := context.Background()
	tn, key, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "Bearer " + key.Secret[:len(key.Secret)-4] + "AAAA"
	for i := 0; i < 12; i++ {
		if _, err := f.svc.Authenticate(ctx, wrong); err == nil {
			t.Fatal("wrong secret accepted")
		}
	}
	var bursts int
	for _, e := range entries(t, f.audit, store.TenantID(tn.ID)) {
		if e.Action == "auth.failure_burst" {
			bursts++
			if e.Subject.ID != key.ID || e.Reason != "wrong_secret" {
				t.Errorf("burst entry = %+v", e)
			}
		}
	}
	if bursts != 1 {
		t.Fatalf("%d burst entries for 12 failures in one window, want 1", bursts)
	}
	// Unknown keys go to the platform's chain.
	for i := 0; i < DefaultFailurePolicy.Threshold; i++ {
		_, _ = f.svc.Authenticate(ctx, "Bearer cgk_garbage")
	}
	pes := entries(t, f.audit, store.PlatformTenant)
	if len(pes) != 1 || pes[0].Action != "auth.failure_burst" {
		t.Fatalf("platform chain = %+v", pes)
	}
}

func TestKeysRotateWithinTheLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tn, first, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < MaxActiveKeys; i++ {
		if _, err := f.svc.IssueKey(ctx, staff, tn.ID, "k"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.IssueKey(ctx, staff, tn.ID, "one too many"); codeOf(err) != "too_many_keys" {
		t.Fatalf("err = %v, want too_many_keys", err)
	}
	if _, err := f.svc.RevokeKey(ctx, staff, tn.ID, first.ID, RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, "Bearer "+first.Secret); err == nil {
		t.Fatal("a revoked key still authenticates")
	}
	if _, err := f.svc.IssueKey(ctx, staff, tn.ID, "replacement"); err != nil {
		t.Fatalf("after a revocation a new key must be allowed: %v", err)
	}
	keys, next, err := f.svc.Keys(ctx, tn.ID, 50, "")
	if err != nil || next != "" || len(keys) != MaxActiveKeys+1 {
		t.Fatalf("keys = %d, next %q, err %v", len(keys), next, err)
	}
}

func TestConcurrentIssuesNeverExceedTheLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tn, _, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = f.svc.IssueKey(ctx, staff, tn.ID, "race")
		}()
	}
	wg.Wait()
	keys, _, err := f.svc.Keys(ctx, tn.ID, 50, "")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Get(ctx, tn.ID)
	if len(keys) > MaxActiveKeys || got.ActiveKeys != len(keys) {
		t.Fatalf("%d keys stored, counter says %d, limit %d", len(keys), got.ActiveKeys, MaxActiveKeys)
	}
}

func TestAnotherTenantsKeyIsNotFound(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, _, _ := f.svc.CreateTenant(ctx, staff, "Tenant A", "")
	_, kb, _ := f.svc.CreateTenant(ctx, staff, "Tenant B", "")
	_, err := f.svc.RevokeKey(ctx, audit.Actor{Type: "client", ID: "x"}, a.ID, kb.ID, RevokeOptions{KeepOne: true})
	if kindOf(err) != failure.NotFound {
		t.Fatalf("revoking another tenant's key: %v, want 404", err)
	}
	if _, err := f.svc.Authenticate(ctx, "Bearer "+kb.Secret); err != nil {
		t.Fatal("tenant B's key was affected")
	}
}

func TestAClientCannotRevokeItsLastKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tn, k, _ := f.svc.CreateTenant(ctx, staff, "Acme", "")
	_, err := f.svc.RevokeKey(ctx, audit.Actor{Type: "client", ID: k.ID}, tn.ID, k.ID, RevokeOptions{KeepOne: true})
	if codeOf(err) != "last_active_key" {
		t.Fatalf("err = %v, want last_active_key", err)
	}
}

func TestInvalidInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, name := range []string{"", "x", strings.Repeat("n", 101), "bad\x00name"} {
		if _, _, err := f.svc.CreateTenant(ctx, staff, name, ""); kindOf(err) != failure.Invalid {
			t.Errorf("name %q: err = %v, want invalid", name, err)
		}
	}
	ts, _, err := f.svc.List(ctx, 50, "")
	if err != nil || len(ts) != 0 {
		t.Fatalf("tenants after invalid input: %d, %v", len(ts), err)
	}
	if _, err := f.svc.Get(ctx, "no#such"); !errors.Is(err, errTenantNotFound) {
		t.Fatalf("err = %v", err)
	}
}

// A key's label is the client's free text: it is kept on the key, where it can be
// changed or erased, never in the five-year audit trail, which keeps the key's id.
func TestKeyLabelsStayOutOfTheAuditTrail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tn, first, err := f.svc.CreateTenant(ctx, staff, "Acme", "John Smith's phone")
	if err != nil {
		t.Fatal(err)
	}
	byStaff, err := f.svc.IssueKey(ctx, staff, tn.ID, "jane.doe@example.com")
	if err != nil {
		t.Fatal(err)
	}
	byClient, err := f.svc.IssueKey(ctx, audit.Actor{Type: "client", ID: first.ID}, tn.ID, "Jane Doe laptop")
	if err != nil {
		t.Fatal(err)
	}
	if byStaff.Label != "jane.doe@example.com" || byClient.Label != "Jane Doe laptop" {
		t.Fatalf("labels = %q, %q: the key keeps its label", byStaff.Label, byClient.Label)
	}
	created := map[string]bool{}
	for _, e := range entries(t, f.audit, store.TenantID(tn.ID)) {
		js, _ := json.Marshal(e)
		for _, label := range []string{"John Smith", "jane.doe", "Jane Doe"} {
			if strings.Contains(string(js), label) {
				t.Errorf("audit entry %s holds the label %q: %s", e.Action, label, js)
			}
		}
		if e.Action == "apikey.created" {
			created[e.Subject.ID] = true
			if _, ok := e.Details["label"]; ok {
				t.Errorf("apikey.created details = %v", e.Details)
			}
		}
	}
	if !created[byStaff.ID] || !created[byClient.ID] {
		t.Fatalf("apikey.created entries for %v, want %s and %s", created, byStaff.ID, byClient.ID)
	}
}

// Names and labels are shown to staff and clients: a character that displays as nothing
// (or reorders what follows) would let "Acme\u202Egnp.exe" pass for another text, or two
// tenants look alike. Controls, format characters and the other invisible code points
// are refused; every script and emoji are not.
func TestNamesAndLabelsRefuseInvisibleCharacters(t *testing.T) {
	invisible := map[string]string{
		"a right-to-left override":    "\u202E",
		"a left-to-right embedding":   "\u202A",
		"a pop directional format":    "\u202C",
		"a left-to-right isolate":     "\u2066",
		"a pop directional isolate":   "\u2069",
		"a zero-width space":          "\u200B",
		"a zero-width non-joiner":     "\u200C",
		"a zero-width joiner":         "\u200D",
		"a left-to-right mark":        "\u200E",
		"a right-to-left mark":        "\u200F",
		"a byte order mark":           "\uFEFF",
		"a word joiner":               "\u2060",
		"a soft hyphen":               "\u00AD",
		"an Arabic letter mark":       "\u061C",
		"a C1 control (NEL)":          "\u0085",
		"a C0 control (tab)":          "\t",
		"DEL":                         "\x7f",
		"a line separator":            "\u2028",
		"a paragraph separator":       "\u2029",
		"a Hangul filler":             "\u3164",
		"a combining grapheme joiner": "\u034F",
		"a private-use character":     "\uE000",
		"a noncharacter":              "\uFDD0",
		"a tag character":             "\U000E0041",
		"U+FFFD":                      "\uFFFD",
		"invalid UTF-8":               "\xff",
	}
	for name, r := range invisible {
		t.Run("a name with "+name, func(t *testing.T) {
			if _, err := validName("Ac" + r + "me"); codeOf(err) != "invalid_name" {
				t.Fatalf("err = %v, want invalid_name", err)
			}
		})
		t.Run("a label with "+name, func(t *testing.T) {
			if _, err := validLabel("pr" + r + "od"); codeOf(err) != "invalid_label" {
				t.Fatalf("err = %v, want invalid_label", err)
			}
		})
	}
	for _, name := range []string{"Müller & Söhne GmbH", "株式会社アクメ", "شركة أكمي", "Акме Банк", "Acme\u00a0Exchange", "Acme 🚀", "O'Brien-Smith Ltd."} {
		if got, err := validName(name); err != nil || got != name {
			t.Errorf("name %q: %q, %v", name, got, err)
		}
		if got, err := validLabel(name); err != nil || got != name {
			t.Errorf("label %q: %q, %v", name, got, err)
		}
	}

	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.svc.CreateTenant(ctx, staff, "Acme\u202Egnp.exe", ""); kindOf(err) != failure.Invalid || codeOf(err) != "invalid_name" {
		t.Fatalf("a bidi override in a name: %v, want 400 invalid_name", err)
	}
	if _, _, err := f.svc.CreateTenant(ctx, staff, "Acme", "ci\u200B"); codeOf(err) != "invalid_label" {
		t.Fatalf("a zero-width space in a first key's label: %v, want 400 invalid_label", err)
	}
	tn, _, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.IssueKey(ctx, staff, tn.ID, "\u2066prod\u2069"); codeOf(err) != "invalid_label" {
		t.Fatalf("isolates in a label: %v, want 400 invalid_label", err)
	}
	if ts, _, err := f.svc.List(ctx, 50, ""); err != nil || len(ts) != 1 {
		t.Fatalf("tenants after refused names: %d, %v", len(ts), err)
	}
}
