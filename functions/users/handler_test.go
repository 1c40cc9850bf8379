package main

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/jurisdictions"
	"github.com/chainfi/chainguard/shared/onboarding"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

type fixture struct {
	call       func(r pt.Request) (int, map[string]any)
	keyA, keyB map[string]string
}

// vendor answers a session without a real vendor (the KYC start is not under test here).
type vendor struct{}

func (vendor) Start(_ context.Context, in onboarding.StartInput) (onboarding.StartOutput, error) {
	id := in.ApplicantID
	if id == "" {
		id = "app" + in.UserID[4:]
	}
	return onboarding.StartOutput{ApplicantID: id, Session: map[string]string{"vendor": "sumsub", "applicantId": id, "accessToken": "t", "levelName": in.Level}}, nil
}
func (vendor) Applicant(context.Context, string) (onboarding.VendorApplicant, error) {
	return onboarding.VendorApplicant{}, nil
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d := pt.Deps(t)
	cfg := emulator.TestConfig(t)
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("users test")})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		t.Fatal(err)
	}
	jur, err := jurisdictions.Load()
	if err != nil {
		t.Fatal(err)
	}
	svc := onboarding.New(onboarding.Config{Store: d.Store, Audit: d.Audit, Enc: enc, Jurisdictions: jur, Log: d.Log,
		Vendors: map[string]onboarding.Vendor{onboarding.VendorSumsub: vendor{}}})
	srv := newServer(d, svc)
	staff := audit.Actor{Type: "staff", ID: "s"}
	_, a, err := d.Tenants.CreateTenant(ctx, staff, "Alpha Exchange", "")
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := d.Tenants.CreateTenant(ctx, staff, "Beta Desk", "")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{call: func(r pt.Request) (int, map[string]any) { return pt.Call(t, srv, r) }, keyA: pt.Bearer(a.Secret), keyB: pt.Bearer(b.Secret)}
}

func TestAClientCreatesAUserRecordsConsentAndStartsKYC(t *testing.T) {
	f := setup(t)
	status, u := f.call(pt.Request{RouteKey: "POST /v1/users", Headers: f.keyA, Body: `{"externalRef":"c-1","type":"individual","jurisdiction":"UK"}`})
	if status != 201 || u["status"] != "pending_consent" {
		t.Fatalf("create: %d %v", status, u)
	}
	id := map[string]string{"userId": u["id"].(string)}
	if status, again := f.call(pt.Request{RouteKey: "POST /v1/users", Headers: f.keyA, Body: `{"externalRef":"c-1","type":"individual","jurisdiction":"UK"}`}); status != 200 || again["id"] != u["id"] {
		t.Fatalf("same ref: %d %v", status, again)
	}
	if status, body := f.call(pt.Request{RouteKey: "POST /v1/users/{userId}/kyc", Path: id, Headers: f.keyA, Body: `{"vendor":"sumsub"}`}); status != 409 || pt.ErrorCode(body) != "consent_required" {
		t.Fatalf("KYC before consent: %d %v", status, body)
	}
	status, c := f.call(pt.Request{RouteKey: "POST /v1/users/{userId}/consent", Path: id, Headers: f.keyA, Body: `{"version":"2026-12","accepted":true,"ipAddress":"198.51.100.4","userAgent":"Mozilla/5.0"}`})
	if status != 200 || c["status"] != "pending_kyc" {
		t.Fatalf("consent: %d %v", status, c)
	}
	status, sess := f.call(pt.Request{RouteKey: "POST /v1/users/{userId}/kyc", Path: id, Headers: f.keyA, Body: `{"vendor":"sumsub"}`})
	if status != 200 || sess["applicantId"] == nil || sess["levelName"] != "id-liveness-and-address" {
		t.Fatalf("KYC: %d %v", status, sess)
	}
	if status, rep := f.call(pt.Request{RouteKey: "GET /v1/reports/users", Headers: f.keyA}); status != 200 || rep["total"] != float64(1) {
		t.Fatalf("report: %d %v", status, rep)
	}
}

// No client call moves a user to active, whatever it sends: the status is not an input
// anywhere, and every route refuses what it does not know.
func TestNoClientCallCanForceAStatus(t *testing.T) {
	f := setup(t)
	_, u := f.call(pt.Request{RouteKey: "POST /v1/users", Headers: f.keyA, Body: `{"externalRef":"force","type":"individual","jurisdiction":"EU"}`})
	id := map[string]string{"userId": u["id"].(string)}
	attempts := []pt.Request{
		{RouteKey: "POST /v1/users", Body: `{"externalRef":"force2","type":"individual","jurisdiction":"EU","status":"active"}`},
		{RouteKey: "POST /v1/users/{userId}/consent", Path: id, Body: `{"version":"v1","accepted":true,"status":"active"}`},
		{RouteKey: "POST /v1/users/{userId}/kyc", Path: id, Body: `{"vendor":"sumsub","reviewAnswer":"GREEN"}`},
		{RouteKey: "POST /v1/users/{userId}/appeals", Path: id, Body: `{"reason":"let me in"}`},
		{RouteKey: "POST /v1/users/{userId}/members", Path: id, Body: `{"userId":"` + u["id"].(string) + `","roles":["ubo"]}`},
		{RouteKey: "PUT /v1/kyc-policy", Body: `{"proofOfAddress":"never","status":"active"}`},
		{RouteKey: "PUT /v1/kyc-policy", Body: `{"proofOfAddress":"never","kycDeadlineHours":0,"vendor":"none"}`},
		{RouteKey: "POST /v1/users/{userId}/consent", Path: id, Body: `{"version":"v1","accepted":"yes"}`},
	}
	for _, r := range attempts {
		r.Headers = f.keyA
		if status, body := f.call(r); status < 400 || status >= 500 {
			t.Errorf("%s %s: %d %v", r.RouteKey, r.Body, status, body)
		}
	}
	// Consent, KYC start and an appeal in order: still waiting for the vendor.
	f.call(pt.Request{RouteKey: "POST /v1/users/{userId}/consent", Path: id, Headers: f.keyA, Body: `{"version":"v1","accepted":true}`})
	f.call(pt.Request{RouteKey: "POST /v1/users/{userId}/kyc", Path: id, Headers: f.keyA, Body: `{}`})
	if status, body := f.call(pt.Request{RouteKey: "POST /v1/users/{userId}/appeals", Path: id, Headers: f.keyA, Body: `{}`}); status != 409 {
		t.Errorf("appeal while pending: %d %v", status, body)
	}
	_, got := f.call(pt.Request{RouteKey: "GET /v1/users/{userId}", Path: id, Headers: f.keyA})
	if got["status"] != "pending_kyc" {
		t.Fatalf("status %v after every attempt", got["status"])
	}
}

func TestAnotherTenantsUserIsNotFoundOnEveryRoute(t *testing.T) {
	f := setup(t)
	_, u := f.call(pt.Request{RouteKey: "POST /v1/users", Headers: f.keyA, Body: `{"externalRef":"mine","type":"company","jurisdiction":"SG"}`})
	id := map[string]string{"userId": u["id"].(string)}
	for _, r := range []pt.Request{
		{RouteKey: "GET /v1/users/{userId}", Path: id},
		{RouteKey: "POST /v1/users/{userId}/consent", Path: id, Body: `{"version":"v1","accepted":true}`},
		{RouteKey: "DELETE /v1/users/{userId}/consent", Path: id},
		{RouteKey: "POST /v1/users/{userId}/kyc", Path: id, Body: `{}`},
		{RouteKey: "POST /v1/users/{userId}/appeals", Path: id, Body: `{}`},
		{RouteKey: "POST /v1/users/{userId}/members", Path: id, Body: `{"userId":"usr_x","roles":["ubo"]}`},
	} {
		r.Headers = f.keyB
		if status, body := f.call(r); status != 404 || pt.ErrorCode(body) != "user_not_found" {
			t.Errorf("%s as another tenant: %d %v", r.RouteKey, status, body)
		}
	}
	if _, list := f.call(pt.Request{RouteKey: "GET /v1/users", Headers: f.keyB}); len(list["items"].([]any)) != 0 {
		t.Errorf("another tenant lists %v", list["items"])
	}
	_, got := f.call(pt.Request{RouteKey: "GET /v1/users/{userId}", Path: id, Headers: f.keyA})
	if got["status"] != "pending_consent" || got["consent"] != nil {
		t.Fatalf("the owner's user changed: %v", got)
	}
}
