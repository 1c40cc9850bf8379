package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/lists/liststest"
	"github.com/chainfi/chainguard/shared/platform"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

type fixture struct {
	db      *slowDB
	d       *platform.Deps
	srv     *httpapi.Server
	calls   *emulator.Calls
	version string
	a, b    tenants.IssuedKey
	ta      store.TenantID
}

// setup wires the function as main does, over clients that count their calls; with
// publish, the small test lists are published first.
func setup(t *testing.T, publish bool) *fixture { t.Helper(); return setupWith(t, publish, nil) }

// setupWith is setup with a hook that adjusts the sources and the publisher before the
// lists are published.
func setupWith(t *testing.T, publish bool, adjust func(*liststest.Sources, *lists.Publisher)) *fixture {
	t.Helper()
	base := pt.Deps(t)
	f := &fixture{calls: &emulator.Calls{}}
	cfg := base.AWS.Copy()
	cfg.APIOptions = append(cfg.APIOptions, f.calls.Middleware)
	db := &slowDB{Client: dynamodb.NewFromConfig(cfg)}
	f.db = db
	st := store.New(db, base.Config.TableName)
	log := audit.New(db, base.Config.TableName)
	f.d = &platform.Deps{Config: base.Config, AWS: cfg, Log: base.Log, Store: st, Audit: log,
		Tenants: tenants.NewService(st, log, base.Log)}

	bucket, key := liststest.Bucket(t, cfg), liststest.KMSKey(t, cfg)
	if publish {
		mini := liststest.MiniSources(t)
		pub := &lists.Publisher{Store: st, DB: db, Audit: log, S3: lists.NewS3Client(cfg), Bucket: bucket, KMSKeyID: key}
		if adjust != nil {
			adjust(mini, pub)
		}
		sources, err := mini.URLs.Sources()
		if err != nil {
			t.Fatal(err)
		}
		pub.Sources = sources
		r, err := pub.Refresh(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		f.version = r.Version.ID
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), key)
	if err != nil {
		t.Fatal(err)
	}
	loader := lists.NewLoader(st, lists.NewS3Client(cfg), bucket)
	f.srv = newServer(f.d, lists.NewScreener(st, log, enc, loader), idempotency.New(st))

	staff := audit.Actor{Type: "staff", ID: "s"}
	ta, ka, err := f.d.Tenants.CreateTenant(context.Background(), staff, "Alpha", "")
	if err != nil {
		t.Fatal(err)
	}
	_, kb, err := f.d.Tenants.CreateTenant(context.Background(), staff, "Beta", "")
	if err != nil {
		t.Fatal(err)
	}
	f.a, f.b, f.ta = ka, kb, store.TenantID(ta.ID)
	return f
}

func (f *fixture) post(t *testing.T, key, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	h := pt.Bearer(key)
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	return pt.Call(t, f.srv, pt.Request{RouteKey: "POST /v1/screenings", Headers: h, Body: body})
}

func (f *fixture) get(t *testing.T, key, id string) (int, map[string]any) {
	t.Helper()
	return pt.Call(t, f.srv, pt.Request{RouteKey: "GET /v1/screenings/{screeningId}", Path: map[string]string{"screeningId": id}, Headers: pt.Bearer(key)})
}

func (f *fixture) actions(t *testing.T) []string {
	t.Helper()
	if _, err := f.d.Audit.SealPending(context.Background(), 0, 0); err != nil { // the audit-sealer's work
		t.Fatal(err)
	}
	entries, _, err := f.d.Audit.List(context.Background(), f.ta, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action+":"+e.Subject.ID)
	}
	return out
}

func firstMatch(body map[string]any) map[string]any {
	ms, _ := body["matches"].([]any)
	if len(ms) == 0 {
		return nil
	}
	return ms[0].(map[string]any)
}

func TestAListedPersonIsFoundExplainedAndStoredEncrypted(t *testing.T) {
	f := setup(t, true)
	status, body := f.post(t, f.a.Secret, `{"type":"person","name":"Ali Khorashadizadeh","dateOfBirth":"1979-09-21","nationality":"IR","reference":"cust-1"}`)
	if status != 201 {
		t.Fatalf("screen: %d %v", status, body)
	}
	id, _ := body["id"].(string)
	m := firstMatch(body)
	if (body["outcome"] != "match" && body["outcome"] != "potential_match") || m == nil || m["entityId"] != "26137" ||
		pt.Get(m, "explanation", "formula") == "" || body["listVersion"] != f.version || body["screenedAt"] == nil || id == "" {
		t.Fatalf("answer: %v", body)
	}

	raw, err := dynamodb.NewFromConfig(f.d.AWS).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(f.d.Config.TableName), Key: keyAttrs(store.ScreeningKey(f.ta, id))})
	if err != nil || raw.Item == nil {
		t.Fatalf("stored item: %v", err)
	}
	var item map[string]any
	if err := store.Unmarshal(raw.Item, &item); err != nil {
		t.Fatal(err)
	}
	dump, _ := json.Marshal(item)
	for _, secret := range []string{"Ali Khorashadizadeh", "khorashadizadeh", "Khorashadizadeh", "1979-09-21"} {
		if strings.Contains(string(dump), secret) {
			t.Fatalf("the stored screening contains %q in plaintext: %s", secret, dump)
		}
	}
	if item["listVersion"] != f.version || item["queryEnc"] == nil || item["tenantId"] != string(f.ta) {
		t.Fatalf("stored screening: %s", dump)
	}

	status, got := f.get(t, f.a.Secret, id)
	if status != 200 || pt.Get(got, "query", "name") != "Ali Khorashadizadeh" || got["outcome"] != body["outcome"] ||
		pt.Get(firstMatch(got), "explanation", "formula") != pt.Get(m, "explanation", "formula") {
		t.Fatalf("get: %d %v", status, got)
	}
	acts := f.actions(t)
	if !contains(acts, "screening.performed:"+id) || !contains(acts, "screening.read:"+id) {
		t.Fatalf("audit: %v", acts)
	}
}

func TestPEPsAreScreenedWithTheirOwnFlagAndClientsChooseTheLists(t *testing.T) {
	f := setupWith(t, true, func(s *liststest.Sources, _ *lists.Publisher) { s.WithPEP(t) })
	status, body := f.post(t, f.a.Secret, `{"type":"person","name":"Jane Quincy Example","dateOfBirth":"1961-04-02"}`)
	m := firstMatch(body)
	if status != 201 || body["outcome"] != "clear" || body["pep"] != true || body["pepOutcome"] != "match" ||
		m == nil || m["kind"] != "pep" || m["source"] != "PEP-US" || len(m["positions"].([]any)) == 0 {
		t.Fatalf("a sitting senator: %d %v", status, body)
	}
	if stale, _ := body["listsStale"].([]any); stale == nil || len(stale) != 0 {
		t.Fatalf("fresh lists called stale: %v", body["listsStale"])
	}
	if srcs, _ := body["listSources"].([]any); len(srcs) != 5 {
		t.Fatalf("list sources: %v", body["listSources"])
	}
	status, body = f.post(t, f.a.Secret, `{"type":"person","name":"Jane Quincy Example","lists":["sanctions"]}`)
	if status != 201 || body["pep"] != false || body["pepOutcome"] != "not_screened" || firstMatch(body) != nil {
		t.Fatalf("sanctions only: %d %v", status, body)
	}
	status, body = f.post(t, f.a.Secret, `{"type":"person","name":"Ali Khorashadizadeh","lists":["pep"]}`)
	if status != 201 || body["outcome"] != "not_screened" || firstMatch(body) != nil {
		t.Fatalf("PEP only, a sanctioned name: %d %v", status, body)
	}
	// The stored screening answers the same flags.
	status, body = f.post(t, f.a.Secret, `{"type":"person","name":"Jane Quincy Example"}`)
	id, _ := body["id"].(string)
	if status, got := f.get(t, f.a.Secret, id); status != 200 || got["pep"] != true || got["pepOutcome"] != "match" {
		t.Fatalf("read back: %d %v", status, got)
	}
}

func TestAnswersSayWhichSourcesAreStale(t *testing.T) {
	// The lists were last refreshed 40 hours ago: every source is past the 36-hour age.
	f := setupWith(t, true, func(_ *liststest.Sources, p *lists.Publisher) {
		p.Now = func() time.Time { return time.Now().Add(-40 * time.Hour) }
	})
	status, body := f.post(t, f.a.Secret, `{"type":"person","name":"John Smith"}`)
	stale, _ := body["listsStale"].([]any)
	if status != 201 || len(stale) != 3 {
		t.Fatalf("stale sources: %d %v", status, body)
	}
	for _, s := range body["listSources"].([]any) {
		src := s.(map[string]any)
		if src["stale"] != true || src["ageHours"].(float64) < 39.9 {
			t.Fatalf("source age: %v", src)
		}
	}
}

func TestAnUnlistedNameIsClear(t *testing.T) {
	f := setup(t, true)
	status, body := f.post(t, f.a.Secret, `{"type":"person","name":"Maria Schneider","dateOfBirth":"1985-02","country":"DE"}`)
	if status != 201 || body["outcome"] != "clear" || len(body["matches"].([]any)) != 0 {
		t.Fatalf("clear: %d %v", status, body)
	}
}

func TestASanctionedAddressIsAMatch(t *testing.T) {
	f := setup(t, true)
	for _, c := range []struct{ asset, addr, entity string }{
		{"XBT", "149w62rY42aZBox8fGcmqNsXUzSStKeq8C", "26137"}, // in an OFAC entry's remarks
		{"XBT", liststest.SanctionedXBT, ""},                   // in a crypto address file
	} {
		status, body := f.post(t, f.a.Secret, `{"type":"address","asset":"`+c.asset+`","address":"`+c.addr+`"}`)
		m := firstMatch(body)
		if status != 201 || body["outcome"] != "match" || m == nil || pt.Get(m, "address", "listed") != c.addr ||
			(c.entity != "" && m["entityId"] != c.entity) {
			t.Fatalf("%s: %d %v", c.addr, status, body)
		}
	}
	status, body := f.post(t, f.a.Secret, `{"type":"address","asset":"ETH","address":"0x0000000000000000000000000000000000000001"}`)
	if status != 201 || body["outcome"] != "clear" {
		t.Fatalf("clean address: %d %v", status, body)
	}
}

// A hostile probe screened listed addresses clear by writing them as wallets do: an EVM
// address without its 0x, a payment URI (BIP 21, EIP-681). Each must match the listing.
func TestAListedAddressMatchesAsAWalletWritesIt(t *testing.T) {
	f := setup(t, true)
	const eth = "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c" // in an OFAC entry's remarks
	for _, c := range []struct{ name, asset, addr, listed string }{
		{"an EVM address without 0x", "ETH", "8576ACC5C05D6CE88F4E49BF65BDF0C62F91353C", eth},
		{"an EIP-681 URI with a chain id and a value", "ETH", "ethereum:" + eth + "@1?value=1e18", eth},
		{"an EIP-681 pay- URI of a token transfer", "USDT", "ethereum:pay-" + eth + "@1/transfer?uint256=5", eth},
		{"a BIP 21 URI with an amount", "XBT", "bitcoin:" + liststest.SanctionedXBT + "?amount=0.5", liststest.SanctionedXBT},
		{"a BIP 21 URI in upper case, as QR codes hold it", "XBT", "BITCOIN:" + strings.ToUpper(liststest.SanctionedXBT), liststest.SanctionedXBT},
		{"a BIP 21 URI of a legacy address with a label", "XBT", "bitcoin:149w62rY42aZBox8fGcmqNsXUzSStKeq8C?label=x&amount=1", "149w62rY42aZBox8fGcmqNsXUzSStKeq8C"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := f.post(t, f.a.Secret, `{"type":"address","asset":"`+c.asset+`","address":"`+c.addr+`"}`)
			m := firstMatch(body)
			if status != 201 || body["outcome"] != "match" || m == nil || pt.Get(m, "address", "listed") != c.listed {
				t.Fatalf("%d %v", status, body)
			}
		})
	}
}

func TestBadQueriesAreRefusedWithACodeAndNothingIsStored(t *testing.T) {
	f := setup(t, true)
	long := strings.Repeat("a", 201)
	cases := map[string]struct{ body, code string }{
		"no type":               {`{"name":"John Smith"}`, "type_required"},
		"unknown type":          {`{"type":"alien","name":"John Smith"}`, "invalid_type"},
		"no name":               {`{"type":"person"}`, "name_required"},
		"one letter":            {`{"type":"person","name":"J"}`, "invalid_name"},
		"name too long":         {`{"type":"person","name":"` + long + `"}`, "invalid_name"},
		"digits only":           {`{"type":"organisation","name":"12345"}`, "invalid_name"},
		"control character":     {`{"type":"person","name":"John\u0000Smith"}`, "invalid_name"},
		"date with slashes":     {`{"type":"person","name":"John Smith","dateOfBirth":"21/09/1979"}`, "invalid_date_of_birth"},
		"impossible date":       {`{"type":"person","name":"John Smith","dateOfBirth":"1979-02-30"}`, "invalid_date_of_birth"},
		"future date":           {`{"type":"person","name":"John Smith","dateOfBirth":"2999"}`, "invalid_date_of_birth"},
		"country name":          {`{"type":"person","name":"John Smith","country":"Germany"}`, "invalid_country"},
		"unknown country code":  {`{"type":"person","name":"John Smith","nationality":"XX"}`, "invalid_nationality"},
		"dob of a company":      {`{"type":"organisation","name":"Acme Ltd","dateOfBirth":"1990"}`, "field_not_allowed"},
		"address without asset": {`{"type":"address","address":"149w62rY42aZBox8fGcmqNsXUzSStKeq8C"}`, "asset_required"},
		"bad asset":             {`{"type":"address","asset":"bitcoin!","address":"149w62rY42aZBox8fGcmqNsXUzSStKeq8C"}`, "invalid_asset"},
		"no address":            {`{"type":"address","asset":"XBT"}`, "address_required"},
		"address with spaces":   {`{"type":"address","asset":"XBT","address":"149w62rY42aZ Box8fGcmqNsXUzSStKeq8C"}`, "invalid_address"},
		// A listed base58 address folded to lower case: its checksum fails, so it is no
		// address at all, and screening it would answer clear.
		"lower-cased base58":      {`{"type":"address","asset":"XBT","address":"149w62ry42azbox8fgcmqnsxuzssskeq8c"}`, "invalid_address"},
		"bech32 with a typo":      {`{"type":"address","asset":"XBT","address":"bitcoin:bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmx"}`, "invalid_address"},
		"ETH that is not 40 hex":  {`{"type":"address","asset":"ETH","address":"0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353"}`, "invalid_address"},
		"a BTC address under ETH": {`{"type":"address","asset":"ETH","address":"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}`, "invalid_address"},
		"a URI holding nothing":   {`{"type":"address","asset":"XBT","address":"bitcoin:?amount=1"}`, "invalid_address"},
		"EIP-55 checksum broken":  {`{"type":"address","asset":"ETH","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"}`, "invalid_address"},
		"an unsupported asset":    {`{"type":"address","asset":"FOO","address":"0x7DB418B5D567A4E0E8C59AD71BE1FCE48F3E6107"}`, "unsupported_asset"},
		"lists on an address":     {`{"type":"address","asset":"XBT","address":"149w62rY42aZBox8fGcmqNsXUzSStKeq8C","lists":["pep"]}`, "field_not_allowed"},
		"an unknown list kind":    {`{"type":"person","name":"John Smith","lists":["adverse_media"]}`, "invalid_lists"},
		"an empty list of kinds":  {`{"type":"person","name":"John Smith","lists":[]}`, "invalid_lists"},
		"a name of fillers":       {`{"type":"person","name":"\u3164\u3164"}`, "invalid_name"},
		"an invisible name":       {`{"type":"person","name":"\u200ba\u200b"}`, "invalid_name"},
		"an honorific alone":      {`{"type":"person","name":"Mr"}`, "invalid_name"},
		"name on an address":      {`{"type":"address","asset":"XBT","address":"149w62rY42aZBox8fGcmqNsXUzSStKeq8C","name":"x"}`, "field_not_allowed"},
		"unknown field":           {`{"type":"person","name":"John Smith","passport":"X1"}`, "unknown_field"},
		"invalid UTF-8 in name":   {"{\"type\":\"person\",\"name\":\"J\xf6rg M\xfcller\"}", "invalid_utf8"},
		"invalid UTF-8 in ref":    {"{\"type\":\"person\",\"name\":\"John Smith\",\"reference\":\"c\xff\"}", "invalid_utf8"},
		"unpaired surrogate":      {`{"type":"person","name":"John \ud800Smith"}`, "invalid_utf8"},
		"duplicate name":          {`{"type":"person","name":"Maria Schneider","name":"Ali Khorashadizadeh"}`, "duplicate_field"},
		"duplicate type":          {`{"type":"address","type":"person","name":"John Smith"}`, "duplicate_field"},
		"capitalised field":       {`{"type":"person","Name":"Ali Khorashadizadeh"}`, "unknown_field"},
		"upper-case field":        {`{"TYPE":"person","name":"John Smith"}`, "unknown_field"},
		"case variant beside":     {`{"type":"person","name":"John Smith","Name":"Ali Khorashadizadeh"}`, "unknown_field"},
		"a JSON null":             {`null`, "invalid_json"},
	}
	for name, c := range cases {
		status, body := f.post(t, f.a.Secret, c.body)
		if status != 400 || pt.ErrorCode(body) != c.code {
			t.Errorf("%s: %d %v, want 400 %s", name, status, body, c.code)
		}
	}
	status, body := f.post(t, f.a.Secret, `{"type":"person","name":"John Smith"}`, "idempotency-key", "bad#key")
	if status != 400 || pt.ErrorCode(body) != "invalid_idempotency_key" {
		t.Errorf("bad idempotency key: %d %v", status, body)
	}
	status, body = f.post(t, f.a.Secret, `{"type":"person","name":"John Smith"}`, "idempotency-key", "k\xff")
	if status != 400 || pt.ErrorCode(body) != "invalid_utf8" {
		t.Errorf("idempotency key not UTF-8: %d %v", status, body)
	}
	status, body = f.post(t, f.a.Secret, `{"type":"person","name":"A","name":"Maria Schneider"}`, "idempotency-key", "dup-1")
	if status != 400 || pt.ErrorCode(body) != "duplicate_field" {
		t.Errorf("duplicate with an idempotency key: %d %v", status, body)
	}
	// An address whose checksum fails is refused once the lists are read, inside the
	// idempotent operation: the key is released, as for any 4xx.
	status, body = f.post(t, f.a.Secret, `{"type":"address","asset":"XBT","address":"149w62ry42azbox8fgcmqnsxuzssskeq8c"}`, "idempotency-key", "inv-1")
	if status != 400 || pt.ErrorCode(body) != "invalid_address" {
		t.Errorf("invalid address with an idempotency key: %d %v", status, body)
	}
	if ids := f.storedScreenings(t); len(ids) != 0 {
		t.Fatalf("refused queries stored screenings: %v", ids)
	}
	for _, k := range []string{"dup-1", "inv-1"} {
		var rec map[string]any
		if err := f.d.Store.Get(context.Background(), store.IdempotencyKey(f.ta, idempotencyScope, k), &rec); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused body took its idempotency key %s: %v %v", k, rec, err)
		}
	}
	for _, a := range f.actions(t) {
		if strings.HasPrefix(a, "screening.") {
			t.Fatalf("a refused query was recorded: %v", f.actions(t))
		}
	}
}

// Idempotency-Key is 1 to 128 characters of [A-Za-z0-9._:-]: anything a proxy or our
// runner could rewrite into another client's key (a tab, two headers joined with a comma,
// invalid bytes turned into U+FFFD, spaces) is refused, and so is a header sent empty,
// which would otherwise run the request without the protection the client asked for.
func TestIdempotencyKeysOutsideTheirAlphabetAreRefusedAndStoreNothing(t *testing.T) {
	f := setup(t, true)
	req := `{"type":"person","name":"John Smith"}`
	cases := map[string]struct{ key, code string }{
		"an empty header":             {"", "invalid_idempotency_key"},
		"a blank header":              {"  ", "invalid_idempotency_key"},
		"a tab":                       {"on	boarding", "invalid_idempotency_key"},
		"two headers joined":          {"k1,k2", "invalid_idempotency_key"},
		"a space":                     {"k 1", "invalid_idempotency_key"},
		"a non-ASCII letter":          {"cl\u00e9", "invalid_idempotency_key"},
		"129 characters":              {strings.Repeat("k", 129), "invalid_idempotency_key"},
		"U+FFFD, as our runner sends": {"k\uFFFD", "invalid_utf8"}, // what "k\xff" becomes: the same answer
		"invalid UTF-8":               {"k\xff", "invalid_utf8"},
	}
	for name, c := range cases {
		status, body := f.post(t, f.a.Secret, req, "idempotency-key", c.key)
		if status != 400 || pt.ErrorCode(body) != c.code {
			t.Errorf("%s: %d %v, want 400 %s", name, status, body, c.code)
		}
	}
	if ids := f.storedScreenings(t); len(ids) != 0 {
		t.Fatalf("refused keys stored screenings: %v", ids)
	}
	for _, key := range []string{"3f2b8c9e-1d4a-4b6f-9a7e-2c5d8e1f0a3b", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "req_8f2Kx:retry.1", strings.Repeat("k", 128)} {
		if status, body := f.post(t, f.a.Secret, req, "idempotency-key", key); status != 201 {
			t.Errorf("key %q: %d %v, want 201", key, status, body)
		}
	}
}

func TestAnotherTenantsScreeningIsNotFound(t *testing.T) {
	f := setup(t, true)
	_, body := f.post(t, f.a.Secret, `{"type":"person","name":"Maria Schneider"}`)
	id := body["id"].(string)
	status, got := f.get(t, f.b.Secret, id)
	if status != 404 || pt.ErrorCode(got) != "screening_not_found" {
		t.Fatalf("tenant B reads tenant A's screening: %d %v", status, got)
	}
	if status, got := f.get(t, f.a.Secret, "01NOSUCHSCREENING000000000"); status != 404 {
		t.Fatalf("unknown id: %d %v", status, got)
	}
}

func TestWithoutAPublishedListTheAnswerIs503(t *testing.T) {
	f := setup(t, false)
	status, body := f.post(t, f.a.Secret, `{"type":"person","name":"Maria Schneider"}`)
	if status != 503 || pt.ErrorCode(body) != "lists_not_ready" {
		t.Fatalf("no list: %d %v", status, body)
	}
}

func TestAReplayWithTheSameIdempotencyKeyReturnsTheSameScreening(t *testing.T) {
	f := setup(t, true)
	req := `{"type":"person","name":"Ali Khorashadizadeh","nationality":"IR"}`
	s1, first := f.post(t, f.a.Secret, req, "idempotency-key", "onboarding-42")
	s2, second := f.post(t, f.a.Secret, req, "idempotency-key", "onboarding-42")
	if s1 != 201 || s2 != 201 || first["id"] == nil || first["id"] != second["id"] || pt.Get(second, "query", "name") != "Ali Khorashadizadeh" {
		t.Fatalf("replay: %d %v / %d %v", s1, first, s2, second)
	}
	s3, third := f.post(t, f.a.Secret, `{"type":"person","name":"Someone Else"}`, "idempotency-key", "onboarding-42")
	if s3 != 422 {
		t.Fatalf("same key, other body: %d %v", s3, third)
	}
	// The idempotency record holds the screening id, not the answer with the query.
	raw, err := dynamodb.NewFromConfig(f.d.AWS).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(f.d.Config.TableName), Key: keyAttrs(store.IdempotencyKey(f.ta, idempotencyScope, "onboarding-42"))})
	if err != nil || raw.Item == nil {
		t.Fatalf("idempotency record: %v", err)
	}
	var item map[string]any
	_ = store.Unmarshal(raw.Item, &item)
	dump, _ := json.Marshal(item)
	if strings.Contains(string(dump), "Khorashadizadeh") {
		t.Fatalf("the idempotency record holds the query: %s", dump)
	}
}

// TestCallsAndLatencyPerScreening measures what one warm request costs: AWS calls (after
// the cold start loaded the index) and in-process latency.
func TestCallsAndLatencyPerScreening(t *testing.T) {
	f := setup(t, true)
	f.post(t, f.a.Secret, `{"type":"person","name":"Warm Up"}`) // cold: HEAD, index, first data key
	f.calls.Reset()
	const n = 20
	start := time.Now()
	for i := range n {
		name := []string{"Ali Khorashadizadeh", "Maria Schneider"}[i%2]
		if status, body := f.post(t, f.a.Secret, `{"type":"person","name":"`+name+`"}`); status != 201 {
			t.Fatalf("%d %v", status, body)
		}
	}
	perReq := time.Since(start) / n
	got := f.calls.Reset()
	var keys []string
	total := 0
	for k, v := range got {
		keys = append(keys, k)
		total += v
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + strconv.FormatFloat(float64(got[k])/n, 'f', 2, 64) + " ")
	}
	t.Logf("warm POST /v1/screenings: %.2f AWS calls per request (%s), %v per request against moto", float64(total)/n, b.String(), perReq)
	if got["KMS.GenerateDataKey"] > 1 || got["S3.GetObject"] != 0 {
		t.Errorf("warm requests call KMS or S3: %v", got)
	}
	// Authentication (one GetItem) and one transaction: the screening and its audit record.
	if float64(total)/n > 2 {
		t.Errorf("too many AWS calls per screening: %v", got)
	}
}

func keyAttrs(k store.Key) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: k.PK}, "SK": &ddbtypes.AttributeValueMemberS{Value: k.SK}}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestCallsPerIdempotentScreening counts the AWS calls of a warm POST with an
// Idempotency-Key: the first request and its replay.
func TestCallsPerIdempotentScreening(t *testing.T) {
	f := setup(t, true)
	f.post(t, f.a.Secret, `{"type":"person","name":"Warm Up"}`)
	f.calls.Reset()
	if status, body := f.post(t, f.a.Secret, `{"type":"person","name":"Maria Schneider"}`, "idempotency-key", "calls-1"); status != 201 {
		t.Fatalf("%d %v", status, body)
	}
	first := f.calls.Reset()
	if status, body := f.post(t, f.a.Secret, `{"type":"person","name":"Maria Schneider"}`, "idempotency-key", "calls-1"); status != 201 {
		t.Fatalf("%d %v", status, body)
	}
	replay := f.calls.Reset()
	t.Logf("POST with Idempotency-Key: first %v, replay %v", first, replay)
	// The key is completed inside the screening's transaction: no write of its own.
	if first["DynamoDB.PutItem"] != 1 || first["DynamoDB.TransactWriteItems"] != 1 || total(first) != 3 {
		t.Errorf("first request: %v, want the key's lock, the transaction and authentication only", first)
	}
}

func total(calls map[string]int) int {
	n := 0
	for _, v := range calls {
		n += v
	}
	return n
}

// slowDB is the real client with a switchable stall around TransactWriteItems: before the
// call (the commit never happens) or after it succeeded (the commit happened and its
// answer is lost to the deadline). A stall ends with the context's error, as the SDK's
// cancelled calls do.
type slowDB struct {
	*dynamodb.Client
	mu            sync.Mutex
	before, after time.Duration
}

func (s *slowDB) stall(before, after time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.before, s.after = before, after
}

func (s *slowDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	s.mu.Lock()
	before, after := s.before, s.after
	s.mu.Unlock()
	if err := sleep(ctx, before); err != nil {
		return nil, err
	}
	out, err := s.Client.TransactWriteItems(ctx, in, opts...)
	if err == nil {
		err = sleep(ctx, after)
	}
	return out, err
}

func sleep(ctx context.Context, d time.Duration) error {
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "TransactWriteItems",
			Err: &aws.RequestCanceledError{Err: ctx.Err()}}
	}
}

// postWithin sends a screening through the server as Lambda would, with budget left before
// the invocation's deadline, and returns the full answer and how long it took.
func (f *fixture) postWithin(t *testing.T, budget time.Duration, key, body string, headers ...string) (httpapi.Response, map[string]any, time.Duration) {
	t.Helper()
	h := map[string]string{"authorization": "Bearer " + key, "content-type": "application/json"}
	for i := 0; i+1 < len(headers); i += 2 {
		h[strings.ToLower(headers[i])] = headers[i+1]
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	resp, err := f.srv.Handle(ctx, httpapi.Request{RouteKey: "POST /v1/screenings", RawPath: "/v1/screenings", Headers: h, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-" + store.NewID()}})
	took := time.Since(start)
	if err != nil {
		t.Fatalf("Handle returned an error (API Gateway's bare 500): %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
		t.Fatalf("answer is not JSON: %q", resp.Body)
	}
	return resp, out, took
}

// storedScreenings lists the ids of tenant A's stored screenings.
func (f *fixture) storedScreenings(t *testing.T) []string {
	t.Helper()
	page, err := f.d.Store.Query(context.Background(), store.QueryInput{Index: store.IndexGSI2,
		PK: store.TenantScreeningsPK(f.ta, lists.KindClient), Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range page.Items {
		var s struct {
			ID string `dynamodbav:"id"`
		}
		if err := store.Unmarshal(it, &s); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	return ids
}

// The invocation has 2 s; the default margin (500 ms) makes the handler's deadline 1.5 s.
const (
	budget  = 2 * time.Second
	handler = 1500 * time.Millisecond
)

func TestASlowCommitAnswersTheCodedTimeoutBeforeTheDeadline(t *testing.T) {
	f := setup(t, true)
	f.post(t, f.a.Secret, `{"type":"person","name":"Warm Up"}`) // load the index first
	f.db.stall(time.Minute, 0)
	resp, body, took := f.postWithin(t, budget, f.a.Secret, `{"type":"person","name":"Maria Schneider"}`)
	if resp.StatusCode != 504 || pt.ErrorCode(body) != "timeout" || pt.Get(body, "error", "requestId") == nil {
		t.Fatalf("answer: %d %v", resp.StatusCode, body)
	}
	if took < handler-50*time.Millisecond || took >= budget-200*time.Millisecond {
		t.Fatalf("answered after %v: want at the handler's deadline (%v), well before the invocation's (%v)", took, handler, budget)
	}
}

func TestARetryAfterALostAnswerGetsTheStoredScreening(t *testing.T) {
	f := setup(t, true)
	f.post(t, f.a.Secret, `{"type":"person","name":"Warm Up"}`)
	before := len(f.storedScreenings(t))
	req := `{"type":"person","name":"Ali Khorashadizadeh","nationality":"IR"}`

	f.db.stall(0, time.Minute) // the transaction commits; its answer never comes back in time
	resp, body, took := f.postWithin(t, budget, f.a.Secret, req, "Idempotency-Key", "lost-answer-1")
	if resp.StatusCode != 504 || pt.ErrorCode(body) != "timeout" || took >= budget {
		t.Fatalf("first attempt: %d %v after %v", resp.StatusCode, body, took)
	}
	f.db.stall(0, 0)

	resp, body, _ = f.postWithin(t, budget, f.a.Secret, req, "Idempotency-Key", "lost-answer-1")
	ids := f.storedScreenings(t)
	if resp.StatusCode != 201 || resp.Headers["idempotent-replayed"] != "true" || pt.Get(body, "query", "name") != "Ali Khorashadizadeh" {
		t.Fatalf("retry: %d %v %v", resp.StatusCode, resp.Headers, body)
	}
	if len(ids) != before+1 || !contains(ids, body["id"].(string)) {
		t.Fatalf("stored screenings %v (had %d): want exactly one more, the retry's %v", ids, before, body["id"])
	}
}

func TestAFirstAttemptThatFailsBeforeItsCommitLeavesNothing(t *testing.T) {
	f := setup(t, true)
	f.post(t, f.a.Secret, `{"type":"person","name":"Warm Up"}`)
	before := len(f.storedScreenings(t))
	req := `{"type":"person","name":"Maria Schneider"}`

	f.db.stall(time.Minute, 0) // the transaction is never sent
	resp, body, _ := f.postWithin(t, budget, f.a.Secret, req, "Idempotency-Key", "never-sent-1")
	if resp.StatusCode != 504 || pt.ErrorCode(body) != "timeout" {
		t.Fatalf("first attempt: %d %v", resp.StatusCode, body)
	}
	f.db.stall(0, 0)
	if n := len(f.storedScreenings(t)); n != before {
		t.Fatalf("a screening was stored by the attempt that timed out: %d, had %d", n, before)
	}
	t.Run("the key is released after the answer", func(t *testing.T) {
		key := store.IdempotencyKey(f.ta, idempotencyScope, "never-sent-1")
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var rec map[string]any
			err := f.d.Store.Get(context.Background(), key, &rec)
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the idempotency record is still there: %v %v", rec, err)
			}
		}
	})

	resp, body, _ = f.postWithin(t, budget, f.a.Secret, req, "Idempotency-Key", "never-sent-1")
	if resp.StatusCode != 201 || resp.Headers["idempotent-replayed"] != "" {
		t.Fatalf("retry: %d %v %v", resp.StatusCode, resp.Headers, body)
	}
	if ids := f.storedScreenings(t); len(ids) != before+1 || !contains(ids, body["id"].(string)) {
		t.Fatalf("stored screenings %v (had %d): want the retry's alone", ids, before)
	}
}
